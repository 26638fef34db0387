package dev.gvsim.pciefabric;

/**
 * QEMU's {@code pci-bridge} (hw/pci-bridge/pci_bridge_dev.c), 1b36:0001: a conventional PCI-to-PCI
 * bridge with a slot-ID capability (chassis number), a Standard Hot-Plug Controller in a 64-bit BAR0
 * ({@link ShpcBridge}) and MSI; 256-byte
 * configuration space. Status and Secondary Status read 66 MHz | Fast Back-to-Back as
 * pci_bridge_initfn sets them. Capability offsets and order as the qxl_pcibr_pcibr recording read
 * them (SHPC 0x40, slot ID 0x48, MSI 0x4c).
 */
public class PciBridge extends ShpcBridge {
    public static final String TYPE = "pci-bridge";
    public static final int DEVICE_ID = 0x0001;
    public static final int CAP_ID_SLOTID = 0x04;
    public static final int CAP_SHPC = 0x40;
    public static final int CAP_SLOTID = 0x48;
    public static final int CAP_MSI = 0x4C;
    public static final int STATUS_66MHZ = 0x20;
    public static final int STATUS_FAST_BACK = 0x80;

    private final int chassis;

    public PciBridge(int chassis) {
        this(chassis, true);
    }

    /** {@code shpc}: QEMU's {@code shpc} property (off: no hot-plug controller, no BAR0, slot 0 usable). */
    /**
     * The capabilities as QEMU 7.2's pci_bridge_dev_realize builds them: with the standard hot-plug controller
     * ({@code shpc=on}, the default) the controller at 0x40, the slot ID at 0x48 and MSI at 0x4c, INTx pin A and BAR0
     * (qxl_pcibr_pcibr recording, QEMU's own config dump at reset); with {@code shpc=off} no controller, hence no MSI
     * ("MSI is not applicable without SHPC") and no interrupt pin, the slot ID alone at 0x40 (the same dump).
     */
    public PciBridge(int chassis, boolean shpc) {
        super(TYPE, RootPort.VENDOR_REDHAT, DEVICE_ID, CAP_SHPC, shpc);
        this.chassis = chassis;
        setWord(STATUS, word(STATUS) | STATUS_66MHZ | STATUS_FAST_BACK);
        setWord(SEC_STATUS, STATUS_66MHZ | STATUS_FAST_BACK);
        if (shpc) {
            config[INTERRUPT_PIN] = 1;
            addShpcCapability();
        }
        int slotId = shpc ? CAP_SLOTID : CAP_SHPC;
        addCapability(CAP_ID_SLOTID, slotId, 4);
        // first slot 0, expansion slots 0, FIRST_IN_CHASSIS; the chassis number writable (PCI-to-PCI Bridge 1.2 §13.1)
        Capabilities.slotId(regs, slotId, chassis);
        if (shpc) {
            addMsiCapability(CAP_MSI, 0x18, 0x0180); // 64-bit address, per-vector masking
        }
        sealResetImage();
    }

    public final int chassis() {
        return chassis;
    }
}
