package dev.gvsim.benchmarks;

import java.io.ByteArrayInputStream;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.guesttraces.format.BinaryTraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/**
 * Full-path replay of the real QXL guest trace (binary, from memory) through MMU, write gathering,
 * system bus, PCI fabric and the QXL device, on one core. Ops = CPU accesses (1,983,797 per
 * invocation; the machine is built once per invocation, as a CLI run does). Compare with
 * {@link TraceDecodeBenchmark#binaryDecode} (the floor) in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g"})
public class ReplayBenchmark {
    private byte[] binary;

    @Setup
    public void setup() throws Exception {
        binary = RealTrace.binary();
    }

    @Benchmark
    @OperationsPerInvocation(RealTrace.ACCESSES)
    public long replayRealQxlTrace() throws Exception {
        ReplayOptions o = new ReplayOptions();
        ReplayResult r;
        try (BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(binary))) {
            r = new Replayer(o, "bench").run(in);
        }
        if (r.accesses != RealTrace.ACCESSES) {
            throw new IllegalStateException("replayed " + r.accesses + " accesses");
        }
        return r.simulatedTimePs;
    }
}
