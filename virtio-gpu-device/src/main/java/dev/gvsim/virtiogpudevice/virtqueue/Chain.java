package dev.gvsim.virtiogpudevice.virtqueue;

/**
 * One popped descriptor chain (QEMU's VirtQueueElement), reused: {@link Virtqueue#pop} (split or
 * packed) fills it in place, so a device keeps one per queue and nothing is allocated per chain. Segments are in
 * chain order, device-readable ones first (the queue refuses any other order), then device-writable
 * ones. At most {@link #MAX_SEGMENTS} segments (QEMU's VIRTQUEUE_MAX_SIZE). Each segment is one
 * descriptor; lengths are unsigned 32-bit.
 */
public final class Chain {
    /** QEMU include/hw/virtio/virtio.h VIRTQUEUE_MAX_SIZE: the most segments (iovecs) an element holds. */
    public static final int MAX_SEGMENTS = 1024;

    final long[] addr = new long[MAX_SEGMENTS];
    final int[] len = new int[MAX_SEGMENTS];
    int count;
    int readable;
    int head = -1;
    boolean indirect;
    long readableBytes;
    long writableBytes;

    void clear() {
        count = 0;
        readable = 0;
        head = -1;
        indirect = false;
        readableBytes = 0;
        writableBytes = 0;
    }

    /** Appends a segment; the caller checked capacity and order. */
    void add(long a, int l, boolean writable) {
        addr[count] = a;
        len[count] = l;
        count++;
        if (writable) {
            writableBytes += Integer.toUnsignedLong(l);
        } else {
            readable++;
            readableBytes += Integer.toUnsignedLong(l);
        }
    }

    /**
     * What {@link Virtqueue#push} returns to the driver: the head descriptor index (split) or the
     * buffer id (packed); -1 when empty.
     */
    public int head() {
        return head;
    }

    /** Number of segments. */
    public int segments() {
        return count;
    }

    /** Number of device-readable segments: segments {@code [0, readableSegments())}. */
    public int readableSegments() {
        return readable;
    }

    /** Number of device-writable segments: segments {@code [readableSegments(), segments())}. */
    public int writableSegments() {
        return count - readable;
    }

    /** Guest physical address of segment {@code i}. */
    public long address(int i) {
        check(i);
        return addr[i];
    }

    /** Length in bytes of segment {@code i} (unsigned 32-bit, so a long). */
    public long length(int i) {
        check(i);
        return Integer.toUnsignedLong(len[i]);
    }

    /** True if segment {@code i} is device-writable. */
    public boolean writable(int i) {
        check(i);
        return i >= readable;
    }

    /** Total bytes of the device-readable segments (QEMU's out_sg). */
    public long readableBytes() {
        return readableBytes;
    }

    /** Total bytes of the device-writable segments (QEMU's in_sg). */
    public long writableBytes() {
        return writableBytes;
    }

    /** True if the chain came from an indirect table. */
    public boolean indirect() {
        return indirect;
    }

    private void check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("segment " + i + " of " + count);
        }
    }
}
