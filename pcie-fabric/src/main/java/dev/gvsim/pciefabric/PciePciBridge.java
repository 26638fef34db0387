package dev.gvsim.pciefabric;

/**
 * QEMU's {@code pcie-pci-bridge} (hw/pci-bridge/pcie_pci_bridge.c), 1b36:000e: a PCIe-to-PCI bridge
 * with a Standard Hot-Plug Controller in a 64-bit BAR0 ({@link ShpcBridge}), PCI Express capability
 * of type PCI Express to PCI/PCI-X Bridge, PM, MSI and AER. Capability list as the vgpu_pcibr
 * recording walked it (0x34 -> 0x8c MSI -> 0x84 PM -> 0x48 PCIe -> 0x40 SHPC); Status 66 MHz | Fast
 * Back-to-Back as pci_bridge_initfn sets them (vgpu_pcibr: 0x06 reads 0xb0); Device Capabilities 2
 * 0x300020 (vgpu_pcibr).
 */
public class PciePciBridge extends ShpcBridge {
    public static final String TYPE = "pcie-pci-bridge";
    public static final int DEVICE_ID = 0x000E;
    public static final int CAP_SHPC = 0x40;
    public static final int CAP_EXP = 0x48;
    public static final int CAP_PM = 0x84;
    public static final int CAP_MSI = 0x8C;
    /** SHPC register block size rounded to a power of two (QEMU shpc_bar_size). */
    public static final long SHPC_BAR_SIZE = ShpcBridge.SHPC_BAR_SIZE;

    public PciePciBridge() {
        super(TYPE, RootPort.VENDOR_REDHAT, DEVICE_ID, CAP_SHPC, true);
        config[INTERRUPT_PIN] = 1;
        setWord(STATUS, word(STATUS) | PciBridge.STATUS_66MHZ | PciBridge.STATUS_FAST_BACK);
        setWord(SEC_STATUS, PciBridge.STATUS_66MHZ | PciBridge.STATUS_FAST_BACK); // QEMU's own config dump at reset: 0x1e reads 0xa0
        addShpcCapability();
        addExpressCapability(CAP_EXP, EXP_TYPE_PCIE_TO_PCI_BRIDGE, false, 1, 1);
        Capabilities.qemuV2(regs, CAP_EXP, true, "vgpu_pcibr: 0x300020");
        addPmCapability(CAP_PM, false);
        addMsiCapability(CAP_MSI, 0x18, 0x0180); // 64-bit address, per-vector masking
        addExtendedCapability(EXT_CAP_ID_AER, 2, 0x100, 0x48);
        Capabilities.aer(regs, 0x100, false, false);
        sealResetImage();
    }
}
