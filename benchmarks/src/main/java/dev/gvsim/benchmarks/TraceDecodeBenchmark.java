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
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;

/**
 * Decoding the real QXL guest trace (1.98 M records) from memory: the text form and the binary
 * form (the floor a replay cannot beat). Ops = records.
 *
 * <p>Each form is its own {@link State}, so a benchmark's fork holds only the bytes it decodes: with
 * one state holding both, the binary decode ran with the 270 MB text array in its heap as well and
 * measured ~15 % slower (26 vs 22 M records/s in one back-to-back pair), which flattered the
 * replay-to-floor ratio.
 *
 * <p>The record is allocated per invocation, as {@code Replayer.run} allocates one per run. A record
 * kept for the whole trial is promoted to the old generation at the first GC, after which every
 * reference the decoder stores into it (op, sym, x- key and value) takes G1's cross-region
 * post-write barrier (a StoreLoad fence): measured 17.5 ns/record without GC (Epsilon) against
 * 35-53 ns/record after the first young GC, which no replay sees (a replay allocates nothing per
 * record, so its record stays young).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx2g"})
public class TraceDecodeBenchmark {
    /** The trace as text bytes. */
    @State(Scope.Thread)
    public static class TextInput {
        byte[] text;

        @Setup
        public void setup() throws Exception {
            text = RealTrace.text();
        }
    }

    /** The trace as binary {@code .gvt} bytes. */
    @State(Scope.Thread)
    public static class BinaryInput {
        byte[] binary;

        @Setup
        public void setup() throws Exception {
            binary = RealTrace.binary();
        }
    }

    @Benchmark
    @OperationsPerInvocation(RealTrace.RECORDS)
    public long textDecode(TextInput in) throws Exception {
        try (TextTraceReader r = new TextTraceReader(new ByteArrayInputStream(in.text))) {
            return decodeAll(r);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RealTrace.RECORDS)
    public long binaryDecode(BinaryInput in) throws Exception {
        try (BinaryTraceReader r = new BinaryTraceReader(new ByteArrayInputStream(in.binary))) {
            return decodeAll(r);
        }
    }

    /**
     * The binary decode as the replayer asks for it: x- keys omitted ({@code omitExtensions}) and the
     * caller only reads its record ({@code callerOnlyReadsRecords}), so the reader resets less. Not
     * the floor (a reader of the format gets every field), but the decode share of a replay: replay
     * time minus this is the model's.
     */
    @Benchmark
    @OperationsPerInvocation(RealTrace.RECORDS)
    public long binaryDecodeAsReplayer(BinaryInput in) throws Exception {
        try (BinaryTraceReader r = new BinaryTraceReader(new ByteArrayInputStream(in.binary))) {
            r.omitExtensions();
            r.callerOnlyReadsRecords();
            return decodeAll(r);
        }
    }

    /**
     * The binary decode as the replayer's runs of stores ask for it (issue 29): after a {@code wr} of
     * at most 8 bytes without {@code t=}, the stores that would continue it are counted ahead
     * ({@code peekRunStores}, to the end of the page, all taken with {@code commitRunStores}) when
     * they carry no value, else asked of the reader's short path one by one ({@code nextRunStore}),
     * before {@code next}. The decode share of a replay of the real trace, whose stores are nearly
     * all in runs.
     */
    @Benchmark
    @OperationsPerInvocation(RealTrace.RECORDS)
    public long binaryDecodeRunStores(BinaryInput in) throws Exception {
        try (BinaryTraceReader r = new BinaryTraceReader(new ByteArrayInputStream(in.binary))) {
            r.omitExtensions();
            r.callerOnlyReadsRecords();
            TraceRecord rec = new TraceRecord();
            long sum = 0;
            long va = 0;
            long size = 0;
            int flags = 0;
            int cpu = 0;
            boolean val = false;
            boolean store = false;
            while (true) {
                if (store && !val) {
                    long next = va + size;
                    int m = r.peekRunStores(next, size, flags, cpu, (int) ((((next | 0xFFF) + 1) - next) / size));
                    if (m > 0) {
                        r.commitRunStores(m);
                        va += m * size;
                        sum += va;
                        continue;
                    }
                }
                if (store && r.nextRunStore(va + size, size, flags, cpu, val)) {
                    va += size;
                    sum += va;
                    continue;
                }
                if (!r.next(rec)) {
                    return sum;
                }
                sum += rec.va;
                store = rec.op == dev.gvsim.guesttraces.format.Op.WR && !rec.hasT && rec.size <= 8;
                va = rec.va;
                size = rec.size;
                flags = rec.flags;
                cpu = rec.cpu;
                val = rec.hasVal;
            }
        }
    }

    /** Reads every record into one record allocated per run, as the replayer does (see the class comment). */
    private static long decodeAll(TraceReader r) throws Exception {
        TraceRecord rec = new TraceRecord();
        long sum = 0;
        while (r.next(rec)) {
            sum += rec.va;
        }
        return sum;
    }
}
