package dev.gvsim.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.virtiogpudevice.layout.codec.AccessUnits;
import dev.gvsim.virtiogpudevice.layout.codec.Codec;
import dev.gvsim.virtiogpudevice.layout.codec.NalParser;

/**
 * The H.264 / H.265 bitstream parser of virtio-gpu's video path ({@code layout.codec}), on the
 * committed 1080p x264 / x265 streams (guest-traces .../video/README.md): one op = one pass over the
 * whole stream (Annex-B start codes with the emulation-prevention checks over every byte, every NAL
 * header, the SPS/PPS/VPS, each slice header's first fields, the access units), so MB/s = stream
 * bytes / time per op; and one op = one SPS parse. Run with {@code -prof gc}: nothing is allocated,
 * gc.alloc.rate.norm per op (hence per NAL unit) should be ~0 B.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class CodecParserBenchmark {
    static final String DIR = "/dev/gvsim/guesttraces/video/";

    private byte[] h264;
    private byte[] h265;
    private final AccessUnits au264 = new AccessUnits(Codec.H264);
    private final AccessUnits au265 = new AccessUnits(Codec.H265);
    private final NalParser sps = new NalParser(Codec.H264);
    private int spsOff;
    private int spsLen;

    static byte[] load(String name) throws IOException {
        try (InputStream in = CodecParserBenchmark.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IOException(DIR + name + " is not on the class path");
            }
            return in.readAllBytes();
        }
    }

    @Setup
    public void setup() throws IOException {
        h264 = load("h264-1920x1080-high.264"); // 45 975 bytes, 6 frames, 24 NAL units
        h265 = load("h265-1920x1080-main.265"); // 53 239 bytes, 6 frames
        // the SPS of the H.264 stream: after the first start code, up to the next
        int i = 4;
        while ((h264[i] & 0x1F) != 7) {
            i++;
        }
        spsOff = i;
        int j = i + 1;
        while (!(h264[j] == 0 && h264[j + 1] == 0 && h264[j + 2] == 1)) {
            j++;
        }
        spsLen = j - i;
    }

    @Benchmark
    public long h264Stream45975Bytes() {
        AccessUnits a = au264.reset(h264, 0, h264.length);
        while (a.next()) {
            // all access units
        }
        return a.nalUnits + a.frames;
    }

    @Benchmark
    public long h265Stream53239Bytes() {
        AccessUnits a = au265.reset(h265, 0, h265.length);
        while (a.next()) {
            // all access units
        }
        return a.nalUnits + a.frames;
    }

    @Benchmark
    public int h264Sps() {
        sps.parse(h264, spsOff, spsLen, 0, spsOff);
        return sps.sps(0).width();
    }
}
