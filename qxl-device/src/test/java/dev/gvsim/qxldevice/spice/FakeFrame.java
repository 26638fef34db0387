package dev.gvsim.qxldevice.spice;

import dev.gvsim.simcore.Params;

/** A primary surface in an int[] for the pipeline tests; drawing helpers set pixels as the canvas would. */
final class FakeFrame implements FrameSource {
    int width;
    int height;
    int[] px;
    long reads;

    FakeFrame(int w, int h) {
        width = w;
        height = h;
        px = new int[w * h];
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public void readRect(int x, int y, int w, int h, int[] dst) {
        reads++;
        for (int j = 0; j < h; j++) {
            System.arraycopy(px, (y + j) * width + x, dst, j * w, w);
        }
    }

    void fill(int x, int y, int w, int h, int c) {
        for (int j = y; j < y + h; j++) {
            for (int i = x; i < x + w; i++) {
                px[j * width + i] = c;
            }
        }
    }

    /** A photographic patch: smooth gradients plus small noise from {@code seed}. */
    void photo(int x, int y, int w, int h, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) {
                int c = 80 + (i * 90 / w) + (j * 60 / h) + r.nextInt(5);
                int g = 60 + (j * 100 / h) + r.nextInt(5);
                int b = 120 + ((i + j) * 50 / (w + h)) + r.nextInt(5);
                px[(y + j) * width + x + i] = c << 16 | g << 8 | b;
            }
        }
    }

    /** Black-and-white text-like pattern (synthetic). */
    void text(int x, int y, int w, int h, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < w; i++) {
                px[(y + j) * width + x + i] = r.nextInt(4) == 0 ? 0 : 0xFFFFFF;
            }
        }
    }

    int[] copy(int x, int y, int w, int h) {
        int[] out = new int[w * h];
        readRect(x, y, w, h, out);
        return out;
    }

    static SpiceParams params(String... sets) {
        Params p = new Params();
        p.declareAll(SpiceParams.ALL);
        p.set("qxl.spice.algorithms", "all");
        for (String s : sets) {
            p.set(s);
        }
        return SpiceParams.from(p);
    }
}
