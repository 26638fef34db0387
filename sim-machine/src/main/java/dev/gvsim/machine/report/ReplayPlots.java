package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replay report's plots over simulated time and its latency histograms, drawn from the replay
 * JSON's {@code timeline} and {@code latencyHistograms} (docs/replay-json.md) with {@link Svg}: one
 * SVG per plot, so a saved JSON redraws them exactly.
 */
final class ReplayPlots {
    /** The timeline's groups: JSON key, plot title, what one bucket's value counts. */
    static final List<String[]> GROUPS = List.of(
            new String[] {"accessesByMemoryType", "CPU accesses by memory type", "accesses"},
            new String[] {"transactionsByMemoryType", "Bus transactions by memory type (after write gathering)", "transactions"},
            new String[] {"accessesByPciFunction", "Memory and I/O accesses by PCI function", "accesses"},
            new String[] {"configByPciFunction", "Configuration accesses by PCI function", "config accesses"});

    private ReplayPlots() {
    }

    /** Section "Over simulated time": one step plot per non-empty group, x in simulated time, y per bucket. */
    static void timeline(Html h, Map<String, Object> report) {
        h.h2("Over simulated time");
        Map<?, ?> tl = report.get("timeline") instanceof Map<?, ?> m ? m : Map.of();
        long width = ReplayReport.num(tl.get("bucketPs"));
        long buckets = ReplayReport.num(tl.get("buckets"));
        if (width <= 0 || buckets <= 0) {
            h.p("note", "no timeline in this report (a JSON written before timelines existed, or a run with no records)");
            return;
        }
        long span = width * buckets;
        long unit = span >= 1_000_000_000_000L ? 1_000_000_000_000L : span >= 1_000_000_000L ? 1_000_000_000L : span >= 1_000_000L ? 1_000_000L : 1_000L;
        String unitName = unit == 1_000_000_000_000L ? "s" : unit == 1_000_000_000L ? "ms" : unit == 1_000_000L ? "us" : "ns";
        h.p("note", String.format("Counted in %,d buckets of %s of simulated time; each step is what the counter gained in its bucket "
                + "(the buckets of one series sum to the run's total in the tables).", buckets, round(width)));
        int drawn = 0;
        for (String[] g : GROUPS) {
            if (!(tl.get(g[0]) instanceof Map<?, ?> group) || group.isEmpty()) {
                continue;
            }
            List<Svg.Series> series = new ArrayList<>();
            group.forEach((name, values) -> series.add(Svg.steps(String.valueOf(name), 0, (double) width / unit, doubles(values))));
            h.svg(Svg.linePlot(g[1] + " over simulated time", "simulated time (" + unitName + ")", g[2] + " per " + round(width), series));
            drawn++;
        }
        if (drawn == 0) {
            h.p("note", "nothing was counted");
        }
    }

    /** Section "Latency histograms": one histogram per distribution the machine collected. */
    static void histograms(Html h, Map<String, Object> report) {
        h.h2("Latency histograms");
        Map<?, ?> hs = report.get("latencyHistograms") instanceof Map<?, ?> m ? m : Map.of();
        if (hs.isEmpty()) {
            h.p("note", "none collected in this run (the machine's latency histograms are the host display's frame latencies, "
                    + "recorded with display.pipeline other than none)");
            return;
        }
        List<List<Object>> rows = new ArrayList<>();
        hs.forEach((name, v) -> {
            if (v instanceof Map<?, ?> x) {
                rows.add(ReplayReport.row(name, ReplayReport.num(x.get("count")), ps(x.get("minPs")), ps(x.get("p50Ps")), ps(x.get("p90Ps")),
                        ps(x.get("p99Ps")), ps(x.get("p999Ps")), ps(x.get("maxPs"))));
            }
        });
        h.table(List.of("histogram", "count", "min", "p50", "p90", "p99", "p99.9", "max"), rows);
        hs.forEach((name, v) -> {
            if (!(v instanceof Map<?, ?> x) || !(x.get("bins") instanceof List<?> bins) || bins.isEmpty()) {
                return;
            }
            List<String> edges = new ArrayList<>();
            double[] counts = new double[bins.size()];
            for (int i = 0; i < bins.size(); i++) {
                Map<?, ?> b = bins.get(i) instanceof Map<?, ?> bm ? bm : Map.of();
                edges.add(round(ReplayReport.num(b.get("fromPs"))));
                counts[i] = ReplayReport.num(b.get("count"));
                if (i == bins.size() - 1) {
                    edges.add(round(ReplayReport.num(b.get("toPs"))));
                }
            }
            h.svg(Svg.histogram(name + " (" + ReplayReport.num(x.get("count")) + " values)", "latency (bins 1-2-5 per decade)", "values", edges, counts));
        });
    }

    private static double[] doubles(Object values) {
        if (!(values instanceof List<?> l)) {
            return new double[0];
        }
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ReplayReport.num(l.get(i));
        }
        return out;
    }

    private static String ps(Object v) {
        return dev.gvsim.simcore.SimTime.format(ReplayReport.num(v));
    }

    /** A round duration in the largest unit that divides it: {@code 20 us}, {@code 100 ns}, {@code 5 ps}. */
    static String round(long ps) {
        long[] units = {1_000_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] names = {"s", "ms", "us", "ns"};
        for (int i = 0; i < units.length; i++) {
            if (ps != 0 && ps % units[i] == 0) {
                return ps / units[i] + " " + names[i];
            }
        }
        return ps + " ps";
    }
}
