package dev.gvsim.guesttraces.importers;

/**
 * The arm {@code virt} machine's address map as QEMU 7.2 lays it out (QEMU hw/arm/virt.c
 * {@code base_memmap}/{@code extended_memmap}; docs/facts/qemu-reference-runs.md §3), used to classify
 * {@code memory_region_ops_*} lines that carry no region name (QEMU before 6.1).
 */
final class VirtMap {
    private VirtMap() {
    }

    /** VIRT_PCIE_MMIO: the 32-bit PCIe MMIO window. */
    static final long PCIE_MMIO = 0x1000_0000L, PCIE_MMIO_SIZE = 0x2eff_0000L;
    /** VIRT_PCIE_PIO: the PCIe I/O window, port p at CPU address PCIE_PIO + p. */
    static final long PCIE_PIO = 0x3eff_0000L, PCIE_PIO_SIZE = 0x1_0000L;
    /** VIRT_PCIE_ECAM: the low ECAM (16 MiB, buses 0-15), used when highmem is off. */
    static final long PCIE_ECAM = 0x3f00_0000L, PCIE_ECAM_SIZE = 0x100_0000L;
    /** VIRT_HIGH_PCIE_ECAM with 1 GiB of RAM (256 MiB, buses 0-255). */
    static final long HIGH_PCIE_ECAM = 0x40_1000_0000L, HIGH_PCIE_ECAM_SIZE = 0x1000_0000L;
    /** VIRT_HIGH_PCIE_MMIO: the 64-bit PCIe MMIO window (512 GiB). */
    static final long HIGH_PCIE_MMIO = 0x80_0000_0000L, HIGH_PCIE_MMIO_SIZE = 0x80_0000_0000L;

    /** Name of the ECAM MemoryRegion (QEMU hw/pci-host/gpex.c / hw/pci/pcie_host.c "pcie-mmcfg-mmio"). */
    static final String ECAM_REGION = "pcie-mmcfg-mmio";

    /** ECAM offset layout (PCIe Base Spec 7.2.2 table 7-1): bus [27:20], device [19:15], function [14:12]. */
    static final int ECAM_BUS_SHIFT = 20, ECAM_DEVFN_SHIFT = 12;
    static final long ECAM_REG_MASK = 0xfff;

    /**
     * Region names of the platform devices that are not device registers of the modelled GPUs and
     * fabric (prefix match): PL011 UART, GIC (dist, cpu, v2m, redist), flash, fw_cfg, PL031 RTC,
     * PL061 GPIO, virtio-mmio transports (docs/facts/qemu-reference-runs.md §2 "device-only").
     */
    static final String[] PLATFORM_PREFIXES = {"pl011", "gic", "virt.flash", "fwcfg", "pl031", "pl061", "virtio-mmio"};

    /** The platform region name for an address below the PCIe windows (virt base_memmap), or null. */
    static String platformByAddress(long a) {
        if (a < 0 || a >= PCIE_MMIO) {
            return null;
        }
        if (a < 0x0800_0000L) {
            return "virt.flash";
        }
        if (a < 0x0900_0000L) {
            return "gic";
        }
        if (a < 0x0901_0000L) {
            return "pl011";
        }
        if (a < 0x0902_0000L) {
            return "pl031";
        }
        if (a < 0x0903_0000L) {
            return "fwcfg";
        }
        if (a < 0x0904_0000L) {
            return "pl061";
        }
        if (a >= 0x0a00_0000L && a < 0x0a00_4000L) {
            return "virtio-mmio";
        }
        return "platform";
    }

    static boolean isPlatformName(String name) {
        for (String p : PLATFORM_PREFIXES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    static boolean inIoWindow(long a) {
        return a >= PCIE_PIO && a < PCIE_PIO + PCIE_PIO_SIZE;
    }

    static boolean inPciMmio(long a) {
        return a >= PCIE_MMIO && a < PCIE_MMIO + PCIE_MMIO_SIZE
                || a >= HIGH_PCIE_MMIO && a < HIGH_PCIE_MMIO + HIGH_PCIE_MMIO_SIZE;
    }

    static boolean inHighEcam(long a) {
        return a >= HIGH_PCIE_ECAM && a < HIGH_PCIE_ECAM + HIGH_PCIE_ECAM_SIZE;
    }

    /**
     * ECAM offset of an ECAM region access: QEMU 7.2 prints the offset inside the region (the region
     * is reached through an alias, so no absolute address is known); an absolute address inside either
     * ECAM window is converted. -1 if neither.
     */
    static long ecamOffset(long a) {
        if (inHighEcam(a)) {
            return a - HIGH_PCIE_ECAM;
        }
        if (a >= PCIE_ECAM && a < PCIE_ECAM + PCIE_ECAM_SIZE) {
            return a - PCIE_ECAM;
        }
        return a >= 0 && a < HIGH_PCIE_ECAM_SIZE ? a : -1;
    }
}
