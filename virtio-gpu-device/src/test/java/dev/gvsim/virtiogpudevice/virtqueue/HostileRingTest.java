package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BASE;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Every hostile ring answered as QEMU 7.2's virtqueue_split_pop answers it: the queue broken with
 * QEMU's error, no element, QEMU's indices; and, with spec checks, what QEMU lets through.
 */
class HostileRingTest {
    private static final int W = VIRTQ_DESC_F_WRITE;
    private static final int N = VIRTQ_DESC_F_NEXT;
    private static final int I = VIRTQ_DESC_F_INDIRECT;
    /** 64 MiB of RAM: the first address past it. */
    private static final long END = BASE + (64L << 20);

    private final Chain c = new Chain();

    private static void assertFailed(SplitVirtqueue q, Chain c, int rc, VirtqueueError e, String message) {
        assertThat(rc).isEqualTo(FAILED);
        assertThat(q.broken()).isTrue();
        assertThat(q.error()).isEqualTo(e);
        assertThat(q.errorMessage()).isEqualTo(message);
        assertThat(c.segments()).as("no element").isZero();
        assertThat(c.head()).isEqualTo(-1);
        assertThat(q.inUse()).as("in_use not counted").isZero();
    }

    @Test
    void ringsOutsideRamAreRefusedAtSetup() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = new SplitVirtqueue(g.dma);
        assertThat(q.configure(8, END - 64, g.avail, g.used, 0)).isEqualTo(VirtqueueError.CANNOT_MAP_DESC);
        assertThat(q.ready()).isFalse();
        assertThat(q.pop(c)).isEqualTo(FAILED);
        q.reset();
        assertThat(q.configure(8, g.desc, g.avail, END - 8, 0)).isEqualTo(VirtqueueError.CANNOT_MAP_USED);
        assertThat(q.errorMessage()).isEqualTo("Cannot map used");
        q.reset();
        assertThat(q.configure(8, g.desc, END - 18, g.used, 0)).isEqualTo(VirtqueueError.CANNOT_MAP_AVAIL);
        q.reset();
        // 20 bytes of avail ring fit without EVENT_IDX, not the 22 with it
        assertThat(q.configure(8, g.desc, END - 20, g.used, VIRTIO_F_EVENT_IDX)).isEqualTo(VirtqueueError.CANNOT_MAP_AVAIL);
        q.reset();
        assertThat(q.configure(8, g.desc, END - 20, g.used, 0)).isEqualTo(VirtqueueError.NONE);
        assertThat(q.configure(8, -16, g.avail, g.used, 0)).as("address wrap").isEqualTo(VirtqueueError.CANNOT_MAP_DESC);
    }

    @Test
    void headIndexOutOfRange() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX);
        g.offer(8);
        assertFailed(q, c, q.pop(c), VirtqueueError.HEAD_OUT_OF_RANGE, "Guest says index 8 is available");
        assertThat(q.lastAvailIdx()).as("QEMU advanced last_avail_idx before the check").isEqualTo(1);
        assertThat(g.availEvent()).as("avail_event not written").isZero();
    }

    @Test
    void loopInDescriptorTable() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX);
        g.desc(0, BUFFERS, 16, N, 1);
        g.desc(1, BUFFERS, 16, N, 0);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.LOOPED_DESCRIPTOR, "Looped descriptor");
        assertThat(q.lastAvailIdx()).isEqualTo(1);
        assertThat(g.availEvent()).as("avail_event written before the walk").isEqualTo(1);
        assertThat(q.pop(c)).as("broken: nothing more until reset").isEqualTo(FAILED);
    }

    @Test
    void chainLongerThanTheQueueOnABigQueueHitsTheSegmentLimitFirst() {
        GuestRing g = new GuestRing(2048);
        SplitVirtqueue q = g.queue(0);
        for (int i = 0; i < 2048; i++) {
            g.desc(i, BUFFERS, 16, N, (i + 1) % 2048); // one ring of 2048: a loop
        }
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.TOO_MANY_SEGMENTS, "virtio: too many write descriptors in indirect table");
    }

    @Test
    void nextIndexOutOfRange() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, BUFFERS, 16, N, 8);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.NEXT_OUT_OF_RANGE, "Desc next is 8");
    }

    @Test
    void bufferOutsideRam() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, END - 8, 16, W, 0);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.BOGUS_DESCRIPTOR, "virtio: bogus descriptor or out of resources");
        GuestRing h = new GuestRing(8);
        SplitVirtqueue q2 = h.queue(0);
        h.desc(0, 0xFFFF_FFFF_FFFF_FFF0L, 0x20, 0, 0);
        h.offer(0);
        assertThat(q2.pop(c)).isEqualTo(FAILED);
        assertThat(q2.error()).isEqualTo(VirtqueueError.BOGUS_DESCRIPTOR);
    }

    @Test
    void zeroSizedBuffer() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, BUFFERS, 0, 0, 0);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.ZERO_SIZED_BUFFER, "virtio: zero sized buffers are not allowed");
    }

    @Test
    void readableAfterWritable() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, BUFFERS, 16, W | N, 1);
        g.desc(1, BUFFERS, 16, 0, 0);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.INCORRECT_ORDER, "Incorrect order for descriptors");
    }

    @Test
    void indirectTableOfBadSize() {
        for (long len : new long[] {0, 20, 0xFFFF_FFFFL}) {
            GuestRing g = new GuestRing(8);
            SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC);
            g.desc(0, BUFFERS, len, I, 0);
            g.offer(0);
            assertFailed(q, c, q.pop(c), VirtqueueError.INVALID_INDIRECT_SIZE, "Invalid size for indirect buffer table");
        }
    }

    @Test
    void indirectTableOutsideRam() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC);
        g.desc(0, END - 32, 48, I, 0);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.CANNOT_MAP_INDIRECT, "Cannot map indirect buffer");
    }

    @Test
    void indirectTableLoopAndLength() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC);
        long table = BUFFERS + 0x1000;
        g.desc(table, 0, BUFFERS, 16, N, 1);
        g.desc(table, 1, BUFFERS, 16, N, 0);
        g.desc(0, table, 32, I, 0);
        g.offer(0);
        assertFailed(q, c, q.pop(c), VirtqueueError.LOOPED_DESCRIPTOR, "Looped descriptor");

        // a huge table (2^28 - 1 entries, all chained): bounded by the 1024-segment limit
        GuestRing h = new GuestRing(8, 8L << 30);
        SplitVirtqueue q2 = h.queue(VIRTIO_F_INDIRECT_DESC);
        long big = BUFFERS + 0x10_0000;
        for (int i = 0; i < 1100; i++) {
            h.desc(big, i, BUFFERS, 16, W | N, i + 1);
        }
        h.desc(0, big, 0xFFFF_FFF0L, I, 0);
        h.offer(0);
        assertFailed(q2, c, q2.pop(c), VirtqueueError.TOO_MANY_SEGMENTS, "virtio: too many write descriptors in indirect table");

        // next past the table's end
        GuestRing k = new GuestRing(8);
        SplitVirtqueue q3 = k.queue(VIRTIO_F_INDIRECT_DESC);
        k.desc(table, 0, BUFFERS, 16, N, 2);
        k.desc(0, table, 32, I, 0);
        k.offer(0);
        assertFailed(q3, c, q3.pop(c), VirtqueueError.NEXT_OUT_OF_RANGE, "Desc next is 2");
    }

    @Test
    void indirectInsideIndirectTable() {
        long table = BUFFERS + 0x1000;
        GuestRing g = new GuestRing(8);
        g.desc(table, 0, BUFFERS, 16, N, 1);
        g.desc(table, 1, BUFFERS + 0x2000, 32, I | W, 0);
        g.desc(0, table, 32, I, 0);
        g.offer(0);
        // QEMU 7.2 ignores INDIRECT inside a table: the descriptor is mapped as a plain buffer
        SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.segments()).isEqualTo(2);
        assertThat(c.address(1)).isEqualTo(BUFFERS + 0x2000);
        assertThat(c.writable(1)).isTrue();
        // spec checks refuse it
        SplitVirtqueue s = g.queue(VIRTIO_F_INDIRECT_DESC, true);
        assertFailed(s, c, s.pop(c), VirtqueueError.MISPLACED_INDIRECT, VirtqueueError.MISPLACED_INDIRECT.qemuMessage());
        assertThat(VirtqueueError.MISPLACED_INDIRECT.raisedByQemu()).isFalse();
    }

    @Test
    void indirectWithNext() {
        long table = BUFFERS + 0x1000;
        GuestRing g = new GuestRing(8);
        g.desc(table, 0, BUFFERS, 16, 0, 0);
        g.desc(0, table, 16, I | N, 1);
        g.desc(1, BUFFERS + 0x100, 16, W, 0);
        g.offer(0);
        // QEMU 7.2 follows the table and ignores the head's NEXT
        SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.segments()).isEqualTo(1);
        assertThat(c.writableBytes()).isZero();
        SplitVirtqueue s = g.queue(VIRTIO_F_INDIRECT_DESC, true);
        assertFailed(s, c, s.pop(c), VirtqueueError.INDIRECT_WITH_NEXT, "Indirect descriptor with NEXT set");
        // and without the feature negotiated
        SplitVirtqueue s2 = g.queue(0, true);
        assertThat(s2.pop(c)).isEqualTo(FAILED);
        assertThat(s2.error()).isEqualTo(VirtqueueError.INDIRECT_NOT_NEGOTIATED);
    }

    @Test
    void indirectFlagOnANonHeadDescriptorIsAPlainBufferInQemu() {
        GuestRing g = new GuestRing(8);
        g.desc(0, BUFFERS, 16, N, 1);
        g.desc(1, BUFFERS + 0x100, 48, I, 0);
        g.offer(0);
        SplitVirtqueue q = g.queue(VIRTIO_F_INDIRECT_DESC);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.readableBytes()).isEqualTo(64);
        SplitVirtqueue s = g.queue(VIRTIO_F_INDIRECT_DESC, true);
        assertThat(s.pop(c)).isEqualTo(FAILED);
        assertThat(s.error()).isEqualTo(VirtqueueError.MISPLACED_INDIRECT);
    }

    @Test
    void totalLengthOverflow() {
        GuestRing g = new GuestRing(8, 16L << 30);
        g.desc(0, BUFFERS, 0xFFFF_FFFFL, N, 1);
        g.desc(1, BUFFERS, 0xFFFF_FFFFL, W, 0);
        g.offer(0);
        // QEMU sums in size_t: no overflow, no error
        SplitVirtqueue q = g.queue(0);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(c.readableBytes() + c.writableBytes()).isEqualTo(2 * 0xFFFF_FFFFL);
        SplitVirtqueue s = g.queue(0, true);
        assertFailed(s, c, s.pop(c), VirtqueueError.CHAIN_TOO_LONG, "Descriptor chain of 2 segments longer than 2^32 bytes");
    }

    @Test
    void availIdxJumpingMoreThanSizeAhead() {
        GuestRing g = new GuestRing(8);
        for (int i = 0; i < 8; i++) {
            g.desc(i, BUFFERS, 16, W, 0);
            g.offer(i);
        }
        g.setAvailIdx(1000);
        // QEMU 7.2's pop does not compare avail.idx with last_avail_idx: it pops ring entries
        // modulo the size until in_use reaches the size
        SplitVirtqueue q = g.queue(0);
        for (int i = 0; i < 8; i++) {
            assertThat(q.pop(c)).isEqualTo(CHAIN);
            assertThat(c.head()).isEqualTo(i);
        }
        assertThat(q.pop(c)).isEqualTo(FAILED);
        assertThat(q.error()).isEqualTo(VirtqueueError.SIZE_EXCEEDED);
        assertThat(q.errorMessage()).isEqualTo("Virtqueue size exceeded");
        assertThat(q.lastAvailIdx()).as("not advanced").isEqualTo(8);
        // virtqueue_num_heads (QEMU's avail-bytes path) and spec checks refuse it outright
        SplitVirtqueue h = g.queue(0);
        assertThat(h.availableHeads()).isEqualTo(-1);
        assertThat(h.errorMessage()).isEqualTo("Guest moved used index from 0 to 1000");
        SplitVirtqueue s = g.queue(0, true);
        assertFailed(s, c, s.pop(c), VirtqueueError.AVAIL_IDX_MOVED, "Guest moved used index from 0 to 1000");
        assertThat(s.lastAvailIdx()).isZero();
    }

    @Test
    void availIdxAheadButProcessedStillTerminatesPerKick() {
        // a device that pushes each chain keeps popping stale entries as QEMU does; each pop is bounded
        GuestRing g = new GuestRing(8);
        for (int i = 0; i < 8; i++) {
            g.desc(i, BUFFERS, 16, W, 0);
            g.offer(i);
        }
        g.setAvailIdx(0xFFFF);
        SplitVirtqueue q = g.queue(0);
        int popped = 0;
        while (q.pop(c) == CHAIN) {
            q.push(c.head(), 0);
            q.flush();
            popped++;
        }
        assertThat(popped).isEqualTo(0xFFFF);
        assertThat(q.broken()).isFalse();
    }

    @Test
    void brokenQueueWritesNothingUntilReset() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, BUFFERS, 16, W, 0);
        g.desc(1, BUFFERS, 0, W, 0);
        g.offer(0);
        g.offer(1);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(q.pop(c)).isEqualTo(FAILED);
        q.push(0, 16);
        q.flush();
        assertThat(g.usedIdx()).as("virtqueue_fill/flush write nothing on a broken device").isZero();
        assertThat(g.usedLen(0)).isZero();
        assertThat(q.inUse()).as("flush still drops in_use").isZero();
        q.reset();
        assertThat(q.broken()).isFalse();
        assertThat(q.error()).isEqualTo(VirtqueueError.NONE);
        assertThat(q.ready()).isFalse();
        assertThat(q.pop(c)).isEqualTo(EMPTY);
    }

    @Test
    void pushingMoreThanPoppedWrapsInUseAsQemuDoes() {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, BUFFERS, 16, W, 0);
        q.push(0, 0);
        q.flush();
        g.offer(0);
        assertThat(q.pop(c)).isEqualTo(FAILED);
        assertThat(q.error()).isEqualTo(VirtqueueError.SIZE_EXCEEDED);
    }
}
