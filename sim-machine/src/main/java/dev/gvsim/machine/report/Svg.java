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
        for (int i = 0; i < values.length; i++) {
            String colour = COLOURS[i % COLOURS.length];
            double x = LEFT + i * slot + slot * 0.15;
            if (Double.isFinite(values[i])) {
                double y = py(ay, values[i]);
                sb.append("<rect class=\"bar\" x=\"").append(num(x)).append("\" y=\"").append(num(Math.min(y, zero))).append("\" width=\"")
                        .append(num(slot * 0.7)).append("\" height=\"").append(num(Math.abs(zero - y))).append("\" fill=\"").append(colour)
                        .append("\"><title>").append(esc(labels.get(i) + ": " + label(values[i]))).append("</title></rect>\n");
                sb.append("<text x=\"").append(num(x + slot * 0.35)).append("\" y=\"").append(num(Math.min(y, zero) - 3))
                        .append("\" text-anchor=\"middle\" font-size=\"10\">").append(esc(label(values[i]))).append("</text>\n");
            }
            legend(sb, i, labels.get(i), colour);
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
        for (double t : ay.ticks()) {
            String y = num(py(ay, t));
            sb.append("<line class=\"tick\" x1=\"").append(x0 - 4).append("\" y1=\"").append(y).append("\" x2=\"").append(x1).append("\" y2=\"")
                    .append(y).append("\" stroke=\"#ddd\"/>\n");
            sb.append("<text class=\"tick\" x=\"").append(x0 - 6).append("\" y=\"").append(y).append("\" text-anchor=\"end\" dy=\"0.35em\">")
                    .append(esc(label(t))).append("</text>\n");
        }
        if (xTicks && ax != null) {
            for (double t : ax.ticks()) {
                String x = num(px(ax, t));
                sb.append("<line class=\"tick\" x1=\"").append(x).append("\" y1=\"").append(y0).append("\" x2=\"").append(x).append("\" y2=\"")
                        .append(y0 + 4).append("\" stroke=\"#444\"/>\n");
                sb.append("<text class=\"tick\" x=\"").append(x).append("\" y=\"").append(y0 + 16).append("\" text-anchor=\"middle\">")
                        .append(esc(label(t))).append("</text>\n");
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
    }

    /** A tick or value label: up to 3 significant digits with k, M, G, T suffixes ({@code 1.5M}, {@code 250}, {@code 0.25}). */
    static String label(double v) {
        double a = Math.abs(v);
        if (a < 1e-12) {
            return "0";
        }
        String[] suffix = {"", "k", "M", "G", "T"};
        int i = 0;
        while (a >= 1000 && i < suffix.length - 1) {
            a /= 1000;
            v /= 1000;
            i++;
        }
        String s = String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s + suffix[i];
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
