package dev.gvsim.virtiogpudevice.video;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/** The parameters of virtio-gpu's video path ({@code video=on}): which engine, and the encoder's output size. */
public final class VideoParams {
    private VideoParams() {
    }

    public static final ParamDef ENGINE = ParamDef.string("virtio_gpu.video.engine", "rx550",
            "docs/facts/virtio-gpu.md §4.3-4.4: rx550 is the host GPU of MR 837's measurement (Kunpeng-920 + RX550); rk3588 and k1 are "
                    + "the SoC engines of §4.4",
            "the host's hardware codec engine: " + EngineProfile.ENGINES + " (its numbers are the video.<engine>.* parameters)");
    public static final ParamDef ENCODE_BITS_PER_PIXEL = ParamDef.doubleParam("video.encode_bits_per_pixel", 0.1, "bit/pixel",
            "estimate (gvsim): 1080p30 live streaming at about 6 Mbit/s is 6e6 / (1920 x 1080 x 30) = 0.096 bit/pixel; 0.1 taken",
            "coded size of an encoded frame (the model makes no bitstream; ENCODE_BITSTREAM writes this size to the feedback)");

    public static final ParamDef OUTPUT = ParamDef.string("virtio_gpu.video.output", "direct",
            "direct: gvsim's zero-copy path (the engine writes the target's guest pages, GpuVideo); blit: virglrenderer "
                    + "src/vrend/vrend_video.c, which exports the VA surface as a dma-buf and blits it into the video buffer's plane "
                    + "textures with glBlitFramebuffer after each decoded frame (one GPU copy per frame)",
            "where a decoded frame goes: direct (into the target, no copy) or blit (upstream: one GPU copy into the target)");
    public static final ParamDef BLIT_BANDWIDTH = ParamDef.doubleParam("video.blit_bandwidth", 56.0, "GB/s",
            "the Radeon RX 550 has GDDR5 at 7 Gb/s on a 128-bit interface (Tom's Hardware, 'AMD Radeon RX 550 review', RX 500-series "
                    + "table, tomshardware.com/uk/reviews/amd-radeon-rx-550-graphics-card-prices,5250.html): 7e9 x 128 / 8 = 112 GB/s; "
                    + "estimate (gvsim): a blit reads and writes every byte, so half of it, 56 GB/s, is taken (no measured blit rate)",
            "GPU copy bandwidth of the upstream blit (virtio_gpu.video.output=blit)");

    /** Every video parameter: the choice, the encoder's size, and every engine's numbers. */
    public static final List<ParamDef> ALL;

    static {
        List<ParamDef> a = new ArrayList<>(List.of(ENGINE, ENCODE_BITS_PER_PIXEL, OUTPUT, BLIT_BANDWIDTH));
        a.addAll(EngineProfile.PARAMS);
        ALL = Collections.unmodifiableList(a);
    }

    /** The engine {@code virtio_gpu.video.engine} names, with its numbers from {@code p}. */
    public static CodecEngine engine(Params p) {
        return new CodecEngine(EngineProfile.of(p, p.getString(ENGINE)));
    }

    /** GPU copy time per byte of the upstream blit in ps, or 0 for the direct path. */
    public static double blitPsPerByte(Params p) {
        String o = p.getString(OUTPUT);
        if (!o.equals("direct") && !o.equals("blit")) {
            throw new IllegalArgumentException(OUTPUT.name() + " must be direct or blit, got '" + o + "'");
        }
        double gbps = p.getDouble(BLIT_BANDWIDTH);
        if (!(gbps > 0) || Double.isInfinite(gbps)) {
            throw new IllegalArgumentException(BLIT_BANDWIDTH.name() + " must be a positive number of GB/s, got " + gbps);
        }
        return o.equals("blit") ? 1000.0 / gbps : 0; // 1 GB/s = 1 byte/ns = 1000 ps per byte
    }

    public static double encodeBitsPerPixel(Params p) {
        double v = p.getDouble(ENCODE_BITS_PER_PIXEL);
        if (!(v > 0) || v > 64) {
            throw new IllegalArgumentException(ENCODE_BITS_PER_PIXEL.name() + " must be in (0, 64], got " + v);
        }
        return v;
    }
}
