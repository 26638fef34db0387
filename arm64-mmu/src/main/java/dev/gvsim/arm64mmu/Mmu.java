package dev.gvsim.arm64mmu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.Status;

/**
 * The ARMv8-A EL1&amp;0 translation regime with optional stage 2 (ARM DDI 0487 chapter D8, "The
 * AArch64 Virtual Memory System Architecture"), 4 KiB granule:
 * <ul>
 * <li>Stage 1: TTBR0_EL1 / TTBR1_EL1 split by TCR_EL1.T0SZ/T1SZ, levels 0-3, tables read from
 * guest RAM, AttrIndx -&gt; MAIR_EL1, AP[2:1] / UXN / PXN and the hierarchical APTable / UXNTable /
 * PXNTable, access flag (no hardware AF update).</li>
 * <li>Stage 2: VTTBR_EL2 / VTCR_EL2.T0SZ, S2AP, XN, AF, MemAttr with and without HCR_EL2.FWB.
 * Stage-1 table walks go through stage 2 (a stage-2 fault there sets ESR.S1PTW).</li>
 * <li>A builder that writes real descriptors the way ioremap / ioremap_wc / memremap and KVM's
 * stage-2 code do ({@link #map}, {@link #s2map}).</li>
 * <li>A direct-mapped combined TLB of primitive arrays, invalidated on every (re)map/unmap.</li>
 * <li>The alignment rules (DDI 0487 B2.5, D8.2.10; docs/facts/arm64-memory.md section 3) and the
 * implementation-defined exclusive/atomic behaviour on uncached memory.</li>
 * </ul>
 * {@link #translate} allocates nothing, hit or miss. Not thread-safe: one Mmu per simulated machine
 * thread.
 *
 * <p>Why one class of about 1,100 lines (issue 19's rule is ~800): the TLB arrays, the walk scratch
 * ({@code s1Out}, {@code s2Out}, …) and the checks are private fields that {@link #translate}'s short
 * path ({@code plainHit}), the general path, the fill and the two walkers read and write in one
 * access; splitting them across objects puts a field load and a call boundary on the replay's
 * hottest path, which issue 9 measured at a few ns per access (MMU ~4.6 ns of ~33). What is not on
 * that path already lives elsewhere: the table memory ({@link TableSpace}), MAIR decoding
 * ({@link Mair}), attribute combining ({@link AttrCombine}, {@link Stage2Attr}), ESR encoding
 * ({@link Esr}), the parameters ({@link MmuParams}).
 */
public final class Mmu implements dev.gvsim.simcore.state.Checkpointable {
    // ---- descriptor bits (DDI 0487 D8.3.1 "Attribute fields in VMSAv8-64 descriptors") ----------
    /** Stage 1 AttrIndx[2:0], bits [4:2]. */
    public static final int ATTRINDX_SHIFT = 2;
    /** Stage 1 AP[1], bit 6: EL0 access ({@code PTE_USER}). */
    public static final long AP1_EL0 = 1L << 6;
    /** Stage 1 AP[2], bit 7: read-only ({@code PTE_RDONLY}). */
    public static final long AP2_RO = 1L << 7;
    /** SH[1:0], bits [9:8]; 0b11 inner shareable ({@code PTE_SHARED}). */
    public static final long SH_INNER = 0b11L << 8;
    /** AF, bit 10 ({@code PTE_AF}). */
    public static final long AF = 1L << 10;
    /** nG, bit 11 ({@code PTE_NG}). */
    public static final long NG = 1L << 11;
    /** DBM, bit 51 (Linux {@code PTE_WRITE}). */
    public static final long DBM = 1L << 51;
    /** PXN, bit 53. */
    public static final long PXN = 1L << 53;
    /** UXN / XN, bit 54 (stage 2: XN). */
    public static final long UXN = 1L << 54;
    /** Table descriptor PXNTable bit 59, UXNTable 60, APTable[0] 61 (no EL0), APTable[1] 62 (read-only). */
    public static final long PXN_TABLE = 1L << 59;
    public static final long UXN_TABLE = 1L << 60;
    public static final long AP_TABLE_NO_EL0 = 1L << 61;
    public static final long AP_TABLE_RO = 1L << 62;
    /** Stage 2 MemAttr[3:0], bits [5:2]. */
    public static final int S2_MEMATTR_SHIFT = 2;
    /** Stage 2 S2AP[0] read, bit 6; S2AP[1] write, bit 7. */
    public static final long S2AP_R = 1L << 6;
    public static final long S2AP_W = 1L << 7;
    private static final long TABLE_ATTRS = PXN_TABLE | UXN_TABLE | AP_TABLE_NO_EL0 | AP_TABLE_RO;

    /** Exclusive/atomic on uncached memory policies ({@link MmuParams#EXCL_UNCACHED}). */
    public static final int EXCL_ALLOWED = 0;
    public static final int EXCL_EXTERNAL_ABORT = 1;
    public static final int EXCL_UNSUPPORTED_FAULT = 2;

    // ---- TLB info packing -------------------------------------------------------------------
    private static final int I_S1TYPE = 0;
    private static final int I_S2TYPE = 4;
    private static final int I_MEMTYPE = 8;
    private static final int I_S1LEVEL = 12;
    private static final int I_S2LEVEL = 14;
    private static final long I_EL0 = 1L << 16;
    private static final long I_RO = 1L << 17;
    private static final long I_UXN = 1L << 18;
    private static final long I_PXN = 1L << 19;
    private static final long I_S2R = 1L << 20;
    private static final long I_S2W = 1L << 21;
    private static final long I_S2XN = 1L << 22;
    private static final long I_S2 = 1L << 23;
    private static final long TAG_VALID = 1L << 62;

    private final SparseMemory guestRam;
    private final long guestRamBase;
    private final TableSpace s1Space;
    private final TableSpace s2Space;
    private final int s1Bits0;
    private final int s1Bits1;
    private final int s1Start0;
    private final int s1First0;
    private final int s1Start1;
    private final int s1First1;
    private final int ipaBits;
    private final int s2Start;
    private final int s2First;
    private final int paBits;
    private final boolean useBlocks;
    private final boolean s2MapGuestRam;
    private final boolean sctlrA;
    private final boolean lse2;
    private final int exclPolicy;

    private final long ttbr0;
    private final long ttbr1;
    private long vttbr;
    private long mair = Mair.LINUX_PRESET;
    private boolean s1Enabled;
    private boolean s2Enabled;
    private boolean fwb;
    private final List<long[]> s2Ops = new ArrayList<>();

    private final int tlbMask;
    private final int tlbBits;
    private final long[] tlbTag;
    private final long[] tlbPa;
    private final long[] tlbIpa;
    private final long[] tlbInfo;

    private final Counter tlbHits;
    private final Counter tlbMisses;
    private final Counter tlbFlushes;
    private final Counter walksS1;
    private final Counter walksS2;
    private final Counter descReads;
    private final Counter[] faultsByStatus = new Counter[Status.values().length];
    private final Counter faultsStage2;
    private final Counter mismatch;
    private final Counter exclUncached;
    private final Counter mairReserved;
    private final Counter s2Reserved;
    private final Counter badSize;
    private final Counter pageCross;
    private final Counter pageCrossDiscontig;
    private final Counter translations;

    // ---- walk scratch (no allocation) ---------------------------------------------------------
    private long s1Out;
    private int s1Level;
    private long s1Leaf;
    private long s1TableAttrs;
    private long s2Out;
    private int s2Level;
    private long s2Leaf;
    private Status fStatus;
    private int fLevel;
    private int fStage;
    private long fAddr;
    private boolean fS1ptw;
    private int fFsc;
    // result of one page lookup
    private long curPa;
    private long curIpa;
    private long curInfo;

    /**
     * @param guestRam guest PA [guestRamBase, guestRamBase + capacity); stage-1 tables come from its top {@code mmu.s1_table_pool} bytes
     * @param params with {@link MmuParams#ALL} declared
     */
    public Mmu(SparseMemory guestRam, long guestRamBase, Params params, Stats stats) {
        this.guestRam = guestRam;
        this.guestRamBase = guestRamBase;
        long cap = guestRam.capacity();
        long pool = params.getLong(MmuParams.S1_TABLE_POOL);
        if (guestRamBase < 0 || (guestRamBase & 0xFFF) != 0) {
            throw new IllegalArgumentException("guest RAM base must be 4 KiB aligned and non-negative: 0x" + Long.toHexString(guestRamBase));
        }
        if (pool < 3 * 4096 || (pool & 0xFFF) != 0 || pool > cap) {
            throw new IllegalArgumentException("mmu.s1_table_pool=" + pool + " must be a multiple of 4096, >= 12288 and <= guest RAM size " + cap);
        }
        long ramEnd = guestRamBase + (cap & ~0xFFFL);
        s1Space = new TableSpace("stage-1 tables (mmu.s1_table_pool)", guestRam, guestRamBase, ramEnd - pool, ramEnd);
        long s2pool = params.getLong(MmuParams.S2_TABLE_POOL);
        if (s2pool < 4 * 4096 || (s2pool & 0xFFF) != 0 || s2pool > (1L << 40)) {
            throw new IllegalArgumentException("mmu.s2_table_pool=" + s2pool + " must be a multiple of 4096 in [16 KiB, 1 TiB]");
        }
        s2Space = new TableSpace("stage-2 tables (mmu.s2_table_pool)", new SparseMemory("s2-tables", s2pool), 0, 0, s2pool);

        int t0sz = (int) bounded(params.getLong(MmuParams.TCR_T0SZ), 16, 39, "mmu.tcr.t0sz");
        int t1sz = (int) bounded(params.getLong(MmuParams.TCR_T1SZ), 16, 39, "mmu.tcr.t1sz");
        int vt0sz = (int) bounded(params.getLong(MmuParams.VTCR_T0SZ), 16, 39, "mmu.vtcr.t0sz");
        paBits = (int) bounded(params.getLong(MmuParams.PA_BITS), 32, 48, "mmu.pa_bits");
        s1Bits0 = 64 - t0sz;
        s1Bits1 = 64 - t1sz;
        s1Start0 = 4 - (s1Bits0 - 4) / 9; // ARM64_HW_PGTABLE_LEVELS(va_bits) = (va_bits - 4) / (PAGE_SHIFT - 3)
        s1First0 = s1Bits0 - TableSpace.shift(s1Start0);
        s1Start1 = 4 - (s1Bits1 - 4) / 9;
        s1First1 = s1Bits1 - TableSpace.shift(s1Start1);
        ipaBits = 64 - vt0sz;
        s2Start = 4 - (ipaBits - 4 - 4) / 9; // KVM stage2_pgtable_levels(ipa) = ARM64_HW_PGTABLE_LEVELS(ipa - 4): concatenated first level
        s2First = ipaBits - TableSpace.shift(s2Start);
        useBlocks = params.getBoolean(MmuParams.USE_BLOCKS);
        s2MapGuestRam = params.getBoolean(MmuParams.S2_MAP_GUEST_RAM);
        sctlrA = params.getBoolean(MmuParams.SCTLR_A);
        lse2 = params.getBoolean(MmuParams.FEAT_LSE2);
        s1Enabled = params.getBoolean(MmuParams.S1_ENABLED);
        String ex = params.getString(MmuParams.EXCL_UNCACHED).trim();
        switch (ex) {
            case "allowed":
                exclPolicy = EXCL_ALLOWED;
                break;
            case "external_abort":
                exclPolicy = EXCL_EXTERNAL_ABORT;
                break;
            case "unsupported_fault":
                exclPolicy = EXCL_UNSUPPORTED_FAULT;
                break;
            default:
                throw new IllegalArgumentException("mmu.excl_uncached: '" + ex + "' is not one of allowed, external_abort, unsupported_fault");
        }
        long entries = params.getLong(MmuParams.TLB_ENTRIES);
        if (entries < 16 || entries > 65536 || Long.bitCount(entries) != 1) {
            throw new IllegalArgumentException("mmu.tlb.entries=" + entries + " must be a power of two in [16, 65536]");
        }
        tlbMask = (int) entries - 1;
        tlbBits = Long.numberOfTrailingZeros(entries);
        tlbTag = new long[(int) entries];
        tlbPa = new long[(int) entries];
        tlbIpa = new long[(int) entries];
        tlbInfo = new long[(int) entries];

        ttbr0 = s1Space.alloc(Math.max(4096, 8L << s1First0));
        ttbr1 = s1Space.alloc(Math.max(4096, 8L << s1First1));

        tlbHits = stats.counter("mmu.tlb.hits");
        tlbMisses = stats.counter("mmu.tlb.misses");
        tlbFlushes = stats.counter("mmu.tlb.invalidations");
        walksS1 = stats.counter("mmu.walks.s1");
        walksS2 = stats.counter("mmu.walks.s2");
        descReads = stats.counter("mmu.walks.descriptor_reads");
        faultsStage2 = stats.counter("mmu.faults.stage2");
        for (Status s : Status.values()) {
            if (s.isCpuFault()) {
                faultsByStatus[s.ordinal()] = stats.counter("mmu.faults." + s.name().toLowerCase().replace("_fault", ""));
            }
        }
        mismatch = stats.counter("mmu.attr_mismatch");
        exclUncached = stats.counter("mmu.excl_atomic_uncached");
        mairReserved = stats.counter("mmu.mair_reserved");
        s2Reserved = stats.counter("mmu.s2_memattr_reserved");
        badSize = stats.counter("mmu.bad_size");
        pageCross = stats.counter("mmu.page_cross");
        pageCrossDiscontig = stats.counter("mmu.page_cross_discontiguous");
        translations = stats.counter("mmu.translations");
    }

    private static long bounded(long v, long lo, long hi, String name) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + "=" + v + " outside " + lo + ".." + hi);
        }
        return v;
    }

    // =========================================================================================
    // Builder: stage 1
    // =========================================================================================

    /**
     * The stage-1 leaf attributes Linux uses for a type: {@code PROT_DEVICE_*} / {@code PROT_NORMAL*}
     * for kernel VAs (AP = EL1 RW, PXN, UXN, AF, SH inner, DBM), user mappings add AP[1] and nG.
     */
    public long linuxS1Attrs(long va, MemoryType t) {
        long attrs = ((long) Mair.linuxSlot(t) << ATTRINDX_SHIFT) | AF | SH_INNER | DBM | PXN | UXN;
        if (!isUpper(va)) {
            attrs |= AP1_EL0 | NG;
        }
        return attrs;
    }

    /** Maps [va, va+size) to [pa, ...) as the kernel's ioremap/ioremap_wc/memremap would; invalidates the TLB for the range. */
    public void map(long va, long pa, long size, MemoryType t) {
        mapRaw(va, pa, size, linuxS1Attrs(va, t));
    }

    /**
     * Maps with explicit leaf attributes (a descriptor without OA and type bits: AttrIndx, AP, SH,
     * AF, nG, DBM, PXN, UXN). For tests and for traces that carry raw PTE bits.
     */
    public void mapRaw(long va, long pa, long size, long leafAttrs) {
        checkS1Range(va, size);
        checkOutput(pa, size, paBits, "PA/IPA");
        boolean upper = isUpper(va);
        s1Space.setRange(upper ? ttbr1 : ttbr0, upper ? s1Start1 : s1Start0, upper ? s1First1 : s1First0, va, size, pa, leafAttrs, useBlocks);
        invalidateVa(va, size);
    }

    /** Removes [va, va+size) (blocks partly covered are split); invalidates the TLB for the range. */
    public void unmap(long va, long size) {
        checkS1Range(va, size);
        boolean upper = isUpper(va);
        s1Space.clearRange(upper ? ttbr1 : ttbr0, upper ? s1Start1 : s1Start0, upper ? s1First1 : s1First0, va, size);
        invalidateVa(va, size);
    }

    private boolean isUpper(long va) {
        return va < 0;
    }

    private void checkS1Range(long va, long size) {
        if (size <= 0 || ((va | size) & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("stage-1 range va=0x%x size=0x%x must be non-empty and 4 KiB aligned", va, size));
        }
        boolean ok;
        if (va >= 0) {
            ok = (va >>> s1Bits0) == 0 && size <= (1L << s1Bits0) - va;
        } else {
            ok = (va >> s1Bits1) == -1L && size <= -va; // may end exactly at 2^64
        }
        if (!ok) {
            throw new IllegalArgumentException(String.format("stage-1 range va=0x%x size=0x%x is outside TTBR0 [0, 2^%d) and TTBR1 [2^64-2^%d, 2^64)",
                    va, size, s1Bits0, s1Bits1));
        }
    }

    private static void checkOutput(long oa, long size, int bits, String what) {
        if (oa < 0 || (oa & 0xFFF) != 0 || size > (1L << bits) || oa > (1L << bits) - size) {
            throw new IllegalArgumentException(String.format("%s 0x%x size 0x%x must be 4 KiB aligned and inside %d bits", what, oa, size, bits));
        }
    }

    // =========================================================================================
    // Builder: stage 2
    // =========================================================================================

    /** Stage-2 leaf attributes as KVM writes them: MemAttr, S2AP RW, SH inner, AF, XN unless Normal-WB. */
    public long kvmS2Attrs(MemoryType t) {
        long attrs = ((long) Stage2Attr.encode(t, fwb) << S2_MEMATTR_SHIFT) | S2AP_R | S2AP_W | SH_INNER | AF;
        if (t != MemoryType.NORMAL_WB) {
            attrs |= UXN; // KVM refuses executable Device/NC stage-2 mappings (stage2_set_prot_attr)
        }
        return attrs;
    }

    /** Maps IPA [ipa, ipa+size) to PA with a type (encoded for the current FWB); enables stage 2. */
    public void s2map(long ipa, long pa, long size, MemoryType t) {
        checkOutput(ipa, size, ipaBits, "IPA");
        checkOutput(pa, size, paBits, "PA");
        Stage2Attr.encode(t, fwb); // rejects WT under FWB before anything changes
        enableStage2();
        s2Ops.add(new long[] {0, ipa, pa, size, t.ordinal()});
        s2Space.setRange(vttbr, s2Start, s2First, ipa, size, pa, kvmS2Attrs(t), useBlocks);
        invalidateAll();
    }

    /** Maps with explicit stage-2 leaf attributes (MemAttr, S2AP, AF, XN): for tests of every encoding. */
    public void s2mapRaw(long ipa, long pa, long size, long leafAttrs) {
        checkOutput(ipa, size, ipaBits, "IPA");
        checkOutput(pa, size, paBits, "PA");
        enableStage2();
        s2Ops.add(new long[] {1, ipa, pa, size, leafAttrs});
        s2Space.setRange(vttbr, s2Start, s2First, ipa, size, pa, leafAttrs, useBlocks);
        invalidateAll();
    }

    /** Removes IPA [ipa, ipa+size) from stage 2. */
    public void s2unmap(long ipa, long size) {
        checkOutput(ipa, size, ipaBits, "IPA");
        if (!s2Enabled) {
            return;
        }
        s2Ops.add(new long[] {2, ipa, 0, size, 0});
        s2Space.clearRange(vttbr, s2Start, s2First, ipa, size);
        invalidateAll();
    }

    /**
     * HCR_EL2.FWB. Existing type-based stage-2 mappings are rewritten with the encodings for the
     * new setting, as KVM builds its tables for the FWB it runs with.
     */
    public void setFwb(boolean on) {
        if (on == fwb) {
            return;
        }
        if (on) {
            for (long[] op : s2Ops) {
                if (op[0] == 0 && op[4] == MemoryType.NORMAL_WT.ordinal()) {
                    Stage2Attr.encode(MemoryType.NORMAL_WT, true); // throws: no WT encoding with FWB
                }
            }
        }
        fwb = on;
        if (s2Enabled) {
            // replay every stage-2 operation in order, so later raw maps and unmaps keep winning
            for (long[] op : s2Ops) {
                if (op[0] == 0) {
                    s2Space.setRange(vttbr, s2Start, s2First, op[1], op[3], op[2], kvmS2Attrs(MemoryType.of((int) op[4])), useBlocks);
                } else if (op[0] == 1) {
                    s2Space.setRange(vttbr, s2Start, s2First, op[1], op[3], op[2], op[4], useBlocks);
                } else {
                    s2Space.clearRange(vttbr, s2Start, s2First, op[1], op[3]);
                }
            }
        }
        invalidateAll();
    }

    public boolean fwb() {
        return fwb;
    }

    public boolean stage2Enabled() {
        return s2Enabled;
    }

    private void enableStage2() {
        if (s2Enabled) {
            return;
        }
        vttbr = s2Space.alloc(Math.max(4096, 8L << s2First));
        s2Enabled = true;
        if (s2MapGuestRam) {
            long size = guestRam.capacity() & ~0xFFFL;
            if (guestRamBase + size > (1L << ipaBits)) {
                throw new IllegalArgumentException(String.format("guest RAM [0x%x, +0x%x) does not fit the %d-bit IPA space (mmu.vtcr.t0sz)",
                        guestRamBase, size, ipaBits));
            }
            s2Ops.add(new long[] {0, guestRamBase, guestRamBase, size, MemoryType.NORMAL_WB.ordinal()});
            s2Space.setRange(vttbr, s2Start, s2First, guestRamBase, size, guestRamBase, kvmS2Attrs(MemoryType.NORMAL_WB), useBlocks);
        }
        invalidateAll();
    }

    // =========================================================================================
    // System registers
    // =========================================================================================

    public long ttbr0() {
        return ttbr0;
    }

    public long ttbr1() {
        return ttbr1;
    }

    public long vttbr() {
        return vttbr;
    }

    public long mair() {
        return mair;
    }

    /** Programs MAIR_EL1 (flushes the TLB). */
    public void setMair(long value) {
        mair = value;
        invalidateAll();
    }

    /** SCTLR_EL1.M (flushes the TLB). */
    public void setStage1Enabled(boolean on) {
        s1Enabled = on;
        invalidateAll();
    }

    /** TLBI VMALLS12E1: drops every TLB entry. */
    public void invalidateAll() {
        java.util.Arrays.fill(tlbTag, 0L);
        tlbFlushes.inc();
    }

    private void invalidateVa(long va, long size) {
        long pages = size >>> 12;
        if (pages > tlbTag.length) {
            invalidateAll();
            return;
        }
        for (long p = 0; p < pages; p++) {
            long vpn = (va >>> 12) + p;
            int slot = slot(vpn);
            if (tlbTag[slot] == (vpn | TAG_VALID)) {
                tlbTag[slot] = 0;
            }
        }
        tlbFlushes.inc();
    }

    private int slot(long vpn) {
        return (int) ((vpn ^ (vpn >>> tlbBits)) & tlbMask);
    }

    /** Stage-1 tables allocated so far (4 KiB units). */
    public long s1TablePages() {
        return s1Space.tablesAllocated();
    }

    public long s2TablePages() {
        return s2Space.tablesAllocated();
    }

    /**
     * The stage-1 leaf descriptor for a VA as the walker finds it, or 0 if the walk faults (for
     * tests and debugging; does not touch the TLB).
     */
    public long s1Descriptor(long va) {
        return walkS1(va) ? s1Leaf : 0;
    }

    /** The stage-2 leaf descriptor for an IPA, or 0 if none. */
    public long s2Descriptor(long ipa) {
        return s2Enabled && walkS2(ipa) ? s2Leaf : 0;
    }

    // =========================================================================================
    // Translation
    // =========================================================================================

    /** Translates {@code a.va}; see the class comment. Allocation-free. */
    public void translate(Access a) {
        translations.inc();
        if (!plainFastPath || !plainHit(a)) {
            translateGeneral(a);
        }
    }

    /** {@link #translate} for every access {@link #plainHit} does not take (out of line, so that translate inlines). */
    private void translateGeneral(Access a) {
        a.s1Type = -1;
        a.s2Type = -1;
        a.memType = -1;
        final long va = a.va;
        final int size = a.size;
        final boolean bulk = a.buffer != null;
        final boolean zva = a.has(Access.F_ZVA);
        // DC ZVA zeroes a DCZID_EL0-sized block (4..2048 bytes) at the aligned-down address: no alignment check of its own.
        if (zva ? (size < 4 || size > 2048 || Integer.bitCount(size) != 1)
                : bulk ? size <= 0 : (size != 1 && size != 2 && size != 4 && size != 8 && size != 16)) {
            badSize(a, size);
            return;
        }
        final long alignMask = (bulk || zva) ? 0 : size - 1;
        // F_PAIR on an access of 8 bytes or less marks ONE element of an LDP/STP (docs/trace-format.md
        // "pair"): the element is the access and its own size is the alignment unit (DDI 0487
        // B2.5.2: for LDP/STP the check is on the element size). A 16-byte F_PAIR access is a whole
        // LDP/STP of two X registers: its element is 8 bytes.
        final long elemMask = (!bulk && size == 16 && a.has(Access.F_PAIR)) ? 7 : alignMask;
        final boolean elemUnaligned = (va & elemMask) != 0;

        // 1. Alignment faults that do not depend on the memory type (DDI 0487 B2.5.2): highest priority.
        if ((va & alignMask) != 0 && a.kind != Access.FETCH && earlyAlignmentFault(a, va, size, elemUnaligned)) {
            return;
        }

        // 2. Translate the first page (and the second for a page-crossing access).
        if (!lookup(a, va, elemUnaligned)) {
            return;
        }
        long pa = curPa;
        long ipa = curIpa;
        long info = curInfo;
        if (!bulk && !zva && ((va & 0xFFF) + size) > 4096) {
            if (!secondPage(a, va, pa)) {
                return;
            }
            info = curInfo;
        }
        int s1Type = (int) (info >>> I_S1TYPE) & 0xF;
        int memType = (int) (info >>> I_MEMTYPE) & 0xF;
        // 3.-5. only for what can have them: DC ZVA, exclusives and atomics, stage 2
        if ((zva || (a.flags & (Access.F_EXCL | Access.F_ATOMIC)) != 0 || (info & I_S2) != 0)
                && typeChecksFault(a, va, ipa, info, s1Type, memType, zva)) {
            return;
        }
        a.address = pa;
        a.s1Type = s1Type;
        a.s2Type = (info & I_S2) != 0 ? (int) (info >>> I_S2TYPE) & 0xF : -1;
        a.memType = memType;
    }

    /** Flags that give an access MMU semantics beyond a plain load or store (see {@link #plainHit}). */
    private static final int NOT_PLAIN = Access.F_EXCL | Access.F_ATOMIC | Access.F_ZVA | Access.F_LOWER_EL;

    /** Off only in tests, to compare {@link #plainHit} with the general path. */
    boolean plainFastPath = true;

    /**
     * The common access on its own short path (issue 9: 99.8 % of the real QXL trace): an aligned
     * EL1 load or store of 1, 2, 4 or 8 bytes, not exclusive, atomic or DC ZVA, that hits a TLB entry
     * which allows it at both stages. {@link #translate}'s steps cannot fault or count anything else
     * for such an access but the attribute mismatch: an aligned access of at most 8 bytes raises no
     * alignment fault on any memory type (DDI 0487 B2.5.2) and cannot cross a page; EL1 may read any
     * valid stage-1 entry and write any that is not read-only (AP[2] = 0); stage 2 allows what S2AP
     * allows; of the type checks (steps 3-5) only the mismatch count applies without DC ZVA, an
     * exclusive or an atomic. The outcome is the general path's (MmuPlainHitTest). Returns false,
     * having changed nothing, for any other access.
     */
    private boolean plainHit(Access a) {
        int size = a.size;
        long va = a.va;
        int kind = a.kind;
        if (!Access.isRegisterSize(size) || (va & (size - 1)) != 0 || kind == Access.FETCH
                || (a.flags & NOT_PLAIN) != 0 || a.buffer != null) {
            return false;
        }
        long vpn = va >>> 12;
        int slot = slot(vpn);
        long info = tlbInfo[slot];
        boolean write = kind == Access.WRITE;
        boolean s2 = (info & I_S2) != 0;
        if (tlbTag[slot] != (vpn | TAG_VALID) || (write && (info & I_RO) != 0) || (s2 && (info & (write ? I_S2W : I_S2R)) == 0)) {
            return false;
        }
        tlbHits.inc();
        int s1Type = (int) (info >>> I_S1TYPE) & 0xF;
        a.address = tlbPa[slot] | (va & 0xFFF);
        a.s1Type = s1Type;
        a.s2Type = s2 ? (int) (info >>> I_S2TYPE) & 0xF : -1;
        a.memType = (int) (info >>> I_MEMTYPE) & 0xF;
        if (s2) {
            countMismatch(info, s1Type);
        }
        return true;
    }

    /**
     * {@link #plainHit} without counting (issue 29, for {@link #plainRun}; kept apart so that
     * plainHit stays as it was on the per-access path): fills {@code a} and returns true, or returns
     * false having changed nothing. The same conditions (MmuPlainRunTest compares the outcomes).
     */
    private boolean plainLookup(Access a) {
        int size = a.size;
        long va = a.va;
        int kind = a.kind;
        if (!Access.isRegisterSize(size) || (va & (size - 1)) != 0 || kind == Access.FETCH
                || (a.flags & NOT_PLAIN) != 0 || a.buffer != null) {
            return false;
        }
        long vpn = va >>> 12;
        int slot = slot(vpn);
        long info = tlbInfo[slot];
        boolean write = kind == Access.WRITE;
        boolean s2 = (info & I_S2) != 0;
        if (tlbTag[slot] != (vpn | TAG_VALID) || (write && (info & I_RO) != 0) || (s2 && (info & (write ? I_S2W : I_S2R)) == 0)) {
            return false;
        }
        a.address = tlbPa[slot] | (va & 0xFFF);
        a.s1Type = (int) (info >>> I_S1TYPE) & 0xF;
        a.s2Type = s2 ? (int) (info >>> I_S2TYPE) & 0xF : -1;
        a.memType = (int) (info >>> I_MEMTYPE) & 0xF;
        return true;
    }

    /**
     * A run of {@code n} accesses (issue 29), each what {@code a} is with its VA {@code i * a.size}
     * further on (i = 0..n-1), all inside {@code a}'s page, with nothing changing the MMU between them:
     * if {@link #plainHit} takes the first it takes every one of them with the same TLB entry and the
     * same outcome but the address. This translates the first into {@code a} as {@link #translate}
     * would and counts nothing; {@link #countPlainRun} then counts what the translations of the
     * accesses the caller completed would have counted. Returns false, with {@code a} unchanged, when
     * {@link #plainHit} would not take the first or the run leaves its page (the caller translates
     * each access itself). MmuPlainRunTest compares it with one {@link #translate} per access.
     */
    public boolean plainRun(Access a, long n) {
        return plainFastPath && n > 0 && n <= 4096 && ((a.va & 0xFFF) + n * a.size) <= 4096 && plainLookup(a);
    }

    /** Counts {@code n} translations of the run {@link #plainRun} accepted for {@code a} (unchanged MMU since). */
    public void countPlainRun(Access a, long n) {
        translations.add(n);
        tlbHits.add(n);
        if (a.s2Type >= 0 && mismatches(tlbInfo[slot(a.va >>> 12)], a.s1Type)) {
            mismatch.add(n);
        }
    }

    /** Step 5 of the type checks for a stage-2 entry: counted, never a fault. */
    private void countMismatch(long info, int s1Type) {
        if (mismatches(info, s1Type)) {
            mismatch.inc();
        }
    }

    /** Gerd Hoffmann's case: guest uncached (Device or Normal-NC) over host cacheable without FWB. */
    private boolean mismatches(long info, int s1Type) {
        return !fwb && s1Type <= MemoryType.NORMAL_NC.ordinal() && ((info >>> I_S2TYPE) & 0xF) == MemoryType.NORMAL_WB.ordinal();
    }

    private void badSize(Access a, int size) {
        badSize.inc();
        a.fail(Status.ADDRESS_ERROR, size);
        a.faultAddress = a.va;
    }

    /** Step 1 of {@link #translate} for an unaligned data access; true when it faulted. */
    private boolean earlyAlignmentFault(Access a, long va, int size, boolean elemUnaligned) {
        if (sctlrA && elemUnaligned) {
            alignmentFault(a, 1, va, 0);
            return true;
        }
        if (a.has(Access.F_EXCL)) {
            alignmentFault(a, 1, va, 0); // exclusives must be aligned, FEAT_LSE2 or not
            return true;
        }
        if ((a.flags & (Access.F_ATOMIC | Access.F_ACQ | Access.F_REL)) != 0) {
            boolean inGranule = ((va ^ (va + size - 1)) & ~15L) == 0;
            if (!(lse2 && inGranule)) {
                alignmentFault(a, 1, va, 0);
                return true;
            }
            // FEAT_LSE2: allowed on Normal memory inside a 16-byte granule; a Device type faults below.
        }
        return false;
    }

    /**
     * The second page of a page-crossing access: translated and checked like the first; the access
     * takes the more restrictive memory type of the two. Leaves the combined info in curInfo, or
     * fails {@code a}.
     */
    private boolean secondPage(Access a, long va, long pa) {
        long info = curInfo;
        pageCross.inc();
        long va2 = (va | 0xFFF) + 1;
        if (!lookup(a, va2, true)) {
            return false;
        }
        if (curPa != pa + (va2 - va)) {
            pageCrossDiscontig.inc(); // one Access carries one PA: the model keeps the first page's
        }
        if (((curInfo >>> I_MEMTYPE) & 0xF) < ((info >>> I_MEMTYPE) & 0xF)) {
            info = (info & ~(0xFL << I_MEMTYPE)) | (curInfo & (0xFL << I_MEMTYPE));
        }
        curInfo = info;
        return true;
    }

    /** Steps 3 to 5 of {@link #translate}; true when the access faulted. */
    private boolean typeChecksFault(Access a, long va, long ipa, long info, int s1Type, int memType, boolean zva) {
        // 3. DC ZVA to any Device type is an alignment fault (DDI 0487 C5.3 "DC ZVA": Device memory gives an Alignment fault).
        if (zva && memType <= MemoryType.DEVICE_GRE.ordinal()) {
            if (s1Type <= MemoryType.DEVICE_GRE.ordinal()) {
                alignmentFault(a, 1, va, 0);
            } else {
                alignmentFault(a, 2, va, ipa);
            }
            return true;
        }

        // 4. Exclusive / atomic on Device or Normal-NC: IMPLEMENTATION DEFINED (knob), always counted.
        if ((a.flags & (Access.F_EXCL | Access.F_ATOMIC)) != 0 && memType <= MemoryType.NORMAL_NC.ordinal()) {
            exclUncached.inc();
            if (exclPolicy != EXCL_ALLOWED) {
                int fsc = exclPolicy == EXCL_EXTERNAL_ABORT ? Esr.FSC_EXTABT : Esr.FSC_EXCL_ATOMIC;
                fault(a, Status.EXTERNAL_ABORT, 0, 1, va, 0, false, fsc);
                return true;
            }
        }

        // 5. Attribute mismatch: guest uncached vs host cacheable without FWB.
        if ((info & I_S2) != 0) {
            countMismatch(info, s1Type);
        }
        return false;
    }

    /**
     * TLB lookup or walk for the page of {@code va}, then the per-access checks in architectural
     * priority order: stage-1 permission, alignment from the stage-1 type, stage-2 permission,
     * alignment from the combined type. Leaves curPa/curIpa/curInfo, or fails {@code a}.
     */
    private boolean lookup(Access a, long va, boolean elemUnaligned) {
        long vpn = va >>> 12;
        int slot = slot(vpn);
        long off = va & 0xFFF;
        if (tlbTag[slot] == (vpn | TAG_VALID)) {
            tlbHits.inc();
        } else if (!miss(a, va, slot, elemUnaligned)) {
            return false;
        }
        long info = tlbInfo[slot];
        curPa = tlbPa[slot] | off;
        curIpa = tlbIpa[slot] | off;
        curInfo = info;
        return checks(a, va, info, elemUnaligned);
    }

    /** A TLB miss: counted, then the walk fills {@code slot} (or the access faults). */
    private boolean miss(Access a, long va, int slot, boolean elemUnaligned) {
        tlbMisses.inc();
        return fill(a, va, slot, elemUnaligned);
    }

    private boolean checks(Access a, long va, long info, boolean elemUnaligned) {
        if (!s1PermOk(a, info)) {
            fault(a, Status.PERMISSION_FAULT, (int) (info >>> I_S1LEVEL) & 3, 1, va, 0, false, -1);
            return false;
        }
        int s1Type = (int) (info >>> I_S1TYPE) & 0xF;
        // the types are known from here on: fault reports name the memory type that faulted
        a.s1Type = s1Type;
        a.s2Type = (info & I_S2) != 0 ? (int) (info >>> I_S2TYPE) & 0xF : -1;
        a.memType = (int) (info >>> I_MEMTYPE) & 0xF;
        boolean fetch = a.kind == Access.FETCH;
        if (!fetch && elemUnaligned && s1Type <= MemoryType.DEVICE_GRE.ordinal()) {
            alignmentFault(a, 1, va, 0); // any unaligned access to Device memory, whatever SCTLR_EL1.A (DDI 0487 B2.5.2)
            return false;
        }
        return (info & I_S2) == 0 || stage2Checks(a, va, info, fetch, elemUnaligned);
    }

    /** The stage-2 part of {@link #checks}: permission, then alignment from the combined type. */
    private boolean stage2Checks(Access a, long va, long info, boolean fetch, boolean elemUnaligned) {
        if (!s2PermOk(a, info)) {
            fault(a, Status.PERMISSION_FAULT, (int) (info >>> I_S2LEVEL) & 3, 2, va, curIpa, false, -1);
            return false;
        }
        int memType = (int) (info >>> I_MEMTYPE) & 0xF;
        if (!fetch && elemUnaligned && memType <= MemoryType.DEVICE_GRE.ordinal()) {
            // Device only because of stage 2: reported as a stage-2 fault with the IPA [inferred, DDI 0487 D8.5.5]
            alignmentFault(a, 2, va, curIpa);
            return false;
        }
        return true;
    }

    private static boolean s1PermOk(Access a, long info) {
        boolean el0 = a.has(Access.F_LOWER_EL);
        if (el0 && (info & I_EL0) == 0) {
            return false;
        }
        if (a.kind == Access.FETCH) {
            if (el0) {
                return (info & I_UXN) == 0;
            }
            // PXN, and EL1 may not execute memory writable at EL0 (DDI 0487 D8.4.1.1)
            return (info & I_PXN) == 0 && !((info & I_EL0) != 0 && (info & I_RO) == 0);
        }
        boolean write = a.kind == Access.WRITE || a.has(Access.F_ZVA);
        return !(write && (info & I_RO) != 0);
    }

    private static boolean s2PermOk(Access a, long info) {
        if (a.kind == Access.FETCH) {
            return (info & I_S2XN) == 0 && (info & I_S2R) != 0;
        }
        boolean write = a.kind == Access.WRITE || a.has(Access.F_ZVA);
        return write ? (info & I_S2W) != 0 : (info & I_S2R) != 0;
    }

    /**
     * A TLB miss: stage-1 walk, stage-1 checks, stage-2 walk of the output, then the entry.
     * Faults found on the way are reported with their level and stage; nothing is cached then.
     */
    private boolean fill(Access a, long va, int slot, boolean elemUnaligned) {
        long ipa;
        long s1Info;
        if (s1Enabled) {
            walksS1.inc();
            if (!walkS1(va)) {
                fault(a, fStatus, fLevel, fStage, va, fAddr, fS1ptw, fFsc); // fAddr: the VA at stage 1, the IPA at stage 2
                return false;
            }
            ipa = s1Out;
            int attrIndx = (int) (s1Leaf >>> ATTRINDX_SHIFT) & 7;
            int t = Mair.typeOrdinal(Mair.attr(mair, attrIndx));
            if (t < 0) {
                mairReserved.inc(); // UNPREDICTABLE: gvsim takes the most restrictive type [inferred]
                t = MemoryType.DEVICE_NGNRNE.ordinal();
            }
            boolean el0 = (s1Leaf & AP1_EL0) != 0 && (s1TableAttrs & AP_TABLE_NO_EL0) == 0;
            boolean ro = (s1Leaf & AP2_RO) != 0 || (s1TableAttrs & AP_TABLE_RO) != 0;
            boolean uxn = (s1Leaf & UXN) != 0 || (s1TableAttrs & UXN_TABLE) != 0;
            boolean pxn = (s1Leaf & PXN) != 0 || (s1TableAttrs & PXN_TABLE) != 0;
            s1Info = ((long) t << I_S1TYPE) | ((long) s1Level << I_S1LEVEL) | (el0 ? I_EL0 : 0) | (ro ? I_RO : 0) | (uxn ? I_UXN : 0)
                    | (pxn ? I_PXN : 0);
        } else {
            // SCTLR_EL1.M = 0: VA = IPA, data accesses Device-nGnRnE (DDI 0487 D8.2.10), all permissions
            if ((va >>> paBits) != 0) {
                fault(a, Status.ADDRESS_SIZE_FAULT, 0, 1, va, 0, false, -1);
                return false;
            }
            ipa = va;
            s1Info = ((long) MemoryType.DEVICE_NGNRNE.ordinal() << I_S1TYPE) | I_EL0;
        }
        // Stage-1 checks come before any stage-2 fault on the output address. Until stage 2 is known
        // the access's type is stage 1's (what a stage-2 fault report names as its memType).
        curIpa = ipa;
        if (!checks(a, va, s1Info | (((s1Info >>> I_S1TYPE) & 0xF) << I_MEMTYPE), elemUnaligned)) {
            return false;
        }
        long pa = ipa;
        long info = s1Info;
        int s1Type = (int) (s1Info >>> I_S1TYPE) & 0xF;
        if (s2Enabled) {
            walksS2.inc();
            if (!walkS2(ipa)) {
                fault(a, fStatus, fLevel, 2, va, ipa, false, fFsc);
                return false;
            }
            pa = s2Out;
            int code = Stage2Attr.decode((int) (s2Leaf >>> S2_MEMATTR_SHIFT) & 0xF, fwb);
            if (code == Stage2Attr.RESERVED) {
                s2Reserved.inc();
            }
            int s2Type = Stage2Attr.typeOf(code, s1Type);
            if (s2Type < 0) {
                s2Type = MemoryType.DEVICE_NGNRNE.ordinal();
            }
            int mem = AttrCombine.combine(s1Type, code);
            info |= I_S2 | ((long) s2Type << I_S2TYPE) | ((long) mem << I_MEMTYPE) | ((long) s2Level << I_S2LEVEL)
                    | ((s2Leaf & S2AP_R) != 0 ? I_S2R : 0) | ((s2Leaf & S2AP_W) != 0 ? I_S2W : 0) | ((s2Leaf & UXN) != 0 ? I_S2XN : 0);
        } else {
            info |= (long) s1Type << I_MEMTYPE;
        }
        long vpn = va >>> 12;
        tlbTag[slot] = vpn | TAG_VALID;
        tlbPa[slot] = pa & ~0xFFFL;
        tlbIpa[slot] = ipa & ~0xFFFL;
        tlbInfo[slot] = info;
        return true;
    }

    private void setFault(Status s, int level, int stage, long addr, boolean s1ptw, int fsc) {
        fStatus = s;
        fLevel = level;
        fStage = stage;
        fAddr = addr;
        fS1ptw = s1ptw;
        fFsc = fsc;
    }

    /** Stage-1 walk of {@code va}: s1Out/s1Level/s1Leaf/s1TableAttrs, or a fault in the f* fields. */
    private boolean walkS1(long va) {
        long table;
        int level;
        int firstBits;
        if ((va >>> s1Bits0) == 0) {
            table = ttbr0;
            level = s1Start0;
            firstBits = s1First0;
        } else if ((va >> s1Bits1) == -1L) {
            table = ttbr1;
            level = s1Start1;
            firstBits = s1First1;
        } else {
            setFault(Status.TRANSLATION_FAULT, 0, 1, va, false, -1); // outside both TTBR ranges: level 0
            return false;
        }
        long tableAttrs = 0;
        int bits = firstBits;
        for (;;) {
            int sh = TableSpace.shift(level);
            long descIpa = table + (((va >>> sh) & ((1L << bits) - 1)) << 3);
            long descPa = descIpa;
            if (s2Enabled) {
                if (!walkS2(descIpa)) {
                    setFault(fStatus, fLevel, 2, descIpa, true, fFsc);
                    return false;
                }
                if ((s2Leaf & S2AP_R) == 0) {
                    setFault(Status.PERMISSION_FAULT, s2Level, 2, descIpa, true, -1);
                    return false;
                }
                descPa = s2Out;
            }
            if (!s1Space.contains(descPa)) {
                setFault(Status.EXTERNAL_ABORT, level, 1, va, false, Esr.FSC_EXTABT_WALK | level);
                return false;
            }
            long d = s1Space.read(descPa);
            descReads.inc();
            if ((d & TableSpace.DESC_VALID) == 0) {
                setFault(Status.TRANSLATION_FAULT, level, 1, va, false, -1);
                return false;
            }
            if (level < 3 && (d & 2) != 0) {
                long next = d & TableSpace.OA_MASK;
                if ((next >>> paBits) != 0) {
                    setFault(Status.ADDRESS_SIZE_FAULT, level, 1, va, false, -1);
                    return false;
                }
                tableAttrs |= d & TABLE_ATTRS;
                table = next;
                level++;
                bits = 9;
                continue;
            }
            if (level == 3 ? (d & 2) == 0 : level == 0) {
                setFault(Status.TRANSLATION_FAULT, level, 1, va, false, -1); // reserved encoding / no level-0 block
                return false;
            }
            long span = 1L << sh;
            long oa = d & TableSpace.OA_MASK & -span;
            if ((oa >>> paBits) != 0) {
                setFault(Status.ADDRESS_SIZE_FAULT, level, 1, va, false, -1);
                return false;
            }
            if ((d & AF) == 0) {
                setFault(Status.ACCESS_FLAG_FAULT, level, 1, va, false, -1);
                return false;
            }
            s1Out = oa | (va & (span - 1));
            s1Level = level;
            s1Leaf = d;
            s1TableAttrs = tableAttrs;
            return true;
        }
    }

    /** Stage-2 walk of {@code ipa}: s2Out/s2Level/s2Leaf, or a fault (stage 2, address = IPA). */
    private boolean walkS2(long ipa) {
        if ((ipa >>> ipaBits) != 0) {
            setFault(Status.TRANSLATION_FAULT, 0, 2, ipa, false, -1);
            return false;
        }
        long table = vttbr;
        int level = s2Start;
        int bits = s2First;
        for (;;) {
            int sh = TableSpace.shift(level);
            long descAddr = table + (((ipa >>> sh) & ((1L << bits) - 1)) << 3);
            if (!s2Space.contains(descAddr)) {
                setFault(Status.EXTERNAL_ABORT, level, 2, ipa, false, Esr.FSC_EXTABT_WALK | level);
                return false;
            }
            long d = s2Space.read(descAddr);
            descReads.inc();
            if ((d & TableSpace.DESC_VALID) == 0) {
                setFault(Status.TRANSLATION_FAULT, level, 2, ipa, false, -1);
                return false;
            }
            if (level < 3 && (d & 2) != 0) {
                table = d & TableSpace.OA_MASK;
                level++;
                bits = 9;
                continue;
            }
            if (level == 3 ? (d & 2) == 0 : level == 0) {
                setFault(Status.TRANSLATION_FAULT, level, 2, ipa, false, -1);
                return false;
            }
            long span = 1L << sh;
            long oa = d & TableSpace.OA_MASK & -span;
            if ((oa >>> paBits) != 0) {
                setFault(Status.ADDRESS_SIZE_FAULT, level, 2, ipa, false, -1);
                return false;
            }
            if ((d & AF) == 0) {
                setFault(Status.ACCESS_FLAG_FAULT, level, 2, ipa, false, -1);
                return false;
            }
            s2Out = oa | (ipa & (span - 1));
            s2Level = level;
            s2Leaf = d;
            return true;
        }
    }

    private void alignmentFault(Access a, int stage, long va, long ipa) {
        fault(a, Status.ALIGNMENT_FAULT, 0, stage, va, ipa, false, Esr.FSC_ALIGN);
    }

    /**
     * Ends {@code a} with a CPU abort. {@code detail} is the syndrome of the EL the abort is taken
     * to: ESR_EL1 for stage-1 faults (EC 0x25, or 0x24 with F_LOWER_EL), ESR_EL2 for stage-2 faults
     * (always EC 0x24, from the guest to EL2). {@code fsc} -1 derives the FSC from status and level.
     * The fault address is the VA being translated at either stage (FAR_EL1, or FAR_EL2 for a
     * stage-2 fault); a stage-2 fault also gives the faulting IPA ({@code ipa}: the output of stage 1,
     * or for S1PTW the IPA of the stage-1 table descriptor), which HPFAR_EL2.FIPA reports (ARM DDI
     * 0487, FAR_EL2 and HPFAR_EL2).
     */
    private void fault(Access a, Status s, int level, int stage, long va, long ipa, boolean s1ptw, int fsc) {
        if (fsc < 0) {
            fsc = Esr.fsc(s, level);
        }
        boolean lower = stage == 2 || a.has(Access.F_LOWER_EL);
        boolean write = !s1ptw && (a.kind == Access.WRITE || a.has(Access.F_ZVA));
        long esr = a.kind == Access.FETCH ? Esr.instructionAbort(lower, s1ptw, fsc) : Esr.dataAbort(lower, write, s1ptw, fsc);
        a.fail(s, esr);
        a.faultAddress = va;
        a.faultIpa = stage == 2 ? ipa : 0;
        a.faultLevel = level;
        a.faultStage = stage;
        Counter c = faultsByStatus[s.ordinal()];
        if (c != null) {
            c.inc();
        }
        if (stage == 2) {
            faultsStage2.inc();
        }
    }

    /** Counters of this MMU, sorted by name (zeros included so the schema is stable). */
    public Map<String, Object> report() {
        Map<String, Object> out = new TreeMap<>();
        Counter[] all = {tlbHits, tlbMisses, tlbFlushes, walksS1, walksS2, descReads, faultsStage2, mismatch, exclUncached, mairReserved,
            s2Reserved, badSize, pageCross, pageCrossDiscontig, translations};
        for (Counter c : all) {
            out.put(c.name(), c.get());
        }
        for (Counter c : faultsByStatus) {
            if (c != null) {
                out.put(c.name(), c.get());
            }
        }
        out.put("mmu.s1_table_pages", s1Space.tablesAllocated());
        out.put("mmu.s2_table_pages", s2Space.tablesAllocated());
        out.put("mmu.fwb", fwb);
        out.put("mmu.stage2", s2Enabled);
        return out;
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String stateName() {
        return "mmu";
    }

    /**
     * Translation registers and the table allocators' cursors; the stage-2 table memory (host-private)
     * inline, and the TLB contents (so the continued run's hit/miss counters equal an uninterrupted
     * run's). Stage-1 tables live in guest RAM and are saved with it.
     */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putLong(ttbr0).putLong(ttbr1).putLong(vttbr).putLong(mair);
        w.putBoolean(s1Enabled).putBoolean(s2Enabled).putBoolean(fwb);
        w.putLong(s1Space.next()).putLong(s1Space.tablesAllocatedCount());
        w.putLong(s2Space.next()).putLong(s2Space.tablesAllocatedCount());
        s2Space.mem.saveState(w);
        w.putInt(tlbTag.length);
        for (int i = 0; i < tlbTag.length; i++) {
            w.putLong(tlbTag[i]).putLong(tlbPa[i]).putLong(tlbIpa[i]).putLong(tlbInfo[i]);
        }
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        long t0 = r.getLong();
        long t1 = r.getLong();
        if (t0 != ttbr0 || t1 != ttbr1) {
            throw new dev.gvsim.simcore.InputException("checkpoint mmu: TTBR0/TTBR1 0x" + Long.toHexString(t0) + "/0x" + Long.toHexString(t1)
                    + " differ from this machine's (different mmu.* table parameters?)");
        }
        vttbr = r.getLong();
        mair = r.getLong();
        s1Enabled = r.getBoolean();
        s2Enabled = r.getBoolean();
        fwb = r.getBoolean();
        s1Space.restoreCursor(r.getLong(), r.getLong());
        s2Space.restoreCursor(r.getLong(), r.getLong());
        s2Space.mem.restoreState(r);
        int n = r.getInt();
        if (n != tlbTag.length) {
            throw new dev.gvsim.simcore.InputException("checkpoint mmu: TLB of " + n + " entries, this machine has " + tlbTag.length
                    + " (mmu.tlb.entries differs)");
        }
        for (int i = 0; i < n; i++) {
            tlbTag[i] = r.getLong();
            tlbPa[i] = r.getLong();
            tlbIpa[i] = r.getLong();
            tlbInfo[i] = r.getLong();
        }
    }
}
