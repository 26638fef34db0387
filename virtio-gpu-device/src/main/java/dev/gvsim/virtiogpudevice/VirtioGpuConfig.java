package dev.gvsim.virtiogpudevice;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The QEMU properties of {@code -device virtio-gpu-pci} (QEMU 7.2 hw/display/virtio-gpu-base.c
 * {@code virtio_gpu_base_properties}, hw/display/virtio-gpu.c {@code virtio_gpu_properties},
 * hw/virtio/virtio.c {@code DEFINE_VIRTIO_COMMON_FEATURES}, hw/virtio/virtio-pci.c
 * {@code virtio_pci_properties}) with QEMU's defaults. Unknown properties are rejected as QEMU does
 * ({@code Property 'virtio-gpu-pci.<key>' not found}).
 *
 * @param maxOutputs   {@code max_outputs}, 1..16 (VIRTIO_GPU_MAX_SCANOUTS; virtio_gpu_base_device_realize)
 * @param xres         {@code xres}, default 1280
 * @param yres         {@code yres}, default 800
 * @param edid         {@code edid}, default on: offers VIRTIO_GPU_F_EDID
 * @param blob         {@code blob}, default off: offers VIRTIO_GPU_F_RESOURCE_BLOB
 * @param indirectDesc {@code indirect_desc}, default on: offers VIRTIO_RING_F_INDIRECT_DESC
 * @param eventIdx     {@code event_idx}, default on: offers VIRTIO_RING_F_EVENT_IDX
 * @param queueReset   {@code queue_reset}, default on (QEMU 7.2): offers VIRTIO_F_RING_RESET
 * @param packed       {@code packed}, default off (DEFINE_VIRTIO_COMMON_FEATURES: DEFINE_PROP_BIT64("packed", ...,
 *                     VIRTIO_F_RING_PACKED, false)): offers VIRTIO_F_RING_PACKED (bit 34); a queue whose driver accepted it
 *                     uses the packed ring (VIRTIO 1.2 §2.8)
 * @param pcieFlr      {@code x-pcie-flr-init}, default on: FLR capable when on a PCIe port
 * @param maxHostmem   {@code max_hostmem} (size), default 256 MiB: the host memory 2D resources may use
 *                     (virtio_gpu_properties; virtio_gpu_resource_create_2d answers ERR_OUT_OF_MEMORY past it)
 * @param hostmem      {@code hostmem} (size), default 0: the host-visible shared memory region (BAR4, shmid 1). Not a
 *                     QEMU 7.2 property: "[PATCH v3 2/9] virtio-gpu: hostmem" (Gerd Hoffmann, posted by Antonio Caggiano
 *                     in September 2022) was still under review on qemu-devel in January 2023; gvsim accepts it with that
 *                     patch's layout (hw/display/virtio-gpu-pci.c: MSI-X BAR1, modern registers BAR2, shared memory BAR4,
 *                     virtio_pci_add_shm_cap(4, 0, hostmem, VIRTIO_GPU_SHM_ID_HOST_VISIBLE)). A power of two (pci_register_bar).
 * @param video        {@code video}, default off (gvsim; QEMU's is virgl=on with a virglrenderer built -Dvideo=true): offers
 *                     VIRTIO_GPU_F_VIRGL and answers the context commands and SUBMIT_3D with the openKylin video protocol
 *                     ({@code GpuVideo}, docs/virtio-gpu-video.md)
 */
public record VirtioGpuConfig(int maxOutputs, int xres, int yres, boolean edid, boolean blob, boolean indirectDesc, boolean eventIdx,
        boolean queueReset, boolean pcieFlr, long maxHostmem, long hostmem, boolean packed, boolean video) {

    /** QEMU's {@code max_hostmem} default, 256 MiB (hw/display/virtio-gpu.c virtio_gpu_properties). */
    public static final long DEFAULT_MAX_HOSTMEM = 256L << 20;
    /** gvsim bound on {@code hostmem}: 64 GiB (a BAR the fabric can place; QEMU bounds it only by the address space). */
    public static final long MAX_HOSTMEM_BAR = 64L << 30;

    /** VIRTIO_GPU_MAX_SCANOUTS (include/standard-headers/linux/virtio_gpu.h). */
    public static final int MAX_SCANOUTS = dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.MAX_SCANOUTS;

    /** The properties understood; {@code id}, {@code bus}, {@code addr} and {@code multifunction} are the machine's. */
    static final Set<String> KNOWN = new TreeSet<>(List.of("id", "bus", "addr", "multifunction", "max_outputs", "xres", "yres", "edid",
            "blob", "indirect_desc", "event_idx", "queue_reset", "x-pcie-flr-init", "disable-legacy", "disable-modern", "max_hostmem",
            "hostmem", "packed", "video"));

    public static VirtioGpuConfig defaults() {
        return fromProps(Map.of());
    }

    public static VirtioGpuConfig fromProps(Map<String, String> p) {
        for (String k : p.keySet()) {
            if (!KNOWN.contains(k)) {
                throw new IllegalArgumentException("Property '" + VirtioGpuPciDevice.DRIVER + "." + k + "' not found");
            }
        }
        long outputs = num(p, "max_outputs", 1);
        if (outputs < 1 || outputs > MAX_SCANOUTS) {
            // virtio_gpu_base_device_realize: "invalid max_outputs > %d"
            throw new IllegalArgumentException(VirtioGpuPciDevice.DRIVER + ": invalid max_outputs > " + MAX_SCANOUTS);
        }
        long xres = num(p, "xres", 1280);
        long yres = num(p, "yres", 800);
        if (xres < 1 || yres < 1 || xres > 16384 || yres > 16384) {
            throw new IllegalArgumentException(VirtioGpuPciDevice.DRIVER + ": xres/yres outside 1..16384 (gvsim bound)");
        }
        if ("off".equals(p.get("disable-legacy")) || "false".equals(p.get("disable-legacy")) || bool(p, "disable-modern", false)) {
            // virtio-gpu-pci realize: virtio_pci_force_virtio_1 (a modern-only device)
            throw new IllegalArgumentException(VirtioGpuPciDevice.DRIVER + ": device is modern-only, use disable-legacy=on");
        }
        long maxHostmem = size(p, "max_hostmem", DEFAULT_MAX_HOSTMEM);
        long hostmem = size(p, "hostmem", 0);
        if (hostmem != 0 && ((hostmem & (hostmem - 1)) != 0 || hostmem < 4096 || hostmem > MAX_HOSTMEM_BAR)) {
            // pci_register_bar: a BAR size must be a power of two; the lower and upper bounds are gvsim's
            throw new IllegalArgumentException(VirtioGpuPciDevice.DRIVER + ": hostmem must be a power of two from 4 KiB to 64 GiB, got " + hostmem);
        }
        return new VirtioGpuConfig((int) outputs, (int) xres, (int) yres, bool(p, "edid", true), bool(p, "blob", false),
                bool(p, "indirect_desc", true), bool(p, "event_idx", true), bool(p, "queue_reset", true), bool(p, "x-pcie-flr-init", true),
                maxHostmem, hostmem, bool(p, "packed", false), bool(p, "video", false));
    }

    /** A QEMU size property (qemu_strtosz: a number with an optional B/K/M/G/T suffix, powers of 1024). */
    static long size(Map<String, String> p, String key, long def) {
        String v = p.get(key);
        if (v == null) {
            return def;
        }
        String t = v.trim();
        int shift = 0;
        if (!t.isEmpty()) {
            switch (Character.toUpperCase(t.charAt(t.length() - 1))) {
                case 'B' -> shift = -1;
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift != 0 ? t.substring(0, t.length() - 1) : t;
        try {
            long n = Long.parseLong(digits);
            int s = Math.max(shift, 0);
            if (n < 0 || (s > 0 && n > (Long.MAX_VALUE >> s))) {
                throw new NumberFormatException();
            }
            return n << s;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(VirtioGpuPciDevice.DRIVER + ": property " + key + "='" + v + "' is not a size");
        }
    }

    private static long num(Map<String, String> p, String key, long def) {
        String v = p.get(key);
        if (v == null) {
            return def;
        }
        String t = v.trim();
        try {
            long r = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (r < 0 || r > 0xFFFF_FFFFL) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(VirtioGpuPciDevice.DRIVER + ": property " + key + "='" + v + "' is not a 32-bit unsigned number");
        }
    }

    /** QEMU's bool property parser (qapi/qapi-visit-core.c visit_type_bool via qemu_strtobool style): on/off, yes/no, true/false. */
    private static boolean bool(Map<String, String> p, String key, boolean def) {
        String v = p.get(key);
        if (v == null) {
            return def;
        }
        return switch (v) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new IllegalArgumentException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }
}
