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
        setWord(CAP_EXP + EXP_FLAGS, word(CAP_EXP + EXP_FLAGS) | EXP_FLAGS_SLOT);
        setLong32(CAP_EXP + EXP_SLTCAP, RootPort.SLTCAP_ABP | RootPort.SLTCAP_PCP | RootPort.SLTCAP_AIP | RootPort.SLTCAP_PIP
                | RootPort.SLTCAP_HPS | RootPort.SLTCAP_HPC | RootPort.SLTCAP_EIP | (slot & 0x1FFF) << RootPort.SLTCAP_PSN_SHIFT);
        setWord(CAP_EXP + EXP_SLTCTL, 0x01C0);
        setWordMask(wmask, CAP_EXP + EXP_SLTCTL, 0x07F9);
        setWordMask(w1cmask, CAP_EXP + EXP_SLTSTA, RootPort.SLTSTA_W1C);
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
