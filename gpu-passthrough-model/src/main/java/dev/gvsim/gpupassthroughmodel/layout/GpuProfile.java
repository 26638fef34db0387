package dev.gvsim.gpupassthroughmodel.layout;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One GPU card as a profile file describes it (issue 25; docs/gpu-passthrough.md "Profiles"): the
 * graphics function and, where the card has one, its companion audio function, each with IDs, class,
 * BAR layout and capabilities in list order; the reset methods Linux may use on it and its known
 * reset quirks. Every value came with its source ({@link #sources()}, by key); a value the file marks
 * {@code unknown} was replaced by the model's default, listed in {@link #defaultsUsed()} with the
 * default's own source. Immutable; built by {@link ProfileParser}.
 *
 * @param name the profile's name ({@code -device gpu-passthrough,profile=NAME}), the file's base name
 * @param file the file it was read from (for messages)
 * @param title the card, in words
 * @param gpu the graphics function (function 0)
 * @param audio the audio function (function 1), or null when the card has none
 * @param resetMethods Linux {@code reset_method} names the device supports, in Linux's order
 *        ({@code device_specific}, {@code flr}, {@code pm}, {@code bus})
 * @param keepsStateAcross the resets after which the card's firmware state survives (the quirk:
 *        {@code flr}, {@code pm}, {@code bus})
 * @param vendorReset the vendor-specific reset the card has ({@code baco}, or {@code none})
 * @param vendorResetPs how long that reset takes, in ps
 * @param firmwareInitPs how long the driver's firmware load takes at init, in ps
 * @param partitioning which hardware partitioning the card supports (SR-IOV, mdev-style slices)
 */
public record GpuProfile(String name, String file, String title, Function gpu, Function audio, List<String> resetMethods,
        Set<String> keepsStateAcross, String vendorReset, long vendorResetPs, long firmwareInitPs, Map<String, String> sources,
        List<String> defaultsUsed, Partitioning partitioning) {

    /**
     * The card's partitioning (issue 26; docs/gpu-partitioning.md): {@code sriov} true when the graphics
     * function has an SR-IOV capability (the profile's {@code partitioning.sriov}, sourced, must agree);
     * {@code declared} false when the profile has no {@code partitioning} section; {@code mdev} the
     * mediated-device slices the vendor's host driver offers without SR-IOV, or null.
     */
    public record Partitioning(boolean declared, boolean sriov, Mdev mdev) {
    }

    /**
     * mdev-style slices (docs/facts/sharing-passthrough.md §1.1): at most {@code maxInstances} VMs, each
     * with 1/maxInstances of the VRAM aperture and, under the fixed-share scheduler, 1/maxInstances of the
     * engine's time in slices of {@code timeSlicePs}.
     */
    public record Mdev(int maxInstances, long timeSlicePs) {
    }

    /** BAR roles. */
    public static final String ROLE_REGISTERS = "registers";
    public static final String ROLE_VRAM = "vram";
    public static final String ROLE_DOORBELL = "doorbell";
    public static final String ROLE_IO = "io";
    public static final String ROLE_MSIX = "msix";
    public static final List<String> ROLES = List.of(ROLE_REGISTERS, ROLE_VRAM, ROLE_DOORBELL, ROLE_IO, ROLE_MSIX);

    /** Linux reset_method names (drivers/pci/pci.c pci_reset_fn_methods), in Linux's order. */
    public static final List<String> RESET_METHODS = List.of("device_specific", "flr", "pm", "bus");
    /** Resets a quirk can survive. */
    public static final List<String> QUIRK_RESETS = List.of("flr", "pm", "bus");
    public static final List<String> VENDOR_RESETS = List.of("none", "baco");

    public GpuProfile {
        sources = Map.copyOf(sources);
        defaultsUsed = List.copyOf(defaultsUsed);
        resetMethods = List.copyOf(resetMethods);
        keepsStateAcross = Set.copyOf(keepsStateAcross);
    }

    /** One BAR: index, role, size in bytes, 64-bit, prefetchable. */
    public record BarSpec(int index, String role, long size, boolean is64, boolean prefetchable) {
        public boolean isIo() {
            return ROLE_IO.equals(role);
        }
    }

    /**
     * One capability in list order. {@code type} is {@code pm}, {@code pcie}, {@code msi}, {@code msix}
     * or {@code sriov}; the fields that type uses are set, the others 0/false.
     *
     * @param noSoftReset PM: PMCSR No_Soft_Reset (PCI PM 1.2 §3.2.4)
     * @param flr PCIe: Device Capabilities FLR capable (PCIe Base 4.0 §7.5.3.3)
     * @param vectors MSI / MSI-X: number of vectors
     * @param tableBar MSI-X: BAR of the table and PBA
     * @param tableOffset MSI-X: table offset in that BAR
     * @param pbaOffset MSI-X: PBA offset in that BAR
     * @param totalVfs SR-IOV: TotalVFs
     * @param firstVfOffset SR-IOV: First VF Offset (PCIe Base 4.0 §9.3.3.9)
     * @param vfStride SR-IOV: VF Stride (§9.3.3.10)
     * @param vfDeviceId SR-IOV: VF Device ID (§9.3.3.11)
     * @param vfBars SR-IOV: the VF BARs, per-VF sizes (§9.3.3.14)
     */
    public record CapSpec(String type, int offset, boolean noSoftReset, boolean flr, int vectors, int tableBar, long tableOffset, long pbaOffset,
            int totalVfs, int firstVfOffset, int vfStride, int vfDeviceId, List<BarSpec> vfBars) {
        public CapSpec {
            vfBars = List.copyOf(vfBars);
        }
    }

    /** One PCI function of the card. */
    public record Function(int vendorId, int deviceId, int subsystemVendorId, int subsystemId, int revision, int classCode, List<BarSpec> bars,
            List<CapSpec> capabilities) {
        public Function {
            bars = List.copyOf(bars);
            capabilities = List.copyOf(capabilities);
        }

        /** The BAR with {@code role}, or null. */
        public BarSpec bar(String role) {
            for (BarSpec b : bars) {
                if (b.role.equals(role)) {
                    return b;
                }
            }
            return null;
        }

        /** The capability of {@code type}, or null. */
        public CapSpec capability(String type) {
            for (CapSpec c : capabilities) {
                if (c.type.equals(type)) {
                    return c;
                }
            }
            return null;
        }

        public boolean flrCapable() {
            CapSpec c = capability("pcie");
            return c != null && c.flr;
        }

        public boolean noSoftReset() {
            CapSpec c = capability("pm");
            return c != null && c.noSoftReset;
        }
    }

    /** True if {@code reset} ({@code flr}, {@code pm}, {@code bus}) leaves the card's firmware state as it was. */
    public boolean keepsStateAcross(String reset) {
        return keepsStateAcross.contains(reset);
    }

    /** A short summary for {@code gvsim profiles} and reports. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("title", title);
        m.put("ids", String.format("%04x:%04x subsystem %04x:%04x rev %02x class %06x", gpu.vendorId, gpu.deviceId, gpu.subsystemVendorId,
                gpu.subsystemId, gpu.revision, gpu.classCode));
        m.put("bars", gpu.bars.stream().map(GpuProfile::describe).toList());
        m.put("capabilities", gpu.capabilities.stream().map(GpuProfile::describe).toList());
        if (audio != null) {
            m.put("audio", String.format("%04x:%04x class %06x, %s", audio.vendorId, audio.deviceId, audio.classCode,
                    String.join(", ", audio.capabilities.stream().map(GpuProfile::describe).toList())));
        }
        m.put("reset_methods", resetMethods);
        m.put("keeps_state_across", keepsStateAcross.stream().sorted().toList());
        m.put("vendor_reset", vendorReset);
        m.put("partitioning", !partitioning.declared() ? "not declared"
                : (partitioning.sriov() ? "SR-IOV" : "no SR-IOV") + (partitioning.mdev() != null ? String.format(", mdev slices: %d instances, %d us slice",
                        partitioning.mdev().maxInstances(), partitioning.mdev().timeSlicePs() / 1_000_000) : ", no mdev slices"));
        m.put("defaults_used", defaultsUsed);
        m.put("file", file);
        return m;
    }

    static String describe(BarSpec b) {
        return String.format("BAR%d %s %s%s%s", b.index, b.role, size(b.size), b.is64 ? " 64-bit" : "", b.prefetchable ? " prefetchable" : "");
    }

    static String describe(CapSpec c) {
        switch (c.type) {
            case "pm":
                return String.format("[%02x] PM No_Soft_Reset%s", c.offset, c.noSoftReset ? "+" : "-");
            case "pcie":
                return String.format("[%02x] PCIe FLR%s", c.offset, c.flr ? "+" : "-");
            case "msi":
                return String.format("[%02x] MSI %d", c.offset, c.vectors);
            case "msix":
                return String.format("[%02x] MSI-X %d (BAR%d)", c.offset, c.vectors, c.tableBar);
            default:
                return String.format("[%03x] SR-IOV TotalVFs %d, VF offset %d stride %d, VF device %04x, VF BARs: %s", c.offset, c.totalVfs,
                        c.firstVfOffset, c.vfStride, c.vfDeviceId, String.join(", ", c.vfBars.stream().map(GpuProfile::describe).toList()));
        }
    }

    static String size(long s) {
        if (s >= (1L << 30) && s % (1L << 30) == 0) {
            return (s >> 30) + "G";
        }
        if (s >= (1L << 20) && s % (1L << 20) == 0) {
            return (s >> 20) + "M";
        }
        if (s >= (1L << 10) && s % (1L << 10) == 0) {
            return (s >> 10) + "K";
        }
        return Long.toString(s);
    }
}
