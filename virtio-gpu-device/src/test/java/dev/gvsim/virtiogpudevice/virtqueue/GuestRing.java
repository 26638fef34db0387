package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue.*;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.SparseMemory;

/**
 * The driver's side of a split virtqueue, for tests: guest RAM as a {@link SparseMemory} at
 * {@link #BASE}, rings laid out as Linux lays them (descriptor table, available ring right after it,
 * used ring at the next 64-byte boundary; docs/facts/virtio-gpu.md §2.3), and writers for
 * descriptors, indirect tables and the available ring, readers for the used ring.
 */
public final class GuestRing {
    public static final long BASE = 0x4000_0000L;
    /** Where test buffers go (offset 1 MiB into RAM). */
    public static final long BUFFERS = BASE + 0x10_0000L;

    public final SparseMemory ram;
    public final Dma dma;
    public final int size;
    public final long desc;
    public final long avail;
    public final long used;
    /** The driver's avail.idx (16-bit). */
    int availIdx;

    public GuestRing(int size) {
        this(size, 64L << 20);
    }

    public GuestRing(int size, long ramBytes) {
        this.ram = new SparseMemory("ram", ramBytes);
        this.dma = Dma.of(ram, BASE);
        this.size = size;
        this.desc = BASE + 0x1000;
        this.avail = desc + (long) DESC_SIZE * size;
        this.used = (avail + AVAIL_RING + 2L * size + 2 + 63) & ~63L;
    }

    /** A device-side queue over these rings, configured with {@code features}. */
    SplitVirtqueue queue(long features, boolean specChecks) {
        SplitVirtqueue q = new SplitVirtqueue(dma, specChecks);
        VirtqueueError e = q.configure(size, desc, avail, used, features);
        if (e != VirtqueueError.NONE) {
            throw new IllegalStateException("configure: " + e);
        }
        return q;
    }

    SplitVirtqueue queue(long features) {
        return queue(features, false);
    }

    /** Writes descriptor {@code i} of the table at {@code table}. */
    public void desc(long table, int i, long addr, long len, int flags, int next) {
        long d = table + (long) DESC_SIZE * i;
        w(d + DESC_ADDR, 8, addr);
        w(d + DESC_LEN, 4, len);
        w(d + DESC_FLAGS, 2, flags);
        w(d + DESC_NEXT, 2, next);
    }

    /** Writes descriptor {@code i} of the queue's descriptor table. */
    public void desc(int i, long addr, long len, int flags, int next) {
        desc(desc, i, addr, len, flags, next);
    }

    /** Makes {@code head} available: ring[avail.idx % size] = head, then avail.idx + 1. */
    public void offer(int head) {
        w(avail + AVAIL_RING + 2L * (availIdx % size), 2, head);
        availIdx = (availIdx + 1) & 0xFFFF;
        w(avail + AVAIL_IDX, 2, availIdx);
    }

    public void setAvailIdx(int idx) {
        availIdx = idx & 0xFFFF;
        w(avail + AVAIL_IDX, 2, availIdx);
    }

    public void setAvailFlags(int flags) {
        w(avail + AVAIL_FLAGS, 2, flags);
    }

    public void setUsedEvent(int idx) {
        w(avail + AVAIL_RING + 2L * size, 2, idx & 0xFFFF);
    }

    public int usedIdx() {
        return (int) r(used + USED_IDX, 2);
    }

    public int usedFlags() {
        return (int) r(used + USED_FLAGS, 2);
    }

    public int usedId(int slot) {
        return (int) r(used + USED_RING + (long) USED_ELEM_SIZE * slot + USED_ELEM_ID, 4);
    }

    public int usedLen(int slot) {
        return (int) r(used + USED_RING + (long) USED_ELEM_SIZE * slot + USED_ELEM_LEN, 4);
    }

    public int availEvent() {
        return (int) r(used + USED_RING + (long) USED_ELEM_SIZE * size, 2);
    }

    public void w(long pa, int n, long v) {
        ram.write(pa - BASE, n, v);
    }

    public long r(long pa, int n) {
        return ram.read(pa - BASE, n);
    }
}
