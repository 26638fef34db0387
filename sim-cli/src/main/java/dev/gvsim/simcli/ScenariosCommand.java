package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.machine.scenario.Scenario;
import dev.gvsim.machine.scenario.ScenarioResult;
import dev.gvsim.machine.scenario.Scenarios;
import dev.gvsim.machine.sweep.ParallelRuns;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim scenarios [ID…]}: runs the bundled scenarios; exit 0 only when all pass. */
@Command(name = "scenarios", mixinStandardHelpOptions = true,
        description = {"Run the bundled scenarios (all, or the ids given) and print id, expected, observed, pass.",
                "Exit 0 only when every scenario passes."})
final class ScenariosCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ID", description = "Scenario ids (default: all).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--json", description = "JSON: {\"scenarios\":[{id,title,pass,expected,observed,checks,figures}],\"passed\",\"failed\"}.")
    boolean json;

    @Option(names = "--list", description = "List the scenarios without running them.")
    boolean list;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "Run up to N scenarios at once, each its own machine on its own thread (default: the available processors, "
                    + "${DEFAULT-VALUE} here). Output is printed in id order and is byte-identical to --jobs 1.")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = {"-v", "--verbose"}, description = "Also print every figure the model produced (tables one row per line).")
    boolean verbose;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write a self-contained HTML report (checks, and plots of the figures that are series or %% of native) to FILE.html.")
    java.nio.file.Path report;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Scenario> run = new ArrayList<>();
        if (ids.isEmpty()) {
            run.addAll(Scenarios.all());
        } else {
            for (String id : ids) {
                run.add(Scenarios.byId(id));
            }
        }
        if (list) {
            for (Scenario s : run) {
                out.printf("%-28s %s%n", s.id(), s.title());
            }
            return Main.EXIT_OK;
        }
        dev.gvsim.simcli.util.Files2.output("--report", report);
        if (jobs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--jobs must be at least 1 (got " + jobs + ")");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        int passed = 0;
        int failed = 0;
        try (ParallelRuns<Scenario, ScenarioResult> results = new ParallelRuns<>(run, Scenario::run, jobs)) {
            for (int i = 0; i < run.size(); i++) {
                Scenario s = run.get(i);
                ScenarioResult r = results.get(i);
                if (r.pass()) {
                    passed++;
                } else {
                    failed++;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", s.id());
                row.put("title", s.title());
                row.put("pass", r.pass());
                row.put("expected", s.expected());
                row.put("observed", r.observedSummary());
                List<Map<String, Object>> checks = new ArrayList<>();
                for (ScenarioResult.Check c : r.checks()) {
                    Map<String, Object> cm = new LinkedHashMap<>();
                    cm.put("name", c.name());
                    cm.put("expected", c.expected());
                    cm.put("observed", c.observed());
                    cm.put("pass", c.pass());
                    checks.add(cm);
                }
                row.put("checks", checks);
                row.put("figures", r.figures());
                rows.add(row);
                if (!json) {
                    printScenario(out, s, r, verbose);
                }
            }
        }
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("scenarios", rows);
        top.put("passed", passed);
        top.put("failed", failed);
        if (report != null) {
            dev.gvsim.simcli.util.Files2.writeAtomically(report, dev.gvsim.machine.report.ScenariosReport.html(ReportCommand.normalized(top)));
        }
        if (json) {
            out.print(Json.write(top));
        } else {
            out.printf("%-28s %-5s %s%n", "id", "pass", "checks passed");
            for (Map<String, Object> row : rows) {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> cs = (List<Map<String, Object>>) row.get("checks");
                long ok = cs.stream().filter(c -> Boolean.TRUE.equals(c.get("pass"))).count();
                out.printf("%-28s %-5s %d/%d%n", row.get("id"), Boolean.TRUE.equals(row.get("pass")) ? "PASS" : "FAIL", ok, cs.size());
            }
            out.printf("%n%d passed, %d failed%s%n", passed, failed, verbose ? "" : " (figures: -v; everything: --json)");
        }
        out.flush();
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_MISBEHAVED;
    }

    static final int WIDTH = 110;

    private static void printScenario(PrintWriter out, Scenario s, ScenarioResult r, boolean verbose) {
        out.printf("%s  %s  %s%n", r.pass() ? "PASS" : "FAIL", s.id(), s.title());
        wrap(out, "  expected  ", s.expected());
        for (ScenarioResult.Check c : r.checks()) {
            out.printf("  [%s] %s%n", c.pass() ? "ok" : "XX", c.name());
            wrap(out, "       expected  ", c.expected());
            wrap(out, "       observed  ", c.observed());
        }
        if (verbose) {
            for (Map.Entry<String, Object> f : r.figures().entrySet()) {
                if (f.getValue() instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map) {
                    out.printf("  %s:%n", f.getKey());
                    for (Object row : l) {
                        wrap(out, "    - ", String.valueOf(row));
                    }
                } else {
                    wrap(out, String.format("  %-38s ", f.getKey()), String.valueOf(f.getValue()));
                }
            }
        }
        out.println();
    }

    /** Prints {@code text} after {@code lead}, wrapped at spaces to {@link #WIDTH} columns, continuation lines indented. */
    static void wrap(PrintWriter out, String lead, String text) {
        String indent = " ".repeat(lead.length());
        String prefix = lead;
        String rest = text;
        int room = Math.max(40, WIDTH - lead.length());
        while (rest.length() > room) {
            int cut = rest.lastIndexOf(' ', room);
            if (cut <= room / 3) {
                cut = room;
            }
            out.println(prefix + rest.substring(0, cut).stripTrailing());
            rest = rest.substring(cut).stripLeading();
            prefix = indent;
        }
        out.println(prefix + rest);
    }
}
