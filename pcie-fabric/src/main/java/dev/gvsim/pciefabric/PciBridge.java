package dev.gvsim.pciefabric;

/**
 * QEMU's {@code pci-bridge} (hw/pci-bridge/pci_bridge_dev.c), 1b36:0001: a conventional PCI-to-PCI
 * bridge with a slot-ID capability (chassis number), an SHPC in a 64-bit BAR0 and MSI; 256-byte
 * configuration space. Status and Secondary Status read 66 MHz | Fast Back-to-Back as
 * pci_bridge_initfn sets them. Capability offsets follow QEMU's allocation order (slot ID, SHPC,
 * MSI) <b>[inferred: no reference trace has this device]</b>.
 */
public class PciBridge extends PciBridgeBase {
    public static final String TYPE = "pci-bridge";
    public static final int DEVICE_ID = 0x0001;
    public static final int CAP_ID_SLOTID = 0x04;
    public static final int CAP_SLOTID = 0x40;
    public static final int CAP_SHPC = 0x44;
    public static final int CAP_MSI = 0x4C;
    public static final int STATUS_66MHZ = 0x20;
    public static final int STATUS_FAST_BACK = 0x80;

    private final int chassis;

    public PciBridge(int chassis) {
        super(TYPE, RootPort.VENDOR_REDHAT, DEVICE_ID, 0, false, true);
        this.chassis = chassis;
        config[INTERRUPT_PIN] = 1;
        setWord(STATUS, word(STATUS) | STATUS_66MHZ | STATUS_FAST_BACK);
        setWord(SEC_STATUS, STATUS_66MHZ | STATUS_FAST_BACK);
        declareBar(new Bar(0, BarKind.MEM64, PciePciBridge.SHPC_BAR_SIZE, false, dev.gvsim.simcore.AccessRules.aligned(1, 4), "shpc"));
        addCapability(CAP_ID_SLOTID, CAP_SLOTID, 4);
        // first slot 0, expansion slots 0, FIRST_IN_CHASSIS; the chassis number writable (PCI-to-PCI Bridge 1.2 §13.1)
        Capabilities.slotId(regs, CAP_SLOTID, chassis);
        addCapability(CAP_ID_SHPC, CAP_SHPC, 8); // the SHPC registers behind it are not implemented
        addMsiCapability(CAP_MSI, 0x18, 0x0180); // 64-bit address, per-vector masking
        sealResetImage();
    }

    public final int chassis() {
        return chassis;
    }
}
