package dev.gvsim.simcore.regs;

/**
 * How software may access a register field, with the attribute names of PCIe Base 4.0 §7.4
 * ("Configuration Register Types"), which the PCI, PM and bridge specifications use too. What a
 * {@link RegisterFile} does with a write of each kind is QEMU's configuration-space model
 * (hw/pci/pci.c pci_default_write_config: {@code wmask}, {@code w1cmask}).
 */
public enum FieldKind {
    /** Read-only (also HwInit): reads the value the device holds; writes have no effect. */
    RO,
    /** Read-write: a write stores the written bits. */
    RW,
    /** Read, write 1 to clear: writing 1 clears the bit, writing 0 leaves it; the device sets it. */
    RW1C,
    /** Reserved, preserve: reads as the device holds it (0); software writes back what it read; writes have no effect. */
    RSVDP,
    /** Reserved, zero: reads 0; software writes 0; writes have no effect. */
    RSVDZ,
    /**
     * Write-only: the written value reaches the register's write hook and is not kept, so the field
     * always reads 0 (for example Initiate Function Level Reset, PCIe Base 4.0 §7.5.3.4).
     */
    WO
}
