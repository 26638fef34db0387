package dev.gvsim.arm64mmu;

import java.util.List;

import dev.gvsim.simcore.ParamDef;

/** Every parameter of the arm64-mmu module ({@code mmu.*} for translation, {@code mem.*} for timing). */
public final class MmuParams {
    private MmuParams() {
    }

    // ---- translation -------------------------------------------------------------------------

    public static final ParamDef S1_TABLE_POOL = ParamDef.longParam("mmu.s1_table_pool", 4L << 20, "bytes",
            "estimate: 1024 4 KiB tables, enough for ~2 GiB of 4 KiB pages plus intermediate tables",
            "size of the top slice of guest RAM that holds the stage-1 tables the page-table builder writes (the kernel's page tables live in guest RAM)");
    public static final ParamDef S2_TABLE_POOL = ParamDef.longParam("mmu.s2_table_pool", 64L << 20, "bytes",
            "estimate: bound on hypervisor memory for stage-2 tables (allocated lazily)",
            "size of the private host memory holding stage-2 tables");
    public static final ParamDef TCR_T0SZ = ParamDef.longParam("mmu.tcr.t0sz", 16, "",
            "Linux CONFIG_ARM64_VA_BITS_48: TCR_EL1.T0SZ = 64 - 48 (arch/arm64/mm/proc.S)",
            "TCR_EL1.T0SZ: TTBR0 covers VA [0, 2^(64-T0SZ)); 16..39 with the 4 KiB granule");
    public static final ParamDef TCR_T1SZ = ParamDef.longParam("mmu.tcr.t1sz", 16, "",
            "Linux CONFIG_ARM64_VA_BITS_48: TCR_EL1.T1SZ = 64 - 48",
            "TCR_EL1.T1SZ: TTBR1 covers VA [2^64 - 2^(64-T1SZ), 2^64); 16..39");
    public static final ParamDef VTCR_T0SZ = ParamDef.longParam("mmu.vtcr.t0sz", 24, "",
            "KVM default IPA size 40 bits (KVM_PHYS_SHIFT, arch/arm64/include/asm/kvm_mmu.h): VTCR_EL2.T0SZ = 64 - 40",
            "VTCR_EL2.T0SZ: IPA size 64-T0SZ bits; 16..39; start level as KVM computes it, with concatenated first-level tables");
    public static final ParamDef PA_BITS = ParamDef.longParam("mmu.pa_bits", 48, "bits",
            "TCR_EL1.IPS / VTCR_EL2.PS = 0b101 (48 bits), what Linux and KVM program on 48-bit PA parts",
            "output address size; a descriptor pointing above it gives an address size fault");
    public static final ParamDef TLB_ENTRIES = ParamDef.longParam("mmu.tlb.entries", 1024, "entries",
            "estimate: Neoverse N1 L2 TLB has 1280 entries (N1 TRM); rounded to a power of two for direct mapping",
            "combined stage-1+2 TLB, direct-mapped, 4 KiB granularity; power of two, 16..65536");
    public static final ParamDef S1_ENABLED = ParamDef.bool("mmu.sctlr.m", true,
            "Linux runs with SCTLR_EL1.M = 1",
            "SCTLR_EL1.M: stage-1 translation enabled; off means VA = IPA and data accesses are Device-nGnRnE (DDI 0487 D8.2.10)");
    public static final ParamDef SCTLR_A = ParamDef.bool("mmu.sctlr.a", false,
            "Linux INIT_SCTLR_EL1_MMU_ON leaves SCTLR_EL1.A clear (arch/arm64/include/asm/sysreg.h)",
            "SCTLR_EL1.A: alignment check on every data access");
    public static final ParamDef FEAT_LSE2 = ParamDef.bool("mmu.feat_lse2", false,
            "FEAT_LSE2 (Large System Extensions v2) is an Armv8.4 feature (DDI 0487 B2.5.2); off models an Armv8.2 part such as Neoverse N1",
            "unaligned acquire/release and LSE atomics are allowed on Normal memory if they stay inside an aligned 16-byte granule (exclusives still fault)");
    public static final ParamDef EXCL_UNCACHED = ParamDef.string("mmu.excl_uncached", "allowed",
            "DDI 0487 B2.9: exclusives/atomics on Non-cacheable or Device memory are IMPLEMENTATION DEFINED; the qxl IRQ handler's xchg on a BAR works on the reference run",
            "exclusive or atomic access to Device or Normal-NC memory: allowed | external_abort (DFSC 0x10) | unsupported_fault (DFSC 0x35); always counted");
    public static final ParamDef USE_BLOCKS = ParamDef.bool("mmu.use_blocks", true,
            "Linux ioremap uses 2 MiB/1 GiB block mappings when aligned (CONFIG_HAVE_ARCH_HUGE_VMAP); KVM maps memslots with blocks",
            "the page-table builder writes level-1/level-2 block descriptors when address and size allow");
    public static final ParamDef S2_MAP_GUEST_RAM = ParamDef.bool("mmu.s2.map_guest_ram", true,
            "KVM maps guest RAM memslots Normal-WB (MT_S2_NORMAL / MT_S2_FWB_NORMAL) at stage 2",
            "when stage 2 is first enabled, identity-map guest RAM as Normal-WB so stage-1 walks and RAM accesses keep working");

    // ---- timing ------------------------------------------------------------------------------

    public static final ParamDef WC_LINE_BYTES = ParamDef.longParam("mem.wc.line_bytes", 64, "bytes",
            "estimate: 64-byte write-combining buffers (unseel.com/cs/write-combining, x86-centric placeholder; facts section 7)",
            "write-combining buffer line: gathered stores merge into one transaction per line; power of two, 8..4096");
    public static final ParamDef WC_TIMEOUT = ParamDef.duration("mem.wc.timeout", "1us",
            "estimate: no published figure; a partially filled WC line drains after this idle time",
            "a write-combining line not written for this long is flushed");
    public static final ParamDef WC_STORE = ParamDef.duration("mem.wc.store", "1ns",
            "estimate: a store into the WC buffer costs about as much as a cache store (2 cycles at 2 GHz)",
            "CPU-visible latency of a store merged into the write-combining buffer");
    public static final ParamDef UC_ROUND_TRIP = ParamDef.duration("mem.uc.round_trip", "150ns",
            "estimate: 50-200 ns per uncached bus transaction (unseel.com/cs/write-combining placeholder; facts section 7)",
            "round trip of a non-posted uncached transaction (reads, Device-nGnRnE writes), on top of the target's own latency");
    public static final ParamDef UC_POSTED_ACK = ParamDef.duration("mem.uc.posted_ack", "10ns",
            "estimate: early write acknowledgement from the interconnect, no published figure",
            "CPU-visible latency of a posted (early-acknowledged) write when the path is free");
    public static final ParamDef UC_TXN_OVERHEAD = ParamDef.duration("mem.uc.txn_overhead", "16ns",
            "estimate: per-transaction occupancy of the CPU-to-PCIe path (TLP header, DLLP, ordering point); chosen inside the 50-200 ns per-transaction range's lower part",
            "time one uncached transaction occupies the path besides its payload; bounds the rate of posted writes");
    public static final ParamDef LINK_BYTES_PER_NS = ParamDef.doubleParam("mem.link.bytes_per_ns", 15.75, "bytes/ns",
            "PCIe 3.0 x16: 8 GT/s x 16 lanes x 128/130 / 8 = 15.75 GB/s (PCIe Base 3.0 section 4.2)",
            "payload bandwidth of the uncached path");
    public static final ParamDef CACHE_HIT = ParamDef.duration("mem.cache.hit", "2ns",
            "estimate: Neoverse N1 L1D load-use 4 cycles at 2 GHz (N1 TRM)",
            "latency of a Normal-WB/WT access (modelled as a cache hit)");
    public static final ParamDef MAX_CPUS = ParamDef.longParam("mem.max_cpus", 64, "cpus",
            "estimate: bound on per-CPU write-combining state",
            "initiators 0..max_cpus-1 get their own write-combining buffer; others share by modulo (counted)");

    public static final ParamDef BULK_DEVICE_ELEMENT = ParamDef.longParam("mem.bulk.device_element_bytes", 8, "bytes",
            "Linux memcpy_toio/memcpy_fromio on arm64 move 8 bytes per access once aligned (arch/arm64/kernel/io.c)",
            "a bulk access to a non-gathering uncached type counts as size/this transactions");

    public static final List<ParamDef> ALL = List.of(S1_TABLE_POOL, S2_TABLE_POOL, TCR_T0SZ, TCR_T1SZ, VTCR_T0SZ, PA_BITS, TLB_ENTRIES,
            S1_ENABLED, SCTLR_A, FEAT_LSE2, EXCL_UNCACHED, USE_BLOCKS, S2_MAP_GUEST_RAM, WC_LINE_BYTES, WC_TIMEOUT, WC_STORE, UC_ROUND_TRIP,
            UC_POSTED_ACK, UC_TXN_OVERHEAD, LINK_BYTES_PER_NS, CACHE_HIT, MAX_CPUS, BULK_DEVICE_ELEMENT);
}
