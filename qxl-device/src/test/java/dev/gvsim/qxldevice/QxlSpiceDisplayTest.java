package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Params;

/**
 * The remote-display side hooked to the worker (issue 24): absent unless qxl.spice.algorithms asks
 * for it; when present it sees the drawables the worker rendered on the primary and changes
 * nothing else the device does or reports.
 */
class QxlSpiceDisplayTest {
    static final long DRAW_AREA = QxlDeviceTest.DRAW_AREA;

    /** A probed device with a 256 x 128 primary that has run one 16 x 8 COPY and one solid fill. */
    static QxlTestDriver drawTwo(Params p) {
        QxlTestDriver d = new QxlTestDriver(QxlDevice.QXL, p);
        d.probe();
        d.createPrimary(256, 128, 0);
        int[] px = new int[16 * 8];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i % 3 == 0) ? 0 : 0xFFFFFF;
        }
        long img = DRAW_AREA + 0x1000;
        d.bitmapImage(img, 16, 8, px);
        long dr = DRAW_AREA;
        d.drawable(dr, 1, DRAW_COPY, 4, 8, 12, 24, CLIP_TYPE_NONE, 0);
        d.wr(0, dr + COPY_SRC_BITMAP, 8, QxlTestDriver.phys(1, img));
        d.wr(0, dr + COPY_SRC_AREA + RECT_BOTTOM, 4, 8);
        d.wr(0, dr + COPY_SRC_AREA + RECT_RIGHT, 4, 16);
        d.wr(0, dr + COPY_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        d.settle();
        long fill = DRAW_AREA + 0x800;
        d.drawable(fill, 2, DRAW_FILL, 50, 50, 60, 90, CLIP_TYPE_NONE, 0);
        d.wr(0, fill + FILL_BRUSH_TYPE, 4, BRUSH_TYPE_SOLID);
        d.wr(0, fill + FILL_BRUSH_COLOR, 4, 0x123456);
        d.wr(0, fill + FILL_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, fill), CMD_DRAW);
        d.settle();
        return d;
    }

    @Test
    void withoutTheParameterThereIsNoRemoteDisplayAndNoReportKey() {
        QxlTestDriver d = drawTwo(null);
        assertThat(d.dev.spiceDisplay()).isNull();
        assertThat(d.dev.report()).doesNotContainKey("spice_display");
        assertThat(d.dev.report().get("draws_rendered")).isEqualTo(2L);
    }

    @Test
    void withItEveryAlgorithmSeesTheRenderedDrawablesAndTheRestOfTheReportIsUnchanged() {
        Params p = new Params();
        p.declareAll(QxlDevice.PARAMS);
        p.set("qxl.spice.algorithms", "all");
        QxlTestDriver on = drawTwo(p);
        QxlTestDriver off = drawTwo(null);
        Map<String, Object> rOn = new TreeMap<>(on.dev.report());
        @SuppressWarnings("unchecked")
        Map<String, Object> spice = (Map<String, Object>) rOn.remove("spice_display");
        assertThat(rOn).isEqualTo(off.dev.report());
        assertThat(spice.get("drawables")).isEqualTo(2L);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> algs = (Map<String, Map<String, Object>>) spice.get("algorithms");
        assertThat(algs).containsOnlyKeys("full-frame", "dirty-rects", "optimized");
        // dirty-rects: the copy as a draw_copy (its 16 x 8 pixels, as rendered) and the fill as a draw_fill
        assertThat(algs.get("dirty-rects").get("messages")).isEqualTo(2L);
        assertThat(algs.get("dirty-rects").get("fills")).isEqualTo(1L);
        assertThat(algs.get("dirty-rects").get("raw_bytes_encoded")).isEqualTo(16L * 8 * 4);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 256; x++) {
                assertThat(on.dev.primaryPixel(x, y)).isEqualTo(off.dev.primaryPixel(x, y));
            }
        }
    }

    @Test
    void aDrawableOnAnotherSurfaceOrOneThatFailedIsNotSent() {
        Params p = new Params();
        p.declareAll(QxlDevice.PARAMS);
        p.set("qxl.spice.algorithms", "dirty-rects");
        QxlTestDriver d = new QxlTestDriver(QxlDevice.QXL, p);
        d.probe();
        d.createPrimary(64, 64, 0);
        long dr = DRAW_AREA;
        // a COPY whose image pointer resolves nowhere: dropped by the worker, not sent
        d.drawable(dr, 1, DRAW_COPY, 0, 0, 8, 8, CLIP_TYPE_NONE, 0);
        d.wr(0, dr + COPY_SRC_BITMAP, 8, 0xDEAD_BEEFL);
        d.wr(0, dr + COPY_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        d.settle();
        @SuppressWarnings("unchecked")
        Map<String, Object> spice = (Map<String, Object>) d.dev.report().get("spice_display");
        assertThat(spice.get("drawables")).isEqualTo(0L);
        assertThat(d.dev.report().get("draws_dropped")).isEqualTo(1L);
    }

    /**
     * Hostile drawables with the remote display on: random boxes (the whole int range included),
     * fills and copies with random raster ops, clip lists and bitmap sizes, some with bad
     * pointers. Nothing throws, and every drawable the worker rendered reached the display, sent
     * or (off the surface) ignored.
     */
    @Test
    void hostileDrawablesWithTheRemoteDisplayOnNeverThrowAndAllRenderedOnesReachIt() {
        Params p = new Params();
        p.declareAll(QxlDevice.PARAMS);
        p.set("qxl.spice.algorithms", "all");
        p.set("qxl.spice.update_period", "1us");
        QxlTestDriver d = new QxlTestDriver(QxlDevice.QXL, p);
        d.probe();
        d.createPrimary(64, 48, 0);
        java.util.Random r = new java.util.Random(24);
        int[] edges = {Integer.MIN_VALUE, -1, 0, 1, 16, 47, 48, 63, 64, 65, Integer.MAX_VALUE};
        for (int i = 0; i < 300; i++) {
            int top = edges[r.nextInt(edges.length)];
            int left = edges[r.nextInt(edges.length)];
            int bottom = r.nextBoolean() ? edges[r.nextInt(edges.length)] : top + r.nextInt(40);
            int right = r.nextBoolean() ? edges[r.nextInt(edges.length)] : left + r.nextInt(40);
            long dr = DRAW_AREA + (i % 4) * 0x400;
            int clipType = r.nextInt(5) == 0 ? CLIP_TYPE_RECTS : CLIP_TYPE_NONE;
            long clip = DRAW_AREA + 0x8000;
            if (clipType == CLIP_TYPE_RECTS) {
                d.wr(0, clip + CLIP_RECTS_NUM, 4, 1);
                d.wr(0, clip + CLIP_RECTS_CHUNK + CHUNK_DATA_SIZE, 4, 16);
                d.wr(0, clip + CLIP_RECTS_CHUNK + CHUNK_NEXT, 8, 0);
                for (int k = 0; k < 4; k++) {
                    d.wr(0, clip + CLIP_RECTS_CHUNK + CHUNK_HEADER + 4 * k, 4, edges[r.nextInt(edges.length)] & 0xFFFF_FFFFL);
                }
            }
            int rop = 1 << r.nextInt(11);
            if (r.nextBoolean()) {
                d.drawable(dr, i, DRAW_FILL, top, left, bottom, right, clipType, QxlTestDriver.phys(1, clip));
                d.wr(0, dr + FILL_BRUSH_TYPE, 4, BRUSH_TYPE_SOLID);
                d.wr(0, dr + FILL_BRUSH_COLOR, 4, r.nextInt() & 0xFFFF_FFFFL);
                d.wr(0, dr + FILL_ROP, 2, rop);
            } else {
                int w = 1 + r.nextInt(24);
                int h = 1 + r.nextInt(24);
                int[] px = new int[w * h];
                for (int k = 0; k < px.length; k++) {
                    px[k] = r.nextInt(3) == 0 ? r.nextInt() : 0xFFFFFF;
                }
                long img = DRAW_AREA + 0x10000;
                d.bitmapImage(img, w, h, px);
                d.drawable(dr, i, DRAW_COPY, top, left, bottom, right, clipType, QxlTestDriver.phys(1, clip));
                d.wr(0, dr + COPY_SRC_BITMAP, 8, r.nextInt(8) == 0 ? r.nextLong() : QxlTestDriver.phys(1, img));
                d.wr(0, dr + COPY_SRC_AREA + RECT_BOTTOM, 4, h);
                d.wr(0, dr + COPY_SRC_AREA + RECT_RIGHT, 4, w);
                d.wr(0, dr + COPY_ROP, 2, rop);
            }
            d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
            d.settle();
            if (d.dev.inErrorState()) {
                d.out(IO_RESET, 0);
                d.settle();
                d.probe();
                d.createPrimary(64, 48, 0);
            }
        }
        Map<String, Object> rep = d.dev.report();
        @SuppressWarnings("unchecked")
        Map<String, Object> spice = (Map<String, Object>) rep.get("spice_display");
        long rendered = (Long) rep.get("draws_rendered");
        assertThat(rendered).isGreaterThan(100);
        assertThat((Long) spice.get("drawables") + (Long) spice.get("drawables_ignored")).isEqualTo(rendered);
        assertThat((Long) spice.get("drawables")).isPositive();
    }
}
