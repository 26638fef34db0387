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

    /** Every video parameter: the choice, the encoder's size, and every engine's numbers. */
    public static final List<ParamDef> ALL;

    static {
        List<ParamDef> a = new ArrayList<>(List.of(ENGINE, ENCODE_BITS_PER_PIXEL));
        a.addAll(EngineProfile.PARAMS);
        ALL = Collections.unmodifiableList(a);
    }

    /** The engine {@code virtio_gpu.video.engine} names, with its numbers from {@code p}. */
    public static CodecEngine engine(Params p) {
        return new CodecEngine(EngineProfile.of(p, p.getString(ENGINE)));
    }

    public static double encodeBitsPerPixel(Params p) {
        double v = p.getDouble(ENCODE_BITS_PER_PIXEL);
        if (!(v > 0) || v > 64) {
            throw new IllegalArgumentException(ENCODE_BITS_PER_PIXEL.name() + " must be in (0, 64], got " + v);
        }
        return v;
    }
}
