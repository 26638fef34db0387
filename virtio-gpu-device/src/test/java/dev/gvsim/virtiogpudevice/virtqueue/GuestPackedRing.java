package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.SparseMemory;

/**
 * The driver's side of a packed virtqueue, for tests, as Linux 6.1's drivers/virtio/virtio_ring.c
 * packed path drives it: descriptors written at the driver's next ring entry with the driver's wrap
 * counter in AVAIL and its inverse in USED, the buffer id in every descriptor of a chain, the first
 * descriptor's flags written last (virtqueue_add_packed); used buffers read at the driver's next used
 * entry, which then moves by the buffer's ring entries (virtqueue_get_buf_ctx_packed). Guest RAM is a
 * {@link SparseMemory} at {@link GuestRing#BASE} (or one shared with a {@link GuestRing}); the ring
 * and the two event suppression areas sit where a GuestRing of the same size has its descriptor
 * table, available ring and used ring, so a device sees the same queue registers either way.
 */
public final class GuestPackedRing {
    public final SparseMemory ram;
    public final Dma dma;
    public final int size;
    public final long desc;
    /** Driver event suppression area (queue_driver: the split ring's avail address). */
    public final long driverArea;
    /** Device event suppression area (queue_device: the split ring's used address). */
    public final long deviceArea;

    int nextAvail;
    boolean availWrap = true;
    int nextUsed;
    boolean usedWrap = true;
    /** Ring entries of each buffer id the driver has made available and not yet seen used. */
    final int[] entries = new int[1 << 16];
    /** The last used buffer's id and length ({@link #takeUsed}). */
    public int lastId;
    public int lastLen;

    public GuestPackedRing(int size) {
        this(new GuestRing(size));
    }

    /** Over {@code g}'s RAM, at its ring addresses. */
    public GuestPackedRing(GuestRing g) {
        this.ram = g.ram;
        this.dma = g.dma;
        this.size = g.size;
        this.desc = g.desc;
        this.driverArea = g.avail;
        this.deviceArea = g.used;
    }

    /** A device-side packed queue over this ring. */
    PackedVirtqueue queue(long features, boolean specChecks) {
        PackedVirtqueue q = new PackedVirtqueue(dma, specChecks);
        VirtqueueError e = q.configure(size, desc, driverArea, deviceArea, features);
        if (e != VirtqueueError.NONE) {
            throw new IllegalStateException("configure: " + e);
        }
        return q;
    }

    PackedVirtqueue queue(long features) {
        return queue(features, false);
    }

    /** AVAIL/USED bits that make an entry available on lap {@code wrap}. */
    public static int availBits(boolean wrap) {
        return wrap ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED;
    }

    /** Writes ring entry {@code i} of the table at {@code table} (raw: flags as given). */
    public void desc(long table, int i, long addr, long len, int id, int flags) {
        long d = table + (long) PDESC_SIZE * i;
        w(d + PDESC_ADDR, 8, addr);
        w(d + PDESC_LEN, 4, len);
        w(d + PDESC_ID, 2, id);
        w(d + PDESC_FLAGS, 2, flags);
    }

    /**
     * Makes a chain available as buffer {@code id}: one ring entry per segment, NEXT on all but the
     * last, WRITE where {@code writable}; the first entry's flags are written last. Returns the ring
     * entry of the first descriptor.
     */
    public int add(int id, long[] addr, long[] len, boolean[] writable) {
        int head = nextAvail;
        boolean headWrap = availWrap;
        int headFlags = 0;
        for (int k = 0; k < addr.length; k++) {
            int flags = (k < addr.length - 1 ? VIRTQ_DESC_F_NEXT : 0) | (writable[k] ? VIRTQ_DESC_F_WRITE : 0) | availBits(availWrap);
            long d = desc + (long) PDESC_SIZE * nextAvail;
            w(d + PDESC_ADDR, 8, addr[k]);
            w(d + PDESC_LEN, 4, len[k]);
            w(d + PDESC_ID, 2, id);
            if (k == 0) {
                headFlags = flags;
            } else {
                w(d + PDESC_FLAGS, 2, flags);
            }
            advanceAvail();
        }
        w(desc + (long) PDESC_SIZE * head + PDESC_FLAGS, 2, headFlags);
        entries[id] = addr.length;
        return head;
    }

    /** A readable request and a writable response as buffer {@code id} (what virtio-gpu sends). */
    public int add(int id, long req, long reqLen, long resp, long respLen) {
        return add(id, new long[] {req, resp}, new long[] {reqLen, respLen}, new boolean[] {false, true});
    }

    /**
     * Makes an indirect buffer available as {@code id}: the table at {@code table} gets one entry per
     * segment (no NEXT: the table's length ends it, as Linux writes it), the ring one INDIRECT entry.
     */
    public int addIndirect(int id, long table, long[] addr, long[] len, boolean[] writable) {
        for (int k = 0; k < addr.length; k++) {
            desc(table, k, addr[k], len[k], 0, writable[k] ? VIRTQ_DESC_F_WRITE : 0);
        }
        int head = nextAvail;
        long d = desc + (long) PDESC_SIZE * head;
        w(d + PDESC_ADDR, 8, table);
        w(d + PDESC_LEN, 4, (long) PDESC_SIZE * addr.length);
        w(d + PDESC_ID, 2, id);
        w(d + PDESC_FLAGS, 2, VIRTQ_DESC_F_INDIRECT | availBits(availWrap));
        advanceAvail();
        entries[id] = 1;
        return head;
    }

    private void advanceAvail() {
        if (++nextAvail == size) {
            nextAvail = 0;
            availWrap = !availWrap;
        }
    }

    /** True if the entry at the driver's next used position is used on the driver's used lap (Linux is_used_desc_packed). */
    public boolean hasUsed() {
        int f = (int) r(desc + (long) PDESC_SIZE * nextUsed + PDESC_FLAGS, 2);
        boolean a = (f & VIRTQ_DESC_F_AVAIL) != 0;
        boolean u = (f & VIRTQ_DESC_F_USED) != 0;
        return a == u && u == usedWrap;
    }

    /** Takes the next used buffer: its id in {@link #lastId}, length in {@link #lastLen}; false if none. */
    public boolean takeUsed() {
        if (!hasUsed()) {
            return false;
        }
        long d = desc + (long) PDESC_SIZE * nextUsed;
        lastId = (int) r(d + PDESC_ID, 2);
        lastLen = (int) r(d + PDESC_LEN, 4);
        int n = Math.max(entries[lastId], 1);
        entries[lastId] = 0;
        nextUsed += n;
        if (nextUsed >= size) {
            nextUsed -= size;
            usedWrap = !usedWrap;
        }
        return true;
    }

    public int nextUsed() {
        return nextUsed;
    }

    public int nextAvail() {
        return nextAvail;
    }

    public boolean availWrapCounter() {
        return availWrap;
    }

    public boolean usedWrapCounter() {
        return usedWrap;
    }

    /** Driver event suppression: what the driver asks of the device's used-buffer notifications. */
    public void setDriverEvent(int flags, int offWrap) {
        w(driverArea + EVENT_OFF_WRAP, 2, offWrap);
        w(driverArea + EVENT_FLAGS, 2, flags);
    }

    /** Device event suppression flags (what the device asks of the driver's notifications). */
    public int deviceEventFlags() {
        return (int) r(deviceArea + EVENT_FLAGS, 2);
    }

    public int deviceEventOffWrap() {
        return (int) r(deviceArea + EVENT_OFF_WRAP, 2);
    }

    public void w(long pa, int n, long v) {
        ram.write(pa - GuestRing.BASE, n, v);
    }

    public long r(long pa, int n) {
        return ram.read(pa - GuestRing.BASE, n);
    }
}
