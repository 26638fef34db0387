package dev.gvsim.pciefabric;

/**
 * QEMU's {@code xio3130-downstream} (hw/pci-bridge/xio3130_downstream.c): a downstream port of a
 * PCIe switch, 104c:8233 rev 1, with a hot-plug slot ({@code chassis}, {@code slot}); one device
 * (device 0) on its link. Same capability offsets as the upstream port <b>[from the QEMU source]</b>.
 */
public class SwitchDownstreamPort extends SwitchUpstreamPort {
    public static final String TYPE = "xio3130-downstream";
    public static final int DEVICE_ID = 0x8233;

    private final int chassis;
    private final int slot;

    public SwitchDownstreamPort(int chassis, int slot) {
        super(TYPE, DEVICE_ID, 1, EXP_TYPE_DOWNSTREAM);
        this.chassis = chassis;
        this.slot = slot;
        Capabilities.slot(regs, CAP_EXP, slot); // the hot-plug slot, as a root port's
        // empty until a device is placed below (QEMU's dump of an empty port at reset: Link Status 0x0011, Slot Control 0x7c0)
        Capabilities.presence(this, CAP_EXP, false);
        // the windows reset to 0 (QEMU 7.2 calls pci_bridge_disable_base_limit for root ports only; vgpu_sw: I/O base/limit
        // 0x1c reads 0, prefetchable 0x24 reads 0x10001, the 64-bit flags alone)
        sealResetImage();
    }

    @Override
    protected void configWritten(int offset, int size, long value) {
        // a Slot Control write completes the hot-plug command at once (QEMU pcie_cap_slot_write_config sets Command
        // Completed; vgpu_sw: 0xaa reads 0x50 after 0xa8 <- 0x11f1, as on a root port)
        int ctl = CAP_EXP + EXP_SLTCTL;
        if (offset < ctl + 2 && ctl < offset + size) {
            setWord(CAP_EXP + EXP_SLTSTA, word(CAP_EXP + EXP_SLTSTA) | RootPort.SLTSTA_CC);
        }
    }

    /** Presence of a device on the link, as on a root port ({@link Capabilities#presence}). */
    public final void setPresence(boolean present) {
        Capabilities.presence(this, CAP_EXP, present);
    }

    @Override
    public void reset(ResetKind kind) {
        boolean present = (word(CAP_EXP + EXP_SLTSTA) & RootPort.SLTSTA_PDS) != 0;
        super.reset(kind);
        setPresence(present);
    }

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
        return true;
    }
}
