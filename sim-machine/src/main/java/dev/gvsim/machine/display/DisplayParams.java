package dev.gvsim.machine.display;

import java.util.List;

import dev.gvsim.simcore.ParamDef;

/**
 * The host display side's parameters: which pipeline, and the costs of its stages. Every cost is
 * named with its source; estimates say so.
 */
public final class DisplayParams {
    private DisplayParams() {
    }

    public static final ParamDef PIPELINE = ParamDef.string("display.pipeline", "none",
            "gvsim (modelling choice); docs/host-display.md",
            "none: no host display modelled (devices' updates go nowhere, as with QEMU -display none); "
                    + "qemu: QEMU 7.2's UI, one refresh timer on the main-loop thread for every output; "
                    + "per-window: an independent refresh thread per output, driven by its damage");
    public static final ParamDef CAPTURE = ParamDef.string("display.capture", "full",
            "gvsim (modelling choice); docs/host-display.md",
            "full: each refresh captures (copies/samples) every active output whole; damage: only outputs with damage, "
                    + "only the damaged rectangles (dynamic window capture)");
    public static final ParamDef REFRESH_INTERVAL = ParamDef.duration("display.refresh_interval", "30ms",
            "QEMU 7.2 include/ui/console.h GUI_REFRESH_INTERVAL_DEFAULT (30 ms), the ui/console.c gui_update timer",
            "period of the one UI refresh timer of the qemu pipeline");
    public static final ParamDef VBLANK = ParamDef.duration("display.vblank", "16666667ns",
            "a 60 Hz host monitor (the common desktop panel rate)", "the host display's scan-out period: a present waits for the next vblank");
    public static final ParamDef UPLOAD_BANDWIDTH = ParamDef.doubleParam("display.upload_bandwidth", 8.0, "bytes/ns",
            "estimate: docs/facts/virtio-gpu.md §3.3, 5-10 GB/s effective memcpy on an ARM server (the CPU side of a "
                    + "glTexSubImage2D upload is one such copy); the middle of the range",
            "the host CPU's copy bandwidth on the display side: a non-zero-copy surface's captured bytes into the host GPU's "
                    + "texture (gl), SPICE's compare and copies of the damage into its mirror and update image (spice)");
    public static final ParamDef GPU_SAMPLE_BANDWIDTH = ParamDef.doubleParam("display.gpu_sample_bandwidth", 25.0, "bytes/ns",
            "estimate: a discrete GPU reading host memory over PCIe 4.0 x16 (about 25 GB/s usable of 31.5 GB/s)",
            "the host GPU reading a captured surface (texture or imported guest pages) to compose it");
    public static final ParamDef DMABUF_IMPORT = ParamDef.duration("display.dmabuf_import", "50us",
            "estimate (gvsim, not measured): one udmabuf create + EGL image import per new guest-pages surface "
                    + "(QEMU 7.2 virtio_gpu_init_udmabuf, egl_dmabuf_import_texture)",
            "CPU time to import a zero-copy surface, once per surface change");
    public static final ParamDef REFRESH_OVERHEAD = ParamDef.duration("display.refresh_overhead", "100us",
            "estimate (gvsim, not measured): a GUI refresh's own work besides copies (event dispatch, GL state, swap)",
            "CPU time of each refresh of an output on its refresh thread");

    public static final ParamDef UI = ParamDef.string("display.ui", "gl",
            "QEMU 7.2 ui/ (gtk-gl / egl-headless vs spice-display.c); docs/host-display.md",
            "gl: a local GL display (the surface uploaded to a texture, composed by the host GPU); spice: a SPICE display channel "
                    + "(qemu_spice_create_update compares the damage with a mirror and copies it into an update image on the refreshing "
                    + "thread, then the output's spice-server worker encodes it before it is sent)");
    public static final ParamDef ENCODE_BANDWIDTH = ParamDef.doubleParam("display.encode_bandwidth", 0.75, "bytes/ns",
            "measured on this machine (x86-64, not the ARM server): benchmarks/RESULTS.md DisplayEncodeBenchmark, java.util.zip "
                    + "Deflater BEST_SPEED (an LZ77 coder, as spice-server's LZ/GLZ) on a 1080p desktop frame (10.65 ms a frame = 0.78 bytes/ns, on a loaded 2-core machine), rounded down",
            "raw pixel bytes per ns one core of SPICE's software image encoder consumes (spice-server image-encoders.c)");
    public static final ParamDef HOST_CORES = ParamDef.longParam("display.host_cores", 4, "cores",
            "assumption (gvsim, not measured): the host cores a cloud-desktop VM's QEMU non-vCPU threads are pinned to "
                    + "(libvirt emulatorpin), as many as a 4-vCPU desktop's vCPUs; 0 = a core per thread",
            "host cores shared by the main loop, the per-window refresh threads and the SPICE workers: with more busy threads than "
                    + "cores a job waits for one");
    public static final ParamDef MEMORY_BANDWIDTH = ParamDef.doubleParam("display.memory_bandwidth", 187.7, "bytes/ns",
            "estimate: one Kunpeng 920 socket, 8 DDR4-2933 channels x 8 B x 2.933 GT/s = 187.7 GB/s peak (HiSilicon "
                    + "Kunpeng 920 product brief); the seed's ARM server class",
            "DRAM bandwidth shared by every host copy (the device's TRANSFER copies, uploads, SPICE's copies) and the GPU's "
                    + "reads of guest pages: a copy moves its bytes twice (read and write)");

    public static final List<ParamDef> ALL = List.of(PIPELINE, CAPTURE, REFRESH_INTERVAL, VBLANK, UPLOAD_BANDWIDTH, GPU_SAMPLE_BANDWIDTH,
            DMABUF_IMPORT, REFRESH_OVERHEAD, UI, ENCODE_BANDWIDTH, HOST_CORES, MEMORY_BANDWIDTH);
}
