package dev.gvsim.qxldevice;

import dev.gvsim.simcore.SparseMemory;

/**
 * The Bochs VBE "DISPI" register interface of QEMU's VGA core, which {@code qxl-vga} inherits
 * (QEMU hw/display/vga.c {@code vbe_ioport_read_index/_data}, {@code vbe_ioport_write_index/_data},
 * {@code vbe_fixup_regs}; register numbers and values from hw/display/vga_int.h and
 * include/hw/display/bochs-vbe.h). Firmware (EDK II OvmfPkg/QemuVideoDxe, card type
 * QEMU_VIDEO_BOCHS for 1b36:0100) programs the video mode through it: an index port and a data
 * port, 16-bit accesses only.
 *
 * <p>Ports (vga.c {@code vbe_portio_list}): index at 0x1CE; data at 0x1D0 on every target, and in
 * addition at 0x1CF only on x86 targets ({@code #ifdef TARGET_I386}). qemu-system-aarch64 is not
 * x86, so on arm {@code virt} 0x1CF is not decoded. EDK II uses 0x1D0 (OvmfPkg QemuVideoDxe
 * Qemu.h VBE_DISPI_IOPORT_DATA); the Linux bochs driver uses 0x1CF (x86 only).
 *
 * <p>The framebuffer is the device's VGA RAM from offset 0 (for QXL: BAR0, "vga.vram").
 */
public final class BochsVbe {
    /** I/O ports (bochs-vbe.h VBE_DISPI_IOPORT_INDEX / _DATA; vga.c vbe_portio_list). */
    public static final int IOPORT_INDEX = 0x01CE;
    public static final int IOPORT_DATA_X86 = 0x01CF;
    public static final int IOPORT_DATA = 0x01D0;
    /** MemoryRegionPortio.size of both entries: only 16-bit accesses reach the handlers (ioport.c find_portio). */
    public static final int ACCESS_SIZE = 2;

    /** Register indexes (bochs-vbe.h VBE_DISPI_INDEX_*). */
    public static final int INDEX_ID = 0x0;
    public static final int INDEX_XRES = 0x1;
    public static final int INDEX_YRES = 0x2;
    public static final int INDEX_BPP = 0x3;
    public static final int INDEX_ENABLE = 0x4;
    public static final int INDEX_BANK = 0x5;
    public static final int INDEX_VIRT_WIDTH = 0x6;
    public static final int INDEX_VIRT_HEIGHT = 0x7;
    public static final int INDEX_X_OFFSET = 0x8;
    public static final int INDEX_Y_OFFSET = 0x9;
    /** Size of vbe_regs[]; also VBE_DISPI_INDEX_VIDEO_MEMORY_64K (read-only, not in vbe_regs). */
    public static final int INDEX_NB = 0xA;
    public static final int INDEX_VIDEO_MEMORY_64K = 0xA;

    /** Interface versions (bochs-vbe.h); QEMU resets ID to ID5 (vga.c vga_common_reset). */
    public static final int ID0 = 0xB0C0;
    public static final int ID1 = 0xB0C1;
    public static final int ID2 = 0xB0C2;
    public static final int ID3 = 0xB0C3;
    public static final int ID4 = 0xB0C4;
    public static final int ID5 = 0xB0C5;

    /** Limits (bochs-vbe.h VBE_DISPI_MAX_*). */
    public static final int MAX_XRES = 16000;
    public static final int MAX_YRES = 12000;
    public static final int MAX_BPP = 32;

    /** ENABLE register bits (bochs-vbe.h). */
    public static final int DISABLED = 0x00;
    public static final int ENABLED = 0x01;
    public static final int GETCAPS = 0x02;
    public static final int DAC_8BIT = 0x20;
    public static final int LFB_ENABLED = 0x40;
    public static final int NOCLEARMEM = 0x80;

    private final int[] regs = new int[INDEX_NB];
    private final SparseMemory vram;
    /** vga.c: s->vbe_size = vgamem (qxl_realize_primary: vga->vbe_size = qxl->vgamem_size). */
    private final long vbeSize;
    /** vga.c vga_common_init: vbe_bank_mask = (vram_size_mb << 4) - 1 (64 KiB banks). */
    private final int bankMask;
    private int index;
    private long lineOffset;
    private long startAddr;
    private long bankOffset;
    private boolean dac8bit;

    /**
     * @param vram the VGA RAM (QXL BAR0 memory)
     * @param vbeSize bytes the VBE modes may use (QXL: vgamem, 16 MiB by default)
     * @param vramSize the VGA RAM size (QXL: BAR0 size), for the bank mask
     */
    public BochsVbe(SparseMemory vram, long vbeSize, long vramSize) {
        this.vram = vram;
        this.vbeSize = vbeSize;
        this.bankMask = (int) Math.min(0xFFFF, ((vramSize >> 20) << 4) - 1);
        reset();
    }

    /** vga_common_reset: all registers 0, ID = ID5, index 0. */
    public void reset() {
        java.util.Arrays.fill(regs, 0);
        regs[INDEX_ID] = ID5;
        index = 0;
        lineOffset = 0;
        startAddr = 0;
        bankOffset = 0;
        dac8bit = false;
    }

    /** vbe_ioport_read_index. */
    public int readIndex() {
        return index;
    }

    /** vbe_ioport_write_index. */
    public void writeIndex(int val) {
        index = val & 0xFFFF;
    }

    /** vbe_ioport_read_data. */
    public int readData() {
        if (index < INDEX_NB) {
            if ((regs[INDEX_ENABLE] & GETCAPS) != 0) {
                switch (index) {
                    case INDEX_XRES:
                        return MAX_XRES;
                    case INDEX_YRES:
                        return MAX_YRES;
                    case INDEX_BPP:
                        return MAX_BPP;
                    default:
                        return regs[index];
                }
            }
            return regs[index];
        }
        if (index == INDEX_VIDEO_MEMORY_64K) {
            return (int) (vbeSize >> 16) & 0xFFFF;
        }
        return 0;
    }

    /** vbe_ioport_write_data. */
    public void writeData(int value) {
        int val = value & 0xFFFF;
        if (index > INDEX_NB) {
            return;
        }
        switch (index) {
            case INDEX_ID:
                if (val == ID0 || val == ID1 || val == ID2 || val == ID3 || val == ID4 || val == ID5) {
                    regs[INDEX_ID] = val;
                }
                break;
            case INDEX_XRES:
            case INDEX_YRES:
            case INDEX_BPP:
            case INDEX_VIRT_WIDTH:
            case INDEX_X_OFFSET:
            case INDEX_Y_OFFSET:
                regs[index] = val;
                fixupRegs();
                break;
            case INDEX_BANK:
                val &= bankMask;
                regs[INDEX_BANK] = val;
                bankOffset = (long) val << 16;
                break;
            case INDEX_ENABLE:
                if ((val & ENABLED) != 0 && (regs[INDEX_ENABLE] & ENABLED) == 0) {
                    regs[INDEX_VIRT_WIDTH] = 0;
                    regs[INDEX_X_OFFSET] = 0;
                    regs[INDEX_Y_OFFSET] = 0;
                    regs[INDEX_ENABLE] |= ENABLED;
                    fixupRegs();
                    if ((val & NOCLEARMEM) == 0) {
                        // "clear the screen": yres * line length bytes from the start of VGA RAM
                        long len = Math.min(vram.capacity(), (long) regs[INDEX_YRES] * lineOffset);
                        if (len > 0) {
                            vram.fill(0, len, (byte) 0);
                        }
                    }
                } else {
                    bankOffset = 0;
                }
                dac8bit = (val & DAC_8BIT) != 0;
                regs[INDEX_ENABLE] = val;
                break;
            default:
                // VIRT_HEIGHT is computed by vbe_fixup_regs; VIDEO_MEMORY_64K is read-only
                break;
        }
    }

    /** vbe_fixup_regs (QEMU 7.2): only while VBE is enabled. */
    private void fixupRegs() {
        if ((regs[INDEX_ENABLE] & ENABLED) == 0) {
            return;
        }
        int bits;
        switch (regs[INDEX_BPP]) {
            case 4:
            case 8:
            case 16:
            case 24:
            case 32:
                bits = regs[INDEX_BPP];
                break;
            case 15:
                bits = 16;
                break;
            default:
                bits = 8;
                regs[INDEX_BPP] = 8;
                break;
        }
        regs[INDEX_XRES] &= ~7;
        if (regs[INDEX_XRES] == 0) {
            regs[INDEX_XRES] = 8;
        }
        if (regs[INDEX_XRES] > MAX_XRES) {
            regs[INDEX_XRES] = MAX_XRES;
        }
        regs[INDEX_VIRT_WIDTH] &= ~7;
        if (regs[INDEX_VIRT_WIDTH] > MAX_XRES) {
            regs[INDEX_VIRT_WIDTH] = MAX_XRES;
        }
        if (regs[INDEX_VIRT_WIDTH] < regs[INDEX_XRES]) {
            regs[INDEX_VIRT_WIDTH] = regs[INDEX_XRES];
        }
        long lineLength = (long) regs[INDEX_VIRT_WIDTH] * bits / 8;
        long maxy = lineLength == 0 ? 0 : vbeSize / lineLength;
        if (regs[INDEX_YRES] == 0) {
            regs[INDEX_YRES] = 1;
        }
        if (regs[INDEX_YRES] > MAX_YRES) {
            regs[INDEX_YRES] = MAX_YRES;
        }
        if (regs[INDEX_YRES] > maxy) {
            regs[INDEX_YRES] = (int) maxy;
        }
        if (regs[INDEX_X_OFFSET] > MAX_XRES) {
            regs[INDEX_X_OFFSET] = MAX_XRES;
        }
        if (regs[INDEX_Y_OFFSET] > MAX_YRES) {
            regs[INDEX_Y_OFFSET] = MAX_YRES;
        }
        long offset = (long) regs[INDEX_X_OFFSET] * bits / 8 + (long) regs[INDEX_Y_OFFSET] * lineLength;
        if (offset + regs[INDEX_YRES] * lineLength > vbeSize) {
            regs[INDEX_Y_OFFSET] = 0;
            offset = (long) regs[INDEX_X_OFFSET] * bits / 8;
            if (offset + regs[INDEX_YRES] * lineLength > vbeSize) {
                regs[INDEX_X_OFFSET] = 0;
                offset = 0;
            }
        }
        regs[INDEX_VIRT_HEIGHT] = (int) Math.min(0xFFFF, maxy);
        lineOffset = lineLength;
        startAddr = offset / 4;
    }

    // ------------------------------------------------------------------ state for displays and reports

    public int register(int i) {
        return i >= 0 && i < INDEX_NB ? regs[i] : 0;
    }

    public boolean enabled() {
        return (regs[INDEX_ENABLE] & ENABLED) != 0;
    }

    public boolean linearFramebuffer() {
        return (regs[INDEX_ENABLE] & LFB_ENABLED) != 0;
    }

    public int xres() {
        return regs[INDEX_XRES];
    }

    public int yres() {
        return regs[INDEX_YRES];
    }

    public int bpp() {
        return regs[INDEX_BPP];
    }

    /** Bytes per scan line (vbe_line_offset). */
    public long lineOffset() {
        return lineOffset;
    }

    /** Display start in VGA RAM, in bytes (vbe_start_addr * 4). */
    public long startOffset() {
        return startAddr * 4;
    }

    /** Bank offset for the banked VGA window (BANK * 64 KiB). */
    public long bankOffset() {
        return bankOffset;
    }

    public boolean dac8bit() {
        return dac8bit;
    }

    // ------------------------------------------------------------------ checkpoints (issue 11)

    /** Every mutable field: the DISPI registers, the index latch, line offset, start address, bank offset, DAC width. */
    void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putInt(regs.length);
        for (int v : regs) {
            w.putInt(v);
        }
        w.putInt(index).putLong(lineOffset).putLong(startAddr).putLong(bankOffset).putBoolean(dac8bit);
    }

    void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        int n = r.getInt();
        if (n != regs.length) {
            throw new dev.gvsim.simcore.InputException("checkpoint: Bochs VBE has " + n + " registers, this model " + regs.length);
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.getInt();
            if (v[i] < 0 || v[i] > 0xFFFF) {
                throw new dev.gvsim.simcore.InputException("checkpoint: Bochs VBE register " + i + " = " + v[i]);
            }
        }
        int idx = r.getInt();
        long lo = r.getLong();
        long sa = r.getLong();
        long bo = r.getLong();
        boolean d8 = r.getBoolean();
        if (idx < 0 || idx > 0xFFFF || lo < 0 || sa < 0 || bo < 0) {
            throw new dev.gvsim.simcore.InputException("checkpoint: Bochs VBE index/offsets out of range");
        }
        System.arraycopy(v, 0, regs, 0, n);
        index = idx;
        lineOffset = lo;
        startAddr = sa;
        bankOffset = bo;
        dac8bit = d8;
    }
}
