package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.simcli.util.Table;
import dev.gvsim.simcore.SimTime;

/**
 * The text summary of a replay (what {@code gvsim replay} prints without {@code --json}): the outcome
 * in one sentence, the faults with their symbols, mismatches and accesses per memory type and per
 * PCI function as tables. Everything comes from the {@link ReplayResult}; nothing is printed as a raw
 * map.
 */
final class ReplaySummary {
    /** Faults and mismatches listed individually in the text summary (all are in --json). */
    static final int LISTED = 10;

    private ReplaySummary() {
    }

    static void print(PrintWriter out, ReplayResult r) {
        out.printf("trace      %s%n", r.trace);
        out.printf("machine    %s%n", r.machine);
        String ov = overrides(r);
        if (!ov.isEmpty()) {
            out.printf("overrides  %s%n", ov);
        }
        if (r.restoredFrom != null) {
            out.printf("restored   from checkpoint %s%n", r.restoredFrom);
        }
        out.printf("outcome    %s%n", outcome(r));
        out.printf("records    %,d (accesses %,d, unaligned %,d, stores without value %,d)%n", r.records, r.accesses, r.unaligned,
                r.storesWithoutValue);
        out.printf("sim time   %s%n", SimTime.format(r.simulatedTimePs));

        out.printf("faults     %,d%s%n", r.faultCount,
                r.skippedAfterFault > 0 ? String.format(" (%,d records skipped after the fault)", r.skippedAfterFault) : "");
        if (!r.faults.isEmpty()) {
            boolean s2 = r.faults.stream().anyMatch(f -> f.containsKey("ipa"));
            Table t = s2 ? new Table("record", "line", "fault", "access", "va", "size", "esr", "far", "ipa", "hpfar", "pc", "symbol")
                    : new Table("record", "line", "fault", "access", "va", "size", "esr", "far", "pc", "symbol");
            for (Map<String, Object> f : r.faults.subList(0, Math.min(LISTED, r.faults.size()))) {
                if (s2) {
                    t.row(f.get("index"), f.get("line"), f.get("type"), f.get("kind"), f.get("va"), f.get("size"), f.get("esr"), f.get("far"),
                            f.get("ipa"), f.get("hpfar"), f.get("pc"), f.get("sym"));
                } else {
                    t.row(f.get("index"), f.get("line"), f.get("type"), f.get("kind"), f.get("va"), f.get("size"), f.get("esr"), f.get("far"),
                            f.get("pc"), f.get("sym"));
                }
            }
            t.print(out, "  ");
            if (r.faultCount > LISTED) {
                out.printf("  ... %,d more (see --json)%n", r.faultCount - LISTED);
            }
        }

        out.printf("mismatches %,d%n", r.mismatchCount);
        if (!r.mismatchesPerDevice.isEmpty()) {
            Table t = new Table("device", "mismatches");
            r.mismatchesPerDevice.forEach(t::row);
            t.print(out, "  ");
        }
        if (!r.mismatches.isEmpty()) {
            Table t = new Table("record", "line", "op", "address", "size", "device", "expected", "actual");
            for (Map<String, Object> m : r.mismatches.subList(0, Math.min(LISTED, r.mismatches.size()))) {
                t.row(m.get("index"), m.get("line"), m.get("op"), m.get("address"), m.get("size"), m.get("device"), m.get("expected"),
                        m.get("actual"));
            }
            t.print(out, "  ");
            if (r.mismatchCount > LISTED) {
                out.printf("  ... %,d more (see --json)%n", r.mismatchCount - LISTED);
            }
        }
        out.printf("master aborts %,d%n", r.masterAbortCount);
        if (r.trapped != null) {
            out.printf("trapped to the VMM (--stage2): %,d loads and stores, %s in total%n", number(r.trapped.get("accesses")),
                    dev.gvsim.simcore.SimTime.format(number(r.trapped.get("latencyPs"))));
        }

        Table types = new Table("memory type", "accesses", "transactions", "bytes");
        for (Map.Entry<String, Object> e : r.memoryTypes.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m && number(m.get("accesses")) > 0) {
                types.row(e.getKey(), number(m.get("accesses")), number(m.get("transactions")), number(m.get("bytes")));
            }
        }
        out.println("accesses by memory type" + (types.isEmpty() ? ": none" : ""));
        if (!types.isEmpty()) {
            types.print(out, "  ");
        }

        Table fns = new Table("PCI function", "type", "memory", "I/O", "config reads", "config writes");
        if (r.devices.get("pci") instanceof Map<?, ?> pci && pci.get("functions") instanceof Map<?, ?> functions) {
            for (Map.Entry<?, ?> e : functions.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> f) {
                    fns.row(String.valueOf(e.getKey()), String.valueOf(f.get("type")), number(f.get("mem_accesses")), number(f.get("io_accesses")),
                            number(f.get("config_reads")), number(f.get("config_writes")));
                }
            }
        }
        if (!fns.isEmpty()) {
            out.println("accesses by PCI function");
            fns.print(out, "  ");
        }
        ReplayCommand.printVirtioGpuCommands(out, r);
    }

    /** The outcome in one sentence: the first fault (what, where, which instruction), else mismatches, else a clean run. */
    static String outcome(ReplayResult r) {
        return outcome(r.toJson());
    }

    /** {@link #outcome(ReplayResult)} from the replay JSON report (docs/replay-json.md), as written or read back. */
    static String outcome(Map<String, Object> report) {
        return dev.gvsim.machine.report.Outcome.of(report);
    }

    /** The overrides as the options that gave them: {@code --attr PA=ATTR --set NAME=VALUE --stage2 MODE}. */
    static String overrides(ReplayResult r) {
        StringJoiner j = new StringJoiner(" ");
        r.attrOverrides.forEach((pa, attr) -> j.add("--attr " + pa + "=" + attr));
        r.paramOverrides.forEach((name, value) -> j.add("--set " + name + "=" + value));
        if (r.stage2 != null) {
            j.add("--stage2 " + r.stage2);
        }
        return j.toString();
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
