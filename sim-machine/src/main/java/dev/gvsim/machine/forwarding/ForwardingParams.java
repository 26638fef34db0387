package dev.gvsim.machine.forwarding;

import java.util.List;

import dev.gvsim.simcore.ParamDef;

/**
 * The frame-forwarding model's own parameters ({@code forwarding.*}; docs/passthrough-forwarding.md).
 * Every other figure the model uses is an existing parameter of another part of the machine, read by
 * name: memcpy and upload bandwidth, the per-frame dispatch work, the software encoder's rate, host
 * cores and DRAM bandwidth ({@code display.*}), the uncached path's per-access costs and the PCIe link
 * ({@code mem.*}), the hardware encoder ({@code video.<engine>.*}, {@code video.encode_bits_per_pixel}).
 */
public final class ForwardingParams {
    private ForwardingParams() {
    }

    public static final ParamDef PROFILE = ParamDef.string("forwarding.profile", "amd-rx580",
            "the card of passthrough-s2-attributes (docs/gpu-passthrough.md); a Polaris GPU, whose VCE 3.4 encoder is the one the "
                    + "video.rx550.* numbers describe (the RX 550 is Polaris 12 with the same VCE 3.4: docs/facts/virtio-gpu.md §4.3-4.4)",
            "the passed-through GPU (a bundled profile of -device gpu-passthrough): its VRAM BAR and the stage-2 type each host-s2 "
                    + "policy gives it");
    public static final ParamDef ENCODE_ENGINE = ParamDef.string("forwarding.encode_engine", "rx550",
            "the video.rx550.* engine is VCE 3.4, the encoder of the Polaris card forwarding.profile names (AMD Polaris feature list, "
                    + "as cited by video.rx550.encode_h265_mpixels)",
            "which video.<engine>.* numbers stand for the passed-through GPU's hardware encoder (rk3588, rx550, k1)");
    public static final ParamDef CODEC = ParamDef.string("forwarding.codec", "h265",
            "AMD Polaris feature list: '4K60 HEVC encode' is the sourced encoder rate (the H.264 rate is an estimate taken from it)",
            "the hardware encoder's codec: h264 or h265");
    public static final ParamDef FPS = ParamDef.doubleParam("forwarding.fps", 60.0, "frames/s",
            "issue 26: the pipelines are judged at 1080p60 and 4K60", "the guest's present rate, and the remote client's display rate");
    public static final ParamDef FRAMES = ParamDef.longParam("forwarding.frames", 300, "frames",
            "gvsim choice: 5 s at 60 fps, 300 latency samples for p99",
            "frames the guest presents in a run (1..100000)");
    public static final ParamDef NC_READ_BYTES = ParamDef.longParam("forwarding.nc_read_bytes", 16, "bytes",
            "Linux arch/arm64/lib/memcpy.S (Arm optimized-routines string/aarch64/memcpy.S, imported 2021): the copy loop loads "
                    + "with LDP of two X registers, 16 bytes per load",
            "bytes per load when the capture agent reads a Normal-NC VRAM mapping with memcpy (a Device mapping is read "
                    + "mem.bulk.device_element_bytes at a time, memcpy_fromio: unaligned Device loads fault)");
    public static final ParamDef LG_CHUNK_BYTES = ParamDef.longParam("forwarding.lg_chunk_bytes", 1024, "bytes",
            "docs/facts/sharing-passthrough.md §3.1: Looking Glass streams its copy in 1024-byte chunks behind a write pointer",
            "the chunk the Looking-Glass guest copy publishes at a time: the host upload follows one chunk behind");
    public static final ParamDef SW_ENCODE_RATIO = ParamDef.doubleParam("forwarding.sw_encode_ratio", 2.0, "",
            "estimate: spice-devel 2014-11-05 (J. Celaya, LZ4 patch): an LZ-family coder compressed their desktop images x1.75-x2 "
                    + "(QUIC ~x4); the upper end taken for the LZ77 coder display.encode_bandwidth was measured with",
            "raw bytes per output byte of the naive pipeline's software encoder");
    public static final ParamDef DIRTY_FRACTION = ParamDef.doubleParam("forwarding.dirty_fraction", 1.0, "",
            "gvsim choice: the worst case, a full-screen game or video changing every tile every frame (the case 60 fps must hold in)",
            "the guest workload's damage (Damage): each frame dirties a band of ceil(fraction x tile rows) whole tile rows that "
                    + "moves one band a frame; the efficient pipelines' bitstream and the tile variants' link bytes come from it (0..1)");
    public static final ParamDef TILE_PX = ParamDef.longParam("forwarding.tile_px", 64, "pixels",
            "ITU-T H.265 (02/2018) 7.4.3.2.1: CtbLog2SizeY is 4..6, the largest coding tree block 64x64 luma samples, the unit an "
                    + "HEVC encoder codes or skips",
            "side of the square tiles the damage is tracked in (the right and bottom tiles are clipped to the frame)");
    public static final ParamDef HOST_ENCODE_ENGINE = ParamDef.string("forwarding.host_encode_engine", "rx550",
            "docs/facts/virtio-gpu.md §4.3-4.4: rx550 is the host GPU of MR 837's measurement (Kunpeng-920 + RX550), the default "
                    + "host engine of virtio_gpu.video.engine",
            "the host's own GPU encoder (video.<engine>.*) that the efficient-tile-dma and efficient-dmabuf variants encode the "
                    + "dirty tiles with (rk3588, rx550, k1)");
    public static final ParamDef GUEST_CORES = ParamDef.longParam("forwarding.guest_cores", 4, "cores",
            "assumption, as display.host_cores: a 4-vCPU cloud-desktop guest",
            "guest vCPUs the capture agent's thread runs on (0 = a core per thread)");

    public static final List<ParamDef> ALL = List.of(PROFILE, ENCODE_ENGINE, CODEC, FPS, FRAMES, NC_READ_BYTES, LG_CHUNK_BYTES, SW_ENCODE_RATIO,
            DIRTY_FRACTION, GUEST_CORES, TILE_PX, HOST_ENCODE_ENGINE);
}
