package dev.gvsim.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 21: real host data movement on the display path, measured on this machine (not a model).
 * What QEMU copies per frame is in docs/facts/virtio-gpu.md §3.2-3.3; these benchmarks time the same
 * copies in Java so the display model's host-memcpy parameter has a measured reference.
 *
 * <ul>
 *   <li>Frame copies: one XRGB8888 frame (1080p 8,294,400 B, 4K 33,177,600 B) heap to heap
 *   ({@code System.arraycopy}), direct to direct ({@code ByteBuffer.put}, agrona
 *   {@code UnsafeBuffer.putBytes}, i.e. {@code Unsafe.copyMemory}, as QEMU's memcpy of guest pages
 *   into a pixman image).</li>
 *   <li>A damaged rectangle copied row by row inside a 1080p frame (stride 7,680 B), as
 *   {@code virtio_gpu_transfer_to_host_2d} does ({@code iov_to_buf} per row).</li>
 *   <li>Per frame, the copy path (guest buffer to host image to upload buffer: 2 copies; 3 with an
 *   fbdev shadow copy first) against the zero-copy path (a view over the guest frame handed on,
 *   no byte moved).</li>
 * </ul>
 * Average time per operation (one frame, one rectangle); GB/s = bytes / (ns/op) (RESULTS.md). Every
 * operation is allocation-free ({@code -prof gc}: 0 B/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "-Xmx1g", "-XX:MaxDirectMemorySize=1g"})
public class DisplayPathBenchmark {
    static final int W_1080P = 1920, H_1080P = 1080, W_4K = 3840, H_4K = 2160, BPP = 4;

    static int frameBytes(String frame) {
        return switch (frame) {
            case "1080p" -> W_1080P * H_1080P * BPP; // 8,294,400
            case "4K" -> W_4K * H_4K * BPP; // 33,177,600
            default -> throw new IllegalArgumentException(frame);
        };
    }

    /** A direct buffer of n bytes, filled with a pattern (so every page is faulted in and non-zero). */
    static UnsafeBuffer direct(int n, long seed) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(n));
        for (int i = 0; i + 8 <= n; i += 8) {
            b.putLong(i, seed ^ (i * 0x9E3779B97F4A7C15L));
        }
        return b;
    }

    /** One source frame and one destination frame in each kind of memory. */
    @State(Scope.Thread)
    public static class Frames {
        @Param({"1080p", "4K"})
        public String frame;
        int bytes;
        byte[] heapSrc, heapDst;
        ByteBuffer bbSrc, bbDst;
        UnsafeBuffer uSrc, uDst;

        @Setup(Level.Trial)
        public void setup() {
            bytes = frameBytes(frame);
            heapSrc = new byte[bytes];
            heapDst = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                heapSrc[i] = (byte) (i * 31);
                heapDst[i] = (byte) i;
            }
            uSrc = direct(bytes, 1);
            uDst = direct(bytes, 2);
            bbSrc = direct(bytes, 3).byteBuffer();
            bbDst = direct(bytes, 4).byteBuffer();
        }
    }

    /** A damaged rectangle, centred in a 1080p XRGB frame (stride 7,680 B), source and destination alike. */
    @State(Scope.Thread)
    public static class Rect {
        @Param({"256x128", "960x540", "1920x1080"})
        public String rect;
        static final int STRIDE = W_1080P * BPP;
        int firstOffset, rowBytes, rows;
        UnsafeBuffer src, dst;

        @Setup(Level.Trial)
        public void setup() {
            String[] wh = rect.split("x");
            int w = Integer.parseInt(wh[0]), h = Integer.parseInt(wh[1]);
            rowBytes = w * BPP;
            rows = h;
            firstOffset = ((H_1080P - h) / 2) * STRIDE + ((W_1080P - w) / 2) * BPP;
            src = direct(STRIDE * H_1080P, 5);
            dst = direct(STRIDE * H_1080P, 6);
        }
    }

    /** The buffers one frame passes through on the copy path, and the view the zero-copy path hands on. */
    @State(Scope.Thread)
    public static class Pipeline {
        @Param({"1080p", "4K"})
        public String frame;
        int bytes;
        UnsafeBuffer shadow, guest, hostImage, upload;
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        @Setup(Level.Trial)
        public void setup() {
            bytes = frameBytes(frame);
            shadow = direct(bytes, 7); // fbdev shadow framebuffer (guest RAM)
            guest = direct(bytes, 8); // the dumb BO's pages (guest RAM)
            hostImage = direct(bytes, 9); // QEMU's pixman image
            upload = direct(bytes, 10); // the UI's upload (texture staging) buffer
        }
    }

    // ---- 1. frame copies ----

    @Benchmark
    public byte frameHeapArraycopy(Frames f) {
        System.arraycopy(f.heapSrc, 0, f.heapDst, 0, f.bytes);
        return f.heapDst[f.bytes - 1];
    }

    @Benchmark
    public byte frameDirectByteBufferPut(Frames f) {
        f.bbDst.put(0, f.bbSrc, 0, f.bytes); // absolute bulk put (JDK 16+): no duplicate, no allocation
        return f.bbDst.get(f.bytes - 1);
    }

    @Benchmark
    public byte frameDirectUnsafeBufferPutBytes(Frames f) {
        f.uDst.putBytes(0, f.uSrc, 0, f.bytes);
        return f.uDst.getByte(f.bytes - 1);
    }

    // ---- damaged rectangle, row by row ----

    @Benchmark
    public byte rectRowByRow(Rect r) {
        int off = r.firstOffset;
        for (int y = 0; y < r.rows; y++, off += Rect.STRIDE) {
            r.dst.putBytes(off, r.src, off, r.rowBytes);
        }
        return r.dst.getByte(r.firstOffset);
    }

    // ---- 2. per frame: copy path against zero copy ----

    /** Non-blob 2D: TRANSFER_TO_HOST_2D (guest pages to pixman image), then the UI's upload copy. */
    @Benchmark
    public long copyPath2Copies(Pipeline p) {
        p.hostImage.putBytes(0, p.guest, 0, p.bytes);
        p.upload.putBytes(0, p.hostImage, 0, p.bytes);
        return p.upload.getLong(0);
    }

    /** The same with fbcon/fbdev's shadow framebuffer copied into the BO first. */
    @Benchmark
    public long copyPath3CopiesWithShadow(Pipeline p) {
        p.guest.putBytes(0, p.shadow, 0, p.bytes);
        p.hostImage.putBytes(0, p.guest, 0, p.bytes);
        p.upload.putBytes(0, p.hostImage, 0, p.bytes);
        return p.upload.getLong(0);
    }

    /**
     * Blob + udmabuf: the display gets a view of the guest's pages (a preallocated view re-pointed at
     * the guest frame), and the host GPU, not the CPU, reads them.
     */
    @Benchmark
    public long zeroCopyView(Pipeline p) {
        p.view.wrap(p.guest.addressOffset(), p.bytes);
        return p.view.addressOffset() + p.view.capacity();
    }
}
