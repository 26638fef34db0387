package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BASE;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.Virtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Hostile packed rings answered as QEMU 7.2's virtqueue_packed_pop answers them: the queue broken
 * with QEMU's virtio_error text, no element, last_avail_idx and its wrap counter not moved.
 */
class HostilePackedRingTest {
    private static final int W = VIRTQ_DESC_F_WRITE;
    private static final int N = VIRTQ_DESC_F_NEXT;
    private static final int I = VIRTQ_DESC_F_INDIRECT;
    private static final int A = VIRTQ_DESC_F_AVAIL; // available on the first lap
    private static final long END = BASE + (64L << 20);

    private final Chain c = new Chain();

    private static void assertFailed(PackedVirtqueue q, Chain c, int rc, VirtqueueError e, String message) {
        assertThat(rc).isEqualTo(FAILED);
        assertThat(q.broken()).isTrue();
        assertThat(q.error()).isEqualTo(e);
        assertThat(q.errorMessage()).isEqualTo(message);
        assertThat(c.segments()).as("no element").isZero();
        assertThat(c.head()).isEqualTo(-1);
        assertThat(q.lastAvailIdx()).as("last_avail_idx not moved").isZero();
        assertThat(q.lastAvailWrapCounter()).isTrue();
        assertThat(q.pop(c)).as("broken until reset").isEqualTo(FAILED);
    }

    @Test
    void chainLongerThanTheRingIsALoop() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(0);
        for (int i = 0; i < 4; i++) {
            g.desc(g.desc, i, BUFFERS + 0x100L * i, 16, 7, N | A); // every entry chains on, round and round
        }
        assertFailed(q, c, q.pop(c), VirtqueueError.LOOPED_DESCRIPTOR, "Looped descriptor");
        assertThat(q.inUse()).isZero();
    }

    @Test
    void chainLongerThan1024SegmentsRunsOutOfSegmentsFirst() {
        GuestPackedRing g = new GuestPackedRing(2048);
        PackedVirtqueue q = g.queue(0);
        for (int i = 0; i < 2048; i++) {
            g.desc(g.desc, i, BUFFERS, 16, 0, N | A);
        }
        assertFailed(q, c, q.pop(c), VirtqueueError.TOO_MANY_SEGMENTS, "virtio: too many write descriptors in indirect table");
    }

    @Test
    void indirectTableLengthNotAMultipleOf16() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(SplitVirtqueue.VIRTIO_F_INDIRECT_DESC);
        g.desc(g.desc, 0, BUFFERS + 0x1000, 24, 0, I | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.INVALID_INDIRECT_SIZE, "Invalid size for indirect buffer table");
    }

    @Test
    void indirectTableOfLengthZero() {
        // QEMU 7.2 lets 0 % 16 through to address_space_cache_init's assert(len > 0), which aborts it; gvsim refuses it as the split path does
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(SplitVirtqueue.VIRTIO_F_INDIRECT_DESC);
        g.desc(g.desc, 0, BUFFERS + 0x1000, 0, 0, I | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.INVALID_INDIRECT_SIZE, "Invalid size for indirect buffer table");
    }

    @Test
    void indirectTableOutsideRam() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(SplitVirtqueue.VIRTIO_F_INDIRECT_DESC);
        g.desc(g.desc, 0, END - 16, 32, 0, I | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.CANNOT_MAP_INDIRECT, "Cannot map indirect buffer");
    }

    @Test
    void bufferOutsideRam() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(0);
        g.desc(g.desc, 1, END - 8, 16, 0, W | A);
        g.desc(g.desc, 0, BUFFERS, 16, 0, N | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.BOGUS_DESCRIPTOR, "virtio: bogus descriptor or out of resources");
    }

    @Test
    void bufferOutsideRamInsideAnIndirectTable() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(SplitVirtqueue.VIRTIO_F_INDIRECT_DESC);
        long table = BUFFERS + 0x1000;
        g.desc(table, 0, BUFFERS, 16, 0, 0);
        g.desc(table, 1, BASE - 0x1000, 16, 0, W);
        g.desc(g.desc, 0, table, 32, 0, I | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.BOGUS_DESCRIPTOR, "virtio: bogus descriptor or out of resources");
    }

    @Test
    void writableBeforeReadable() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(0);
        g.desc(g.desc, 1, BUFFERS + 0x100, 16, 0, A);
        g.desc(g.desc, 0, BUFFERS, 16, 0, W | N | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.INCORRECT_ORDER, "Incorrect order for descriptors");
    }

    @Test
    void writableBeforeReadableInsideAnIndirectTable() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(SplitVirtqueue.VIRTIO_F_INDIRECT_DESC);
        long table = BUFFERS + 0x1000;
        g.desc(table, 0, BUFFERS, 16, 0, W);
        g.desc(table, 1, BUFFERS + 0x100, 16, 0, 0);
        g.desc(g.desc, 0, table, 32, 0, I | A);
        assertFailed(q, c, q.pop(c), VirtqueueError.INCORRECT_ORDER, "Incorrect order for descriptors");
    }

    @Test
    void zeroSizedBuffer() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(0);
        g.desc(g.desc, 0, BUFFERS, 0, 0, A);
        assertFailed(q, c, q.pop(c), VirtqueueError.ZERO_SIZED_BUFFER, "virtio: zero sized buffers are not allowed");
    }

    @Test
    void moreInFlightThanTheRingHolds() {
        GuestPackedRing g = new GuestPackedRing(2);
        PackedVirtqueue q = g.queue(0);
        g.desc(g.desc, 0, BUFFERS, 16, 0, A);
        g.desc(g.desc, 1, BUFFERS, 16, 1, A);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(q.pop(c)).isEqualTo(CHAIN);
        assertThat(q.lastAvailWrapCounter()).isFalse();
        // the driver reuses entry 0 on the second lap without waiting for it to be used
        g.desc(g.desc, 0, BUFFERS, 16, 2, VIRTQ_DESC_F_USED);
        assertThat(q.pop(c)).isEqualTo(FAILED);
        assertThat(q.error()).isEqualTo(VirtqueueError.SIZE_EXCEEDED);
        assertThat(q.errorMessage()).isEqualTo("Virtqueue size exceeded");
        assertThat(q.lastAvailIdx()).isZero();
        assertThat(q.inUse()).isEqualTo(2);
    }

    @Test
    void entryOnTheWrongLapIsNotAvailable() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue q = g.queue(0);
        g.desc(g.desc, 0, BUFFERS, 16, 0, VIRTQ_DESC_F_USED); // second-lap bits on the first lap
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        g.desc(g.desc, 0, BUFFERS, 16, 0, A | VIRTQ_DESC_F_USED); // used, not available
        assertThat(q.pop(c)).isEqualTo(EMPTY);
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.broken()).isFalse();
    }

    @Test
    void specChecksRefuseWhatQemuLetsThrough() {
        GuestPackedRing g = new GuestPackedRing(4);
        PackedVirtqueue lax = g.queue(0);
        long table = BUFFERS + 0x1000;
        g.desc(table, 0, BUFFERS, 16, 0, W);
        g.desc(g.desc, 0, table, 16, 0, I | A);
        assertThat(lax.pop(c)).as("QEMU: INDIRECT without VIRTIO_F_INDIRECT_DESC").isEqualTo(CHAIN);
        GuestPackedRing g2 = new GuestPackedRing(4);
        PackedVirtqueue strict = g2.queue(0, true);
        g2.desc(table, 0, BUFFERS, 16, 0, W);
        g2.desc(g2.desc, 0, table, 16, 0, I | A);
        assertThat(strict.pop(c)).isEqualTo(FAILED);
        assertThat(strict.error()).isEqualTo(VirtqueueError.INDIRECT_NOT_NEGOTIATED);
        GuestPackedRing g3 = new GuestPackedRing(4);
        PackedVirtqueue nested = g3.queue(SplitVirtqueue.VIRTIO_F_INDIRECT_DESC, true);
        g3.desc(table, 0, BUFFERS, 16, 0, W | I);
        g3.desc(g3.desc, 0, table, 16, 0, I | A);
        assertThat(nested.pop(c)).isEqualTo(FAILED);
        assertThat(nested.error()).isEqualTo(VirtqueueError.MISPLACED_INDIRECT);
    }
}
