package dev.gvsim.qxldevice.spice;

import static dev.gvsim.qxldevice.spice.DrawableListener.KIND_COPY;
import static dev.gvsim.qxldevice.spice.DrawableListener.KIND_FILL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Params;

/**
 * The three update algorithms on hand-made drawables over a fake primary: sizes checked against
 * an independent computation (the message sizes and a Deflater of our own), each optimisation of
 * {@code optimized} on its own, and hostile drawables.
 */
class UpdateAlgorithmsTest {
    static final long MS = 1_000_000_000L;

    static Map<String, Object> alg(SpiceDisplay d, String name) {
        Map<String, Object> out = new java.util.TreeMap<>();
        d.report(out);
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) out.get("spice_display");
        @SuppressWarnings("unchecked")
        Map<String, Object> a = (Map<String, Object>) ((Map<String, Object>) s.get("algorithms")).get(name);
        return a;
    }

    static long bytes(SpiceDisplay d, String name) {
        return ((Number) alg(d, name).get("bytes")).longValue();
    }

    /** Deflate of the 3 colour bytes of each pixel at level 1, computed here independently. */
    static int deflated(int[] px) {
        byte[] raw = new byte[px.length * 3];
        for (int i = 0; i < px.length; i++) {
            raw[3 * i] = (byte) px[i];
            raw[3 * i + 1] = (byte) (px[i] >> 8);
            raw[3 * i + 2] = (byte) (px[i] >> 16);
        }
        Deflater d = new Deflater(1);
        d.setInput(raw);
        d.finish();
        byte[] out = new byte[raw.length + 1024];
        int n = 0;
        while (!d.finished()) {
            n += d.deflate(out, n, out.length - n);
        }
        d.end();
        return n;
    }

    @Test
    void dirtyRectsSendsEachCopyAsADrawCopyOfItsLosslessPixels() {
        FakeFrame f = new FakeFrame(320, 200);
        f.text(10, 20, 64, 32, 3);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(5 * MS, KIND_COPY, true, 10, 20, 74, 52, 0);
        long expected = SpiceWire.MINI_HEADER + SpiceWire.DRAW_COPY + SpiceWire.IMAGE_DESCRIPTOR + SpiceWire.BINARY_DATA
                + deflated(f.copy(10, 20, 64, 32));
        assertThat(bytes(d, "dirty-rects")).isEqualTo(expected);
        assertThat(SpiceWire.MINI_HEADER + SpiceWire.DRAW_COPY + SpiceWire.IMAGE_DESCRIPTOR).isEqualTo(6 + 57 + 18);
        // optimized on one opaque synthetic copy: nothing to drop, cache or merge, the same bytes (differential)
        assertThat(bytes(d, "optimized")).isEqualTo(expected);
        // full-frame: the whole surface once
        assertThat(bytes(d, "full-frame")).isEqualTo(SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA) + deflated(f.copy(0, 0, 320, 200)));
    }

    @Test
    void fillsAreDrawFillMessagesAndTinyImagesGoRaw() {
        FakeFrame f = new FakeFrame(64, 64);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(0, KIND_FILL, true, 0, 0, 32, 32, 0x123456);
        d.drawn(1, KIND_COPY, true, 40, 40, 43, 44, 0); // 3 x 4 x 4 = 48 bytes < 54: raw bitmap
        long raw = SpiceWire.drawCopyBytes(SpiceWire.BITMAP_DATA + 48);
        assertThat(bytes(d, "dirty-rects")).isEqualTo(SpiceWire.MINI_HEADER + 21 + 5 + 2 + 13 + raw);
        assertThat(alg(d, "dirty-rects").get("images_raw")).isEqualTo(1L);
        assertThat(alg(d, "optimized").get("fills")).isEqualTo(1L);
    }

    @Test
    void fullFrameSendsOneFramePerPeriodWithDrawingAndNothingForQuietPeriods() {
        FakeFrame f = new FakeFrame(100, 100);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params("qxl.spice.update_period=10ms"), f);
        d.drawn(1 * MS, KIND_COPY, true, 0, 0, 10, 10, 0);
        d.drawn(2 * MS, KIND_COPY, true, 0, 0, 10, 10, 0);
        d.drawn(55 * MS, KIND_COPY, true, 0, 0, 10, 10, 0);
        Map<String, Object> ff = alg(d, "full-frame");
        assertThat(ff.get("frames")).isEqualTo(2L);
        assertThat(ff.get("messages")).isEqualTo(2L);
        @SuppressWarnings("unchecked")
        List<Long> series = (List<Long>) ff.get("series_bytes");
        assertThat(series).hasSize(6);
        assertThat(series.get(1)).isZero();
        assertThat(series.stream().mapToLong(Long::longValue).sum()).isEqualTo(ff.get("bytes"));
    }

    @Test
    void optimizedDropsWhatALaterOpaqueDrawableCoversInTheSamePeriod() {
        FakeFrame f = new FakeFrame(200, 200);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        f.text(20, 20, 40, 40, 1);
        d.drawn(1 * MS, KIND_COPY, true, 20, 20, 60, 60, 0);
        f.text(10, 10, 80, 80, 2); // covers the first
        d.drawn(2 * MS, KIND_COPY, true, 10, 10, 90, 90, 0);
        Map<String, Object> opt = alg(d, "optimized");
        assertThat(opt.get("drawables_dropped_covered")).isEqualTo(1L);
        assertThat(opt.get("messages")).isEqualTo(1L);
        assertThat(bytes(d, "optimized")).isEqualTo(SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA) + deflated(f.copy(10, 10, 80, 80)));
        assertThat(alg(d, "dirty-rects").get("messages")).isEqualTo(2L);
    }

    @Test
    void aNonOpaqueDrawableCoversNothing() {
        FakeFrame f = new FakeFrame(200, 200);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(1 * MS, KIND_COPY, true, 20, 20, 60, 60, 0);
        d.drawn(2 * MS, KIND_COPY, false, 10, 10, 90, 90, 0); // an XOR copy, say
        assertThat(alg(d, "optimized").get("drawables_dropped_covered")).isEqualTo(0L);
    }

    @Test
    void aRepeatedImageIsACacheReferenceFromTheSecondTimeOn() {
        FakeFrame f = new FakeFrame(300, 100);
        f.text(0, 0, 48, 48, 9);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(0, KIND_COPY, true, 0, 0, 48, 48, 0);
        long first = bytes(d, "optimized");
        // the same icon drawn elsewhere in later periods
        for (int k = 1; k <= 3; k++) {
            System.arraycopy(f.copy(0, 0, 48, 48), 0, new int[1], 0, 0);
            for (int j = 0; j < 48; j++) {
                System.arraycopy(f.px, j * 300, f.px, j * 300 + 60 * k, 48);
            }
            d.drawn(k * 100 * MS, KIND_COPY, true, 60 * k, 0, 60 * k + 48, 48, 0);
        }
        Map<String, Object> opt = alg(d, "optimized");
        assertThat(opt.get("cache_hits")).isEqualTo(3L);
        assertThat(opt.get("cache_lookups")).isEqualTo(4L);
        assertThat(opt.get("cache_hit_rate")).isEqualTo(0.75);
        assertThat(bytes(d, "optimized")).isEqualTo(first + 3L * SpiceWire.drawCopyFromCacheBytes());
        assertThat(bytes(d, "dirty-rects")).isEqualTo(4 * first);
    }

    @Test
    void photographicImagesGoThroughJpegInOptimizedAndLosslessInDirtyRects() {
        FakeFrame f = new FakeFrame(256, 256);
        f.photo(0, 0, 200, 150, 4);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(0, KIND_COPY, true, 0, 0, 200, 150, 0);
        assertThat(alg(d, "optimized").get("images_jpeg")).isEqualTo(1L);
        assertThat(alg(d, "dirty-rects").get("images_jpeg")).isEqualTo(0L);
        assertThat(bytes(d, "optimized")).isLessThan(bytes(d, "dirty-rects"));
    }

    @Test
    void aVideoLikeRegionBecomesAStreamAfterSpicesTwentyFrames() {
        FakeFrame f = new FakeFrame(400, 300);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        for (int k = 0; k < 30; k++) {
            f.photo(50, 50, 128, 112, k);
            d.drawn(k * 40 * MS, KIND_COPY, true, 50, 50, 178, 162, 0);
        }
        Map<String, Object> opt = alg(d, "optimized");
        assertThat(opt.get("streams_created")).isEqualTo(1L);
        assertThat(opt.get("stream_frames")).isEqualTo(11L); // frames 20..30: created on the 20th
        // 60 fps frames, each in its own 5 ms update period: a stream sends at most 30 per second
        FakeFrame g = new FakeFrame(400, 300);
        SpiceDisplay e = new SpiceDisplay(FakeFrame.params("qxl.spice.update_period=5ms"), g);
        long frame = 1_000_000_000_000L / 60;
        for (int k = 0; k < 40; k++) {
            g.photo(0, 0, 128, 128, k);
            e.drawn(k * frame, KIND_COPY, true, 0, 0, 128, 128, 0);
        }
        Map<String, Object> o2 = alg(e, "optimized");
        // created on the 20th frame (index 19); of the 20 after it every other one is dropped
        assertThat(o2.get("stream_frames_dropped")).isEqualTo(10L);
        assertThat(o2.get("stream_frames")).isEqualTo(11L);
        // with the default 33 ms period the earlier frame of each pair is covered by the later before it is sent
        FakeFrame h = new FakeFrame(400, 300);
        SpiceDisplay p = new SpiceDisplay(FakeFrame.params(), h);
        for (int k = 0; k < 40; k++) {
            h.photo(0, 0, 128, 128, k);
            p.drawn(k * frame, KIND_COPY, true, 0, 0, 128, 128, 0);
        }
        assertThat((Long) alg(p, "optimized").get("drawables_dropped_covered")).isGreaterThanOrEqualTo(19L);
    }

    @Test
    void aSmallRegionOrFramesTooFarApartNeverStream() {
        FakeFrame f = new FakeFrame(400, 300);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        for (int k = 0; k < 30; k++) {
            f.photo(0, 0, 64, 64, k);
            d.drawn(k * 40 * MS, KIND_COPY, true, 0, 0, 64, 64, 0); // below 96 x 96
            f.photo(200, 100, 128, 128, k);
            d.drawn(k * 250 * MS + 1, KIND_COPY, true, 200, 100, 328, 228, 0); // 250 ms apart > 200 ms
        }
        assertThat(alg(d, "optimized").get("streams_created")).isEqualTo(0L);
    }

    @Test
    void coalescingMergesNeighboursAndKeepsDistantBoxesApart() {
        FakeFrame f = new FakeFrame(1000, 1000);
        OptimizedAlgorithm o = new OptimizedAlgorithm(FakeFrame.params(), f);
        List<Box> near = o.coalesce(List.of(new Box(0, 0, 8, 8), new Box(8, 0, 16, 8)));
        assertThat(near).containsExactly(new Box(0, 0, 16, 8));
        List<Box> far = o.coalesce(List.of(new Box(0, 0, 100, 100), new Box(800, 800, 900, 900)));
        assertThat(far).hasSize(2);
        // very many boxes are bounded, not merged pairwise forever
        java.util.List<Box> many = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(new Box(i, i, i + 1, i + 1));
        }
        assertThat(o.coalesce(many).size()).isLessThanOrEqualTo(OptimizedAlgorithm.MAX_MERGE);
    }

    @Test
    void hostileDrawablesAreClippedOrIgnoredNeverThrow() {
        FakeFrame f = new FakeFrame(64, 48);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(0, KIND_COPY, true, Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0); // clipped to 64 x 48
        d.drawn(1, KIND_COPY, true, 100, 100, 200, 200, 0); // outside: ignored
        d.drawn(2, KIND_COPY, true, 10, 10, 10, 20, 0); // empty
        d.drawn(-5, KIND_FILL, false, 0, 0, 8, 8, 0); // time before zero: taken as 0
        f.width = 0; // the primary destroyed
        d.drawn(3, KIND_COPY, true, 0, 0, 8, 8, 0);
        Map<String, Object> out = new java.util.TreeMap<>();
        d.report(out);
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) out.get("spice_display");
        assertThat(s.get("drawables")).isEqualTo(2L);
        assertThat(s.get("drawables_ignored")).isEqualTo(3L);
        f.width = 64;
        // the surface shrank under pending drawables: clipped at the flush, nothing read outside
        d.drawn(200 * MS, KIND_COPY, false, 0, 0, 64, 48, 0);
        f.width = 32;
        f.height = 16;
        assertThat(bytes(d, "optimized")).isPositive();
    }

    @Test
    void badParametersAreClearErrors() {
        assertThatThrownBy(() -> SpiceParams.parseAlgorithms("optimised")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown algorithm 'optimised'").hasMessageContaining("full-frame, dirty-rects, optimized");
        assertThat(SpiceParams.parseAlgorithms("optimized, dirty-rects")).containsExactly("dirty-rects", "optimized");
        assertThat(SpiceParams.parseAlgorithms("none")).isEmpty();
        assertThatThrownBy(() -> FakeFrame.params("qxl.spice.update_period=0ns")).hasMessageContaining("qxl.spice.update_period");
        assertThatThrownBy(() -> FakeFrame.params("qxl.spice.jpeg_quality=0")).hasMessageContaining("1..100");
        assertThatThrownBy(() -> FakeFrame.params("qxl.spice.lz_encode_bandwidth=0")).hasMessageContaining("positive");
        Params none = new Params();
        assertThat(SpiceDisplay.create(none, new FakeFrame(1, 1))).isNull();
    }

    @Test
    void simulatedEncodeTimeIsTheRawBytesOverTheNamedBandwidth() {
        FakeFrame f = new FakeFrame(200, 100);
        f.text(0, 0, 200, 100, 5);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params("qxl.spice.lz_encode_bandwidth=100"), f);
        d.drawn(0, KIND_COPY, true, 0, 0, 200, 100, 0);
        // 80,000 raw bytes at 100 MB/s = 800 us
        assertThat(alg(d, "dirty-rects").get("encode_time_simulated_ps")).isEqualTo(800_000_000L);
    }

    @Test
    void pixelsTheClientAlreadyShowsAreNotSentAgain() {
        FakeFrame f = new FakeFrame(256, 256);
        f.text(0, 0, 128, 128, 11);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(0, KIND_COPY, true, 0, 0, 128, 128, 0);
        long first = bytes(d, "optimized");
        // the application redraws the same pixels: nothing to send
        d.drawn(100 * MS, KIND_COPY, true, 0, 0, 128, 128, 0);
        assertThat(bytes(d, "optimized")).isEqualTo(first);
        assertThat(alg(d, "optimized").get("drawables_unchanged")).isEqualTo(1L);
        // one 16 x 16 tile changes: only that tile goes out (of the 64)
        f.fill(32, 48, 16, 16, 0x00FF00);
        d.drawn(200 * MS, KIND_COPY, true, 0, 0, 128, 128, 0);
        long tile = SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA) + deflated(f.copy(32, 48, 16, 16));
        assertThat(bytes(d, "optimized")).isEqualTo(first + tile);
        assertThat(alg(d, "optimized").get("tiles_unchanged")).isEqualTo(63L);
        assertThat(alg(d, "dirty-rects").get("messages")).isEqualTo(3L); // dirty-rects sends the whole box each time
        assertThat(bytes(d, "dirty-rects")).isGreaterThan(2 * first);
    }

    @Test
    void lossyPixelsAreNeverTakenAsAlreadyShown() {
        FakeFrame f = new FakeFrame(256, 256);
        f.photo(0, 0, 200, 150, 4);
        SpiceDisplay d = new SpiceDisplay(FakeFrame.params(), f);
        d.drawn(0, KIND_COPY, true, 0, 0, 200, 150, 0);
        long first = bytes(d, "optimized");
        d.drawn(100 * MS, KIND_COPY, true, 0, 0, 200, 150, 0); // the same photo again: the client has only a JPEG of it
        Map<String, Object> opt = alg(d, "optimized");
        assertThat(opt.get("drawables_unchanged")).isEqualTo(0L);
        assertThat(opt.get("cache_hits")).isEqualTo(1L); // but it is in the cache
        assertThat(bytes(d, "optimized")).isEqualTo(first + SpiceWire.drawCopyFromCacheBytes());
    }
}
