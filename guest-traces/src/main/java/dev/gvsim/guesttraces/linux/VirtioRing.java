package dev.gvsim.guesttraces.linux;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * The guest side of one split virtqueue as Linux 6.1 drivers/virtio/virtio_ring.c drives it
 * (virtqueue_add_split, virtqueue_kick_prepare_split, virtqueue_get_buf_ctx_split,
 * virtqueue_disable_cb_split / virtqueue_enable_cb_prepare_split / virtqueue_poll_split), issuing
 * its ring stores and loads through a {@link GuestCpu}. The ring lives at one physical address
 * with the layout vring_create_virtqueue gives it for {@code SMP_CACHE_BYTES} = 64 alignment:
 * descriptor table, avail ring right after it, used ring at the next 64-byte boundary.
 *
 * <p>With {@code packed} (VIRTIO_F_RING_PACKED negotiated) it is a packed virtqueue instead, driven as
 * the _packed functions of the same file do it (virtqueue_add_packed / virtqueue_add_indirect_packed,
 * virtqueue_kick_prepare_packed, virtqueue_get_buf_ctx_packed, virtqueue_disable_cb_packed,
 * virtqueue_enable_cb_prepare_packed / virtqueue_poll_packed): descriptor ring at the ring's address,
 * the driver event suppression area at the next 64-byte boundary after it and the device area 64
 * bytes further (Linux allocates the three separately; one block here). The free list of
 * {@code desc_extra} entries and the buffer ids (the first entry's index) work as for the split ring.
 *
 * <p>The free-descriptor list and the indirect-table bookkeeping are driver-private state
 * ({@code desc_extra}, {@code desc_state}), kept here in Java fields as Linux keeps them in
 * kernel memory the device never sees; only the shared ring memory is accessed through the CPU.
 */
final class VirtioRing {
    /** SMP_CACHE_BYTES on arm64 (vring_create_virtqueue's alignment of the used ring). */
    static final int ALIGN = 64;

    final int index;
    final int num;
    /** A packed ring (VIRTIO 1.2 §2.8): descPa the descriptor ring, availPa the driver area, usedPa the device area. */
    final boolean packed;
    final long descPa;
    final long availPa;
    final long usedPa;
    private final long va;
    private final GuestCpu cpu;
    private final boolean eventIdx;
    private final boolean indirect;
    /** desc_extra[i].next: the free list. */
    private final int[] next;
    private int freeHead;
    private int numFree;
    private int availIdx;
    /** avail idx at the last kick (vq->num_added bookkeeping). */
    private int kickedIdx;
    private int lastUsed;
    private boolean cbDisabled;
    // packed state (vq->packed): next_avail_idx, avail_wrap_counter, last_used_idx, used_wrap_counter, event_flags_shadow, num_added
    private int nextAvail;
    private boolean availWrap = true;
    private int lastUsedPacked;
    private boolean usedWrap = true;
    private int eventFlagsShadow;
    private int numAdded;
    long notifyVa;
    long notifies;
    long buffersReaped;

    /** @param pa where the ring lives; @param va its linear-map address */
    VirtioRing(GuestCpu cpu, int index, int num, long pa, long va, boolean eventIdx, boolean indirect) {
        this(cpu, index, num, pa, va, eventIdx, indirect, false);
    }

    VirtioRing(GuestCpu cpu, int index, int num, long pa, long va, boolean eventIdx, boolean indirect, boolean packed) {
        this.cpu = cpu;
        this.index = index;
        this.num = num;
        this.packed = packed;
        this.descPa = pa;
        if (packed) {
            this.availPa = align(pa + (long) PDESC_SIZE * num, ALIGN);
            this.usedPa = availPa + ALIGN;
        } else {
            this.availPa = pa + descTableBytes(num);
            this.usedPa = align(availPa + availRingBytes(num, true), ALIGN);
        }
        this.va = va;
        this.eventIdx = eventIdx;
        this.indirect = indirect;
        this.next = new int[num];
        for (int i = 0; i < num; i++) {
            next[i] = i + 1;
        }
        this.numFree = num;
    }

    static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    /** Bytes of a packed ring and its two event suppression areas as laid out here. */
    static long packedBytes(int num) {
        return align((long) PDESC_SIZE * num, ALIGN) + ALIGN + EVENT_SUPPRESS_SIZE;
    }

    /** Bytes from the descriptor table to the end of the used ring (vring_size). */
    static long bytes(int num) {
        long avail = descTableBytes(num);
        return align(avail + availRingBytes(num, true), ALIGN) + usedRingBytes(num, true);
    }

    private long v(long pa) {
        return va + (pa - descPa);
    }

    int numFree() {
        return numFree;
    }

    /** The descriptor the next add will take as its head. */
    int peekFreeHead() {
        return freeHead;
    }

    /**
     * virtqueue_add_split for a chain of {@code outs} device-readable then {@code ins}
     * device-writable segments ({@code seg[i] = {pa, len}}). With INDIRECT_DESC negotiated and more
     * than one segment the chain goes into an indirect table at {@code indirectPa/indirectVa}
     * (alloc_indirect_split's kmalloc), one ring descriptor pointing at it. Returns the head, or
     * -1 if the ring has no room (Linux returns -ENOSPC and virtio_gpu waits for space).
     */
    int add(long[][] segs, int outs, long indirectPa, long indirectVa, String sym) throws GuestFault {
        int total = segs.length;
        boolean useIndirect = indirect && total > 1 && numFree > 0;
        int need = useIndirect ? 1 : total;
        if (numFree < need) {
            return -1;
        }
        int head = freeHead;
        if (packed) {
            addPacked(segs, outs, indirectPa, indirectVa, useIndirect, sym);
            numFree -= need;
            return head;
        }
        if (useIndirect) {
            for (int j = 0; j < total; j++) {
                int flags = (j < outs ? 0 : VIRTQ_DESC_F_WRITE) | (j + 1 < total ? VIRTQ_DESC_F_NEXT : 0);
                long d = indirectVa + (long) j * DESC_SIZE;
                // virtqueue_add_desc_split: flags, addr, len, next
                cpu.write(d + DESC_FLAGS, 2, flags, 0, sym);
                cpu.write(d + DESC_ADDR, 8, segs[j][0], 0, sym);
                cpu.write(d + DESC_LEN, 4, segs[j][1], 0, sym);
                cpu.write(d + DESC_NEXT, 2, j + 1 < total ? j + 1 : 0, 0, sym);
            }
            writeDesc(head, VIRTQ_DESC_F_INDIRECT, indirectPa, (long) total * DESC_SIZE, sym);
            freeHead = next[head];
        } else {
            int i = head;
            int last = head;
            for (int j = 0; j < total; j++) {
                int flags = (j < outs ? 0 : VIRTQ_DESC_F_WRITE) | (j + 1 < total ? VIRTQ_DESC_F_NEXT : 0);
                writeDesc(i, flags, segs[j][0], segs[j][1], sym);
                last = i;
                i = next[i];
            }
            freeHead = next[last];
            chainLen[head] = total;
        }
        numFree -= need;
        // avail->ring[avail & (num - 1)] = head; virtio_wmb; avail->idx = avail + 1
        cpu.write(v(availPa) + AVAIL_RING + 2L * (availIdx & (num - 1)), 2, head, 0, sym);
        availIdx = (availIdx + 1) & 0xFFFF;
        cpu.write(v(availPa) + AVAIL_IDX, 2, availIdx, F_REL, sym);
        return head;
    }

    private final int[] chainLen = new int[1024];

    /** AVAIL/USED bits of an available entry on the driver's lap (vq->packed.avail_used_flags). */
    private int availUsedFlags() {
        return availWrap ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED;
    }

    private void advanceAvail() {
        if (++nextAvail >= num) {
            nextAvail = 0;
            availWrap = !availWrap;
        }
    }

    /**
     * virtqueue_add_packed / virtqueue_add_indirect_packed: the entries from next_avail_idx (id, the
     * free head, in each), the first one's flags stored last after virtio_wmb; an indirect table
     * holds {addr, len, flags} per segment and takes one ring entry.
     */
    private void addPacked(long[][] segs, int outs, long indirectPa, long indirectVa, boolean useIndirect, String sym) throws GuestFault {
        int total = segs.length;
        int id = freeHead;
        int head = nextAvail;
        long ring = v(descPa);
        if (useIndirect) {
            for (int j = 0; j < total; j++) {
                long d = indirectVa + (long) j * PDESC_SIZE;
                cpu.write(d + PDESC_ADDR, 8, segs[j][0], 0, sym);
                cpu.write(d + PDESC_LEN, 4, segs[j][1], 0, sym);
                cpu.write(d + PDESC_FLAGS, 2, j < outs ? 0 : VIRTQ_DESC_F_WRITE, 0, sym);
            }
            long d = ring + (long) head * PDESC_SIZE;
            cpu.write(d + PDESC_ADDR, 8, indirectPa, 0, sym);
            cpu.write(d + PDESC_LEN, 4, (long) total * PDESC_SIZE, 0, sym);
            cpu.write(d + PDESC_ID, 2, id, 0, sym);
            int flags = VIRTQ_DESC_F_INDIRECT | availUsedFlags();
            advanceAvail();
            cpu.write(d + PDESC_FLAGS, 2, flags, F_REL, sym);
            freeHead = next[id];
            chainLen[id] = 0;
        } else {
            int headFlags = 0;
            int curr = id;
            int last = id;
            for (int j = 0; j < total; j++) {
                int flags = availUsedFlags() | (j + 1 < total ? VIRTQ_DESC_F_NEXT : 0) | (j < outs ? 0 : VIRTQ_DESC_F_WRITE);
                long d = ring + (long) nextAvail * PDESC_SIZE;
                if (j == 0) {
                    headFlags = flags;
                } else {
                    cpu.write(d + PDESC_FLAGS, 2, flags, 0, sym);
                }
                cpu.write(d + PDESC_ADDR, 8, segs[j][0], 0, sym);
                cpu.write(d + PDESC_LEN, 4, segs[j][1], 0, sym);
                cpu.write(d + PDESC_ID, 2, id, 0, sym);
                last = curr;
                curr = next[curr];
                advanceAvail();
            }
            freeHead = curr;
            chainLen[id] = total;
            // "A driver MUST NOT make the first descriptor in the list available before all subsequent descriptors"
            cpu.write(ring + (long) head * PDESC_SIZE + PDESC_FLAGS, 2, headFlags, F_REL, sym);
            lastOf[id] = last;
        }
        numAdded += useIndirect ? 1 : total;
    }

    /** desc_state[id].last: the last desc_extra entry of a direct packed chain. */
    private final int[] lastOf = new int[1024];

    private void writeDesc(int i, int flags, long addr, long len, String sym) throws GuestFault {
        long d = v(descPa) + (long) i * DESC_SIZE;
        cpu.write(d + DESC_FLAGS, 2, flags, 0, sym);
        cpu.write(d + DESC_ADDR, 8, addr, 0, sym);
        cpu.write(d + DESC_LEN, 4, len, 0, sym);
        cpu.write(d + DESC_NEXT, 2, next[i] & 0xFFFF, 0, sym);
    }

    /**
     * virtqueue_kick_prepare_split + virtqueue_notify: with EVENT_IDX the device's avail_event
     * (used->ring[num]) decides (vring_need_event), else used->flags NO_NOTIFY; the notify is
     * vp_notify's iowrite16(queue index) at the queue's notify address. Returns whether it notified.
     */
    boolean kick() throws GuestFault {
        if (packed) {
            return kickPacked();
        }
        int old = kickedIdx;
        int now = availIdx;
        kickedIdx = now;
        boolean need;
        if (eventIdx) {
            int event = (int) cpu.read(v(usedPa) + USED_RING + (long) USED_ELEM_SIZE * num, 2, F_ACQ, "virtqueue_kick_prepare");
            need = ((now - event - 1) & 0xFFFF) < ((now - old) & 0xFFFF);
        } else {
            need = (cpu.read(v(usedPa) + USED_FLAGS, 2, F_ACQ, "virtqueue_kick_prepare") & VIRTQ_USED_F_NO_NOTIFY) == 0;
        }
        if (need) {
            cpu.write(notifyVa, 2, index, 0, "vp_notify");
            notifies++;
        }
        return need;
    }

    /**
     * virtqueue_kick_prepare_packed: the device area read whole; flags other than DESC: notify unless
     * DISABLE; DESC: vring_need_event(off, new, old) with off one ring back when off_wrap's wrap bit
     * is not the avail wrap counter.
     */
    private boolean kickPacked() throws GuestFault {
        int nw = nextAvail;
        int old = (nextAvail - numAdded) & 0xFFFF;
        numAdded = 0;
        long snap = cpu.read(v(usedPa), 4, F_ACQ, "virtqueue_kick_prepare");
        int flags = (int) (snap >>> 16) & 0xFFFF;
        boolean need;
        if (flags != RING_EVENT_FLAGS_DESC) {
            need = flags != RING_EVENT_FLAGS_DISABLE;
        } else {
            int offWrap = (int) snap & 0xFFFF;
            int event = offWrap & 0x7FFF;
            if ((offWrap >> 15 != 0) != availWrap) {
                event -= num;
            }
            need = ((nw - event - 1) & 0xFFFF) < ((nw - old) & 0xFFFF);
        }
        if (need) {
            cpu.write(notifyVa, 2, index, 0, "vp_notify");
            notifies++;
        }
        return need;
    }

    /** is_used_desc_packed: AVAIL == USED == the used wrap counter at last_used_idx. */
    private boolean usedPacked(String sym) throws GuestFault {
        int f = (int) cpu.read(v(descPa) + (long) lastUsedPacked * PDESC_SIZE + PDESC_FLAGS, 2, 0, sym);
        boolean a = (f & VIRTQ_DESC_F_AVAIL) != 0;
        boolean u = (f & VIRTQ_DESC_F_USED) != 0;
        return a == u && u == usedWrap;
    }

    private int offWrapUsed() {
        return lastUsedPacked | (usedWrap ? 1 << 15 : 0);
    }

    /** more_used_split: used->idx != last_used_idx (more_used_packed: the entry at last_used_idx is used). */
    boolean moreUsed(String sym) throws GuestFault {
        if (packed) {
            return usedPacked(sym);
        }
        int usedIdx = (int) cpu.read(v(usedPa) + USED_IDX, 2, 0, sym);
        return usedIdx != lastUsed;
    }

    /**
     * virtqueue_get_buf_ctx_split: the next used element {id, len} or null; frees its descriptors
     * and, while callbacks are enabled, publishes used_event = last_used_idx.
     */
    long[] getBuf(String sym) throws GuestFault {
        if (!moreUsed(sym)) {
            return null;
        }
        if (packed) {
            return getBufPacked(sym);
        }
        long e = v(usedPa) + USED_RING + (long) USED_ELEM_SIZE * (lastUsed & (num - 1));
        int id = (int) cpu.read(e + USED_ELEM_ID, 4, F_ACQ, sym);
        long len = cpu.read(e + USED_ELEM_LEN, 4, 0, sym);
        lastUsed = (lastUsed + 1) & 0xFFFF;
        if (id < 0 || id >= num) {
            return new long[] {id, len, -1};
        }
        // detach_buf_split: the chain (or the one indirect descriptor) back on the free list
        int n = indirect && chainLen[id] == 0 ? 1 : Math.max(1, chainLen[id]);
        int lastDesc = id;
        for (int k = 1; k < n; k++) {
            lastDesc = next[lastDesc];
        }
        next[lastDesc] = freeHead;
        freeHead = id;
        numFree += n;
        chainLen[id] = 0;
        buffersReaped++;
        if (eventIdx && !cbDisabled) {
            cpu.write(v(availPa) + AVAIL_RING + 2L * num, 2, lastUsed, 0, sym);
        }
        return new long[] {id, len, 0};
    }

    /**
     * virtqueue_get_buf_ctx_packed: id and len of the used entry at last_used_idx, which then moves by
     * the buffer's ring entries (desc_state[id].num), flipping the used wrap counter; detach_buf_packed
     * puts its desc_extra entries back on the free list; with the driver flags at DESC, off_wrap =
     * the new last_used_idx | wrap.
     */
    private long[] getBufPacked(String sym) throws GuestFault {
        long d = v(descPa) + (long) lastUsedPacked * PDESC_SIZE;
        int id = (int) cpu.read(d + PDESC_ID, 2, F_ACQ, sym);
        long len = cpu.read(d + PDESC_LEN, 4, 0, sym);
        if (id < 0 || id >= num) {
            return new long[] {id, len, -1};
        }
        int n = chainLen[id] == 0 ? 1 : chainLen[id];
        lastUsedPacked += n;
        if (lastUsedPacked >= num) {
            lastUsedPacked -= num;
            usedWrap = !usedWrap;
        }
        int lastDesc = chainLen[id] == 0 ? id : lastOf[id];
        next[lastDesc] = freeHead;
        freeHead = id;
        numFree += n;
        chainLen[id] = 0;
        buffersReaped++;
        if (eventFlagsShadow == RING_EVENT_FLAGS_DESC) {
            cpu.write(v(availPa) + EVENT_OFF_WRAP, 2, offWrapUsed(), 0, sym);
        }
        return new long[] {id, len, 0};
    }

    /** virtqueue_disable_cb_split: with EVENT_IDX used_event = 0 ("a hack", virtio_ring.c), else avail->flags NO_INTERRUPT. */
    void disableCb(String sym) throws GuestFault {
        if (packed) {
            // virtqueue_disable_cb_packed
            if (eventFlagsShadow != RING_EVENT_FLAGS_DISABLE) {
                eventFlagsShadow = RING_EVENT_FLAGS_DISABLE;
                cpu.write(v(availPa) + EVENT_FLAGS, 2, eventFlagsShadow, 0, sym);
            }
            return;
        }
        if (!cbDisabled) {
            cbDisabled = true;
            if (eventIdx) {
                cpu.write(v(availPa) + AVAIL_RING + 2L * num, 2, 0, 0, sym);
            } else {
                cpu.write(v(availPa) + AVAIL_FLAGS, 2, VIRTQ_AVAIL_F_NO_INTERRUPT, 0, sym);
            }
        }
    }

    /**
     * virtqueue_enable_cb (prepare + poll): re-arm (used_event = last_used_idx, or clear
     * NO_INTERRUPT) and return true if nothing new arrived meanwhile.
     */
    boolean enableCb(String sym) throws GuestFault {
        if (packed) {
            // virtqueue_enable_cb_prepare_packed, then virtqueue_poll_packed
            if (eventIdx) {
                cpu.write(v(availPa) + EVENT_OFF_WRAP, 2, offWrapUsed(), 0, sym);
            }
            if (eventFlagsShadow == RING_EVENT_FLAGS_DISABLE) {
                eventFlagsShadow = eventIdx ? RING_EVENT_FLAGS_DESC : RING_EVENT_FLAGS_ENABLE;
                cpu.write(v(availPa) + EVENT_FLAGS, 2, eventFlagsShadow, 0, sym);
            }
            return !usedPacked(sym);
        }
        if (cbDisabled) {
            cbDisabled = false;
            if (!eventIdx) {
                cpu.write(v(availPa) + AVAIL_FLAGS, 2, 0, 0, sym);
            }
        }
        if (eventIdx) {
            cpu.write(v(availPa) + AVAIL_RING + 2L * num, 2, lastUsed, 0, sym);
        }
        return !moreUsed(sym); // virtio_mb, then the used index
    }

    int inFlight() {
        return num - numFree;
    }

    private static final int F_ACQ = 1 << 1; // dev.gvsim.simcore.Access.F_ACQ
    private static final int F_REL = 1 << 2; // dev.gvsim.simcore.Access.F_REL
}
