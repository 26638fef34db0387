package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.gvsim.machine.report.RunDiff;
import dev.gvsim.simcli.util.Files2;
import dev.gvsim.simcli.util.Table;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim diff A.json B.json}: what changed between two replay reports. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare two replay reports (written by 'gvsim replay --json' or 'replay -o FILE'): what changed in the run,",
                "the parameters (--attr, --set, --stage2), the outcome, the faults, the counters and the timings. Only differences are listed.",
                "Exit 0: no differences; 1: the runs differ; 2: bad input. Example: replay a trace twice, once with --attr PA=device-ngnre,",
                "each with -o, then diff the two files; --report D.html draws the same diff as a page."})
final class DiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A.json", description = "The first report (the baseline).")
    Path a;

    @Parameters(index = "1", paramLabel = "B.json", description = "The second report, compared with the first.")
    Path b;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write the diff as a self-contained HTML page (one table per section: run, parameters, faults, counters, timings).")
    Path report;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Files2.output("--report", report, a, b);
        Map<String, Object> ra = read(a);
        Map<String, Object> rb = read(b);
        RunDiff.Result d = RunDiff.diff(a.toString(), ra, b.toString(), rb);
        PrintWriter out = spec.commandLine().getOut();
        out.print(text(d));
        out.flush();
        if (report != null) {
            Files2.writeAtomically(report, RunDiff.html(d));
        }
        return d.differs() ? Main.EXIT_MISBEHAVED : Main.EXIT_OK;
    }

    /** The diff as text: its lines, each section's title and its table indented, then the count of equal values. */
    static String text(RunDiff.Result d) {
        java.io.StringWriter sw = new java.io.StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        for (RunDiff.Block blk : d.blocks()) {
            if (blk instanceof RunDiff.Line l) {
                pw.print(l.text() + "\n");
            } else if (blk instanceof RunDiff.Section s) {
                pw.print(s.title() + "\n");
                Table t = new Table(s.header().toArray(String[]::new));
                for (java.util.List<String> row : s.rows()) {
                    t.row(row.toArray());
                }
                t.print(pw, "  ");
            }
        }
        pw.flush();
        return sw.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path p) throws InputException, java.io.IOException {
        String text = Files.readString(Files2.input(p));
        Object v;
        try {
            v = Json.mapper().readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() + ": ";
            throw new InputException(p + ": not JSON: " + where + e.getOriginalMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new InputException(p + ": expected a replay report (a JSON object) but found " + (v == null ? "null" : "a JSON " + kind(v)));
        }
        for (String k : RunDiff.requiredKeys()) {
            if (!m.containsKey(k)) {
                throw new InputException(p + ": expected a replay report (docs/replay-json.md; write one with 'gvsim replay --json' or "
                        + "'replay -o FILE') but it has no \"" + k + "\"");
            }
        }
        return new LinkedHashMap<>((Map<String, Object>) m);
    }

    private static String kind(Object v) {
        return v instanceof java.util.List<?> ? "array" : v instanceof String ? "string" : v instanceof Number ? "number" : "value";
    }
}
