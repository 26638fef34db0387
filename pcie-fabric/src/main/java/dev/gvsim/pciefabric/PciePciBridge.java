package dev.gvsim.pciefabric;

/**
 * QEMU's {@code pcie-pci-bridge} (hw/pci-bridge/pcie_pci_bridge.c), 1b36:000e: a PCIe-to-PCI bridge
 * with an SHPC hot-plug controller in a 64-bit BAR0, PCI Express capability of type PCI Express to
 * PCI/PCI-X Bridge, PM, MSI and AER. Capability offsets follow QEMU's allocation order
 * (SHPC, PCIe, PM, MSI, each at the first free offset from 0x40) <b>[inferred: no reference trace
 * has this device]</b>.
 */
public class PciePciBridge extends PciBridgeBase {
    public static final String TYPE = "pcie-pci-bridge";
    public static final int DEVICE_ID = 0x000E;
    public static final int CAP_SHPC = 0x40;
    public static final int CAP_EXP = 0x48;
    public static final int CAP_PM = 0x84;
    public static final int CAP_MSI = 0x8C;
    /** SHPC register block size rounded to a power of two (QEMU shpc_bar_size). */
    public static final long SHPC_BAR_SIZE = 0x100;

    public PciePciBridge() {
        super(TYPE, RootPort.VENDOR_REDHAT, DEVICE_ID, 0, false, true);
        config[INTERRUPT_PIN] = 1;
        declareBar(new Bar(0, BarKind.MEM64, SHPC_BAR_SIZE, false, dev.gvsim.simcore.AccessRules.aligned(1, 4), "shpc"));
        addCapability(CAP_ID_SHPC, CAP_SHPC, 8);
        addExpressCapability(CAP_EXP, EXP_TYPE_PCIE_TO_PCI_BRIDGE, false, 1, 1);
        addPmCapability(CAP_PM, false);
        addMsiCapability(CAP_MSI, 0x18, 0x0180); // 64-bit address, per-vector masking
        addExtendedCapability(EXT_CAP_ID_AER, 2, 0x100, 0x48);
        sealResetImage();
    }
}
