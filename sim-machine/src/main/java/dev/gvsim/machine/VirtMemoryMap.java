package dev.gvsim.machine;

import dev.gvsim.pciefabric.Apertures;

/**
 * The QEMU arm {@code virt} machine's physical memory map as the reference runs show it
 * (qemu hw/arm/virt.c base_memmap/extended_memmap; docs/facts/qemu-reference-runs.md §3). The PCIe windows are
 * defined once, in pcie-fabric's {@link Apertures}.
 */
public final class VirtMemoryMap {
    private VirtMemoryMap() {
    }

    /** RAM starts at 1 GiB (VIRT_MEM). */
    public static final long RAM_BASE = 0x4000_0000L;
    /** {@code -m 1024}, the reference runs' RAM size. */
    public static final long DEFAULT_RAM_SIZE = 1L << 30;
    /** PCIe 32-bit MMIO window (VIRT_PCIE_MMIO). */
    public static final long PCIE_MMIO32_BASE = Apertures.VIRT_MMIO32_BASE;
    public static final long PCIE_MMIO32_SIZE = Apertures.VIRT_MMIO32_SIZE;
    /** PCIe I/O window (VIRT_PCIE_PIO): port p at CPU address base + p. */
    public static final long PCIE_PIO_BASE = Apertures.VIRT_PIO_BASE;
    public static final long PCIE_PIO_SIZE = Apertures.VIRT_PIO_SIZE;
    /** High ECAM (VIRT_HIGH_PCIE_ECAM) with highmem, buses 00-ff. */
    public static final long PCIE_ECAM_BASE = Apertures.VIRT_ECAM_BASE;
    public static final long PCIE_ECAM_SIZE = Apertures.VIRT_ECAM_SIZE;
    /** PCIe 64-bit MMIO window (VIRT_HIGH_PCIE_MMIO). */
    public static final long PCIE_MMIO64_BASE = Apertures.VIRT_MMIO64_BASE;
    public static final long PCIE_MMIO64_SIZE = Apertures.VIRT_MMIO64_SIZE;
}
