package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;

/**
 * QEMU's {@code pcie-root-port} (hw/pci-bridge/gen_pcie_root_port.c, pcie_root_port.c), 1b36:000c,
 * class 0x060400, as read in the qxl_rp and uefi_vgpurp1_qxlrp2 reference traces:
 *
 * <pre>
 * 0x34 -> 0x54 PCI Express v2, root port, slot implemented (0x56 -> 0x0142)
 *      -> 0x48 MSI-X, 1 vector, table BAR0 + 0, PBA BAR0 + 0x800 (0x48 -> 0x4011)
 *      -> 0x40 Subsystem Vendor ID 0x1b36 (0x40 -> 0xd, 0x44 -> 0x1b36)
 * 0x100 AER v2 (0x14820001) -> 0x148 ACS (0x1000d)
 * BAR0: 4 KiB MSI-X (sizes 0xfffff000); no expansion ROM (0x38 reads 0); 16-bit I/O; 64-bit prefetchable
 * reset: I/O 0xf0, memory 0xfff0, prefetchable 0x1fff1 (pci_bridge_disable_base_limit)
 * DevCap 0x8000, LnkCap 0x300604 (16 GT/s x32), LnkSta 0x2204, SltCap 0x2007b | slot << 19,
 * SltCtl 0x1c0, SltSta 0x40 (presence), DevCap2 0x300020, LnkCtl2 0x4
 * </pre>
 */
public class RootPort extends PciBridgeBase {
    public static final String TYPE = "pcie-root-port";
    public static final int VENDOR_REDHAT = 0x1B36;
    public static final int DEVICE_ID_ROOT_PORT = 0x000C;

    /** Capability offsets (from the reference trace's capability walk). */
    public static final int CAP_SSVID = 0x40;
    public static final int CAP_MSIX = 0x48;
    public static final int CAP_EXP = 0x54;
    public static final int EXT_AER = 0x100;
    public static final int EXT_ACS = 0x148;
    public static final int MSIX_PBA_OFFSET = 0x800;
    public static final long MSIX_BAR_SIZE = 0x1000;

    /** Slot Capabilities (PCIe Base 4.0 §7.5.3.9): ABP|PCP|AIP|PIP|HPS|HPC|EIP = 0x2007b in the trace. */
    public static final int SLTCAP_ABP = 0x1;
    public static final int SLTCAP_PCP = 0x2;
    public static final int SLTCAP_AIP = 0x8;
    public static final int SLTCAP_PIP = 0x10;
    public static final int SLTCAP_HPS = 0x20;
    public static final int SLTCAP_HPC = 0x40;
    public static final int SLTCAP_EIP = 0x20000;
    public static final int SLTCAP_PSN_SHIFT = 19;
    /** Slot Status bits (§7.5.3.11). */
    public static final int SLTSTA_CC = 0x10;
    public static final int SLTSTA_PDS = 0x40;
    public static final int SLTSTA_W1C = 0x011F;
    /** Slot Control at reset (§7.5.3.10): attention indicator off; empty: power indicator off, power off; present: indicator on, power on. */
    public static final int SLTCTL_EMPTY = 0x07C0;
    public static final int SLTCTL_PRESENT = 0x01C0;
    static final int SLTCTL_PIC_PCC = 0x0700;
    /** Root Status PME Status (§7.5.3.14), RW1C. */
    public static final int RTSTA_PME = 0x10000;

    private final int chassis;
    private final int slot;
    private final byte[] msix = new byte[(int) MSIX_BAR_SIZE];

    public RootPort(int chassis, int slot) {
        this(TYPE, VENDOR_REDHAT, DEVICE_ID_ROOT_PORT, chassis, slot);
    }

    protected RootPort(String typeName, int vendor, int device, int chassis, int slot) {
        super(typeName, vendor, device, 0, false, true);
        this.chassis = chassis;
        this.slot = slot;
        config[INTERRUPT_PIN] = 1;
        declareBar(new Bar(0, BarKind.MEM32, MSIX_BAR_SIZE, false, AccessRules.aligned(4, 8), "msix"));
        addSsvidCapability(CAP_SSVID, VENDOR_REDHAT, 0);
        addMsixCapability(CAP_MSIX, 1, 0, 0, 0, MSIX_PBA_OFFSET);
        addExpressCapability(CAP_EXP, EXP_TYPE_ROOT_PORT, false, 4, 32);
        // The hot-plug slot (QEMU pcie_cap_slot_init; trace: 0x6c <- 0x11f1 reads 0x1f1) and the root
        // registers (QEMU pcie_cap_root_init: only SECEE|SENFEE|SEFEE; trace: 0x70 <- 0x8 reads 0).
        Capabilities.slot(regs, CAP_EXP, slot);
        Capabilities.root(regs, CAP_EXP);
        // The link is down until a device is plugged in (presence sets DLLLA and PDS).
        setWord(CAP_EXP + EXP_LNKSTA, word(CAP_EXP + EXP_LNKSTA) & ~LNKSTA_DLLLA);
        // An empty slot resets with its power indicator off and its power controller off (QEMU 7.2 pcie_cap_slot_reset;
        // QEMU's own config dump at reset: Slot Control 0x7c0); a device present turns both on (0x1c0, qxl_rp trace)
        setWord(CAP_EXP + EXP_SLTCTL, SLTCTL_EMPTY);
        // AER (PCIe Base 4.0 §7.8.4): values as read in the qxl_rp trace.
        addExtendedCapability(EXT_AER_ID, 2, EXT_AER, 0x48);
        Capabilities.aer(regs, EXT_AER);
        // ACS (PCIe Base 4.0 §7.7.7) [inferred from QEMU pcie_acs_init: SV|TB|RR|CR|UF].
        addExtendedCapability(EXT_CAP_ID_ACS, 1, EXT_ACS, 8);
        Capabilities.acs(regs, EXT_ACS);
        disableBaseLimit();
        // MSI-X table entry 0: Vector Control Mask bit set at reset (PCI 3.0 §6.8.2.9).
        msix[12] = 1;
        sealResetImage();
    }

    private static final int EXT_AER_ID = EXT_CAP_ID_AER;

    public final int chassis() {
        return chassis;
    }

    public final int slot() {
        return slot;
    }

    @Override
    public boolean secondaryIsLink() {
        return true;
    }

    @Override
    public boolean hotplugCapable() {
        return (long32(CAP_EXP + EXP_SLTCAP) & SLTCAP_HPC) != 0;
    }

    /** Presence of a device on the link: Slot Status Presence Detect State and Link Status DLL Link Active. */
    public final void setPresence(boolean present) {
        Capabilities.presence(this, CAP_EXP, present);
    }

    /**
     * Link Status reflects the link to the device below (QEMU hw/pci/pcie.c pcie_sync_bridge_lnk):
     * the express device's negotiated speed/width capped at the port's, or the port's own
     * capability if nothing or a conventional device is below (qxl_rp: 0x2204; virtio-gpu below: 0x2011).
     */
    @Override
    public long configRead(int offset, int size) {
        int ls = CAP_EXP + EXP_LNKSTA;
        if (offset < ls + 2 && ls < offset + size) {
            syncLinkStatus();
        }
        return super.configRead(offset, size);
    }

    private void syncLinkStatus() {
        int lnkcap = long32(CAP_EXP + EXP_LNKCAP);
        int sta = lnkcap & 0x3FF;
        PciBus sec = secondaryBusObject();
        PciFunction t = sec == null ? null : sec.function(0);
        if (t != null && t.isExpress()) {
            int tsta = (int) t.configRead(t.expressCapability() + EXP_LNKSTA, 2);
            int w = Math.min((tsta >> 4) & 0x3F, (lnkcap >> 4) & 0x3F);
            int sp = Math.min(tsta & 0xF, lnkcap & 0xF);
            sta = sp | w << 4;
        }
        setWord(CAP_EXP + EXP_LNKSTA, (word(CAP_EXP + EXP_LNKSTA) & ~0x3FF) | sta);
    }

    @Override
    protected void configWritten(int offset, int size, long value) {
        // A write to Slot Control completes the hot-plug controller command at once (QEMU
        // pcie_cap_slot_write_config sets Command Completed; qxl_rp trace: 0x6e reads 0x50 after 0x6c <- 0x11f1).
        int ctl = CAP_EXP + EXP_SLTCTL;
        if (offset < ctl + 2 && ctl < offset + size) {
            setWord(CAP_EXP + EXP_SLTSTA, word(CAP_EXP + EXP_SLTSTA) | SLTSTA_CC);
            slotPowerMaybeChanged();
        }
    }

    /** Slot Control Power Controller Control (PCIe Base 4.0 §7.5.3.10, bit 10): 1 = power off. */
    public static final int SLTCTL_PCC = 0x400;
    /** The slot's power as last told to the listener (follows SLTCTL PCC; not separate state). */
    private boolean slotPowerOff;
    private SlotPowerListener slotPowerListener;

    /** Receives slot power changes (the host removes or restores power below the port: D3cold). */
    public interface SlotPowerListener {
        void slotPower(RootPort port, boolean on);
    }

    final void setSlotPowerListener(SlotPowerListener l) {
        slotPowerListener = l;
    }

    private void slotPowerMaybeChanged() {
        boolean off = (word(CAP_EXP + EXP_SLTCTL) & SLTCTL_PCC) != 0;
        if (off != slotPowerOff) {
            slotPowerOff = off;
            if (slotPowerListener != null) {
                slotPowerListener.slotPower(this, !off);
            }
        }
    }

    @Override
    public void reset(ResetKind kind) {
        boolean present = (word(CAP_EXP + EXP_SLTSTA) & SLTSTA_PDS) != 0;
        super.reset(kind);
        setPresence(present);
        slotPowerMaybeChanged(); // Slot Control back to its reset value: power on
        java.util.Arrays.fill(msix, (byte) 0);
        msix[12] = 1;
    }

    /** Bridge state (super), then the MSI-X table and PBA behind BAR0 (not in config space). */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        super.saveState(w);
        w.putBytes(msix, 0, msix.length);
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        super.restoreState(r);
        r.getBytes(msix, 0, msix.length);
        slotPowerOff = (word(CAP_EXP + EXP_SLTCTL) & SLTCTL_PCC) != 0; // the functions' readiness came with their own sections
    }

    /** BAR0: the MSI-X table (16 B per vector) at 0 and the PBA at 0x800. */
    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        int off = (int) offset;
        if (a.isRead()) {
            long v = 0;
            for (int i = 0; i < a.size && off + i < msix.length; i++) {
                v |= (msix[off + i] & 0xFFL) << (8 * i);
            }
            a.data = v;
        } else if (off < MSIX_PBA_OFFSET) {
            for (int i = 0; i < a.size && off + i < 16; i++) {
                msix[off + i] = (byte) (a.data >>> (8 * i));
            }
            msix[12] &= 1;
            msix[13] = 0;
            msix[14] = 0;
            msix[15] = 0;
        }
        // Writes to the PBA are ignored (it is read-only, PCI 3.0 §6.8.2.10).
    }
}
