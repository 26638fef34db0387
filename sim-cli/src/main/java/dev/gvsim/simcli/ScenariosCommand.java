package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.simcli.scenario.Scenario;
import dev.gvsim.simcli.scenario.ScenarioResult;
import dev.gvsim.simcli.scenario.Scenarios;
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
        List<Map<String, Object>> rows = new ArrayList<>();
        int passed = 0;
        int failed = 0;
        for (Scenario s : run) {
            ScenarioResult r = s.run();
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
                printScenario(out, s, r);
            }
        }
        if (json) {
            Map<String, Object> top = new LinkedHashMap<>();
            top.put("scenarios", rows);
            top.put("passed", passed);
            top.put("failed", failed);
            out.print(Json.write(top));
        } else {
            out.printf("%n%d passed, %d failed%n", passed, failed);
        }
        out.flush();
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_MISBEHAVED;
    }

    private static void printScenario(PrintWriter out, Scenario s, ScenarioResult r) {
        out.printf("%s  %s  %s%n", r.pass() ? "PASS" : "FAIL", s.id(), s.title());
        out.printf("  expected: %s%n", s.expected());
        for (ScenarioResult.Check c : r.checks()) {
            out.printf("  [%s] %-34s expected %-40s observed %s%n", c.pass() ? "ok" : "XX", c.name(), c.expected(), c.observed());
        }
        for (Map.Entry<String, Object> f : r.figures().entrySet()) {
            out.printf("  %-38s %s%n", f.getKey(), f.getValue());
        }
        out.println();
    }
}
