package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SimTime;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.Status;
import dev.gvsim.simcore.state.StateWriter;

class MemoryTimingTest {
    private static final long FRAME = 8L << 20;
    private static final long FB_VA = 0xffff800020000000L;
    private static final long FB_PA = 0x80_0000_0000L;

    /** Result of one frame copy: transactions and simulated time. */
    record Copy(long transactions, long bytes, long timePs) {
    }

    /** memcpy_toio of an 8 MiB frame with 8-byte stores through a mapping of type {@code t}. */
    private static Copy copyFrame(MemoryType t) {
        Rig r = new Rig();
        r.mmu.map(FB_VA, FB_PA, FRAME, t);
        MemoryTiming timing = new MemoryTiming(r.params, r.stats);
        Access a = new Access();
        long now = 0;
        for (long off = 0; off < FRAME; off += 8) {
            a.write(FB_VA + off, 8, off);
            r.mmu.translate(a);
            assertThat(a.status).isEqualTo(Status.OK);
            a.latencyPs = 0; // the BAR's own latency (RAM-like)
            timing.complete(a, now);
            now += a.latencyPs;
        }
        timing.barrier(0, now); // the wmb() after the copy
        timing.flush(now);
        long end = Math.max(now, timing.pathBusyUntil());
        assertThat(timing.bytes(t)).isEqualTo(FRAME);
        assertThat(timing.accesses(t)).isEqualTo(FRAME / 8);
        return new Copy(timing.transactions(t), timing.bytes(t), end);
    }

    @Test
    void frameCopyThroughNormalNcBeatsDeviceNgnre() {
        Copy dev = copyFrame(MemoryType.DEVICE_NGNRE);
        Copy nc = copyFrame(MemoryType.NORMAL_NC);
        System.out.printf("8 MiB frame copy, 8-byte stores: device-ngnre %d transactions %s; normal-nc %d transactions %s (%.1fx fewer, %.2fx faster)%n",
                dev.transactions(), SimTime.format(dev.timePs()), nc.transactions(), SimTime.format(nc.timePs()),
                (double) dev.transactions() / nc.transactions(), (double) dev.timePs() / nc.timePs());
        assertThat(dev.transactions()).isEqualTo(FRAME / 8);
        assertThat(nc.transactions()).isEqualTo(FRAME / 64);
        assertThat(dev.transactions()).isGreaterThanOrEqualTo(4 * nc.transactions());
        assertThat(nc.timePs()).isLessThan(dev.timePs());
    }

    private Rig rig;
    private MemoryTiming timing;
    private final Access a = new Access();

    private void setup(MemoryType t, String... sets) {
        rig = new Rig(sets);
        rig.mmu.map(FB_VA, FB_PA, 0x10000, t);
        timing = new MemoryTiming(rig.params, rig.stats);
    }

    private long access(int kind, long off, int size, int flags, long targetPs, long now) {
        if (kind == Access.WRITE) {
            a.write(FB_VA + off, size, 0);
        } else {
            a.read(FB_VA + off, size);
        }
        a.flags = flags;
        rig.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
        a.latencyPs = targetPs;
        timing.complete(a, now);
        return a.latencyPs;
    }

    @Test
    void ngnrneWritesWaitForCompletionNgnrePosts() {
        setup(MemoryType.DEVICE_NGNRNE);
        long strong = access(Access.WRITE, 0, 4, 0, SimTime.ns(40), 0);
        // occupancy 16 ns + 4 bytes at 15.75 B/ns (254 ps) + round trip 150 ns + target 40 ns
        assertThat(strong).isEqualTo(SimTime.ns(16) + 254 + SimTime.ns(150) + SimTime.ns(40));
        setup(MemoryType.DEVICE_NGNRE);
        long posted = access(Access.WRITE, 0, 4, 0, SimTime.ns(40), 0);
        assertThat(posted).isEqualTo(SimTime.ns(10)); // early acknowledgement
        long read = access(Access.READ, 0, 4, 0, SimTime.ns(40), SimTime.us(1));
        assertThat(read).isEqualTo(SimTime.ns(16) + 254 + SimTime.ns(150) + SimTime.ns(40));
        assertThat(timing.transactions(MemoryType.DEVICE_NGNRE)).isEqualTo(2);
    }

    @Test
    void postedWritesAreLimitedByThePath() {
        setup(MemoryType.DEVICE_NGNRE);
        long now = 0;
        for (int i = 0; i < 100; i++) {
            now += access(Access.WRITE, i * 8L, 8, 0, 0, now);
        }
        long occ = SimTime.ns(16) + 508; // 8 bytes at 15.75 B/ns
        assertThat(now).isGreaterThanOrEqualTo(99 * occ);
        assertThat(timing.transactions(MemoryType.DEVICE_NGNRE)).isEqualTo(100);
    }

    @Test
    void gatheringMergesAdjacentStoresUntilABarrier() {
        setup(MemoryType.NORMAL_NC);
        access(Access.WRITE, 0, 8, 0, 0, 0);
        access(Access.WRITE, 8, 8, 0, 0, 10);
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isZero();
        access(Access.WRITE, 16, 4, Access.F_BARRIER_AFTER, 0, 20);
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isEqualTo(1);
        assertThat(timing.bytes(MemoryType.NORMAL_NC)).isEqualTo(20);
        assertThat(timing.wcReport()).containsEntry("flush.barrier", 1L);
    }

    @Test
    void releaseStoreAndFullLineFlush() {
        setup(MemoryType.DEVICE_GRE);
        for (int i = 0; i < 8; i++) {
            access(Access.WRITE, i * 8L, 8, 0, 0, i);
        }
        assertThat(timing.transactions(MemoryType.DEVICE_GRE)).isEqualTo(1);
        assertThat(timing.wcReport()).containsEntry("flush.full_line", 1L);
        access(Access.WRITE, 64, 8, Access.F_REL, 0, 100);
        assertThat(timing.transactions(MemoryType.DEVICE_GRE)).isEqualTo(2);
    }

    @Test
    void nonAdjacentStoreAndTimeoutFlush() {
        setup(MemoryType.NORMAL_NC);
        access(Access.WRITE, 0, 8, 0, 0, 0);
        access(Access.WRITE, 32, 8, 0, 0, 10); // a hole: not adjacent
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isEqualTo(1);
        assertThat(timing.wcReport()).containsEntry("flush.non_adjacent", 1L);
        access(Access.WRITE, 40, 8, 0, 0, SimTime.us(5)); // adjacent, but the line timed out meanwhile
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isEqualTo(2);
        assertThat(timing.wcReport()).containsEntry("flush.timeout", 1L);
        timing.flush(SimTime.us(6));
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isEqualTo(3);
        assertThat(timing.bytes(MemoryType.NORMAL_NC)).isEqualTo(24);
    }

    @Test
    void readOfBufferedBytesDrainsTheLineFirst() {
        setup(MemoryType.NORMAL_NC);
        access(Access.WRITE, 0, 8, 0, 0, 0);
        access(Access.READ, 0, 8, 0, 0, 5);
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isEqualTo(2); // the store line, then the read
    }

    @Test
    void deviceNgreDoesNotGatherAndWriteBackIsACacheHit() {
        setup(MemoryType.DEVICE_NGRE);
        access(Access.WRITE, 0, 8, 0, 0, 0);
        access(Access.WRITE, 8, 8, 0, 0, 100);
        assertThat(timing.transactions(MemoryType.DEVICE_NGRE)).isEqualTo(2);
        setup(MemoryType.NORMAL_WB);
        long lat = access(Access.WRITE, 0, 8, 0, SimTime.ns(500), 0);
        assertThat(lat).isEqualTo(SimTime.ns(2));
        assertThat(timing.transactions(MemoryType.NORMAL_WB)).isZero();
        assertThat(timing.accesses(MemoryType.NORMAL_WB)).isEqualTo(1);
    }

    @Test
    void cpusHaveTheirOwnBuffers() {
        setup(MemoryType.NORMAL_NC);
        a.write(FB_VA, 8, 0);
        rig.mmu.translate(a);
        a.initiator = 1;
        timing.complete(a, 0);
        a.write(FB_VA + 8, 8, 0);
        rig.mmu.translate(a);
        a.initiator = 2;
        timing.complete(a, 1);
        timing.flush(10);
        assertThat(timing.transactions(MemoryType.NORMAL_NC)).isEqualTo(2);
        a.write(FB_VA, 8, 0);
        rig.mmu.translate(a);
        a.initiator = -5; // hostile initiator id: wrapped, counted
        timing.complete(a, 20);
        assertThat(rig.stats.get("mem.initiator_wrapped")).isEqualTo(1);
    }

    @Test
    void reportHasEveryTypeSorted() {
        setup(MemoryType.NORMAL_NC);
        access(Access.WRITE, 0, 8, Access.F_BARRIER_AFTER, 0, 0);
        assertThat(timing.report().keySet()).containsExactly("device-gre", "device-ngnre", "device-ngnrne", "device-ngre", "normal-nc",
                "normal-wb", "normal-wt");
        assertThat(timing.report().get("normal-nc").toString()).isEqualTo("{accesses=1, bytes=8, transactions=1}");
    }

    /**
     * The store fast path in {@link MemoryTiming#complete} (a store continuing the open line, no
     * barrier after it) gives exactly what the general path gives: the same latency for
     * every access of a random mix (stores that continue, skip, overlap and fill lines; every memory
     * type; reads of buffered bytes; barriers; idle gaps past the timeout; stalls on a busy buffer;
     * three CPUs and initiators outside the CPU range; accesses that already failed), the same
     * counters and the same checkpoint bytes.
     */
    @Test
    void openLineFastPathMatchesTheGeneralPath() {
        Stats fastStats = new Stats();
        Stats slowStats = new Stats();
        Params p = new Params().declareAll(MmuParams.ALL);
        MemoryTiming fast = new MemoryTiming(p, fastStats);
        MemoryTiming slow = new MemoryTiming(p, slowStats);
        slow.openLineFastPath = false;
        MemoryType[] types = MemoryType.values();
        int[] sizes = {1, 2, 4, 8, 8, 8, 16};
        SplittableRandom r = new SplittableRandom(2026);
        Access af = new Access();
        Access as = new Access();
        long[] next = new long[3];
        long now = 0;
        long continuing = 0;
        for (int i = 0; i < 200_000; i++) {
            int cpu = r.nextInt(8) == 0 ? r.nextInt(3) : 0;
            // outside mem.max_cpus (64): shares CPU cpu's buffer by modulo
            int initiator = r.nextInt(200) == 0 ? (r.nextBoolean() ? cpu - 64 : 64 + cpu) : cpu;
            boolean failed = r.nextInt(100) == 0;
            boolean write = r.nextInt(10) != 0;
            int size = sizes[r.nextInt(sizes.length)];
            int pick = r.nextInt(20);
            long addr = pick < 14 ? next[cpu] : pick < 16 ? next[cpu] - size : pick < 18 ? next[cpu] + 8 : r.nextLong(1 << 16);
            if (write && addr == next[cpu]) {
                continuing++;
            }
            next[cpu] = addr + size;
            MemoryType t = r.nextInt(6) == 0 ? types[r.nextInt(types.length)] : MemoryType.NORMAL_NC;
            int flags = r.nextInt(30) == 0 ? Access.F_BARRIER_AFTER : r.nextInt(60) == 0 ? Access.F_REL : 0;
            long target = r.nextInt(4) == 0 ? r.nextLong(200_000) : 0;
            for (Access a2 : new Access[] {af, as}) {
                a2.cpu(write ? Access.WRITE : Access.READ, addr, size, flags, initiator, 0, null);
                a2.memType = t.ordinal();
                a2.latencyPs = target;
                if (failed) {
                    a2.fail(Status.EXTERNAL_ABORT, 0);
                }
            }
            fast.complete(af, now);
            slow.complete(as, now);
            assertThat(af.latencyPs).as("access %d", i).isEqualTo(as.latencyPs);
            int gap = r.nextInt(100);
            now += gap == 0 ? 5_000_000 : gap < 50 ? af.latencyPs : r.nextLong(3_000); // idle past the 1 us timeout; back to back; short
        }
        assertThat(continuing).as("the mix exercises the fast path").isGreaterThan(100_000);
        assertThat(fast.report()).isEqualTo(slow.report());
        assertThat(fast.wcReport()).isEqualTo(slow.wcReport());
        assertThat((Long) fast.wcReport().get("stall_ps")).as("stalls happened").isPositive();
        assertThat(fast.pathBusyUntil()).isEqualTo(slow.pathBusyUntil());
        assertThat(new StateWriter("m").save(fast).toBytes()).isEqualTo(new StateWriter("m").save(slow).toBytes());
        fast.flush(now);
        slow.flush(now);
        assertThat(fast.wcReport()).isEqualTo(slow.wcReport());
    }
    /**
     * A store to a region the VMM emulates ({@link Access#F_EMULATED}) is posted without a hypervisor
     * (Device-nGnRE: the target's latency is not the CPU's), and waits for the target under a host
     * stage 2 (a trap: the vCPU runs on when the VMM returns), as a Device-nGnRnE store does. An
     * access without the flag (a passed-through BAR mapped Device at stage 2) stays posted; reads
     * wait for the target either way.
     */
    @Test
    void aStoreToAnEmulatedRegionIsPostedUnlessItTraps() {
        Rig r = new Rig();
        long target = 2_000_000; // qxl.io_latency's default, 2 us
        long[][] got = new long[2][4];
        for (int trap = 0; trap < 2; trap++) {
            MemoryTiming timing = new MemoryTiming(r.params, r.stats);
            timing.setTrapsEmulated(trap == 1);
            assertThat(timing.trapsEmulated()).isEqualTo(trap == 1);
            int k = 0;
            for (int kind : new int[] {Access.WRITE, Access.READ}) {
                for (boolean emulated : new boolean[] {true, false}) {
                    Access a = new Access().cpu(kind, 0x3eff1000L, 1, 0, 0, 0, null);
                    a.address = 0x3eff1000L;
                    a.memType = MemoryType.DEVICE_NGNRE.ordinal();
                    if (emulated) {
                        a.flags |= Access.F_EMULATED;
                    }
                    a.latencyPs = target;
                    long now = 10_000_000L * (k + 1); // the path idle before each
                    timing.complete(a, now);
                    got[trap][k++] = a.latencyPs;
                }
            }
        }
        long posted = got[0][0];
        assertThat(posted).as("posted store").isLessThan(target);
        assertThat(got[0][1]).as("posted store, not emulated").isEqualTo(posted);
        assertThat(got[1][1]).as("under stage 2, not emulated: still posted").isEqualTo(posted);
        assertThat(got[1][0]).as("trapped store waits for the VMM").isGreaterThan(target);
        // the trapped store costs what the read of the same register costs (a round trip plus the target)
        assertThat(got[1][0]).isEqualTo(got[1][2]);
        assertThat(got[0][2]).isEqualTo(got[1][2]);
        assertThat(got[0][3]).isEqualTo(got[1][3]);
    }
}
