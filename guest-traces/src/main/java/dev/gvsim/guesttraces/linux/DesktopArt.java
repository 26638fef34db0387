package dev.gvsim.guesttraces.linux;

import java.util.SplittableRandom;

/**
 * What the desktop workloads' applications draw, generated from a seed so every run draws the same
 * pixels: 0x00RRGGBB into an {@code int[]} picture of the screen. Synthetic UI content (flat
 * fills, text glyphs, icons, charts, gradients, tiles) and photographic content (smooth fields
 * with texture and sensor noise, for photos and video frames).
 */
final class DesktopArt {
    static final int WHITE = 0xFFFFFF;
    static final int BLACK = 0x000000;
    static final int PANEL = 0xD6D6D6;
    static final int TITLE = 0x3C3C3C;
    static final int DESKTOP = 0x2D5F7F;

    final int width;
    final int height;
    final int[] fb;
    /** 96 glyphs of 8 x 16, one bit a pixel, row-major (a made-up font). */
    private final long[][] glyphs = new long[96][2];
    private final int[][] icons;
    static final int ICON = 48;

    DesktopArt(int width, int height, long seed) {
        this.width = width;
        this.height = height;
        this.fb = new int[width * height];
        SplittableRandom r = new SplittableRandom(seed);
        for (long[] g : glyphs) {
            // strokes in the middle rows and columns, empty margins, as a bitmap font has
            for (int y = 3; y < 13; y++) {
                for (int x = 1; x < 7; x++) {
                    if (r.nextInt(100) < 38) {
                        int bit = y * 8 + x;
                        g[bit >> 6] |= 1L << (bit & 63);
                    }
                }
            }
        }
        icons = new int[12][];
        for (int i = 0; i < icons.length; i++) {
            icons[i] = icon(r, i);
        }
    }

    void fill(int x, int y, int w, int h, int color) {
        for (int j = Math.max(0, y); j < Math.min(height, y + h); j++) {
            for (int i = Math.max(0, x); i < Math.min(width, x + w); i++) {
                fb[j * width + i] = color;
            }
        }
    }

    /** Glyph {@code c} (0..95) in {@code fg} on {@code bg} at (x, y). */
    void glyph(int x, int y, int c, int fg, int bg) {
        long[] g = glyphs[Math.floorMod(c, glyphs.length)];
        for (int j = 0; j < 16; j++) {
            for (int i = 0; i < 8; i++) {
                int bit = j * 8 + i;
                boolean on = (g[bit >> 6] >>> (bit & 63) & 1) != 0;
                put(x + i, y + j, on ? fg : bg);
            }
        }
    }

    /** A line of text: words of random glyphs, 8 px a character; returns the characters drawn. */
    int textLine(SplittableRandom r, int x, int y, int maxChars, int fg, int bg) {
        int n = 0;
        while (n < maxChars) {
            int word = 2 + r.nextInt(8);
            for (int k = 0; k < word && n < maxChars; k++, n++) {
                glyph(x + n * 8, y, r.nextInt(96), fg, bg);
            }
            if (n < maxChars) {
                fill(x + n * 8, y, 8, 16, bg);
                n++;
            }
        }
        return n;
    }

    /** A window: title bar, border, a body of {@code body} colour. */
    void window(int x, int y, int w, int h, int body) {
        fill(x, y, w, h, PANEL);
        fill(x, y, w, 24, TITLE);
        fill(x + 2, y + 24, w - 4, h - 26, body);
        for (int k = 0; k < 3; k++) {
            fill(x + w - 22 - k * 20, y + 6, 12, 12, k == 0 ? 0xE05040 : PANEL);
        }
    }

    private int[] icon(SplittableRandom r, int i) {
        int[] px = new int[ICON * ICON];
        int base = 0x202020 + r.nextInt(0xC0) * 0x10000 + r.nextInt(0xC0) * 0x100 + r.nextInt(0xC0);
        int accent = 0xFFFFFF - base;
        for (int y = 0; y < ICON; y++) {
            for (int x = 0; x < ICON; x++) {
                boolean border = x < 4 || y < 4 || x >= ICON - 4 || y >= ICON - 4;
                boolean shape = switch (i % 4) {
                    case 0 -> (x - 24) * (x - 24) + (y - 24) * (y - 24) < 240;
                    case 1 -> Math.abs(x - 24) + Math.abs(y - 24) < 16;
                    case 2 -> x > 12 && x < 36 && y > 10 && y < 38 && (y / 5) % 2 == 0;
                    default -> Math.abs(x - y) < 5 || Math.abs(x + y - 48) < 5;
                };
                px[y * ICON + x] = border ? 0 : shape ? accent : y < ICON / 2 ? base : darker(base);
            }
        }
        return px;
    }

    private static int darker(int c) {
        return ((c >> 1) & 0x7F7F7F) + 0x101010;
    }

    /** Icon {@code i}; {@code highlight} draws it as selected (a light frame). */
    void icon(int x, int y, int i, boolean highlight) {
        int[] px = icons[Math.floorMod(i, icons.length)];
        for (int j = 0; j < ICON; j++) {
            for (int k = 0; k < ICON; k++) {
                boolean frame = highlight && (j < 2 || k < 2 || j >= ICON - 2 || k >= ICON - 2);
                put(x + k, y + j, frame ? 0x66AAFF : px[j * ICON + k]);
            }
        }
    }

    /** A bar chart of {@code values} (0..1) in a panel. */
    void barChart(int x, int y, int w, int h, double[] values) {
        fill(x, y, w, h, WHITE);
        fill(x + 20, y + h - 20, w - 30, 1, BLACK);
        fill(x + 20, y + 10, 1, h - 30, BLACK);
        int n = values.length;
        int bw = (w - 40) / n;
        for (int k = 0; k < n; k++) {
            int bh = (int) (values[k] * (h - 40));
            fill(x + 24 + k * bw, y + h - 20 - bh, bw - 4, bh, k % 2 == 0 ? 0x4C72B0 : 0xDD8452);
        }
    }

    /** A line chart of {@code values} (0..1) with grid lines. */
    void lineChart(int x, int y, int w, int h, double[] values) {
        fill(x, y, w, h, WHITE);
        for (int g = 0; g < 5; g++) {
            fill(x + 10, y + 10 + g * (h - 20) / 4, w - 20, 1, 0xE0E0E0);
        }
        for (int k = 0; k + 1 < values.length; k++) {
            int x0 = x + 10 + k * (w - 20) / (values.length - 1);
            int x1 = x + 10 + (k + 1) * (w - 20) / (values.length - 1);
            for (int xx = x0; xx <= x1; xx++) {
                double v = values[k] + (values[k + 1] - values[k]) * (xx - x0) / Math.max(1, x1 - x0);
                int yy = y + h - 10 - (int) (v * (h - 20));
                fill(xx, yy - 1, 1, 3, 0x55A868);
            }
        }
    }

    /** A horizontal gradient from {@code a} to {@code b}. */
    void gradient(int x, int y, int w, int h, int a, int b) {
        for (int i = 0; i < w; i++) {
            int c = mix(a, b, i / (double) Math.max(1, w - 1));
            fill(x + i, y, 1, h, c);
        }
    }

    /** Tiles of {@code tile x tile} repeated over the area (a pattern seeded by {@code seed}). */
    void tiles(int x, int y, int w, int h, int tile, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[tile * tile];
        int c0 = 0x808080 + r.nextInt(0x40) * 0x10101;
        for (int k = 0; k < t.length; k++) {
            int tx = k % tile;
            int ty = k / tile;
            t[k] = ((tx / 4 + ty / 4) % 2 == 0) ? c0 : darker(c0);
        }
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) {
                put(x + i, y + j, t[(j % tile) * tile + (i % tile)]);
            }
        }
    }

    /**
     * A photographic picture: a smooth colour field (low-frequency sinusoids in each channel, a
     * shape moving with {@code phase}) with texture and per-pixel sensor noise.
     */
    void photo(int x, int y, int w, int h, long seed, double phase) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] f = new double[9];
        for (int k = 0; k < f.length; k++) {
            f[k] = 0.5 + r.nextDouble() * 3.5;
        }
        SplittableRandom noise = new SplittableRandom(seed ^ Double.doubleToLongBits(phase));
        for (int j = 0; j < h; j++) {
            double v = j / (double) h;
            for (int i = 0; i < w; i++) {
                double u = i / (double) w;
                double blob = Math.exp(-((u - 0.5 - 0.3 * Math.sin(phase)) * (u - 0.5 - 0.3 * Math.sin(phase))
                        + (v - 0.5) * (v - 0.5)) * 12);
                int cr = chan(110 + 70 * Math.sin(f[0] * u + f[1] * v + phase) + 60 * blob + 8 * Math.sin(40 * u * f[2]), noise);
                int cg = chan(100 + 60 * Math.sin(f[3] * u - f[4] * v + phase * 0.7) + 40 * blob + 8 * Math.sin(37 * v * f[5]), noise);
                int cb = chan(90 + 60 * Math.cos(f[6] * u + f[7] * v - phase * 0.5) + 20 * blob + 6 * Math.sin(30 * (u + v) * f[8]), noise);
                put(x + i, y + j, cr << 16 | cg << 8 | cb);
            }
        }
    }

    private static int chan(double v, SplittableRandom noise) {
        int c = (int) Math.round(v + noise.nextInt(7) - 3);
        return Math.max(0, Math.min(255, c));
    }

    static int mix(int a, int b, double t) {
        int r = (int) Math.round(((a >> 16) & 0xFF) * (1 - t) + ((b >> 16) & 0xFF) * t);
        int g = (int) Math.round(((a >> 8) & 0xFF) * (1 - t) + ((b >> 8) & 0xFF) * t);
        int bl = (int) Math.round((a & 0xFF) * (1 - t) + (b & 0xFF) * t);
        return r << 16 | g << 8 | bl;
    }

    void put(int x, int y, int c) {
        if (x >= 0 && y >= 0 && x < width && y < height) {
            fb[y * width + x] = c;
        }
    }

    /** Copies a rectangle of the picture to another place of it (a window moved). */
    int[] save(int x, int y, int w, int h) {
        int[] out = new int[w * h];
        for (int j = 0; j < h; j++) {
            System.arraycopy(fb, (y + j) * width + x, out, j * w, w);
        }
        return out;
    }

    void restore(int[] px, int x, int y, int w, int h) {
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) {
                put(x + i, y + j, px[j * w + i]);
            }
        }
    }
}
