package dev.gvsim.virtiogpudevice.virtqueue;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The device side of one virtqueue, whatever its ring: {@link SplitVirtqueue} (VIRTIO 1.2 §2.7) or
 * {@link PackedVirtqueue} (§2.8, when VIRTIO_F_RING_PACKED is negotiated). A device holds one per
 * queue and drives it the same way (see the package comment): {@code configure} when the driver
 * enables the queue, {@code pop} into its one reused {@link Chain}, {@code push(chain.head(), written)},
 * {@code flush}, {@code needsInterrupt}; {@code reset} on a device or queue reset. Nothing is
 * allocated per chain by either implementation.
 */
public interface Virtqueue {
    /** {@link #pop} filled the chain. */
    int CHAIN = 1;
    /** {@link #pop}: nothing available (or the queue is not set up). */
    int EMPTY = 0;
    /** {@link #pop}: the queue is broken; {@link #error()} says why. */
    int FAILED = -1;

    /** True for a packed ring. */
    boolean packed();

    /** "split" or "packed", for reports. */
    default String kind() {
        return packed() ? "packed" : "split";
    }

    /**
     * Maps the three areas the transport's queue registers name (descriptor table or ring; driver
     * area; device area) and makes the queue ready; on failure the queue is broken with the
     * returned {@code CANNOT_MAP_*} error.
     */
    VirtqueueError configure(int size, long desc, long driverArea, long deviceArea, long features);

    /** QEMU virtio_reset for the queue: not ready, indices and wrap counters at their reset values. */
    void reset();

    /** Takes the next available chain into {@code c}: {@link #CHAIN}, {@link #EMPTY} or {@link #FAILED}. */
    int pop(Chain c);

    /** Returns the chain whose {@link Chain#head()} is {@code head} with {@code written} bytes; published by {@link #flush()}. */
    void push(int head, int written);

    /** Publishes what {@link #push} wrote since the last flush. */
    void flush();

    /** Whether the driver wants a used-buffer interrupt now (after a flush); records what was signalled. */
    boolean needsInterrupt();

    /** QEMU virtio_queue_set_notification: asks the driver for, or stops, available-buffer notifications. */
    void setNotification(boolean enable);

    /** True if no chain is available (or the queue is broken or not set up). */
    boolean isEmpty();

    boolean ready();

    int size();

    /** QEMU inuse: chains (split) or descriptors (packed) popped and not yet flushed, unsigned. */
    int inUse();

    /** The device's used index: split, used->idx as published (16-bit, free running); packed, the next used slot (0..size-1). */
    int usedIdx();

    boolean broken();

    VirtqueueError error();

    /** The error message as QEMU prints it, with its values (allocates; for reports). */
    String errorMessage();

    void saveState(StateWriter w);

    /** Reads what {@link #saveState} wrote; checks everything before changing anything. */
    void restoreState(StateReader r) throws InputException;
}
