package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.gvsim.simcore.SimTime;

/**
 * What changed between two replay reports (the {@code replay --json} map, docs/replay-json.md):
 * the run (trace, machine), the parameters that were overridden (--attr, --set, --stage2), the
 * outcome, the faults (matched by record, type, access and address), the counters (every number,
 * flag and short value under the report's counts, memory types, MMU and devices, compared by path),
 * and the timings (simulated time and the time of each mark). Only differences are listed; the text
 * ends with how many values were compared and found equal. Works on the maps alone: no picocli, no
 * files. The result is a list of blocks (a line, or a titled table of cells already formatted), which
 * {@code gvsim diff} prints as text and {@link #html} draws as a self-contained page.
 */
public final class RunDiff {
    /** Top-level keys not compared as counters: handled section by section, or series of counters compared already (timeline, latencyHistograms). */
    private static final Set<String> HANDLED = Set.of("trace", "meta", "machine", "overrides", "checkpoint", "faults", "mismatches",
            "masterAborts", "marks", "simulatedTimePs", "timeline", "latencyHistograms");
    /** Values longer than this (lists, long strings) are shown cut. */
    private static final int MAX_VALUE = 60;

    private final List<Block> out = new ArrayList<>();
    private boolean differs;
    private long equal;

    private RunDiff() {
    }

    /** One part of a diff: a line of text, or a titled table. */
    public sealed interface Block permits Line, Section {
    }

    /** A line of the diff. */
    public record Line(String text) implements Block {
    }

    /** A titled table; cells as printed ({@code -} for none, integers with thousands separators). */
    public record Section(String title, List<String> header, List<List<String>> rows) implements Block {
    }

    /**
     * The differences of {@code b} from {@code a}, in order; {@code differs} false if there are none;
     * {@code equal} values compared and found equal.
     */
    public record Result(String nameA, String nameB, List<Block> blocks, boolean differs, long equal) {
    }

    /** The differences of {@code b} from {@code a}; {@link Result#differs} false if there are none. */
    public static Result diff(String nameA, Map<String, Object> a, String nameB, Map<String, Object> b) {
        RunDiff d = new RunDiff();
        d.run(nameA, a, nameB, b);
        return new Result(nameA, nameB, List.copyOf(d.out), d.differs, d.equal);
    }

    /** The diff as a self-contained HTML page (same content as the text, one table per section). */
    public static String html(Result r) {
        Html h = new Html("gvsim diff: " + r.nameA() + " vs " + r.nameB());
        h.p("outcome", (r.differs() ? "The runs differ" : "No differences") + String.format(Locale.ROOT, " (%,d values compared equal).", r.equal()));
        for (Block b : r.blocks()) {
            if (b instanceof Section s) {
                h.h2(s.title());
                List<List<Object>> rows = new ArrayList<>();
                for (List<String> row : s.rows()) {
                    rows.add(new ArrayList<>(row));
                }
                h.table(s.header(), rows);
            } else if (b instanceof Line l) {
                h.p(l.text());
            }
        }
        return h.render();
    }

    /** A table being filled: its rows' cells formatted as {@code gvsim}'s text tables format them. */
    private static final class Table {
        final List<String> header;
        final List<List<String>> rows = new ArrayList<>();

        Table(String... header) {
            this.header = List.of(header);
        }

        void row(Object... cells) {
            List<String> r = new ArrayList<>(cells.length);
            for (Object c : cells) {
                r.add(c == null ? "-" : c instanceof Long || c instanceof Integer ? String.format("%,d", ((Number) c).longValue()) : c.toString());
            }
            rows.add(List.copyOf(r));
        }

        boolean isEmpty() {
            return rows.isEmpty();
        }
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

        String oa = Outcome.of(a);
        String ob = Outcome.of(b);
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
        String title = String.format("faults     A %,d, B %,d", na, nb);
        if (t.isEmpty()) {
            line(title);
        } else {
            out.add(new Section(title, t.header, List.copyOf(t.rows)));
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
            out.add(new Section(title, t.header, List.copyOf(t.rows)));
        }
    }

    private void line(String s) {
        out.add(new Line(s));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    /** The keys a map needs to be read as a replay report. */
    public static List<String> requiredKeys() {
        return new ArrayList<>(List.of("records", "faultCount", "faults", "simulatedTimePs"));
    }
}
