package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** MMU and write-gathering state take part in checkpoints (issue 11). */
class MmuCheckpointTest {
    static final long RAM = 0x4000_0000L;

    record Sys(SparseMemory ram, Mmu mmu, MemoryTiming timing, Stats stats) {
        static Sys of(String... sets) {
            Params p = new Params().declareAll(MmuParams.ALL);
            for (String s : sets) {
                p.set(s);
            }
            Stats st = new Stats();
            SparseMemory ram = new SparseMemory("ram", 1L << 30);
            return new Sys(ram, new Mmu(ram, RAM, p, st), new MemoryTiming(p, st), st);
        }

        byte[] save() {
            StateWriter w = new StateWriter("test");
            return w.save(ram).save(mmu).save(timing).save(stats).toBytes();
        }

        void restore(byte[] b) throws InputException {
            StateReader r = new StateReader(b);
            r.restore(ram);
            r.restore(mmu);
            r.restore(timing);
            r.restore(stats);
        }
    }

    @Test
    void translationsTlbAndGatheringContinueIdentically() throws Exception {
        Sys a = Sys.of();
        a.mmu().map(0xffff800010000000L, 0x1000_0000L, 0x10000, MemoryType.NORMAL_NC);
        a.mmu().map(0xffff800018000000L, 0x1800_0000L, 0x2000, MemoryType.DEVICE_NGNRE);
        a.mmu().s2map(0x1000_0000L, 0x1000_0000L, 0x10000, MemoryType.NORMAL_WB);
        Access x = new Access();
        for (int i = 0; i < 5; i++) { // leaves a partly filled write-combining line
            x.reset().write(0, 8, i);
            x.va = 0xffff800010000000L + 8L * i;
            a.mmu().translate(x);
            a.timing().complete(x, 1000L * i);
        }
        byte[] cp = a.save();
        Sys b = Sys.of();
        b.restore(cp);
        assertThat(b.save()).isEqualTo(cp);
        for (Sys s : new Sys[] {a, b}) {
            Access y = new Access().write(0, 8, 9);
            y.va = 0xffff800010000028L;
            s.mmu().translate(y);
            s.timing().complete(y, 6000);
            s.timing().flush(10_000);
        }
        assertThat(b.timing().report()).isEqualTo(a.timing().report());
        assertThat(b.mmu().report()).isEqualTo(a.mmu().report());
        assertThat(b.save()).isEqualTo(a.save());
    }

    @Test
    void aDifferentTlbSizeIsRefused() throws Exception {
        byte[] cp = Sys.of().save();
        Sys other = Sys.of("mmu.tlb.entries=64");
        assertThatThrownBy(() -> other.restore(cp)).isInstanceOf(InputException.class).hasMessageContaining("mmu.tlb.entries");
    }
}
