package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTML report of a parameter sweep, made from the document {@code gvsim sweep --json} writes
 * ({@code {"sweep":{trace,machine,points,pointCount,...},"shard"?,"points":[{index,params,outcome,...}]}}):
 * the outcome in one sentence (points clean / faulting / mismatching), the sweep's definition, one
 * row per point, and one bar chart of the simulated time of every point, labelled with its parameters.
 */
public final class SweepReport {
    /** Characters of a point's label that fit the chart's legend column ({@link Svg}'s right margin). */
    static final int LEGEND_CHARS = 40;

    private SweepReport() {
    }

    public static String html(Map<String, Object> doc) {
        Map<?, ?> sweep = doc.get("sweep") instanceof Map<?, ?> m ? m : Map.of();
        Html h = new Html("gvsim sweep: " + sweep.get("trace"));
        List<Map<String, Object>> points = ReplayReport.list(doc.get("points"));
        long clean = points.stream().filter(p -> "clean".equals(p.get("outcome"))).count();
        long fault = points.stream().filter(p -> "fault".equals(p.get("outcome"))).count();
        long mismatch = points.stream().filter(p -> "mismatch".equals(p.get("outcome"))).count();
        String shard = doc.get("shard") instanceof Map<?, ?> s ? " (shard " + s.get("index") + "/" + s.get("count") + ")" : "";
        h.p("outcome", String.format("%d of %d points%s replayed: %d clean, %d faulted, %d mismatched", points.size(),
                ReplayReport.num(sweep.get("pointCount")), shard, clean, fault, mismatch));
        h.h2("Sweep");
        List<List<Object>> def = new ArrayList<>();
        for (String k : List.of("trace", "traceSha256", "machine", "stage2", "continueAfterFault", "attr", "points")) {
            def.add(ReplayReport.row(k, sweep.get(k) == null ? "" : String.valueOf(sweep.get(k))));
        }
        h.table(List.of("sweep", "value"), def);
        h.h2("Points");
        List<List<Object>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        double[] timeUs = new double[points.size()];
        int i = 0;
        for (Map<String, Object> p : points) {
            String params = params(p.get("params"));
            rows.add(ReplayReport.row(p.get("index"), params, p.get("outcome"), p.get("records"), p.get("faultCount"), p.get("mismatchCount"),
                    p.get("simulatedTimePs"), p.get("firstFault") instanceof Map<?, ?> f ? String.valueOf(f.get("fault")) + " at record "
                            + f.get("record") + (f.get("symbol") != null ? " in " + f.get("symbol") : "") : ""));
            String label = "#" + p.get("index") + " " + params;
            labels.add(label.length() > LEGEND_CHARS ? label.substring(0, LEGEND_CHARS - 3) + "..." : label); // the table has it whole
            timeUs[i++] = ReplayReport.num(p.get("simulatedTimePs")) / 1e6;
        }
        h.table(List.of("index", "params", "outcome", "records", "faults", "mismatches", "simulated time (ps)", "first fault"), rows);
        h.svg(Svg.barChart("Simulated time per point", "simulated time (us)", labels, timeUs));
        return h.render();
    }

    private static String params(Object o) {
        StringBuilder sb = new StringBuilder();
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
        }
        return sb.toString();
    }
}
