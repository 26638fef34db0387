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
        disableBaseLimit();
        sealResetImage();
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
