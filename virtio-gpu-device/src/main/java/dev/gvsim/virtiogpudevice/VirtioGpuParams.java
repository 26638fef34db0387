package dev.gvsim.virtiogpudevice;

import java.util.List;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * The gvsim parameters of {@code virtio-gpu-pci} (each with its source; estimates say so and why)
 * and their values for one device: how QEMU or the spec is followed where they differ, and the
 * costs of the command model in simulated time.
 */
final class VirtioGpuParams {
    static final ParamDef FEATURES_OK = ParamDef.string("virtio_gpu.features_ok", "qemu",
            "QEMU 7.2 hw/virtio/virtio.c virtio_set_features_nocheck (qemu) vs VIRTIO 1.2 §3.1.1 (spec)",
            "qemu: features the driver accepts but were not offered are dropped and FEATURES_OK is accepted (QEMU 7.2); "
                    + "spec: FEATURES_OK is refused (reads back clear)");
    static final ParamDef CMD_LATENCY = ParamDef.duration("virtio_gpu.cmd_latency", "5us",
            "estimate (gvsim, not measured): QEMU 7.2 runs the queues from a main-loop bottom half (virtio_gpu_handle_ctrl_cb / "
                    + "virtio_gpu_handle_cursor_cb → qemu_bh_schedule), so a notify is answered after a main-loop wakeup",
            "delay from a queue notify to the device processing that queue (every available chain, then the used-buffer interrupt)");
    static final ParamDef CMD_COST = ParamDef.duration("virtio_gpu.cmd_cost", "1us",
            "estimate (gvsim, not measured): QEMU 7.2 per command virtqueue_pop (descriptor walk and mapping), iov_to_buf of the "
                    + "request, the handler, iov_from_buf of the response, virtqueue_push and virtio_notify; a few hundred ns to a few us "
                    + "on an ARM64 host, 1us taken",
            "time the device spends on each command besides copying pixels; its response is pushed when it has elapsed");
    static final ParamDef MAP_ENTRY_COST = ParamDef.duration("virtio_gpu.map_entry_cost", "50ns",
            "estimate (gvsim, not measured): QEMU 7.2 virtio_gpu_create_mapping_iov calls dma_memory_map (address_space_map: a "
                    + "flatview lookup under RCU) once per mem_entry; tens of ns each on an ARM64 host, 50ns taken",
            "time per backing entry of RESOURCE_ATTACH_BACKING and RESOURCE_CREATE_BLOB, added to virtio_gpu.cmd_cost");
    static final ParamDef MEMCPY_BANDWIDTH = ParamDef.doubleParam("virtio_gpu.memcpy_bandwidth", 8.0, "bytes/ns",
            "estimate: docs/facts/virtio-gpu.md §3.3 \"5-10 GB/s effective memcpy\" on an ARM server (not a published figure); "
                    + "8 GB/s taken, inside that range",
            "host memcpy bandwidth of TRANSFER_TO_HOST_2D (QEMU iov_to_buf from the guest pages into the pixman image)");
    static final ParamDef MAP_BLOB = ParamDef.string("virtio_gpu.map_blob", "qemu",
            "QEMU 7.2 hw/display/virtio-gpu.c virtio_gpu_simple_process_cmd (qemu: default case, ERR_UNSPEC) vs VIRTIO 1.2 §5.7.6.8 (spec)",
            "qemu: RESOURCE_MAP_BLOB / UNMAP_BLOB answer ERR_UNSPEC as QEMU 7.2's 2D device; spec: with hostmem, a USE_MAPPABLE blob's "
                    + "pages are mapped at the offset in the shared-memory BAR4 (OK_MAP_INFO, MAP_CACHE_CACHED)");
    static final ParamDef COMMANDS = ParamDef.string("virtio_gpu.commands", "qemu",
            "QEMU 7.2 hw/display/virtio-gpu.c (qemu: virtio_gpu_resource_create_blob's &&, virtio_gpu_transfer_to_host_2d's whole-image "
                    + "copy, virtio_gpu_set_scanout's backing check) vs VIRTIO 1.2 §5.7.6.7-8 (spec)",
            "qemu: the command quirks of QEMU 7.2's 2D device (GpuControl's class comment); spec: RESOURCE_CREATE_BLOB refuses every "
                    + "blob_mem but GUEST (the others need VIRGL), a full-width TRANSFER_TO_HOST_2D copies only the rect's rows, "
                    + "SET_SCANOUT accepts a resource without backing");
    static final ParamDef TRANSFER = ParamDef.string("virtio_gpu.transfer", "copy",
            "copy: QEMU 7.2 virtio_gpu_transfer_to_host_2d (iov_to_buf into the pixman image); zero-copy: gvsim's model of a host "
                    + "that imports a 2D resource's backing pages as QEMU 7.2 imports a guest blob's (virtio_gpu_init_udmabuf), the "
                    + "zero-copy path of docs/host-display.md, so that one 2D trace can be replayed through both",
            "copy: TRANSFER_TO_HOST_2D copies the rect into the host image; zero-copy: it checks the rect and copies nothing, and the "
                    + "scanout shows the backing pages (the host display gets guest pages)");
    static final List<ParamDef> ALL = List.of(FEATURES_OK, CMD_LATENCY, CMD_COST, MAP_ENTRY_COST, MEMCPY_BANDWIDTH, MAP_BLOB, COMMANDS, TRANSFER);

    final boolean specFeaturesOk;
    final boolean specMapBlob;
    final boolean specCommands;
    final boolean zeroCopy2d;
    final long cmdLatencyPs;
    final long cmdCostPs;
    final long mapEntryCostPs;
    final double memcpyBytesPerNs;

    VirtioGpuParams(Params p) {
        specFeaturesOk = qemuOrSpec(p, FEATURES_OK);
        specMapBlob = qemuOrSpec(p, MAP_BLOB);
        specCommands = qemuOrSpec(p, COMMANDS);
        String t = p.getString(TRANSFER);
        if (!t.equals("copy") && !t.equals("zero-copy")) {
            throw new IllegalArgumentException(TRANSFER.name() + " must be copy or zero-copy, got '" + t + "'");
        }
        zeroCopy2d = t.equals("zero-copy");
        cmdLatencyPs = Math.max(0, p.getDuration(CMD_LATENCY));
        cmdCostPs = Math.max(0, p.getDuration(CMD_COST));
        mapEntryCostPs = Math.max(0, p.getDuration(MAP_ENTRY_COST));
        memcpyBytesPerNs = p.getDouble(MEMCPY_BANDWIDTH);
        if (!(memcpyBytesPerNs > 0) || Double.isInfinite(memcpyBytesPerNs)) {
            throw new IllegalArgumentException(MEMCPY_BANDWIDTH.name() + " must be a positive number of bytes/ns, got " + memcpyBytesPerNs);
        }
    }

    private static boolean qemuOrSpec(Params p, ParamDef d) {
        String v = p.getString(d);
        if (!v.equals("qemu") && !v.equals("spec")) {
            throw new IllegalArgumentException(d.name() + " must be qemu or spec, got '" + v + "'");
        }
        return v.equals("spec");
    }

    /** The simulated time of one command that mapped {@code entries} backing entries and copied {@code bytes}. */
    long commandPs(long entries, long bytes) {
        return cmdCostPs + mapEntryCostPs * entries + copyPs(bytes);
    }

    /** Simulated time of a host memcpy of {@code bytes} at {@code virtio_gpu.memcpy_bandwidth}, rounded up to a picosecond. */
    long copyPs(long bytes) {
        return bytes <= 0 ? 0 : (long) Math.ceil(bytes * 1000.0 / memcpyBytesPerNs);
    }
}
