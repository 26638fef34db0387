package dev.gvsim.simcli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.gvsim.simcli.util.Table;
import dev.gvsim.simcore.SimTime;

/**
 * What changed between two replay reports (the {@code replay --json} map, docs/replay-json.md):
 * the run (trace, machine), the parameters that were overridden (--attr, --set, --stage2), the
 * outcome, the faults (matched by record, type, access and address), the counters (every number,
 * flag and short value under the report's counts, memory types, MMU and devices, compared by path),
 * and the timings (simulated time and the time of each mark). Only differences are listed; the text
 * ends with how many values were compared and found equal. Works on the maps alone: no picocli, no
 * files.
 */
final class ReportDiff {
    /** Top-level keys compared as counters (besides those handled section by section). */
    private static final Set<String> HANDLED = Set.of("trace", "meta", "machine", "overrides", "checkpoint", "faults", "mismatches",
            "masterAborts", "marks", "simulatedTimePs");
    /** Values longer than this (lists, long strings) are shown cut. */
    private static final int MAX_VALUE = 60;

    private final StringBuilder out = new StringBuilder();
    private boolean differs;
    private long equal;

    private ReportDiff() {
    }

    /** The differences of {@code b} from {@code a} as text; {@link Result#differs} false if there are none. */
    static Result diff(String nameA, Map<String, Object> a, String nameB, Map<String, Object> b) {
        ReportDiff d = new ReportDiff();
        d.run(nameA, a, nameB, b);
        return new Result(d.out.toString(), d.differs);
    }

    record Result(String text, boolean differs) {
    }

    private void run(String nameA, Map<String, Object> a, String nameB, Map<String, Object> b) {
        line("A  " + nameA);
        line("B  " + nameB);

        Table run = new Table("", "A", "B");
        changed(run, "trace", a.get("trace"), b.get("trace"));
        changed(run, "machine", a.get("machine"), b.get("machine"));
        changed(run, "checkpoint", a.get("checkpoint"), b.get("checkpoint"));
        section("run", run);

        Table params = new Table("parameter", "A", "B");
        Map<String, Object> pa = overrides(a);
        Map<String, Object> pb = overrides(b);
        for (String k : union(pa.keySet(), pb.keySet())) {
            changed(params, k, pa.getOrDefault(k, "(default)"), pb.getOrDefault(k, "(default)"));
        }
        section("parameters", params);

        String oa = ReplaySummary.outcome(a);
        String ob = ReplaySummary.outcome(b);
        if (!oa.equals(ob)) {
            differs = true;
            line("outcome");
            line("  A  " + oa);
            line("  B  " + ob);
        } else {
            equal++;
            line("outcome    the same: " + oa);
        }

        faults(a, b);

        Table counters = new Table("counter", "A", "B", "change");
        Map<String, Object> ca = new TreeMap<>();
        Map<String, Object> cb = new TreeMap<>();
        flatten("", a, ca, true);
        flatten("", b, cb, true);
        for (String k : union(ca.keySet(), cb.keySet())) {
            Object va = ca.get(k);
            Object vb = cb.get(k);
            if (Objects.equals(va, vb)) {
                equal++;
            } else {
                differs = true;
                counters.row(k, show(va), show(vb), change(va, vb));
            }
        }
        section("counters", counters);

        Table timings = new Table("timing", "A", "B", "change");
        long ta = number(a.get("simulatedTimePs"));
        long tb = number(b.get("simulatedTimePs"));
        timing(timings, "simulated time", ta, tb);
        Map<String, Long> ma = markTimes(a);
        Map<String, Long> mb = markTimes(b);
        for (String k : union(ma.keySet(), mb.keySet())) {
            timing(timings, k, ma.get(k), mb.get(k));
        }
        section("timings", timings);

        line(String.format("%s; %,d values compared equal", differs ? "the runs differ" : "no differences", equal));
    }

    /** Faults matched by (record, type, access, address): those only in A, only in B; the count if it differs. */
    @SuppressWarnings("unchecked")
    private void faults(Map<String, Object> a, Map<String, Object> b) {
        long na = number(a.get("faultCount"));
        long nb = number(b.get("faultCount"));
        Map<String, Map<String, Object>> fa = new LinkedHashMap<>();
        Map<String, Map<String, Object>> fb = new LinkedHashMap<>();
        for (Object o : a.get("faults") instanceof List<?> l ? l : List.of()) {
            Map<String, Object> f = (Map<String, Object>) o;
            fa.put(faultKey(f), f);
        }
        for (Object o : b.get("faults") instanceof List<?> l ? l : List.of()) {
            Map<String, Object> f = (Map<String, Object>) o;
            fb.put(faultKey(f), f);
        }
        Table t = new Table("", "record", "fault", "access", "va", "esr", "symbol");
        for (Map.Entry<String, Map<String, Object>> e : fa.entrySet()) {
            if (!fb.containsKey(e.getKey())) {
                Map<String, Object> f = e.getValue();
                t.row("only in A", f.get("index"), f.get("type"), f.get("kind"), f.get("va"), f.get("esr"), f.get("sym"));
            } else {
                equal++;
            }
        }
        for (Map.Entry<String, Map<String, Object>> e : fb.entrySet()) {
            if (!fa.containsKey(e.getKey())) {
                Map<String, Object> f = e.getValue();
                t.row("only in B", f.get("index"), f.get("type"), f.get("kind"), f.get("va"), f.get("esr"), f.get("sym"));
            }
        }
        if (na == nb && t.isEmpty()) {
            equal++;
            line(String.format("faults     the same (%,d)", na));
            return;
        }
        differs = true;
        line(String.format("faults     A %,d, B %,d", na, nb));
        if (!t.isEmpty()) {
            t.print(printer(), "  ");
        }
    }

    private static String faultKey(Map<String, Object> f) {
        return f.get("index") + "|" + f.get("type") + "|" + f.get("kind") + "|" + f.get("va");
    }

    /** The overrides as option -> value: {@code --attr PA}, {@code --set NAME}, {@code --stage2}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> overrides(Map<String, Object> report) {
        Map<String, Object> m = new TreeMap<>();
        if (report.get("overrides") instanceof Map<?, ?> ov) {
            if (ov.get("attr") instanceof Map<?, ?> attr) {
                attr.forEach((k, v) -> m.put("--attr " + k, v));
            }
            if (ov.get("set") instanceof Map<?, ?> set) {
                set.forEach((k, v) -> m.put("--set " + k, v));
            }
            if (ov.get("stage2") != null) {
                m.put("--stage2", ov.get("stage2"));
            }
        }
        return m;
    }

    /** Leaves of the counters part of the report, by dotted path; lists are one value each. */
    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object v, Map<String, Object> out, boolean top) {
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : ((Map<Object, Object>) m).entrySet()) {
                String k = String.valueOf(e.getKey());
                if (top && HANDLED.contains(k)) {
                    continue;
                }
                // keys that already carry their section's name (the MMU's "mmu.tlb.hits") are not prefixed twice
                String path = prefix.isEmpty() || k.startsWith(lastSegment(prefix) + ".") ? (prefix.contains(".") ? prefix.substring(0,
                        prefix.lastIndexOf('.') + 1) : "") + k : prefix + "." + k;
                flatten(path, e.getValue(), out, false);
            }
        } else if (v instanceof Number n) {
            out.put(prefix, n instanceof Double || n instanceof Float ? (Object) n.doubleValue() : (Object) n.longValue());
        } else {
            out.put(prefix, v == null ? null : v instanceof List<?> ? dev.gvsim.simcore.Json.write(v).replaceAll("\\s+", "") : String.valueOf(v));
        }
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /** Time of each mark, named "mark NAME" (and " #k" from its second occurrence on). */
    private static Map<String, Long> markTimes(Map<String, Object> report) {
        Map<String, Long> m = new LinkedHashMap<>();
        Map<String, Integer> seen = new TreeMap<>();
        for (Object o : report.get("marks") instanceof List<?> l ? l : List.of()) {
            if (o instanceof Map<?, ?> mark) {
                String name = String.valueOf(mark.get("name"));
                int k = seen.merge(name, 1, Integer::sum);
                m.put("mark " + name + (k > 1 ? " #" + k : ""), number(mark.get("timePs")));
            }
        }
        return m;
    }

    private void timing(Table t, String name, Long a, Long b) {
        if (Objects.equals(a, b)) {
            equal++;
            return;
        }
        differs = true;
        String change = a == null || b == null ? "" : (b >= a ? "+" : "-") + SimTime.format(Math.abs(b - a)) + percent(a, b);
        t.row(name, a == null ? "-" : SimTime.format(a), b == null ? "-" : SimTime.format(b), change);
    }

    private void changed(Table t, String name, Object a, Object b) {
        if (Objects.equals(a == null ? null : String.valueOf(a), b == null ? null : String.valueOf(b))) {
            equal++;
            return;
        }
        differs = true;
        t.row(name, show(a), show(b));
    }

    private static String change(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            long d = y - x;
            return (d >= 0 ? "+" : "") + String.format("%,d", d) + percent(x, y);
        }
        if (a instanceof Number x && b instanceof Number y) {
            return String.format(Locale.ROOT, "%+.4g", y.doubleValue() - x.doubleValue());
        }
        return "";
    }

    private static String percent(long a, long b) {
        return a == 0 ? "" : String.format(Locale.ROOT, " (%+.1f %%)", 100.0 * (b - a) / a);
    }

    private static String show(Object v) {
        if (v == null) {
            return "-";
        }
        String s = v instanceof Long l ? String.format("%,d", l) : String.valueOf(v);
        return s.length() > MAX_VALUE ? s.substring(0, MAX_VALUE - 3) + "..." : s;
    }

    private void section(String title, Table t) {
        if (!t.isEmpty()) {
            line(title);
            t.print(printer(), "  ");
        }
    }

    private java.io.PrintWriter printer() {
        java.io.Writer w = new java.io.Writer() {
            @Override
            public void write(char[] c, int off, int len) {
                out.append(c, off, len);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        return new java.io.PrintWriter(w, true);
    }

    private void line(String s) {
        out.append(s).append('\n');
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    /** For the command: the key list it needs to recognise a replay report. */
    static List<String> requiredKeys() {
        return new ArrayList<>(List.of("records", "faultCount", "faults", "simulatedTimePs"));
    }
}
