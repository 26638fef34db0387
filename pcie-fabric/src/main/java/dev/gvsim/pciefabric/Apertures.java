package dev.gvsim.pciefabric;

/**
 * The PCIe apertures of QEMU's arm {@code virt} machine (hw/arm/virt.c {@code base_memmap} /
 * {@code extended_memmap} with highmem; confirmed by the reference runs' DT ranges and
 * {@code info mtree}): bus addresses equal CPU addresses for memory; I/O port p is at CPU address
 * {@code pioBase + p}.
 */
public final class Apertures {
    /** VIRT_PCIE_MMIO: 0x10000000, size 0x2eff0000. */
    public static final long VIRT_MMIO32_BASE = 0x1000_0000L;
    public static final long VIRT_MMIO32_SIZE = 0x2EFF_0000L;
    /** VIRT_PCIE_PIO: 0x3eff0000, 64 KiB. */
    public static final long VIRT_PIO_BASE = 0x3EFF_0000L;
    public static final long VIRT_PIO_SIZE = 0x1_0000L;
    /** VIRT_HIGH_PCIE_ECAM: 0x4010000000, 256 MiB (buses 0..255). */
    public static final long VIRT_ECAM_BASE = 0x40_1000_0000L;
    public static final long VIRT_ECAM_SIZE = 0x1000_0000L;
    /** VIRT_HIGH_PCIE_MMIO: 0x8000000000, 512 GiB. */
    public static final long VIRT_MMIO64_BASE = 0x80_0000_0000L;
    public static final long VIRT_MMIO64_SIZE = 0x80_0000_0000L;
    /** Linux arm64 PCIBIOS_MIN_IO (arch/arm64/include/asm/pci.h). */
    public static final long LINUX_PCIBIOS_MIN_IO = 0x1000;

    public final long mmio32Base;
    public final long mmio32Size;
    public final long pioBase;
    public final long pioSize;
    public final long ecamBase;
    public final long ecamSize;
    public final long mmio64Base;
    public final long mmio64Size;

    /** The arm virt apertures (highmem on). */
    public Apertures() {
        this(VIRT_MMIO32_BASE, VIRT_MMIO32_SIZE, VIRT_PIO_BASE, VIRT_PIO_SIZE, VIRT_ECAM_BASE, VIRT_ECAM_SIZE, VIRT_MMIO64_BASE,
                VIRT_MMIO64_SIZE);
    }

    public Apertures(long mmio32Base, long mmio32Size, long pioBase, long pioSize, long ecamBase, long ecamSize, long mmio64Base,
            long mmio64Size) {
        if (mmio32Size <= 0 || pioSize <= 0 || pioSize > 0x1_0000L || ecamSize <= 0 || mmio64Size < 0) {
            throw new IllegalArgumentException("bad PCIe apertures");
        }
        this.mmio32Base = mmio32Base;
        this.mmio32Size = mmio32Size;
        this.pioBase = pioBase;
        this.pioSize = pioSize;
        this.ecamBase = ecamBase;
        this.ecamSize = ecamSize;
        this.mmio64Base = mmio64Base;
        this.mmio64Size = mmio64Size;
    }

    public boolean inMmio32(long pa) {
        return pa - mmio32Base >= 0 && pa - mmio32Base < mmio32Size;
    }

    public boolean inMmio64(long pa) {
        return mmio64Size > 0 && pa - mmio64Base >= 0 && pa - mmio64Base < mmio64Size;
    }

    public boolean inPio(long pa) {
        return pa - pioBase >= 0 && pa - pioBase < pioSize;
    }

    public boolean inEcam(long pa) {
        return pa - ecamBase >= 0 && pa - ecamBase < ecamSize;
    }
}
