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
        Params p = new Params().declareAll(QosParams.ALL);
        p.set(QosParams.POLICY.name(), policy);
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
