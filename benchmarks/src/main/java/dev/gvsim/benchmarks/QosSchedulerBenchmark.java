package dev.gvsim.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.machine.qos.QosParams;
import dev.gvsim.machine.qos.SharedGpu;
import dev.gvsim.machine.qos.TraceWork;
import dev.gvsim.machine.qos.VmSpec;
import dev.gvsim.machine.qos.Workload;
import dev.gvsim.simcore.Params;

/**
 * Issue 28: the shared GPU's dispatch path (docs/qos.md): one event per op (a batch ending, the
 * policy picking the next VM, the piece starting on the engine, a closed-loop VM submitting its next
 * frame, the metrics windows and histograms updated) with four saturating VMs and one interactive
 * VM, 10 us batches, under each policy. Must allocate nothing per op. A run is 1000 s of simulated
 * time (~10^8 events); when it ends a new one is built (≈ 0 B/op).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Thread)
public class QosSchedulerBenchmark {
    static final long US = 1_000_000L;

    @Param({"best-effort", "equal-share", "weighted"})
    public String policy;

    /** qos.switch_cost: free switches, or a cost on every switch between VMs' contexts. */
    @Param({"0ns"})
    public String switchCost;

    /** With a VM replaying a (synthetic) trace's jobs at their recorded times and a heavy VM cycling a trace's costs. */
    @Param({"false"})
    public boolean traced;

    SharedGpu gpu;

    @Setup
    public void setup() {
        gpu = build();
    }

    SharedGpu build() {
        List<VmSpec> vms = new ArrayList<>();
        vms.add(new VmSpec("desk", Workload.INTERACTIVE, 1, 0, 60, 160 * US, 1, "bench"));
        for (int i = 0; i < 4; i++) {
            vms.add(new VmSpec("heavy" + i, Workload.HEAVY, 1 + i, 0, 0, 10 * US, 1, "bench"));
        }
        if (traced) {
            TraceWork t = new TraceWork("bench", "bench", 1, new long[] {0, 3000 * US, 4000 * US, 12_000 * US}, new long[] {160 * US, 20 * US, 40 * US,
                    160 * US}, 16_667 * US, 4);
            vms.add(new VmSpec("rec", Workload.RECORDED, 1, 0, 0, t.meanCostPs(), 1, "bench", t));
            vms.add(new VmSpec("heavyTrace", Workload.HEAVY, 1, 0, 0, t.meanCostPs(), 2, "bench", t));
        }
        Params p = new Params().declareAll(QosParams.ALL);
        p.set(QosParams.POLICY.name(), policy);
        p.set(QosParams.SWITCH_COST.name(), switchCost);
        return new SharedGpu(vms, p, 1_000_000 * 1_000_000_000L).start();
    }

    @Benchmark
    public boolean dispatchOneEvent() {
        if (!gpu.step()) {
            gpu = build();
        }
        return true;
    }
}
