package dev.gvsim.virtiogpudevice.virtqueue;

import dev.gvsim.pciefabric.Dma;

/**
 * What the split and the packed ring share: the guest memory they are read through, the spec-checks
 * switch, QEMU's virtio_error state (the first error breaks the queue until a reset), and
 * virtqueue_map_desc's checks of one descriptor as it joins a chain. Nothing here allocates.
 */
abstract class VirtqueueBase implements Virtqueue {
    final Dma dma;
    final boolean specChecks;
    boolean broken;
    VirtqueueError error = VirtqueueError.NONE;
    int errorA;
    int errorB;

    VirtqueueBase(Dma dma, boolean specChecks) {
        if (dma == null) {
            throw new IllegalArgumentException("dma is null");
        }
        this.dma = dma;
        this.specChecks = specChecks;
    }

    /** Back to no error (a queue reset). */
    final void clearError() {
        broken = false;
        error = VirtqueueError.NONE;
        errorA = 0;
        errorB = 0;
    }

    /** virtio_error: the first error is kept and breaks the queue. */
    final VirtqueueError fail(VirtqueueError e, int a, int b) {
        if (!broken) {
            broken = true;
            error = e;
            errorA = a;
            errorB = b;
        }
        return e;
    }

    /** A pop that fails: QEMU undoes the mappings and returns no element. */
    final int failPop(Chain c, VirtqueueError e, int a, int b) {
        c.clear();
        fail(e, a, b);
        return FAILED;
    }

    /**
     * One descriptor joins the chain (virtqueue_map_desc and the order check before it): a readable
     * one after a writable one, a zero length, one segment too many or memory the device cannot reach
     * fail the pop; returns {@link #CHAIN} when the segment was added, else {@link #FAILED}.
     */
    final int addSegment(Chain c, long addr, int len, int flags) {
        boolean writable = (flags & dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.VIRTQ_DESC_F_WRITE) != 0;
        if (!writable && c.count > c.readable) {
            return failPop(c, VirtqueueError.INCORRECT_ORDER, 0, 0);
        }
        if (len == 0) {
            return failPop(c, VirtqueueError.ZERO_SIZED_BUFFER, 0, 0);
        }
        if (c.count == Chain.MAX_SEGMENTS) {
            return failPop(c, VirtqueueError.TOO_MANY_SEGMENTS, 0, 0);
        }
        if (!dma.reachable(addr, Integer.toUnsignedLong(len))) {
            return failPop(c, VirtqueueError.BOGUS_DESCRIPTOR, 0, 0);
        }
        c.add(addr, len, writable);
        return CHAIN;
    }

    @Override
    public final boolean broken() {
        return broken;
    }

    @Override
    public final VirtqueueError error() {
        return error;
    }

    @Override
    public final String errorMessage() {
        return error.format(errorA, errorB);
    }
}
