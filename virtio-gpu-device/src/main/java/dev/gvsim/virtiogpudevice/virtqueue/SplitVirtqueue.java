package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The device side of one split virtqueue (VIRTIO 1.2 §2.7; docs/facts/virtio-gpu.md §2.3), a
 * flyweight over guest memory through {@link Dma}: the rings stay in guest RAM and are read and
 * written there; the queue holds only QEMU's VirtQueue indices. It answers hostile rings as QEMU
 * 7.2's hw/virtio/virtio.c does (virtqueue_split_pop, virtqueue_split_read_next_desc,
 * virtqueue_map_desc, virtqueue_split_fill/flush, virtio_split_should_notify): an error marks the
 * queue broken with a {@link VirtqueueError}, no element is returned, and indices are left exactly
 * where QEMU leaves them. Nothing throws on guest-controlled contents, and a pop visits at most
 * {@link Chain#MAX_SEGMENTS} + 1 descriptors. Nothing is allocated by pop, push, flush or
 * needsInterrupt.
 *
 * <p>With {@code specChecks} the queue also refuses what the spec forbids but QEMU 7.2 accepts
 * (the spec-check constants of {@link VirtqueueError}); the default is QEMU's behaviour.
 */
public final class SplitVirtqueue extends VirtqueueBase {
    // VIRTIO 1.2 §2.7.5 The Virtqueue Descriptor Table: struct virtq_desc {le64 addr; le32 len; le16 flags; le16 next;}

    // §2.7.6 The Virtqueue Available Ring: struct virtq_avail {le16 flags; le16 idx; le16 ring[size]; le16 used_event;}

    // §2.7.8 The Virtqueue Used Ring: struct virtq_used {le16 flags; le16 idx; struct virtq_used_elem {le32 id; le32 len;} ring[size]; le16 avail_event;}

    /** §2.7: Queue Size is a power of 2, at most 32768. */
    public static final int MAX_QUEUE_SIZE = 32768;

    // §6 Reserved Feature Bits
    /** Bit 24, VIRTIO_F_NOTIFY_ON_EMPTY (legacy): interrupt when the queue runs empty, whatever the driver asked. */
    public static final long VIRTIO_F_NOTIFY_ON_EMPTY = 1L << 24;
    /** Bit 28, VIRTIO_F_INDIRECT_DESC (§2.7.5.3). */
    public static final long VIRTIO_F_INDIRECT_DESC = 1L << 28;
    /** Bit 29, VIRTIO_F_EVENT_IDX (§2.7.7, §2.7.10): used_event and avail_event. */
    public static final long VIRTIO_F_EVENT_IDX = 1L << 29;


    // configuration (QEMU VRing)
    private boolean ready;
    private int size;
    private long desc;
    private long avail;
    private long used;
    private boolean eventIdx;
    private boolean indirectDesc;
    private boolean notifyOnEmpty;

    // QEMU VirtQueue state; the 16-bit indices are kept in [0, 0xFFFF]
    private int lastAvailIdx;
    private int shadowAvailIdx;
    private int usedIdx;
    private int signalledUsed;
    private boolean signalledUsedValid;
    private boolean notification = true;
    /** Unsigned, as QEMU's: pushing more than was popped wraps it, and the next pop fails. */
    private int inuse;
    /** Used elements written by {@link #push} and not yet published by {@link #flush}. */
    private int pending;

    /** A queue with QEMU 7.2's checks. */
    public SplitVirtqueue(Dma dma) {
        this(dma, false);
    }

    /** @param specChecks also refuse what the spec forbids but QEMU 7.2 accepts */
    public SplitVirtqueue(Dma dma, boolean specChecks) {
        super(dma, specChecks);
    }

    /** False: a split ring. */
    @Override
    public boolean packed() {
        return false;
    }

    /** True if {@code size} is a valid split queue size: a power of two in [1, 32768]. */
    public static boolean validSize(int size) {
        return size > 0 && size <= MAX_QUEUE_SIZE && Integer.bitCount(size) == 1;
    }

    /**
     * Sets the queue up and makes it ready (QEMU: the queue addresses and size written, then
     * virtio_init_region_cache when the queue is enabled). The three areas must be reachable guest
     * memory, checked in QEMU's order (descriptor table, used ring, available ring); if one is not,
     * the queue is broken with {@link VirtqueueError#CANNOT_MAP_DESC} / {@code _USED} /
     * {@code _AVAIL} and that error is returned. Indices are not touched (QEMU keeps them until
     * reset). The size is the transport's to validate: an invalid one is a model error.
     *
     * @param features the negotiated feature bits ({@link #VIRTIO_F_EVENT_IDX},
     *                 {@link #VIRTIO_F_INDIRECT_DESC}, {@link #VIRTIO_F_NOTIFY_ON_EMPTY}; others ignored)
     */
    public VirtqueueError configure(int size, long desc, long avail, long used, long features) {
        if (!validSize(size)) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two in [1, 32768]");
        }
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        this.eventIdx = (features & VIRTIO_F_EVENT_IDX) != 0;
        this.indirectDesc = (features & VIRTIO_F_INDIRECT_DESC) != 0;
        this.notifyOnEmpty = (features & VIRTIO_F_NOTIFY_ON_EMPTY) != 0;
        this.ready = false;
        if (!dma.reachable(desc, descTableBytes(size))) {
            return fail(VirtqueueError.CANNOT_MAP_DESC, 0, 0);
        }
        if (!dma.reachable(used, usedRingBytes(size, eventIdx))) {
            return fail(VirtqueueError.CANNOT_MAP_USED, 0, 0);
        }
        if (!dma.reachable(avail, availRingBytes(size, eventIdx))) {
            return fail(VirtqueueError.CANNOT_MAP_AVAIL, 0, 0);
        }
        this.ready = true;
        return VirtqueueError.NONE;
    }

    /** QEMU virtio_reset for one queue: not ready, every index 0, notification on, not broken. */
    public void reset() {
        ready = false;
        size = 0;
        desc = 0;
        avail = 0;
        used = 0;
        eventIdx = false;
        indirectDesc = false;
        notifyOnEmpty = false;
        lastAvailIdx = 0;
        shadowAvailIdx = 0;
        usedIdx = 0;
        signalledUsed = 0;
        signalledUsedValid = false;
        notification = true;
        inuse = 0;
        pending = 0;
        clearError();
    }


    // ---- guest memory accessors (QEMU returns 0 when the region caches are not set up) ----

    private int availFlags() {
        return ready ? (int) dma.read(avail + AVAIL_FLAGS, 2) : 0;
    }

    private int readAvailIdx() {
        shadowAvailIdx = ready ? (int) dma.read(avail + AVAIL_IDX, 2) : 0;
        return shadowAvailIdx;
    }

    private int availRing(int i) {
        return ready ? (int) dma.read(avail + AVAIL_RING + 2L * i, 2) : 0;
    }

    private int usedEvent() {
        return availRing(size);
    }

    private void setAvailEvent(int val) {
        if (!notification || !ready) {
            return;
        }
        dma.write(used + USED_RING + (long) USED_ELEM_SIZE * size, 2, val);
    }

    /** QEMU virtio_queue_empty (split): the cached avail idx first, guest memory only when it says empty. */
    public boolean isEmpty() {
        if (broken || !ready) {
            return true;
        }
        if (shadowAvailIdx != lastAvailIdx) {
            return false;
        }
        return readAvailIdx() == lastAvailIdx;
    }

    /**
     * QEMU virtqueue_num_heads: chains the driver has made available beyond last_avail_idx, or -1
     * with the queue broken ({@link VirtqueueError#AVAIL_IDX_MOVED}) if avail.idx is more than the
     * queue size ahead.
     */
    public int availableHeads() {
        if (broken || !ready) {
            return 0;
        }
        int heads = (readAvailIdx() - lastAvailIdx) & 0xFFFF;
        if (heads > size) {
            fail(VirtqueueError.AVAIL_IDX_MOVED, lastAvailIdx, shadowAvailIdx);
            return -1;
        }
        return heads;
    }

    /**
     * QEMU virtqueue_split_pop: takes the next available chain into {@code c}.
     *
     * @return {@link #CHAIN} ({@code c} filled), {@link #EMPTY} (nothing available, not set up), or
     * {@link #FAILED} (broken now or before; {@code c} is cleared, {@link #error()} says why)
     */
    public int pop(Chain c) {
        c.clear();
        if (broken) {
            return FAILED; // virtio_device_disabled: QEMU returns no element
        }
        if (isEmpty()) {
            return EMPTY;
        }
        if (specChecks && ((shadowAvailIdx - lastAvailIdx) & 0xFFFF) > size) {
            return failPop(c, VirtqueueError.AVAIL_IDX_MOVED, lastAvailIdx, shadowAvailIdx);
        }
        if (Integer.compareUnsigned(inuse, size) >= 0) {
            return failPop(c, VirtqueueError.SIZE_EXCEEDED, 0, 0);
        }
        int head = availRing(lastAvailIdx & (size - 1));
        lastAvailIdx = (lastAvailIdx + 1) & 0xFFFF;
        if (head >= size) {
            return failPop(c, VirtqueueError.HEAD_OUT_OF_RANGE, head, 0);
        }
        if (eventIdx) {
            setAvailEvent(lastAvailIdx);
        }

        long table = desc;
        int max = size;
        int i = head;
        long d = table + (long) DESC_SIZE * i;
        long addr = dma.read(d + DESC_ADDR, 8);
        int len = (int) dma.read(d + DESC_LEN, 4);
        int flags = (int) dma.read(d + DESC_FLAGS, 2);
        int next = (int) dma.read(d + DESC_NEXT, 2);
        if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
            if (specChecks && !indirectDesc) {
                return failPop(c, VirtqueueError.INDIRECT_NOT_NEGOTIATED, head, 0);
            }
            if (specChecks && (flags & VIRTQ_DESC_F_NEXT) != 0) {
                return failPop(c, VirtqueueError.INDIRECT_WITH_NEXT, head, 0);
            }
            if (len == 0 || (len & (DESC_SIZE - 1)) != 0) {
                return failPop(c, VirtqueueError.INVALID_INDIRECT_SIZE, 0, 0);
            }
            long tableLen = Integer.toUnsignedLong(len);
            if (!dma.reachable(addr, tableLen)) {
                return failPop(c, VirtqueueError.CANNOT_MAP_INDIRECT, 0, 0);
            }
            c.indirect = true;
            table = addr;
            max = (int) (tableLen / DESC_SIZE); // < 2^28
            i = 0;
            addr = dma.read(table + DESC_ADDR, 8);
            len = (int) dma.read(table + DESC_LEN, 4);
            flags = (int) dma.read(table + DESC_FLAGS, 2);
            next = (int) dma.read(table + DESC_NEXT, 2);
        }

        int entries = 0;
        boolean first = true;
        while (true) {
            if (specChecks && (flags & VIRTQ_DESC_F_INDIRECT) != 0 && (c.indirect || !first)) {
                return failPop(c, VirtqueueError.MISPLACED_INDIRECT, i, 0);
            }
            first = false;
            if (addSegment(c, addr, len, flags) == FAILED) { // the order check, then virtqueue_map_desc
                return FAILED;
            }
            if (++entries > max) {
                return failPop(c, VirtqueueError.LOOPED_DESCRIPTOR, 0, 0);
            }
            // virtqueue_split_read_next_desc
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
                break;
            }
            if (next >= max) {
                return failPop(c, VirtqueueError.NEXT_OUT_OF_RANGE, next, 0);
            }
            i = next;
            d = table + (long) DESC_SIZE * i;
            addr = dma.read(d + DESC_ADDR, 8);
            len = (int) dma.read(d + DESC_LEN, 4);
            flags = (int) dma.read(d + DESC_FLAGS, 2);
            next = (int) dma.read(d + DESC_NEXT, 2);
        }
        if (specChecks && c.readableBytes + c.writableBytes > 0xFFFF_FFFFL) {
            return failPop(c, VirtqueueError.CHAIN_TOO_LONG, c.count, 0);
        }
        c.head = head;
        inuse++;
        return CHAIN;
    }

    /**
     * QEMU virtqueue_split_fill: writes used.ring[(used_idx + pending) % size] = {head, written}; the
     * driver sees it after {@link #flush}. Nothing is written when broken or not set up (QEMU's
     * virtio_device_disabled and missing-ring returns); the head is not checked (QEMU does not).
     */
    public void push(int head, int written) {
        if (broken || !ready) {
            pending++;
            return;
        }
        int slot = (usedIdx + pending) & (size - 1);
        long e = used + USED_RING + (long) USED_ELEM_SIZE * slot;
        dma.write(e + USED_ELEM_ID, 4, Integer.toUnsignedLong(head));
        dma.write(e + USED_ELEM_LEN, 4, Integer.toUnsignedLong(written));
        pending++;
    }

    /**
     * QEMU virtqueue_split_flush for the elements pushed since the last flush: used.idx += count,
     * in_use -= count, and the EVENT_IDX signalled-used record invalidated when the index has moved
     * past it. When broken only in_use drops (QEMU virtqueue_flush on a disabled device).
     */
    public void flush() {
        int count = pending;
        pending = 0;
        if (broken) {
            inuse -= count;
            return;
        }
        if (!ready) {
            return;
        }
        int old = usedIdx;
        int nu = (old + count) & 0xFFFF;
        dma.write(used + USED_IDX, 2, nu);
        usedIdx = nu;
        inuse -= count;
        if ((short) (nu - signalledUsed) < ((nu - old) & 0xFFFF)) {
            signalledUsedValid = false;
        }
    }

    /**
     * QEMU virtio_split_should_notify: whether the device should interrupt the driver now, after a
     * flush. With NOTIFY_ON_EMPTY, always when nothing is in use and the queue is empty. Without
     * EVENT_IDX: unless the driver set VIRTQ_AVAIL_F_NO_INTERRUPT. With EVENT_IDX: the first time,
     * and afterwards when used.idx has passed used_event since the last interrupt
     * ({@link #needEvent}); records used.idx as signalled.
     */
    public boolean needsInterrupt() {
        if (notifyOnEmpty && inuse == 0 && isEmpty()) {
            return true;
        }
        if (!eventIdx) {
            return (availFlags() & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
        }
        boolean v = signalledUsedValid;
        signalledUsedValid = true;
        int old = signalledUsed;
        signalledUsed = usedIdx;
        return !v || needEvent(usedEvent(), usedIdx, old);
    }

    /** VIRTIO 1.2 §2.7.10.1 / QEMU include/standard-headers/linux/virtio_ring.h vring_need_event. */
    public static boolean needEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xFFFF) < ((newIdx - oldIdx) & 0xFFFF);
    }

    /**
     * QEMU virtio_queue_set_notification (split): with EVENT_IDX, avail_event = avail.idx (read now)
     * when enabling; without, VIRTQ_USED_F_NO_NOTIFY cleared or set in used.flags.
     */
    public void setNotification(boolean enable) {
        notification = enable;
        if (!ready) {
            return;
        }
        if (eventIdx) {
            setAvailEvent(readAvailIdx());
        } else {
            int f = (int) dma.read(used + USED_FLAGS, 2);
            dma.write(used + USED_FLAGS, 2, enable ? f & ~VIRTQ_USED_F_NO_NOTIFY : f | VIRTQ_USED_F_NO_NOTIFY);
        }
    }

    // ---- state ----

    public boolean ready() {
        return ready;
    }

    public int size() {
        return size;
    }

    public long descAddress() {
        return desc;
    }

    public long availAddress() {
        return avail;
    }

    public long usedAddress() {
        return used;
    }

    /** The next avail ring index to pop (16-bit). */
    public int lastAvailIdx() {
        return lastAvailIdx;
    }

    /** The used.idx last published (16-bit). */
    public int usedIdx() {
        return usedIdx;
    }

    /** Chains popped and not yet flushed (QEMU inuse, unsigned). */
    public int inUse() {
        return inuse;
    }

    /** Used elements pushed and not yet flushed. */
    public int pendingUsed() {
        return pending;
    }

    public boolean notificationEnabled() {
        return notification;
    }



    /**
     * Writes the queue's state: configuration, QEMU's indices, the broken flag and error. The rings
     * themselves are guest RAM and saved with it.
     */
    public void saveState(StateWriter w) {
        w.putBoolean(ready).putInt(size).putLong(desc).putLong(avail).putLong(used);
        w.putBoolean(eventIdx).putBoolean(indirectDesc).putBoolean(notifyOnEmpty);
        w.putInt(lastAvailIdx).putInt(shadowAvailIdx).putInt(usedIdx).putInt(signalledUsed);
        w.putBoolean(signalledUsedValid).putBoolean(notification).putInt(inuse).putInt(pending);
        w.putBoolean(broken).putInt(error.ordinal()).putInt(errorA).putInt(errorB);
    }

    /** Reads what {@link #saveState} wrote; checks everything before changing anything. */
    public void restoreState(StateReader r) throws InputException {
        boolean rReady = r.getBoolean();
        int rSize = r.getInt();
        long rDesc = r.getLong();
        long rAvail = r.getLong();
        long rUsed = r.getLong();
        boolean rEventIdx = r.getBoolean();
        boolean rIndirect = r.getBoolean();
        boolean rNotifyOnEmpty = r.getBoolean();
        int rLast = r.getInt();
        int rShadow = r.getInt();
        int rUsedIdx = r.getInt();
        int rSignalled = r.getInt();
        boolean rSignalledValid = r.getBoolean();
        boolean rNotification = r.getBoolean();
        int rInuse = r.getInt();
        int rPending = r.getInt();
        boolean rBroken = r.getBoolean();
        int rError = r.getInt();
        int rA = r.getInt();
        int rB = r.getInt();
        if (rSize != 0 && !validSize(rSize) || rReady && rSize == 0) {
            throw new InputException("virtqueue state: queue size " + rSize);
        }
        if (((rLast | rShadow | rUsedIdx | rSignalled) & ~0xFFFF) != 0) {
            throw new InputException("virtqueue state: a 16-bit index out of range");
        }
        if (rPending < 0 || rError < 0 || rError >= VirtqueueError.values().length || rBroken != (rError != 0)) {
            throw new InputException("virtqueue state: pending " + rPending + ", error " + rError + ", broken " + rBroken);
        }
        if (rReady && !(dma.reachable(rDesc, descTableBytes(rSize)) && dma.reachable(rUsed, usedRingBytes(rSize, rEventIdx))
                && dma.reachable(rAvail, availRingBytes(rSize, rEventIdx)))) {
            throw new InputException("virtqueue state: a ring outside guest memory");
        }
        ready = rReady;
        size = rSize;
        desc = rDesc;
        avail = rAvail;
        used = rUsed;
        eventIdx = rEventIdx;
        indirectDesc = rIndirect;
        notifyOnEmpty = rNotifyOnEmpty;
        lastAvailIdx = rLast;
        shadowAvailIdx = rShadow;
        usedIdx = rUsedIdx;
        signalledUsed = rSignalled;
        signalledUsedValid = rSignalledValid;
        notification = rNotification;
        inuse = rInuse;
        pending = rPending;
        broken = rBroken;
        error = VirtqueueError.values()[rError];
        errorA = rA;
        errorB = rB;
    }
}
