package dev.gvsim.machine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTML report of a firmware boot ({@code gvsim boot --report}), made from the JSON
 * {@code gvsim boot --json} prints ({@code machine, firmware, fixes, routing, outcome, assigned,
 * failures}): the outcome in one sentence (console up on which device and mode, or no GOP with the
 * status, the reason and the failing access), the diagnosis, the machine as lspci shows it after the
 * firmware assigned its resources (when given: the JSON alone does not hold it), the assignment log,
 * the parameters given, and the firmware's log.
 */
public final class BootReport {
    private BootReport() {
    }

    /** @param lspci the machine's PCI tree after the boot, as {@code gvsim lspci} prints it, or null */
    public static String html(Map<String, Object> json, String lspci) {
        Map<?, ?> o = json.get("outcome") instanceof Map<?, ?> m ? m : Map.of();
        Html h = new Html("gvsim boot: " + json.get("machine"));
        h.p("outcome", sentence(o));
        if (o.get("diagnosis") instanceof List<?> why && !why.isEmpty()) {
            h.h2("Why");
            for (Object w : why) {
                h.p(String.valueOf(w));
            }
        }
        h.h2("Machine (PCI tree after the firmware's assignment)");
        if (lspci != null) {
            h.pre(lspci);
        } else {
            h.p("note", "not in the saved JSON (rerun 'gvsim boot ... --report' for it); the assignment log follows");
        }
        h.h2("Resource assignment");
        List<List<Object>> rows = new ArrayList<>();
        for (Object l : json.get("assigned") instanceof List<?> a ? a : List.of()) {
            rows.add(ReplayReport.row(String.valueOf(l), "assigned"));
        }
        for (Object l : json.get("failures") instanceof List<?> f ? f : List.of()) {
            rows.add(ReplayReport.row(String.valueOf(l), "FAILED"));
        }
        if (rows.isEmpty()) {
            h.p("none");
        } else {
            h.table(List.of("resource", ""), rows);
        }
        h.h2("Parameters");
        List<List<Object>> params = new ArrayList<>();
        params.add(ReplayReport.row("--firmware", json.get("firmware")));
        params.add(ReplayReport.row("--routing", json.get("routing")));
        params.add(ReplayReport.row("--fix", json.get("fixes") instanceof List<?> fx && !fx.isEmpty() ? String.join(", ", fx.stream().map(String::valueOf).toList())
                : "none"));
        for (Object s : json.get("sets") instanceof List<?> sets ? sets : List.of()) {
            params.add(ReplayReport.row("--set", s));
        }
        h.table(List.of("option", "value"), params);
        if (o.get("log") instanceof List<?> log && !log.isEmpty()) {
            h.h2("Firmware log");
            h.pre(String.join("\n", log.stream().map(String::valueOf).toList()));
        }
        return h.render();
    }

    /** The outcome in one sentence, the same words as {@code BootOutcome.summary()} on the console. */
    static String sentence(Map<?, ?> o) {
        if (Boolean.TRUE.equals(o.get("console_up"))) {
            return String.format("console up: %s on %s, %s, framebuffer %s", o.get("gop_driver"), o.get("device"), o.get("mode"), o.get("framebuffer"));
        }
        return "no GOP: " + o.get("status") + (o.get("reason") != null ? " - " + o.get("reason") : "")
                + (o.get("failed_access") != null ? " [" + o.get("failed_access") + "]" : "");
    }
}
