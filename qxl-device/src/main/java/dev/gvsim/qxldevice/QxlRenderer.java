package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.SparseMemory;

/**
 * Draws what spice-server's software canvas draws for the drawables the worker parsed (spice-common
 * canvas_base.c: solid fill, bitmap copy, SpiceRopd raster ops), into the guest's 32-bit surfaces,
 * clipped to the surface and to the drawable's clip rectangles. Works a row at a time through one
 * reusable row buffer; allocates only when a wider row than ever before is drawn.
 */
final class QxlRenderer {
    /**
     * A parsed clip (red_get_clip_rects: SpiceClipRects): {@code count} QXLRects (RECT_* offsets) in
     * a reusable buffer, or {@code count} -1 for SPICE_CLIP_TYPE_NONE.
     */
    static final class Clip {
        private byte[] bytes = new byte[256];
        final UnsafeBuffer rects = new UnsafeBuffer(bytes);
        int count;

        /** Makes room for {@code need} bytes of rects (grows, never shrinks). */
        void ensure(int need) {
            if (bytes.length < need) {
                bytes = new byte[need];
                rects.wrap(bytes);
            }
        }
    }

    /**
     * A parsed bitmap (red_get_image: SpiceBitmap): {@code stride x height} bytes of pixels, gathered
     * into a reusable buffer, with their format.
     */
    static final class Bitmap {
        private byte[] bytes = new byte[4096];
        final UnsafeBuffer pixels = new UnsafeBuffer(bytes);
        /** Bytes per pixel: 4 (32-bit, RGBA), 3 (24-bit) or 2 (x1r5g5b5). */
        int bpp;
        long height;
        long stride;
        /** QXL_BITMAP_TOP_DOWN: line 0 first in memory. */
        boolean topDown;

        /** Makes room for {@code size} bytes of pixels (grows, never shrinks). */
        void ensure(long size) {
            if (bytes.length < size) {
                bytes = new byte[(int) size];
                pixels.wrap(bytes);
            }
        }
    }

    private final QxlSurfaces surfaces;
    private final Counter pixelsWritten;
    private byte[] rowBytes = new byte[4096];
    private final UnsafeBuffer rowBuf = new UnsafeBuffer(rowBytes);

    QxlRenderer(QxlSurfaces surfaces, Counter pixelsWritten) {
        this.surfaces = surfaces;
        this.pixelsWritten = pixelsWritten;
    }

    /** The rectangle {@link #clipRect} left: top, left inclusive; bottom, right exclusive. */
    private int clipTop;
    private int clipLeft;
    private int clipBottom;
    private int clipRight;

    /**
     * The bbox intersected with clip rect {@code c} (none when the drawable has no clip rects) and
     * with the surface, into {@link #clipTop} .. {@link #clipRight}; false if nothing is left.
     */
    private boolean clipRect(QxlSurfaces.Surface sf, int top, int left, int bottom, int right, Clip clip, int c) {
        int t = top;
        int l = left;
        int b = bottom;
        int r = right;
        if (clip.count >= 0) {
            int co = c * RECT_SIZE;
            t = Math.max(t, clip.rects.getInt(co + RECT_TOP));
            l = Math.max(l, clip.rects.getInt(co + RECT_LEFT));
            b = Math.min(b, clip.rects.getInt(co + RECT_BOTTOM));
            r = Math.min(r, clip.rects.getInt(co + RECT_RIGHT));
        }
        clipTop = Math.max(t, 0);
        clipLeft = Math.max(l, 0);
        clipBottom = Math.min(b, sf.height);
        clipRight = Math.min(r, sf.width);
        return clipLeft < clipRight && clipTop < clipBottom;
    }

    /** A solid fill of {@code color} (already inverted for ROPD_INVERS_BRUSH) over the bbox, in each clip rect. */
    void fill(QxlSurfaces.Surface sf, int top, int left, int bottom, int right, Clip clip, int color, int rop) {
        int n = clip.count < 0 ? 1 : clip.count;
        for (int c = 0; c < n; c++) {
            if (!clipRect(sf, top, left, bottom, right, clip, c)) {
                continue;
            }
            int t = clipTop;
            int l = clipLeft;
            int b = clipBottom;
            int r = clipRight;
            int w = r - l;
            ensureRow(w * 4);
            SparseMemory dm = surfaces.memory(sf.mem);
            for (int y = t; y < b; y++) {
                long row = sf.pixel32(l, y);
                if ((rop & ROPD_OP_PUT) == 0 || (rop & (ROPD_INVERS_DEST | ROPD_INVERS_RES)) != 0) {
                    dm.readBytes(row, rowBuf, 0, w * 4);
                    for (int x = 0; x < w; x++) {
                        rowBuf.putInt(x * 4, rop(rop, color, rowBuf.getInt(x * 4)));
                    }
                } else {
                    for (int x = 0; x < w; x++) {
                        rowBuf.putInt(x * 4, color);
                    }
                }
                dm.writeBytes(row, rowBuf, 0, w * 4);
            }
            pixelsWritten.add((long) w * (b - t));
        }
    }

    /**
     * Copies the source area ({@code sTop..sBottom, sLeft..sRight}, checked to lie in the bitmap) of
     * {@code src} onto the bbox, scaled to it by nearest neighbour, in each clip rect.
     */
    void copy(QxlSurfaces.Surface sf, int top, int left, int bottom, int right, Clip clip, Bitmap src, int sTop, int sLeft,
            int sBottom, int sRight, int rop) {
        long srcW = sRight - sLeft;
        long srcH = sBottom - sTop;
        long dstW = (long) right - left;
        long dstH = (long) bottom - top;
        if (dstW <= 0 || dstH <= 0) {
            return;
        }
        int bpp = src.bpp;
        long bh = src.height;
        long bstride = src.stride;
        boolean topDown = src.topDown;
        UnsafeBuffer imageBuf = src.pixels;
        int n = clip.count < 0 ? 1 : clip.count;
        SparseMemory dm = surfaces.memory(sf.mem);
        for (int c = 0; c < n; c++) {
            if (!clipRect(sf, top, left, bottom, right, clip, c)) {
                continue;
            }
            int t = clipTop;
            int l = clipLeft;
            int b = clipBottom;
            int r = clipRight;
            int w = r - l;
            ensureRow(w * 4);
            boolean needDst = (rop & ROPD_OP_PUT) == 0 || (rop & (ROPD_INVERS_DEST | ROPD_INVERS_RES)) != 0;
            for (int y = t; y < b; y++) {
                long row = sf.pixel32(l, y);
                if (needDst) {
                    dm.readBytes(row, rowBuf, 0, w * 4);
                }
                int sy = sTop + (int) (((long) y - top) * srcH / dstH);
                long srow = (topDown ? sy : (bh - 1 - sy)) * bstride;
                for (int x = 0; x < w; x++) {
                    int sx = sLeft + (int) (((long) x + l - left) * srcW / dstW);
                    int p = (int) (srow + (long) sx * bpp);
                    int px;
                    if (bpp == 4) {
                        px = imageBuf.getInt(p);
                    } else if (bpp == 3) {
                        px = (imageBuf.getByte(p) & 0xFF) | (imageBuf.getByte(p + 1) & 0xFF) << 8 | (imageBuf.getByte(p + 2) & 0xFF) << 16;
                    } else {
                        int v = imageBuf.getShort(p) & 0xFFFF; // x1r5g5b5
                        int r5 = (v >> 10) & 0x1F;
                        int g5 = (v >> 5) & 0x1F;
                        int b5 = v & 0x1F;
                        px = (r5 << 3 | r5 >> 2) << 16 | (g5 << 3 | g5 >> 2) << 8 | (b5 << 3 | b5 >> 2);
                    }
                    if ((rop & ROPD_INVERS_SRC) != 0) {
                        px = ~px;
                    }
                    rowBuf.putInt(x * 4, needDst ? rop(rop, px, rowBuf.getInt(x * 4)) : px);
                }
                dm.writeBytes(row, rowBuf, 0, w * 4);
            }
            pixelsWritten.add((long) w * (b - t));
        }
    }

    private void ensureRow(int bytes) {
        if (rowBytes.length < bytes) {
            rowBytes = new byte[bytes];
            rowBuf.wrap(rowBytes);
        }
    }

    /** SpiceRopd applied to a source (or brush) and destination pixel (spice canvas rop semantics). */
    static int rop(int ropd, int src, int dst) {
        int d = (ropd & ROPD_INVERS_DEST) != 0 ? ~dst : dst;
        int r;
        if ((ropd & ROPD_OP_PUT) != 0) {
            r = src;
        } else if ((ropd & ROPD_OP_OR) != 0) {
            r = src | d;
        } else if ((ropd & ROPD_OP_AND) != 0) {
            r = src & d;
        } else if ((ropd & ROPD_OP_XOR) != 0) {
            r = src ^ d;
        } else if ((ropd & ROPD_OP_BLACKNESS) != 0) {
            r = 0;
        } else if ((ropd & ROPD_OP_WHITENESS) != 0) {
            r = 0xFFFFFFFF;
        } else if ((ropd & ROPD_OP_INVERS) != 0) {
            r = ~d;
        } else {
            r = src;
        }
        return (ropd & ROPD_INVERS_RES) != 0 ? ~r : r;
    }

    /** Report key {@code pixels_written}. */
    void report(Map<String, Object> out) {
        out.put("pixels_written", pixelsWritten.get());
    }
}
