package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLRom} (qxl_dev.h, 0x488 bytes) at the start of the ROM BAR, as QEMU init_qxl_rom fills
 * it; after it, at {@code modes_offset}, the QXLModes list ({@link #modeCount}, {@link QxlMode}).
 */
public final class QxlRomHeader extends QxlStruct {
    public QxlRomHeader wrap(SparseMemory rom, long a) {
        position(rom, a);
        return this;
    }

    private QxlRomHeader u32(int off, int v) {
        memory.writeInt(address + off, v);
        return this;
    }

    private QxlRomHeader u8(int off, int v) {
        memory.write(address + off, 1, v);
        return this;
    }

    public QxlRomHeader magic(int v) {
        return u32(ROM_OFF_MAGIC, v);
    }

    public QxlRomHeader id(int v) {
        return u32(ROM_OFF_ID, v);
    }

    public QxlRomHeader updateId(int v) {
        return u32(ROM_OFF_UPDATE_ID, v);
    }

    public QxlRomHeader logLevel(int v) {
        return u32(ROM_OFF_LOG_LEVEL, v);
    }

    public QxlRomHeader mode(int v) {
        return u32(ROM_OFF_MODE, v);
    }

    public QxlRomHeader modesOffset(int v) {
        return u32(ROM_OFF_MODES_OFFSET, v);
    }

    public QxlRomHeader numPages(int v) {
        return u32(ROM_OFF_NUM_PAGES, v);
    }

    public QxlRomHeader pagesOffset(int v) {
        return u32(ROM_OFF_PAGES_OFFSET, v);
    }

    public QxlRomHeader drawAreaOffset(int v) {
        return u32(ROM_OFF_DRAW_AREA_OFFSET, v);
    }

    public QxlRomHeader surface0AreaSize(int v) {
        return u32(ROM_OFF_SURFACE0_AREA_SIZE, v);
    }

    public int ramHeaderOffset() {
        return memory.readInt(address + ROM_OFF_RAM_HEADER_OFFSET);
    }

    public QxlRomHeader ramHeaderOffset(int v) {
        return u32(ROM_OFF_RAM_HEADER_OFFSET, v);
    }

    public QxlRomHeader nSurfaces(int v) {
        return u32(ROM_OFF_N_SURFACES, v);
    }

    public QxlRomHeader slotsStart(int v) {
        return u8(ROM_OFF_SLOTS_START, v);
    }

    public QxlRomHeader slotsEnd(int v) {
        return u8(ROM_OFF_SLOTS_END, v);
    }

    public QxlRomHeader slotGenBits(int v) {
        return u8(ROM_OFF_SLOT_GEN_BITS, v);
    }

    public QxlRomHeader slotIdBits(int v) {
        return u8(ROM_OFF_SLOT_ID_BITS, v);
    }

    public QxlRomHeader slotGeneration(int v) {
        return u8(ROM_OFF_SLOT_GENERATION, v);
    }

    /** QXLModes.n_modes of the list at {@code modesOffset} (relative to this header). */
    public QxlRomHeader modeCount(long modesOffset, int n) {
        memory.writeInt(address + modesOffset + MODES_OFF_N_MODES, n);
        return this;
    }

    /** Address of QXLModes.modes[i] of the list at {@code modesOffset}. */
    public long mode(long modesOffset, long i) {
        return address + modesOffset + MODES_OFF_MODES + i * MODE_RECORD_SIZE;
    }
}
