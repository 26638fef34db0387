package dev.gvsim.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.qxldevice.spice.DrawableListener;
import dev.gvsim.qxldevice.spice.FrameSource;
import dev.gvsim.qxldevice.spice.Graduality;
import dev.gvsim.qxldevice.spice.PixelCodecs;
import dev.gvsim.qxldevice.spice.SpiceDisplay;
import dev.gvsim.qxldevice.spice.SpiceParams;
import dev.gvsim.simcore.Params;

/**
 * Issue 24: the QXL remote display's encoder path on one 256 x 256 image (262,144 raw bytes),
 * synthetic (flat UI shapes and text-like pixels) or photographic (smooth fields with noise):
 * the lossless LZ-family codec (Deflater level 1 on 3 bytes a pixel), the JPEG path (quality 85),
 * SPICE's graduality classifier, and one whole dirty-rects update (the primary's pixels read,
 * encoded, counted) through {@link SpiceDisplay}. MB/s in = 0.262144 / (ms/op); allocation per
 * frame from {@code -prof gc} (RESULTS.md). The lossless path reuses its buffers; javax.imageio's
 * JPEG writer allocates per image.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Thread)
public class SpiceEncoderBenchmark {
    static final int W = 256;
    static final int H = 256;

    @Param({"synthetic", "photo"})
    String content;

    int[] px;
    PixelCodecs codecs;
    SpiceDisplay dirtyRects;
    long t;

    static int[] image(String content) {
        int[] p = new int[W * H];
        SplittableRandom r = new SplittableRandom(24);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int v;
                if (content.equals("photo")) {
                    int c = 80 + x * 90 / W + r.nextInt(7);
                    int g = 60 + y * 100 / H + r.nextInt(7);
                    int b = 120 + (x + y) * 50 / (W + H) + r.nextInt(7);
                    v = c << 16 | g << 8 | b;
                } else {
                    boolean text = y % 18 < 14 && x % 9 < 7 && r.nextInt(3) == 0;
                    v = text ? 0 : (x / 64 + y / 64) % 2 == 0 ? 0xFFFFFF : 0xD6D6D6;
                }
                p[y * W + x] = v;
            }
        }
        return p;
    }

    @Setup
    public void setup() {
        px = image(content);
        codecs = new PixelCodecs(1);
        Params p = new Params();
        p.declareAll(SpiceParams.ALL);
        p.set("qxl.spice.algorithms", "dirty-rects");
        int[] frame = px;
        dirtyRects = SpiceDisplay.create(p, new FrameSource() {
            @Override
            public int width() {
                return W;
            }

            @Override
            public int height() {
                return H;
            }

            @Override
            public void readRect(int x, int y, int w, int h, int[] dst) {
                for (int j = 0; j < h; j++) {
                    System.arraycopy(frame, (y + j) * W + x, dst, j * w, w);
                }
            }
        });
    }

    @Benchmark
    public int lossless() {
        return codecs.lossless(px, W * H);
    }

    @Benchmark
    public int jpeg() {
        return codecs.jpeg(px, W, H, 85);
    }

    @Benchmark
    public int graduality() {
        return Graduality.level(px, W, H);
    }

    @Benchmark
    public void dirtyRectsUpdate() {
        dirtyRects.drawn(t += 1_000_000_000L, DrawableListener.KIND_COPY, true, 0, 0, W, H, 0);
    }
}
