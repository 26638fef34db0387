package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Json;
import dev.gvsim.simcli.util.Files2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim replay TRACE}: replays a trace through the model and reports what happened. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a guest trace (.gvt.txt, .gvt; .xz/.gz transparently) through MMU, bus, fabric and devices.",
                "Exit 0: no faults and no mismatches; 1: faults or mismatches; 2: bad input."})
final class ReplayCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRACE", description = "Trace file.")
    Path trace;

    @Option(names = "--json", description = "Print the JSON report (schema: docs/replay-json.md) instead of the summary.")
    boolean json;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Also write the JSON report to FILE; with --checkpoint-at, the checkpoint is written there instead.")
    Path output;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write a self-contained HTML report (outcome, faults, parameters, accesses as plots, scanouts) to FILE.html.")
    Path report;

    @Option(names = "--checkpoint-at", paramLabel = "N",
            description = "Stop after record N and save the whole machine state to the -o file (docs/checkpoint-format.md).")
    Long checkpointAt;

    @Option(names = "--restore", paramLabel = "STATE",
            description = "Continue from a checkpoint of this trace (may be combined with different --set/--attr overrides: branching).")
    Path restore;

    @Option(names = "--general-path",
            description = "Replay every record on the general per-record path (no runs of stores in one go); the output is the same, only slower.")
    boolean generalPath;

    @Option(names = "--dump-scanout", paramLabel = "DIR",
            description = "At the end, write what each display device shows (QXL: its primary surface) as DIR/<id>-scanout.png (DIR created if missing).")
    Path dumpScanout;

    @picocli.CommandLine.Mixin
    ReplayMachineOptions machine = new ReplayMachineOptions();

    @Option(names = "--max-listed", paramLabel = "N", defaultValue = "1000",
            description = "List at most N faults, mismatches and master aborts individually (all are counted). Default ${DEFAULT-VALUE}.")
    int maxListed;

    @picocli.CommandLine.Mixin
    ProgressLine.Options progressOptions = new ProgressLine.Options();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ReplayOptions opts = machine.replayOptions();
        opts.batchRuns = !generalPath;
        opts.maxListed = Math.max(0, maxListed);
        if (checkpointAt != null) {
            if (checkpointAt < 1) {
                throw new IllegalArgumentException("--checkpoint-at must be a record number >= 1, got " + checkpointAt);
            }
            if (output == null) {
                throw new IllegalArgumentException("--checkpoint-at needs -o STATE (where to write the checkpoint)");
            }
            opts.stopAfterRecords = checkpointAt;
        }
        Files2.input(trace);
        byte[] restoreBytes = null;
        if (restore != null) {
            restoreBytes = Files.readAllBytes(Files2.input(restore));
        }
        Files2.output("-o", output, trace, restore);
        Files2.output("--report", report, trace, restore, output);
        ReplayResult r;
        dev.gvsim.simcli.util.CountingInputStream counting = new dev.gvsim.simcli.util.CountingInputStream(Files.newInputStream(trace));
        Replayer replayer = restoreBytes != null
                ? Replayer.restore(opts, trace.toString(), restoreBytes, restore.getFileName().toString())
                : new Replayer(opts, trace.toString());
        TraceReader opened;
        try {
            opened = TraceFiles.open(counting);
        } catch (java.io.IOException | InputException e) {
            counting.close();
            throw Files2.about(trace, e);
        } catch (RuntimeException e) {
            counting.close();
            throw e;
        }
        String endWarning;
        try (TraceReader reader = opened;
                ProgressLine progress = ProgressLine.forFile(progressOptions.enabled(), spec.commandLine().getErr(), "replay", trace, counting::count)) {
            r = replayer.run(reader);
            endWarning = reader.endWarning();
        } catch (InputException e) {
            throw Files2.about(trace, e);
        }
        if (endWarning != null) {
            spec.commandLine().getErr().println("gvsim: warning: " + trace + ": " + endWarning);
        }
        if (dumpScanout != null) {
            for (String skipped : ScanoutDump.dump(replayer.machine().devices(), dumpScanout)) {
                spec.commandLine().getErr().println("gvsim: " + skipped);
            }
        }
        String js = Json.write(r.toJson());
        if (report != null) {
            Files2.writeAtomically(report, dev.gvsim.machine.report.ReplayReport.html(r.toJson(), dev.gvsim.machine.MachineBuilder.allParamDefs(),
                    ScanoutDump.pngs(replayer.machine().devices())));
        }
        if (checkpointAt != null) {
            if (replayer.stoppedCheckpoint() == null) {
                throw new InputException("the trace has only " + r.records + " records; no checkpoint at record " + checkpointAt);
            }
            dev.gvsim.simcli.util.Files2.writeAtomically(output, replayer.stoppedCheckpoint());
            spec.commandLine().getErr().printf("gvsim: checkpoint after record %,d written to %s%n", r.records, output);
        } else if (output != null) {
            dev.gvsim.simcli.util.Files2.writeAtomically(output, js);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(js);
        } else {
            ReplaySummary.print(out, r);
        }
        out.flush();
        return r.exitCode();
    }

    /**
     * An imported QEMU log names the virtio-gpu commands QEMU ran ({@code virtio_gpu_cmd_*} marks) but
     * holds no guest RAM, so the replayed device reads empty rings: both counts side by side, so a zero
     * on the model's side is not read as "the guest sent nothing".
     */
    static void printVirtioGpuCommands(PrintWriter out, ReplayResult r) {
        long logged = 0;
        for (Map<String, Object> m : r.marks) {
            if (String.valueOf(m.get("name")).startsWith("virtio_gpu_cmd_")) {
                logged++;
            }
        }
        if (logged == 0) {
            return;
        }
        StringBuilder chains = new StringBuilder();
        long processed = 0;
        for (Map.Entry<String, Object> e : r.devices.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> d && d.get("chains") instanceof List<?> c) {
                chains.append(chains.length() == 0 ? "" : ", ").append(e.getKey()).append(" controlq/cursorq ").append(c);
                for (Object n : c) {
                    processed += n instanceof Number x ? x.longValue() : 0;
                }
            }
        }
        out.printf("virtio-gpu %,d commands in the trace's virtio_gpu_cmd_* marks (what QEMU ran); chains the model processed: %s%s%n",
                logged, chains.length() == 0 ? "none (no virtio-gpu device)" : chains,
                chains.length() > 0 && processed == 0 ? " (the trace has no guest RAM, e.g. an imported QEMU log: the rings read as empty)" : "");
    }
}
