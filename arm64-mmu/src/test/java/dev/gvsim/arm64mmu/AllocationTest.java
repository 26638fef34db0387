package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;

/**
 * Translation and timing allocate nothing per access, TLB hit or miss (measured with the JVM's
 * per-thread allocation counter; the JMH -prof gc benchmark belongs to the benchmarks module).
 */
class AllocationTest {
    @Test
    void translateAndCompleteDoNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean tb = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(tb.isThreadAllocatedMemorySupported());
        Rig r = new Rig("mmu.tlb.entries=16");
        long va = 0xffff800020000000L;
        r.mmu.map(va, 0x80_0000_0000L, 1L << 20, MemoryType.NORMAL_NC);
        r.mmu.map(va + (1L << 20), 0x80_1000_0000L, 1L << 20, MemoryType.DEVICE_NGNRE);
        r.mmu.s2map(0x80_0000_0000L, 0x80_0000_0000L, 1L << 30, MemoryType.NORMAL_NC);
        MemoryTiming timing = new MemoryTiming(r.params, r.stats);
        Access a = new Access();
        long now = 0;
        long[] sink = new long[1];
        for (int round = 0; round < 3; round++) { // warm-up rounds, then the measured one
            long before = tb.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 200_000; i++) {
                // 512 pages over a 16-entry TLB: mostly misses with 2-stage walks; plus faults
                long off = ((long) i * 4100) & ((2L << 20) - 1);
                a.write(va + off, 8, i);
                r.mmu.translate(a);
                if (a.ok()) {
                    a.latencyPs = 0;
                    timing.complete(a, now);
                    now += a.latencyPs;
                }
                sink[0] += a.detail;
            }
            long allocated = tb.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            if (round == 2) {
                assertThat(allocated).as("bytes allocated by 200k translations").isLessThan(4096);
            }
        }
        assertThat(r.stats.get("mmu.tlb.misses")).isGreaterThan(100_000);
        assertThat(r.stats.get("mmu.faults.alignment")).isGreaterThan(0);
    }
}
