package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.state.StateWriter;

/**
 * Issue 29: a run of stores through {@link MemoryTiming#runStore} and {@link MemoryTiming#countRun}
 * against one {@link MemoryTiming#complete} per store, in a random mix with single accesses of every
 * kind (reads of buffered bytes, other types, barriers, idle gaps past the timeout, stalls on a busy
 * buffer, three CPUs): the same latency for every store, the same counters, the same checkpoint bytes.
 */
class MemoryTimingRunTest {
    @Test
    void runOfStoresMatchesOneCompletePerStore() {
        Stats runStats = new Stats();
        Stats oneStats = new Stats();
        Params p = new Params().declareAll(MmuParams.ALL);
        MemoryTiming run = new MemoryTiming(p, runStats);
        MemoryTiming one = new MemoryTiming(p, oneStats);
        MemoryType[] types = MemoryType.values();
        int[] sizes = {1, 2, 4, 8, 8, 8, 16};
        SplittableRandom r = new SplittableRandom(29);
        Access ar = new Access();
        Access ao = new Access();
        long now = 0;
        long runStores = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            int cpu = r.nextInt(8) == 0 ? r.nextInt(3) : 0;
            int size = sizes[r.nextInt(sizes.length)];
            long addr = r.nextLong(1 << 16) & -size;
            MemoryType t = r.nextInt(5) == 0 ? types[r.nextInt(types.length)] : r.nextBoolean() ? MemoryType.NORMAL_NC : MemoryType.DEVICE_GRE;
            int flags = r.nextInt(20) == 0 ? Access.F_BARRIER_AFTER : r.nextInt(40) == 0 ? Access.F_REL : 0;
            if (r.nextInt(3) == 0) {
                // a single access of any kind on both
                boolean write = r.nextInt(4) != 0;
                for (Access a : new Access[] {ar, ao}) {
                    a.cpu(write ? Access.WRITE : Access.READ, addr, size, flags, cpu, 0, null);
                    a.memType = t.ordinal();
                }
                run.complete(ar, now);
                one.complete(ao, now);
                assertThat(ar.latencyPs).isEqualTo(ao.latencyPs);
                now += r.nextInt(10) == 0 ? 3_000_000 : ar.latencyPs;
                continue;
            }
            int n = 1 + r.nextInt(300);
            if (!run.acceptsRun(cpu, t.ordinal(), addr, size, flags)) {
                refused++;
                continue;
            }
            for (int k = 0; k < n; k++) {
                long lr = run.runStore(cpu, t.ordinal(), addr, size, now);
                ao.cpu(Access.WRITE, addr, size, flags, cpu, 0, null);
                ao.memType = t.ordinal();
                one.complete(ao, now);
                assertThat(lr).as("store %d of run %d", k, i).isEqualTo(ao.latencyPs);
                now += lr;
                addr += size;
            }
            run.countRun(t.ordinal(), n);
            runStores += n;
            if (r.nextInt(4) == 0) {
                now += r.nextInt(3_000_000); // idle, sometimes past the timeout
            }
        }
        assertThat(runStores).as("the mix exercises runs").isGreaterThan(500_000);
        assertThat(refused).as("and refuses what runs may not hold").isPositive();
        assertThat(run.report()).isEqualTo(one.report());
        assertThat(run.wcReport()).isEqualTo(one.wcReport());
        assertThat((Long) run.wcReport().get("stall_ps")).as("stalls happened").isPositive();
        assertThat(run.pathBusyUntil()).isEqualTo(one.pathBusyUntil());
        assertThat(new StateWriter("m").save(run).toBytes()).isEqualTo(new StateWriter("m").save(one).toBytes());
    }

    @Test
    void refusesWhatARunMayNotHold() {
        MemoryTiming m = new MemoryTiming(new Params().declareAll(MmuParams.ALL), new Stats());
        int nc = MemoryType.NORMAL_NC.ordinal();
        assertThat(m.acceptsRun(0, nc, 0x1000, 8, 0)).isTrue();
        assertThat(m.acceptsRun(0, MemoryType.DEVICE_GRE.ordinal(), 0x1000, 8, 0)).isTrue();
        assertThat(m.acceptsRun(0, MemoryType.DEVICE_NGNRE.ordinal(), 0x1000, 8, 0)).isFalse();
        assertThat(m.acceptsRun(0, MemoryType.NORMAL_WB.ordinal(), 0x1000, 8, 0)).isFalse();
        assertThat(m.acceptsRun(0, nc, 0x1004, 8, 0)).as("unaligned").isFalse();
        assertThat(m.acceptsRun(0, nc, 0x1000, 16, 0)).as("16 bytes (line size 64: accepted)").isTrue();
        assertThat(m.acceptsRun(0, nc, 0x1000, 8, Access.F_BARRIER_AFTER)).isFalse();
        assertThat(m.acceptsRun(0, nc, 0x1000, 8, Access.F_ACQ)).isFalse();
        assertThat(m.acceptsRun(-1, nc, 0x1000, 8, 0)).isFalse();
        assertThat(m.acceptsRun(4096, nc, 0x1000, 8, 0)).isFalse();
        m.setObserver((t, a, b) -> { });
        assertThat(m.acceptsRun(0, nc, 0x1000, 8, 0)).as("an observer installed").isFalse();
    }
}
