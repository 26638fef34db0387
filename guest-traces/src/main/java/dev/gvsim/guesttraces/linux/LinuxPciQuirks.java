package dev.gvsim.guesttraces.linux;

/**
 * The host kernel's PCI quirks that take a reset method away from a passed-through GPU
 * (drivers/pci/quirks.c), by vendor and device ID as the kernel matches them.
 *
 * <p>{@code PCI_DEV_FLAGS_NO_BUS_RESET} ({@code quirk_no_bus_reset}): pci_parent_bus_reset and
 * pci_dev_reset_slot_function return -ENOTTY for the flagged device, and pci_bus_resetable (the
 * hot-reset path QEMU's vfio_pci_hot_reset_one takes) refuses a bus with a flagged device on it.
 * <ul>
 * <li>NVIDIA {@code (device & 0xffc0) == 0x2340} (GA100): commit 4c207e7121fa "PCI: Mark some NVIDIA
 * GPUs to avoid bus reset".</li>
 * <li>NVIDIA 0x1eb8 (Tesla T4): commit d5af729dc207 "PCI: Mark NVIDIA T4 GPUs to avoid bus reset"
 * (queued for v6.6, backported to the 4.19-6.1 stable series in September 2023), reverted by
 * 5260bd6d36c8 because "the T4 provides neither PM nor FLR reset, so masking bus reset compromises
 * this device for assignment scenarios" (also backported). Only kernels between the two have it:
 * the caller says whether the host runs one.</li>
 * </ul>
 */
public final class LinuxPciQuirks {
    /** PCI_VENDOR_ID_NVIDIA (include/linux/pci_ids.h). */
    public static final int VENDOR_NVIDIA = 0x10de;
    /** The GA100 device range quirk_nvidia_no_bus_reset matches: {@code (device & 0xffc0) == 0x2340}. */
    public static final int GA100_MASK = 0xffc0;
    public static final int GA100_BASE = 0x2340;
    /** The Tesla T4's device ID (pci.ids 10de:1eb8), added by d5af729dc207 and removed by 5260bd6d36c8. */
    public static final int T4 = 0x1eb8;

    private LinuxPciQuirks() {
    }

    /**
     * Why the host kernel flags {@code vendor:device} PCI_DEV_FLAGS_NO_BUS_RESET, or null if it does
     * not; {@code t4QuirkKernel}: the host runs a kernel carrying d5af729dc207 and not its revert.
     */
    public static String noBusReset(int vendor, int device, boolean t4QuirkKernel) {
        if (vendor != VENDOR_NVIDIA) {
            return null;
        }
        if ((device & GA100_MASK) == GA100_BASE) {
            return "quirk_nvidia_no_bus_reset (drivers/pci/quirks.c, 4c207e7121fa: GA100)";
        }
        if (device == T4 && t4QuirkKernel) {
            return "quirk_nvidia_no_bus_reset (drivers/pci/quirks.c, d5af729dc207: Tesla T4; reverted by 5260bd6d36c8)";
        }
        return null;
    }
}
