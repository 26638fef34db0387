package dev.gvsim.guesttraces.linux;

import java.util.List;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * The guest CPU a video player costs, with and without the virtio-gpu video offload
 * (docs/virtio-gpu-video.md): in software, cycles per decoded pixel (H.265 a stated factor of
 * H.264); offloaded, the work the driver model counted while it ran (ioctls, VM exits for notifies
 * and interrupts, bytes copied by the CPU) plus the player's own per-frame work. Percent of one core =
 * cycles per second / the core's frequency. Every number is a parameter with its source; two are
 * calibrated on rows of MR 837's table other than the one the {@code virtio-gpu-video} scenario
 * compares with (the aarch64 H.264 4K60 row for the software cost per pixel and the player's
 * per-frame work; the x86 rows for the H.265/H.264 ratio), so the 1080p60 figure is a prediction.
 */
public final class GuestVideoCpu {
    public static final ParamDef CPU_HZ = ParamDef.doubleParam("guest.video.cpu_hz", 2.6e9, "Hz",
            "the Kunpeng 920-6426 runs its 64 cores at 2.6 GHz (openEuler A-Tune documentation, 'atune-adm check' example output: "
                    + "'Kunpeng 920-6426 speed: 2600000000 HZ cores: 64'); assumption: MR 837 (docs/facts/virtio-gpu.md §4.3) names only "
                    + "'Kunpeng-920', not the SKU, and other 920 SKUs clock higher (a 920 7270Z reports 2.9 GHz), so the host's clock is "
                    + "this SKU's, not a published figure of that measurement",
            "frequency of the guest's vCPU (one host core)");
    public static final ParamDef SW_H264_CYCLES_PER_PIXEL = ParamDef.doubleParam("guest.video.sw_h264_cycles_per_pixel", 16.77, "cycles/pixel",
            "calibrated (gvsim) on MR 837's aarch64 H.264 4K60 software row (docs/facts/virtio-gpu.md §4.3): 321 % of a 2.6 GHz core = "
                    + "8.346e9 cycles/s over 3840 x 2160 x 60 = 497.7 Mpixel/s gives 16.77 cycles per displayed pixel (decode, "
                    + "conversion and the upload of the decoded frame together); not calibrated on the 1080p60 row it predicts",
            "guest cycles per displayed pixel of software H.264 decoding and display (FFmpeg in mpv)");
    public static final ParamDef SW_H265_FACTOR = ParamDef.doubleParam("guest.video.sw_h265_factor", 1.64, "",
            "calibrated (gvsim) on MR 837's x86-64 software rows (docs/facts/virtio-gpu.md §4.3): H.265 1080p24 42.6 % and H.264 1080p60 "
                    + "65.0 % of a core give (42.6 / 24) / (65.0 / 60) = 1.64 times the cycles per pixel",
            "software H.265 cycles per pixel over H.264's");
    public static final ParamDef IOCTL_CYCLES = ParamDef.longParam("guest.video.ioctl_cycles", 6000, "cycles",
            "estimate (gvsim, not measured): a DRM ioctl (syscall entry and exit, virtio_gpu_execbuffer_ioctl's copy of the command "
                    + "buffer, object lookups and the fence set-up) is a few microseconds on a 2.6 GHz core; 6000 cycles (2.3 us) taken",
            "guest cycles per ioctl the VA-API driver makes (one per command sent)");
    public static final ParamDef EXIT_CYCLES = ParamDef.longParam("guest.video.exit_cycles", 13000, "cycles",
            "estimate (gvsim, not measured): a trapped MMIO access (the queue notify, the ISR read of each interrupt) and the interrupt's "
                    + "injection and handler cost a KVM guest on an ARM server about 5 us; 13000 cycles at 2.6 GHz taken",
            "guest cycles per VM exit (each notify and each interrupt the driver model counted)");
    public static final ParamDef MEMCPY_BYTES_PER_CYCLE = ParamDef.doubleParam("guest.video.memcpy_bytes_per_cycle", 4.0, "bytes/cycle",
            "estimate (gvsim): docs/facts/virtio-gpu.md §3.3 takes 5-10 GB/s effective memcpy on an ARM server; about 10 GB/s at "
                    + "2.6 GHz is 4 bytes per cycle",
            "bytes the guest CPU copies per cycle (the bitstream into the VA buffer, the command stream)");
    public static final ParamDef PLAYER_FRAME_CYCLES = ParamDef.longParam("guest.video.player_frame_cycles", 3_500_000, "cycles",
            "calibrated (gvsim) on MR 837's aarch64 H.264 4K60 hardware row (docs/facts/virtio-gpu.md §4.3): 8.4 % of a 2.6 GHz core at "
                    + "60 fps is 3.64 M cycles per frame, less about 0.14 M for the ioctls, exits and bitstream copy this model counts "
                    + "separately; not calibrated on the 1080p60 row it predicts",
            "guest cycles of the player's own work per frame with hardware decode (demuxing, A/V sync, presenting the surface)");
    public static final List<ParamDef> PARAMS = List.of(CPU_HZ, SW_H264_CYCLES_PER_PIXEL, SW_H265_FACTOR, IOCTL_CYCLES, EXIT_CYCLES,
            MEMCPY_BYTES_PER_CYCLE, PLAYER_FRAME_CYCLES);

    private final double hz;
    private final double swCpp;
    private final double h265Factor;
    private final long ioctl;
    private final long exit;
    private final double bpc;
    private final long player;

    public GuestVideoCpu(Params p) {
        p.declareAll(PARAMS);
        hz = p.getDouble(CPU_HZ);
        swCpp = p.getDouble(SW_H264_CYCLES_PER_PIXEL);
        h265Factor = p.getDouble(SW_H265_FACTOR);
        ioctl = p.getLong(IOCTL_CYCLES);
        exit = p.getLong(EXIT_CYCLES);
        bpc = p.getDouble(MEMCPY_BYTES_PER_CYCLE);
        player = p.getLong(PLAYER_FRAME_CYCLES);
        if (!(hz > 0) || !(swCpp > 0) || !(h265Factor > 0) || !(bpc > 0) || ioctl < 0 || exit < 0 || player < 0) {
            throw new IllegalArgumentException("guest.video.* parameters must be positive");
        }
    }

    /** Percent of one core a software decoder takes for {@code width} x {@code height} at {@code fps}. */
    public double softwarePercent(boolean hevc, int width, int height, double fps) {
        double cycles = swCpp * (hevc ? h265Factor : 1) * width * height * fps;
        return 100 * cycles / hz;
    }

    /** Guest cycles per frame on the offloaded path, from what the driver model counted over {@code frames} frames. */
    public double offloadCyclesPerFrame(long frames, long ioctls, long exits, long bytesCopied) {
        if (frames <= 0) {
            return 0;
        }
        return player + (ioctl * (double) ioctls + exit * (double) exits + bytesCopied / bpc) / frames;
    }

    /** Percent of one core the offloaded path takes at {@code fps}. */
    public double offloadPercent(long frames, long ioctls, long exits, long bytesCopied, double fps) {
        return 100 * offloadCyclesPerFrame(frames, ioctls, exits, bytesCopied) * fps / hz;
    }
}
