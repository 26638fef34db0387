package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.BarKind;
import dev.gvsim.pciefabric.BarMemory;
import dev.gvsim.pciefabric.DeviceMemory;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.qxldevice.layout.QxlLayout;
import dev.gvsim.qxldevice.layout.QxlMode;
import dev.gvsim.qxldevice.layout.QxlRamHeader;
import dev.gvsim.qxldevice.layout.QxlRect;
import dev.gvsim.qxldevice.layout.QxlSurfaceCreate;
import dev.gvsim.qxldevice.spice.SpiceDisplay;
import dev.gvsim.qxldevice.spice.SpiceParams;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The QXL paravirtual display device as QEMU 7.2 models it ({@code hw/display/qxl.c}, {@code qxl.h},
 * spice-protocol {@code spice/qxl_dev.h}), with the part of spice-server that consumes the rings.
 * This class is the PCI function and qxl.c's device side: BARs, the I/O port commands, device mode,
 * the guest-bug state, reset and QXLRam set-up. The rest follows the qxl.c / spice-server seam,
 * each part with its own report keys and checkpoint fields:
 * <ul>
 * <li>qxl.c: {@link QxlAsyncCommands} (QXL_IO_*_ASYNC), {@link QxlInterrupts}, {@link QxlMemslots}
 * (with the QXLPHYSICAL lookup both sides make), {@link QxlReleaseRing}, {@link QxlRom},
 * {@link QxlGuestErrors}, and for qxl-vga {@link QxlLegacyVga};</li>
 * <li>spice-server: {@link QxlWorker} (the red worker: rings, command parsing, surfaces), its
 * canvas {@link QxlRenderer} and surface table {@link QxlSurfaces}; it calls back through
 * {@link QxlHost};</li>
 * <li>{@code dev.gvsim.qxldevice.layout}: the guest structures' offsets and flyweights over them.</li>
 * </ul>
 *
 * <p>BARs: BAR0 RAM ("vga.vram": surface-0 area, command pages, QXLRam at the end), BAR1 surface
 * VRAM, BAR2 the 8 KiB ROM, BAR3 the I/O ports, BAR4 (64-bit prefetchable) only when
 * {@code vram64_size_mb} exceeds BAR1. BARs 0-2 are RAM in QEMU: guest loads and stores land in
 * device memory with no side effect, and the device reads what the guest stored. Only the I/O BAR
 * (1-byte accesses, reads 0xFF) has side effects. qxl-vga also answers the legacy VGA / VBE ports
 * and memory window, routed by address ({@link #legacyIoAccess}, {@link #legacyMemAccess}).
 *
 * <p>Guest mistakes are answered as QEMU answers them: {@code qxl_set_guest_bug()} records the
 * reason, raises QXL_INTERRUPT_ERROR and ignores every I/O write but QXL_IO_RESET until reset. Bad
 * addresses inside drawables are answered as spice-server does (the command is dropped, recorded
 * as a guest error, the device keeps running). Nothing a guest writes makes this class throw.
 * Simplifications against QEMU are listed by the part they concern.
 *
 * <p>Size: a little over 800 lines, because the I/O command dispatch (qxl.c ioport_write), the
 * device mode it changes, and the reset, report and checkpoint sequences that call every part in
 * a fixed order are kept together; splitting them would separate the mode from the commands that
 * change it.
 */
public final class QxlDevice extends PciFunction {
    public static final String QXL = "qxl";
    public static final String QXL_VGA = "qxl-vga";

    // ------------------------------------------------------------------ parameters
    public static final ParamDef P_IO_LATENCY = ParamDef.duration("qxl.io_latency", "2us",
            "estimate (low authority): one trapped PIO write = KVM exit + QEMU ioport dispatch; not measured (docs/facts/qxl.md §8)",
            "Latency added to every access to the QXL I/O BAR (BAR3): the CPU waits for it on a read, and on a store under --stage2 kvm/kvm-fwb (a trap; without a stage 2 the store is posted).");
    public static final ParamDef P_RAM_LATENCY = ParamDef.duration("qxl.ram_latency", "0ns",
            "QEMU hw/display/qxl.c: BARs 0-2 are RAM regions, accesses never exit to the device model",
            "Latency the device adds to an access to its RAM-backed BARs (ROM, RAM, VRAM); the path to them adds its own.");
    public static final ParamDef P_ASYNC_DELAY = QxlAsyncCommands.P_ASYNC_DELAY;
    /** The other parts' parameters are declared with them. */
    public static final ParamDef P_WORKER_DELAY = QxlWorker.P_WORKER_DELAY;
    public static final ParamDef P_MAX_CHUNKS = QxlWorker.P_MAX_CHUNKS;
    public static final ParamDef P_MAX_IMAGE_BYTES = QxlWorker.P_MAX_IMAGE_BYTES;
    public static final ParamDef P_MAX_CLIP_RECTS = QxlWorker.P_MAX_CLIP_RECTS;
    public static final ParamDef P_MAX_GUEST_ERRORS = QxlGuestErrors.P_MAX_GUEST_ERRORS;
    public static final ParamDef P_VGA_DECODE_GATED = QxlLegacyVga.P_VGA_DECODE_GATED;
    public static final ParamDef P_VBE_X86_DATA_PORT = QxlLegacyVga.P_VBE_X86_DATA_PORT;

    public static final List<ParamDef> PARAMS = java.util.stream.Stream.concat(java.util.stream.Stream.of(P_IO_LATENCY, P_RAM_LATENCY,
            P_ASYNC_DELAY, P_WORKER_DELAY, P_MAX_CHUNKS, P_MAX_IMAGE_BYTES, P_MAX_CLIP_RECTS, P_MAX_GUEST_ERRORS, P_VGA_DECODE_GATED,
            P_VBE_X86_DATA_PORT), SpiceParams.ALL.stream()).toList();

    /** Event handler names, after the device id: {@code <id>.async_complete} and {@code <id>.worker}. */
    public static final String EVENT_ASYNC_COMPLETE = "async_complete";
    public static final String EVENT_WORKER = "worker";

    // ------------------------------------------------------------------ wiring
    private final QxlConfig cfg;
    private final boolean haveVga;
    private final Scheduler sched;
    private final IrqLine irq;

    private final SparseMemory ram;
    private final SparseMemory vram;
    private final SparseMemory rom;
    private final BarMemory ramBehind;
    private final BarMemory vramBehind;
    private final BarMemory romBehind;
    private final long ramHeader;
    /** QXLRam at the end of BAR0. */
    private final QxlRamHeader hdr = new QxlRamHeader();
    private final QxlRom romImage;
    private final List<DeviceMemory> memories;
    private final List<Scanout> scanouts;

    private final QxlMemslots memslots;
    private final QxlSurfaces surfaces;
    private final QxlReleaseRing releases;
    private final QxlWorker worker;
    private final QxlAsyncCommands asyncIo;
    private final QxlInterrupts interrupts;
    /** Legacy VGA interface (qxl-vga only, else null). */
    private final QxlLegacyVga legacyVga;

    private final long ioLatencyPs;

    // ------------------------------------------------------------------ state (qxl.c PCIQXLDevice)
    private int mode = MODE_UNDEFINED;
    private boolean guestBug;

    // ------------------------------------------------------------------ statistics
    private final Counter[] ioCounters = new Counter[IO_RANGE_SIZE];
    private final Counter ioOutOfRange;
    private final Counter ioIgnoredGuestBug;
    private final Counter ioReads;
    private final Counter guestBugCounter;
    private final QxlGuestErrors errors;
    private String lastLog = "";

    /**
     * @param typeName {@link #QXL} (secondary, class 0x0380) or {@link #QXL_VGA} (primary, class 0x0300)
     * @param sched the machine's events, scoped to this device's id (handlers {@code <id>.async_complete}, {@code <id>.worker})
     * @param irq INTx pin A line, may be null (no interrupt delivery)
     */
    public QxlDevice(String typeName, QxlConfig cfg, Scheduler sched, IrqLine irq, Params params, Stats stats) {
        super(checkType(typeName), QxlLayout.VENDOR_ID, QxlLayout.DEVICE_ID, QXL_VGA.equals(typeName) ? CLASS_DISPLAY_VGA : CLASS_DISPLAY_OTHER,
                cfg.revision, false);
        this.cfg = cfg;
        this.haveVga = QXL_VGA.equals(typeName);
        this.sched = Objects.requireNonNull(sched, "sched");
        this.irq = irq;
        Params p = params == null ? new Params() : params;
        p.declareAll(PARAMS);
        Stats st = stats == null ? new Stats() : stats;
        Host host = new Host();
        // registers <id>.async_complete (first, as always)
        asyncIo = new QxlAsyncCommands(host, sched, p);
        ioLatencyPs = p.getDuration(P_IO_LATENCY);
        long ramLatencyPs = p.getDuration(P_RAM_LATENCY);
        errors = new QxlGuestErrors(p);

        // identity (qxl_realize_common, pci_default_realize)
        setWord(SUBSYSTEM_VENDOR_ID, QxlLayout.SUBSYSTEM_VENDOR_ID);
        setWord(SUBSYSTEM_ID, QxlLayout.SUBSYSTEM_ID);
        setByte(INTERRUPT_PIN, 1);

        // RAM-like BARs: accept 1..16 bytes, unaligned (RAM regions).
        AccessRules ramRules = new AccessRules(1, 16, true, 1, 16);
        declareBar(new Bar(RAM_RANGE_INDEX, BarKind.MEM32, cfg.ramSize, false, ramRules, "qxl.vgavram"));
        declareBar(new Bar(VRAM_RANGE_INDEX, BarKind.MEM32, cfg.vram32Size, false, ramRules, "qxl.vram32"));
        declareBar(new Bar(ROM_RANGE_INDEX, BarKind.MEM32, ROM_SIZE, false, ramRules, "qxl.vrom"));
        int ioSize = cfg.revision == 1 ? 8 : cfg.revision == 2 ? 16 : 32;
        // qxl_io_ops: .valid min = max = 1
        declareBar(new Bar(IO_RANGE_INDEX, BarKind.IO, ioSize, false, AccessRules.aligned(1, 1), "qxl-ioports"));
        if (cfg.hasVram64Bar()) {
            declareBar(new Bar(VRAM64_RANGE_INDEX, BarKind.MEM64, cfg.vram64Size, true, ramRules, "qxl.vram"));
        }

        ram = new SparseMemory("qxl.vgavram", cfg.ramSize);
        vram = new SparseMemory("qxl.vram", cfg.vram64Size);
        rom = new SparseMemory("qxl.vrom", ROM_SIZE);
        ramBehind = new BarMemory(ram, ramLatencyPs);
        vramBehind = new BarMemory(vram, ramLatencyPs);
        romBehind = new BarMemory(rom, ramLatencyPs);
        ramHeader = cfg.ramHeaderOffset();
        // QEMU: the primary's console index; a lone qxl on arm virt also gets console 0 (reference runs
        // print "Device Version 0.0").
        romImage = new QxlRom(rom, cfg, 0);
        hdr.wrap(ram, ramHeader);
        interrupts = new QxlInterrupts(hdr, this::interruptStatus);
        // the legacy counters exist (at 0) for qxl too, as in the statistics and checkpoints so far
        Counter legacyIo = st.counter("qxl.vga.legacy_io");
        Counter legacyMem = st.counter("qxl.vga.legacy_mem");
        legacyVga = haveVga ? new QxlLegacyVga(this, ram, cfg, p, ioLatencyPs, legacyIo, legacyMem) : null;

        surfaces = new QxlSurfaces(ram, vram, cfg.numSurfaces);
        memslots = new QxlMemslots(ram, vram, host);
        releases = new QxlReleaseRing(host, memslots, hdr, st.counter("qxl.releases"), st.counter("qxl.release_ring_pushes"));
        // registers <id>.worker (after <id>.async_complete, as always)
        worker = new QxlWorker(host, sched, p, hdr, memslots, surfaces, releases, st);
        worker.display(SpiceDisplay.create(p, surfaces.primaryFrames()));

        for (int i = 0; i < IO_RANGE_SIZE; i++) {
            ioCounters[i] = st.counter("qxl.io." + IO_NAMES.get(i));
        }
        ioOutOfRange = st.counter("qxl.io.out_of_range");
        ioIgnoredGuestBug = st.counter("qxl.io.ignored_in_error_state");
        ioReads = st.counter("qxl.io.reads");
        guestBugCounter = st.counter("qxl.guest_bugs");

        memories = List.of(new DeviceMemory("ram", ram), new DeviceMemory("vram", vram), new DeviceMemory("rom", rom));
        scanouts = haveVga ? List.of(surfaces.primaryScanout(), legacyVga.scanout()) : List.of(surfaces.primaryScanout());

        sealResetImage();
        // realize: qxl_reset_state(); then the machine reset runs qxl_reset_handler -> qxl_hard_reset.
        hardReset();
    }

    /** The remote-display update side (issue 24), or null when {@code qxl.spice.algorithms} is none. */
    public SpiceDisplay spiceDisplay() {
        return worker.display();
    }

    private static String checkType(String t) {
        if (!QXL.equals(t) && !QXL_VGA.equals(t)) {
            throw new IllegalArgumentException("qxl: unknown device type '" + t + "' (qxl or qxl-vga)");
        }
        return t;
    }

    // ================================================================== accessors

    public QxlConfig config() {
        return cfg;
    }

    /** BAR0 memory (offsets relative to BAR0). */
    public SparseMemory ramMemory() {
        return ram;
    }

    /** Surface memory (BAR1 aliases its first vram32 bytes; BAR4 the whole). */
    public SparseMemory vramMemory() {
        return vram;
    }

    public SparseMemory romMemory() {
        return rom;
    }

    /** Offset of QXLRam in BAR0. */
    public long ramHeaderOffset() {
        return ramHeader;
    }

    public int mode() {
        return mode;
    }

    public boolean inErrorState() {
        return guestBug;
    }

    /** Guest error reasons, oldest first (at most {@code qxl.max_guest_errors_kept}). */
    public List<String> guestErrors() {
        return errors.list();
    }

    public boolean hasPrimary() {
        return surfaces.active(0);
    }

    public int primaryWidth() {
        return surfaces.primaryWidth();
    }

    public int primaryHeight() {
        return surfaces.primaryHeight();
    }

    /** The 0x00RRGGBB value of primary-surface pixel (x, y), or -1 outside / without a primary. */
    public int primaryPixel(int x, int y) {
        return surfaces.primaryPixel(x, y);
    }

    public long asyncCompletions() {
        return asyncIo.completions();
    }

    /** Memslot summary for tests: active flag. */
    public boolean memslotActive(int slot) {
        return slot >= 0 && slot < NUM_MEMSLOTS && memslots.active(slot);
    }

    // ================================================================== BAR access

    /**
     * BAR0 (RAM), BAR1/BAR4 (VRAM) and BAR2 (ROM) are RAM regions in QEMU (qxl_realize_common):
     * {@link #barAccess} takes them from here, adds {@code qxl.ram_latency} and accesses the memory,
     * nothing else.
     */
    @Override
    public BarMemory memoryBehind(Bar bar) {
        switch (bar.index) {
            case RAM_RANGE_INDEX:
                return ramBehind;
            case VRAM_RANGE_INDEX:
            case VRAM64_RANGE_INDEX:
                return vramBehind;
            case ROM_RANGE_INDEX:
                return romBehind;
            default:
                return null;
        }
    }

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        BarMemory m = memoryBehind(bar);
        if (m != null) {
            // RAM regions; qxl.vrom too, so guest stores to the ROM land (the guest should not make them)
            a.latencyPs += m.latencyPs();
            m.memory().access(a, offset);
            return;
        }
        switch (bar.index) {
            case IO_RANGE_INDEX:
                a.latencyPs += ioLatencyPs;
                if (a.isWrite()) {
                    if (!a.has(Access.F_NO_DATA)) {
                        ioportWrite((int) offset, a.data & 0xFF);
                    }
                } else {
                    // qxl.c ioport_read: "unexpected" read, returns 0xff
                    ioReads.inc();
                    a.data = 0xFF;
                }
                return;
            default:
                a.masterAbort();
        }
    }

    // ================================================================== legacy VGA / Bochs VBE (qxl-vga)

    /** The Bochs VBE registers, or null for {@code qxl}. */
    public BochsVbe vbe() {
        return legacyVga == null ? null : legacyVga.vbe();
    }

    /** The VGA register file, or null for {@code qxl}. */
    public VgaLegacy vga() {
        return legacyVga == null ? null : legacyVga.vga();
    }

    @Override
    public boolean legacyIoAccess(long port, Access a) {
        return legacyVga != null && legacyVga.ioAccess(port, a);
    }

    @Override
    public boolean legacyMemAccess(long busAddr, Access a) {
        return legacyVga != null && legacyVga.memAccess(busAddr, a);
    }

    @Override
    protected void configWritten(int offset, int size, long value) {
        if (offset <= COMMAND + 1 && offset + size > COMMAND) {
            // pci_update_irq_disabled(): INTx Disable gates the pin, the status bit keeps the level.
            driveIrq();
        }
    }

    @Override
    protected void deviceReset(ResetKind kind) {
        // qxl_reset_handler -> qxl_hard_reset(d, 0); the VGA core's reset (vga_common_reset)
        hardReset();
        if (legacyVga != null) {
            legacyVga.reset();
        }
    }

    // ================================================================== I/O ports (qxl.c ioport_write)

    /** A 1-byte write of {@code val} to I/O port {@code port} (offset in BAR3). */
    public void ioportWrite(int port, long val) {
        if (port >= 0 && port < IO_RANGE_SIZE) {
            ioCounters[port].inc();
        } else {
            ioOutOfRange.inc();
        }
        if (guestBug && port != IO_RESET) {
            ioIgnoredGuestBug.inc();
            return;
        }
        if (cfg.revision <= 3 && port > IO_FLUSH_RELEASE) {
            setGuestBug("unsupported io " + port + " for revision " + cfg.revision);
            return;
        }
        switch (port) {
            case IO_RESET:
            case IO_SET_MODE:
            case IO_MEMSLOT_ADD:
            case IO_MEMSLOT_DEL:
            case IO_CREATE_PRIMARY:
            case IO_UPDATE_IRQ:
            case IO_LOG:
            case IO_MEMSLOT_ADD_ASYNC:
            case IO_CREATE_PRIMARY_ASYNC:
                break;
            default:
                if (mode != MODE_VGA) {
                    break;
                }
                // "be nice to buggy guest drivers"
                if (port >= IO_UPDATE_AREA_ASYNC && port < IO_RANGE_SIZE) {
                    interrupts.send(INTERRUPT_IO_CMD);
                }
                return;
        }
        int io = QxlAsyncCommands.syncCommand(port);
        boolean async = QxlAsyncCommands.isAsync(port);
        if (async && !asyncIo.begin(port, io)) {
            return;
        }

        switch (io) {
            case IO_UPDATE_AREA: {
                QxlRect u = hdr.updateArea();
                int top = u.top();
                int left = u.left();
                int bottom = u.bottom();
                int right = u.right();
                long surfaceId = hdr.updateSurface() & 0xFFFF_FFFFL;
                if (surfaceId > cfg.numSurfaces) {
                    setGuestBug("QXL_IO_UPDATE_AREA: invalid surface id " + surfaceId);
                    return;
                }
                if (left >= right || top >= bottom || left < 0 || top < 0) {
                    setGuestBug("QXL_IO_UPDATE_AREA: invalid area (" + left + "x" + top + ")x(" + right + "x" + bottom + ")");
                    if (left == right || top == bottom) {
                        // old drivers may provide empty area, keep going
                        guestBug = false;
                        asyncIo.cancel(async);
                    }
                    return;
                }
                // Rendering is done as commands are consumed, so the area is already up to date.
                asyncIo.called(async);
                return;
            }
            case IO_NOTIFY_CMD:
            case IO_NOTIFY_CURSOR:
                worker.wakeup();
                return;
            case IO_UPDATE_IRQ:
                interrupts.update();
                return;
            case IO_NOTIFY_OOM:
                // spice_qxl_oom (release ring empty): the worker frees what it can and flushes the collected releases.
                releases.oom();
                return;
            case IO_SET_MODE:
                setMode(val);
                return;
            case IO_LOG:
                lastLog = readLogBuf();
                return;
            case IO_RESET:
                hardReset();
                return;
            case IO_MEMSLOT_ADD:
                if (memslots.ioAdd(val, hdr, this, romImage)) {
                    asyncIo.called(async);
                }
                return;
            case IO_MEMSLOT_DEL:
                memslots.ioDelete(val);
                return;
            case IO_CREATE_PRIMARY:
                if (val != 0) {
                    setGuestBug("QXL_IO_CREATE_PRIMARY (async=" + (async ? 1 : 0) + "): val != 0");
                    asyncIo.cancel(async);
                    return;
                }
                QxlSurfaceCreate sc = hdr.createSurface();
                // qxl_create_guest_primary from the QXLSurfaceCreate in QXLRam
                if (createPrimary(sc.width(), sc.height(), sc.stride(), sc.format(), sc.flags(), sc.mem())) {
                    asyncIo.called(async);
                }
                return;
            case IO_DESTROY_PRIMARY:
                if (val != 0) {
                    setGuestBug("QXL_IO_DESTROY_PRIMARY (async=" + (async ? 1 : 0) + "): val != 0");
                    asyncIo.cancel(async);
                    return;
                }
                if (!destroyPrimary()) {
                    asyncIo.cancel(async);
                    return;
                }
                asyncIo.called(async);
                return;
            case IO_DESTROY_SURFACE_WAIT:
                if (val >= cfg.numSurfaces) {
                    setGuestBug("QXL_IO_DESTROY_SURFACE (async=" + (async ? 1 : 0) + "): " + val + " >= NUM_SURFACES");
                    asyncIo.cancel(async);
                    return;
                }
                worker.destroySurface((int) val);
                asyncIo.called(async);
                return;
            case IO_FLUSH_RELEASE: {
                releases.push(true);
                return;
            }
            case IO_FLUSH_SURFACES_ASYNC:
                // spice flush_surfaces: renders everything pending, then flushes releases [inferred].
                releases.flushIfAny();
                asyncIo.called(true);
                return;
            case IO_DESTROY_ALL_SURFACES:
                mode = MODE_UNDEFINED;
                worker.destroyAllSurfaces();
                asyncIo.called(async);
                return;
            case IO_MONITORS_CONFIG_ASYNC:
                worker.monitorsConfig();
                asyncIo.called(true);
                return;
            default:
                setGuestBug("ioport_write: unexpected ioport=0x" + Integer.toHexString(io));
        }
    }

    private String readLogBuf() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < LOG_BUF_SIZE; i++) {
            int c = hdr.logBuf(i) & 0xFF;
            if (c == 0) {
                break;
            }
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return sb.toString();
    }

    // ================================================================== interrupts

    /** The Interrupt Status bit follows QXL's interrupt level (qxl_update_irq); the pin follows it. */
    private void interruptStatus(boolean level) {
        int status = word(STATUS);
        setWord(STATUS, level ? status | STATUS_INTERRUPT : status & ~STATUS_INTERRUPT);
        driveIrq();
    }

    private void driveIrq() {
        boolean level = (word(STATUS) & STATUS_INTERRUPT) != 0 && (command() & CMD_INTX_DISABLE) == 0;
        if (irq != null) {
            irq.set(level, sched.now());
        }
    }

    /** The INTx level the device drives now. */
    public boolean irqLevel() {
        return (word(STATUS) & STATUS_INTERRUPT) != 0 && (command() & CMD_INTX_DISABLE) == 0;
    }

    // ================================================================== guest bugs

    /** qxl_set_guest_bug: QXL_INTERRUPT_ERROR, and the device ignores I/O but RESET until reset. */
    private void setGuestBug(String reason) {
        guestBugCounter.inc();
        errors.record("guest bug: " + reason);
        interrupts.send(INTERRUPT_ERROR);
        guestBug = true;
    }

    /** A spice-server-side rejection (spice_warning / spice_critical): recorded, command dropped. */
    private void spiceError(String reason) {
        errors.record("spice: " + reason);
    }

    // ================================================================== reset (qxl_hard_reset)

    private void hardReset() {
        asyncIo.reset();
        // the worker's pending pass (cancelled after the async completion, as always), qxl_reset_surfaces
        worker.reset();
        // qxl_reset_memslots
        mode = MODE_UNDEFINED;
        memslots.reset();
        // qxl_reset_state: ROM header back from the shadow copy (update_id = 0), QXLRam re-initialised
        romImage.reset();
        initRam();
        releases.reset();
        interrupts.update();
        // qxl_soft_reset
        guestBug = false;
        mode = haveVga ? MODE_VGA : MODE_UNDEFINED;
    }

    /** init_qxl_ram: magic, interrupt words, rings (SPICE_RING_INIT), first release item = 0. */
    private void initRam() {
        hdr.magic(RAM_MAGIC).intPending(0).intMask(0).updateSurface(0).monitorsConfig(0);
        hdr.cmdRing().init(COMMAND_RING_SIZE);
        hdr.cursorRing().init(CURSOR_RING_SIZE);
        hdr.releaseRing().init(RELEASE_RING_SIZE).u64Item(0, 0);
    }

    // ================================================================== memslots and the primary

    /** qxl_create_guest_primary (qxl_set_mode's too); true if spice was called. */
    private boolean createPrimary(int width, int height, int stride, int format, int flags, long memPhys) {
        long h = height & 0xFFFF_FFFFL;
        if (stride == Integer.MIN_VALUE || Math.abs((long) stride) * h > cfg.vgamemSize) {
            setGuestBug("qxl_create_guest_primary: requested primary larger than framebuffer stride " + stride + " x height "
                    + h + " > " + cfg.vgamemSize);
            return false;
        }
        if (mode == MODE_NATIVE) {
            setGuestBug("qxl_create_guest_primary: nop since already in QXL_MODE_NATIVE");
        }
        if (mode == MODE_VGA) {
            // qxl_exit_vga_mode -> qxl_destroy_primary(sync)
            destroyPrimary();
        }
        if ((stride & 3) != 0) {
            setGuestBug("primary surface stride = " + stride + " % 4 != 0");
            return false;
        }
        mode = MODE_NATIVE;
        worker.createPrimary(width, height, stride, format, flags, memPhys);
        return true;
    }

    /** qxl_destroy_primary: false (nothing done) when mode is UNDEFINED. */
    private boolean destroyPrimary() {
        if (mode == MODE_UNDEFINED) {
            return false;
        }
        mode = MODE_UNDEFINED;
        worker.destroyPrimary();
        return true;
    }

    /** qxl_set_mode (QXL_IO_SET_MODE, qxl-1 compat): a bottom-up 32-bit primary at the start of BAR0. */
    private void setMode(long modenr) {
        if (modenr < 0 || modenr >= romImage.modeCount()) {
            setGuestBug("mode number out of range");
            return;
        }
        QxlMode m = romImage.mode(modenr);
        int xRes = m.xRes();
        int yRes = m.yRes();
        int bits = m.bits();
        hardReset();
        long devmem = barDecodes(RAM_RANGE_INDEX) ? barAddress(RAM_RANGE_INDEX) : 0;
        memslots.guestRange(0, devmem, devmem + cfg.ramSize);
        if (!memslots.add(0, devmem, this, romImage)) {
            return;
        }
        createPrimary(xRes, yRes, -xRes * 4, SURFACE_FMT_32_xRGB, 0, devmem);
        mode = MODE_COMPAT;
        romImage.setMode(modenr);
        if (bits == 16) {
            spiceError("set_mode: 16 bpp compat mode rendered as 32 bpp");
        }
    }

    // ================================================================== report and scanouts

    /** Device state for reports; keys sorted, deterministic. Each part adds its own keys. */
    @Override
    public Map<String, Object> report() {
        Map<String, Object> out = new TreeMap<>();
        out.put("type", typeName());
        out.put("mode", modeName(mode));
        out.put("error_state", guestBug);
        if (legacyVga != null) {
            legacyVga.report(out);
        }
        errors.report(out);
        memslots.report(out);
        surfaces.report(out);
        worker.report(out);
        releases.report(out);
        interrupts.report(out);
        out.put("irq_level", irqLevel());
        asyncIo.report(out);
        Map<String, Object> io = new TreeMap<>();
        for (int i = 0; i < IO_RANGE_SIZE; i++) {
            if (ioCounters[i].get() != 0) {
                io.put(IO_NAMES.get(i), ioCounters[i].get());
            }
        }
        out.put("io_writes", io);
        out.put("last_log", lastLog);
        return out;
    }

    /**
     * BAR0's RAM (QXLRam header, rings, the VGA framebuffer), the VRAM behind BAR1/BAR4 and the ROM,
     * in that order: checkpoint sections {@code devmem.<id>.ram}, {@code .vram}, {@code .rom}.
     */
    @Override
    public List<DeviceMemory> memories() {
        return memories;
    }

    /**
     * The QXL primary surface ({@code primary}: what spice shows in native mode) and, on qxl-vga,
     * the Bochs VBE linear framebuffer ({@code vbe}: what the firmware's GOP and a VGA console show).
     */
    @Override
    public List<Scanout> scanouts() {
        return scanouts;
    }

    /** The device's side of the callbacks the spice side makes ({@link QxlHost}), kept off the public API. */
    private final class Host implements QxlHost {
        @Override
        public int mode() {
            return mode;
        }

        @Override
        public boolean inErrorState() {
            return guestBug;
        }

        @Override
        public void sendEvents(int events) {
            interrupts.send(events);
        }

        @Override
        public void setGuestBug(String reason) {
            QxlDevice.this.setGuestBug(reason);
        }

        @Override
        public void spiceError(String reason) {
            QxlDevice.this.spiceError(reason);
        }
    }

    // ================================================================== checkpoints (issue 11)

    /**
     * After the PCI state (type, bdf, config image, readiness time): the configuration the state
     * belongs to, then every mutable field, each written by the part that owns it, in the order the
     * format has had since the parts were one class (so they interleave): device (mode, guest bug),
     * async commands (in flight), worker (pass event), release ring (oom_running), memslots, surface
     * table, surface counts, release ring (chain), memslot lookup (last memory), worker (clip
     * count), ROM shadow, worker (command, drawable, cursor counts), interrupts raised, guest error
     * count, async completions, worker (monitors count), device (last log), guest error list,
     * legacy VGA (present flag, VBE, VGA registers).
     * The device memories are their own sections ({@link #memories()}); the counters kept in the
     * Stats are the {@code stats} section. Scratch buffers (image, clip rects, row) are not state:
     * every command refills them before use.
     */
    @Override
    public void saveState(StateWriter w) {
        super.saveState(w);
        // configuration fingerprint: a checkpoint of a differently sized device is refused
        cfg.saveFingerprint(w, haveVga);
        w.putInt(mode).putBoolean(guestBug);
        asyncIo.saveInFlight(w);
        worker.saveEvent(w);
        releases.saveOomRunning(w);
        memslots.saveSlots(w);
        surfaces.saveTable(w);
        surfaces.saveCounts(w);
        releases.saveChain(w);
        memslots.saveResolved(w);
        worker.saveClip(w);
        romImage.saveShadow(w);
        worker.saveCounts(w);
        interrupts.saveCounts(w);
        errors.saveCount(w);
        asyncIo.saveCompletions(w);
        worker.saveMonitors(w);
        w.putString(lastLog);
        errors.saveList(w);
        w.putBoolean(legacyVga != null);
        if (legacyVga != null) {
            legacyVga.saveState(w);
        }
    }

    /**
     * Reads what {@link #saveState} wrote into a freshly built device of the same configuration
     * (else an InputException naming the difference); every part reads and checks its fields before
     * any field changes, then all apply. Event handles are taken as saved: the kernel section
     * restores its slots exactly, so they name the same pending events. The INTx line is brought to
     * the restored level.
     */
    @Override
    public void restoreState(StateReader r) throws InputException {
        super.restoreState(r);
        cfg.checkFingerprint(r, haveVga, typeName(), stateName());
        int nMode = r.getInt();
        boolean nBug = r.getBoolean();
        List<Runnable> apply = new ArrayList<>();
        QxlAsyncCommands.InFlight inFlight = asyncIo.restoreInFlight(r);
        apply.add(inFlight);
        apply.add(worker.restoreEvent(r));
        apply.add(releases.restoreOomRunning(r));
        QxlCheckpoint ck = new QxlCheckpoint(stateName());
        if (nMode < MODE_UNDEFINED || nMode > MODE_NATIVE || !inFlight.valid()) {
            throw ck.bad("mode " + nMode + " / current async " + inFlight.current);
        }
        apply.add(memslots.restoreSlots(r, ck, this::bar));
        apply.add(surfaces.restoreTable(r, ck));
        apply.add(surfaces.restoreCounts(r, ck));
        apply.add(releases.restoreChain(r, ck));
        apply.add(memslots.restoreResolved(r, ck));
        apply.add(worker.restoreClip(r, ck));
        ck.throwFailed();
        apply.add(romImage.restoreShadow(r));
        apply.add(worker.restoreCounts(r, ck));
        apply.add(interrupts.restoreCounts(r, ck));
        long nErrCount = errors.readCount(r);
        apply.add(asyncIo.restoreCompletions(r, ck));
        apply.add(worker.restoreMonitors(r));
        String nLastLog = r.getString();
        ck.check(nLastLog != null, QxlGuestErrors.LIST);
        apply.add(errors.restoreList(r, ck, nErrCount));
        boolean hasVga = r.getBoolean();
        if (hasVga != (legacyVga != null)) {
            throw ck.bad("VGA state present: " + hasVga);
        }
        if (legacyVga != null) {
            legacyVga.restoreState(r);
        }
        // everything read and checked: apply
        mode = nMode;
        guestBug = nBug;
        lastLog = nLastLog;
        apply.forEach(Runnable::run);
        // The line this device drives follows the restored Interrupt Status and INTx Disable bits.
        // IrqLine (sim-core) has no state of its own in the checkpoint yet: only an actual level
        // difference is driven, so a line restored by the machine first is left untouched.
        if (irq != null && irq.level() != irqLevel()) {
            irq.set(irqLevel(), sched.now());
        }
    }
}
