package dev.gvsim.arm64mmu;

/**
 * MAIR_EL1 attribute bytes (ARM DDI 0487 D19.2 "MAIR_EL1, Memory Attribute Indirection Register
 * (EL1)"; docs/facts/arm64-memory.md section 2). Decodes all 256 byte values: the architected encodings
 * to a {@link Decoded} with their cacheability and allocation hints, the UNPREDICTABLE ones as
 * reserved; and encodes back.
 *
 * <pre>
 * Attr[7:4] = 0000            Device, Attr[3:0] = dd00: dd = 00 nGnRnE, 01 nGnRE, 10 nGRE, 11 GRE;
 *                              Attr[3:0] = dd01/dd10/dd11 UNPREDICTABLE (0bxx01 is FEAT_XS, not modelled)
 * Attr[7:4] != 0000            Normal, Attr[7:4] = outer, Attr[3:0] = inner:
 *     0b00RW (RW != 00)        Write-Through Transient
 *     0b0100                   Non-cacheable
 *     0b01RW (RW != 00)        Write-Back Transient
 *     0b10RW                   Write-Through Non-transient
 *     0b11RW                   Write-Back Non-transient     (R = read-allocate, W = write-allocate)
 *   inner 0b0000               UNPREDICTABLE, except 0x40 (FEAT_XS: Normal NC, XS=0),
 *                              0xA0 (FEAT_XS: Normal WT RA NWA, XS=0), 0xF0 (FEAT_MTE2: Tagged Normal WB RAWA)
 * </pre>
 *
 * <p>gvsim's {@link MemoryType} keeps one Normal cacheability: the weaker of inner and outer
 * (NC &lt; WT &lt; WB), which is the cacheability every observer agrees on [inferred].
 */
public final class Mair {
    /** Linux {@code MAIR_ATTR_DEVICE_nGnRnE} (arch/arm64/include/asm/sysreg.h). */
    public static final int ATTR_DEVICE_NGNRNE = 0x00;
    /** Linux {@code MAIR_ATTR_DEVICE_nGnRE}. */
    public static final int ATTR_DEVICE_NGNRE = 0x04;
    /** Device-nGRE (older Linux had {@code MAIR_ATTR_DEVICE_nGRE}). */
    public static final int ATTR_DEVICE_NGRE = 0x08;
    /** Device-GRE (older Linux had {@code MAIR_ATTR_DEVICE_GRE}). */
    public static final int ATTR_DEVICE_GRE = 0x0C;
    /** Linux {@code MAIR_ATTR_NORMAL_NC}: inner and outer Non-cacheable. */
    public static final int ATTR_NORMAL_NC = 0x44;
    /** Linux {@code MAIR_ATTR_NORMAL_WT}: inner and outer Write-Through, read-allocate. */
    public static final int ATTR_NORMAL_WT = 0xBB;
    /** Linux {@code MAIR_ATTR_NORMAL}: inner and outer Write-Back, read/write-allocate. */
    public static final int ATTR_NORMAL = 0xFF;
    /** Linux {@code MAIR_ATTR_NORMAL_TAGGED} (FEAT_MTE2). */
    public static final int ATTR_NORMAL_TAGGED = 0xF0;

    /** Linux AttrIndx slots (arch/arm64/include/asm/memory.h). */
    public static final int MT_NORMAL = 0;
    public static final int MT_NORMAL_TAGGED = 1;
    public static final int MT_NORMAL_NC = 2;
    public static final int MT_DEVICE_NGNRNE = 3;
    public static final int MT_DEVICE_NGNRE = 4;
    /** gvsim's extra slots for the types current Linux has no slot for (older kernels had a GRE slot). */
    public static final int GVSIM_DEVICE_GRE = 5;
    public static final int GVSIM_DEVICE_NGRE = 6;
    public static final int GVSIM_NORMAL_WT = 7;

    /**
     * The MAIR_EL1 value gvsim programs: the Linux slots 0..4 plus gvsim slots 5..7
     * (byte n = Attr n).
     */
    public static final long LINUX_PRESET = ((long) ATTR_NORMAL << (8 * MT_NORMAL))
            | ((long) ATTR_NORMAL_TAGGED << (8 * MT_NORMAL_TAGGED))
            | ((long) ATTR_NORMAL_NC << (8 * MT_NORMAL_NC))
            | ((long) ATTR_DEVICE_NGNRNE << (8 * MT_DEVICE_NGNRNE))
            | ((long) ATTR_DEVICE_NGNRE << (8 * MT_DEVICE_NGNRE))
            | ((long) ATTR_DEVICE_GRE << (8 * GVSIM_DEVICE_GRE))
            | ((long) ATTR_DEVICE_NGRE << (8 * GVSIM_DEVICE_NGRE))
            | ((long) ATTR_NORMAL_WT << (8 * GVSIM_NORMAL_WT));

    /** Cacheability of one Normal nibble. */
    public enum Cacheability { NON_CACHEABLE, WRITE_THROUGH, WRITE_BACK }

    /** Kind of an attribute byte. */
    public enum Kind { DEVICE, NORMAL, RESERVED }

    /** One decoded nibble of a Normal attribute. */
    public record Policy(Cacheability cacheability, boolean transientHint, boolean readAllocate, boolean writeAllocate) {
        /** The nibble (DDI 0487 D19.2 MAIR_EL1.Attr encodings). */
        public int encode() {
            int rw = (readAllocate ? 2 : 0) | (writeAllocate ? 1 : 0);
            switch (cacheability) {
                case NON_CACHEABLE:
                    return 0b0100;
                case WRITE_THROUGH:
                    return (transientHint ? 0b0000 : 0b1000) | rw;
                default:
                    return (transientHint ? 0b0100 : 0b1100) | rw;
            }
        }

        @Override
        public String toString() {
            if (cacheability == Cacheability.NON_CACHEABLE) {
                return "NC";
            }
            return (cacheability == Cacheability.WRITE_BACK ? "WB" : "WT") + (transientHint ? "-T" : "") + (readAllocate ? " RA" : " nRA")
                    + (writeAllocate ? " WA" : " nWA");
        }
    }

    /**
     * A decoded attribute byte. For Normal memory {@code inner}/{@code outer} are set; {@code type}
     * is null for reserved bytes. {@code feature} names the architecture feature an encoding needs
     * (FEAT_XS, FEAT_MTE2) or is empty.
     */
    public record Decoded(int attr, Kind kind, MemoryType type, Policy outer, Policy inner, String feature, String description) {
        public boolean reserved() {
            return kind == Kind.RESERVED;
        }

        /** The byte this decodes from, rebuilt from the decoded fields. */
        public int encode() {
            switch (kind) {
                case DEVICE:
                    return Mair.encode(type);
                case NORMAL:
                    if (inner == null) { // the FEAT_XS / FEAT_MTE2 specials with inner nibble 0000
                        return outer.encode() << 4;
                    }
                    return outer.encode() << 4 | inner.encode();
                default:
                    throw new IllegalStateException(String.format("MAIR attribute 0x%02x is reserved and has no encoding", attr));
            }
        }
    }

    private static final String[] DEVICE_NAMES = {"Device-nGnRnE", "Device-nGnRE", "Device-nGRE", "Device-GRE"};

    private static final Decoded[] DECODED = new Decoded[256];
    /** Hot-path table: MemoryType ordinal per byte, -1 for reserved. */
    private static final byte[] TYPE_ORDINAL = new byte[256];

    static {
        for (int b = 0; b < 256; b++) {
            DECODED[b] = decodeSlow(b);
            TYPE_ORDINAL[b] = (byte) (DECODED[b].type() == null ? -1 : DECODED[b].type().ordinal());
        }
    }

    private Mair() {
    }

    /** The full decode of an attribute byte (only the low 8 bits of {@code attr} are used). */
    public static Decoded decode(int attr) {
        return DECODED[attr & 0xFF];
    }

    /** The {@link MemoryType} ordinal of an attribute byte, or -1 if reserved (no allocation). */
    public static int typeOrdinal(int attr) {
        return TYPE_ORDINAL[attr & 0xFF];
    }

    /** Attr n of a MAIR_EL1 value. */
    public static int attr(long mair, int index) {
        return (int) (mair >>> (8 * (index & 7))) & 0xFF;
    }

    /** MAIR_EL1 with Attr n replaced. */
    public static long withAttr(long mair, int index, int attr) {
        int sh = 8 * (index & 7);
        return (mair & ~(0xFFL << sh)) | ((long) (attr & 0xFF) << sh);
    }

    /** The canonical byte for a type: the Linux {@code MAIR_ATTR_*} value. */
    public static int encode(MemoryType t) {
        switch (t) {
            case DEVICE_NGNRNE:
                return ATTR_DEVICE_NGNRNE;
            case DEVICE_NGNRE:
                return ATTR_DEVICE_NGNRE;
            case DEVICE_NGRE:
                return ATTR_DEVICE_NGRE;
            case DEVICE_GRE:
                return ATTR_DEVICE_GRE;
            case NORMAL_NC:
                return ATTR_NORMAL_NC;
            case NORMAL_WT:
                return ATTR_NORMAL_WT;
            default:
                return ATTR_NORMAL;
        }
    }

    /** The AttrIndx slot of {@link #LINUX_PRESET} that holds a type (what ioremap & co. put in the PTE). */
    public static int linuxSlot(MemoryType t) {
        switch (t) {
            case DEVICE_NGNRNE:
                return MT_DEVICE_NGNRNE;
            case DEVICE_NGNRE:
                return MT_DEVICE_NGNRE;
            case DEVICE_NGRE:
                return GVSIM_DEVICE_NGRE;
            case DEVICE_GRE:
                return GVSIM_DEVICE_GRE;
            case NORMAL_NC:
                return MT_NORMAL_NC;
            case NORMAL_WT:
                return GVSIM_NORMAL_WT;
            default:
                return MT_NORMAL;
        }
    }

    private static Policy nibble(int n) {
        boolean r = (n & 2) != 0;
        boolean w = (n & 1) != 0;
        switch (n >>> 2) {
            case 0b00:
                return (n & 3) == 0 ? null : new Policy(Cacheability.WRITE_THROUGH, true, r, w);
            case 0b01:
                return (n & 3) == 0 ? new Policy(Cacheability.NON_CACHEABLE, false, false, false) : new Policy(Cacheability.WRITE_BACK, true, r, w);
            case 0b10:
                return new Policy(Cacheability.WRITE_THROUGH, false, r, w);
            default:
                return new Policy(Cacheability.WRITE_BACK, false, r, w);
        }
    }

    private static MemoryType normalType(Cacheability a, Cacheability b) {
        Cacheability weaker = a.ordinal() < b.ordinal() ? a : b;
        switch (weaker) {
            case NON_CACHEABLE:
                return MemoryType.NORMAL_NC;
            case WRITE_THROUGH:
                return MemoryType.NORMAL_WT;
            default:
                return MemoryType.NORMAL_WB;
        }
    }

    private static Decoded decodeSlow(int b) {
        int hi = b >>> 4;
        int lo = b & 0xF;
        if (hi == 0) {
            if ((lo & 3) != 0) {
                return new Decoded(b, Kind.RESERVED, null, null, null, "", String.format("0x%02x: reserved (Device 0b0000dd%s UNPREDICTABLE)", b,
                        (lo & 3) == 1 ? "01, FEAT_XS not modelled" : Integer.toBinaryString(4 | (lo & 3)).substring(1)));
            }
            MemoryType t = MemoryType.of(lo >>> 2);
            return new Decoded(b, Kind.DEVICE, t, null, null, "", String.format("0x%02x: %s", b, DEVICE_NAMES[lo >>> 2]));
        }
        Policy outer = nibble(hi);
        if (lo == 0) {
            switch (b) {
                case 0x40:
                    return new Decoded(b, Kind.NORMAL, MemoryType.NORMAL_NC, outer, null, "FEAT_XS",
                            "0x40: Normal inner NC outer NC, XS=0 (FEAT_XS)");
                case 0xA0:
                    return new Decoded(b, Kind.NORMAL, MemoryType.NORMAL_WT, outer, null, "FEAT_XS",
                            "0xa0: Normal inner WT outer WT RA nWA, XS=0 (FEAT_XS)");
                case 0xF0:
                    return new Decoded(b, Kind.NORMAL, MemoryType.NORMAL_WB, outer, null, "FEAT_MTE2",
                            "0xf0: Tagged Normal inner WB outer WB RA WA (FEAT_MTE2)");
                default:
                    return new Decoded(b, Kind.RESERVED, null, null, null, "",
                            String.format("0x%02x: reserved (Normal with inner 0b0000 UNPREDICTABLE)", b));
            }
        }
        Policy inner = nibble(lo);
        MemoryType t = normalType(outer.cacheability(), inner.cacheability());
        return new Decoded(b, Kind.NORMAL, t, outer, inner, "", String.format("0x%02x: Normal outer %s, inner %s", b, outer, inner));
    }
}
