package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The device side of one packed virtqueue (VIRTIO 1.2 §2.8; docs/facts/virtio-gpu.md §2.4), used
 * when VIRTIO_F_RING_PACKED (bit 34) is negotiated: one ring of 16-byte descriptors
 * {le64 addr; le32 len; le16 id; le16 flags} that the driver makes available and the device marks
 * used in place, ownership told by the AVAIL (bit 7) and USED (bit 15) flags against a wrap counter
 * each side flips when it passes the end of the ring; a driver and a device event suppression area
 * {le16 off_wrap; le16 flags} where the split ring has its available and used rings (§4.1.4.3.2: the
 * queue_driver register names the driver area, queue_device the device area). A flyweight over guest
 * memory through {@link Dma}, like {@link SplitVirtqueue}, following QEMU 7.2's hw/virtio/virtio.c
 * (virtqueue_packed_pop, virtqueue_packed_read_next_desc, virtqueue_packed_fill_desc,
 * virtqueue_packed_flush, virtio_packed_should_notify, virtio_queue_packed_set_notification,
 * virtio_queue_packed_empty).
 *
 * <ul>
 * <li>pop: the descriptor at last_avail_idx is available when its AVAIL bit equals the wrap counter
 * and its USED bit differs; a chain follows NEXT through consecutive ring entries (wrapping to 0);
 * the buffer id is the first descriptor's (QEMU; the spec puts it in the last one, Linux writes it
 * in all of them); an INDIRECT first descriptor points at a table whose every entry is a buffer (the
 * table's length, not NEXT, ends it: §2.8.8) and counts as one ring entry. Later descriptors of a
 * chain are not checked for AVAIL (QEMU reads them as they are).</li>
 * <li>push/flush: a used descriptor {id, len, flags} goes where the next used one belongs: the first
 * pushed since the last flush at used_idx, each later one after the ring entries of those before it;
 * the later ones are written whole at push, the first one's flags (AVAIL = USED = used wrap counter)
 * last, at flush, which is what publishes the batch (QEMU writes element 0's flags last too). used_idx
 * then moves by the ring entries of the flushed buffers, flipping the used wrap counter at the end of
 * the ring. QEMU 7.2 places batched element i at used_idx + i, not after the earlier elements' entries:
 * the same as here when every element has one entry or one element is flushed at a time, which is how
 * virtio-gpu uses it (virtqueue_push); gvsim follows the spec for the other batches.</li>
 * <li>needsInterrupt: the driver area's flags: DISABLE never, ENABLE always, otherwise (DESC, and
 * QEMU also takes the reserved value 3 this way, EVENT_IDX negotiated or not) the first time and then
 * when the used index passed off_wrap since the last interrupt, off_wrap's wrap bit naming the lap
 * (vring_packed_need_event). No NOTIFY_ON_EMPTY: QEMU's packed path has none.</li>
 * </ul>
 * Hostile rings get QEMU's virtio_error texts ({@link VirtqueueError}); QEMU's packed pop checks less
 * than its split pop: no "Desc next" (next is implicit), no head range check; a chain longer than
 * the ring is a "Looped descriptor" (or first "too many write descriptors" past 1024 segments); an
 * indirect table whose length is not a multiple of 16 is an "Invalid size for indirect buffer
 * table". One difference: QEMU 7.2's packed pop checks only {@code len % 16}, so an indirect table
 * of length 0 reaches address_space_cache_init, whose {@code assert(len > 0)} (softmmu/physmem.c)
 * aborts QEMU: a guest-triggerable crash there; gvsim answers it "Invalid size for indirect buffer
 * table" as the split path does. Nothing is allocated by pop, push, flush or needsInterrupt: the ring entries of each
 * buffer in flight are kept in a table by buffer id allocated once at the first configure.
 */
public final class PackedVirtqueue extends VirtqueueBase {
    /** §2.8: Queue Size, any value in [1, 32768] (no power of two needed). */
    public static final int MAX_QUEUE_SIZE = 32768;

    /** Bit 34, VIRTIO_F_RING_PACKED. */
    public static final long VIRTIO_F_RING_PACKED = 1L << F_RING_PACKED;


    // configuration
    private boolean ready;
    private int size;
    private long desc;
    private long driverArea;
    private long deviceArea;
    private boolean eventIdx;
    private boolean indirectDesc;

    // QEMU VirtQueue state: indices in [0, size), wrap counters true after reset
    private int lastAvailIdx;
    private boolean lastAvailWrap = true;
    private int shadowAvailIdx;
    private boolean shadowAvailWrap = true;
    private int usedIdx;
    private boolean usedWrap = true;
    private int signalledUsed;
    private boolean signalledUsedValid;
    private boolean notification = true;
    /** Ring entries popped and not yet flushed (QEMU inuse, unsigned). */
    private int inuse;
    /** Buffers pushed since the last flush, and their ring entries. */
    private int pending;
    private int pendingDescs;
    /** Ring entries of each buffer id in flight (0: none); allocated at the first configure. */
    private char[] entriesById;


    /** A queue with QEMU 7.2's checks. */
    public PackedVirtqueue(Dma dma) {
        this(dma, false);
    }

    /** @param specChecks also refuse what the spec forbids but QEMU 7.2 accepts (INDIRECT not negotiated or misplaced, chains of 2^32 bytes or more) */
    public PackedVirtqueue(Dma dma, boolean specChecks) {
        super(dma, specChecks);
    }

    /** True if {@code size} is a valid packed queue size: [1, 32768]. */
    public static boolean validSize(int size) {
        return size > 0 && size <= MAX_QUEUE_SIZE;
    }

    @Override
    public boolean packed() {
        return true;
    }

    /**
     * Sets the queue up (QEMU virtio_init_region_cache with VIRTIO_F_RING_PACKED): the descriptor
     * ring (16 × size bytes), the device area (4 bytes) and the driver area (4 bytes) must be
     * reachable, checked in that order ("Cannot map desc" / "used" / "avail"). Indices are kept.
     *
     * @param features the negotiated feature bits (EVENT_IDX and INDIRECT_DESC are used)
     */
    @Override
    public VirtqueueError configure(int size, long desc, long driverArea, long deviceArea, long features) {
        if (!validSize(size)) {
            throw new IllegalArgumentException("queue size " + size + " is not in [1, 32768]");
        }
        if (entriesById == null) {
            entriesById = new char[1 << 16];
        }
        this.size = size;
        this.desc = desc;
        this.driverArea = driverArea;
        this.deviceArea = deviceArea;
        this.eventIdx = (features & SplitVirtqueue.VIRTIO_F_EVENT_IDX) != 0;
        this.indirectDesc = (features & SplitVirtqueue.VIRTIO_F_INDIRECT_DESC) != 0;
        this.ready = false;
        if (!dma.reachable(desc, (long) PDESC_SIZE * size)) {
            return fail(VirtqueueError.CANNOT_MAP_DESC, 0, 0);
        }
        if (!dma.reachable(deviceArea, EVENT_SUPPRESS_SIZE)) {
            return fail(VirtqueueError.CANNOT_MAP_USED, 0, 0);
        }
        if (!dma.reachable(driverArea, EVENT_SUPPRESS_SIZE)) {
            return fail(VirtqueueError.CANNOT_MAP_AVAIL, 0, 0);
        }
        this.ready = true;
        return VirtqueueError.NONE;
    }

    /** QEMU __virtio_queue_reset: not ready, indices 0, every wrap counter true, notification on, not broken. */
    @Override
    public void reset() {
        ready = false;
        size = 0;
        desc = 0;
        driverArea = 0;
        deviceArea = 0;
        eventIdx = false;
        indirectDesc = false;
        lastAvailIdx = 0;
        lastAvailWrap = true;
        shadowAvailIdx = 0;
        shadowAvailWrap = true;
        usedIdx = 0;
        usedWrap = true;
        signalledUsed = 0;
        signalledUsedValid = false;
        notification = true;
        inuse = 0;
        pending = 0;
        pendingDescs = 0;
        if (entriesById != null) {
            java.util.Arrays.fill(entriesById, (char) 0);
        }
        clearError();
    }



    /** QEMU is_desc_avail: AVAIL differs from USED and equals the wrap counter. */
    static boolean isAvail(int flags, boolean wrap) {
        boolean a = (flags & VIRTQ_DESC_F_AVAIL) != 0;
        boolean u = (flags & VIRTQ_DESC_F_USED) != 0;
        return a != u && a == wrap;
    }

    private int ringFlags(int i) {
        return (int) dma.read(desc + (long) PDESC_SIZE * i + PDESC_FLAGS, 2);
    }

    /** QEMU virtio_queue_packed_empty: the descriptor at last_avail_idx is not available. */
    @Override
    public boolean isEmpty() {
        if (broken || !ready) {
            return true;
        }
        return !isAvail(ringFlags(lastAvailIdx), lastAvailWrap);
    }

    /**
     * QEMU virtqueue_packed_pop: takes the buffer at last_avail_idx into {@code c}; {@code c.head()}
     * is its buffer id. On success last_avail_idx moves by the buffer's ring entries (1 for an
     * indirect one), flipping the wrap counter past the end; on an error nothing moves.
     */
    @Override
    public int pop(Chain c) {
        c.clear();
        if (broken) {
            return FAILED;
        }
        if (!ready) {
            return EMPTY;
        }
        long d = desc + (long) PDESC_SIZE * lastAvailIdx;
        int flags = (int) dma.read(d + PDESC_FLAGS, 2);
        if (!isAvail(flags, lastAvailWrap)) {
            return EMPTY;
        }
        if (Integer.compareUnsigned(inuse, size) >= 0) {
            return failPop(c, VirtqueueError.SIZE_EXCEEDED, 0, 0);
        }
        long addr = dma.read(d + PDESC_ADDR, 8);
        int len = (int) dma.read(d + PDESC_LEN, 4);
        int id = (int) dma.read(d + PDESC_ID, 2);
        long table = desc;
        int max = size;
        int i = lastAvailIdx;
        boolean indirect = false;
        if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
            if (specChecks && !indirectDesc) {
                return failPop(c, VirtqueueError.INDIRECT_NOT_NEGOTIATED, i, 0);
            }
            // QEMU: desc.len % sizeof(VRingPackedDesc) only, then assert(len > 0) aborts it; refused here as on the split path
            if (len == 0 || (len & (PDESC_SIZE - 1)) != 0) {
                return failPop(c, VirtqueueError.INVALID_INDIRECT_SIZE, 0, 0);
            }
            long tableLen = Integer.toUnsignedLong(len);
            if (!dma.reachable(addr, tableLen)) {
                return failPop(c, VirtqueueError.CANNOT_MAP_INDIRECT, 0, 0);
            }
            indirect = true;
            c.indirect = true;
            table = addr;
            max = (int) (tableLen / PDESC_SIZE);
            i = 0;
            addr = dma.read(table + PDESC_ADDR, 8);
            len = (int) dma.read(table + PDESC_LEN, 4);
            flags = (int) dma.read(table + PDESC_FLAGS, 2);
        }
        int entries = 0;
        while (true) {
            if (specChecks && (entries > 0 || indirect) && (flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                return failPop(c, VirtqueueError.MISPLACED_INDIRECT, i, 0);
            }
            if (addSegment(c, addr, len, flags) == FAILED) { // the order check, then virtqueue_map_desc
                return FAILED;
            }
            if (++entries > max) {
                return failPop(c, VirtqueueError.LOOPED_DESCRIPTOR, 0, 0);
            }
            // virtqueue_packed_read_next_desc: a table is read to its end; a ring chain follows NEXT, wrapping to 0
            if (!indirect && (flags & VIRTQ_DESC_F_NEXT) == 0) {
                break;
            }
            if (++i == max) {
                if (indirect) {
                    break;
                }
                i = 0;
            }
            d = table + (long) PDESC_SIZE * i;
            addr = dma.read(d + PDESC_ADDR, 8);
            len = (int) dma.read(d + PDESC_LEN, 4);
            flags = (int) dma.read(d + PDESC_FLAGS, 2);
        }
        if (specChecks && c.readableBytes + c.writableBytes > 0xFFFF_FFFFL) {
            return failPop(c, VirtqueueError.CHAIN_TOO_LONG, c.count, 0);
        }
        int n = indirect ? 1 : entries;
        c.head = id;
        entriesById[id] = (char) n; // n <= 32768
        inuse += n;
        lastAvailIdx += n;
        if (lastAvailIdx >= size) {
            lastAvailIdx -= size;
            lastAvailWrap = !lastAvailWrap;
        }
        shadowAvailIdx = lastAvailIdx;
        shadowAvailWrap = lastAvailWrap;
        return CHAIN;
    }

    /**
     * Writes the used descriptor of buffer {@code id} ({id, len = written}) at its place after the
     * buffers pushed since the last flush; the first one's flags wait for {@link #flush}. Nothing is
     * written when broken or not set up. An id that is not in flight counts as one ring entry.
     */
    @Override
    public void push(int id, int written) {
        int key = id & 0xFFFF;
        int n = entriesById == null ? 0 : entriesById[key];
        if (n == 0) {
            n = 1;
        } else {
            entriesById[key] = 0;
        }
        if (broken || !ready) {
            pending++;
            pendingDescs += n;
            return;
        }
        long at = (long) usedIdx + pendingDescs;
        int slot = (int) (at % size);
        boolean wrap = usedWrap ^ ((at / size) & 1) != 0;
        long d = desc + (long) PDESC_SIZE * slot;
        dma.write(d + PDESC_ID, 2, key);
        dma.write(d + PDESC_LEN, 4, Integer.toUnsignedLong(written));
        if (pending > 0) {
            dma.write(d + PDESC_FLAGS, 2, usedFlags(wrap));
        }
        pending++;
        pendingDescs += n;
    }

    private static int usedFlags(boolean wrap) {
        return wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0;
    }

    /**
     * QEMU virtqueue_packed_flush: the first pushed buffer's flags written (publishing the batch),
     * inuse down and used_idx up by their ring entries, the used wrap counter flipped (and the
     * signalled-used record invalidated) past the end of the ring. When broken only inuse drops, by
     * the number of buffers (QEMU virtqueue_flush on a disabled device). A flush with nothing pushed
     * does nothing (QEMU would republish its stale element 0; virtio-gpu never does that).
     */
    @Override
    public void flush() {
        int count = pending;
        int descs = pendingDescs;
        pending = 0;
        pendingDescs = 0;
        if (broken) {
            inuse -= count;
            return;
        }
        if (!ready || count == 0) {
            return;
        }
        dma.write(desc + (long) PDESC_SIZE * usedIdx + PDESC_FLAGS, 2, usedFlags(usedWrap));
        inuse -= descs;
        long at = (long) usedIdx + descs;
        usedIdx = (int) (at % size);
        if (at >= size) {
            if (((at / size) & 1) != 0) {
                usedWrap = !usedWrap;
            }
            signalledUsedValid = false;
        }
    }

    /**
     * QEMU virtio_packed_should_notify: reads the driver area {off_wrap, flags}; records used_idx as
     * signalled; DISABLE → no, ENABLE → yes, otherwise the first time or when
     * {@link #packedNeedEvent} says the used index passed off_wrap.
     */
    @Override
    public boolean needsInterrupt() {
        if (!ready) {
            return false;
        }
        int flags = (int) dma.read(driverArea + EVENT_FLAGS, 2);
        int offWrap = (int) dma.read(driverArea + EVENT_OFF_WRAP, 2);
        int old = signalledUsed;
        signalledUsed = usedIdx;
        boolean v = signalledUsedValid;
        signalledUsedValid = true;
        if (flags == RING_EVENT_FLAGS_DISABLE) {
            return false;
        }
        if (flags == RING_EVENT_FLAGS_ENABLE) {
            return true;
        }
        return !v || packedNeedEvent(size, usedWrap, offWrap, usedIdx, old);
    }

    /**
     * QEMU vring_packed_need_event: off_wrap's offset, taken one ring length back when its wrap bit is
     * not the device's used wrap counter, then vring_need_event on 16-bit values.
     */
    public static boolean packedNeedEvent(int size, boolean wrap, int offWrap, int newIdx, int oldIdx) {
        int off = offWrap & 0x7FFF;
        if (wrap != ((offWrap >> 15 & 1) != 0)) {
            off -= size;
        }
        return SplitVirtqueue.needEvent(off & 0xFFFF, newIdx, oldIdx);
    }

    /**
     * QEMU virtio_queue_packed_set_notification: the device area's flags DISABLE, or with EVENT_IDX
     * off_wrap = shadow avail index | wrap counter << 15 then DESC, or ENABLE.
     */
    @Override
    public void setNotification(boolean enable) {
        notification = enable;
        if (!ready) {
            return;
        }
        int flags;
        if (!enable) {
            flags = RING_EVENT_FLAGS_DISABLE;
        } else if (eventIdx) {
            dma.write(deviceArea + EVENT_OFF_WRAP, 2, shadowAvailIdx | (shadowAvailWrap ? 1 << 15 : 0));
            flags = RING_EVENT_FLAGS_DESC;
        } else {
            flags = RING_EVENT_FLAGS_ENABLE;
        }
        dma.write(deviceArea + EVENT_FLAGS, 2, flags);
    }

    // ---- state ----

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public int size() {
        return size;
    }

    public long descAddress() {
        return desc;
    }

    public long driverAreaAddress() {
        return driverArea;
    }

    public long deviceAreaAddress() {
        return deviceArea;
    }

    /** The next ring entry to pop, in [0, size). */
    public int lastAvailIdx() {
        return lastAvailIdx;
    }

    public boolean lastAvailWrapCounter() {
        return lastAvailWrap;
    }

    /** Where the next used descriptor goes, in [0, size). */
    public int usedIdx() {
        return usedIdx;
    }

    public boolean usedWrapCounter() {
        return usedWrap;
    }

    @Override
    public int inUse() {
        return inuse;
    }

    /** Buffers pushed and not yet flushed. */
    public int pendingUsed() {
        return pending;
    }

    public boolean notificationEnabled() {
        return notification;
    }




    /** Configuration, indices, wrap counters, the buffers in flight (id, ring entries), error. */
    @Override
    public void saveState(StateWriter w) {
        w.putBoolean(ready).putInt(size).putLong(desc).putLong(driverArea).putLong(deviceArea);
        w.putBoolean(eventIdx).putBoolean(indirectDesc);
        w.putInt(lastAvailIdx).putBoolean(lastAvailWrap).putInt(shadowAvailIdx).putBoolean(shadowAvailWrap);
        w.putInt(usedIdx).putBoolean(usedWrap).putInt(signalledUsed).putBoolean(signalledUsedValid).putBoolean(notification);
        w.putInt(inuse).putInt(pending).putInt(pendingDescs);
        int n = 0;
        if (entriesById != null) {
            for (char e : entriesById) {
                n += e != 0 ? 1 : 0;
            }
        }
        w.putInt(n);
        for (int id = 0; n > 0 && id < entriesById.length; id++) {
            if (entriesById[id] != 0) {
                w.putInt(id).putInt(entriesById[id]);
            }
        }
        w.putBoolean(broken).putInt(error.ordinal()).putInt(errorA).putInt(errorB);
    }

    @Override
    public void restoreState(StateReader r) throws InputException {
        boolean rReady = r.getBoolean();
        int rSize = r.getInt();
        long rDesc = r.getLong();
        long rDriver = r.getLong();
        long rDevice = r.getLong();
        boolean rEventIdx = r.getBoolean();
        boolean rIndirect = r.getBoolean();
        int rLast = r.getInt();
        boolean rLastWrap = r.getBoolean();
        int rShadow = r.getInt();
        boolean rShadowWrap = r.getBoolean();
        int rUsed = r.getInt();
        boolean rUsedWrap = r.getBoolean();
        int rSignalled = r.getInt();
        boolean rSignalledValid = r.getBoolean();
        boolean rNotification = r.getBoolean();
        int rInuse = r.getInt();
        int rPending = r.getInt();
        int rPendingDescs = r.getInt();
        int n = r.getInt();
        if (n < 0 || n > 1 << 16) {
            throw new InputException("packed virtqueue state: " + n + " buffers in flight");
        }
        char[] table = new char[1 << 16];
        for (int k = 0; k < n; k++) {
            int id = r.getInt();
            int e = r.getInt();
            if (id < 0 || id > 0xFFFF || e < 1 || e > MAX_QUEUE_SIZE) {
                throw new InputException("packed virtqueue state: buffer " + id + " of " + e + " entries");
            }
            table[id] = (char) e;
        }
        boolean rBroken = r.getBoolean();
        int rError = r.getInt();
        int rA = r.getInt();
        int rB = r.getInt();
        if (rSize != 0 && !validSize(rSize) || rReady && rSize == 0) {
            throw new InputException("packed virtqueue state: queue size " + rSize);
        }
        int bound = Math.max(rSize, 1);
        if (rLast < 0 || rLast >= bound || rShadow < 0 || rShadow >= bound || rUsed < 0 || rUsed >= bound || rSignalled < 0 || rSignalled > 0xFFFF) {
            throw new InputException("packed virtqueue state: an index out of range");
        }
        if (rPending < 0 || rPendingDescs < 0 || rError < 0 || rError >= VirtqueueError.values().length || rBroken != (rError != 0)) {
            throw new InputException("packed virtqueue state: pending " + rPending + ", error " + rError + ", broken " + rBroken);
        }
        if (rReady && !(dma.reachable(rDesc, (long) PDESC_SIZE * rSize) && dma.reachable(rDevice, EVENT_SUPPRESS_SIZE)
                && dma.reachable(rDriver, EVENT_SUPPRESS_SIZE))) {
            throw new InputException("packed virtqueue state: a ring outside guest memory");
        }
        ready = rReady;
        size = rSize;
        desc = rDesc;
        driverArea = rDriver;
        deviceArea = rDevice;
        eventIdx = rEventIdx;
        indirectDesc = rIndirect;
        lastAvailIdx = rLast;
        lastAvailWrap = rLastWrap;
        shadowAvailIdx = rShadow;
        shadowAvailWrap = rShadowWrap;
        usedIdx = rUsed;
        usedWrap = rUsedWrap;
        signalledUsed = rSignalled;
        signalledUsedValid = rSignalledValid;
        notification = rNotification;
        inuse = rInuse;
        pending = rPending;
        pendingDescs = rPendingDescs;
        entriesById = table;
        broken = rBroken;
        error = VirtqueueError.values()[rError];
        errorA = rA;
        errorB = rB;
    }
}
