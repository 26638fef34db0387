package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.qos.QosMachine;
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

    @Option(names = "-device", paramLabel = "DEV", required = true,
            description = "One VM: virtio-gpu-pci,vm=NAME[,workload=interactive|heavy|bursty][,weight=1-65535][,cap=0-100][,fps=F]"
                    + "[,batches=N][,frame_cost=DURATION][,device options]. Repeatable (one per VM).")
    List<String> devices = new ArrayList<>();

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
        Params p = MachineBuilder.declaredParams();
        for (String s : sets) {
            p.set(s);
        }
        List<VmSpec> vms = QosMachine.vms(MachineArgs.join(machineType, devices), sets);
        QosMetrics m = new SharedGpu(vms, p, dur).run();
        Map<String, Object> r = m.report();
        PrintWriter out = spec.commandLine().getOut();
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
