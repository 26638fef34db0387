package dev.gvsim.arm64mmu;

/**
 * Stage-2 descriptor MemAttr[3:0] (bits [5:2] of a stage-2 block/page descriptor), with
 * HCR_EL2.FWB = 0 and = 1 (ARM DDI 0487 D8.5.5 "Stage 2 memory type and Cacheability attributes";
 * Linux {@code MT_S2_*} / {@code MT_S2_FWB_*} in arch/arm64/include/asm/memory.h; facts section 5.3).
 *
 * <p>A decoded value is an int code (no allocation): 0..6 = a {@link MemoryType} ordinal that
 * combines with stage 1 by "more restrictive wins"; {@link #FORCE_WB} = FWB 0b0110 (Normal-WB
 * whatever stage 1 says); {@link #AS_S1} = FWB 0b0111 (the stage-1 attributes); {@link #RESERVED}.
 *
 * <pre>
 * FWB = 0: MemAttr[3:2] = 00 Device, MemAttr[1:0] = 00 nGnRnE, 01 nGnRE, 10 nGRE, 11 GRE
 *          MemAttr[3:2] = outer 01 NC, 10 WT, 11 WB; MemAttr[1:0] = inner 00 reserved, 01 NC, 10 WT, 11 WB
 * FWB = 1: MemAttr[2] = 0: MemAttr[3] = 0 Device MemAttr[1:0] as above; MemAttr[3] = 1 reserved
 *          MemAttr[2] = 1: MemAttr[3] = 1 reserved; MemAttr[1:0] = 00 reserved, 01 Normal-NC,
 *                          10 Normal-WB forced, 11 as stage 1
 * </pre>
 */
public final class Stage2Attr {
    public static final int RESERVED = -1;
    /** FWB 0b0110: Normal Write-Back regardless of stage 1. */
    public static final int FORCE_WB = 7;
    /** FWB 0b0111: use the stage-1 attributes. */
    public static final int AS_S1 = 8;

    /** Linux {@code MT_S2_NORMAL} (FWB = 0). */
    public static final int MT_S2_NORMAL = 0xF;
    /** Linux {@code MT_S2_NORMAL_NC} (FWB = 0). */
    public static final int MT_S2_NORMAL_NC = 0x5;
    /** Linux {@code MT_S2_DEVICE_nGnRE} (FWB = 0). */
    public static final int MT_S2_DEVICE_NGNRE = 0x1;
    /** Linux {@code MT_S2_FWB_NORMAL}: forces Normal-WB. */
    public static final int MT_S2_FWB_NORMAL = 6;
    /** Linux {@code MT_S2_FWB_NORMAL_NC}. */
    public static final int MT_S2_FWB_NORMAL_NC = 5;
    /** Linux {@code MT_S2_FWB_DEVICE_nGnRE}. */
    public static final int MT_S2_FWB_DEVICE_NGNRE = 1;
    /** Linux {@code MT_S2_FWB_AS_S1} (newer kernels). */
    public static final int MT_S2_FWB_AS_S1 = 7;

    private static final int[] DECODE_FWB0 = new int[16];
    private static final int[] DECODE_FWB1 = new int[16];

    static {
        for (int m = 0; m < 16; m++) {
            DECODE_FWB0[m] = decodeFwb0(m);
            DECODE_FWB1[m] = decodeFwb1(m);
        }
    }

    private Stage2Attr() {
    }

    private static int cacheability(int twoBits) {
        // 01 NC, 10 WT, 11 WB -> MemoryType ordinal
        return twoBits == 1 ? MemoryType.NORMAL_NC.ordinal() : twoBits == 2 ? MemoryType.NORMAL_WT.ordinal() : MemoryType.NORMAL_WB.ordinal();
    }

    private static int decodeFwb0(int m) {
        int outer = m >>> 2;
        int inner = m & 3;
        if (outer == 0) {
            return inner; // Device type, DEVICE_NGNRNE..DEVICE_GRE ordinals 0..3
        }
        if (inner == 0) {
            return RESERVED;
        }
        return Math.min(cacheability(outer), cacheability(inner)); // the weaker cacheability
    }

    private static int decodeFwb1(int m) {
        if ((m & 0b0100) == 0) {
            return (m & 0b1000) != 0 ? RESERVED : (m & 3);
        }
        if ((m & 0b1000) != 0) {
            return RESERVED;
        }
        switch (m & 3) {
            case 0b01:
                return MemoryType.NORMAL_NC.ordinal();
            case 0b10:
                return FORCE_WB;
            case 0b11:
                return AS_S1;
            default:
                return RESERVED;
        }
    }

    /** Decodes MemAttr[3:0] (low 4 bits of {@code memAttr}); no allocation. */
    public static int decode(int memAttr, boolean fwb) {
        return (fwb ? DECODE_FWB1 : DECODE_FWB0)[memAttr & 0xF];
    }

    /**
     * The MemoryType a stage-2 code stands for on its own (for {@code Access.s2Type}): FORCE_WB is
     * Normal-WB; AS_S1 takes {@code s1Type}; RESERVED gives -1.
     */
    public static int typeOf(int code, int s1Type) {
        if (code == FORCE_WB) {
            return MemoryType.NORMAL_WB.ordinal();
        }
        if (code == AS_S1) {
            return s1Type;
        }
        return code;
    }

    /** The MemAttr KVM writes for a type; {@link IllegalArgumentException} for Normal-WT under FWB (no encoding). */
    public static int encode(MemoryType t, boolean fwb) {
        if (t.isDevice()) {
            return t.ordinal(); // 0b00dd under both
        }
        switch (t) {
            case NORMAL_NC:
                return fwb ? MT_S2_FWB_NORMAL_NC : MT_S2_NORMAL_NC;
            case NORMAL_WT:
                if (fwb) {
                    throw new IllegalArgumentException("normal-wt has no stage-2 MemAttr encoding with HCR_EL2.FWB=1 (only NC, forced WB, as-stage-1)");
                }
                return 0b1010;
            default:
                return fwb ? MT_S2_FWB_NORMAL : MT_S2_NORMAL;
        }
    }

    /** A readable name of a code for reports and test messages. */
    public static String describe(int code) {
        if (code == FORCE_WB) {
            return "normal-wb(forced)";
        }
        if (code == AS_S1) {
            return "as-stage-1";
        }
        if (code == RESERVED) {
            return "reserved";
        }
        return MemoryType.of(code).traceName();
    }
}
