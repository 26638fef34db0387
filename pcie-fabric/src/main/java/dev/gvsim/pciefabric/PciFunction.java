package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;

/**
 * One PCI function: its 4 KiB configuration space and its BARs. A device model extends this,
 * declares its BARs (and capabilities) in its constructor, and implements the BAR callbacks; the
 * fabric decodes addresses, checks the command register's decode enables, applies the BAR's
 * {@link dev.gvsim.simcore.AccessRules}, and calls {@link #barAccess(Bar, long, Access)} with the
 * offset inside the BAR.
 *
 * <p>Configuration space is a {@link RegisterFile} of declared registers ({@link #registers()}): the
 * header ({@link Type0Header}, {@link Type1Header}), the BARs and ROM a device declares and the
 * capabilities it adds ({@link Capabilities}), each with its fields and source. The declarations
 * compile into QEMU's model (hw/pci/pci.c): a byte image plus a write mask ({@code wmask}: bits
 * software may write) and a write-one-to-clear mask ({@code w1cmask}); a config write is
 * {@code new = (old & ~wmask) | (val & wmask)} then {@code new &= ~(val & w1cmask)}, then the write
 * hooks (power state, FLR). A write to bits nobody declared is listed by {@link #unimplementedWrites}.
 * BAR registers read back the programmed address ANDed with the size mask, so sizing by writing
 * all ones reads back the size mask bit-exactly (PCI Local Bus 3.0 §6.2.5.1).
 *
 * <p>Close to 800 lines because it is the device contract as well as the function: the register
 * declarations live in {@link Type0Header}, {@link Type1Header} and {@link Capabilities}, the
 * capability lists in {@link CapabilityList}, BAR address decode in {@link BarDecode}; what stays is
 * the configuration image and its access, ROM decode, resets, and the contract's hooks (report,
 * memories, scanouts, placement, checkpoints) that every device overrides here.
 */
public abstract class PciFunction implements dev.gvsim.simcore.state.Checkpointable {
    /** Standard configuration header offsets (PCI Local Bus 3.0 §6.1, PCIe Base 4.0 §7.5.1). */
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int LATENCY_TIMER = 0x0D;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int EXPANSION_ROM = 0x30;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    /** Command register bits. */
    public static final int CMD_IO = 0x1;
    public static final int CMD_MEMORY = 0x2;
    public static final int CMD_MASTER = 0x4;
    public static final int CMD_SERR = 0x100;
    public static final int CMD_INTX_DISABLE = 0x400;

    /** Status register bits. */
    public static final int STATUS_CAP_LIST = 0x10;
    public static final int STATUS_INTERRUPT = 0x08;

    public static final int CONFIG_SIZE = 4096;

    /** The declared configuration registers (masks, hooks, power-on image, unimplemented writes). */
    final RegisterFile regs;
    /** The configuration image ({@link #regs}' live image): read directly; device state set with {@link #setWord} and friends. */
    protected final byte[] config;

    protected final Bar[] bars = new Bar[6];
    private boolean allowZeroIo;
    private final String typeName;
    private String id;
    /** Bus/device/function as assigned by the fabric when placed: bus << 8 | dev << 3 | fn. */
    private int bdf = -1;

    protected PciFunction(String typeName, int vendorId, int deviceId, int classCode, int revision, boolean bridge) {
        this.typeName = typeName;
        this.regs = new RegisterFile(typeName + " configuration space", CONFIG_SIZE);
        this.config = regs.image();
        Type0Header.declareCommon(regs, vendorId, deviceId, classCode, revision, bridge);
        if (!bridge) {
            Type0Header.declare(regs); // a bridge's rest of the header: PciBridgeBase (Type1Header)
        }
    }

    /** QEMU's type name ({@code qxl}, {@code pcie-root-port}); used in reports. */
    /**
     * False for a function that stands in for a device gvsim does not model ({@link UnmodelledFunction}):
     * a replay reports reads of its configuration space as not modelled instead of comparing them.
     */
    public boolean modelled() {
        return true;
    }

    public final String typeName() {
        return typeName;
    }

    /** The {@code id=} the user gave, or the type name. */
    public final String id() {
        return id == null ? typeName : id;
    }

    public final void setId(String id) {
        this.id = id;
    }

    public final int bdf() {
        return bdf;
    }

    /** Called by the fabric when the function is placed on a bus. */
    public void setBdf(int bdf) {
        this.bdf = bdf;
    }

    public static String formatBdf(int bdf) {
        return String.format("%02x:%02x.%x", (bdf >> 8) & 0xFF, (bdf >> 3) & 0x1F, bdf & 7);
    }

    public final boolean isBridge() {
        return (config[HEADER_TYPE] & 0x7F) == 1;
    }

    // ---------------------------------------------------------------- declaration (constructors)

    /** Declares a BAR (index 0..5; a 64-bit BAR also takes index + 1). */
    protected final Bar declareBar(Bar bar) {
        int i = bar.index;
        int maxIndex = isBridge() ? 1 : 5;
        if (i < 0 || i > maxIndex || (bar.is64() && i + 1 > maxIndex) || bars[i] != null) {
            throw new IllegalArgumentException(typeName + ": BAR" + i + " cannot be declared here");
        }
        bar.bind(this);
        bars[i] = bar;
        for (Register r : Type0Header.bar(bar)) {
            regs.redeclare(r);
        }
        return bar;
    }

    public final Bar bar(int index) {
        return index >= 0 && index < 6 ? bars[index] : null;
    }

    /** Snapshots the current configuration image as the power-on state; call at the end of the constructor chain. */
    protected final void sealResetImage() {
        regs.seal();
    }

    /**
     * Called by the fabric when the function is placed on {@code bus}, before the power-on image is
     * taken: a device whose configuration depends on its bus (QEMU virtio_pci_realize adds the PCI
     * Express capability only on a PCIe bus below a port, {@link PciBus#isExpressBelowPort}) builds it
     * here and then calls {@link #sealResetImage}. Nothing by default.
     */
    protected void placedOn(PciBus bus) {
    }

    /** Called by the fabric when the function is placed: takes the power-on image if the device did not. */
    final void sealIfNeeded() {
        if (!regs.sealed()) {
            regs.seal();
        }
    }

    /**
     * Declares a configuration register of the device's own (a vendor-specific capability's fields,
     * device-specific space). The header, BARs, ROM and the standard capabilities are declared by the
     * methods that build them.
     */
    protected final void declareRegister(Register r) {
        regs.declare(r);
    }

    /** Replaces the declarations within {@code r}'s bytes by {@code r} (see {@link RegisterFile#redeclare}). */
    protected final void redeclareRegister(Register r) {
        regs.redeclare(r);
    }

    /** Every declared configuration register, by offset, with its fields, reset value and source. */
    public final java.util.List<Register> registers() {
        return regs.registers();
    }

    /**
     * Configuration writes that set bits no register declares (bits the model does not implement),
     * one line per register or undeclared span: {@code "0x06c EXP.SLTCTL bits 0x1000 (1 write)"}.
     */
    public final java.util.List<String> unimplementedWrites() {
        return regs.unimplementedLog();
    }

    /**
     * Offsets inside the configuration space whose image or masks are not zero but which no
     * declaration covers (a value written without declaring its register); empty for a well-declared function.
     */
    public final java.util.List<Integer> undeclaredConfigBytes() {
        return regs.undeclaredBytes(configSpaceSize());
    }

    // ---------------------------------------------------------------- decode

    public final int command() {
        return word(COMMAND);
    }

    public final boolean ioDecode() {
        return (command() & CMD_IO) != 0;
    }

    /**
     * QEMU pci_bar_address: an I/O BAR at address 0 is mapped only if the machine sets
     * {@code mc->pci_allow_0_address} (hw/arm/virt.c does: its PCI I/O space starts at port 0, where
     * EDK II places the first I/O BAR). Set by the fabric when the function is placed.
     */
    public final void setAllowZeroIoAddress(boolean allow) {
        this.allowZeroIo = allow;
    }

    public final boolean memDecode() {
        return (command() & CMD_MEMORY) != 0;
    }

    /** The bus address programmed in BAR {@code i} (without the flag bits), or -1 if not declared. */
    public long barAddress(int i) {
        return BarDecode.address(this, i);
    }

    /**
     * True if BAR {@code i} currently decodes: declared, its space enabled in COMMAND, and a
     * non-zero address (QEMU pci_bar_address: an address of 0 is treated as unmapped, and so is an
     * I/O BAR or a 32-bit BAR whose range wraps), except an I/O BAR at port 0 on a machine that
     * allows it ({@link #setAllowZeroIoAddress}).
     */
    public boolean barDecodes(int i) {
        return BarDecode.decodes(this, i, allowZeroIo);
    }

    // ---------------------------------------------------------------- config access

    /** A configuration read of {@code size} (1, 2, 4) bytes at {@code offset} (0..4095). */
    public long configRead(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (config[offset + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    /**
     * Bumped by every configuration write, reset and restore of this function: everything that
     * decides where a memory access is routed (BARs, command register, bridge windows and control,
     * power state) can only change through those, so the host may cache a decode while the epoch
     * stays the same. The function's own until the host places it, then the host's ({@link RoutingEpoch}).
     */
    private RoutingEpoch routing = new RoutingEpoch();

    /** Called by the host when it places the function: from now on its changes bump the host's epoch. */
    final void useRoutingEpoch(RoutingEpoch epoch) {
        routing = epoch;
    }

    /**
     * A configuration write: the declared registers' masks and write hooks ({@link RegisterFile#write}),
     * then {@link #configWritten} unless a hook reset the function (FLR, D3hot to D0).
     */
    public void configWrite(int offset, int size, long value) {
        routing.bump();
        resetByWrite = false;
        regs.write(offset, size, value);
        if (!resetByWrite) {
            configWritten(offset, size, value);
        }
    }

    /** Set when a write hook reset the function: the rest of the write has no side effects. */
    private boolean resetByWrite;

    /**
     * PMCSR written (PCI PM 1.2 §5.4.1): a write of D1 or D2, which the function does not support,
     * leaves the power state as it was; D3hot to D0 with No_Soft_Reset clear is an internal reset
     * to D0uninitialized.
     */
    private void pmcsrWritten(Register r, long old, long value) {
        int oldPower = (int) old & PMCSR_STATE_MASK;
        int state = (int) value & PMCSR_STATE_MASK;
        if (state == 1 || state == 2) {
            setWord(r.offset(), ((int) value & ~PMCSR_STATE_MASK) | oldPower);
        } else if (oldPower == PM_D3HOT && state == PM_D0 && (value & PMCSR_NO_SOFT_RESET) == 0) {
            selfReset(ResetKind.D3HOT_TO_D0);
        }
    }

    /** Device Control written with Initiate FLR (write-only, reads 0; PCIe Base 4.0 §7.5.3.4): a Function Level Reset. */
    private void devctlWritten(Register r, long old, long value) {
        if ((value & DEVCTL_BCR_FLR) != 0 && (long32(caps.expCap + EXP_DEVCAP) & DEVCAP_FLR) != 0) {
            selfReset(ResetKind.FLR);
        }
    }

    /** A reset the function starts itself: reset, then the fabric applies its timing. */
    private void selfReset(ResetKind kind) {
        reset(kind);
        if (resetListener != null) {
            resetListener.selfReset(this, kind);
        }
        resetByWrite = true;
    }

    /** Side effects of a configuration write (BAR remap, bridge windows, FLR, power state). */
    protected void configWritten(int offset, int size, long value) {
    }

    // ---------------------------------------------------------------- BAR access

    /**
     * An access to BAR {@code bar} at {@code offset} within it (already checked against the BAR's
     * rules and size). Reads set {@code a.data}; writes take {@code a.data}. Bulk accesses carry
     * {@code a.buffer}.
     */
    public abstract void barAccess(Bar bar, long offset, Access a);

    /**
     * The plain memory behind {@code bar}, when {@link #barAccess} on it is exactly "add {@link
     * BarMemory#latencyPs}, then {@link dev.gvsim.simcore.SparseMemory#access} at the offset" for every
     * access, whatever the function's state; null (the default) for a BAR with register semantics.
     */
    public BarMemory memoryBehind(Bar bar) {
        return null;
    }

    /**
     * The stage-2 memory type the host (KVM) gives memory BAR {@code bar} under {@code --stage2 kvm}, as
     * an arm64-mmu trace name ({@code device-ngnre}, {@code normal-nc}, {@code normal-wb}); null (the
     * default) leaves it to the machine: Normal-WB for a {@link #memoryBehind} memslot, Device-nGnRE for
     * an emulated register BAR. A passed-through BAR says what the VMM's policy maps it as
     * (docs/facts/sharing-passthrough.md §2.1).
     */
    public String stage2MemoryType(Bar bar) {
        return null;
    }

    /**
     * True when the VMM emulates {@code bar}: an I/O BAR, or a memory BAR with register semantics
     * ({@link #memoryBehind} null) that the host does not map to the guest ({@link #stage2MemoryType}
     * null). QEMU backs such a region with no RAM, so KVM has no memslot for it and every guest access
     * exits to QEMU (KVM_EXIT_MMIO; arch/arm64/kvm/mmio.c io_mem_abort).
     */
    public final boolean emulatedByVmm(Bar bar) {
        return bar.isIo() || memoryBehind(bar) == null && stage2MemoryType(bar) == null;
    }

    /**
     * Legacy I/O decode: a port the function claims by its class, not by a BAR (a VGA controller's
     * 0x3B0-0x3BB/0x3C0-0x3DF, the Bochs VBE DISPI ports 0x1CE/0x1D0; PCI Local Bus 3.0 §6.2.2,
     * VGA palette snooping aside). The fabric asks only after no BAR and no bridge window on the
     * function's bus claimed {@code port} (QEMU maps BARs and bridge windows above legacy portio:
     * memory_region_add_subregion_overlap priority 1 vs 0). Returns true if the function claimed
     * and performed the access. Must not allocate. Default: no legacy decode.
     */
    public boolean legacyIoAccess(long port, Access a) {
        return false;
    }

    /** Legacy memory decode (the VGA window 0xA0000-0xBFFFF), asked after BARs and bridge windows; see {@link #legacyIoAccess}. */
    public boolean legacyMemAccess(long busAddr, Access a) {
        return false;
    }

    /**
     * The access rules of the function's legacy ports: the fabric fits an access to them ({@link
     * AccessRules#access}) before {@link #legacyIoAccess} sees it. Default {@link AccessRules#PORTIO},
     * QEMU's for port lists (VGA, Bochs VBE): every size valid, 1..4 bytes implemented.
     */
    public AccessRules legacyIoRules() {
        return AccessRules.PORTIO;
    }

    /**
     * The access rules of the function's legacy memory window (see {@link #legacyIoRules}). Default
     * {@link AccessRules#ANY}: {@link #legacyMemAccess} takes 1..8 bytes as they come.
     */
    public AccessRules legacyMemRules() {
        return AccessRules.ANY;
    }

    // ---------------------------------------------------------------- the device contract (issue 19)

    /**
     * The function's state and counters for the report ({@code devices.<id>} in the replay JSON),
     * keys sorted and values deterministic; empty (the default, and the fabric's ports and bridges,
     * which the {@code pci} section reports) leaves the function out.
     */
    public java.util.Map<String, Object> report() {
        return java.util.Map.of();
    }

    /**
     * The memories the device owns (BAR RAM, VRAM, ROM), saved with checkpoints as
     * {@code devmem.<id>.<name>} in this order, right after the function's own section. Default: none.
     */
    public java.util.List<DeviceMemory> memories() {
        return java.util.List.of();
    }

    /** The device's display outputs, for {@code --dump-scanout} and viewers. Default: none. */
    public java.util.List<Scanout> scanouts() {
        return java.util.List.of();
    }

    // ---------------------------------------------------------------- reset

    /** Kinds of reset, each with its spec behaviour. */
    public enum ResetKind {
        /** Power-on / conventional reset: everything back to the power-on image. */
        COLD,
        /** Secondary bus reset from the bridge above (a conventional reset of this function). */
        SECONDARY_BUS,
        /** Function Level Reset (PCIe Base 4.0 §6.6.2). */
        FLR,
        /** D3hot to D0 transition without No_Soft_Reset (PCI PM 1.2 §5.4). */
        D3HOT_TO_D0
    }

    /** Resets configuration space to the power-on image (sticky bits aside) and calls {@link #deviceReset}. */
    public void reset(ResetKind kind) {
        routing.bump();
        if (regs.sealed()) {
            regs.reset();
        }
        deviceReset(kind);
        if (caps.sriov != null) {
            caps.sriov.afterReset(); // VF Enable is clear again: the VFs are gone (PCIe Base 4.0 §9.3.3.3.1)
        }
    }

    /** The device's own reset behaviour (registers, rings, queues). */
    protected void deviceReset(ResetKind kind) {
    }


    // ---------------------------------------------------------------- capabilities (PCI Local Bus 3.0 §6.7, PCIe Base 4.0 §7.5.3, §7.6)

    /** Capability IDs (PCI Code and ID Assignment Spec 1.11 §2). */
    public static final int CAP_ID_PM = 0x01;
    public static final int CAP_ID_MSI = 0x05;
    public static final int CAP_ID_VENDOR = 0x09;
    public static final int CAP_ID_SHPC = 0x0C;
    public static final int CAP_ID_SSVID = 0x0D;
    public static final int CAP_ID_EXP = 0x10;
    public static final int CAP_ID_MSIX = 0x11;
    /** Extended capability IDs (PCIe Base 4.0 §7.6; Code and ID Assignment §3). */
    public static final int EXT_CAP_ID_AER = 0x0001;
    public static final int EXT_CAP_ID_ACS = 0x000D;
    /** Alternative Routing-ID Interpretation (PCIe Base 4.0 §7.8.8). */
    public static final int EXT_CAP_ID_ARI = 0x000E;
    public static final int EXT_CAP_START = 0x100;

    /** Power Management capability registers (PCI PM 1.2 §3.2). */
    public static final int PM_PMC = 2;
    public static final int PM_PMCSR = 4;
    public static final int PMCSR_STATE_MASK = 0x3;
    public static final int PMCSR_NO_SOFT_RESET = 0x8;
    public static final int PMCSR_PME_EN = 0x100;
    public static final int PMCSR_PME_STATUS = 0x8000;
    public static final int PM_D0 = 0;
    public static final int PM_D3HOT = 3;

    /** PCI Express capability registers (PCIe Base 4.0 §7.5.3). */
    public static final int EXP_FLAGS = 0x02;
    public static final int EXP_DEVCAP = 0x04;
    public static final int EXP_DEVCTL = 0x08;
    public static final int EXP_DEVSTA = 0x0A;
    public static final int EXP_LNKCAP = 0x0C;
    public static final int EXP_LNKCTL = 0x10;
    public static final int EXP_LNKSTA = 0x12;
    public static final int EXP_SLTCAP = 0x14;
    public static final int EXP_SLTCTL = 0x18;
    public static final int EXP_SLTSTA = 0x1A;
    public static final int EXP_RTCTL = 0x1C;
    public static final int EXP_RTCAP = 0x1E;
    public static final int EXP_RTSTA = 0x20;
    public static final int EXP_DEVCAP2 = 0x24;
    public static final int EXP_DEVCTL2 = 0x28;
    public static final int EXP_LNKCAP2 = 0x2C;
    public static final int EXP_LNKCTL2 = 0x30;
    public static final int EXP_V2_SIZEOF = 0x3C;
    /** Device/Port Type values in the PCIe Capabilities register bits 7:4 (§7.5.3.2). */
    public static final int EXP_TYPE_ENDPOINT = 0x0;
    public static final int EXP_TYPE_LEGACY_ENDPOINT = 0x1;
    public static final int EXP_TYPE_RC_INTEGRATED = 0x9;
    public static final int EXP_TYPE_ROOT_PORT = 0x4;
    public static final int EXP_TYPE_UPSTREAM = 0x5;
    public static final int EXP_TYPE_DOWNSTREAM = 0x6;
    public static final int EXP_TYPE_PCIE_TO_PCI_BRIDGE = 0x7;
    public static final int EXP_FLAGS_SLOT = 0x0100;
    /** Device Capabilities: Function Level Reset Capability (bit 28). */
    public static final int DEVCAP_FLR = 1 << 28;
    /** Device Control: Initiate Function Level Reset (bit 15, always reads 0). */
    public static final int DEVCTL_BCR_FLR = 0x8000;
    /** Link Capabilities: ASPM L0s support (bits 11:10 = 01). */
    public static final int LNKCAP_ASPMS_L0S = 0x400;
    /** Link Status: Data Link Layer Link Active (bit 13). */
    public static final int LNKSTA_DLLLA = 0x2000;

    /** MSI-X capability registers (PCI Local Bus 3.0 §6.8.2). */
    public static final int MSIX_FLAGS = 2;
    public static final int MSIX_TABLE = 4;
    public static final int MSIX_PBA = 8;
    public static final int MSIX_FLAGS_ENABLE = 0x8000;
    public static final int MSIX_FLAGS_MASKALL = 0x4000;
    public static final int MSIX_MAX_VECTORS = 2048;

    /** The capability lists and where the capabilities the function acts on live. */
    private final CapabilityList caps = new CapabilityList(this);

    /**
     * Links a capability of {@code length} bytes at {@code offset} into the list at 0x34. Like
     * QEMU's pci_add_capability (hw/pci/pci.c), the newest capability becomes the head of the list.
     */
    protected final int addCapability(int capId, int offset, int length) {
        return caps.add(capId, offset, length);
    }

    /** Finds a capability by ID in the list at 0x34 (bounded walk), or 0. */
    public final int findCapability(int capId) {
        return caps.find(capId);
    }

    /** Appends an extended capability header (PCIe Base 4.0 §7.6.2) at {@code offset} (0x100 first). */
    protected final int addExtendedCapability(int capId, int version, int offset, int length) {
        return caps.addExtended(capId, version, offset, length);
    }

    /** Finds an extended capability by ID (bounded walk from 0x100), or 0. */
    public final int findExtendedCapability(int capId) {
        return caps.findExtended(capId);
    }

    /**
     * Power Management capability (PCI PM 1.2 §3.2): PMC version 3; PMCSR PowerState RW (D0/D3hot
     * only: D1/D2 not supported, so writes of 1 or 2 are ignored, §5.4.1), No_Soft_Reset RO,
     * PME_En RW, PME_Status RW1C.
     */
    protected final int addPmCapability(int offset, boolean noSoftReset) {
        addCapability(CAP_ID_PM, offset, 8);
        Capabilities.pm(regs, offset, noSoftReset);
        regs.hook(offset + PM_PMCSR, this::pmcsrWritten);
        caps.pmCap = offset;
        return offset;
    }

    /**
     * PCI Express capability, version 2 (PCIe Base 4.0 §7.5.3), as QEMU's pcie_cap_init builds it:
     * Device/Port type, DevCap (FLR capable if {@code flr}), DevCtl (RW, Initiate FLR),
     * DevSta (error bits RW1C), LnkCap/LnkSta ({@code linkSpeed}, {@code linkWidth}, DLL Link Active
     * for ports that report it). Making a function express gives it 4 KiB of configuration space.
     */
    protected final int addExpressCapability(int offset, int portType, boolean flr, int linkSpeed, int linkWidth) {
        addCapability(CAP_ID_EXP, offset, EXP_V2_SIZEOF);
        Capabilities.express(regs, offset, portType, flr, linkSpeed, linkWidth);
        if (flr) {
            regs.hook(offset + EXP_DEVCTL, this::devctlWritten);
        }
        caps.expCap = offset;
        return offset;
    }

    /**
     * MSI-X capability (PCI Local Bus 3.0 §6.8.2): Message Control with Table Size = vectors − 1
     * (RO) and Enable/Function Mask (RW); Table and PBA offset/BIR registers (RO). The table and
     * PBA live in the named BARs; the device implements them in its {@link #barAccess}.
     */
    protected final int addMsixCapability(int offset, int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
        if (vectors < 1 || vectors > MSIX_MAX_VECTORS || tableBar < 0 || tableBar > 5 || pbaBar < 0 || pbaBar > 5
                || (tableOffset & 7) != 0 || (pbaOffset & 7) != 0) {
            throw new IllegalArgumentException(typeName + ": bad MSI-X layout");
        }
        addCapability(CAP_ID_MSIX, offset, 12);
        Capabilities.msix(regs, offset, vectors, tableBar, tableOffset, pbaBar, pbaOffset);
        caps.msixCap = offset;
        return offset;
    }

    /** A vendor-specific capability (ID 0x09; byte 2 = length), e.g. virtio-pci's cfg structures. */
    protected final int addVendorCapability(int offset, byte[] body) {
        int len = 3 + body.length;
        addCapability(CAP_ID_VENDOR, offset, len);
        Capabilities.vendor(regs, offset, body);
        return offset;
    }

    /** Subsystem Vendor ID capability for bridges (PCI-to-PCI Bridge 1.2 §3.2.5.15 / ID 0x0D). */
    protected final int addSsvidCapability(int offset, int ssvid, int ssid) {
        addCapability(CAP_ID_SSVID, offset, 8);
        Capabilities.ssvid(regs, offset, ssvid, ssid);
        return offset;
    }

    /**
     * MSI capability (PCI Local Bus 3.0 §6.8.1) of {@code length} bytes with Message Control
     * {@code control}: MSI Enable and Multiple Message Enable writable. The message address, data and
     * mask registers are not implemented (they read 0; writes to them are reported as unimplemented).
     */
    protected final int addMsiCapability(int offset, int length, int control) {
        addCapability(CAP_ID_MSI, offset, length);
        Capabilities.msi(regs, offset, control);
        return offset;
    }

    /** SR-IOV extended capability (PCIe Base 4.0 §9.3.3; {@link SriovCapability}): a PF whose VFs {@link #createVirtualFunction} builds. */
    protected final SriovCapability addSriovCapability(int offset, SriovCapability.Spec spec) {
        addExtendedCapability(SriovCapability.EXT_CAP_ID, 1, offset, SriovCapability.LENGTH);
        caps.sriov = new SriovCapability(this, offset, spec);
        caps.sriov.declare(regs);
        return caps.sriov;
    }

    /** The function's SR-IOV capability, or null. */
    public final SriovCapability sriov() {
        return caps.sriov;
    }

    /**
     * The device contract for SR-IOV: the model of VF {@code n} (1-based) of this PF, asked by the
     * fabric when VF Enable is set ({@link SriovCapability}); null (the default) = none is created.
     */
    protected VirtualFunction createVirtualFunction(SriovCapability cap, int n) {
        return null;
    }

    public final int pmCapability() {
        return caps.pmCap;
    }

    public final int expressCapability() {
        return caps.expCap;
    }

    public final int msixCapability() {
        return caps.msixCap;
    }

    public final boolean isExpress() {
        return caps.expCap != 0;
    }

    /** Configuration space size: 4 KiB for PCI Express functions, 256 B for conventional ones. */
    public int configSpaceSize() {
        return caps.expCap != 0 ? CONFIG_SIZE : 256;
    }

    /** Current power state from PMCSR (0 = D0 if there is no PM capability). */
    public final int powerState() {
        return caps.pmCap == 0 ? PM_D0 : word(caps.pmCap + PM_PMCSR) & PMCSR_STATE_MASK;
    }

    public final boolean msixEnabled() {
        return caps.msixCap != 0 && (word(caps.msixCap + MSIX_FLAGS) & MSIX_FLAGS_ENABLE) != 0;
    }

    // ---------------------------------------------------------------- expansion ROM (PCI Local Bus 3.0 §6.2.5.2)

    /** Expansion ROM BAR: address bits 31:11, enable bit 0. */
    public static final int ROM_ENABLE = 0x1;
    public static final int ROM_ADDRESS_MASK = 0xFFFF_F800;
    public static final int EXPANSION_ROM_TYPE1 = 0x38;
    private long romSize;

    /** Declares an expansion ROM of {@code size} bytes (a power of two, at least 2 KiB). */
    protected final void declareRom(long size) {
        if (size < 2048 || (size & (size - 1)) != 0 || size > (1L << 31)) {
            throw new IllegalArgumentException(typeName + ": expansion ROM size must be a power of two >= 2 KiB");
        }
        romSize = size;
        regs.redeclare(Type0Header.rom(romOffset(), size));
    }

    public final long romSize() {
        return romSize;
    }

    /** Offset of the expansion ROM BAR: 0x30 in a type 0 header, 0x38 in a type 1 header. */
    public final int romOffset() {
        return isBridge() ? EXPANSION_ROM_TYPE1 : EXPANSION_ROM;
    }

    public final long romAddress() {
        return romSize == 0 ? -1 : long32(romOffset()) & ROM_ADDRESS_MASK & 0xFFFF_FFFFL;
    }

    /** True if the ROM decodes: declared, enable bit set, memory space enabled, non-zero address, in D0. */
    public final boolean romDecodes() {
        return romSize != 0 && (long32(romOffset()) & ROM_ENABLE) != 0 && memDecode() && romAddress() != 0 && powerState() == PM_D0;
    }

    /** A read of the expansion ROM at {@code offset}; all ones unless the device supplies an image. */
    public void romAccess(long offset, Access a) {
        if (a.isRead()) {
            a.data = a.sizeMask();
        }
    }

    // ---------------------------------------------------------------- reset timing

    private long readyAtPs;

    /** Simulated time (ps) before which the function is still in reset (config reads complete with CRS). */
    public final long readyAtPs() {
        return readyAtPs;
    }

    public final void setReadyAtPs(long ps) {
        readyAtPs = ps;
    }

    /** Hook for the fabric: called when this function performs a reset it started itself (FLR, D3hot->D0). */
    private ResetListener resetListener;

    /** Receives self-initiated resets (FLR, D3hot->D0) so the fabric can apply the spec timing. */
    public interface ResetListener {
        void selfReset(PciFunction f, ResetKind kind);
    }

    public final void setResetListener(ResetListener l) {
        resetListener = l;
    }

    // ---------------------------------------------------------------- helpers

    protected final int word(int off) {
        return (config[off] & 0xFF) | (config[off + 1] & 0xFF) << 8;
    }

    protected final int long32(int off) {
        return (config[off] & 0xFF) | (config[off + 1] & 0xFF) << 8 | (config[off + 2] & 0xFF) << 16 | (config[off + 3] & 0xFF) << 24;
    }

    /**
     * Sets a byte of the image as the device: a power-on value before {@link #sealResetImage} (it
     * becomes the declared register's reset value), device state after (status bits, link state).
     * Masks and hooks do not apply.
     */
    protected final void setByte(int off, int v) {
        regs.set(off, 1, v);
    }

    protected final void setWord(int off, int v) {
        regs.set(off, 2, v);
    }

    protected final void setLong32(int off, int v) {
        regs.set(off, 4, v);
    }

    @Override
    public String toString() {
        return id() + " [" + String.format("%04x:%04x", word(VENDOR_ID), word(DEVICE_ID)) + "]" + (bdf >= 0 ? " at " + formatBdf(bdf) : "");
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String stateName() {
        return "pci." + (id != null ? id : typeName + "@" + formatBdf(bdf));
    }

    /**
     * Type, placement and the 4 KiB configuration image (BARs, command, windows, bridge control,
     * power state, capability registers), reset timing and the unimplemented-write record. A device with more state overrides this, calls super
     * first and appends its own fields (issue 11: every model class takes part).
     */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putString(typeName);
        w.putInt(bdf);
        w.putBytes(config, 0, CONFIG_SIZE);
        w.putLong(readyAtPs); // reset timing: config requests complete with CRS until then
        regs.saveUnimplemented(w); // the writes to unimplemented bits the report lists
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        String t = r.getString();
        int b = r.getInt();
        if (!typeName.equals(t)) {
            throw new dev.gvsim.simcore.InputException("checkpoint " + stateName() + " holds a " + t + " at " + formatBdf(b)
                    + ", this machine has a " + typeName);
        }
        // the bdf follows from the bridges' bus numbers restored with them: the host re-derives it
        // (PciHost.refreshBdfs) once every function is restored
        r.getBytes(config, 0, CONFIG_SIZE);
        readyAtPs = r.getLong();
        regs.restoreUnimplemented(r);
        routing.bump(); // BARs and windows may have changed under any cached decode
        if (caps.sriov != null) {
            caps.sriov.afterRestore(); // the VFs the restored VF Enable / NumVFs say; their sections follow
        }
    }
}
