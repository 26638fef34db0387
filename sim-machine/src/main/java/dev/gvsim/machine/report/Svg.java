package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SVG writer for the reports: a line plot of numeric series and a bar chart, each with axes,
 * "nice" ticks (1, 2 or 5 times a power of ten), a title and a legend. All text is escaped; numbers
 * are written with {@link Locale#ROOT} and one decimal, so the same input gives the same bytes on
 * every machine. The output is a standalone {@code <svg>} element (no script, no external reference)
 * that can be inlined in HTML or saved as a file.
 */
public final class Svg {
    /** Plot size in user units (CSS pixels when inlined); a legend longer than the plot makes the image taller. */
    public static final int WIDTH = 760;
    public static final int HEIGHT = 320;
    private static final int LEFT = 72;
    private static final int RIGHT = 260;
    private static final int TOP = 32;
    private static final int BOTTOM = 48;
    /** Series colours, in order (colour-blind-friendly set, Okabe and Ito). */
    static final String[] COLOURS = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000"};

    private Svg() {
    }

    /** One line of a line plot: {@code x[i]}, {@code y[i]}; points with a non-finite coordinate are left out. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
            }
        }
    }

    /**
     * A step series over equal buckets: bucket i covers [x0 + i w, x0 + (i+1) w) at height
     * {@code values[i]}; the points are the corners where the value changes (a run of equal buckets is
     * one horizontal segment), so long idle stretches cost nothing.
     */
    public static Series steps(String name, double x0, double width, double[] values) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (i == 0 || values[i] != values[i - 1]) {
                if (i > 0) {
                    pts.add(new double[] {x0 + i * width, values[i - 1]});
                }
                pts.add(new double[] {x0 + i * width, values[i]});
            }
        }
        if (values.length > 0) {
            pts.add(new double[] {x0 + values.length * width, values[values.length - 1]});
        }
        double[] x = new double[pts.size()];
        double[] y = new double[pts.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1];
        }
        return new Series(name, x, y);
    }

    /** A line plot of {@code series} with the axes labelled {@code xLabel} and {@code yLabel}. */
    public static String linePlot(String title, String xLabel, String yLabel, List<Series> series) {
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymin = 0;
        double ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    xmin = Math.min(xmin, s.x()[i]);
                    xmax = Math.max(xmax, s.x()[i]);
                    ymin = Math.min(ymin, s.y()[i]);
                    ymax = Math.max(ymax, s.y()[i]);
                }
            }
        }
        if (xmin > xmax) {
            xmin = 0;
            xmax = 1;
        }
        if (ymax == Double.NEGATIVE_INFINITY) {
            ymax = 1;
        }
        Axis ax = Axis.of(xmin, xmax);
        Axis ay = Axis.of(ymin, ymax);
        StringBuilder sb = open(title, series.size());
        frame(sb, ax, ay, xLabel, yLabel, true);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[k % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    pts.append(pts.length() == 0 ? "" : " ").append(num(px(ax, s.x()[i]))).append(',').append(num(py(ay, s.y()[i])));
                }
            }
            sb.append("<polyline class=\"series\" fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.5\" points=\"")
                    .append(pts).append("\"><title>").append(esc(s.name())).append("</title></polyline>\n");
            legend(sb, k, s.name(), colour);
        }
        return sb.append("</svg>\n").toString();
    }

    /** A bar chart: one bar per label, the value axis labelled {@code yLabel}; non-finite values draw no bar. */
    public static String barChart(String title, String yLabel, List<String> labels, double[] values) {
        if (labels.size() != values.length) {
            throw new IllegalArgumentException(title + ": " + labels.size() + " labels but " + values.length + " values");
        }
        double ymin = 0;
        double ymax = 1;
        boolean any = false;
        for (double v : values) {
            if (Double.isFinite(v)) {
                ymin = Math.min(ymin, v);
                ymax = any ? Math.max(ymax, v) : Math.max(v, ymin + 1e-12);
                any = true;
            }
        }
        Axis ay = Axis.of(ymin, ymax);
        StringBuilder sb = open(title, labels.size());
        frame(sb, null, ay, "", yLabel, false);
        int n = Math.max(1, values.length);
        double slot = (WIDTH - LEFT - RIGHT) / (double) n;
        double zero = py(ay, 0);
        String[] valueLabels = distinctLabels(values);
        for (int i = 0; i < values.length; i++) {
            String colour = COLOURS[i % COLOURS.length];
            double x = LEFT + i * slot + slot * 0.15;
            if (Double.isFinite(values[i])) {
                double y = py(ay, values[i]);
                sb.append("<rect class=\"bar\" x=\"").append(num(x)).append("\" y=\"").append(num(Math.min(y, zero))).append("\" width=\"")
                        .append(num(slot * 0.7)).append("\" height=\"").append(num(Math.abs(zero - y))).append("\" fill=\"").append(colour)
                        .append("\"><title>").append(esc(labels.get(i) + ": " + valueLabels[i])).append("</title></rect>\n");
                sb.append("<text x=\"").append(num(x + slot * 0.35)).append("\" y=\"").append(num(Math.min(y, zero) - 3))
                        .append("\" text-anchor=\"middle\" font-size=\"10\">").append(esc(valueLabels[i])).append("</text>\n");
            }
            legend(sb, i, labels.get(i), colour);
        }
        return sb.append("</svg>\n").toString();
    }

    /**
     * A histogram: bin i, from {@code edges.get(i)} to {@code edges.get(i + 1)}, is a bar of height
     * {@code counts[i]}, bars side by side; the bin edges are written under the axis (every k-th when
     * there are too many to fit). No legend: the bins are the x axis.
     */
    public static String histogram(String title, String xLabel, String yLabel, List<String> edges, double[] counts) {
        if (edges.size() != counts.length + 1) {
            throw new IllegalArgumentException(title + ": " + counts.length + " bins need " + (counts.length + 1) + " edges, got " + edges.size());
        }
        double ymax = 1;
        for (double c : counts) {
            if (Double.isFinite(c)) {
                ymax = Math.max(ymax, c);
            }
        }
        Axis ay = Axis.of(0, ymax);
        StringBuilder sb = open(title, 0);
        frame(sb, null, ay, xLabel, yLabel, false);
        int n = Math.max(1, counts.length);
        double slot = (WIDTH - LEFT - RIGHT) / (double) n;
        double zero = py(ay, 0);
        String[] valueLabels = distinctLabels(counts);
        for (int i = 0; i < counts.length; i++) {
            if (!Double.isFinite(counts[i])) {
                continue;
            }
            double x = LEFT + i * slot;
            double y = py(ay, counts[i]);
            sb.append("<rect class=\"bar\" x=\"").append(num(x)).append("\" y=\"").append(num(Math.min(y, zero))).append("\" width=\"")
                    .append(num(slot)).append("\" height=\"").append(num(Math.abs(zero - y))).append("\" fill=\"").append(COLOURS[0])
                    .append("\" stroke=\"#fff\" stroke-width=\"0.5\"><title>").append(esc(edges.get(i) + " to " + edges.get(i + 1) + ": " + valueLabels[i]))
                    .append("</title></rect>\n");
        }
        int every = (int) Math.ceil(edges.size() / 8.0);
        for (int i = 0; i < edges.size(); i += every) {
            String x = num(LEFT + i * slot);
            sb.append("<line class=\"tick\" x1=\"").append(x).append("\" y1=\"").append(HEIGHT - BOTTOM).append("\" x2=\"").append(x)
                    .append("\" y2=\"").append(HEIGHT - BOTTOM + 4).append("\" stroke=\"#444\"/>\n");
            sb.append("<text class=\"tick\" x=\"").append(x).append("\" y=\"").append(HEIGHT - BOTTOM + 16).append("\" text-anchor=\"middle\">")
                    .append(esc(edges.get(i))).append("</text>\n");
        }
        return sb.append("</svg>\n").toString();
    }

    private static StringBuilder open(String title, int legendEntries) {
        int height = Math.max(HEIGHT, TOP + 6 + legendEntries * 16 + 8);
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.append("<title>").append(esc(title)).append("</title>\n");
        sb.append("<text class=\"title\" x=\"").append(LEFT).append("\" y=\"18\" font-size=\"13\" font-weight=\"bold\">").append(esc(title))
                .append("</text>\n");
        return sb;
    }

    private static void frame(StringBuilder sb, Axis ax, Axis ay, String xLabel, String yLabel, boolean xTicks) {
        int x0 = LEFT;
        int x1 = WIDTH - RIGHT;
        int y0 = HEIGHT - BOTTOM;
        int y1 = TOP;
        sb.append("<g class=\"axes\" stroke=\"#444\" stroke-width=\"1\">\n");
        sb.append("<line x1=\"").append(x0).append("\" y1=\"").append(y0).append("\" x2=\"").append(x1).append("\" y2=\"").append(y0).append("\"/>\n");
        sb.append("<line x1=\"").append(x0).append("\" y1=\"").append(y0).append("\" x2=\"").append(x0).append("\" y2=\"").append(y1).append("\"/>\n");
        sb.append("</g>\n");
        List<String> yLabels = ay.labels();
        for (int i = 0; i < ay.ticks().size(); i++) {
            double t = ay.ticks().get(i);
            String y = num(py(ay, t));
            sb.append("<line class=\"tick\" x1=\"").append(x0 - 4).append("\" y1=\"").append(y).append("\" x2=\"").append(x1).append("\" y2=\"")
                    .append(y).append("\" stroke=\"#ddd\"/>\n");
            sb.append("<text class=\"tick\" x=\"").append(x0 - 6).append("\" y=\"").append(y).append("\" text-anchor=\"end\" dy=\"0.35em\">")
                    .append(esc(yLabels.get(i))).append("</text>\n");
        }
        if (xTicks && ax != null) {
            List<String> xLabels = ax.labels();
            for (int i = 0; i < ax.ticks().size(); i++) {
                double t = ax.ticks().get(i);
                String x = num(px(ax, t));
                sb.append("<line class=\"tick\" x1=\"").append(x).append("\" y1=\"").append(y0).append("\" x2=\"").append(x).append("\" y2=\"")
                        .append(y0 + 4).append("\" stroke=\"#444\"/>\n");
                sb.append("<text class=\"tick\" x=\"").append(x).append("\" y=\"").append(y0 + 16).append("\" text-anchor=\"middle\">")
                        .append(esc(xLabels.get(i))).append("</text>\n");
            }
        }
        sb.append("<text class=\"xlabel\" x=\"").append((x0 + x1) / 2).append("\" y=\"").append(HEIGHT - 10).append("\" text-anchor=\"middle\">")
                .append(esc(xLabel)).append("</text>\n");
        sb.append("<text class=\"ylabel\" x=\"14\" y=\"").append((y0 + y1) / 2).append("\" text-anchor=\"middle\" transform=\"rotate(-90 14 ")
                .append((y0 + y1) / 2).append(")\">").append(esc(yLabel)).append("</text>\n");
    }

    private static void legend(StringBuilder sb, int k, String name, String colour) {
        int x = WIDTH - RIGHT + 12;
        int y = TOP + 6 + k * 16;
        sb.append("<rect class=\"legend\" x=\"").append(x).append("\" y=\"").append(y - 8).append("\" width=\"10\" height=\"10\" fill=\"")
                .append(colour).append("\"/>\n");
        sb.append("<text class=\"legend\" x=\"").append(x + 14).append("\" y=\"").append(y + 1).append("\">").append(esc(name)).append("</text>\n");
    }

    private static double px(Axis a, double v) {
        return LEFT + (v - a.lo()) / (a.hi() - a.lo()) * (WIDTH - LEFT - RIGHT);
    }

    private static double py(Axis a, double v) {
        return HEIGHT - BOTTOM - (v - a.lo()) / (a.hi() - a.lo()) * (HEIGHT - BOTTOM - TOP);
    }

    /** An axis range widened to whole multiples of a nice step (1, 2 or 5 times a power of ten), about 5 ticks. */
    record Axis(double lo, double hi, double step) {
        static Axis of(double min, double max) {
            if (!(max > min)) {
                max = min + (min == 0 ? 1 : Math.abs(min));
            }
            double raw = (max - min) / 5;
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
            return new Axis(Math.floor(min / step) * step, Math.ceil(max / step) * step, step);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            long n = Math.round((hi - lo) / step);
            for (long i = 0; i <= n; i++) {
                t.add(lo + i * step);
            }
            return t;
        }

        /**
         * The tick labels, each with the suffix {@link #label} would give it (k, M, G, T) but with decimals
         * chosen from the step, so that no two are the same ({@code 0, 500k, 1M, 1.5M}); a suffix that would
         * need more than two decimals for the step is dropped ({@code 2001, 2002, 2003} rather than
         * {@code 2k} five times).
         */
        List<String> labels() {
            List<String> out = new ArrayList<>();
            for (double t : ticks()) {
                if (Math.abs(t) < step * 1e-9) {
                    out.add("0");
                    continue;
                }
                int suffix = 0;
                while (suffix < SUFFIX.length - 1 && Math.abs(t) >= Math.pow(1000, suffix + 1)) {
                    suffix++;
                }
                while (suffix > 0 && decimals(step / Math.pow(1000, suffix)) > 2) {
                    suffix--;
                }
                double scale = Math.pow(1000, suffix);
                out.add(stripZeros(String.format(Locale.ROOT, "%." + decimals(step / scale) + "f", t / scale)) + SUFFIX[suffix]);
            }
            return out;
        }

        /** Decimals needed to write multiples of {@code x} exactly (x a nice step: 1, 2 or 5 times a power of ten). */
        private static int decimals(double x) {
            return x >= 1 ? 0 : (int) Math.ceil(-Math.log10(x) - 1e-9);
        }
    }

    private static final String[] SUFFIX = {"", "k", "M", "G", "T"};

    private static String stripZeros(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /**
     * Value labels for a chart: {@link #label} (3 significant digits), or more digits, as few as make the
     * labels of different values different ({@code 2k} and {@code 2k} for 2001.56 and 2004.86 become
     * {@code 2.002k} and {@code 2.005k}).
     */
    static String[] distinctLabels(double[] values) {
        for (int digits = 3; digits <= 17; digits++) {
            String[] out = new String[values.length];
            java.util.Map<String, Double> seen = new java.util.HashMap<>();
            boolean clash = false;
            for (int i = 0; i < values.length; i++) {
                out[i] = label(values[i], digits);
                Double before = seen.putIfAbsent(out[i], values[i]);
                clash |= before != null && Double.compare(before, values[i]) != 0;
            }
            if (!clash) {
                return out;
            }
        }
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Double.toString(values[i]);
        }
        return out;
    }

    /** A tick or value label: up to 3 significant digits with k, M, G, T suffixes ({@code 1.5M}, {@code 250}, {@code 0.25}). */
    static String label(double v) {
        return label(v, 3);
    }

    /** {@link #label} with {@code digits} significant digits (at least 3). */
    static String label(double v, int digits) {
        double a = Math.abs(v);
        if (a < 1e-12) {
            return "0";
        }
        int i = 0;
        while (a >= 1000 && i < SUFFIX.length - 1) {
            a /= 1000;
            v /= 1000;
            i++;
        }
        int intDigits = a >= 100 ? 3 : a >= 10 ? 2 : a >= 1 ? 1 : 0;
        String s = intDigits == 0 ? String.format(Locale.ROOT, "%." + digits + "g", v)
                : String.format(Locale.ROOT, "%." + Math.max(0, digits - intDigits) + "f", v);
        return stripZeros(s) + SUFFIX[i];
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** XML/HTML text and attribute escaping: {@code & < > " '}; characters XML 1.0 forbids become U+FFFD. */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xfffe || c == 0xffff ? '\ufffd' : c);
            }
        }
        return sb.toString();
    }
}
