package dev.gvsim.qxldevice.spice;

/**
 * SPICE's measure of how photographic an image is (spice-server spice-bitmap-utils.c
 * bitmap_get_graduality_level and compute_lines_gradual_score; docs/facts/qxl.md §7.3): sample
 * every 15th pixel of the image taken as one run of lines, compare it with its right, lower and
 * lower-right neighbours; an identical pair scores +0.5, a pair differing by at least 60 in a
 * channel +1.0 (contrast: edges, text), a pair differing by less -0.25 (gradual: photographs,
 * gradients); squares whose pixels are all identical are left out. The mean score decides:
 * HIGH (photographic) below -0.03, MEDIUM below 0.002, otherwise LOW (synthetic). Written for
 * 0x00RRGGBB pixels (the RGB32 variant); allocation-free.
 */
public final class Graduality {
    public static final int LOW = 0;
    public static final int MEDIUM = 1;
    public static final int HIGH = 2;

    /** spice-bitmap-utils SAMPLE_JUMP. */
    static final int SAMPLE_JUMP = 15;
    /** CONTRAST_TH for 24/32-bit pixels. */
    static final int CONTRAST_TH = 60;
    static final double SAME = 0.5;
    static final double CONTRAST = 1.0;
    static final double NOT_CONTRAST = -0.25;
    /** GRADUAL_HIGH_RGB24_TH and GRADUAL_MEDIUM_SCORE_TH. */
    static final double HIGH_TH = -0.03;
    static final double MEDIUM_TH = 0.002;

    private Graduality() {
    }

    /** The mean pair score of the {@code w x h} pixels in {@code px} (row-major); 1.0 for a single row or column. */
    public static double score(int[] px, int w, int h) {
        if (w <= 1 || h <= 1) {
            return 1.0;
        }
        int jump = (SAMPLE_JUMP % w) != 0 ? SAMPLE_JUMP : SAMPLE_JUMP - 1;
        long lastLine = (long) (h - 1) * w;
        double sum = 0;
        long samples = 0;
        for (long i = w / 2; i < lastLine; i += jump) {
            long p = i;
            if ((p + 1) % w == 0) {
                p--; // the last pixel of a row has no right neighbour
            }
            int a = px[(int) p];
            int c1 = cmp(a, px[(int) p + 1]);
            int c2 = cmp(a, px[(int) p + w]);
            int c3 = cmp(a, px[(int) p + w + 1]);
            if ((c1 | c2 | c3) != 0) {
                sum += weight(c1) + weight(c2) + weight(c3);
            }
            samples++;
        }
        return samples == 0 ? 1.0 : sum / (samples * 3);
    }

    /** LOW, MEDIUM or HIGH for the pixels. */
    public static int level(int[] px, int w, int h) {
        double s = score(px, w, h);
        return s < HIGH_TH ? HIGH : s < MEDIUM_TH ? MEDIUM : LOW;
    }

    /** 0 identical, 1 contrasting, 2 different but not contrasting. */
    private static int cmp(int p, int q) {
        int dr = ((p >> 16) & 0xFF) - ((q >> 16) & 0xFF);
        int dg = ((p >> 8) & 0xFF) - ((q >> 8) & 0xFF);
        int db = (p & 0xFF) - (q & 0xFF);
        if (dr <= -CONTRAST_TH || dr >= CONTRAST_TH || dg <= -CONTRAST_TH || dg >= CONTRAST_TH || db <= -CONTRAST_TH
                || db >= CONTRAST_TH) {
            return 1;
        }
        return (dr | dg | db) == 0 ? 0 : 2;
    }

    private static double weight(int c) {
        return c == 0 ? SAME : c == 1 ? CONTRAST : NOT_CONTRAST;
    }

    public static String name(int level) {
        return level == HIGH ? "high" : level == MEDIUM ? "medium" : "low";
    }
}
