package dev.gvsim.qxldevice;

import static dev.gvsim.simcore.regs.Field.rw;

import java.util.List;

import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.regs.Field;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;

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
 *
 * <p>The DISPI registers are declared once each ({@link #registers()}: 16 bits at offset
 * {@code 2 * index} of a {@link RegisterFile}) with their reset value and source; the register file
 * does the reads, writes and masks, and the side effects of vbe_ioport_write_data are write hooks.
 * A write to an index the interface does not have is ignored, as in QEMU, and listed by
 * {@link #unimplementedWrites()}.
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

    /** Where the declarations come from. */
    static final String VGA_C = "QEMU hw/display/vga.c vbe_ioport_write_data";
    static final String BOCHS_VBE_H = "include/hw/display/bochs-vbe.h VBE_DISPI_INDEX_";

    /** The DISPI registers, index {@code i} at byte offset {@code 2 * i}; VIDEO_MEMORY_64K last. */
    private final RegisterFile regs = new RegisterFile("Bochs VBE DISPI", 2 * (INDEX_VIDEO_MEMORY_64K + 1));
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
        declare();
        regs.seal();
        reset();
    }

    /** One declaration per DISPI register (bochs-vbe.h numbers; vga.c behaviour and reset values). */
    private void declare() {
        regs.declare(dispi("ID", INDEX_ID, ID5, VGA_C + ": only ID0..ID5 are accepted; vga_common_reset sets ID5"), this::idWritten);
        regs.declare(dispi("XRES", INDEX_XRES, 0, VGA_C + ", then vbe_fixup_regs"), this::modeWritten);
        regs.declare(dispi("YRES", INDEX_YRES, 0, VGA_C + ", then vbe_fixup_regs"), this::modeWritten);
        regs.declare(dispi("BPP", INDEX_BPP, 0, VGA_C + ", then vbe_fixup_regs (4, 8, 15, 16, 24, 32; others become 8)"), this::modeWritten);
        regs.declare(Register.of("ENABLE", 2 * INDEX_ENABLE, 2, DISABLED, BOCHS_VBE_H + "ENABLE; " + VGA_C
                + " stores the whole value; enabling resets the virtual offsets and clears VRAM unless NOCLEARMEM",
                rw("enabled", 0), rw("getcaps", 1), rw("unassigned_4_2", 4, 2), rw("dac_8bit", 5), rw("lfb_enabled", 6), rw("noclearmem", 7),
                rw("unassigned_15_8", 15, 8)), this::enableWritten);
        regs.declare(dispi("BANK", INDEX_BANK, 0, VGA_C + ": masked with vbe_bank_mask (64 KiB banks of the VGA RAM)"), this::bankWritten);
        regs.declare(dispi("VIRT_WIDTH", INDEX_VIRT_WIDTH, 0, VGA_C + ", then vbe_fixup_regs"), this::modeWritten);
        regs.declare(Register.whole("VIRT_HEIGHT", 2 * INDEX_VIRT_HEIGHT, 2, FieldKind.RO, 0,
                BOCHS_VBE_H + "VIRT_HEIGHT; computed by vga.c vbe_fixup_regs, writes ignored"));
        regs.declare(dispi("X_OFFSET", INDEX_X_OFFSET, 0, VGA_C + ", then vbe_fixup_regs"), this::modeWritten);
        regs.declare(dispi("Y_OFFSET", INDEX_Y_OFFSET, 0, VGA_C + ", then vbe_fixup_regs"), this::modeWritten);
        regs.declare(Register.whole("VIDEO_MEMORY_64K", 2 * INDEX_VIDEO_MEMORY_64K, 2, FieldKind.RO, (vbeSize >> 16) & 0xFFFF,
                BOCHS_VBE_H + "VIDEO_MEMORY_64K; vga.c vbe_ioport_read_data: vbe_size in 64 KiB units, read-only"));
    }

    /** A 16-bit read-write DISPI register. */
    private static Register dispi(String name, int index, int reset, String source) {
        return Register.of(name, 2 * index, 2, reset, BOCHS_VBE_H + name + "; " + source, Field.rw(name.toLowerCase(java.util.Locale.ROOT), 15, 0));
    }

    private int reg(int i) {
        return (int) regs.read(2 * i, 2);
    }

    private void put(int i, int v) {
        regs.set(2 * i, 2, v);
    }

    /** vga_common_reset: all registers 0, ID = ID5, index 0. */
    public void reset() {
        regs.reset();
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

    /**
     * vbe_ioport_read_data: the register at the index (0 past the last one); with GETCAPS set,
     * XRES, YRES and BPP read the maxima instead.
     */
    public int readData() {
        if ((reg(INDEX_ENABLE) & GETCAPS) != 0) {
            switch (index) {
                case INDEX_XRES:
                    return MAX_XRES;
                case INDEX_YRES:
                    return MAX_YRES;
                case INDEX_BPP:
                    return MAX_BPP;
                default:
                    break;
            }
        }
        return (int) regs.read(2 * index, 2);
    }

    /** vbe_ioport_write_data: the register file stores what the register's fields allow, then the register's hook runs. */
    public void writeData(int value) {
        regs.write(2 * index, 2, value & 0xFFFF);
    }

    /** ID: a version this interface does not know is ignored. */
    private void idWritten(Register r, long old, long value) {
        int v = (int) value;
        if (v != ID0 && v != ID1 && v != ID2 && v != ID3 && v != ID4 && v != ID5) {
            put(INDEX_ID, (int) old);
        }
    }

    /** XRES, YRES, BPP, VIRT_WIDTH, X_OFFSET, Y_OFFSET: the mode is fixed up at once. */
    private void modeWritten(Register r, long old, long value) {
        fixupRegs();
    }

    /** BANK: masked to the VGA RAM's banks; the banked window's offset follows. */
    private void bankWritten(Register r, long old, long value) {
        int v = (int) value & bankMask;
        put(INDEX_BANK, v);
        bankOffset = (long) v << 16;
    }

    /** ENABLE: enabling resets the virtual offsets, fixes the mode up and clears the screen unless NOCLEARMEM. */
    private void enableWritten(Register r, long old, long value) {
        int val = (int) value;
        if ((val & ENABLED) != 0 && (old & ENABLED) == 0) {
            put(INDEX_VIRT_WIDTH, 0);
            put(INDEX_X_OFFSET, 0);
            put(INDEX_Y_OFFSET, 0);
            fixupRegs();
            if ((val & NOCLEARMEM) == 0) {
                // "clear the screen": yres * line length bytes from the start of VGA RAM
                long len = Math.min(vram.capacity(), (long) reg(INDEX_YRES) * lineOffset);
                if (len > 0) {
                    vram.fill(0, len, (byte) 0);
                }
            }
        } else {
            bankOffset = 0;
        }
        dac8bit = (val & DAC_8BIT) != 0;
    }

    /** vbe_fixup_regs (QEMU 7.2): only while VBE is enabled. */
    private void fixupRegs() {
        int[] v = mode;
        for (int i = 0; i < INDEX_NB; i++) {
            v[i] = reg(i);
        }
        if ((v[INDEX_ENABLE] & ENABLED) == 0) {
            return;
        }
        int bits;
        switch (v[INDEX_BPP]) {
            case 4:
            case 8:
            case 16:
            case 24:
            case 32:
                bits = v[INDEX_BPP];
                break;
            case 15:
                bits = 16;
                break;
            default:
                bits = 8;
                v[INDEX_BPP] = 8;
                break;
        }
        v[INDEX_XRES] &= ~7;
        if (v[INDEX_XRES] == 0) {
            v[INDEX_XRES] = 8;
        }
        if (v[INDEX_XRES] > MAX_XRES) {
            v[INDEX_XRES] = MAX_XRES;
        }
        v[INDEX_VIRT_WIDTH] &= ~7;
        if (v[INDEX_VIRT_WIDTH] > MAX_XRES) {
            v[INDEX_VIRT_WIDTH] = MAX_XRES;
        }
        if (v[INDEX_VIRT_WIDTH] < v[INDEX_XRES]) {
            v[INDEX_VIRT_WIDTH] = v[INDEX_XRES];
        }
        long lineLength = (long) v[INDEX_VIRT_WIDTH] * bits / 8;
        long maxy = lineLength == 0 ? 0 : vbeSize / lineLength;
        if (v[INDEX_YRES] == 0) {
            v[INDEX_YRES] = 1;
        }
        if (v[INDEX_YRES] > MAX_YRES) {
            v[INDEX_YRES] = MAX_YRES;
        }
        if (v[INDEX_YRES] > maxy) {
            v[INDEX_YRES] = (int) maxy;
        }
        if (v[INDEX_X_OFFSET] > MAX_XRES) {
            v[INDEX_X_OFFSET] = MAX_XRES;
        }
        if (v[INDEX_Y_OFFSET] > MAX_YRES) {
            v[INDEX_Y_OFFSET] = MAX_YRES;
        }
        long offset = (long) v[INDEX_X_OFFSET] * bits / 8 + (long) v[INDEX_Y_OFFSET] * lineLength;
        if (offset + v[INDEX_YRES] * lineLength > vbeSize) {
            v[INDEX_Y_OFFSET] = 0;
            offset = (long) v[INDEX_X_OFFSET] * bits / 8;
            if (offset + v[INDEX_YRES] * lineLength > vbeSize) {
                v[INDEX_X_OFFSET] = 0;
                offset = 0;
            }
        }
        v[INDEX_VIRT_HEIGHT] = (int) Math.min(0xFFFF, maxy);
        lineOffset = lineLength;
        startAddr = offset / 4;
        for (int i = 0; i < INDEX_NB; i++) {
            put(i, v[i]);
        }
    }

    /** vbe_fixup_regs works on a copy of the registers (vga.c's vbe_regs[]), written back when done. */
    private final int[] mode = new int[INDEX_NB];

    // ------------------------------------------------------------------ state for displays and reports

    /** DISPI register {@code i} (0..9; 0 otherwise). */
    public int register(int i) {
        return i >= 0 && i < INDEX_NB ? reg(i) : 0;
    }

    /** The declared DISPI registers (byte offset = 2 * index), with reset values and sources. */
    public List<Register> registers() {
        return regs.registers();
    }

    /** Data writes to indexes the interface does not have (QEMU ignores them), one line per index (byte offset = 2 * index). */
    public List<String> unimplementedWrites() {
        return regs.unimplementedLog();
    }

    public boolean enabled() {
        return (reg(INDEX_ENABLE) & ENABLED) != 0;
    }

    public boolean linearFramebuffer() {
        return (reg(INDEX_ENABLE) & LFB_ENABLED) != 0;
    }

    public int xres() {
        return reg(INDEX_XRES);
    }

    public int yres() {
        return reg(INDEX_YRES);
    }

    public int bpp() {
        return reg(INDEX_BPP);
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

    /**
     * Every mutable field: the DISPI registers, the index latch, line offset, start address, bank
     * offset, DAC width, then the record of writes to indexes the interface does not have.
     */
    void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putInt(INDEX_NB);
        for (int i = 0; i < INDEX_NB; i++) {
            w.putInt(reg(i));
        }
        w.putInt(index).putLong(lineOffset).putLong(startAddr).putLong(bankOffset).putBoolean(dac8bit);
        regs.saveUnimplemented(w);
    }

    void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        int n = r.getInt();
        if (n != INDEX_NB) {
            throw new dev.gvsim.simcore.InputException("checkpoint: Bochs VBE has " + n + " registers, this model " + INDEX_NB);
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
        regs.restoreUnimplemented(r);
        for (int i = 0; i < n; i++) {
            put(i, v[i]);
        }
        index = idx;
        lineOffset = lo;
        startAddr = sa;
        bankOffset = bo;
        dac8bit = d8;
    }
}
