package dev.gvsim.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 21: the remote-display encode stage's throughput, measured on this machine (not a model).
 * SPICE encodes each update image in software before it leaves the host (spice-server
 * image-encoders.c: LZ/GLZ, LZ77-family dictionary coders, for synthetic content; docs/facts/qxl.md
 * §7.3); the display model's {@code display.encode_bandwidth} needs a measured reference for what
 * one core of an LZ77 coder does per byte of raw pixels. This times {@link Deflater} at
 * {@code BEST_SPEED} (zlib's LZ77 + Huffman, the closest well-kept LZ77 coder in the JDK) on one
 * 1080p XRGB8888 frame of the content the virtio-gpu driver model's {@code multi} workload draws
 * (a grey background and one flat rectangle: synthetic desktop content, the best case for an LZ
 * coder) and on a noisy frame (photographic-like, the worst case). Raw MB/s = 8,294,400 B /
 * (time per frame). Reused deflater and output buffer: no allocation per frame beyond zlib's own.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class DisplayEncodeBenchmark {
    static final int W = 1920, H = 1080, BPP = 4;

    @Param({"desktop", "noise"})
    public String content;

    byte[] frame;
    byte[] out;
    Deflater deflater;

    @Setup
    public void setup() {
        frame = new byte[W * H * BPP];
        if (content.equals("desktop")) {
            // the multi workload at tick 0 on output 0: grey 0x20 background, one rectangle a quarter of the output each side
            java.util.Arrays.fill(frame, (byte) 0x20);
            int rw = W / 4, rh = H / 4, rx = 32, ry = 32;
            for (int y = ry; y < ry + rh; y++) {
                for (int x = rx; x < rx + rw; x++) {
                    int p = (y * W + x) * BPP;
                    frame[p] = 0x30;
                    frame[p + 1] = 0x30;
                    frame[p + 2] = (byte) 0xD0;
                    frame[p + 3] = 0;
                }
            }
        } else {
            long s = 0x9E3779B97F4A7C15L;
            for (int i = 0; i < frame.length; i++) {
                s ^= s << 13;
                s ^= s >>> 7;
                s ^= s << 17;
                frame[i] = (byte) s;
            }
        }
        out = new byte[frame.length + frame.length / 100 + 1024];
        deflater = new Deflater(Deflater.BEST_SPEED);
    }

    @TearDown
    public void tearDown() {
        deflater.end();
    }

    /** One frame encoded; returns the compressed size (kept by JMH). */
    @Benchmark
    public int encodeFrame() {
        deflater.reset();
        deflater.setInput(frame);
        deflater.finish();
        int n = 0;
        while (!deflater.finished()) {
            n += deflater.deflate(out, n, out.length - n);
        }
        return n;
    }
}
