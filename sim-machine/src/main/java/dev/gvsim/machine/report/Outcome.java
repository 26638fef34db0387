package dev.gvsim.machine.report;

import java.util.List;
import java.util.Map;

/**
 * A replay's outcome in one sentence, from its JSON report (docs/replay-json.md): the first fault
 * (what, where, which instruction), else the mismatches, else a clean run. The CLI's summary and the
 * HTML report both say it this way.
 */
public final class Outcome {
    private Outcome() {
    }

    @SuppressWarnings("unchecked")
    public static String of(Map<String, Object> report) {
        List<Map<String, Object>> faults = report.get("faults") instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
        List<Map<String, Object>> mismatches = report.get("mismatches") instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
        long faultCount = number(report.get("faultCount"));
        long mismatchCount = number(report.get("mismatchCount"));
        Map<String, Object> f = faults.isEmpty() ? null : faults.get(0);
        if (f != null) {
            StringBuilder sb = new StringBuilder("FAULT: ").append(f.get("type")).append(" on a ").append(f.get("size")).append("-byte ")
                    .append(f.get("kind")).append(" of ").append(f.get("va")).append(" at record ").append(f.get("index"));
            if (f.get("line") != null) {
                sb.append(" (line ").append(f.get("line")).append(')');
            }
            if (f.get("sym") != null) {
                sb.append(" in ").append(f.get("sym"));
            }
            sb.append(", ESR ").append(f.get("esr"));
            if (faultCount > 1) {
                sb.append(String.format("; %,d faults in all", faultCount));
            }
            if (mismatchCount > 0) {
                sb.append(String.format("; %,d mismatches", mismatchCount));
            }
            return sb.toString();
        }
        if (mismatchCount > 0) {
            Map<String, Object> m = mismatches.isEmpty() ? null : mismatches.get(0);
            return String.format("MISMATCH: %,d reads returned another value than the recorded system's", mismatchCount)
                    + (m == null ? "" : " (first at record " + m.get("index") + ", " + m.get("device") + " " + m.get("address") + ": expected "
                            + m.get("expected") + ", got " + m.get("actual") + ")");
        }
        return String.format("completed: %,d records, no faults, no mismatches", number(report.get("records")));
    }

    static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
