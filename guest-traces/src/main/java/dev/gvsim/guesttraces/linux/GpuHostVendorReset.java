package dev.gvsim.guesttraces.linux;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.*;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * The host kernel's vendor-specific reset of a passed-through card, as gnif/vendor-reset provides it
 * ({@code echo device_specific > reset_method}; its Polaris/Vega strategies drive a BACO-style reset
 * through the SMU: docs/facts/sharing-passthrough.md §2.3), reduced to what the model has: the
 * {@code VENDOR_RESET} register of {@code dev.gvsim.gpupassthroughmodel.layout.GpuRegs} in the
 * register BAR, written through a host mapping ({@code ioremap}). The caller (the VMM flow) saves and
 * restores configuration space around it and waits for the card, as pci_reset_function does.
 */
public final class GpuHostVendorReset {
    /** Host kernel virtual address of the mapping (any free one). */
    public static final long VA_HOST_REGS = 0xffff_8000_6000_0000L;

    private GpuHostVendorReset() {
    }

    /** The card's {@code reset_method} list (sysfs), in the kernel's order, as its profile gives it. */
    public static java.util.List<String> resetMethods(String profileName) {
        return GpuProfiles.get(profileName).resetMethods();
    }

    /** True if the profile has a vendor reset ({@code device_specific}). */
    public static boolean available(String profileName) {
        return !"none".equals(GpuProfiles.get(profileName).vendorReset());
    }

    /**
     * Runs the vendor reset on the card whose register BAR is at {@code regsPa} (memory decode
     * enabled by the caller).
     */
    public static void reset(GuestCpu host, String profileName, long regsPa) throws GuestFault {
        GpuProfile p = GpuProfiles.get(profileName);
        if ("none".equals(p.vendorReset())) {
            throw new IllegalArgumentException("profile " + p.name() + " has no vendor-specific reset");
        }
        host.map(VA_HOST_REGS, regsPa, 4096, "device-ngnre", "vendor-reset: register BAR ioremap");
        host.write(VA_HOST_REGS + VENDOR_RESET, 4, VENDOR_RESET_KEY, 0, "vendor_reset_" + p.vendorReset());
    }
}
