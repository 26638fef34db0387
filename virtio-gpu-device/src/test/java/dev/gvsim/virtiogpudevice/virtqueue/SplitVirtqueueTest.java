package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BASE;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Normal operation: chains, the used ring, interrupt suppression, index wrap. */
class SplitVirtqueueTest {
    private static final int R = 0;
    private static final int W = VIRTQ_DESC_F_WRITE;
    private static final int N = VIRTQ_DESC_F_NEXT;

    @Test
    void directChainReadableThenWritable() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(3, BUFFERS, 24, R | N, 5);
        g.desc(5, BUFFERS + 0x100, 40, R | N, 1);
        g.desc(1, BUFFERS + 0x200, 24, W, 0);
        g.offer(3);
        Chain c = new Chain();
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.head()).isEqualTo(3);
        assertThat(c.segments()).isEqualTo(3);
        assertThat(c.readableSegments()).isEqualTo(2);
        assertThat(c.writableSegments()).isEqualTo(1);
        assertThat(c.address(0)).isEqualTo(BUFFERS);
        assertThat(c.address(1)).isEqualTo(BUFFERS + 0x100);
        assertThat(c.address(2)).isEqualTo(BUFFERS + 0x200);
        assertThat(c.length(1)).isEqualTo(40);
        assertThat(c.writable(1)).isFalse();
        assertThat(c.writable(2)).isTrue();
        assertThat(c.readableBytes()).isEqualTo(64);
        assertThat(c.writableBytes()).isEqualTo(24);
        assertThat(c.indirect()).isFalse();
        assertThat(q.lastAvailIdx()).isEqualTo(1);
        assertThat(q.inUse()).isEqualTo(1);
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        assertThat(c.segments()).isZero();
    }

    @Test
    void indirectChain() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC, true);
        long table = BUFFERS + 0x1000;
        g.desc(table, 0, BUFFERS, 24, R | N, 2);
        g.desc(table, 2, BUFFERS + 0x100, 16, R | N, 1);
        g.desc(table, 1, BUFFERS + 0x200, 0x1_0000, W, 0);
        g.desc(0, table, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
        g.offer(0);
        Chain c = new Chain();
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.indirect()).isTrue();
        assertThat(c.head()).isZero();
        assertThat(c.segments()).isEqualTo(3);
        assertThat(c.readableBytes()).isEqualTo(40);
        assertThat(c.writableBytes()).isEqualTo(0x1_0000);
        assertThat(c.address(2)).isEqualTo(BUFFERS + 0x200);
    }

    @Test
    void notReadyOrEmptyQueuePopsNothing() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = new SplitVirtqueue(g.dma);
        Chain c = new Chain();
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        q = g.queue(0);
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.broken()).isFalse();
    }

    @Test
    void pushWritesTheUsedElementAndFlushPublishesIdx() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(2, BUFFERS, 24, R | N, 4);
        g.desc(4, BUFFERS + 0x100, 24, W, 0);
        g.desc(6, BUFFERS + 0x200, 8, R, 0);
        g.offer(2);
        g.offer(6);
        Chain c = new Chain();
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        q.push(c.head(), 24);
        assertThat(g.usedId(0)).isEqualTo(2);
        assertThat(g.usedLen(0)).isEqualTo(24);
        assertThat(g.usedIdx()).as("not published before flush").isZero();
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.head()).isEqualTo(6);
        q.push(c.head(), 0);
        assertThat(g.usedId(1)).isEqualTo(6);
        assertThat(q.pendingUsed()).isEqualTo(2);
        q.flush();
        assertThat(g.usedIdx()).isEqualTo(2);
        assertThat(q.usedIdx()).isEqualTo(2);
        assertThat(q.inUse()).isZero();
        assertThat(q.pendingUsed()).isZero();
    }

    @Test
    void indicesWrapAt16Bits() {
        GuestRing g = new GuestRing(4);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX);
        for (int i = 0; i < 4; i++) {
            g.desc(i, BUFFERS + 0x100L * i, 16, W, 0);
        }
        Chain c = new Chain();
        int total = 70_000;
        for (int n = 0; n < total; n++) {
            g.offer(n % 4 ^ 1);
            assertThat(q.pop(c)).isEqualTo(CHAIN);
            assertThat(c.head()).isEqualTo(n % 4 ^ 1);
            q.push(c.head(), n);
            q.flush();
            assertThat(g.usedLen(n % 4)).isEqualTo(n);
        }
        assertThat(q.lastAvailIdx()).isEqualTo(total & 0xFFFF);
        assertThat(g.usedIdx()).isEqualTo(total & 0xFFFF);
        assertThat(g.availEvent()).isEqualTo(total & 0xFFFF);
        assertThat(q.pop(c)).isEqualTo(EMPTY);
    }

    @Test
    void noInterruptFlagWithoutEventIdx() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        assertThat(q.needsInterrupt()).isTrue();
        g.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
        assertThat(q.needsInterrupt()).isFalse();
        g.setAvailFlags(0);
        assertThat(q.needsInterrupt()).isTrue();
    }

    @Test
    void eventIdxInterruptsWhenUsedIdxPassesUsedEvent() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX);
        g.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT); // ignored with EVENT_IDX
        for (int i = 0; i < 8; i++) {
            g.desc(i, BUFFERS + 0x100L * i, 16, W, 0);
        }
        Chain c = new Chain();
        g.setUsedEvent(0);
        g.offer(0);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(g.availEvent()).as("avail_event = last_avail_idx after a pop").isEqualTo(1);
        q.push(0, 1);
        q.flush();
        assertThat(q.needsInterrupt()).as("first signal always").isTrue();
        // driver wants an interrupt only once used.idx passes 2 (used_event = 2)
        g.setUsedEvent(2);
        g.offer(1);
        q.pop(c);
        q.push(1, 1);
        q.flush(); // used.idx 2
        assertThat(q.needsInterrupt()).isFalse();
        g.offer(2);
        q.pop(c);
        q.push(2, 1);
        q.flush(); // used.idx 3: passed 2
        assertThat(q.needsInterrupt()).isTrue();
        assertThat(q.needsInterrupt()).as("nothing new since the last signal").isFalse();
    }

    @Test
    void notifyOnEmptyInterruptsWhenDrained() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_NOTIFY_ON_EMPTY);
        g.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
        assertThat(q.needsInterrupt()).isTrue();
        g.desc(0, BUFFERS, 16, W, 0);
        g.offer(0);
        assertThat(q.needsInterrupt()).as("not empty").isFalse();
    }

    @Test
    void setNotificationWritesUsedFlagsOrAvailEvent() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        q.setNotification(false);
        assertThat(g.usedFlags()).isEqualTo(VIRTQ_USED_F_NO_NOTIFY);
        q.setNotification(true);
        assertThat(g.usedFlags()).isZero();

        GuestRing e = new GuestRing(8);
        SplitVirtqueue qe = e.queue(VIRTIO_F_EVENT_IDX);
        e.setAvailIdx(5);
        qe.setNotification(true);
        assertThat(e.availEvent()).isEqualTo(5);
        e.setAvailIdx(6);
        qe.setNotification(false);
        assertThat(e.availEvent()).as("not written while notifications are off").isEqualTo(5);
        assertThat(qe.notificationEnabled()).isFalse();
    }

    @Test
    void layoutSizesFollowTheSpecTable() {
        // docs/facts/virtio-gpu.md §2.3: QS = 256 → desc 4096 B, avail 518 B, used 2054 B
        assertThat(descTableBytes(256)).isEqualTo(4096);
        assertThat(availRingBytes(256, true)).isEqualTo(518);
        assertThat(usedRingBytes(256, true)).isEqualTo(2054);
        assertThat(validSize(32768)).isTrue();
        assertThat(validSize(65536)).isFalse();
        assertThat(validSize(48)).isFalse();
        assertThat(validSize(0)).isFalse();
        assertThat(BASE).isPositive();
    }
}
