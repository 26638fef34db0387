package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.qos.QosMachine;
import dev.gvsim.machine.qos.QosMachineFile;
import dev.gvsim.machine.qos.QosMetrics;
import dev.gvsim.machine.qos.SharedGpu;
import dev.gvsim.machine.qos.VmSpec;
import dev.gvsim.simcore.Json;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim qos -device virtio-gpu-pci,vm=A,... -device ...}: several VMs on one host GPU under a scheduler (issue 28, docs/qos.md). */
@Command(name = "qos", mixinStandardHelpOptions = true,
        description = "Run several VMs, each its own -device virtio-gpu-pci with vm=NAME, on one shared host GPU under a scheduling "
                + "policy (--set qos.policy=best-effort|equal-share|fixed-share|weighted) and print each VM's GPU share, frame times, "
                + "deadline misses and scheduling latency, with share deviation, Jain's index and work conservation (docs/qos.md).")
final class QosCommand implements Callable<Integer> {
    private static final ParamDef DURATION = ParamDef.duration("duration", "5s", "the --duration option", "simulated time of the run");

    @Option(names = "-M", paramLabel = "TYPE", description = "Machine type of every VM (only virt).")
    String machineType;

    @Option(names = "-device", paramLabel = "DEV",
            description = "One VM: virtio-gpu-pci,vm=NAME[,workload=interactive|heavy|bursty|recorded][,weight=1-65535][,cap=0-100][,fps=F]"
                    + "[,batches=N][,frame_cost=DURATION][,trace=FILE[,speedup=S]][,device options]. Repeatable (one per VM); "
                    + "with -machine-file, added after the file's VMs.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--vm", paramLabel = "NAME=TRACE",
            description = "A VM replaying its own trace (a QEMU log of a virtio-gpu guest): short for -device virtio-gpu-pci,vm=NAME,trace=TRACE. "
                    + "Repeatable; added after the -device VMs.")
    List<String> traceVms = new ArrayList<>();

    @Option(names = "-machine-file", paramLabel = "FILE",
            description = "The VMs from a multi-VM machine file (JSON: set, vms[] with name, workload, weight, cap, fps, trace, machine; "
                    + "docs/qos.md). Its set comes before --set (the command line wins); not with -M.")
    Path machineFile;

    @Option(names = "--print-machine-file", description = "Print the description as a multi-VM machine file instead of running it.")
    boolean printMachineFile;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "A model parameter (qos.*, display.*; list: gvsim params). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "5s", description = "Simulated time of the run, 100ms-600s (default 5s).")
    String duration;

    @Option(names = "--json", description = "Print the metrics as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MachineArgs.checkSets(sets);
        long dur;
        try {
            dur = new Params().declare(DURATION).set(DURATION.name(), duration).getDuration(DURATION);
        } catch (IllegalArgumentException e) {
            dur = -1;
        }
        if (dur < 100_000_000_000L || dur > 600_000_000_000_000L) {
            throw new IllegalArgumentException("--duration must be 100ms-600s (e.g. 5s), got '" + duration + "'");
        }
        List<QosMachine.Guest> guests = new ArrayList<>();
        List<String> all = new ArrayList<>();
        Path base = null;
        if (machineFile != null) {
            if (machineType != null) {
                throw new IllegalArgumentException("-M " + machineType + " and -machine-file " + machineFile + " both give the machine: give it in one place");
            }
            QosMachineFile.Description d = QosMachineFile.read(machineFile);
            guests.addAll(d.guests());
            all.addAll(d.sets());
            base = machineFile.toAbsolutePath().getParent();
        }
        all.addAll(sets);
        for (String v : traceVms) {
            int eq = v.indexOf('=');
            if (eq <= 0 || eq == v.length() - 1 || v.indexOf(',') >= 0) {
                throw new IllegalArgumentException("--vm expects NAME=TRACE (a VM name and its trace file, no commas), got '" + v + "'");
            }
            devices.add("virtio-gpu-pci,vm=" + v.substring(0, eq) + ",trace=" + v.substring(eq + 1));
        }
        if (!devices.isEmpty() || machineFile == null) {
            List<QosMachine.Guest> more = QosMachine.parse(MachineArgs.join(machineType, devices));
            for (QosMachine.Guest g : more) {
                if (guests.stream().anyMatch(x -> x.name().equals(g.name()))) {
                    throw new IllegalArgumentException("-device vm=" + g.name() + ": the machine file " + machineFile + " already has a VM of that name");
                }
            }
            for (QosMachine.Guest g : more) {
                // a command-line trace path is the working directory's, not the machine file's
                guests.add(g.trace() == null || base == null ? g : new QosMachine.Guest(g.name(), g.workload(), g.weight(), g.cap(), g.fps(), g.batches(),
                        g.frameCostPs(), g.machineArgs(), Path.of(g.trace()).toAbsolutePath().toString(), g.speedup()));
            }
        }
        Params p = MachineBuilder.declaredParams();
        for (String s : all) {
            p.set(s);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (printMachineFile) {
            out.print(QosMachineFile.write(guests, all));
            out.flush();
            return Main.EXIT_OK;
        }
        List<VmSpec> vms = QosMachine.vms(guests, all, base);
        QosMetrics m = new SharedGpu(vms, p, dur).run();
        Map<String, Object> r = m.report();
        if (json) {
            out.print(Json.write(Map.of("qos", r)));
        } else {
            @SuppressWarnings("unchecked")
            Map<String, Object> s1 = (Map<String, Object>) r.get("shares1s");
            @SuppressWarnings("unchecked")
            Map<String, Object> s100 = (Map<String, Object>) r.get("shares100ms");
            out.printf("policy %s, %s ms simulated: GPU busy %s %%, work conservation %s %%, max share deviation %s %% (100 ms) / %s %% (1 s), "
                    + "Jain (1 s) mean %s%n", r.get("policy"), r.get("durationMs"), r.get("utilisationPercent"), r.get("workConservationPercent"),
                    s100.get("maxDeviationPercent"), s1.get("maxDeviationPercent"), s1.get("meanJain"));
            out.printf("%-12s %-11s %6s %4s %6s %10s %8s %7s %8s %8s %8s %6s %12s%n", "vm", "workload", "weight", "cap", "fps", "frame us", "share %",
                    "frames", "p50 ms", "p95 ms", "p99 ms", "misses", "sched p99 us");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> per = (Map<String, Map<String, Object>>) r.get("vms");
            per.forEach((name, v) -> out.printf("%-12s %-11s %6s %4s %6s %10s %8s %7s %8s %8s %8s %6s %12s%n", name, v.get("workload"), v.get("weight"),
                    v.get("capPercent"), v.get("fps"), v.get("frameCostUs"), v.get("sharePercent"), v.get("framesDone"), v.get("frameTimeP50Ms"),
                    v.get("frameTimeP95Ms"), v.get("frameTimeP99Ms"), v.get("deadlineMisses"), v.get("schedLatencyP99Us")));
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
