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
import dev.gvsim.guesttraces.format.TextTraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;

/**
 * Decoding the real QXL guest trace (1.98 M records) from memory: the text form and the binary
 * form (the floor a replay cannot beat). Ops = records.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx2g"})
public class TraceDecodeBenchmark {
    private byte[] text;
    private byte[] binary;
    private final TraceRecord rec = new TraceRecord();

    @Setup
    public void setup() throws Exception {
        text = RealTrace.text();
        binary = RealTrace.binary();
    }

    @Benchmark
    @OperationsPerInvocation(RealTrace.RECORDS)
    public long textDecode() throws Exception {
        long sum = 0;
        try (TextTraceReader r = new TextTraceReader(new ByteArrayInputStream(text))) {
            while (r.next(rec)) {
                sum += rec.va;
            }
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(RealTrace.RECORDS)
    public long binaryDecode() throws Exception {
        long sum = 0;
        try (BinaryTraceReader r = new BinaryTraceReader(new ByteArrayInputStream(binary))) {
            while (r.next(rec)) {
                sum += rec.va;
            }
        }
        return sum;
    }
}
