package dev.gvsim.qxldevice.spice;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One remote-display update algorithm: fed every drawable the worker rendered on the primary
 * surface, it decides what goes to the client and counts what that costs on the wire (message
 * bytes from {@link SpiceWire} plus the real encoded size of the pixels). Counters, the simulated
 * encode time (raw bytes over the codec's {@code qxl.spice.*_encode_bandwidth}), the host time
 * spent encoding (reported, never used by the model) and the bytes of each update period.
 */
abstract class UpdateAlgorithm {
    final String name;
    final SpiceParams prm;
    final FrameSource src;
    final PixelCodecs codecs;

    private int[] pixels = new int[4096];

    long bytes;
    long messages;
    long imagesLossless;
    long imagesJpeg;
    long imagesRaw;
    long fills;
    long rawBytesIn;
    long encodePs;
    long hostEncodeNs;
    private long[] series = new long[64];
    private int seriesLen;

    UpdateAlgorithm(String name, SpiceParams prm, FrameSource src) {
        this.name = name;
        this.prm = prm;
        this.src = src;
        this.codecs = new PixelCodecs(prm.lzLevel);
    }

    /** A drawable on the primary ({@code box} clipped to the surface, not empty) at {@code nowPs}, in update period {@code bucket}. */
    abstract void drawn(long nowPs, int bucket, int kind, boolean opaque, Box box, int color);

    /** The end of update period {@code bucket} ({@code endPs}): send what is pending. */
    abstract void flush(int bucket, long endPs);

    /** Extra report keys of the algorithm. */
    void reportMore(Map<String, Object> out) {
    }

    /** One message of {@code n} bytes sent in update period {@code bucket}. */
    final void send(int bucket, int n) {
        bytes += n;
        messages++;
        int i = Math.min(Math.max(bucket, 0), prm.seriesMax - 1);
        if (i >= series.length) {
            long[] s = new long[Math.min(prm.seriesMax, Math.max(i + 1, series.length * 2))];
            System.arraycopy(series, 0, s, 0, seriesLen);
            series = s;
        }
        series[i] += n;
        seriesLen = Math.max(seriesLen, i + 1);
    }

    /** The surface's pixels of {@code b} (already clipped to it) into the scratch buffer, returned. */
    final int[] read(Box b) {
        int n = b.width() * b.height();
        if (pixels.length < n) {
            pixels = new int[n];
        }
        src.readRect(b.left(), b.top(), b.width(), b.height(), pixels);
        return pixels;
    }

    /** A draw_copy of the {@code w x h} pixels in {@code px} with the lossless codec (raw under 54 bytes); its bytes. */
    final int encodeLossless(int[] px, int w, int h) {
        int rawLen = w * h * 4;
        if (rawLen < SpiceWire.MIN_COMPRESS_BYTES) {
            imagesRaw++;
            return SpiceWire.drawCopyBytes(SpiceWire.BITMAP_DATA + rawLen);
        }
        long t0 = System.nanoTime();
        int size = codecs.lossless(px, w * h);
        hostEncodeNs += System.nanoTime() - t0;
        rawBytesIn += rawLen;
        encodePs += (long) (rawLen / prm.lzBytesPerPs);
        imagesLossless++;
        return SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA + size);
    }

    /** The JPEG size of the {@code w x h} pixels in {@code px} at {@code quality} (encode time counted). */
    final int jpegSize(int[] px, int w, int h, int quality) {
        int rawLen = w * h * 4;
        long t0 = System.nanoTime();
        int size = codecs.jpeg(px, w, h, quality);
        hostEncodeNs += System.nanoTime() - t0;
        rawBytesIn += rawLen;
        encodePs += (long) (rawLen / prm.jpegBytesPerPs);
        return size;
    }

    /** A fill message (solid brush). */
    final void sendFill(int bucket) {
        fills++;
        send(bucket, SpiceWire.drawFillBytes());
    }

    /** Bytes sent in each update period, from the first drawable's period on. */
    final long[] series() {
        long[] s = new long[seriesLen];
        System.arraycopy(series, 0, s, 0, seriesLen);
        return s;
    }

    /** The report of this algorithm over {@code spanPs} of simulated time. */
    final Map<String, Object> report(long spanPs) {
        Map<String, Object> m = new LinkedHashMap<>();
        double secs = spanPs / 1e12;
        m.put("bytes", bytes);
        m.put("messages", messages);
        m.put("bytes_per_s", secs > 0 ? Math.round(bytes / secs) : 0);
        m.put("messages_per_s", secs > 0 ? Math.round(messages / secs * 10) / 10.0 : 0.0);
        m.put("images_lossless", imagesLossless);
        m.put("images_jpeg", imagesJpeg);
        m.put("images_raw", imagesRaw);
        m.put("fills", fills);
        m.put("raw_bytes_encoded", rawBytesIn);
        m.put("encode_time_simulated_ps", encodePs);
        reportMore(m);
        return m;
    }
}
