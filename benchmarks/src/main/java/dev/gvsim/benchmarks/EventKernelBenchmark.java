package dev.gvsim.benchmarks;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.EventKernel;

/**
 * The event kernel against {@link PriorityQueue} on the same schedule/dispatch mix: a steady
 * population of {@code pending} events; each dispatched event schedules one new event at a random
 * delay (the hold model of discrete-event simulation). Ops = events dispatched.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class EventKernelBenchmark {
    static final int BATCH = 100_000;

    @Param({"64", "4096"})
    int pending;

    private long[] delays;
    private EventKernel kernel;
    private PriorityQueue<Ev> queue;
    private long queueNow;
    private long queueSeq;
    private int di;
    private Blackhole bh;
    private final EventHandler handler = this::onEvent;

    /** What a PriorityQueue-based kernel needs per event: an object with time, sequence and payload. */
    static final class Ev implements Comparable<Ev> {
        final long time;
        final long seq;
        final long arg;

        Ev(long time, long seq, long arg) {
            this.time = time;
            this.seq = seq;
            this.arg = arg;
        }

        @Override
        public int compareTo(Ev o) {
            return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
        }
    }

    @Setup(Level.Trial)
    public void setup(Blackhole blackhole) {
        bh = blackhole;
        SplittableRandom r = new SplittableRandom(7);
        delays = new long[1 << 16];
        for (int i = 0; i < delays.length; i++) {
            delays[i] = 1 + r.nextLong(10_000);
        }
        kernel = new EventKernel(pending * 2);
        for (int i = 0; i < pending; i++) {
            kernel.schedule(delays[i], handler, i);
        }
        queue = new PriorityQueue<>(pending * 2);
        for (int i = 0; i < pending; i++) {
            queue.add(new Ev(delays[i], queueSeq++, i));
        }
    }

    private long nextDelay() {
        di = (di + 1) & (delays.length - 1);
        return delays[di];
    }

    private void onEvent(long now, long arg) {
        bh.consume(arg);
        kernel.schedule(now + nextDelay(), handler, arg);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void eventKernel() {
        for (int i = 0; i < BATCH; i++) {
            kernel.step();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void priorityQueue() {
        for (int i = 0; i < BATCH; i++) {
            Ev e = queue.poll();
            queueNow = e.time;
            bh.consume(e.arg);
            queue.add(new Ev(queueNow + nextDelay(), queueSeq++, e.arg));
        }
    }
}
