package dev.gvsim.simcli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.report.ReplayReport;
import dev.gvsim.machine.report.ScenariosReport;
import dev.gvsim.simcli.util.Files2;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim report RUN.json -o FILE.html}: the HTML report of a saved replay (or scenarios) JSON report. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write the self-contained HTML report (inline CSS and SVG, no script, nothing fetched) of a saved JSON report:",
                "a replay's ('gvsim replay -o RUN.json' or '--json'; the same page as 'replay --report', without scanouts, which the JSON",
                "does not hold), a scenario run's ('gvsim scenarios --json'), a sweep's ('gvsim sweep -o' / 'sweep merge -o'; the same",
                "page as 'sweep --report') or a boot's ('gvsim boot --json'; without the PCI tree). Exit 0, or 2 for bad input."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN.json", description = "The saved JSON report.")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.html", required = true, description = "Where to write the HTML report.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        Files2.input(input);
        Files2.output("-o", output, input);
        String html;
        Map<String, Object> json;
        Map<String, Object> top = isJsonObject(input) ? readObject(input) : Map.of();
        if (top.get("sweep") instanceof Map<?, ?> && top.get("points") instanceof List<?>) {
            html = dev.gvsim.machine.report.SweepReport.html(top);
        } else if (top.containsKey("firmware") && top.get("outcome") instanceof Map<?, ?> && top.containsKey("assigned")) {
            html = dev.gvsim.machine.report.BootReport.html(top, null);
        } else if (isScenarios(input)) {
            json = readObject(input);
            if (!(json.get("scenarios") instanceof List<?>)) {
                throw new InputException(input + ": expected a scenarios report ('gvsim scenarios --json'): \"scenarios\" is not a list");
            }
            html = ScenariosReport.html(json);
        } else {
            json = DiffCommand.read(input);
            html = ReplayReport.html(json, MachineBuilder.allParamDefs(), Map.of());
        }
        Files2.writeAtomically(output, html);
        return Main.EXIT_OK;
    }

    private static boolean isJsonObject(Path p) throws Exception {
        try {
            readObject(p);
            return true;
        } catch (InputException e) {
            return false; // said below, by the reader of the kind expected
        }
    }

    private static boolean isScenarios(Path p) throws Exception {
        try {
            return readObject(p).containsKey("scenarios");
        } catch (InputException e) {
            return false; // DiffCommand.read says what is wrong
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readObject(Path p) throws Exception {
        Object v;
        try {
            v = Json.mapper().readValue(java.nio.file.Files.readString(p), Object.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InputException(p + ": not JSON: " + e.getOriginalMessage());
        }
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new InputException(p + ": expected a JSON object");
    }

    /** {@code value} as it reads back from its JSON (lists, maps, numbers, strings), so a report made now equals one made from the saved JSON. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> normalized(Map<String, Object> value) throws Exception {
        return Json.mapper().readValue(Json.write(value), Map.class);
    }
}
