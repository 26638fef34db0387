package dev.gvsim.virtiogpudevice.virtqueue;

/**
 * How a split virtqueue answers a hostile or broken ring. Each constant is one {@code virtio_error}
 * call of QEMU 7.2's hw/virtio/virtio.c (its message text, with {@code %u} where QEMU prints a
 * value): QEMU marks the device broken (and, for a VIRTIO 1.0 device, sets DEVICE_NEEDS_RESET and
 * raises a configuration interrupt), returns no element, and every later pop of any queue of the
 * device returns nothing until the driver resets it. {@link SplitVirtqueue} does the same for its
 * queue: {@link SplitVirtqueue#pop} answers {@link SplitVirtqueue#FAILED}, the queue is
 * {@link SplitVirtqueue#broken()} and keeps this first error until {@link SplitVirtqueue#reset()};
 * the transport sets DEVICE_NEEDS_RESET. The constants marked <em>spec checks</em> are raised only
 * by a queue built with {@code specChecks}: QEMU 7.2 does not check them (see each).
 */
public enum VirtqueueError {
    /** No error. */
    NONE(""),
    /** virtio_init_region_cache: the descriptor table (16 × size bytes) is not reachable guest memory. */
    CANNOT_MAP_DESC("Cannot map desc"),
    /** virtio_init_region_cache: the used ring (6 + 8 × size bytes with EVENT_IDX, else 4 + 8 × size) is not reachable. */
    CANNOT_MAP_USED("Cannot map used"),
    /** virtio_init_region_cache: the available ring (6 + 2 × size bytes with EVENT_IDX, else 4 + 2 × size) is not reachable. */
    CANNOT_MAP_AVAIL("Cannot map avail"),
    /**
     * virtqueue_split_pop: as many chains are in use (popped, not yet flushed) as the queue has
     * entries; also what a driver that moves avail.idx more than the queue size ahead meets in QEMU
     * 7.2, whose pop does not compare avail.idx with last_avail_idx (only virtqueue_num_heads does,
     * see {@link #AVAIL_IDX_MOVED}). last_avail_idx is not advanced.
     */
    SIZE_EXCEEDED("Virtqueue size exceeded"),
    /** virtqueue_get_head: avail.ring[last_avail_idx % size] is not a descriptor index; last_avail_idx was advanced, avail_event not written. */
    HEAD_OUT_OF_RANGE("Guest says index %u is available"),
    /** virtqueue_split_pop: an INDIRECT head whose len is 0 or not a multiple of 16. */
    INVALID_INDIRECT_SIZE("Invalid size for indirect buffer table"),
    /** virtqueue_split_pop: the indirect table [addr, addr + len) is not reachable guest memory. */
    CANNOT_MAP_INDIRECT("Cannot map indirect buffer"),
    /** virtqueue_split_pop: a device-readable descriptor after a device-writable one. */
    INCORRECT_ORDER("Incorrect order for descriptors"),
    /** virtqueue_map_desc: a descriptor of length 0. */
    ZERO_SIZED_BUFFER("virtio: zero sized buffers are not allowed"),
    /**
     * virtqueue_map_desc: the element would need more than VIRTQUEUE_MAX_SIZE (1024) segments; QEMU
     * prints this text for direct chains too. With an indirect table of more than 1024 entries or a
     * queue larger than 1024, this is what bounds a looping chain before {@link #LOOPED_DESCRIPTOR}.
     */
    TOO_MANY_SEGMENTS("virtio: too many write descriptors in indirect table"),
    /** virtqueue_map_desc: dma_memory_map failed: the buffer is not reachable guest memory. */
    BOGUS_DESCRIPTOR("virtio: bogus descriptor or out of resources"),
    /** virtqueue_split_pop: more descriptors than the table (queue size, or indirect entries) holds: a loop. */
    LOOPED_DESCRIPTOR("Looped descriptor"),
    /** virtqueue_split_read_next_desc: a NEXT descriptor whose next is not an index of its table. */
    NEXT_OUT_OF_RANGE("Desc next is %u"),
    /**
     * Spec checks (VIRTIO 1.2 §2.7.13.3: the driver moves idx by at most the queue size). QEMU's
     * text, from virtqueue_num_heads, which QEMU 7.2 uses in virtqueue_get_avail_bytes but not in
     * pop; {@link SplitVirtqueue#availableHeads()} raises it in both modes.
     */
    AVAIL_IDX_MOVED("Guest moved used index from %u to %u"),
    /**
     * Spec checks (VIRTIO 1.2 §2.7.5.3.1: INDIRECT only on a chain's head, never inside an indirect
     * table). QEMU 7.2 ignores the flag there and maps the descriptor as a plain buffer.
     */
    MISPLACED_INDIRECT("Indirect descriptor not at the head of a chain or inside an indirect table"),
    /** Spec checks (§2.7.5.3.1: the driver MUST NOT set INDIRECT and NEXT together). QEMU 7.2 ignores NEXT on an indirect head. */
    INDIRECT_WITH_NEXT("Indirect descriptor with NEXT set"),
    /** Spec checks (§2.7.5.3.1: INDIRECT only when VIRTIO_F_INDIRECT_DESC was negotiated). QEMU 7.2 accepts it regardless. */
    INDIRECT_NOT_NEGOTIATED("Indirect descriptor without VIRTIO_F_INDIRECT_DESC"),
    /** Spec checks (§2.7.4: a chain's total length is under 2^32 bytes). QEMU 7.2 sums in size_t and does not check. */
    CHAIN_TOO_LONG("Descriptor chain of %u segments longer than 2^32 bytes");

    private final String qemuMessage;

    VirtqueueError(String qemuMessage) {
        this.qemuMessage = qemuMessage;
    }

    /** The message text as QEMU prints it, {@code %u} where a value goes. */
    public String qemuMessage() {
        return qemuMessage;
    }

    /** True for the errors QEMU 7.2 itself raises; false for the spec checks. */
    public boolean raisedByQemu() {
        return ordinal() < AVAIL_IDX_MOVED.ordinal();
    }

    /** The message with its values filled in ({@code %u} replaced in order by a, then b, as unsigned 32-bit). */
    public String format(int a, int b) {
        String m = qemuMessage;
        int p = m.indexOf("%u");
        if (p >= 0) {
            m = m.substring(0, p) + Integer.toUnsignedString(a) + m.substring(p + 2);
            p = m.indexOf("%u");
            if (p >= 0) {
                m = m.substring(0, p) + Integer.toUnsignedString(b) + m.substring(p + 2);
            }
        }
        return m;
    }
}
