package dev.gvsim.pciefabric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SimTime;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.Status;
import dev.gvsim.simcore.Target;

/**
 * The arm {@code virt} GPEX root complex (QEMU hw/pci-host/gpex.c): root bus 0 ({@code pcie.0})
 * with the host bridge 1b36:0008 at 00:00.0, ECAM config decode, and routing of memory, I/O and
 * configuration requests down the tree by bus numbers and bridge windows. A request nobody claims
 * is a master abort (reads all ones, writes dropped), counted with its address; a request a bridge
 * window claims but nothing below decodes is an Unsupported Request completion, also all ones.
 *
 * <p>Resets follow their spec timing in simulated time, read from the machine's {@link Clock}
 * (its event kernel) given at construction: a function still in reset answers configuration reads
 * with Configuration Request Retry Status, which the root complex (CRS Software Visibility off)
 * turns into all ones.
 *
 * <p>Parts with their own seam are their own classes: {@link ConfigRequests} (ECAM and type 0/1
 * configuration routing), {@link HostResets} (reset timing), {@link FabricLog} (unclaimed requests
 * and the allocation outcome), {@link Lspci}, {@link HostState} (the report and checkpoint of the
 * per-function counters that routing keeps). What stays here is the tree and the memory and I/O
 * routing with its decode cache (the replay's hot path, which reads this class's private fields
 * directly).
 */
public final class PciHost implements dev.gvsim.simcore.state.Checkpointable {
    public static final String ROOT_BUS = "pcie.0";

    public static final ParamDef HOP_LATENCY = ParamDef.duration("pcie.hop_latency", "0ns",
            "assumption: the QEMU TCG reference runs carry no device latency; set it to study switch/port traversal",
            "latency added per bridge (root port, switch port, PCI bridge) a memory or I/O request crosses, each way");
    public static final ParamDef ISA_FILTER = ParamDef.bool("pcie.bridge_isa_filter", false,
            "default = QEMU (pci_bridge.c does not filter; docs/facts/qxl.md §6.2); true = PCI-to-PCI Bridge Arch 1.2 §3.2.5.18",
            "apply Bridge Control ISA Enable: do not forward the top 768 bytes of each 1 KiB of the I/O window below 64 KiB");
    public static final ParamDef VGA_ALIAS = ParamDef.bool("pcie.bridge_vga_10bit_alias", false,
            "PCI-to-PCI Bridge Arch 1.2 §3.2.5.18 (10-bit VGA decode unless VGA 16-bit decode); QEMU pci.c implements 16-bit only",
            "with VGA Enable and VGA 16-bit decode clear, forward VGA I/O aliases (address bits 9:0)");
    public static final ParamDef FLR_TIME = ParamDef.duration("pcie.flr_time", "100ms",
            "PCIe Base 4.0 §6.6.2: a function must complete FLR within 100 ms",
            "time after Initiate FLR during which the function answers config reads with CRS");
    public static final ParamDef D3HOT_D0_TIME = ParamDef.duration("pcie.d3hot_d0_time", "10ms",
            "PCI PM 1.2 §5.6.1 Table 5-6: D3hot to D0 recovery time 10 ms", "D3hot->D0 (No_Soft_Reset clear) recovery time");
    public static final ParamDef SBR_LINKUP_TIME = ParamDef.duration("pcie.sbr_recovery_time", "100ms",
            "PCIe Base 4.0 §6.6.1: software waits 100 ms after a Conventional Reset before the first config request",
            "time after Secondary Bus Reset is deasserted during which functions below answer with CRS");
    public static final ParamDef SBR_MIN_HOLD = ParamDef.duration("pcie.sbr_min_hold", "1ms",
            "PCI-to-PCI Bridge Arch 1.2 §3.2.5.18 / PCI 3.0 Trst: reset asserted for at least 1 ms",
            "minimum time Secondary Bus Reset must stay asserted; shorter pulses are counted as violations");
    public static final ParamDef ALLOW_0_ADDRESS = ParamDef.bool("pcie.allow_0_io_address", true,
            "default = QEMU: hw/arm/virt.c virt_machine_class_init sets mc->pci_allow_0_address = true (hw/pci/pci.c pci_bar_address), so "
                    + "QEMU's arm virt decodes an I/O BAR at port 0; false = the generic PCI rule that address 0 is unassigned",
            "an I/O BAR programmed to port 0 decodes (arm virt's I/O space starts at 0; EDK II assigns port 0 first)");
    public static final ParamDef HOLES_FALL_THROUGH = ParamDef.bool("pcie.bridge_window_holes_fall_through", true,
            "default = QEMU (true); false: PCI-to-PCI Bridge 1.2 §4.1 / PCIe Base 4.0 §2.3.1 (a bridge claims its window positively; nothing below = Unsupported "
                    + "Request); true: QEMU docs/devel/memory.rst 'Visibility' (pci_bridge_io is a pure container, so a hole in a window "
                    + "alias falls through to the next region of the parent bus, finally gpex's unassigned_io_ops: all ones)",
            "a request a bridge window claims but nothing below decodes goes on to the other decoders of the same bus (QEMU) instead of "
                    + "completing as an Unsupported Request");
    public static final ParamDef SLOT_POWER = ParamDef.bool("pcie.slot_power_control", false,
            "default false: QEMU does not remove power (pcie_cap_slot_write_config unplugs on power-off with the indicator off); true: PCIe Base 4.0 "
                    + "§6.7.1.8 / §7.5.3.10 Power Controller Control: the slot's main power is removed, the functions below go to D3cold",
            "a root port's Slot Control Power Controller Control = 1 removes power below it (D3cold: cold reset, no answer) until set back to 0");
    public static final ParamDef D3COLD_D0_TIME = ParamDef.duration("pcie.d3cold_d0_time", "100ms",
            "PCIe Base 4.0 §6.6.1: 100 ms after power is restored (Conventional Reset) before the first config request; Linux PCI_PM_D3COLD_WAIT 100",
            "time after slot power returns during which the functions below answer config requests with CRS");
    public static final List<ParamDef> PARAMS = List.of(HOP_LATENCY, ISA_FILTER, VGA_ALIAS, FLR_TIME, D3HOT_D0_TIME, SBR_LINKUP_TIME,
            SBR_MIN_HOLD, ALLOW_0_ADDRESS, HOLES_FALL_THROUGH, SLOT_POWER, D3COLD_D0_TIME, SriovCapability.VF_ENABLE_TIME);


    private final Apertures ap;
    private final Stats stats;
    private final PciBus root = new PciBus(ROOT_BUS, null, false);
    private final HostBridge hostBridge = new HostBridge();
    private final Map<String, PciBus> buses = new LinkedHashMap<>();
    /** Every function in placement order. */
    final List<PciFunction> all = new ArrayList<>();
    private final long hopLatency;
    private final boolean isaFilter;
    private final boolean vgaAlias;
    final boolean allowZeroIo;
    private final boolean holesFallThrough;
    private final long vfEnablePs;

    private final Counter masterAbortMem;
    private final Counter masterAbortIo;
    private final Counter urMem;
    private final Counter urIo;
    private final Counter cfgUnsupported;
    private final Counter cfgCrs;
    private final Counter cfgOutOfRange;
    private final Counter barRuleViolations;
    /** Recent unclaimed requests and the last allocation's outcome, for the report. */
    final FabricLog log = new FabricLog();

    /** The machine's time (its event kernel): reset timing is judged by it; the host keeps no copy. */
    private final Clock clock;
    private final Access scratch = new Access();

    /** Per-function fabric counters: config reads, config writes, memory, I/O. */
    final Map<PciFunction, long[]> perFunction = new java.util.IdentityHashMap<>();
    /** Resets and their spec timing (FLR, D3hot->D0, secondary bus reset). */
    final HostResets resets;

    /** Configuration requests: ECAM decode, type 0/1 routing by bus number, CRS while a function is in reset. */
    private final ConfigRequests config;
    private final Target ecam;
    /** This hierarchy's routing epoch, shared by every function placed in it (the decode cache's validity). */
    final RoutingEpoch routing = new RoutingEpoch();

    /** arm virt's root complex; {@code clock} is the machine's time (its event kernel). */
    public PciHost(Params params, Stats stats, Clock clock) {
        this(params, stats, new Apertures(), clock);
    }

    /** A root complex with other apertures than arm virt's (tests, other boards). */
    public PciHost(Params params, Stats stats, Apertures apertures, Clock clock) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        this.ap = apertures;
        this.mmio32Alone = !overlap(ap.mmio32Base, ap.mmio32Size, ap.pioBase, ap.pioSize)
                && !overlap(ap.mmio32Base, ap.mmio32Size, ap.ecamBase, ap.ecamSize);
        this.stats = stats;
        if (params != null) {
            params.declareAll(PARAMS);
        }
        this.hopLatency = params != null ? params.getDuration(HOP_LATENCY) : 0;
        this.isaFilter = params == null || params.getBoolean(ISA_FILTER);
        this.vgaAlias = params != null && params.getBoolean(VGA_ALIAS);
        this.resets = new HostResets(clock, params != null ? params.getDuration(FLR_TIME) : SimTime.ms(100),
                params != null ? params.getDuration(D3HOT_D0_TIME) : SimTime.ms(10),
                params != null ? params.getDuration(SBR_LINKUP_TIME) : SimTime.ms(100),
                params != null ? params.getDuration(SBR_MIN_HOLD) : SimTime.ms(1), stats.counter("pcie.sbr.short_pulse"),
                params != null && params.getBoolean(SLOT_POWER), params != null ? params.getDuration(D3COLD_D0_TIME) : SimTime.ms(100));
        this.allowZeroIo = params != null && params.getBoolean(ALLOW_0_ADDRESS);
        this.holesFallThrough = params != null && params.getBoolean(HOLES_FALL_THROUGH);
        this.vfEnablePs = params != null ? params.getDuration(SriovCapability.VF_ENABLE_TIME) : SimTime.ms(100);
        masterAbortMem = stats.counter("pcie.master_abort.mem");
        masterAbortIo = stats.counter("pcie.master_abort.io");
        urMem = stats.counter("pcie.unsupported_request.mem");
        urIo = stats.counter("pcie.unsupported_request.io");
        cfgUnsupported = stats.counter("pcie.config.no_function");
        cfgCrs = stats.counter("pcie.config.crs");
        cfgOutOfRange = stats.counter("pcie.config.beyond_config_space");
        config = new ConfigRequests(this, cfgUnsupported, cfgCrs, cfgOutOfRange);
        ecam = (a, off) -> {
            a.flags |= Access.F_EMULATED; // QEMU's gpex emulates ECAM: KVM traps it
            config.ecamAccess(a, off);
        };
        barRuleViolations = stats.counter("pcie.bar.access_rule_violation");
        buses.put(ROOT_BUS, root);
        place(hostBridge, root, 0);
    }

    // ---------------------------------------------------------------- building

    /**
     * Places {@code f} on the bus {@code busId} ({@code pcie.0} or a bridge's id) at {@code slot}
     * (−1 = the next free slot, as QEMU picks it) and function {@code fn}.
     */
    public void add(PciFunction f, String busId, int slot, int fn) {
        PciBus bus = buses.get(busId == null ? ROOT_BUS : busId);
        if (bus == null) {
            throw new IllegalArgumentException("Bus '" + busId + "' not found (known: " + String.join(", ", buses.keySet()) + ")");
        }
        if (fn < 0 || fn > 7) {
            throw new IllegalArgumentException(f.id() + ": function " + fn + " out of range 0..7");
        }
        if (slot < -1 || slot > 31) {
            throw new IllegalArgumentException(f.id() + ": slot " + slot + " out of range 0..31");
        }
        if (all.contains(f)) {
            throw new IllegalArgumentException(f.id() + " is already placed");
        }
        if (slot == -1) {
            slot = SlotRules.freeSlot(bus, fn, f);
        }
        if (slot == 0 && bus.bridge() instanceof ShpcBridge sb && sb.shpcEnabled()) {
            // QEMU hw/pci/shpc.c shpc_device_plug_common: the standard hot-plug controller reserves slot 0
            throw new IllegalArgumentException(f.id() + ": Unsupported PCI slot 0 for standard hotplug controller. Valid slots are between 1 and 31.");
        }
        if (bus.singleDevice() && slot != 0) {
            // QEMU hw/pci/pci.c do_pci_register_device: a PCIe port's link has one device, at slot 0.
            throw new IllegalArgumentException("PCI: slot " + slot + " is not valid for " + f.typeName() + ", parent device only allows plugging into slot 0.");
        }
        SlotRules.checkChassisSlot(f, all);
        int devfn = slot << 3 | fn;
        if (bus.devfn[devfn] != null) {
            throw new IllegalArgumentException("PCI: slot " + slot + " function " + fn + " not available for " + f.typeName() + ", in use by "
                    + bus.devfn[devfn].id());
        }
        place(f, bus, devfn);
    }

    private void place(PciFunction f, PciBus bus, int devfn) {
        bus.devfn[devfn] = f;
        f.useRoutingEpoch(routing);
        routing.bump(); // a new function may claim addresses a cached decode went elsewhere for
        f.placedOn(bus);
        f.sealIfNeeded();
        if ((devfn & 7) != 0 && bus.devfn[devfn & ~7] != null) {
            // Multi-function device: function 0 advertises it (Header Type bit 7, PCI 3.0 §6.2.1).
            bus.devfn[devfn & ~7].config[PciFunction.HEADER_TYPE] |= (byte) 0x80;
        } else if ((devfn & 7) == 0 && bus.devfn[devfn + 1] != null) {
            f.config[PciFunction.HEADER_TYPE] |= (byte) 0x80;
        }
        all.add(f);
        f.setAllowZeroIoAddress(allowZeroIo);
        perFunction.put(f, new long[4]);
        functionsVersion++;
        f.setBdf(bus.number() << 8 | devfn);
        f.setResetListener(resets::selfReset);
        if (f instanceof PciBridgeBase br) {
            String id = f.id();
            if (buses.containsKey(id)) {
                throw new IllegalArgumentException("duplicate bus id '" + id + "'");
            }
            PciBus sec = new PciBus(id, br, br.secondaryIsLink());
            br.attachSecondary(sec);
            br.setSecondaryResetListener(resets::secondaryReset);
            buses.put(id, sec);
        }
        if (bus.bridge() instanceof RootPort rp) {
            rp.setPresence(true);
        }
        if (f instanceof RootPort rp) {
            rp.setSlotPowerListener(resets::slotPower);
        }
        if (f.sriov() != null) {
            f.sriov().attach(this, bus);
        }
        if (bus.bridge() instanceof SwitchDownstreamPort dp) {
            dp.setPresence(true);
        }
    }

    /** True for a function placed by {@link #add} (built from the args), false for an SR-IOV VF. */
    boolean isBuilt(PciFunction f) {
        return all.contains(f);
    }

    /** {@link SriovCapability#VF_ENABLE_TIME}, in ps. */
    long vfEnablePs() {
        return vfEnablePs;
    }

    // ---------------------------------------------------------------- time and resets

    /** The simulated time (ps) resets are judged at: the machine clock's. */
    public long time() {
        return clock.now();
    }

    /** The clock the host reads its time from. */
    public Clock clock() {
        return clock;
    }

    /** Power-on reset of the whole hierarchy. */
    public void coldReset() {
        hostBridge.reset(PciFunction.ResetKind.COLD);
        HostResets.resetBelow(root, PciFunction.ResetKind.COLD);
        refreshBdfs();
    }

    // ---------------------------------------------------------------- configuration

    /** The ECAM window: offset = bus << 20 | dev << 15 | fn << 12 | reg (PCIe Base 4.0 §7.2.2). */
    public Target ecam() {
        return ecam;
    }

    /**
     * A configuration read or write of {@code a.size} (1, 2 or 4) bytes at {@code offset} of
     * {@code bdf}. A function that does not exist reads all ones (the master abort / UR is counted).
     */
    public void configAccess(Access a, int bdf, int offset) {
        config.access(a, bdf, offset);
    }

    // ---------------------------------------------------------------- memory and I/O

    /**
     * A memory access at the absolute physical address {@code a.address} inside the MMIO32 or MMIO64
     * aperture (PIO and ECAM addresses are accepted too and routed as I/O / config).
     */
    public void memAccess(Access a) {
        long pa = a.address;
        if (ap.inPio(pa)) {
            ioAccess(a, pa - ap.pioBase);
            return;
        }
        if (ap.inEcam(pa)) {
            ecam.access(a, pa - ap.ecamBase);
            return;
        }
        if (!ap.inMmio32(pa) && !ap.inMmio64(pa)) {
            abort(a, pa, false);
            return;
        }
        mmioAccess(a, pa);
    }

    /**
     * {@link #memAccess} for a caller that routed {@code a} through its 32-bit MMIO window (the
     * system bus of arm virt): the same outcome, without the aperture tests that cannot match there
     * when the PIO and ECAM apertures lie outside the MMIO32 one (as on virt; otherwise the full test).
     */
    public void mmio32Access(Access a) {
        long pa = a.address;
        if (mmio32Alone && ap.inMmio32(pa)) {
            mmioAccess(a, pa);
        } else {
            memAccess(a);
        }
    }

    /**
     * A run of {@code n} accesses like {@code a} (issue 29) at {@code a.address}, {@code a.address +
     * a.size}, ...: when {@link #mmio32Access} would take every one of them through the decode cache
     * to the cached BAR's plain memory (the window and the cached BAR hold the whole run, the cache is
     * current, the BAR is {@link BarMemory} with plain sizes, a 1-8-byte access without a buffer),
     * returns the first one's offset into that memory; otherwise -1. Counts and changes nothing:
     * {@link #countPlainRun} counts the accesses the caller then delivers itself with {@link
     * #plainRunMemory} (each adds {@link #plainRunLatencyPs} before the memory's own latency).
     */
    public long plainRunOffset(Access a, long n) {
        long pa = a.address;
        int size = a.size;
        long span = n * size;
        if (n <= 0 || !mmio32Alone || !Access.isRegisterSize(size) || a.buffer != null || !ap.inMmio32(pa) || !ap.inMmio32(pa + span - 1)) {
            return -1;
        }
        long off = pa - cacheBase;
        if (cacheEpoch != routing.get() || cacheMemory == null || off < 0 || off > cacheSize - span) {
            return -1;
        }
        return off;
    }

    /** The memory behind the cached BAR, after {@link #plainRunOffset} accepted a run. */
    public dev.gvsim.simcore.SparseMemory plainRunMemory() {
        return cacheMemory.memory();
    }

    /** What {@link #mmio32Access} adds to an access of the accepted run before the memory's latency. */
    public long plainRunLatencyPs() {
        return cacheLatency + cacheMemory.latencyPs();
    }

    /** Counts {@code n} accesses of the run {@link #plainRunOffset} accepted, as {@link #mmio32Access} counts each. */
    public void countPlainRun(long n) {
        cacheCounters[2] += n;
    }

    /** The PIO and ECAM apertures do not overlap the MMIO32 one (so an MMIO32 address needs no other aperture test). */
    private final boolean mmio32Alone;

    /** A memory request inside an MMIO aperture: the decode cache, else the walk down the tree. */
    private void mmioAccess(Access a, long pa) {
        // Decode cache: the last BAR a memory access reached, valid while no config write or reset
        // happened in this hierarchy (routingEpoch) — a repeated access skips the tree walk.
        long off = pa - cacheBase;
        if (cacheEpoch == routing.get() && off >= 0 && off < cacheSize) {
            a.latencyPs += cacheLatency;
            BarMemory m = cacheMemory;
            int size = a.size;
            if (m != null && a.buffer == null && Access.isRegisterSize(size) && off + size <= cacheSize) {
                // A plain-memory BAR (BarMemory) whose rules accept and implement 1..8 bytes anywhere:
                // deliverCounted and barAccess would count it and hand it to the memory, as here.
                cacheCounters[2]++;
                a.latencyPs += m.latencyPs();
                m.memory().access(a, off);
                return;
            }
            deliver(cacheFn, cacheBar, off, a);
            return;
        }
        long latencyBefore = a.latencyPs;
        cachePending = true;
        cacheEpochAtWalk = routing.get();
        int r = route(root, pa, a, false);
        if (cachePending) {
            cachePending = false;
        } else if (r == DELIVERED && cacheEpochAtWalk == routing.get()) {
            // the walk reached a BAR (deliver() filled cacheFn/cacheBar/cacheBase/cacheSize)
            cacheLatency = a.latencyPs - latencyBefore - lastDeviceLatency;
            cacheEpoch = cacheEpochAtWalk;
        }
        if (r == NOT_CLAIMED) {
            abort(a, pa, false);
        }
    }

    private long cacheEpoch = -1;
    private long cacheEpochAtWalk;
    private boolean cachePending;
    private PciFunction cacheFn;
    private Bar cacheBar;
    private long cacheBase;
    private long cacheSize;
    private long cacheLatency;
    private long lastDeviceLatency;

    /**
     * A memory request at PCI bus address {@code busAddr} from the root complex, without the CPU
     * aperture check of {@link #memAccess}: the only way to reach legacy bus addresses such as the VGA
     * window 0xA0000-0xBFFFF, which no CPU window of arm virt maps (hw/arm/virt.c maps the PCI
     * memory space 1:1 only from 0x10000000).
     */
    public void busMemAccess(Access a, long busAddr) {
        int r = route(root, busAddr, a, false);
        if (r == NOT_CLAIMED) {
            abort(a, busAddr, false);
        }
    }

    /** A PCI I/O space access to {@code port} (0..0xFFFF). The VMM emulates all of I/O space ({@link Access#F_EMULATED}). */
    public void ioAccess(Access a, long port) {
        a.flags |= Access.F_EMULATED;
        if (port < 0 || port > 0xFFFF) {
            abort(a, port, true);
            return;
        }
        int r = route(root, port, a, true);
        if (r == NOT_CLAIMED) {
            abort(a, port, true);
        }
    }

    private static final int NOT_CLAIMED = 0;
    private static final int DELIVERED = 1;
    private static final int UNSUPPORTED = 2;

    /**
     * Routes a memory ({@code io} false) or I/O request at bus address {@code addr} on {@code bus}:
     * BARs of that space, the expansion ROM (memory only), then bridges whose window or legacy
     * forwarding claims it (one hop each way), then the legacy decoders.
     */
    private int route(PciBus bus, long addr, Access a, boolean io) {
        PciFunction[] fns = bus.devfn;
        for (int d = 0; d < 256; d++) {
            PciFunction f = fns[d];
            if (f == null) {
                continue;
            }
            for (int i = 0; i < 6; i++) {
                Bar b = f.bars[i];
                if (b == null || b.isIo() != io || !f.barDecodes(i)) {
                    continue;
                }
                long off = addr - f.barAddress(i);
                if (off >= 0 && off < b.size) {
                    deliver(f, b, off, a);
                    return DELIVERED;
                }
            }
            if (!io && f.romDecodes()) {
                long off = addr - f.romAddress();
                if (off >= 0 && off < f.romSize()) {
                    if (a.isWrite()) {
                        return DELIVERED; // ROM is read-only; writes are ignored
                    }
                    perFunction.get(f)[2]++;
                    f.romAccess(off, a);
                    return DELIVERED;
                }
            }
            if (f instanceof PciBridgeBase br && (io ? br.forwardsIo(addr, isaFilter, vgaAlias) : br.forwardsMem(addr))) {
                a.latencyPs += hopLatency;
                int r = br.busInReset() ? NOT_CLAIMED : route(br.secondaryBusObject(), addr, a, io);
                if (r == NOT_CLAIMED && holesFallThrough) {
                    a.latencyPs -= hopLatency;
                    continue;
                }
                if (r == NOT_CLAIMED) {
                    (io ? urIo : urMem).inc();
                    log.unclaimed(addr, io ? FabricLog.IO_UR : FabricLog.MEM_UR);
                    a.masterAbort();
                    return UNSUPPORTED;
                }
                a.latencyPs += hopLatency;
                return r;
            }
        }
        return routeLegacy(fns, addr, a, io);
    }

    /** Second pass on a bus: legacy (non-BAR) decoders, below BARs and bridge windows in priority. */
    private int routeLegacy(PciFunction[] fns, long addr, Access a, boolean io) {
        for (int d = 0; d < 256; d++) {
            PciFunction f = fns[d];
            if (f == null || f instanceof PciBridgeBase) {
                continue;
            }
            if (legacyAccess(f, addr, a, io)) {
                perFunction.get(f)[io ? 3 : 2]++;
                return DELIVERED;
            }
        }
        return NOT_CLAIMED;
    }

    /**
     * A legacy I/O or memory access offered to {@code f} through the size adapter with the rules of
     * its legacy regions ({@link PciFunction#legacyIoRules}, {@link PciFunction#legacyMemRules}): an
     * implemented size goes to the function as it is; another is split or widened ({@link
     * AccessRules#access}) and the function claims it if it claims any piece. True if claimed.
     */
    private boolean legacyAccess(PciFunction f, long addr, Access a, boolean io) {
        AccessRules rules = io ? f.legacyIoRules() : f.legacyMemRules();
        if (a.buffer != null || a.size > 8 || rules.implemented(a.size)) {
            return io ? f.legacyIoAccess(addr, a) : f.legacyMemAccess(addr, a);
        }
        LegacyRegion r = io ? legacyIo : legacyMem;
        r.fn = f;
        r.claimed = false;
        rules.access(a, addr, r, scratch);
        r.fn = null;
        return r.claimed;
    }

    /** A function's legacy decode as a size-adapter region: remembers whether it claimed a piece; an unclaimed piece reads all ones. */
    private static final class LegacyRegion implements Target {
        private final boolean io;
        PciFunction fn;
        boolean claimed;

        LegacyRegion(boolean io) {
            this.io = io;
        }

        @Override
        public void access(Access s, long addr) {
            if (io ? fn.legacyIoAccess(addr, s) : fn.legacyMemAccess(addr, s)) {
                claimed = true;
            } else if (s.isRead()) {
                s.data = s.sizeMask();
            }
        }
    }

    private final LegacyRegion legacyIo = new LegacyRegion(true);
    private final LegacyRegion legacyMem = new LegacyRegion(false);

    /** Applies the BAR's access rules (reject, or split/widen through {@link AccessRules#access}) and calls the device. */
    private void deliver(PciFunction f, Bar b, long off, Access a) {
        if (cachePending && !b.isIo()) {
            // first delivery of a memory walk: remember it for the decode cache (see memAccess)
            cachePending = false;
            cacheFn = f;
            cacheBar = b;
            cacheBase = a.address - off;
            cacheSize = b.size;
            cacheCounters = perFunction.get(f);
            cacheMemory = plainSizes(b.rules) ? f.memoryBehind(b) : null;
            long before = a.latencyPs;
            deliverCounted(f, b, off, a, cacheCounters);
            lastDeviceLatency = a.latencyPs - before;
            return;
        }
        deliverCounted(f, b, off, a, f == cacheFn ? cacheCounters : perFunction.get(f));
    }

    private long[] cacheCounters;
    /** The cached BAR's {@link PciFunction#memoryBehind} when its rules pass every 1..8-byte access unchanged, else null. */
    private BarMemory cacheMemory;

    /** No rules, or rules that accept 1, 2, 4 and 8 bytes at any offset and implement them all (no split or widening). */
    private static boolean plainSizes(AccessRules r) {
        return r == null || (r.validMin == 1 && r.validMax >= 8 && r.validUnaligned && r.implMin == 1 && r.implMax >= 8);
    }

    private void deliverCounted(PciFunction f, Bar b, long off, Access a, long[] counters) {
        counters[b.isIo() ? 3 : 2]++;
        if (f.emulatedByVmm(b)) {
            a.flags |= Access.F_EMULATED; // under a host stage 2 it traps (MemoryTiming)
        }
        AccessRules rules = b.rules;
        if (a.buffer != null || rules == null || a.size > 8) {
            if (off + a.size > b.size) {
                ruleViolation(a, off);
                return;
            }
            f.barAccess(b, off, a);
            return;
        }
        if (!rules.valid(off, a.size) || off + a.size > b.size) {
            ruleViolation(a, off);
            return;
        }
        if (rules.implemented(a.size)) {
            f.barAccess(b, off, a);
            return;
        }
        rules.access(a, off, b.region(), scratch);
    }

    /** An access the BAR's rules refuse: a decode error, all-ones to a read (QEMU MEMTX_DECODE_ERROR). */
    private void ruleViolation(Access a, long off) {
        barRuleViolations.inc();
        a.fail(Status.EXTERNAL_ABORT, off);
        if (a.isRead()) {
            a.data = a.sizeMask();
        }
    }

    private static boolean overlap(long base1, long size1, long base2, long size2) {
        return base1 < base2 + size2 && base2 < base1 + size1;
    }

    private void abort(Access a, long addr, boolean io) {
        (io ? masterAbortIo : masterAbortMem).inc();
        log.unclaimed(addr, io ? FabricLog.IO_MASTER_ABORT : FabricLog.MEM_MASTER_ABORT);
        a.masterAbort();
    }


    // ---------------------------------------------------------------- lookup

    /** All functions (host bridge first) in depth-first bus order. */
    public List<PciFunction> functions() {
        List<PciFunction> out = new ArrayList<>();
        collect(root, out);
        return out;
    }

    private void collect(PciBus bus, List<PciFunction> out) {
        for (PciFunction f : bus.devfn) {
            if (f != null) {
                out.add(f);
                if (f instanceof PciBridgeBase b) {
                    collect(b.secondaryBusObject(), out);
                }
            }
        }
    }

    /** The function answering configuration requests for {@code bdf} now, or null. */
    public PciFunction find(int bdf) {
        return config.lookup((bdf >> 8) & 0xFF, bdf & 0xFF);
    }

    public PciFunction byId(String id) {
        for (PciFunction f : all) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        return null;
    }

    public PciBus rootBus() {
        return root;
    }

    public PciBus bus(String id) {
        return buses.get(id);
    }

    public PciFunction hostBridge() {
        return hostBridge;
    }

    /** The fabric's per-function counters (config reads, config writes, memory, I/O) of a placed function. */
    long[] countersOf(PciFunction f) {
        return perFunction.get(f);
    }

    /** Bumped when a function is placed or removed ({@link FunctionCounters#version}). */
    int functionsVersion;

    /** The Stats the host counts in ({@code pcie.*}): the machine's one Stats, saved by its owner. */
    public Stats stats() {
        return stats;
    }

    public Apertures apertures() {
        return ap;
    }

    /** The bus a function sits on. */
    public PciBus busOf(PciFunction f) {
        for (PciBus b : buses.values()) {
            if (b.devfnOf(f) >= 0) {
                return b;
            }
        }
        return null;
    }

    /**
     * This hierarchy's routing epoch: bumped by every configuration write, reset and restore of one
     * of its functions and by placing one. Another host's functions never change it.
     */
    public long routingEpoch() {
        return routing.get();
    }

    /** Recomputes every function's bus/device/function from the current bus numbers. */
    public void refreshBdfs() {
        for (PciBus b : buses.values()) {
            for (int i = 0; i < 256; i++) {
                if (b.devfn[i] != null) {
                    b.devfn[i].setBdf(b.number() << 8 | i);
                }
            }
        }
    }

    // ---------------------------------------------------------------- allocation log

    void beginAllocation(String policy) {
        log.beginAllocation(policy);
    }

    void logAssigned(String line) {
        log.logAssigned(line);
    }

    void logFailure(String line) {
        log.logFailure(line);
    }

    /** What the last allocator assigned, in the kernel's message style, in order. */
    public List<String> allocationLog() {
        return log.assigned();
    }

    /** What the last allocator could not assign, with the reason. */
    public List<String> allocationFailures() {
        return log.failures();
    }

    // ---------------------------------------------------------------- reports

    public long masterAborts() {
        return masterAbortMem.get() + masterAbortIo.get();
    }

    public long unsupportedRequests() {
        return urMem.get() + urIo.get();
    }

    /**
     * Master aborts, URs, config anomalies, allocation outcome and per-function counts (with the
     * function's configuration writes to unimplemented bits, when there were any); sorted keys.
     */
    public Map<String, Object> report() {
        Map<String, Object> m = new TreeMap<>();
        m.put("master_aborts_mem", masterAbortMem.get());
        m.put("master_aborts_io", masterAbortIo.get());
        m.put("unsupported_requests_mem", urMem.get());
        m.put("unsupported_requests_io", urIo.get());
        m.put("config_no_function", cfgUnsupported.get());
        m.put("config_crs", cfgCrs.get());
        m.put("config_beyond_space", cfgOutOfRange.get());
        m.put("bar_access_rule_violations", barRuleViolations.get());
        m.put("sbr_short_pulses", resets.shortPulses());
        m.put("unclaimed_recent", log.recent());
        m.put("allocator", log.policy());
        m.put("allocation_failures", log.failures());
        Map<String, Object> fns = HostState.functionsReport(this);
        m.put("functions", fns);
        return m;
    }

    /**
     * The enumerated tree as data (for {@code --json}): per function, in depth-first order, bdf, id,
     * type, vendor/device/class, command, each BAR (index, kind, 64-bit, prefetchable, address, size,
     * decoding) and for bridges the bus numbers, the I/O, memory and prefetchable windows and Bridge Control.
     */
    public List<Map<String, Object>> describe() {
        return Lspci.describe(this);
    }

    /** {@code lspci -tv}-like tree plus the assignment lines; {@code verbose} adds an {@code lspci -vv}-like block per function. */
    public String lspci(boolean verbose) {
        return Lspci.render(this, verbose);
    }

    // ---------------------------------------------------------------- checkpoints (issue 11)

    /** Bound on restored allocation-log lines (a real tree logs a few per function). */

    @Override
    public String stateName() {
        return "pci.host";
    }

    /**
     * The host's own state (functions are saved in their own {@code pci.<id>} sections): the
     * recent-unclaimed ring, the allocation outcome, per-function fabric counters and SBR assertion
     * times, both in placement order and named by function id. Not here: the time (the clock's owner,
     * the machine's event kernel, saves it) and the {@code pcie.*} counters (they live in the
     * machine's one {@link Stats}, which its owner saves). The decode cache is not saved: restore
     * invalidates it.
     */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        HostState.save(this, w);
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        HostState.restore(this, r);
    }

    /** Forgets the cached decode (it is re-derived on the next access; config restores also bump the routing epoch). */
    void invalidateDecodeCache() {
        cacheEpoch = -1;
        cachePending = false;
        cacheFn = null;
        cacheBar = null;
        cacheBase = 0;
        cacheSize = 0;
        cacheLatency = 0;
        cacheCounters = null;
    }
}
