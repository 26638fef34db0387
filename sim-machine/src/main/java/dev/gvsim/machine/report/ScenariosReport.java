package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTML report of a scenario run, made from what {@code gvsim scenarios --json} prints
 * ({@code {"scenarios":[{id,title,pass,expected,observed,checks,figures}],"passed","failed"}}): a summary
 * table, then per scenario its checks and plots of the figures that are plottable:
 * <ul>
 * <li>a map of name to a list of numbers (two or more) is a time series, one line per name; nested in
 * maps, one plot per inner map. When the scenario also has a figure {@code X_period_ps} and the series
 * figure is {@code bytes_per_X_period} (QXL's window-update bandwidth), the plot is bytes per second
 * over simulated milliseconds;</li>
 * <li>a list of rows that each have a {@code config} name and a numeric {@code percentOfNative}
 * (virtio-gpu's zero-copy ablation) is a bar chart of % of native, each bar labelled with its
 * {@code workload} and {@code ui} when the row has them;</li>
 * <li>a map of name to a map of exactly two equal-length number lists is an x-y plot, one line per
 * name, the two keys the axes (the QoS scenario's frame-time CDF per policy).</li>
 * </ul>
 */
public final class ScenariosReport {
    private ScenariosReport() {
    }

    public static String html(Map<String, Object> top) {
        Html h = new Html("gvsim scenarios");
        List<Map<String, Object>> scenarios = ReplayReport.list(top.get("scenarios"));
        h.p("outcome", String.format("%d passed, %d failed", ReplayReport.num(top.get("passed")), ReplayReport.num(top.get("failed"))));
        List<List<Object>> summary = new ArrayList<>();
        for (Map<String, Object> s : scenarios) {
            List<Map<String, Object>> checks = ReplayReport.list(s.get("checks"));
            long ok = checks.stream().filter(c -> Boolean.TRUE.equals(c.get("pass"))).count();
            summary.add(ReplayReport.row(s.get("id"), s.get("title"), Boolean.TRUE.equals(s.get("pass")), ok + "/" + checks.size()));
        }
        h.table(List.of("id", "title", "pass", "checks passed"), summary);
        for (Map<String, Object> s : scenarios) {
            h.h2((Boolean.TRUE.equals(s.get("pass")) ? "PASS  " : "FAIL  ") + s.get("id") + ": " + s.get("title"));
            h.p("expected: " + s.get("expected"));
            List<List<Object>> rows = new ArrayList<>();
            for (Map<String, Object> c : ReplayReport.list(s.get("checks"))) {
                rows.add(ReplayReport.row(c.get("name"), c.get("expected"), c.get("observed"), Boolean.TRUE.equals(c.get("pass"))));
            }
            h.table(List.of("check", "expected", "observed", "pass"), rows);
            if (s.get("figures") instanceof Map<?, ?> figures) {
                for (String svg : plots(figures)) {
                    h.svg(svg);
                }
            }
        }
        return h.render();
    }

    /** The plots of one scenario's figures, in the figures' order. */
    static List<String> plots(Map<?, ?> figures) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : figures.entrySet()) {
            String name = String.valueOf(e.getKey());
            double periodPs = 0;
            if (name.startsWith("bytes_per_") && name.endsWith("_period")
                    && figures.get(name.substring("bytes_per_".length()) + "_ps") instanceof Number p) {
                periodPs = p.doubleValue();
            }
            series(name, e.getValue(), periodPs, out);
            bars(name, e.getValue(), out);
        }
        return out;
    }

    private static void series(String title, Object v, double periodPs, List<String> out) {
        if (!(v instanceof Map<?, ?> m) || m.isEmpty()) {
            return;
        }
        if (m.values().stream().allMatch(ScenariosReport::isXy)) {
            List<Svg.Series> ss = new ArrayList<>();
            List<?> keys = null;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Map<?, ?> xy = (Map<?, ?>) e.getValue();
                keys = new ArrayList<>(xy.keySet());
                List<?> xs = (List<?>) xy.get(keys.get(0));
                List<?> ys = (List<?>) xy.get(keys.get(1));
                double[] x = new double[xs.size()];
                double[] y = new double[xs.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = ((Number) xs.get(i)).doubleValue();
                    y[i] = ((Number) ys.get(i)).doubleValue();
                }
                ss.add(new Svg.Series(String.valueOf(e.getKey()), x, y));
            }
            out.add(Svg.linePlot(title, String.valueOf(keys.get(0)), String.valueOf(keys.get(1)), ss));
            return;
        }
        if (m.values().stream().allMatch(ScenariosReport::isNumbers)) {
            List<Svg.Series> ss = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                List<?> l = (List<?>) e.getValue();
                double[] x = new double[l.size()];
                double[] y = new double[l.size()];
                for (int i = 0; i < l.size(); i++) {
                    double b = ((Number) l.get(i)).doubleValue();
                    x[i] = periodPs > 0 ? i * periodPs / 1e9 : i;
                    y[i] = periodPs > 0 ? b / (periodPs / 1e12) : b;
                }
                ss.add(new Svg.Series(String.valueOf(e.getKey()), x, y));
            }
            out.add(periodPs > 0 ? Svg.linePlot("bytes/s over simulated time: " + title, "simulated time (ms)", "bytes/s", ss)
                    : Svg.linePlot(title, "sample", "value", ss));
            return;
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getValue() instanceof Map<?, ?>) {
                series(title + " / " + e.getKey(), e.getValue(), periodPs, out);
            }
        }
    }

    private static boolean isXy(Object v) {
        if (!(v instanceof Map<?, ?> xy) || xy.size() != 2) {
            return false;
        }
        List<?> vals = new ArrayList<>(xy.values());
        return isNumbers(vals.get(0)) && isNumbers(vals.get(1)) && ((List<?>) vals.get(0)).size() == ((List<?>) vals.get(1)).size();
    }

    private static boolean isNumbers(Object v) {
        return v instanceof List<?> l && l.size() >= 2 && l.stream().allMatch(x -> x instanceof Number);
    }

    private static void bars(String title, Object v, List<String> out) {
        if (!(v instanceof List<?> l) || l.isEmpty()) {
            return;
        }
        List<String> labels = new ArrayList<>();
        double[] values = new double[l.size()];
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> row && row.get("config") != null && row.get("percentOfNative") instanceof Number p)) {
                return;
            }
            StringBuilder label = new StringBuilder();
            for (String k : List.of("workload", "ui")) {
                if (row.get(k) != null) {
                    label.append(row.get(k)).append(", ");
                }
            }
            labels.add(label.append(row.get("config")).toString());
            values[i] = p.doubleValue();
        }
        out.add(Svg.barChart(title + ": % of native", "% of native", labels, values));
    }
}
