package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import dev.gvsim.machine.sweep.Sweep;
import dev.gvsim.machine.sweep.SweepMerge;
import dev.gvsim.machine.sweep.SweepPoints;
import dev.gvsim.simcli.util.Files2;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim sweep TRACE --set NAME=a,b ...}: one trace replayed at every parameter point, each point its own machine. */
@Command(name = "sweep", mixinStandardHelpOptions = true, subcommands = SweepCommand.Merge.class,
        description = {"Replay one trace at every point of a parameter sweep, each point an independent machine, on --jobs threads.",
                "Points: the cartesian product of the --set axes (first axis slowest, last fastest), or the lines of --points FILE.",
                "--shard I/N runs only the points whose index mod N is I; 'gvsim sweep merge' joins the shard files into the",
                "result the unsharded run writes, byte for byte. Exit 0 when every point replays clean, 1 when one faults or mismatches."})
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "TRACE", description = "Trace file replayed at every point (required unless the subcommand is merge).")
    Path trace;

    @Option(names = "--set", paramLabel = "NAME=V1[,V2...]", description = "An axis: a model parameter (see 'gvsim params') and its values. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--points", paramLabel = "FILE", description = "A file of points instead of --set: one per line, NAME=VALUE items separated by spaces; '#' comments.")
    Path pointsFile;

    @Option(names = "--shard", paramLabel = "I/N", description = "Run only shard I of N (0 <= I < N): the points whose index mod N is I.")
    String shard;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "Points run at once, each on its own thread (default: the available processors, ${DEFAULT-VALUE} here).")
    int jobs = Runtime.getRuntime().availableProcessors();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the JSON result (a shard file with --shard) to FILE.")
    Path output;

    @Option(names = "--json", description = "Print the JSON result instead of the table.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write a self-contained HTML report: the outcome of every point, and their simulated times as a bar chart.")
    Path report;

    @Option(names = "--continue", description = "Record faults and keep going (as replay --continue).")
    boolean continueAfterFault;

    @Option(names = "--attr", paramLabel = "PA=ATTR", description = "Override the memory attribute of a page at every point (as replay --attr). Repeatable.")
    List<String> attrs = new ArrayList<>();

    @Option(names = "--stage2", paramLabel = "MODE", description = "Stage-2 policy at every point (as replay --stage2).")
    String stage2;

    @Option(names = "-M", paramLabel = "MACHINE", description = "Machine type (overrides the trace's machine record; only 'virt').")
    String machineType;

    @Option(names = "-device", paramLabel = "DEV", description = "QEMU-style device at every point (overrides the trace's machine record). Repeatable.")
    List<String> devices = new ArrayList<>();

    @picocli.CommandLine.Mixin
    MachineArgs.FileOption machineFile = new MachineArgs.FileOption();

    @picocli.CommandLine.Mixin
    ProgressLine.Options progressOptions = new ProgressLine.Options();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (trace == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required parameter: 'TRACE'");
        }
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1 (got " + jobs + ")");
        }
        SweepPoints.Shard sh = shard == null ? null : SweepPoints.Shard.parse(shard);
        if (pointsFile != null && !sets.isEmpty()) {
            throw new IllegalArgumentException("give the points either as --set axes or as --points FILE, not both");
        }
        if (stage2 != null && !dev.gvsim.machine.Machine.STAGE2_MODES.contains(stage2)) {
            throw new IllegalArgumentException("--stage2 must be one of " + dev.gvsim.machine.Machine.STAGE2_MODES + ", got '" + stage2 + "'");
        }
        Files2.input(trace);
        List<SweepPoints.Point> all;
        Object how;
        if (pointsFile != null) {
            Files2.input(pointsFile);
            all = SweepPoints.parseFile(pointsFile.toString(), Files.readAllLines(pointsFile));
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("file", pointsFile.getFileName().toString());
            how = h;
        } else {
            List<SweepPoints.Axis> axes = new ArrayList<>();
            List<Map<String, Object>> ax = new ArrayList<>();
            for (String s : sets) {
                SweepPoints.Axis a = SweepPoints.Axis.parse(s);
                axes.add(a);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", a.name());
                m.put("values", a.values());
                ax.add(m);
            }
            all = SweepPoints.cartesian(axes);
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("axes", ax);
            how = h;
        }
        dev.gvsim.machine.MachineFile.Resolved machine = MachineArgs.resolve(machineType, devices, machineFile, List.of());
        if (!machine.sets().isEmpty()) {
            // the machine file's parameters hold at every point; a point's own value for the same name wins
            List<SweepPoints.Point> withFile = new ArrayList<>(all.size());
            for (SweepPoints.Point p : all) {
                Map<String, String> ps = new LinkedHashMap<>(machine.spec().set());
                ps.putAll(p.params());
                withFile.add(new SweepPoints.Point(p.index(), ps));
            }
            all = withFile;
        }
        for (SweepPoints.Point p : all) {
            List<String> ps = new ArrayList<>();
            p.params().forEach((k, v) -> ps.add(k + "=" + v));
            try {
                MachineArgs.checkSets(ps);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException((pointsFile != null ? pointsFile + ": point " + p.index() + ": " : "") + e.getMessage(), e);
            }
        }
        if (output != null) {
            Files2.output("-o", output, trace, pointsFile);
        }
        Files2.output("--report", report, trace, pointsFile, output);
        Sweep.Base base = new Sweep.Base(trace, machine.args(), stage2, continueAfterFault, attrs);
        for (String a : attrs) {
            new dev.gvsim.machine.replay.ReplayOptions().addAttrOverride(a); // validates before any point runs
        }
        List<SweepPoints.Point> run = sh == null ? all : SweepPoints.shard(all, sh);
        List<Map<String, Object>> results;
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        try (ProgressLine progress = ProgressLine.forCount(progressOptions.enabled(), spec.commandLine().getErr(), "sweep " + trace.getFileName(),
                done::get, run.size(), "points")) {
            results = Sweep.run(base, run, jobs, done);
        } catch (InputException e) {
            throw Files2.about(trace, e);
        }
        Map<String, Object> doc = Sweep.document(Sweep.header(base, how, all.size()), sh == null ? null : sh.toJson(), results);
        String js = Json.write(doc);
        if (output != null) {
            Files2.writeAtomically(output, js);
        }
        if (report != null) {
            Files2.writeAtomically(report, dev.gvsim.machine.report.SweepReport.html(ReportCommand.normalized(doc)));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(js);
        } else {
            printTable(out, results);
            if (sh != null) {
                out.printf("shard %d/%d: %d of %d points (%s)%s%n", sh.index(), sh.count(), run.size(), all.size(), SweepPoints.Shard.RULE,
                        output != null ? "; written to " + output : "");
            }
        }
        out.flush();
        boolean bad = results.stream().anyMatch(r -> !"clean".equals(r.get("outcome")));
        return bad ? Main.EXIT_MISBEHAVED : Main.EXIT_OK;
    }

    static void printTable(PrintWriter out, List<? extends Map<String, Object>> points) {
        out.printf("%5s  %-8s %7s %10s %18s  %s%n", "index", "outcome", "faults", "mismatches", "simulated time ps", "params");
        for (Map<String, Object> p : points) {
            StringBuilder ps = new StringBuilder();
            ((Map<?, ?>) p.get("params")).forEach((k, v) -> ps.append(ps.length() == 0 ? "" : " ").append(k).append('=').append(v));
            out.printf("%5s  %-8s %7s %10s %18s  %s%n", p.get("index"), p.get("outcome"), p.get("faultCount"), p.get("mismatchCount"),
                    p.get("simulatedTimePs"), ps);
        }
    }

    /** {@code gvsim sweep merge A.json B.json ... -o OUT.json}. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = {"Join the shard files of one sweep (every shard I/N of one N, each once) into the result the unsharded",
                    "run writes, byte for byte. Mismatched, repeated or missing shards are an error (exit 2)."})
    static final class Merge implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "SHARD", description = "Shard files written by 'gvsim sweep --shard I/N -o FILE'.")
        List<Path> shards = new ArrayList<>();

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the merged JSON to FILE (default: standard output).")
        Path output;

        @Option(names = "--report", paramLabel = "FILE.html", description = "Also write the merged sweep's HTML report (as 'sweep --report').")
        Path report;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<SweepMerge.Input> inputs = new ArrayList<>();
            for (Path p : shards) {
                Files2.input(p);
                JsonNode n;
                try {
                    n = Json.mapper().readTree(p.toFile());
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new InputException(p + ": not JSON (" + e.getOriginalMessage() + ")");
                }
                inputs.add(new SweepMerge.Input(p.toString(), n));
            }
            if (output != null) {
                Files2.output("-o", output, shards.toArray(Path[]::new));
            }
            List<Path> ins = new ArrayList<>(shards);
            ins.add(output);
            Files2.output("--report", report, ins.toArray(Path[]::new));
            Map<String, Object> merged = SweepMerge.merge(inputs);
            String js = Json.write(merged);
            if (report != null) {
                Files2.writeAtomically(report, dev.gvsim.machine.report.SweepReport.html(ReportCommand.normalized(merged)));
            }
            if (output != null) {
                Files2.writeAtomically(output, js);
            } else {
                spec.commandLine().getOut().print(js);
            }
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
    }
}
