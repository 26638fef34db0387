package dev.gvsim.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/**
 * Replay rate against trace length: a generated trace (never held in memory) of N accesses in the
 * QXL guest trace's mix (8-byte stores streaming through BAR1 Normal-NC, one 4-byte read every 64
 * records) replayed with a 256 MiB heap. The average time per invocation (after the same JIT warm-up
 * at every length, then time-based warm-up) divided by N gives the rate; it
 * must stay within 10 % from 10^6 to 10^8 (no growth with length: streaming, no accumulation).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m"})
public class ScalingBenchmark {
    @Param({"1000000", "10000000", "100000000"})
    long accesses;

    /** Streams a synthetic trace: machine, one map of BAR1, then the accesses. */
    static final class GeneratedTrace implements TraceReader {
        static final long VA = 0xffff_8000_1400_0000L;
        static final long PA = 0x1400_0000L;
        /**
         * 4 MiB, so every length touches the same working set (10^6 8-byte stores already wrap it
         * twice): the comparison isolates length, not how much fresh device memory a run first-touches.
         */
        static final long SPAN = 4L << 20;
        private final long n;
        private long i = -2;

        GeneratedTrace(long n) {
            this.n = n;
        }

        @Override
        public boolean next(TraceRecord r) {
            r.clear();
            if (i == -2) {
                r.op = Op.MARK; // the machine is built in setup (see freshMachine)
                r.name = "start";
            } else if (i == -1) {
                r.op = Op.MAP;
                r.va = VA;
                r.pa = PA;
                r.size = SPAN;
                r.attr = 4; // normal-nc
            } else if (i < n) {
                boolean read = (i & 63) == 63;
                r.op = read ? Op.RD : Op.WR;
                r.va = VA + ((i << 3) & (SPAN - 1));
                r.size = read ? 4 : 8;
                if (!read) {
                    r.hasVal = true;
                    r.val = i;
                }
            } else {
                return false;
            }
            i++;
            r.index = i + 2;
            r.line = -1;
            return true;
        }

        @Override
        public void close() {
        }
    }

    private dev.gvsim.machine.Machine machine;

    /** Replays of {@link #JIT_WARMUP_ACCESSES} accesses each in {@link #sameJitAtEveryLength}. */
    static final int JIT_WARMUP_RUNS = 30;
    static final long JIT_WARMUP_ACCESSES = 1_000_000;

    /**
     * The same JIT warm-up in every fork, whatever the length: {@value #JIT_WARMUP_RUNS} replays of
     * 10^6 accesses on fresh machines before the first iteration. Time-based warm-up alone gives each
     * length's fork a different history (a 5 s warm-up is ~100 invocations at 10^6 and one at 10^8,
     * where the loop runs on-stack-replaced), so each length ran differently compiled code: the 10^7
     * forks came out ~10 % slower in every earlier run while the three lengths replayed within 2.6 %
     * of each other with the same compiled code (benchmarks/RESULTS.md, 2026-11-26).
     */
    @org.openjdk.jmh.annotations.Setup(org.openjdk.jmh.annotations.Level.Trial)
    public void sameJitAtEveryLength() throws Exception {
        for (int k = 0; k < JIT_WARMUP_RUNS; k++) {
            new Replayer(new ReplayOptions(), "jit warm-up", newMachine()).run(new GeneratedTrace(JIT_WARMUP_ACCESSES));
        }
    }

    /**
     * A fresh machine per invocation, built outside the measurement, and its 4 MiB of device memory
     * written once (one pass of the same trace): the goal is the per-record rate at each length, not
     * the one-off machine construction or the first touch of fresh direct memory (page faults and
     * zeroing, the same milliseconds at every length, so a larger share of a short run).
     */
    @org.openjdk.jmh.annotations.Setup(org.openjdk.jmh.annotations.Level.Invocation)
    public void freshMachine() throws Exception {
        machine = touchedMachine();
    }

    /** The machine a generated trace runs on: QXL on arm virt. */
    static dev.gvsim.machine.Machine newMachine() {
        return dev.gvsim.machine.MachineBuilder.build("-M virt -device qxl", java.util.List.of());
    }

    /** {@link #newMachine} with its 4 MiB of device memory written once (see {@link #freshMachine}). */
    static dev.gvsim.machine.Machine touchedMachine() throws Exception {
        dev.gvsim.machine.Machine m = newMachine();
        new Replayer(new ReplayOptions(), "first touch", m).run(new GeneratedTrace(GeneratedTrace.SPAN / 8));
        return m;
    }

    @Benchmark
    public long replayGenerated() throws Exception {
        ReplayResult r = new Replayer(new ReplayOptions(), "generated", machine).run(new GeneratedTrace(accesses));
        if (r.accesses != accesses) {
            throw new IllegalStateException("replayed " + r.accesses);
        }
        return r.simulatedTimePs;
    }
}
