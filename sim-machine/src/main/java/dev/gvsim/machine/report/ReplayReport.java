package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.SimTime;

/**
 * The HTML report of one replay, made from its JSON report (docs/replay-json.md), so that
 * {@code replay --report} and {@code gvsim report RUN.json} give the same page: the outcome sentence,
 * the run, the parameters that differ from their defaults with their sources, faults with ESR, FAR and
 * symbol, mismatches, accesses per memory type and per PCI function (tables and bar charts), the same
 * counters and the bus transactions over simulated time ({@link ReplayPlots}: step plots), latency
 * figures the devices reported and the latency histograms the machine collected, and the scanouts when
 * the caller has them (a saved JSON has none).
 */
public final class ReplayReport {
    /** Faults, mismatches and master aborts listed individually (all are counted). */
    public static final int LISTED = 100;

    private ReplayReport() {
    }

    /**
     * @param report   the replay's JSON report as a map
     * @param defs     every model parameter (for defaults and sources of the overridden ones)
     * @param scanouts PNG images by caption (may be empty)
     */
    public static String html(Map<String, Object> report, List<ParamDef> defs, Map<String, byte[]> scanouts) {
        Html h = new Html("gvsim replay: " + report.get("trace"));
        h.p("outcome", Outcome.of(report));

        h.h2("Run");
        List<List<Object>> run = new ArrayList<>();
        run.add(List.of("trace", String.valueOf(report.get("trace"))));
        run.add(List.of("machine", String.valueOf(report.get("machine"))));
        run.add(List.of("records", num(report.get("records"))));
        run.add(List.of("accesses", num(report.get("accesses"))));
        run.add(List.of("unaligned accesses", num(report.get("unaligned"))));
        run.add(List.of("stores without value", num(report.get("storesWithoutValue"))));
        run.add(List.of("simulated time", SimTime.format(num(report.get("simulatedTimePs")))));
        run.add(List.of("faults", num(report.get("faultCount"))));
        run.add(List.of("records skipped after a fault", num(report.get("skippedAfterFault"))));
        run.add(List.of("mismatches", num(report.get("mismatchCount"))));
        run.add(List.of("master aborts", num(report.get("masterAbortCount"))));
        h.table(List.of("", ""), run);

        machine(h, report);
        parameters(h, report, defs);

        h.h2("Faults (" + num(report.get("faultCount")) + ")");
        List<List<Object>> faults = new ArrayList<>();
        for (Map<String, Object> f : list(report.get("faults"))) {
            if (faults.size() == LISTED) {
                break;
            }
            faults.add(row(f.get("index"), f.get("line"), f.get("type"), f.get("kind"), f.get("va"), f.get("pa"), f.get("size"), f.get("esr"),
                    f.get("far"), f.get("ipa"), f.get("hpfar"), f.get("pc"), f.get("sym"), f.get("memType")));
        }
        if (faults.isEmpty()) {
            h.p("note", "none");
        } else {
            h.table(List.of("record", "line", "fault", "access", "va", "pa", "size", "ESR", "FAR", "IPA", "HPFAR", "pc", "symbol", "memory type"), faults);
            more(h, num(report.get("faultCount")), faults.size());
        }

        h.h2("Mismatches (" + num(report.get("mismatchCount")) + ")");
        if (report.get("mismatchesPerDevice") instanceof Map<?, ?> per && !per.isEmpty()) {
            List<List<Object>> rows = new ArrayList<>();
            per.forEach((k, v) -> rows.add(row(k, v)));
            h.table(List.of("device", "mismatches"), rows);
        }
        List<List<Object>> mm = new ArrayList<>();
        for (Map<String, Object> m : list(report.get("mismatches"))) {
            if (mm.size() == LISTED) {
                break;
            }
            mm.add(row(m.get("index"), m.get("line"), m.get("op"), m.get("address"), m.get("size"), m.get("device"), m.get("expected"), m.get("actual")));
        }
        if (mm.isEmpty()) {
            h.p("note", "none");
        } else {
            h.table(List.of("record", "line", "op", "address", "size", "device", "expected", "actual"), mm);
            more(h, num(report.get("mismatchCount")), mm.size());
        }

        memoryTypes(h, report);
        pciFunctions(h, report);
        ReplayPlots.timeline(h, report);
        latencies(h, report);
        ReplayPlots.histograms(h, report);

        h.h2("Scanouts");
        if (scanouts.isEmpty()) {
            h.p("note", "none (no display device showed a 32-bit output, or the report was made from a saved JSON, which holds no pixels)");
        }
        scanouts.forEach(h::png);
        return h.render();
    }

    /**
     * The PCI tree with its assigned windows as {@code gvsim lspci} shows it, for the machine and
     * {@code --set} values the report names, as built before the trace ran (rebuilt here, so that a
     * saved JSON gives the same page); what the trace then programmed is in the functions' table.
     */
    private static void machine(Html h, Map<String, Object> report) {
        h.h2("Machine (PCI tree as built, before the trace)");
        List<String> sets = new ArrayList<>();
        if (report.get("overrides") instanceof Map<?, ?> ov && ov.get("set") instanceof Map<?, ?> set) {
            set.forEach((k, v) -> sets.add(k + "=" + v));
        }
        try {
            h.pre(dev.gvsim.machine.MachineBuilder.build(String.valueOf(report.get("machine")), sets).pci().lspci(false));
        } catch (RuntimeException e) {
            h.p("note", "could not rebuild the machine '" + report.get("machine") + "': " + e.getMessage());
        }
    }

    private static void parameters(Html h, Map<String, Object> report, List<ParamDef> defs) {
        h.h2("Parameters that differ from their defaults");
        Map<?, ?> ov = report.get("overrides") instanceof Map<?, ?> m ? m : Map.of();
        List<List<Object>> rows = new ArrayList<>();
        if (ov.get("set") instanceof Map<?, ?> set) {
            for (Map.Entry<?, ?> e : set.entrySet()) {
                ParamDef d = defs.stream().filter(p -> p.name().equals(String.valueOf(e.getKey()))).findFirst().orElse(null);
                rows.add(row("--set " + e.getKey(), e.getValue(), d == null ? "?" : d.defaultValue(), d == null ? "" : d.unit(),
                        d == null ? "not a parameter of this build" : d.source()));
            }
        }
        if (ov.get("attr") instanceof Map<?, ?> attr) {
            attr.forEach((pa, a) -> rows.add(row("--attr " + pa, a, "the trace's map record", "", "command line")));
        }
        if (ov.get("stage2") != null) {
            rows.add(row("--stage2", ov.get("stage2"), "none", "", "command line"));
        }
        if (rows.isEmpty()) {
            h.p("note", "none: every parameter at its default (see 'gvsim params' for them and their sources)");
        } else {
            h.table(List.of("option", "value", "default", "unit", "source of the default"), rows);
        }
    }

    private static void memoryTypes(Html h, Map<String, Object> report) {
        h.h2("Accesses by memory type");
        List<List<Object>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        if (report.get("memoryTypes") instanceof Map<?, ?> types) {
            for (Map.Entry<?, ?> e : types.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> m && num(m.get("accesses")) > 0) {
                    rows.add(row(e.getKey(), num(m.get("accesses")), num(m.get("transactions")), num(m.get("bytes"))));
                    labels.add(String.valueOf(e.getKey()));
                    values.add((double) num(m.get("accesses")));
                }
            }
        }
        if (rows.isEmpty()) {
            h.p("note", "none");
            return;
        }
        h.table(List.of("memory type", "accesses", "bus transactions", "bytes"), rows);
        h.svg(Svg.barChart("Accesses by memory type", "accesses", labels, values.stream().mapToDouble(Double::doubleValue).toArray()));
        if (report.get("trapped") instanceof Map<?, ?> trapped) {
            // only under --stage2 (docs/replay-json.md)
            h.p("note", String.format("Trapped to the VMM (--stage2): %,d loads and stores, %s of CPU time in total.", num(trapped.get("accesses")),
                    dev.gvsim.simcore.SimTime.format(num(trapped.get("latencyPs")))));
        }
    }

    private static void pciFunctions(Html h, Map<String, Object> report) {
        List<List<Object>> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        if (report.get("devices") instanceof Map<?, ?> devices && devices.get("pci") instanceof Map<?, ?> pci
                && pci.get("functions") instanceof Map<?, ?> functions) {
            for (Map.Entry<?, ?> e : functions.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> f) {
                    rows.add(row(e.getKey(), f.get("type"), num(f.get("mem_accesses")), num(f.get("io_accesses")), num(f.get("config_reads")),
                            num(f.get("config_writes"))));
                    labels.add(e.getKey() + " " + f.get("type"));
                    values.add((double) (num(f.get("mem_accesses")) + num(f.get("io_accesses"))));
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        h.h2("Accesses by PCI function");
        h.table(List.of("PCI function", "type", "memory", "I/O", "config reads", "config writes"), rows);
        h.svg(Svg.barChart("Memory and I/O accesses by PCI function", "accesses", labels, values.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /** Every numeric figure under {@code devices} whose key names a latency (the display model's HdrHistogram percentiles). */
    private static void latencies(Html h, Map<String, Object> report) {
        List<List<Object>> rows = new ArrayList<>();
        collectLatencies("", report.get("devices"), rows);
        h.h2("Latencies");
        if (rows.isEmpty()) {
            h.p("note", "none reported by the devices of this run");
        } else {
            h.table(List.of("figure", "value"), rows);
        }
    }

    private static void collectLatencies(String path, Object v, List<List<Object>> rows) {
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> {
                String p = path.isEmpty() ? String.valueOf(k) : path + "." + k;
                if (x instanceof Number n && String.valueOf(k).toLowerCase(java.util.Locale.ROOT).contains("latency")) {
                    rows.add(row(p, String.valueOf(k).endsWith("Ps") ? SimTime.format(n.longValue()) : n));
                } else {
                    collectLatencies(p, x, rows);
                }
            });
        }
    }

    private static void more(Html h, long count, int listed) {
        if (count > listed) {
            h.p("note", String.format("... %,d more (all are in the JSON report)", count - listed));
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object o) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) {
                if (x instanceof Map<?, ?>) {
                    out.add((Map<String, Object>) x);
                }
            }
        }
        return out;
    }

    static List<Object> row(Object... cells) {
        List<Object> r = new ArrayList<>(cells.length);
        for (Object c : cells) {
            r.add(c == null ? "" : c);
        }
        return r;
    }

    static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
