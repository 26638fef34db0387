package dev.gvsim.pciefabric;

/**
 * QEMU's {@code x3130-upstream} (hw/pci-bridge/xio3130_upstream.c): the upstream port of a PCIe
 * switch modelled on the TI XIO3130, 104c:8232 rev 2. Its secondary bus is the switch's internal
 * bus, which holds the downstream ports ({@link SwitchDownstreamPort}). Capabilities at QEMU's
 * fixed offsets: MSI 0x70, SSVID 0x80, PCI Express (upstream port) 0x90, AER 0x100
 * <b>[from the QEMU source; no reference trace has a switch]</b>.
 */
public class SwitchUpstreamPort extends PciBridgeBase {
    public static final String TYPE = "x3130-upstream";
    public static final int VENDOR_TI = 0x104C;
    public static final int DEVICE_ID = 0x8232;
    public static final int CAP_MSI = 0x70;
    public static final int CAP_SSVID = 0x80;
    public static final int CAP_EXP = 0x90;

    public SwitchUpstreamPort() {
        this(TYPE, DEVICE_ID, 2, EXP_TYPE_UPSTREAM);
    }

    protected SwitchUpstreamPort(String type, int deviceId, int revision, int portType) {
        super(type, VENDOR_TI, deviceId, revision, false, true);
        config[INTERRUPT_PIN] = 1;
        addMsiCapability(CAP_MSI, 0x0E, 0x0080); // 64-bit address capable
        addSsvidCapability(CAP_SSVID, 0, 0);
        addExpressCapability(CAP_EXP, portType, false, 1, 1);
        addExtendedCapability(EXT_CAP_ID_AER, 2, 0x100, 0x48);
        if (portType == EXP_TYPE_UPSTREAM) {
            sealResetImage();
        }
    }
}
