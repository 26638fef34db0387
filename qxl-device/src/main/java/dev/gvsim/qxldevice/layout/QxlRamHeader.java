package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLRam} (qxl_dev.h), the header at the end of BAR0 the guest and the device share:
 * interrupt words, log buffer, the three rings, the update-area, memslot and create-surface
 * requests, the monitors-config pointer. Its rings, update area and create-surface request are
 * views of their own, positioned with the header.
 */
public final class QxlRamHeader extends QxlStruct {
    private final QxlRing cmdRing = new QxlRing();
    private final QxlRing cursorRing = new QxlRing();
    private final QxlRing releaseRing = new QxlRing();
    private final QxlRect updateArea = new QxlRect();
    private final QxlSurfaceCreate createSurface = new QxlSurfaceCreate();

    public QxlRamHeader wrap(SparseMemory ram, long headerOffset) {
        position(ram, headerOffset);
        cmdRing.wrap(ram, headerOffset + RAM_OFF_CMD_RING);
        cursorRing.wrap(ram, headerOffset + RAM_OFF_CURSOR_RING);
        releaseRing.wrap(ram, headerOffset + RAM_OFF_RELEASE_RING);
        updateArea.wrap(ram, headerOffset + RAM_OFF_UPDATE_AREA);
        createSurface.wrap(ram, headerOffset + RAM_OFF_CREATE_SURFACE);
        return this;
    }

    public QxlRamHeader magic(int v) {
        memory.writeInt(address + RAM_OFF_MAGIC, v);
        return this;
    }

    public int intPending() {
        return memory.readInt(address + RAM_OFF_INT_PENDING);
    }

    public QxlRamHeader intPending(int v) {
        memory.writeInt(address + RAM_OFF_INT_PENDING, v);
        return this;
    }

    public int intMask() {
        return memory.readInt(address + RAM_OFF_INT_MASK);
    }

    public QxlRamHeader intMask(int v) {
        memory.writeInt(address + RAM_OFF_INT_MASK, v);
        return this;
    }

    /** Byte {@code i} (0 .. LOG_BUF_SIZE-1) of log_buf. */
    public byte logBuf(int i) {
        return memory.readByte(address + RAM_OFF_LOG_BUF + i);
    }

    public QxlRing cmdRing() {
        return cmdRing;
    }

    public QxlRing cursorRing() {
        return cursorRing;
    }

    public QxlRing releaseRing() {
        return releaseRing;
    }

    public QxlRect updateArea() {
        return updateArea;
    }

    public int updateSurface() {
        return memory.readInt(address + RAM_OFF_UPDATE_SURFACE);
    }

    public QxlRamHeader updateSurface(int v) {
        memory.writeInt(address + RAM_OFF_UPDATE_SURFACE, v);
        return this;
    }

    /** mem_slot.mem_start: guest physical start of the slot QXL_IO_MEMSLOT_ADD adds. */
    public long memSlotStart() {
        return memory.readLong(address + RAM_OFF_MEM_SLOT_START);
    }

    /** mem_slot.mem_end. */
    public long memSlotEnd() {
        return memory.readLong(address + RAM_OFF_MEM_SLOT_END);
    }

    public QxlSurfaceCreate createSurface() {
        return createSurface;
    }

    /** QXLPHYSICAL of the guest's QXLMonitorsConfig. */
    public long monitorsConfig() {
        return memory.readLong(address + RAM_OFF_MONITORS_CONFIG);
    }

    public QxlRamHeader monitorsConfig(long v) {
        memory.writeLong(address + RAM_OFF_MONITORS_CONFIG, v);
        return this;
    }
}
