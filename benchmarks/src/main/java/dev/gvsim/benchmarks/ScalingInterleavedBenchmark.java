package dev.gvsim.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.machine.Machine;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/**
 * {@link ScalingBenchmark}'s question (does the replay rate depend on trace length?) with the three
 * lengths in one fork, interleaved: one invocation replays the generated trace 100 times at 10^6
 * accesses, 10 times at 10^7 and once at 10^8, in rounds (ten 10^6 runs, one 10^7 run; the 10^8 run
 * after the fifth round), each on a fresh machine whose device memory was written once before (as
 * in ScalingBenchmark, untimed). So every length runs with the same compiled code and in the same
 * speed phase of the machine, which per-length forks do not give on this VM (their means move by
 * ~10 % from run to run with the phase alone; benchmarks/RESULTS.md).
 *
 * <p>The per-length rates are the secondary results {@code psPerAccess1e6}, {@code psPerAccess1e7}
 * and {@code psPerAccess1e8}: the replay's wall time (System.nanoTime around each replay, the way
 * JMH times an invocation) summed per length and divided by its accesses, in picoseconds per access.
 * JMH sums such counters over the iterations, so each measurement iteration contributes its value
 * divided by the number of measurement iterations: the summary line is the mean, and an iteration's
 * own value is its line times that number. The primary score is the whole invocation and says
 * nothing by itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m"})
public class ScalingInterleavedBenchmark {
    static final long[] LENGTHS = {1_000_000, 10_000_000, 100_000_000};

    /** Per-length replay time per access of one iteration (one invocation), picoseconds. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PerLength {
        public double psPerAccess1e6;
        public double psPerAccess1e7;
        public double psPerAccess1e8;
        /** How many iterations of this kind (warm-up or measurement) JMH runs: it sums the counters over them. */
        double iterations = 1;

        @Setup(Level.Iteration)
        public void clear(org.openjdk.jmh.infra.IterationParams p) {
            psPerAccess1e6 = 0;
            psPerAccess1e7 = 0;
            psPerAccess1e8 = 0;
            iterations = Math.max(1, p.getCount());
        }

        void set(long[] ns, long[] accesses) {
            psPerAccess1e6 = 1000.0 * ns[0] / accesses[0] / iterations;
            psPerAccess1e7 = 1000.0 * ns[1] / accesses[1] / iterations;
            psPerAccess1e8 = 1000.0 * ns[2] / accesses[2] / iterations;
        }
    }

    @Benchmark
    public long lengthsInterleaved(PerLength out) throws Exception {
        long[] ns = new long[LENGTHS.length];
        long[] done = new long[LENGTHS.length];
        long simulated = 0;
        for (int round = 0; round < 10; round++) {
            for (int k = 0; k < 10; k++) {
                simulated += timed(0, ns, done);
            }
            simulated += timed(1, ns, done);
            if (round == 4) {
                simulated += timed(2, ns, done);
            }
        }
        out.set(ns, done);
        return simulated;
    }

    /** One replay of LENGTHS[k] on a fresh machine, its device memory written first (untimed). */
    private static long timed(int k, long[] ns, long[] done) throws Exception {
        Machine m = ScalingBenchmark.touchedMachine();
        long t0 = System.nanoTime();
        ReplayResult r = new Replayer(new ReplayOptions(), "generated", m).run(new ScalingBenchmark.GeneratedTrace(LENGTHS[k]));
        ns[k] += System.nanoTime() - t0;
        if (r.accesses != LENGTHS[k]) {
            throw new IllegalStateException("replayed " + r.accesses + " of " + LENGTHS[k]);
        }
        done[k] += r.accesses;
        return r.simulatedTimePs;
    }
}
