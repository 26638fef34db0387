package dev.gvsim.virtiogpudevice.video;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * One hardware video codec engine's numbers, each a parameter {@code video.<engine>.<quantity>} with its
 * source (docs/facts/virtio-gpu.md §4.4): pixel rates per codec for decode and encode, the fixed setup
 * per frame, the bitrate the entropy stage sustains, the number of instances, and whether decode and
 * encode share one engine. Three engines are declared: {@code rk3588} (Rockchip RK3588 VPU, an SoC
 * class engine), {@code rx550} (the Radeon RX 550 of MR 837's measurement: UVD 6.3 decode / VCE 3.4
 * encode, the discrete-GPU class that VCN and NVDEC continue) and {@code k1} (SpacemiT K1, a low-end
 * SoC). {@code virtio_gpu.video.engine} picks one.
 *
 * @param decodeH264 decode pixel rate, pixels per second (H.264)
 * @param frameSetupPs fixed time per frame (command parsing, reference setup, the interrupt), ps
 * @param bitrateCap bits per second the bitstream stage processes at most
 */
public record EngineProfile(String name, double decodeH264, double decodeH265, double encodeH264, double encodeH265, long frameSetupPs,
        double bitrateCap, int instances, boolean sharedDecodeEncode) {

    /** The engines {@code virtio_gpu.video.engine} may name. */
    public static final List<String> ENGINES = List.of("rk3588", "rx550", "k1");

    static final double M = 1e6;
    /** 8K = 7680x4320, 4K = 3840x2160: pixels per frame. */
    static final double P8K = 7680.0 * 4320;
    static final double P4K = 3840.0 * 2160;

    static final String RK = "docs/facts/virtio-gpu.md §4.4: Rockchip RK3588 VPU (jas-hacks.blogspot.com 2023/01; tweakers.net RK3588 news)";
    static final String AMD = "AMD Polaris feature list (Radeon RX 400/500 series: \"H.265 Main 10 decode and 4K60 HEVC encode\", e.g. the RX 460 "
            + "product listing at abraa.com); the RX 550 (Polaris 12, UVD 6.3 / VCE 3.4) is the GPU of MR 837's measurement "
            + "(docs/facts/virtio-gpu.md §4.3)";
    static final String K1 = "docs/facts/virtio-gpu.md §4.4: SpacemiT K1 VPU (bianbu-linux.spacemit.com/en/media/mpp/VPU)";
    static final String SETUP = "estimate: docs/facts/virtio-gpu.md §4.4 suggested model, fixed setup 0.2-1 ms per frame (not a published figure)";

    /** The ParamDefs of every engine. */
    public static final List<ParamDef> PARAMS = new ArrayList<>();

    static {
        engine("rk3588", mp(8, 30), mp(8, 60), mp(8, 30), mp(8, 30), "0.5ms", 120, 1, false,
                RK + ": H.264 decode 8K@30 = 7680x4320x30 pixel/s",
                RK + ": H.265 decode 8K@60 = 7680x4320x60 pixel/s",
                RK + ": encode 8K@30 (H.264 and H.265)",
                RK + ": encode 8K@30 (H.264 and H.265)",
                "H.265 level 6.1 Main tier MaxBR 120 000 000 bit/s (ITU-T H.265 Table A.8, as transcribed in Android's Codec2 HEVC encoder "
                        + "level table: LineageOS/android_frameworks_av media/codec2/components/hevc/C2SoftHevcEnc.cpp at 11d1d5035ef5, ProfileLevelSetter kLimits row LEVEL_HEVC_MAIN_6_1 "
                        + "2139095040 samples/s, 35651584 samples, 120000000 bit/s), the level whose sample rate covers 8K60; that the VPU is "
                        + "limited to this level's rate is an assumption (its own limit is not published in the sources at hand)",
                "estimate: one decoder and one encoder block (the sources give one figure each)",
                RK + ": decode and encode are listed as separate capabilities (rkvdec / rkvenc), so they do not share an engine");
        engine("rx550", mp(4, 60), mp(4, 60), mp(4, 60), mp(4, 60), "0.3ms", 240, 1, false,
                "estimate: " + AMD + "; decode taken at 4K@60 like the encoder (the decoder's own rate is not stated there)",
                "estimate: " + AMD + "; HEVC decode taken at 4K@60",
                "estimate: " + AMD + "; H.264 encode taken at the HEVC encoder's 4K@60",
                AMD + ": 4K60 HEVC encode",
                "H.264 level 5.2 MaxBR 240 000 000 bit/s for Baseline/Main (ITU-T H.264 Table A-1, as transcribed in Android's Codec2 AVC "
                        + "encoder level table: LineageOS/android_frameworks_av media/codec2/components/avc/C2SoftAvcEnc.cpp, level-limits row LEVEL_AVC_5_2 "
                        + "2073600 MB/s, 36864 MBs, 240000000 bit/s), the level 4K60 needs; that UVD 6.3 is limited to this level's rate is an "
                        + "assumption (AMD publishes no bitrate limit in the sources at hand)",
                "estimate: one UVD and one VCE instance on Polaris 12 (rocDecode docs list 1-4 VCN instances for later GPUs)",
                AMD + ": UVD (decode) and VCE (encode) are separate blocks");
        engine("k1", mp(4, 60), mp(4, 60), mp(4, 30), mp(4, 30), "1ms", 200, 1, true,
                K1 + ": decode HEVC/H.264 4K@60",
                K1 + ": decode HEVC/H.264 4K@60",
                K1 + ": encode HEVC/H.264 4K@30",
                K1 + ": encode HEVC/H.264 4K@30",
                K1 + ": decode max 200 Mbps",
                K1 + ": the two VPU cores' figures are given for the chip as a whole, taken as one engine",
                "estimate: " + K1 + " lists one VPU for decode and encode; RK3288's TRM (ch. 25) shows such a shared VPU time-sharing frame by frame");
    }

    /** Rates in Mpixel/s. */
    private static void engine(String e, double dec264, double dec265, double enc264, double enc265, String setup, int mbps, int instances, boolean shared,
            String sDec264, String sDec265, String sEnc264, String sEnc265, String sRate, String sInst, String sShared) {
        String p = "video." + e + ".";
        PARAMS.add(ParamDef.doubleParam(p + "decode_h264_mpixels", dec264, "Mpixel/s", sDec264, "H.264 decode pixel rate of the " + e + " engine"));
        PARAMS.add(ParamDef.doubleParam(p + "decode_h265_mpixels", dec265, "Mpixel/s", sDec265, "H.265 decode pixel rate of the " + e + " engine"));
        PARAMS.add(ParamDef.doubleParam(p + "encode_h264_mpixels", enc264, "Mpixel/s", sEnc264, "H.264 encode pixel rate of the " + e + " engine"));
        PARAMS.add(ParamDef.doubleParam(p + "encode_h265_mpixels", enc265, "Mpixel/s", sEnc265, "H.265 encode pixel rate of the " + e + " engine"));
        PARAMS.add(ParamDef.duration(p + "frame_setup", setup, SETUP, "fixed time per frame on the " + e + " engine, besides its pixels"));
        PARAMS.add(ParamDef.doubleParam(p + "max_mbps", mbps, "Mbit/s", sRate, "bitstream rate the " + e + " engine sustains: a frame takes at least its bits at this rate"));
        PARAMS.add(ParamDef.longParam(p + "instances", instances, "", sInst, "engine instances of the " + e + " (frames of all sessions queue for the first free one)"));
        PARAMS.add(ParamDef.bool(p + "shared_decode_encode", shared, sShared, "decode and encode share the " + e + " engine's instances (else each has its own)"));
    }

    /** 4K (3840x2160) or 8K (7680x4320) frames at {@code fps}, in Mpixel/s (rounded to 1 pixel/s). */
    private static double mp(int k, int fps) {
        return Math.round((k == 8 ? P8K : P4K) * fps) / M;
    }

    /** The named engine's values from the parameters. */
    public static EngineProfile of(Params p, String e) {
        if (!ENGINES.contains(e)) {
            throw new IllegalArgumentException("virtio_gpu.video.engine must be one of " + ENGINES + ", got '" + e + "'");
        }
        String pre = "video." + e + ".";
        double[] r = new double[4];
        String[] q = {"decode_h264_mpixels", "decode_h265_mpixels", "encode_h264_mpixels", "encode_h265_mpixels"};
        for (int i = 0; i < 4; i++) {
            r[i] = p.getDouble(def(pre + q[i])) * M;
            if (!(r[i] > 0) || Double.isInfinite(r[i])) {
                throw new IllegalArgumentException(pre + q[i] + " must be a positive rate, got " + r[i] / M);
            }
        }
        long setup = Math.max(0, p.getDuration(def(pre + "frame_setup")));
        double mbps = p.getDouble(def(pre + "max_mbps")) * M;
        long inst = p.getLong(def(pre + "instances"));
        if (!(mbps > 0) || inst < 1 || inst > 64) {
            throw new IllegalArgumentException(pre + "max_mbps must be > 0 and " + pre + "instances 1..64");
        }
        return new EngineProfile(e, r[0], r[1], r[2], r[3], setup, mbps, (int) inst, p.getBoolean(def(pre + "shared_decode_encode")));
    }

    static ParamDef def(String name) {
        for (ParamDef d : PARAMS) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new IllegalStateException("no parameter " + name);
    }
}
