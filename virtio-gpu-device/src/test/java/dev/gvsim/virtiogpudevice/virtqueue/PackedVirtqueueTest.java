package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.Virtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** The packed ring: pop, push and wrap, out-of-order completion, indirect, event suppression, state. */
class PackedVirtqueueTest {
    private static final long IND = SplitVirtqueue.VIRTIO_F_INDIRECT_DESC;
    private static final long EVT = SplitVirtqueue.VIRTIO_F_EVENT_IDX;

    @Test
    void chainPopsAsWrittenAndUsedDescriptorCarriesIdAndLength() {
        GuestPackedRing g = new GuestPackedRing(8);
        PackedVirtqueue q = g.queue(0);
        Chain c = new Chain();
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        g.add(5, new long[] {BUFFERS, BUFFERS + 0x100, BUFFERS + 0x200}, new long[] {24, 40, 24}, new boolean[] {false, false, true});
        assertThat(q.isEmpty()).isFalse();
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.head()).isEqualTo(5);
        assertThat(c.segments()).isEqualTo(3);
        assertThat(c.readableSegments()).isEqualTo(2);
        assertThat(c.address(1)).isEqualTo(BUFFERS + 0x100);
        assertThat(c.length(1)).isEqualTo(40);
        assertThat(c.writable(2)).isTrue();
        assertThat(c.readableBytes()).isEqualTo(64);
        assertThat(c.indirect()).isFalse();
        assertThat(q.lastAvailIdx()).isEqualTo(3);
        assertThat(q.inUse()).isEqualTo(3);
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        q.push(5, 17);
        assertThat(g.hasUsed()).as("not published before flush").isFalse();
        q.flush();
        assertThat(g.takeUsed()).isTrue();
        assertThat(g.lastId).isEqualTo(5);
        assertThat(g.lastLen).isEqualTo(17);
        assertThat(q.usedIdx()).isEqualTo(3);
        assertThat(q.inUse()).isZero();
        assertThat(g.r(g.desc + PDESC_FLAGS, 2)).isEqualTo(VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED);
    }

    @Test
    void moreThanTwiceTheRingWrapsBothCountersBothWays() {
        int size = 8;
        GuestPackedRing g = new GuestPackedRing(size);
        PackedVirtqueue q = g.queue(0);
        Chain c = new Chain();
        int laps = 0;
        boolean wrapSeen = false;
        boolean last = q.lastAvailWrapCounter();
        for (int n = 0; n < 3 * size + 5; n++) {
            int len = 1 + n % 3; // 1..3 ring entries: chains straddle the end of the ring
            long[] a = new long[len];
            long[] l = new long[len];
            boolean[] wr = new boolean[len];
            for (int k = 0; k < len; k++) {
                a[k] = BUFFERS + 0x1000L * n + 0x100L * k;
                l[k] = 8 + k + n;
                wr[k] = k == len - 1 && len > 1;
            }
            int id = n % size;
            g.add(id, a, l, wr);
            assertThat(q.pop(c)).isEqualTo(CHAIN);
            assertThat(c.head()).isEqualTo(id);
            assertThat(c.segments()).isEqualTo(len);
            for (int k = 0; k < len; k++) {
                assertThat(c.address(k)).isEqualTo(a[k]);
                assertThat(c.length(k)).isEqualTo(l[k]);
                assertThat(c.writable(k)).isEqualTo(wr[k]);
            }
            q.push(id, 100 + n);
            q.flush();
            assertThat(g.takeUsed()).isTrue();
            assertThat(g.lastId).isEqualTo(id);
            assertThat(g.lastLen).isEqualTo(100 + n);
            assertThat(g.hasUsed()).isFalse();
            if (q.lastAvailWrapCounter() != last) {
                laps++;
                last = q.lastAvailWrapCounter();
                wrapSeen |= !last;
            }
            assertThat(q.usedIdx()).isEqualTo(q.lastAvailIdx());
            assertThat(q.usedWrapCounter()).isEqualTo(q.lastAvailWrapCounter());
        }
        assertThat(laps).as("wrap counter flips").isGreaterThanOrEqualTo(5);
        assertThat(wrapSeen).isTrue();
        assertThat(q.inUse()).isZero();
        assertThat(q.broken()).isFalse();
    }

    @Test
    void outOfOrderCompletionGoesInPushOrderByBufferId() {
        GuestPackedRing g = new GuestPackedRing(8);
        PackedVirtqueue q = g.queue(0);
        Chain c = new Chain();
        g.add(0, BUFFERS, 16, BUFFERS + 0x100, 16);
        g.add(1, BUFFERS, 16, BUFFERS + 0x200, 16);
        g.add(2, new long[] {BUFFERS}, new long[] {16}, new boolean[] {true});
        for (int k = 0; k < 3; k++) {
            assertThat(q.pop(c)).isEqualTo(CHAIN);
        }
        assertThat(q.inUse()).isEqualTo(5);
        // a batch: 2 (one entry), then 0 (two entries), then 1; published together by the flush
        q.push(2, 1);
        q.push(0, 2);
        q.push(1, 3);
        assertThat(g.hasUsed()).isFalse();
        q.flush();
        int[] ids = new int[3];
        int[] lens = new int[3];
        for (int k = 0; k < 3; k++) {
            assertThat(g.takeUsed()).isTrue();
            ids[k] = g.lastId;
            lens[k] = g.lastLen;
        }
        assertThat(ids).containsExactly(2, 0, 1);
        assertThat(lens).containsExactly(1, 2, 3);
        assertThat(q.usedIdx()).isEqualTo(5);
        assertThat(q.inUse()).isZero();
    }

    @Test
    void indirectTableIsReadToItsEndAndTakesOneRingEntry() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(IND, true);
        long table = BUFFERS + 0x8000;
        g.addIndirect(9, table, new long[] {BUFFERS, BUFFERS + 0x100, BUFFERS + 0x200}, new long[] {24, 16, 0x1_0000},
                new boolean[] {false, false, true});
        // a NEXT flag inside the table changes nothing: the table's length ends the chain
        g.w(table + PDESC_FLAGS, 2, VIRTQ_DESC_F_NEXT);
        Chain c = new Chain();
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.indirect()).isTrue();
        assertThat(c.head()).isEqualTo(9);
        assertThat(c.segments()).isEqualTo(3);
        assertThat(c.writableBytes()).isEqualTo(0x1_0000);
        assertThat(q.lastAvailIdx()).isEqualTo(1);
        assertThat(q.inUse()).isEqualTo(1);
        q.push(9, 4);
        q.flush();
        assertThat(g.takeUsed()).isTrue();
        assertThat(g.lastId).isEqualTo(9);
        assertThat(q.usedIdx()).isEqualTo(1);
    }

    @Test
    void driverEventSuppressionDisableEnableAndDesc() {
        int size = 8;
        GuestPackedRing g = new GuestPackedRing(size);
        PackedVirtqueue q = g.queue(EVT);
        Chain c = new Chain();
        g.setDriverEvent(RING_EVENT_FLAGS_DISABLE, 0);
        assertThat(oneBuffer(g, q, c)).isFalse();
        g.setDriverEvent(RING_EVENT_FLAGS_ENABLE, 0);
        assertThat(oneBuffer(g, q, c)).isTrue();
        assertThat(oneBuffer(g, q, c)).isTrue();
        // DESC: interrupt once the used index passes off_wrap (on the lap its bit 15 names); used_idx is 3 now
        g.setDriverEvent(RING_EVENT_FLAGS_DESC, 5 | 1 << 15);
        assertThat(oneBuffer(g, q, c)).as("used 3 -> 4, event at 5").isFalse();
        assertThat(oneBuffer(g, q, c)).as("used 4 -> 5").isFalse();
        assertThat(oneBuffer(g, q, c)).as("used 5 -> 6 passes 5").isTrue();
        // an event on the next lap (wrap bit 0): 1 of lap 2; the used index wraps 7 -> 0 (signalled record invalidated)
        g.setDriverEvent(RING_EVENT_FLAGS_DESC, 1);
        assertThat(oneBuffer(g, q, c)).as("used 6 -> 7").isFalse();
        assertThat(oneBuffer(g, q, c)).as("used 7 -> 0: wrap, first after invalidation").isTrue();
        assertThat(q.usedWrapCounter()).isFalse();
        assertThat(oneBuffer(g, q, c)).as("used 0 -> 1").isFalse();
        assertThat(oneBuffer(g, q, c)).as("used 1 -> 2 passes 1").isTrue();
        assertThat(PackedVirtqueue.packedNeedEvent(size, true, 2 | 1 << 15, 3, 2)).isTrue();
        assertThat(PackedVirtqueue.packedNeedEvent(size, true, 2, 3, 2)).as("event a lap back").isFalse();
    }

    private static boolean oneBuffer(GuestPackedRing g, PackedVirtqueue q, Chain c) {
        g.add(0, new long[] {BUFFERS}, new long[] {8}, new boolean[] {true});
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        q.push(c.head(), 8);
        q.flush();
        assertThat(g.takeUsed()).isTrue();
        return q.needsInterrupt();
    }

    @Test
    void deviceEventSuppressionWrittenBySetNotification() {
        GuestPackedRing g = new GuestPackedRing(8);
        PackedVirtqueue q = g.queue(EVT);
        q.setNotification(false);
        assertThat(g.deviceEventFlags()).isEqualTo(RING_EVENT_FLAGS_DISABLE);
        Chain c = new Chain();
        g.add(1, new long[] {BUFFERS}, new long[] {8}, new boolean[] {true});
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        q.setNotification(true);
        assertThat(g.deviceEventFlags()).isEqualTo(RING_EVENT_FLAGS_DESC);
        assertThat(g.deviceEventOffWrap()).isEqualTo(1 | 1 << 15);
        PackedVirtqueue plain = new GuestPackedRing(8).queue(0);
        plain.setNotification(true);
        assertThat(plain.notificationEnabled()).isTrue();
    }

    @Test
    void configureMapsRingDeviceAreaThenDriverArea() {
        GuestRing mem = new GuestRing(8, 1 << 20);
        PackedVirtqueue q = new PackedVirtqueue(mem.dma);
        assertThat(q.configure(8, GuestRing.BASE + (1 << 20) - 64, mem.avail, mem.used, 0)).isEqualTo(VirtqueueError.CANNOT_MAP_DESC);
        q.reset();
        assertThat(q.configure(8, mem.desc, mem.avail, GuestRing.BASE + (1 << 20) - 2, 0)).isEqualTo(VirtqueueError.CANNOT_MAP_USED);
        q.reset();
        assertThat(q.configure(8, mem.desc, GuestRing.BASE - 4, mem.used, 0)).isEqualTo(VirtqueueError.CANNOT_MAP_AVAIL);
        assertThat(q.errorMessage()).isEqualTo("Cannot map avail");
        q.reset();
        assertThat(q.configure(5, mem.desc, mem.avail, mem.used, 0)).as("any size").isEqualTo(VirtqueueError.NONE);
        assertThat(PackedVirtqueue.validSize(32768)).isTrue();
        assertThat(PackedVirtqueue.validSize(32769)).isFalse();
    }

    private static byte[] save(Virtqueue q) {
        StateWriter w = new StateWriter("test");
        w.begin("vq");
        q.saveState(w);
        w.end();
        return w.toBytes();
    }

    private static void restore(Virtqueue q, byte[] b) throws InputException {
        StateReader r = new StateReader(b);
        r.open("vq");
        q.restoreState(r);
    }

    @Test
    void checkpointMidFlightContinuesExactly() throws InputException {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(EVT | IND);
        Chain c = new Chain();
        for (int n = 0; n < 5; n++) {
            g.add(n % 4, BUFFERS, 8, BUFFERS + 0x100, 8);
            assertThat(q.pop(c)).isEqualTo(CHAIN);
            q.push(c.head(), 8);
            q.flush();
            assertThat(g.takeUsed()).isTrue();
        }
        g.add(3, BUFFERS, 8, BUFFERS + 0x100, 8);
        assertThat(q.pop(c)).isEqualTo(CHAIN); // in flight across the checkpoint
        byte[] b = save(q);
        PackedVirtqueue fresh = new PackedVirtqueue(g.dma);
        restore(fresh, b);
        assertThat(save(fresh)).isEqualTo(b);
        fresh.push(3, 6);
        fresh.flush();
        assertThat(g.takeUsed()).isTrue();
        assertThat(g.lastId).isEqualTo(3);
        assertThat(fresh.usedIdx()).isEqualTo(0);
        assertThat(fresh.usedWrapCounter()).as("12 entries used on a ring of 4: third lap").isFalse();
        assertThat(fresh.inUse()).isZero();
        PackedVirtqueue other = new PackedVirtqueue(g.dma);
        byte[] before = save(other);
        StateWriter w = new StateWriter("test");
        w.begin("vq");
        w.putBoolean(true).putInt(0).putLong(0).putLong(0).putLong(0).putBoolean(false).putBoolean(false); // ready, size 0
        w.putInt(0).putBoolean(true).putInt(0).putBoolean(true).putInt(0).putBoolean(true).putInt(0).putBoolean(false).putBoolean(true);
        w.putInt(0).putInt(0).putInt(0).putInt(0);
        w.putBoolean(false).putInt(0).putInt(0).putInt(0);
        w.end();
        assertThatThrownBy(() -> restore(other, w.toBytes())).isInstanceOf(InputException.class).hasMessageContaining("queue size 0");
        assertThat(save(other)).isEqualTo(before);
    }

    @Test
    void popPushFlushAndNeedsInterruptDoNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean tb = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(tb.isThreadAllocatedMemorySupported());
        GuestPackedRing g = new GuestPackedRing(64);
        PackedVirtqueue q = g.queue(EVT | IND);
        long table = BUFFERS + 0x10000;
        g.desc(table, 0, BUFFERS, 24, 0, 0);
        g.desc(table, 1, BUFFERS + 0x100, 24, 0, VIRTQ_DESC_F_WRITE);
        g.setDriverEvent(RING_EVENT_FLAGS_DESC, 0);
        Chain c = new Chain();
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            long before = tb.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int n = 0; n < 100_000; n++) {
                // the driver's side, inline: alternate an indirect buffer and a two-entry chain
                int at = q.lastAvailIdx();
                boolean wrap = q.lastAvailWrapCounter();
                long d = g.desc + (long) PDESC_SIZE * at;
                if (n % 2 == 0) {
                    g.w(d + PDESC_ADDR, 8, table);
                    g.w(d + PDESC_LEN, 4, 32);
                    g.w(d + PDESC_ID, 2, 1);
                    g.w(d + PDESC_FLAGS, 2, VIRTQ_DESC_F_INDIRECT | GuestPackedRing.availBits(wrap));
                } else {
                    int nx = at + 1 == 64 ? 0 : at + 1;
                    long d2 = g.desc + (long) PDESC_SIZE * nx;
                    g.w(d2 + PDESC_ADDR, 8, BUFFERS + 0x100);
                    g.w(d2 + PDESC_LEN, 4, 24);
                    g.w(d2 + PDESC_FLAGS, 2, VIRTQ_DESC_F_WRITE | GuestPackedRing.availBits(nx == 0 ? !wrap : wrap));
                    g.w(d + PDESC_ADDR, 8, BUFFERS);
                    g.w(d + PDESC_LEN, 4, 24);
                    g.w(d + PDESC_ID, 2, 2);
                    g.w(d + PDESC_FLAGS, 2, VIRTQ_DESC_F_NEXT | GuestPackedRing.availBits(wrap));
                }
                if (q.pop(c) == CHAIN) {
                    sink += c.readableBytes() + c.writableBytes();
                    q.push(c.head(), 24);
                    q.flush();
                    if (q.needsInterrupt()) {
                        sink++;
                    }
                }
            }
            long allocated = tb.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            if (round == 2) {
                assertThat(allocated).as("bytes allocated by 100k pop/push/flush/needsInterrupt").isLessThan(4096);
            }
        }
        assertThat(q.broken()).isFalse();
        assertThat(sink).isGreaterThan(100_000);
    }
}
