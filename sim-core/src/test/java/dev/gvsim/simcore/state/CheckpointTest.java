package dev.gvsim.simcore.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;

/** The checkpoint container and the sim-core components that take part (issue 11, first slice). */
class CheckpointTest {
    static final String MACHINE = "-M virt -device qxl";

    static byte[] save(Checkpointable... cs) {
        StateWriter w = new StateWriter(MACHINE);
        for (Checkpointable c : cs) {
            w.save(c);
        }
        return w.toBytes();
    }

    static SparseMemory touched() {
        SparseMemory m = new SparseMemory("ram", 1L << 30);
        m.writeLong(0x1000, 0x1122334455667788L);
        m.writeBytes(0x3FFF_F000L, new byte[] {1, 2, 3}, 0, 3);
        m.writeLong(0x200000, 0); // allocated but all zeros: not stored
        return m;
    }

    static Stats stats() {
        Stats s = new Stats();
        s.counter("mmu.tlb.hits").add(42);
        s.counter("qxl.io.reset").inc();
        s.histogram("lat", 1_000_000).recordValue(1234);
        return s;
    }

    @Test
    void saveRestoreSaveGivesIdenticalBytes() throws Exception {
        byte[] first = save(touched(), stats());
        SparseMemory m = new SparseMemory("ram", 1L << 30);
        m.writeLong(0x5000, -1L); // state of the fresh machine that the checkpoint must override
        Stats s = new Stats();
        s.counter("mmu.tlb.hits").add(7);
        StateReader r = new StateReader(first);
        r.requireMachine(MACHINE);
        r.restore(m);
        r.restore(s);
        assertThat(m.readLong(0x1000)).isEqualTo(0x1122334455667788L);
        assertThat(m.readLong(0x5000)).isZero();
        assertThat(s.get("mmu.tlb.hits")).isEqualTo(42);
        assertThat(s.histogram("lat", 1_000_000).getTotalCount()).isEqualTo(1);
        assertThat(save(m, s)).isEqualTo(first);
    }

    @Test
    void sparsePagesKeepTheCheckpointSmall() {
        byte[] b = save(touched());
        assertThat(b.length).as("two non-zero pages of a 1 GiB RAM, compressed").isLessThan(1024);
    }

    @Test
    void damageVersionAndForeignMachinesAreClearErrors() throws Exception {
        byte[] ok = save(touched());
        byte[] flipped = ok.clone();
        flipped[ok.length / 2] ^= 0x40;
        assertThatThrownBy(() -> new StateReader(flipped)).isInstanceOf(InputException.class).hasMessageContaining("CRC32C");
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 9);
        assertThatThrownBy(() -> new StateReader(cut)).isInstanceOf(InputException.class);
        assertThatThrownBy(() -> new StateReader("not a checkpoint at all".getBytes())).isInstanceOf(InputException.class)
                .hasMessageContaining("GVCK");
        for (int v : new int[] {StateWriter.VERSION + 1, StateWriter.VERSION - 1}) { // newer than this build reads; an older layout
            byte[] other = ok.clone();
            other[7] = (byte) v; // version field
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(other, 0, other.length - 4);
            int c = (int) crc.getValue();
            other[other.length - 4] = (byte) (c >>> 24);
            other[other.length - 3] = (byte) (c >>> 16);
            other[other.length - 2] = (byte) (c >>> 8);
            other[other.length - 1] = (byte) c;
            assertThatThrownBy(() -> new StateReader(other)).isInstanceOf(InputException.class).hasMessageContaining("version " + v + " is not supported");
        }
        StateReader r = new StateReader(ok);
        assertThatThrownBy(() -> r.requireMachine("-M virt")).isInstanceOf(InputException.class).hasMessageContaining("different machine");
        assertThatThrownBy(() -> r.restore(stats())).isInstanceOf(InputException.class).hasMessageContaining("no section stats");
        SparseMemory small = new SparseMemory("ram", 1L << 20);
        assertThatThrownBy(() -> r.restore(small)).isInstanceOf(InputException.class).hasMessageContaining("capacity");
    }

    @Test
    void pendingEventsSurviveWithTheirHandlesAndOrder() throws Exception {
        java.util.List<String> log = new java.util.ArrayList<>();
        dev.gvsim.simcore.EventKernel a = new dev.gvsim.simcore.EventKernel();
        dev.gvsim.simcore.EventHandler ha = (t, x) -> log.add("a" + x + "@" + t);
        a.register("dev.tick", ha);
        a.schedule(30, ha, 3);
        long handle = a.schedule(20, ha, 2);
        a.schedule(20, ha, 22); // same time: after the one above
        a.schedule(10, ha, 1);
        a.runUntil(15);
        byte[] cp = save(a);

        java.util.List<String> log2 = new java.util.ArrayList<>();
        dev.gvsim.simcore.EventKernel b = new dev.gvsim.simcore.EventKernel();
        dev.gvsim.simcore.EventHandler hb = (t, x) -> log2.add("a" + x + "@" + t);
        b.register("dev.tick", hb);
        new StateReader(cp).restore(b);
        assertThat(b.now()).isEqualTo(15);
        assertThat(save(b)).isEqualTo(cp);
        assertThat(b.cancel(handle)).as("a handle taken before the checkpoint still names its event").isTrue();
        b.runUntilEmpty();
        assertThat(log2).containsExactly("a22@20", "a3@30");

        dev.gvsim.simcore.EventKernel c = new dev.gvsim.simcore.EventKernel();
        assertThatThrownBy(() -> new StateReader(cp).restore(c)).isInstanceOf(InputException.class).hasMessageContaining("dev.tick");
        dev.gvsim.simcore.EventKernel d = new dev.gvsim.simcore.EventKernel();
        d.schedule(5, (t, x) -> { }, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> save(d)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("never registered");
    }
}
