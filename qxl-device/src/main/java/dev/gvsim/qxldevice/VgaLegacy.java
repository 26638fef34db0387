package dev.gvsim.qxldevice;

import dev.gvsim.simcore.SparseMemory;

/**
 * The standard VGA register file and legacy memory window of QEMU's VGA core as {@code qxl-vga}
 * registers them (QEMU hw/display/vga.c {@code vga_ioport_read/write}, {@code vga_mem_readb/writeb};
 * hw/display/qxl.c {@code qxl_vga_portio_list}; register names from IBM VGA / hw/display/vga_regs.h).
 *
 * <p>Ports (qxl_vga_portio_list, base 0x3B0, all 1-byte entries): 0x3B4/0x3B5 (mono CRTC),
 * 0x3BA (mono input status 1 / feature control), 0x3C0-0x3CF (attribute controller, misc output,
 * sequencer, DAC, graphics controller), 0x3D4/0x3D5 (colour CRTC), 0x3DA (colour input status 1).
 * Other ports of 0x3B0-0x3DF are not decoded by qxl-vga. A 16-bit access is two byte accesses,
 * low byte first (ioport.c portio_read/portio_write). As in vga.c {@code vga_ioport_invalid}, the
 * mono ports read 0xFF and ignore writes while Misc Output selects colour, and vice versa.
 *
 * <p>Memory window 0xA0000-0xBFFFF, selected by Graphics register 6 bits 3:2. Modelled: chain-4
 * (byte at VGA RAM bank offset + address, the VBE banked mode) and planar write mode 0 without
 * rotate/set-reset/ALU (plane bytes interleaved as in QEMU's vram layout). Not modelled: write
 * modes 1-3, latches, odd/even, text rendering.
 */
public final class VgaLegacy {
    /** Port numbers (vga_regs.h / IBM VGA). */
    public static final int PORT_BASE = 0x3B0;
    public static final int CRT_IM = 0x3B4;
    public static final int CRT_DM = 0x3B5;
    public static final int IS1_RM = 0x3BA;
    public static final int ATT_W = 0x3C0;
    public static final int ATT_R = 0x3C1;
    public static final int MIS_W = 0x3C2;
    public static final int IS0_R = 0x3C2;
    public static final int SEQ_I = 0x3C4;
    public static final int SEQ_D = 0x3C5;
    public static final int PEL_MSK = 0x3C6;
    public static final int DAC_RD_INDEX = 0x3C7;
    public static final int DAC_WR_INDEX = 0x3C8;
    public static final int PEL_D = 0x3C9;
    public static final int FTR_R = 0x3CA;
    public static final int MIS_R = 0x3CC;
    public static final int GFX_I = 0x3CE;
    public static final int GFX_D = 0x3CF;
    public static final int CRT_IC = 0x3D4;
    public static final int CRT_DC = 0x3D5;
    public static final int IS1_RC = 0x3DA;

    /** Misc Output bit 0: I/O address select (colour 0x3Dx when set). */
    public static final int MIS_COLOR = 0x01;
    /** Input Status 1 bits QEMU toggles on each read (vga.c: st01 ^= ST01_V_RETRACE | ST01_DISP_ENABLE). */
    public static final int ST01_V_RETRACE = 0x08;
    public static final int ST01_DISP_ENABLE = 0x01;
    /** Attribute address bit 5: palette address source (video enabled). */
    public static final int AR_PAS = 0x20;
    /** Sequencer Memory Mode (SR4) bit 3: chain 4. */
    public static final int SR4_CHAIN4 = 0x08;
    public static final int SR_MAP_MASK = 2;
    public static final int SR_MEMORY_MODE = 4;
    public static final int GR_READ_MAP = 4;
    public static final int GR_MISC = 6;
    /** CR11 bit 7: protect CR0-CR7 (vga.c: only CR7 bit 4 stays writable). */
    public static final int CR11_PROTECT = 0x80;
    public static final int CR_OVERFLOW = 7;
    public static final int CR_VSYNC_END = 0x11;

    /** Legacy memory window (PCI-to-PCI Bridge 1.2 §4.5.1 VGA range; vga.c isa memory at 0xA0000). */
    public static final long MEM_BASE = 0xA0000;
    public static final long MEM_SIZE = 0x20000;

    /** Write masks of the sequencer and graphics registers (vga.c sr_mask[], gr_mask[]). */
    private static final int[] SR_MASK = {0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff};
    private static final int[] GR_MASK = {0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00};
    private static final int AR_REGS = 21;

    private final SparseMemory vram;
    private final BochsVbe vbe;
    private final int[] ar = new int[AR_REGS];
    private final int[] sr = new int[8];
    private final int[] gr = new int[16];
    private final int[] cr = new int[256];
    private final byte[] palette = new byte[768];
    private final int[] dacCache = new int[3];
    private int arIndex;
    private boolean arFlipFlop;
    private int msr;
    private int fcr;
    private int st00;
    private int st01;
    private int srIndex;
    private int grIndex;
    private int crIndex;
    private int dacState;
    private int dacSubIndex;
    private int dacReadIndex;
    private int dacWriteIndex;
    private long writes;

    public VgaLegacy(SparseMemory vram, BochsVbe vbe) {
        this.vram = vram;
        this.vbe = vbe;
        reset();
    }

    /** vga_common_reset: all registers 0 (Misc Output 0 selects the mono port block). */
    public void reset() {
        java.util.Arrays.fill(ar, 0);
        java.util.Arrays.fill(sr, 0);
        java.util.Arrays.fill(gr, 0);
        java.util.Arrays.fill(cr, 0);
        java.util.Arrays.fill(palette, (byte) 0);
        arIndex = 0;
        arFlipFlop = false;
        msr = 0;
        fcr = 0;
        st00 = 0;
        st01 = 0;
        srIndex = 0;
        grIndex = 0;
        crIndex = 0;
        dacState = 0;
        dacSubIndex = 0;
        dacReadIndex = 0;
        dacWriteIndex = 0;
    }

    /** True for the ports qxl_vga_portio_list registers. */
    public static boolean decodes(long port) {
        return port == CRT_IM || port == CRT_DM || port == IS1_RM || (port >= ATT_W && port <= GFX_D) || port == CRT_IC
                || port == CRT_DC || port == IS1_RC;
    }

    /** vga_ioport_invalid: mono ports while colour is selected, colour ports while mono is. */
    private boolean invalid(int port) {
        if ((msr & MIS_COLOR) != 0) {
            return (port & 0x3F0) == 0x3B0;
        }
        return (port & 0x3F0) == 0x3D0;
    }

    /** vga_ioport_read (one byte). */
    public int read(int port) {
        if (invalid(port)) {
            return 0xFF;
        }
        switch (port) {
            case ATT_W:
                return arFlipFlop ? 0 : arIndex;
            case ATT_R:
                int i = arIndex & 0x1F;
                return i < AR_REGS ? ar[i] : 0;
            case IS0_R:
                return st00;
            case SEQ_I:
                return srIndex;
            case SEQ_D:
                return sr[srIndex];
            case DAC_RD_INDEX:
                return dacState;
            case DAC_WR_INDEX:
                return dacWriteIndex;
            case PEL_D: {
                int v = palette[(dacReadIndex * 3 + dacSubIndex) % 768] & 0xFF;
                if (++dacSubIndex == 3) {
                    dacSubIndex = 0;
                    dacReadIndex = (dacReadIndex + 1) & 0xFF;
                }
                return v;
            }
            case FTR_R:
                return fcr;
            case MIS_R:
                return msr;
            case GFX_I:
                return grIndex;
            case GFX_D:
                return gr[grIndex];
            case CRT_IM:
            case CRT_IC:
                return crIndex;
            case CRT_DM:
            case CRT_DC:
                return cr[crIndex];
            case IS1_RM:
            case IS1_RC:
                // reading Input Status 1 resets the attribute flip-flop; QEMU toggles the retrace bits
                st01 ^= ST01_V_RETRACE | ST01_DISP_ENABLE;
                arFlipFlop = false;
                return st01;
            default:
                return 0;
        }
    }

    /** vga_ioport_write (one byte). */
    public void write(int port, int value) {
        int val = value & 0xFF;
        if (invalid(port)) {
            return;
        }
        writes++;
        switch (port) {
            case ATT_W:
                if (!arFlipFlop) {
                    arIndex = val & 0x3F;
                } else {
                    int index = arIndex & 0x1F;
                    switch (index) {
                        case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
                        case 0x08: case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E: case 0x0F:
                            ar[index] = val & 0x3F;
                            break;
                        case 0x10:
                            ar[index] = val & ~0x10;
                            break;
                        case 0x11:
                            ar[index] = val;
                            break;
                        case 0x12:
                            ar[index] = val & ~0xC0;
                            break;
                        case 0x13:
                            ar[index] = val & ~0xF0;
                            break;
                        case 0x14:
                            ar[index] = val & ~0xF0;
                            break;
                        default:
                            break;
                    }
                }
                arFlipFlop = !arFlipFlop;
                break;
            case MIS_W:
                msr = val & ~0x10;
                break;
            case SEQ_I:
                srIndex = val & 7;
                break;
            case SEQ_D:
                sr[srIndex] = val & SR_MASK[srIndex];
                break;
            case PEL_MSK:
                break;
            case DAC_RD_INDEX:
                dacReadIndex = val;
                dacSubIndex = 0;
                dacState = 3;
                break;
            case DAC_WR_INDEX:
                dacWriteIndex = val;
                dacSubIndex = 0;
                dacState = 0;
                break;
            case PEL_D:
                dacCache[dacSubIndex] = val;
                if (++dacSubIndex == 3) {
                    int o = dacWriteIndex * 3;
                    palette[o] = (byte) dacCache[0];
                    palette[o + 1] = (byte) dacCache[1];
                    palette[o + 2] = (byte) dacCache[2];
                    dacSubIndex = 0;
                    dacWriteIndex = (dacWriteIndex + 1) & 0xFF;
                }
                break;
            case GFX_I:
                grIndex = val & 0x0F;
                break;
            case GFX_D:
                gr[grIndex] = val & GR_MASK[grIndex];
                break;
            case CRT_IM:
            case CRT_IC:
                crIndex = val;
                break;
            case CRT_DM:
            case CRT_DC:
                if ((cr[CR_VSYNC_END] & CR11_PROTECT) != 0 && crIndex <= CR_OVERFLOW) {
                    if (crIndex == CR_OVERFLOW) {
                        cr[CR_OVERFLOW] = (cr[CR_OVERFLOW] & ~0x10) | (val & 0x10);
                    }
                    break;
                }
                cr[crIndex] = val;
                break;
            case IS1_RM:
            case IS1_RC:
                fcr = val & 0x10;
                break;
            default:
                break;
        }
    }

    // ------------------------------------------------------------------ memory window (vga_mem_readb/writeb)

    /** Offset in the window of {@code addr} (0..0x1FFFF) per GR6 memory map, or -1 if the map excludes it. */
    private long windowOffset(long off) {
        switch ((gr[GR_MISC] >> 2) & 3) {
            case 0:
                return off;
            case 1:
                return off < 0x10000 ? off + vbe.bankOffset() : -1;
            case 2:
                return off >= 0x10000 && off < 0x18000 ? off - 0x10000 : -1;
            default:
                return off >= 0x18000 ? off - 0x18000 : -1;
        }
    }

    /** A byte read at {@code off} in the 128 KiB window; 0xFF outside the selected map (vga.c). */
    public int memRead(long off) {
        long a = windowOffset(off);
        if (a < 0) {
            return 0xFF;
        }
        if ((sr[SR_MEMORY_MODE] & SR4_CHAIN4) != 0) {
            return a < vram.capacity() ? vram.readByte(a) & 0xFF : 0xFF;
        }
        long p = a << 2 | (gr[GR_READ_MAP] & 3);
        return p < vram.capacity() ? vram.readByte(p) & 0xFF : 0xFF;
    }

    public void memWrite(long off, int value) {
        long a = windowOffset(off);
        if (a < 0) {
            return;
        }
        if ((sr[SR_MEMORY_MODE] & SR4_CHAIN4) != 0) {
            if (a < vram.capacity()) {
                vram.writeByte(a, (byte) value);
            }
            return;
        }
        int mask = sr[SR_MAP_MASK];
        for (int plane = 0; plane < 4; plane++) {
            long p = a << 2 | plane;
            if ((mask & (1 << plane)) != 0 && p < vram.capacity()) {
                vram.writeByte(p, (byte) value);
            }
        }
    }

    // ------------------------------------------------------------------ state

    public int miscOutput() {
        return msr;
    }

    public int sequencer(int i) {
        return sr[i & 7];
    }

    public int graphics(int i) {
        return gr[i & 15];
    }

    public int crtc(int i) {
        return cr[i & 0xFF];
    }

    public int attribute(int i) {
        return i >= 0 && i < AR_REGS ? ar[i] : 0;
    }

    public int attributeIndex() {
        return arIndex;
    }

    /** Palette entry {@code i} as 0x00RRGGBB of the 6-bit (or 8-bit DAC) components. */
    public int paletteEntry(int i) {
        int o = (i & 0xFF) * 3;
        return (palette[o] & 0xFF) << 16 | (palette[o + 1] & 0xFF) << 8 | (palette[o + 2] & 0xFF);
    }

    /** Byte writes the register file accepted. */
    public long writes() {
        return writes;
    }

    // ------------------------------------------------------------------ checkpoints (issue 11)

    /**
     * Every mutable field: attribute, sequencer, graphics and CRT controller registers and their
     * indices, the attribute flip-flop, Misc Output, Feature Control, input status, the DAC (palette,
     * state, indices, the partial-triple cache) and the write counter.
     */
    void saveState(dev.gvsim.simcore.state.StateWriter w) {
        putInts(w, ar);
        putInts(w, sr);
        putInts(w, gr);
        putInts(w, cr);
        w.putBytes(palette, 0, palette.length);
        putInts(w, dacCache);
        w.putInt(arIndex).putBoolean(arFlipFlop).putInt(msr).putInt(fcr).putInt(st00).putInt(st01);
        w.putInt(srIndex).putInt(grIndex).putInt(crIndex);
        w.putInt(dacState).putInt(dacSubIndex).putInt(dacReadIndex).putInt(dacWriteIndex);
        w.putLong(writes);
    }

    void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        int[] nar = getInts(r, ar.length, "attribute");
        int[] nsr = getInts(r, sr.length, "sequencer");
        int[] ngr = getInts(r, gr.length, "graphics");
        int[] ncr = getInts(r, cr.length, "CRT controller");
        byte[] pal = r.getBytes(palette.length);
        int[] dc = getInts(r, dacCache.length, "DAC cache");
        int ai = r.getInt();
        boolean ff = r.getBoolean();
        int nmsr = r.getInt();
        int nfcr = r.getInt();
        int s0 = r.getInt();
        int s1 = r.getInt();
        int si = r.getInt();
        int gi = r.getInt();
        int ci = r.getInt();
        int ds = r.getInt();
        int dsub = r.getInt();
        int dri = r.getInt();
        int dwi = r.getInt();
        long wr = r.getLong();
        if (ai < 0 || ai > 0x3F || si < 0 || si > 7 || gi < 0 || gi > 0x0F || ci < 0 || ci > 0xFF || dsub < 0 || dsub > 2
                || dri < 0 || dri > 0xFF || dwi < 0 || dwi > 0xFF || wr < 0) {
            throw new dev.gvsim.simcore.InputException("checkpoint: VGA register index out of range");
        }
        System.arraycopy(nar, 0, ar, 0, ar.length);
        System.arraycopy(nsr, 0, sr, 0, sr.length);
        System.arraycopy(ngr, 0, gr, 0, gr.length);
        System.arraycopy(ncr, 0, cr, 0, cr.length);
        System.arraycopy(pal, 0, palette, 0, palette.length);
        System.arraycopy(dc, 0, dacCache, 0, dacCache.length);
        arIndex = ai;
        arFlipFlop = ff;
        msr = nmsr;
        fcr = nfcr;
        st00 = s0;
        st01 = s1;
        srIndex = si;
        grIndex = gi;
        crIndex = ci;
        dacState = ds;
        dacSubIndex = dsub;
        dacReadIndex = dri;
        dacWriteIndex = dwi;
        writes = wr;
    }

    private static void putInts(dev.gvsim.simcore.state.StateWriter w, int[] a) {
        w.putInt(a.length);
        for (int v : a) {
            w.putInt(v);
        }
    }

    private static int[] getInts(dev.gvsim.simcore.state.StateReader r, int len, String what) throws dev.gvsim.simcore.InputException {
        int n = r.getInt();
        if (n != len) {
            throw new dev.gvsim.simcore.InputException("checkpoint: VGA " + what + " registers: " + n + ", this model has " + len);
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.getInt();
            if (out[i] < 0 || out[i] > 0xFF) {
                throw new dev.gvsim.simcore.InputException("checkpoint: VGA " + what + " register " + i + " = " + out[i]);
            }
        }
        return out;
    }
}
