package dev.gvsim.pciefabric;

/**
 * QEMU's {@code x3130-upstream} (hw/pci-bridge/xio3130_upstream.c): the upstream port of a PCIe
 * switch modelled on the TI XIO3130, 104c:8232 rev 2. Its secondary bus is the switch's internal
 * bus, which holds the downstream ports ({@link SwitchDownstreamPort}). Capabilities at QEMU's
 * fixed offsets: MSI 0x70, SSVID 0x80, PCI Express (upstream port) 0x90, AER 0x100; register values as
 * the vgpu_sw recording read them from QEMU 7.2 (root port, this port, a downstream port, virtio-gpu).
 */
public class SwitchUpstreamPort extends PciBridgeBase {
    public static final String TYPE = "x3130-upstream";
    public static final int VENDOR_TI = 0x104C;
    public static final int DEVICE_ID = 0x8232;
    public static final int CAP_MSI = 0x70;
    public static final int CAP_SSVID = 0x80;
    public static final int CAP_EXP = 0x90;
    public static final int AER_OFFSET = 0x100;

    public SwitchUpstreamPort() {
        this(TYPE, DEVICE_ID, 2, EXP_TYPE_UPSTREAM);
    }

    protected SwitchUpstreamPort(String type, int deviceId, int revision, int portType) {
        super(type, VENDOR_TI, deviceId, revision, false, true);
        // no INTx: QEMU 7.2's xio3130 ports signal with MSI only and leave Interrupt Pin 0 (vgpu_sw: 0x3d reads 0)
        addMsiCapability(CAP_MSI, 0x0E, 0x0080); // 64-bit address capable
        addSsvidCapability(CAP_SSVID, 0, 0);
        // FLR capable (xio3130_*_realize: pcie_cap_flr_init; vgpu_sw: DevCap 0x10008000 on both ports)
        addExpressCapability(CAP_EXP, portType, true, 1, 1);
        Capabilities.switchPortV2(regs, CAP_EXP, portType == EXP_TYPE_DOWNSTREAM);
        addExtendedCapability(EXT_CAP_ID_AER, 2, AER_OFFSET, 0x48);
        Capabilities.aer(regs, AER_OFFSET, false);
        if (portType == EXP_TYPE_UPSTREAM) {
            sealResetImage();
        }
    }
}
