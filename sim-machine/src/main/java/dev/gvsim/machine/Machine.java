package dev.gvsim.machine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.arm64mmu.Esr;
import dev.gvsim.arm64mmu.MemoryTiming;
import dev.gvsim.arm64mmu.Mmu;
import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.machine.display.HostDisplays;
import dev.gvsim.pciefabric.Apertures;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.DeviceMemory;
import dev.gvsim.pciefabric.Dma;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.PciHost;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AddressMap;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.Status;
import dev.gvsim.simcore.Target;

/**
 * One simulated arm {@code virt} machine: guest RAM, the MMU and its timing, the system address map
 * (RAM, the PCIe MMIO/PIO/ECAM apertures of the gpex host bridge) and the PCI tree with its devices.
 * Built by {@link MachineBuilder}; every access of a replay or of a guest model goes through
 * {@link #cpuAccess}, {@link #configAccess} or {@link #ioAccess}.
 */
public final class Machine {
    /** DCZID_EL0.BS = 4: DC ZVA zeroes 64 bytes (Cortex-A72/Neoverse; QEMU's max CPU reports the same). */
    public static final ParamDef ZVA_BLOCK = ParamDef.longParam("cpu.zva_block", 64, "B",
            "ARM DDI 0487 D13.2.35 DCZID_EL0.BS=4 (QEMU -cpu max/cortex-a72)", "bytes zeroed by one DC ZVA");
    /** Config access through ECAM: a non-posted read round trip to the root complex. */
    public static final ParamDef CONFIG_LATENCY = ParamDef.duration("pci.config_latency", "1us",
            "estimate: ECAM config cycles on arm virt are trapped MMIO exits in KVM (~1 us per access, QEMU/KVM exit cost)",
            "latency of one config-space access");
    /** A PCI I/O-space access (trapped by the VMM). */
    public static final ParamDef IO_LATENCY = ParamDef.duration("pci.io_latency", "1us",
            "estimate: PIO on arm virt is MMIO to the PIO window, a KVM exit to QEMU (~1 us)",
            "latency of one PCI I/O access: an iord/iowr record, and under --stage2 kvm/kvm-fwb an access to the PIO window (a trap)");
    /** Which policy assigns bus numbers, BARs and windows before the guest runs. */
    public static final ParamDef ALLOCATOR = ParamDef.string("pci.allocator", "linux",
            "linux: drivers/pci/setup-bus.c as on arm virt with -kernel and a device tree (pci_host_probe, the reference runs); "
                    + "linux-acpi: as Linux 6.1 reassigns after UEFI with ACPI (pci_assign_unassigned_root_bus_resources); edk2: PciBusDxe; none",
            "resource assignment policy");
    /** Linux's pci=realloc setting for the linux-acpi policy. */
    public static final ParamDef LINUX_REALLOC = ParamDef.string("pci.linux_realloc", "auto",
            "drivers/pci/setup-bus.c pci_realloc_get_opt, pci_realloc_detect (Linux 6.1.192); auto: no pci=realloc on the kernel command line, "
                    + "CONFIG_PCI_REALLOC_ENABLE_AUTO=y in Debian's linux-image-6.1.0-57-arm64 config",
            "linux-acpi: off (pci=realloc=off), on (pci=realloc: depth+1 passes, hot-plug sizes as minimum sizes before the last), "
                    + "auto (on only when an SR-IOV VF BAR is unassigned)");
    public static final ParamDef RAM_SIZE = ParamDef.longParam("machine.ram_size", VirtMemoryMap.DEFAULT_RAM_SIZE, "B",
            "docs/facts/qemu-reference-runs.md: -m 1024", "guest RAM at 0x40000000");

    public static final List<ParamDef> PARAMS = List.of(ZVA_BLOCK, CONFIG_LATENCY, IO_LATENCY, ALLOCATOR, LINUX_REALLOC, RAM_SIZE);

    final String args;
    final EventKernel kernel = new EventKernel();
    final Params params;
    final Stats stats = new Stats();
    final SparseMemory ram;
    /** What a bus-mastering device reaches: guest RAM (no IOMMU). */
    final Dma dma;
    final Mmu mmu;
    final MemoryTiming timing;
    final PciHost host;
    final AddressMap system = new AddressMap("system");
    final List<PciFunction> devices = new ArrayList<>();
    final Map<String, IrqLine> irqs = new TreeMap<>();
    /** The host display side the devices' outputs feed (display.pipeline; none by default). */
    final HostDisplays displays;
    /** Off only in tests, which check the direct MMIO32 route in {@link #cpuAccess} against the system map. */
    boolean directMmio32 = true;
    /** The 32-bit PCIe window of the host's apertures, for the direct route in {@link #cpuAccess}. */
    private final long mmio32Base;
    private final long mmio32Size;
    private final long configLatency;
    private final long ioLatency;
    private final int zvaBlock;

    Machine(String args, Params params) {
        this.args = args;
        this.params = params;
        // one clock and one Stats per machine: resets (FLR, SBR, D3hot->D0) are timed by the kernel's
        // clock, and the fabric's pcie.* counters are the machine's (saved in its stats section)
        this.host = new PciHost(params, stats, kernel);
        long ramSize = params.getLong(RAM_SIZE);
        if (ramSize < (64L << 20) || ramSize > (256L << 30)) {
            throw new IllegalArgumentException("machine.ram_size=" + ramSize + " outside 64 MiB..256 GiB");
        }
        this.ram = new SparseMemory("ram", ramSize);
        this.dma = Dma.of(ram, VirtMemoryMap.RAM_BASE); // no IOMMU on arm virt as modelled: bus addresses are guest physical
        this.mmu = new Mmu(ram, VirtMemoryMap.RAM_BASE, params, stats);
        this.timing = new MemoryTiming(params, stats);
        this.configLatency = params.getDuration(CONFIG_LATENCY);
        this.ioLatency = params.getDuration(IO_LATENCY);
        this.zvaBlock = (int) params.getLong(ZVA_BLOCK);
        this.displays = new HostDisplays(params, kernel.scheduler("display"), stats);
        if (Long.bitCount(zvaBlock) != 1 || zvaBlock < 16 || zvaBlock > 2048) {
            throw new IllegalArgumentException("cpu.zva_block=" + zvaBlock + " must be a power of two in 16..2048");
        }
        system.add("ram", VirtMemoryMap.RAM_BASE, ramSize, ram);
        Target pciMem = (a, off) -> host.memAccess(a);
        // The MMIO apertures are routed with absolute addresses: restore them from the offset.
        // the PCIe apertures are the host bridge's (one Apertures per machine: the map, the direct
        // route below, --stage2 and the allocators all read the same one)
        Apertures ap = host.apertures();
        this.mmio32Base = ap.mmio32Base;
        this.mmio32Size = ap.mmio32Size;
        system.add("pcie-mmio", ap.mmio32Base, ap.mmio32Size, new AbsoluteTarget(ap.mmio32Base, pciMem));
        system.add("pcie-pio", ap.pioBase, ap.pioSize, (a, off) -> {
            host.ioAccess(a, off);
            if (timing.trapsEmulated()) {
                // under a host stage 2 the PIO window is a KVM exit to QEMU (pci.io_latency), as an iord/iowr record costs
                a.latencyPs += ioLatency;
            }
        });
        Target ecam = host.ecam(); // marks the access emulated (F_EMULATED)
        system.add("pcie-ecam", ap.ecamBase, ap.ecamSize, (a, off) -> {
            ecam.access(a, off);
            if (timing.trapsEmulated()) {
                a.latencyPs += configLatency; // a KVM exit to QEMU, as a cfgrd/cfgwr record costs
            }
        });
        system.add("pcie-mmio-high", ap.mmio64Base, ap.mmio64Size, new AbsoluteTarget(ap.mmio64Base, pciMem));
    }

    /** Puts the absolute address back into the Access before handing it to the PCI host. */
    private static final class AbsoluteTarget implements Target {
        private final long base;
        private final Target next;

        AbsoluteTarget(long base, Target next) {
            this.base = base;
            this.next = next;
        }

        @Override
        public void access(Access a, long offset) {
            a.address = base + offset;
            next.access(a, offset);
        }
    }

    public String args() {
        return args;
    }

    /** The host display side (display.pipeline). */
    public HostDisplays displays() {
        return displays;
    }

    public EventKernel kernel() {
        return kernel;
    }

    public Params params() {
        return params;
    }

    public Stats stats() {
        return stats;
    }

    public Mmu mmu() {
        return mmu;
    }

    /** The memory-type timing: write gathering and the per-type access, transaction and byte counters. */
    public MemoryTiming memoryTiming() {
        return timing;
    }

    public SparseMemory ram() {
        return ram;
    }

    public PciHost pci() {
        return host;
    }

    public List<PciFunction> devices() {
        return Collections.unmodifiableList(devices);
    }

    /** The first device built by {@code -device driver} ({@code qxl}), or null. */
    public PciFunction device(String driver) {
        for (PciFunction f : devices) {
            if (f.typeName().equals(driver)) {
                return f;
            }
        }
        return null;
    }

    /** The interrupt line of a device (INTx), by device id. */
    public IrqLine irq(PciFunction f) {
        return irqs.get(f.id());
    }

    public int zvaBlockBytes() {
        return zvaBlock;
    }

    /**
     * A CPU load or store: stage 1 (and 2) translation with attributes and alignment, the system bus
     * to RAM or a PCI aperture, then the memory-type timing. On return {@code a.latencyPs} is the
     * CPU-visible latency and {@code a.status} the outcome.
     */
    public void cpuAccess(Access a, long now) {
        mmu.translate(a);
        if (!a.ok()) {
            return;
        }
        if (a.has(Access.F_ZVA)) {
            // DC ZVA writes zeros (the block is issued as 16-byte writes by the replayer)
            a.data = 0;
            a.dataHi = 0;
        }
        long mmio = a.address - mmio32Base;
        if (directMmio32 && mmio >= 0 && mmio <= mmio32Size - Math.max(1, a.size)) {
            // The 32-bit PCIe window, where guest drivers' BARs live: what system.route does for an
            // access wholly inside it (a fixed range; its target keeps the address absolute), without
            // the range search and two indirections (issue 9: ~10 % of a real-trace replay).
            host.mmio32Access(a);
        } else if (!system.route(a)) {
            // No one decodes this PA on arm virt: the interconnect answers with a SLVERR, which the
            // CPU takes as a synchronous external abort (ARM DDI 0487 D13.2.37 DFSC 0b010000).
            a.fail(Status.EXTERNAL_ABORT, externalAbortEsr(a));
            a.faultAddress = a.va;
            a.faultStage = 0;
            return;
        }
        if (a.status == Status.EXTERNAL_ABORT) {
            // A device refused the access (AccessRules: QEMU memory_region_access_valid ->
            // MEMTX_DECODE_ERROR, which arm takes as a synchronous external abort). The bus left its
            // register offset in detail; the CPU reports ESR_EL1 and FAR like any external abort.
            a.detail = externalAbortEsr(a);
            a.faultAddress = a.va;
            a.faultStage = 0;
        }
        timing.complete(a, now);
    }

    /**
     * Opens a run of stores (issue 29). {@code a} is the first of up to {@code max} stores, filled as
     * for {@link #cpuAccess} ({@link Access#F_NO_DATA} when the stores carry no value); store i is the
     * same with its VA {@code i * a.size} further on. Returns true when every store of the run would
     * take the short paths of {@link #cpuAccess} with the same outcome but the address, as long as
     * nothing else reaches the machine meanwhile (no other access, no kernel event): one TLB entry
     * ({@code Mmu.plainHit}), the 32-bit PCIe window and the PCI host's decode cache to a BAR's
     * plain memory, write gathering of a Device-GRE or Normal-NC store. The caller then issues them
     * with {@link #runStore} and ends the run with {@link #closeRun}; the counters, memory and timing
     * state are then what as many {@link #cpuAccess} calls leave (ReplayBatchDifferentialTest). Returns false when
     * the run is not of that kind, with nothing changed but {@code a}'s address and types (the caller
     * refills {@code a} and takes {@link #cpuAccess}).
     */
    public boolean openRun(Access a, int max) {
        if (max <= 0 || a.kind != Access.WRITE || !directMmio32 || (a.flags & Access.F_ZVA) != 0 || !mmu.plainRun(a, max)) {
            return false;
        }
        long span = (long) max * a.size;
        long mmio = a.address - mmio32Base;
        if (mmio < 0 || mmio > mmio32Size - span || !timing.acceptsRun(a.initiator, a.memType, a.address, a.size, a.flags)) {
            return false;
        }
        long off = host.plainRunOffset(a, max);
        if (off < 0) {
            return false;
        }
        SparseMemory mem = host.plainRunMemory();
        if (!mem.contains(off, span)) {
            return false;
        }
        runFirst = a;
        runMemory = mem;
        runOffset = off;
        runAddress = a.address;
        runType = a.memType;
        runCpu = a.initiator;
        runSize = a.size;
        return true;
    }

    /** The first store of the open run (its translation and types), or null. */
    private Access runFirst;
    private SparseMemory runMemory;
    private long runOffset;
    private long runAddress;
    private int runType;
    private int runCpu;
    private int runSize;

    /**
     * Store {@code i} of the open run, issued at {@code now}, with {@code value} when the run's stores
     * carry values ({@code hasValue}); returns its CPU-visible latency.
     */
    public long runStore(int i, boolean hasValue, long value, long now) {
        long d = (long) i * runSize;
        if (hasValue) {
            runMemory.write(runOffset + d, runSize, value);
        }
        return timing.runStore(runCpu, runType, runAddress + d, runSize, now);
    }

    /** Ends the open run after {@code n} stores: counts them as {@link #cpuAccess} would have (MMU, PCI host, timing). */
    public void closeRun(int n) {
        Access a = runFirst;
        runFirst = null;
        if (n > 0) {
            mmu.countPlainRun(a, n);
            host.countPlainRun(n);
            timing.countRun(runType, n);
        }
    }

    /** A synchronous external abort on a data access (ARM DDI 0487 D13.2.37: DFSC 0b010000, WnR, no S1PTW). */
    private static long externalAbortEsr(Access a) {
        return Esr.dataAbort(a.has(Access.F_LOWER_EL), a.kind == Access.WRITE, false, Esr.FSC_EXTABT);
    }

    /** The {@code --stage2} modes. */
    public static final List<String> STAGE2_MODES = List.of("none", "kvm", "kvm-fwb");

    /**
     * Installs a host stage 2 the way KVM does for a QEMU guest (arch/arm64/kvm/mmu.c): guest RAM
     * and RAM-backed device memory (a BAR whose {@link PciFunction#memoryBehind} is plain memory is
     * a QEMU RAM region, hence a KVM memslot: QXL's BARs) identity mapped Normal-WB
     * ({@code PAGE_S2}); with {@code kvm-fwb}, HCR_EL2.FWB = 1 (KVM sets it when the CPU has
     * FEAT_S2FWB), so stage 2 forces write-back. Emulated regions (the PCI I/O window, BARs with
     * register semantics) are not memslots; KVM traps them to the VMM, modelled here as
     * Device-nGnRE stage-2 mappings whose trap cost is the device's and {@code pci.io_latency}; an
     * access that reaches one ({@link Access#F_EMULATED}) waits for it, a store included (not posted:
     * {@link dev.gvsim.arm64mmu.MemoryTiming#setTrapsEmulated}).
     * A BAR whose {@link PciFunction#stage2MemoryType} is non-null (a passed-through GPU's BARs, mapped
     * by the VMM's policy) gets that type instead.
     * Config accesses ({@code cfgrd}/{@code cfgwr}) do not go through the MMU.
     */
    public void applyStage2(String mode) {
        switch (mode) {
            case "none":
                return;
            case "kvm":
                mmu.setFwb(false);
                break;
            case "kvm-fwb":
                mmu.setFwb(true);
                break;
            default:
                throw new IllegalArgumentException("--stage2 must be one of " + STAGE2_MODES + ", got '" + mode + "'");
        }
        timing.setTrapsEmulated(true); // accesses to emulated regions trap to the VMM (MemoryTiming: not posted)
        mmu.s2map(VirtMemoryMap.RAM_BASE, VirtMemoryMap.RAM_BASE, ram.capacity(), dev.gvsim.arm64mmu.MemoryType.NORMAL_WB);
        Apertures ap = host.apertures();
        mmu.s2map(ap.pioBase, ap.pioBase, ap.pioSize,
                dev.gvsim.arm64mmu.MemoryType.DEVICE_NGNRE);
        // ECAM: emulated by QEMU's gpex, trapped like the PIO window (without a stage-2 entry the guest's
        // config accesses through ECAM took a stage-2 translation fault, which KVM never gives it)
        mmu.s2map(ap.ecamBase, ap.ecamBase, ap.ecamSize, dev.gvsim.arm64mmu.MemoryType.DEVICE_NGNRE);
        for (PciFunction f : host.functions()) { // the built devices and what they created on the bus (SR-IOV VFs)
            for (int i = 0; i < 6; i++) {
                Bar b = f.bar(i);
                long base = b == null || b.isIo() ? 0 : f.barAddress(i);
                if (base != 0) {
                    // the device's own stage-2 type (a passed-through BAR under the VMM's policy), else
                    // plain memory: a memslot; register semantics: emulated, trapped (see above)
                    String own = f.stage2MemoryType(b);
                    mmu.s2map(base, base, Math.max(b.size, 4096), own != null ? dev.gvsim.arm64mmu.MemoryType.fromTraceName(own)
                            : f.memoryBehind(b) != null ? dev.gvsim.arm64mmu.MemoryType.NORMAL_WB : dev.gvsim.arm64mmu.MemoryType.DEVICE_NGNRE);
                }
            }
        }
    }

    /** A config-space access through ECAM to {@code bdf}. */
    public void configAccess(Access a, int bdf, int offset) {
        a.address = host.apertures().ecamBase + ((long) bdf << 12) + offset;
        host.configAccess(a, bdf, offset);
        a.latencyPs += configLatency;
    }

    /** A PCI I/O-space access to {@code port}. */
    public void ioAccess(Access a, long port) {
        a.address = port;
        host.ioAccess(a, port);
        a.latencyPs += ioLatency;
    }

    /** Drains write buffers at the end of a run. */
    public void flushTiming(long end) {
        timing.flush(end);
    }

    /** Which device (and BAR) an address of a record belongs to, for mismatch reports. */
    public String describeAddress(Op op, long address) {
        if (op == Op.CFGRD || op == Op.CFGWR) {
            long off = address - host.apertures().ecamBase;
            int bdf = (int) (off >>> 12);
            PciFunction f = host.find(bdf);
            return (f != null ? f.id() : PciFunction.formatBdf(bdf)) + " config";
        }
        boolean io = op == Op.IORD || op == Op.IOWR;
        for (PciFunction f : host.functions()) {
            for (int i = 0; i < 6; i++) {
                Bar b = f.bar(i);
                if (b == null || b.isIo() != io) {
                    continue;
                }
                long base = f.barAddress(i);
                if (base != 0 && address >= base && address - base < b.size) {
                    return f.id() + " " + b.name;
                }
            }
        }
        if (io) {
            return "io";
        }
        int i = system.find(address);
        return i >= 0 ? system.nameAt(i) : "unmapped";
    }

    /**
     * Installs (null removes) an observer of every interconnect transaction after write gathering
     * ({@link dev.gvsim.arm64mmu.MemoryTiming#setObserver}): studies count transactions per BAR with it.
     */
    public void observeTransactions(dev.gvsim.arm64mmu.MemoryTiming.TransactionObserver o) {
        timing.setObserver(o);
    }

    public Map<String, Object> memoryTypeReport() {
        return timing.report();
    }

    /** Loads and stores that trapped to the VMM, and their latency; null without a host stage 2 ({@link #applyStage2}). */
    public Map<String, Object> trappedReport() {
        return timing.trapsEmulated() ? timing.trappedReport() : null;
    }

    public Map<String, Object> mmuReport() {
        return mmu.report();
    }

    /** Per-device state and counters, plus the fabric's, keyed by device id (sorted). */
    public Map<String, Object> deviceReport() {
        Map<String, Object> m = new TreeMap<>();
        m.put("pci", host.report());
        for (PciFunction f : devices) {
            Map<String, Object> r = f.report();
            if (!r.isEmpty()) {
                m.put(f.id(), r);
            }
        }
        if (displays.modelled()) {
            m.put("display", displays.report());
        }
        return m;
    }

    /** Effective parameter values (defaults and overrides), sorted. */
    public Map<String, Object> paramReport() {
        return params.effective();
    }

    // ------------------------------------------------------------------ checkpoints (issue 11)

    /**
     * Everything of this machine as checkpoint sections: guest RAM, MMU, memory timing, the PCI
     * host, every function's config space and device state, device memories, the event kernel and
     * the statistics. Order matters only for restore (see {@link #restoreState}).
     */
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.save(ram);
        w.save(mmu);
        w.save(timing);
        if ((Object) host instanceof dev.gvsim.simcore.state.Checkpointable hc) {
            w.save(hc);
        }
        for (PciFunction f : host.functions()) {
            w.save(f);
            for (DeviceMemory dm : f.memories()) {
                w.begin("devmem." + f.id() + "." + dm.name());
                dm.memory().saveState(w);
                w.end();
            }
        }
        for (IrqLine l : irqs.values()) {
            w.save(l);
        }
        w.save(kernel);
        w.save(stats);
    }

    /** Restores into this freshly built machine (same args): memories and registers first, then the kernel. */
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        r.restore(ram);
        r.restore(mmu);
        r.restore(timing);
        java.util.Set<PciFunction> restored = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (PciFunction f : host.functions()) {
            r.restore(f);
            restored.add(f);
        }
        for (PciFunction f : host.functions()) {
            if (!restored.contains(f)) {
                r.restore(f); // created by a restored function (an SR-IOV PF's VFs): their sections follow the PF's
            }
        }
        host.refreshBdfs();
        if ((Object) host instanceof dev.gvsim.simcore.state.Checkpointable hc) {
            r.restore(hc);
        }
        for (PciFunction f : host.functions()) {
            for (DeviceMemory dm : f.memories()) {
                r.open("devmem." + f.id() + "." + dm.name());
                dm.memory().restoreState(r);
            }
        }
        for (IrqLine l : irqs.values()) {
            r.restore(l); // after the devices: the line's level and edge count are the checkpoint's exactly
        }
        r.restore(kernel);
        r.restore(stats);
    }
}
