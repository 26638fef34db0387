package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.qxldevice.layout.QxlMode;
import dev.gvsim.qxldevice.layout.QxlRomHeader;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The 8 KiB ROM BAR (QEMU 7.2 hw/display/qxl.c): filled at realize the way {@code init_qxl_rom()}
 * does (the QXLRom header, then at {@code modes_offset = sizeof(QXLRom)} the QXLModes list of every
 * {@code qxl_modes[]} entry whose framebuffer, {@code y_res * stride}, fits in vgamem), with QEMU's
 * shadow copy of the header ({@code d->shadow_rom}) that a reset writes back. mm_clock and the
 * client fields stay 0 (no SPICE client).
 */
final class QxlRom {
    private final SparseMemory rom;
    private final QxlRomHeader header = new QxlRomHeader();
    private final QxlMode mode = new QxlMode();
    /** d->shadow_rom: the QXLRom as the device last set it. */
    private final byte[] shadow = new byte[ROM_STRUCT_SIZE];
    private final int modeCount;

    QxlRom(SparseMemory rom, QxlConfig cfg, int deviceId) {
        this.rom = rom;
        this.modeCount = build(rom, cfg, deviceId);
        header.wrap(rom, 0);
        for (int i = 0; i < ROM_STRUCT_SIZE; i++) {
            shadow[i] = rom.readByte(i);
        }
    }

    /** QXLModes.n_modes. */
    int modeCount() {
        return modeCount;
    }

    /** Entry {@code modenr} (0 .. modeCount-1) of the QXLModes list. */
    QxlMode mode(long modenr) {
        return mode.wrap(rom, header.mode(ROM_STRUCT_SIZE, modenr));
    }

    /** qxl_set_mode: QXLRom.mode, in the ROM and in its shadow. */
    void setMode(long modenr) {
        header.mode((int) modenr);
        for (int i = 0; i < 4; i++) {
            shadow[ROM_OFF_MODE + i] = (byte) (modenr >>> (8 * i));
        }
    }

    /** qxl_add_memslot: slot_generation = 0 (the generation is not used by this model). */
    void slotGeneration(int v) {
        header.slotGeneration(v);
    }

    /** qxl_reset_state: the QXLRom back from the shadow copy, update_id = 0. */
    void reset() {
        for (int i = 0; i < ROM_STRUCT_SIZE; i++) {
            rom.writeByte(i, shadow[i]);
        }
        header.updateId(0);
    }

    /** The shadow copy (the ROM's bytes are the machine's {@code rom} memory section). */
    void saveShadow(StateWriter w) {
        w.putBytes(shadow, 0, shadow.length);
    }

    Runnable restoreShadow(StateReader r) throws InputException {
        byte[] sh = r.getBytes(shadow.length);
        return () -> System.arraycopy(sh, 0, shadow, 0, shadow.length);
    }

    /** PIXEL_SIZE (qxl.c): 1280x1024 is 14.8" x 11.9". */
    static final double PIXEL_SIZE = 0.2936875;

    /** QXL_MODE_EX resolutions of qxl.c {@code qxl_modes[]}, in order. */
    static final int[][] RESOLUTIONS = {
        {640, 480}, {800, 480}, {800, 600}, {832, 624}, {960, 640}, {1024, 600}, {1024, 768}, {1152, 864},
        {1152, 870}, {1280, 720}, {1280, 760}, {1280, 768}, {1280, 800}, {1280, 960}, {1280, 1024}, {1360, 768},
        {1366, 768}, {1400, 1050}, {1440, 900}, {1600, 900}, {1600, 1200}, {1680, 1050}, {1920, 1080},
        {1920, 1200}, {1920, 1440}, {2000, 2000}, {2048, 1536}, {2048, 2048}, {2560, 1440}, {2560, 1600},
        {2560, 2048}, {2800, 2100}, {3200, 2400}, {3840, 2160}, {4096, 2160}, {7680, 4320}, {8192, 4320},
    };

    /**
     * Writes the ROM into {@code rom} (zeroed first, as QEMU memsets it) and returns the number of
     * modes written.
     */
    private static int build(SparseMemory rom, QxlConfig cfg, int deviceId) {
        rom.fill(0, ROM_SIZE, (byte) 0);
        QxlRomHeader h = new QxlRomHeader().wrap(rom, 0);
        h.magic(ROM_MAGIC).id(deviceId).logLevel(cfg.guestDebug).modesOffset(ROM_STRUCT_SIZE)
                .slotGenBits(MEMSLOT_GENERATION_BITS).slotIdBits(MEMSLOT_SLOT_BITS).slotsStart(1).slotsEnd(NUM_MEMSLOTS - 1)
                .nSurfaces(cfg.numSurfaces);

        QxlMode mode = new QxlMode();
        int n = 0;
        int i = 0;
        long modes = ROM_STRUCT_SIZE;
        for (int[] r : RESOLUTIONS) {
            // QXL_MODE_EX(x, y) = QXL_MODE_16_32(x, y, 0), QXL_MODE_16_32(x, y, 1)
            for (int orientation = 0; orientation < 2; orientation++) {
                for (int bits = 16; bits <= 32; bits += 16) {
                    long stride = (long) r[0] * bits / 8;
                    long fb = r[1] * stride;
                    if (fb <= cfg.vgamemSize) {
                        mode.wrap(rom, h.mode(modes, n)).id(i).xRes(r[0]).yRes(r[1]).bits(bits).stride((int) stride)
                                .xMili((int) (PIXEL_SIZE * r[0])).yMili((int) (PIXEL_SIZE * r[1])).orientation(orientation);
                        n++;
                    }
                    i++;
                }
            }
        }
        h.modeCount(modes, n);

        h.drawAreaOffset(0).surface0AreaSize((int) cfg.surface0AreaSize()).pagesOffset((int) cfg.surface0AreaSize())
                .numPages((int) cfg.numPages()).ramHeaderOffset((int) cfg.ramHeaderOffset());
        return n;
    }
}
