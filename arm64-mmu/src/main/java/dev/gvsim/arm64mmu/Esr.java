package dev.gvsim.arm64mmu;

import dev.gvsim.simcore.Status;

/**
 * ESR_ELx syndrome encoding for data and instruction aborts (ARM DDI 0487 D19.2 "ESR_EL1";
 * Linux arch/arm64/include/asm/esr.h; docs/facts/arm64-memory.md section 4).
 */
public final class Esr {
    /** EC [31:26]. */
    public static final int EC_SHIFT = 26;
    /** {@code ESR_ELx_EC_IABT_LOW}: instruction abort from a lower EL. */
    public static final int EC_IABT_LOW = 0x20;
    /** {@code ESR_ELx_EC_IABT_CUR}: instruction abort without a change of EL. */
    public static final int EC_IABT_CUR = 0x21;
    /** {@code ESR_ELx_EC_DABT_LOW}: data abort from a lower EL (also every stage-2 abort taken to EL2). */
    public static final int EC_DABT_LOW = 0x24;
    /** {@code ESR_ELx_EC_DABT_CUR}: data abort without a change of EL. */
    public static final int EC_DABT_CUR = 0x25;
    /** IL [25]: 32-bit instruction. */
    public static final long IL = 1L << 25;
    /** ISV [24]: instruction syndrome valid (gvsim never sets it: no SAS/SRT information). */
    public static final long ISV = 1L << 24;
    /** EA [9]: external abort type. */
    public static final long EA = 1L << 9;
    /** CM [8]: cache maintenance. */
    public static final long CM = 1L << 8;
    /** S1PTW [7]: stage-2 fault on a stage-1 translation table walk. */
    public static final long S1PTW = 1L << 7;
    /** WnR [6]: write not read. */
    public static final long WNR = 1L << 6;
    /** DFSC/IFSC [5:0]. */
    public static final int FSC_MASK = 0x3F;

    /** {@code ESR_ELx_FSC_ADDRSZ}: address size fault, level in [1:0]. */
    public static final int FSC_ADDRSZ = 0b000000;
    /** {@code ESR_ELx_FSC_FAULT}: translation fault, level in [1:0]. */
    public static final int FSC_FAULT = 0b000100;
    /** {@code ESR_ELx_FSC_ACCESS}: access flag fault, level in [1:0]. */
    public static final int FSC_ACCESS = 0b001000;
    /** {@code ESR_ELx_FSC_PERM}: permission fault, level in [1:0]. */
    public static final int FSC_PERM = 0b001100;
    /** {@code ESR_ELx_FSC_EXTABT}: synchronous external abort, not on a walk. */
    public static final int FSC_EXTABT = 0b010000;
    /** Synchronous external abort on a translation table walk, level in [1:0]. */
    public static final int FSC_EXTABT_WALK = 0b010100;
    /** {@code ESR_ELx_FSC_ALIGN}: alignment fault. */
    public static final int FSC_ALIGN = 0b100001;
    /** IMPLEMENTATION DEFINED fault (Unsupported Exclusive or Atomic access). */
    public static final int FSC_EXCL_ATOMIC = 0b110101;

    private Esr() {
    }

    /** A data abort syndrome. */
    public static long dataAbort(boolean lowerEl, boolean write, boolean s1ptw, int fsc) {
        return ((long) (lowerEl ? EC_DABT_LOW : EC_DABT_CUR) << EC_SHIFT) | IL | (s1ptw ? S1PTW : 0) | (write ? WNR : 0) | (fsc & FSC_MASK);
    }

    /** An instruction abort syndrome (no WnR). */
    public static long instructionAbort(boolean lowerEl, boolean s1ptw, int fsc) {
        return ((long) (lowerEl ? EC_IABT_LOW : EC_IABT_CUR) << EC_SHIFT) | IL | (s1ptw ? S1PTW : 0) | (fsc & FSC_MASK);
    }

    /** The FSC for a fault status and level; -1 for statuses that are not CPU aborts. */
    public static int fsc(Status s, int level) {
        switch (s) {
            case ALIGNMENT_FAULT:
                return FSC_ALIGN;
            case TRANSLATION_FAULT:
                return FSC_FAULT | (level & 3);
            case ACCESS_FLAG_FAULT:
                return FSC_ACCESS | (level & 3);
            case PERMISSION_FAULT:
                return FSC_PERM | (level & 3);
            case ADDRESS_SIZE_FAULT:
                return FSC_ADDRSZ | (level & 3);
            case EXTERNAL_ABORT:
                return FSC_EXTABT;
            default:
                return -1;
        }
    }

    public static int ec(long esr) {
        return (int) (esr >>> EC_SHIFT) & 0x3F;
    }

    public static int fsc(long esr) {
        return (int) esr & FSC_MASK;
    }

    public static boolean isWrite(long esr) {
        return (esr & WNR) != 0;
    }

    /** A one-line description, e.g. "EC=0x25 (DABT_CUR) IL=1 ISV=0 WnR=1 S1PTW=0 DFSC=0x21 (alignment fault)". */
    public static String describe(long esr) {
        int ec = ec(esr);
        String ecName = ec == EC_DABT_CUR ? "DABT_CUR" : ec == EC_DABT_LOW ? "DABT_LOW" : ec == EC_IABT_CUR ? "IABT_CUR" : ec == EC_IABT_LOW ? "IABT_LOW" : "?";
        return String.format("ESR=0x%08x EC=0x%02x (%s) IL=%d ISV=%d WnR=%d S1PTW=%d FSC=0x%02x (%s)", esr, ec, ecName, (esr & IL) != 0 ? 1 : 0,
                (esr & ISV) != 0 ? 1 : 0, (esr & WNR) != 0 ? 1 : 0, (esr & S1PTW) != 0 ? 1 : 0, fsc(esr), describeFsc(fsc(esr)));
    }

    public static String describeFsc(int fsc) {
        int level = fsc & 3;
        switch (fsc & 0b111100) {
            case FSC_ADDRSZ:
                return "address size fault, level " + level;
            case FSC_FAULT:
                return "translation fault, level " + level;
            case FSC_ACCESS:
                return "access flag fault, level " + level;
            case FSC_PERM:
                return "permission fault, level " + level;
            case FSC_EXTABT_WALK:
                return "synchronous external abort on table walk, level " + level;
            default:
                break;
        }
        switch (fsc) {
            case FSC_EXTABT:
                return "synchronous external abort";
            case FSC_ALIGN:
                return "alignment fault";
            case FSC_EXCL_ATOMIC:
                return "unsupported exclusive or atomic access";
            default:
                return "other";
        }
    }
}
