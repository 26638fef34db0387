package dev.gvsim.gpupassthroughmodel;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.BarKind;
import dev.gvsim.pciefabric.BarMemory;
import dev.gvsim.pciefabric.DeviceMemory;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.SriovCapability;
import dev.gvsim.pciefabric.VirtualFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * A passed-through GPU function (issue 25), built from a {@link GpuProfile}: the card's identity,
 * BARs and capabilities declared on pcie-fabric's register layer (PM with the profile's
 * No_Soft_Reset, PCIe with its FLR capability, MSI, MSI-X with the table in the profile's BAR,
 * SR-IOV with its VFs, {@link GpuVirtualFunction}), the model registers of {@link dev.gvsim.gpupassthroughmodel.layout.GpuRegs}
 * at the start of the register BAR, VRAM behind the VRAM BAR as plain memory, the doorbell, and the
 * card's reset state: the firmware state, VRAM contents and MSI-X table survive exactly the resets
 * the profile's quirk lists ({@code keeps_state_across}), and the vendor reset clears them.
 *
 * <p>The stage-2 memory type of each BAR ({@link #stage2MemoryType}) follows the VMM policy given
 * with {@code host-s2=}: {@link HostS2#DEVICE} (KVM before 6.9), {@link HostS2#NORMAL_NC}
 * ({@code VM_ALLOW_ANY_UNCACHED}, 6.9), {@link HostS2#ADAPTIVE} (prefetchable BARs Normal-NC,
 * the others Device-nGnRE); docs/facts/sharing-passthrough.md §2.1, arm64-memory.md §6.
 *
 * <p>The same class serves the card's audio function ({@code -device gpu-passthrough-audio}): the
 * profile's {@code audio} function, with no VRAM and no firmware of its own; a bus reset resets both
 * because both sit below the same bridge (HostResets resets every function on the secondary bus).
 */
public final class GpuPassthroughDevice extends PciFunction {
    /** The {@code -device} drivers. */
    public static final String GPU = "gpu-passthrough";
    public static final String AUDIO = "gpu-passthrough-audio";

    /** The VMM's stage-2 policy for the card's BARs. */
    public enum HostS2 {
        DEVICE("device"), NORMAL_NC("normal-nc"), ADAPTIVE("adaptive");

        public final String word;

        HostS2(String word) {
            this.word = word;
        }

        static HostS2 parse(String driver, String s) {
            for (HostS2 h : values()) {
                if (h.word.equals(s)) {
                    return h;
                }
            }
            throw new IllegalArgumentException("Property '" + driver + ".host-s2' doesn't take value '" + s + "' (device, normal-nc, adaptive)");
        }
    }

    /** Stage-2 memory types as trace names (arm64-mmu MemoryType). */
    static final String S2_DEVICE = "device-ngnre";
    static final String S2_NORMAL_NC = "normal-nc";

    /** Register and doorbell BARs: 1..8-byte aligned accesses, implemented 4 bytes at a time (32-bit registers). */
    static final AccessRules REGISTER_RULES = new AccessRules(1, 8, false, 4, 4);

    private final GpuProfile profile;
    private final GpuProfile.Function fn;
    private final boolean graphics;
    private final HostS2 hostS2;
    private final Clock clock;
    private final Bar regBar;
    private final Bar vramBar;
    private final Bar doorbellBar;
    private final Bar msixBar;
    private final SparseMemory vram;
    private final BarMemory vramBehind;
    private final RegisterFile mmio;
    private final byte[] msixTable;
    private final long msixTableOffset;
    private final long msixPbaOffset;

    // ---- card state (checkpointed)
    private int fwState = FW_POST;
    private long fwReadyAtPs;
    private long fwLoads;
    private long fence;
    private long scratch;
    /** Resets that reached the card vs resets its quirk ignored, by kind. */
    private final long[] resetsApplied = new long[ResetKind.values().length];
    private final long[] resetsIgnored = new long[ResetKind.values().length];
    private long vendorResets;
    /**
     * Power-state residency: time spent in D0, D3hot (PCI PM 1.2 §5.4) and D3cold (main power removed
     * by the slot above: the fabric leaves the function unable to answer, readyAtPs = Long.MAX_VALUE),
     * accounted at each change; D3cold ends at the first configuration write after power returns.
     */
    private final long[] residencyPs = new long[3];
    private static final String[] POWER_NAMES = {"D0", "D3hot", "D3cold"};
    private int lastPower;
    private long lastPowerAt;

    private final Counter doorbells;
    /** The card's mdev-style slices (profile {@code partitioning.mdev}), or null. */
    private final MdevSlices mdev;
    /** The engine time of one job in the slices' schedule ({@link GpuPassthroughDeviceType#MDEV_JOB}). */
    long mdevJobPs = 5_000_000_000L;
    private final Counter unmodelledAccesses;
    private final Counter refusedCommands;

    GpuPassthroughDevice(String driver, GpuProfile profile, HostS2 hostS2, Clock clock, Stats stats, String statsPrefix) {
        super(driver, fnOf(driver, profile).vendorId(), fnOf(driver, profile).deviceId(), fnOf(driver, profile).classCode(),
                fnOf(driver, profile).revision(), false);
        this.profile = profile;
        this.fn = fnOf(driver, profile);
        this.graphics = GPU.equals(driver);
        this.hostS2 = hostS2;
        this.clock = clock;
        setWord(SUBSYSTEM_VENDOR_ID, fn.subsystemVendorId());
        setWord(SUBSYSTEM_ID, fn.subsystemId());
        if (profile.audio() != null) {
            setByte(HEADER_TYPE, 0x80); // multi-function device (PCI Local Bus 3.0 §6.2.1): graphics at .0, audio at .1
        }
        BarRoles roles = BarRoles.declare(fn.bars(), b -> declareBar(new Bar(b.index(), b.isIo() ? BarKind.IO : b.is64() ? BarKind.MEM64
                : BarKind.MEM32, b.size(), b.prefetchable(), BarRoles.rules(b), b.role())));
        this.regBar = roles.registers;
        this.vramBar = graphics ? roles.vram : null;
        this.doorbellBar = roles.doorbell;
        this.vram = vramBar != null ? new SparseMemory(driver + ".vram", vramBar.size) : null;
        this.vramBehind = vram != null ? new BarMemory(vram, 0) : null;
        this.mmio = new RegisterFile(driver + " register BAR", BLOCK_SIZE);
        declareMmio();
        // Capabilities: pcie-fabric links the newest at the head of the list (QEMU pci_add_capability),
        // so they are added in reverse to read back in the profile's order.
        GpuProfile.CapSpec msix = fn.capability("msix");
        List<GpuProfile.CapSpec> caps = fn.capabilities();
        for (int i = caps.size() - 1; i >= 0; i--) {
            GpuProfile.CapSpec c = caps.get(i);
            switch (c.type()) {
                case "pm" -> addPmCapability(c.offset(), c.noSoftReset());
                case "pcie" -> addExpressCapability(c.offset(), EXP_TYPE_ENDPOINT, c.flr(), 3, 16);
                case "msi" -> addMsiCapability(c.offset(), MSI_LENGTH_64, MSI_64BIT | (Integer.numberOfTrailingZeros(c.vectors()) << 1));
                case "msix" -> addMsixCapability(c.offset(), c.vectors(), c.tableBar(), c.tableOffset(), c.tableBar(), c.pbaOffset());
                default -> {
                }
            }
        }
        GpuProfile.CapSpec sriov = graphics ? fn.capability("sriov") : null;
        if (sriov != null) {
            List<SriovCapability.VfBar> vfBars = new java.util.ArrayList<>();
            for (GpuProfile.BarSpec b : sriov.vfBars()) {
                vfBars.add(new SriovCapability.VfBar(b.index(), b.is64() ? BarKind.MEM64 : BarKind.MEM32, b.size(), b.prefetchable(), b.role()));
            }
            addSriovCapability(sriov.offset(), new SriovCapability.Spec(sriov.totalVfs(), sriov.firstVfOffset(), sriov.vfStride(),
                    sriov.vfDeviceId(), vfBars));
            // ARI (PCIe Base 4.0 §7.8.8): the PF is ARI-capable so its VFs at device numbers > 0 below a port are reachable once the
            // port's ARI Forwarding is enabled (Linux pci_configure_ari); one PF, no function groups
            int ari = addExtendedCapability(EXT_CAP_ID_ARI, 1, sriov.offset() + SriovCapability.LENGTH, 8);
            declareRegister(Register.whole("ARI.CAPABILITY", ari + 4, 2, FieldKind.RO, 0,
                    "PCIe Base 4.0 §7.8.8.2: no MFVC/ACS function groups, Next Function Number 0 (the only PF)"));
            declareRegister(Register.whole("ARI.CONTROL", ari + 6, 2, FieldKind.RO, 0, "PCIe Base 4.0 §7.8.8.3: function groups not supported"));
        }
        this.msixBar = msix != null ? bar(msix.tableBar()) : null;
        this.msixTable = msix != null ? new byte[16 * msix.vectors()] : new byte[0];
        this.msixTableOffset = msix != null ? msix.tableOffset() : -1;
        this.msixPbaOffset = msix != null ? msix.pbaOffset() : -1;
        sealResetImage();
        mmio.seal();
        this.mdev = graphics && profile.partitioning().mdev() != null && vramBar != null ? new MdevSlices(profile.partitioning().mdev(), vramBar.size)
                : null;
        this.doorbells = stats.counter(statsPrefix + ".doorbells");
        this.unmodelledAccesses = stats.counter(statsPrefix + ".unmodelled_register_accesses");
        this.refusedCommands = stats.counter(statsPrefix + ".refused_commands");
    }

    /** MSI capability of a 64-bit function without per-vector masking: 14 bytes (PCI Local Bus 3.0 §6.8.1). */
    static final int MSI_LENGTH_64 = 0x0E;
    static final int MSI_64BIT = 0x80;

    private static GpuProfile.Function fnOf(String driver, GpuProfile p) {
        if (AUDIO.equals(driver)) {
            if (p.audio() == null) {
                throw new IllegalArgumentException("profile '" + p.name() + "' has no audio function (" + AUDIO + " needs one)");
            }
            return p.audio();
        }
        return p.gpu();
    }

    private void declareMmio() {
        String model = "gvsim model register (layout.GpuRegs; issue 25)";
        mmio.declare(Register.whole("ID", ID, 4, FieldKind.RO, (long) fn.deviceId() << 16 | fn.vendorId(), model + ": vendor | device << 16"));
        mmio.declare(Register.whole("FW_STATE", FW_STATE, 4, FieldKind.RO, FW_POST, model + ": firmware state (SMU/PSP-like)"));
        mmio.declare(Register.whole("FW_LOAD", FW_LOAD, 4, FieldKind.WO, 0, model + ": start the firmware with FW_LOAD_KEY"), this::fwLoadWritten);
        mmio.declare(Register.whole("SCRATCH", SCRATCH, 4, FieldKind.RW, 0, model + ": scratch"));
        mmio.declare(Register.whole("VENDOR_RESET", VENDOR_RESET, 4, FieldKind.WO, 0, model + ": vendor reset (BACO) with VENDOR_RESET_KEY"),
                this::vendorResetWritten);
        mmio.declare(Register.whole("FENCE", FENCE, 4, FieldKind.RO, 0, model + ": last doorbell value processed"));
        mmio.declare(Register.whole("DOORBELL", DOORBELL, 4, FieldKind.WO, 0, model + ": doorbell"), (r, o, v) -> ring(v));
        mmio.declare(Register.whole("FW_LOADS", FW_LOADS, 4, FieldKind.RO, 0, model + ": firmware loads since the last effective reset"));
    }

    public GpuProfile profile() {
        return profile;
    }

    public HostS2 hostS2() {
        return hostS2;
    }

    /** The card's mdev-style slices, or null when its profile has none. */
    public MdevSlices mdevSlices() {
        return mdev;
    }

    // ------------------------------------------------------------------ the device contract

    /**
     * The stage-2 type of each memory BAR under the VMM's policy (docs/facts/sharing-passthrough.md
     * §2.1): device = Device-nGnRE everywhere (KVM before Linux 6.9), normal-nc = Normal-NC everywhere
     * ({@code VM_ALLOW_ANY_UNCACHED}, 6.9), adaptive = prefetchable apertures Normal-NC, register BARs
     * Device-nGnRE.
     */
    @Override
    public String stage2MemoryType(Bar bar) {
        return stage2For(hostS2, bar);
    }

    /** The stage-2 type of {@code bar} under policy {@code h}: the PF's and its VFs' BARs follow the same policy. */
    static String stage2For(HostS2 h, Bar bar) {
        if (bar.isIo()) {
            return null;
        }
        return switch (h) {
            case DEVICE -> S2_DEVICE;
            case NORMAL_NC -> S2_NORMAL_NC;
            case ADAPTIVE -> bar.prefetchable ? S2_NORMAL_NC : S2_DEVICE;
        };
    }

    /** The device contract for SR-IOV: VF {@code n} of this card ({@link GpuVirtualFunction}), with the profile's VF BARs. */
    @Override
    protected VirtualFunction createVirtualFunction(SriovCapability cap, int n) {
        return new GpuVirtualFunction(this, cap, n);
    }

    @Override
    public BarMemory memoryBehind(Bar bar) {
        return bar == vramBar ? vramBehind : null;
    }

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        if (bar == vramBar) {
            vram.access(a, offset);
        } else if (bar == msixBar && msixTableOffset >= 0 && offset >= msixTableOffset && offset < msixTableOffset + msixTable.length) {
            msixAccess((int) (offset - msixTableOffset), a);
        } else if (bar == msixBar && msixPbaOffset >= 0 && offset >= msixPbaOffset && offset < msixPbaOffset + 8L * ((msixTable.length / 16 + 63) / 64)) {
            if (a.isRead()) {
                a.data = 0; // no message pending: the model sends none (the virt board has no MSI controller)
            }
        } else if (bar == regBar && offset + a.size <= BLOCK_SIZE) {
            registerAccess((int) offset, a);
        } else if (bar == doorbellBar && offset == 0) {
            if (a.isRead()) {
                a.data = 0;
            } else {
                ring(a.data);
            }
        } else {
            // the rest of a real card's registers: not modelled; reads 0, writes dropped, counted
            unmodelledAccesses.inc();
            if (a.isRead()) {
                a.data = 0;
            }
        }
    }

    private void registerAccess(int offset, Access a) {
        if (a.isRead()) {
            refreshMmio();
            a.data = mmio.read(offset, a.size);
        } else {
            mmio.write(offset, a.size, a.data);
            scratch = mmio.read(SCRATCH, 4);
        }
    }

    /** The RO registers' live values into the register image before a read. */
    private void refreshMmio() {
        mmio.set(FW_STATE, 4, firmwareState());
        mmio.set(FENCE, 4, fence);
        mmio.set(FW_LOADS, 4, fwLoads);
    }

    /** The firmware state now: a load in progress is running once its time has passed. */
    public int firmwareState() {
        if (fwState == FW_LOADING && clock.now() >= fwReadyAtPs) {
            fwState = FW_RUNNING;
        }
        return fwState;
    }

    private void fwLoadWritten(Register r, long old, long value) {
        if (!graphics || (int) value != FW_LOAD_KEY || firmwareState() != FW_POST) {
            // a wrong key, or a load while the firmware runs (what a driver meets on a card its reset did not reach): refused
            refusedCommands.inc();
            return;
        }
        fwState = FW_LOADING;
        fwReadyAtPs = clock.now() + profile.firmwareInitPs();
        fwLoads++;
    }

    private void vendorResetWritten(Register r, long old, long value) {
        if (!graphics || (int) value != VENDOR_RESET_KEY || "none".equals(profile.vendorReset())) {
            refusedCommands.inc();
            return;
        }
        vendorReset();
    }

    /**
     * The card's vendor-specific reset (BACO for the AMD profile): firmware, VRAM and MSI-X back to
     * power-on; the function answers configuration requests with CRS for the profile's
     * {@code vendor_reset_time}. Configuration space is left as it is (the bus stays active).
     */
    public void vendorReset() {
        vendorResets++;
        clearCardState();
        setReadyAtPs(Math.max(readyAtPs(), clock.now() + profile.vendorResetPs()));
    }

    private void ring(long value) {
        if (!memDecode()) {
            return;
        }
        doorbells.inc();
        fence = value & 0xFFFF_FFFFL;
    }

    private void msixAccess(int off, Access a) {
        int n = Math.min(a.size, msixTable.length - off);
        if (a.isRead()) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v |= (msixTable[off + i] & 0xFFL) << (8 * i);
            }
            a.data = v;
        } else {
            for (int i = 0; i < n; i++) {
                msixTable[off + i] = (byte) (a.data >>> (8 * i));
            }
        }
    }

    // ------------------------------------------------------------------ resets

    /** Accounts the time since the last power-state change to the state the function was in. */
    private void accountPower() {
        long now = clock.now();
        residencyPs[lastPower] += now - lastPowerAt;
        lastPowerAt = now;
        lastPower = powerIndex();
    }

    /** 0 = D0, 1 = D3hot, 2 = D3cold. */
    private int powerIndex() {
        return readyAtPs() == Long.MAX_VALUE ? 2 : powerState() == PM_D0 ? 0 : 1;
    }

    @Override
    protected void configWritten(int offset, int size, long value) {
        if (lastPower == 2 || pmCapability() != 0 && offset <= pmCapability() + PM_PMCSR && offset + size > pmCapability() + PM_PMCSR) {
            accountPower();
        }
    }

    @Override
    protected void deviceReset(ResetKind kind) {
        accountPower(); // a reset returns the function to D0 (its PMCSR is back to the power-on value)
        String quirk = switch (kind) {
            case FLR -> "flr";
            case D3HOT_TO_D0 -> "pm";
            case SECONDARY_BUS -> "bus";
            default -> null;
        };
        if (graphics && quirk != null && profile.keepsStateAcross(quirk)) {
            resetsIgnored[kind.ordinal()]++; // the reset bug: configuration space is reset, the chip is not
            return;
        }
        resetsApplied[kind.ordinal()]++;
        clearCardState();
    }

    private void clearCardState() {
        fwState = FW_POST;
        fwReadyAtPs = 0;
        fwLoads = 0;
        fence = 0;
        scratch = 0;
        mmio.reset();
        java.util.Arrays.fill(msixTable, (byte) 0);
        if (vram != null && vram.pagesAllocated() > 0) {
            // zero the pages written so far (walking all 256 MiB would cost every reset 64 Ki page look-ups)
            java.util.List<Long> pages = new java.util.ArrayList<>();
            vram.forEachPage((addr, contents) -> pages.add(addr));
            for (long addr : pages) {
                vram.fill(addr, SparseMemory.PAGE_SIZE, (byte) 0);
            }
        }
    }

    // ------------------------------------------------------------------ report, memories, checkpoints

    @Override
    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", profile.name());
        m.put("function", graphics ? "graphics" : "audio");
        m.put("host_s2", hostS2.word);
        m.put("power_state", POWER_NAMES[powerIndex()]);
        accountPower();
        m.put("residency_ps", Map.of("D0", residencyPs[0], "D3hot", residencyPs[1], "D3cold", residencyPs[2]));
        m.put("firmware_state", graphics ? fwName(firmwareState()) : "none");
        m.put("firmware_loads", fwLoads);
        m.put("fence", fence);
        m.put("vram_pages", vram != null ? vram.pagesAllocated() : 0);
        Map<String, Object> resets = new LinkedHashMap<>();
        for (ResetKind k : ResetKind.values()) {
            if (resetsApplied[k.ordinal()] + resetsIgnored[k.ordinal()] > 0) {
                resets.put(k.name().toLowerCase(), Map.of("applied", resetsApplied[k.ordinal()], "ignored_by_quirk", resetsIgnored[k.ordinal()]));
            }
        }
        m.put("resets", resets);
        m.put("vendor_resets", vendorResets);
        m.put("doorbells", doorbells.get());
        m.put("refused_commands", refusedCommands.get());
        m.put("unmodelled_register_accesses", unmodelledAccesses.get());
        if (sriov() != null) {
            m.put("sriov", sriov().report());
        }
        if (mdev != null) {
            Map<String, Object> md = new LinkedHashMap<>();
            md.put("vram_slice_bytes", mdev.sliceBytes());
            md.put("schedule_all_busy", mdev.schedule(mdevJobPs, mdev.instances()));
            md.put("schedule_one_busy", mdev.schedule(mdevJobPs, 1));
            m.put("mdev", md);
        }
        m.put("defaults_used", profile.defaultsUsed());
        return m;
    }

    static String fwName(int s) {
        return s == FW_POST ? "post" : s == FW_LOADING ? "loading" : "running";
    }

    @Override
    public List<DeviceMemory> memories() {
        return vram != null ? List.of(new DeviceMemory("vram", vram)) : List.of();
    }

    @Override
    public void saveState(StateWriter w) {
        super.saveState(w);
        w.putString(profile.name());
        w.putInt(fwState).putLong(fwReadyAtPs).putLong(fwLoads).putLong(fence).putLong(scratch).putLong(vendorResets);
        for (int i = 0; i < resetsApplied.length; i++) {
            w.putLong(resetsApplied[i]).putLong(resetsIgnored[i]);
        }
        w.putBytes(msixTable, 0, msixTable.length);
        w.putLong(residencyPs[0]).putLong(residencyPs[1]).putLong(residencyPs[2]).putInt(lastPower).putLong(lastPowerAt);
    }

    @Override
    public void restoreState(StateReader r) throws InputException {
        byte[] before = config.clone(); // the checks below come after the function's section: undo it if they refuse
        long readyBefore = readyAtPs();
        super.restoreState(r);
        String p = r.getString();
        int st = r.getInt();
        if (!profile.name().equals(p) || st < FW_POST || st > FW_RUNNING) {
            System.arraycopy(before, 0, config, 0, before.length);
            setReadyAtPs(readyBefore);
            throw new InputException("checkpoint " + stateName() + (profile.name().equals(p) ? ": firmware state " + st + " outside 0..2"
                    : " holds profile " + p + ", this machine has " + profile.name()));
        }
        fwState = st;
        fwReadyAtPs = r.getLong();
        fwLoads = r.getLong();
        fence = r.getLong();
        scratch = r.getLong();
        vendorResets = r.getLong();
        for (int i = 0; i < resetsApplied.length; i++) {
            resetsApplied[i] = r.getLong();
            resetsIgnored[i] = r.getLong();
        }
        r.getBytes(msixTable, 0, msixTable.length);
        residencyPs[0] = r.getLong();
        residencyPs[1] = r.getLong();
        residencyPs[2] = r.getLong();
        lastPower = Math.floorMod(r.getInt(), 3);
        lastPowerAt = r.getLong();
        mmio.set(SCRATCH, 4, scratch);
    }
}
