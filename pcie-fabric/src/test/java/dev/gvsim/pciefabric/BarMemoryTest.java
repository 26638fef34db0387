package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.SparseMemory;

/**
 * The PCI host's decode cache goes straight to a BAR's {@link BarMemory} for plain accesses. A
 * function that declares its RAM BARs that way must behave exactly like the same function that
 * leaves every access to its {@code barAccess}: same access outcome (every field), same memory
 * content, same host report (per-function counters, rule violations, aborts).
 */
class BarMemoryTest {
    private static final long LATENCY = 7_000;

    /**
     * BAR0: RAM rules (1..16, unaligned); BAR1: no rules; BAR2: 1..8 bytes, aligned only; BAR3:
     * registers that take 4 bytes aligned only. All declare their memory (when {@code declares}).
     */
    static final class RamDevice extends TestDevices.Recording {
        final boolean declares;
        final SparseMemory[] mem = {new SparseMemory("bar0", 32768), new SparseMemory("bar1", 16384), new SparseMemory("bar2", 4096),
            new SparseMemory("bar3", 4096)};
        final BarMemory[] behind = new BarMemory[4];
        int calls;

        RamDevice(boolean declares) {
            super("ram-dev", 0x1234, 0x1111, 0x038000, 1);
            this.declares = declares;
            declareBar(new Bar(0, BarKind.MEM32, 32768, false, new AccessRules(1, 16, true, 1, 16), "ram"));
            declareBar(new Bar(1, BarKind.MEM32, 16384, false, null, "plain"));
            declareBar(new Bar(2, BarKind.MEM32, 4096, false, AccessRules.aligned(1, 8), "aligned"));
            declareBar(new Bar(3, BarKind.MEM32, 4096, false, AccessRules.aligned(4, 4), "regs"));
            for (int i = 0; i < 4; i++) {
                behind[i] = new BarMemory(mem[i], LATENCY);
            }
            sealResetImage();
        }

        @Override
        public BarMemory memoryBehind(Bar bar) {
            return declares ? behind[bar.index] : null;
        }

        @Override
        public void barAccess(Bar bar, long offset, Access a) {
            calls++;
            a.latencyPs += LATENCY;
            mem[bar.index].access(a, offset);
        }
    }

    @Test
    void sameOutcomeWithAndWithoutTheDeclaredMemory() throws Exception {
        RamDevice fastDev = new RamDevice(true);
        RamDevice slowDev = new RamDevice(false);
        PciHost fast = host(fastDev);
        PciHost slow = host(slowDev);
        long[] base = new long[4];
        for (int i = 0; i < 4; i++) {
            base[i] = fastDev.barAddress(i);
            assertThat(slowDev.barAddress(i)).isEqualTo(base[i]);
        }
        int[] sizes = {1, 2, 4, 8, 16, 3, 0, 32};
        SplittableRandom rnd = new SplittableRandom(42);
        UnsafeBuffer bufA = new UnsafeBuffer(new byte[64]);
        UnsafeBuffer bufB = new UnsafeBuffer(new byte[64]);
        Access a = new Access();
        Access b = new Access();
        int bar = 0;
        long emulated = 0;
        for (int i = 0; i < 100_000; i++) {
            if (i % 32 == 0) {
                bar = rnd.nextInt(4); // runs on one BAR, as drivers make them (the decode cache holds one BAR)
            }
            long barSize = fastDev.bar(bar).size;
            // mostly inside, sometimes across the end or just past it
            long off = rnd.nextInt(8) == 0 ? barSize - rnd.nextInt(24) : rnd.nextLong(barSize);
            int size = rnd.nextInt(4) == 0 ? sizes[rnd.nextInt(sizes.length)] : 8;
            boolean write = rnd.nextBoolean();
            long value = rnd.nextLong();
            int kindOfData = rnd.nextInt(10);
            for (Access x : new Access[] {a, b}) {
                x.cpu(write ? Access.WRITE : Access.READ, 0, size, 0, 0, 0, null);
                x.address = base[bar] + off;
                x.data = value;
                x.latencyPs = 100;
                if (kindOfData == 0) {
                    x.flags |= Access.F_NO_DATA;
                } else if (kindOfData == 1 && size > 0 && size <= 64) {
                    x.buffer = x == a ? bufA : bufB;
                    x.buffer.putLong(0, value);
                }
            }
            fast.mmio32Access(a);
            slow.mmio32Access(b);
            // one difference is meant: a BAR that declares its memory is a memslot (RAM), one that does
            // not is emulated by the VMM, which the host marks (it traps under a host stage 2)
            assertThat(a.flags & Access.F_EMULATED).as("access %d: declared memory is not emulated", i).isZero();
            if ((b.flags & Access.F_EMULATED) != 0) {
                emulated++;
                b.flags &= ~Access.F_EMULATED;
            }
            assertSameFields(a, b, i);
        }
        for (int i = 0; i < 4; i++) {
            for (long o = 0; o < fastDev.mem[i].capacity(); o += 8) {
                assertThat(fastDev.mem[i].read(o, 8)).as("BAR%d +0x%x", i, o).isEqualTo(slowDev.mem[i].read(o, 8));
            }
        }
        assertThat(fast.report()).isEqualTo(slow.report());
        assertThat((Long) fast.report().get("bar_access_rule_violations")).as("the rules were exercised").isPositive();
        // the short path took most accesses: barAccess saw them all on one side, few on the other
        assertThat(slowDev.calls).isGreaterThan(50_000);
        assertThat(emulated).as("accesses the undeclared side marked emulated").isGreaterThanOrEqualTo(slowDev.calls);
        assertThat(fastDev.calls).isLessThan(slowDev.calls / 2);
    }

    @Test
    void barMemoryRefusesANegativeLatencyAndNoMemory() {
        assertThatThrownBy(() -> new BarMemory(new SparseMemory("m", 16), -1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> new BarMemory(null, 0)).isInstanceOf(NullPointerException.class);
    }

    private static PciHost host(RamDevice d) {
        PciHost h = TestDevices.specHost();
        h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        h.add(d, "rp1", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        return h;
    }

    private static void assertSameFields(Access a, Access b, int i) throws IllegalAccessException {
        for (Field f : Access.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("buffer")) {
                continue;
            }
            assertThat(f.get(a)).as("access %d: %s", i, f.getName()).isEqualTo(f.get(b));
        }
        assertThat(a.buffer == null).isEqualTo(b.buffer == null);
        if (a.buffer != null) {
            assertThat(a.buffer.getLong(0)).as("access %d: buffer", i).isEqualTo(b.buffer.getLong(0));
        }
    }
}
