package dev.gvsim.benchmarks;

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 21: one refresh thread for all windows against a refresh thread per window, with real frame
 * handoffs and real present copies on this machine.
 *
 * <p>N windows each have a producer thread (the guest's flush: it stamps the frame number into a free
 * frame slot and hands the slot's index on; it does not render) and S = 3 preallocated 1080p XRGB
 * frame slots in direct memory. Presenting a frame copies its damaged rectangle row by row (stride
 * 7,680 B) from the slot into the window's texture buffer (the upload), then returns the slot.
 * Handoffs are jctools array queues of preboxed small {@code Integer} slot indices (the JDK's cache),
 * so nothing is allocated per frame.
 * <ul>
 *   <li>{@code oneThreadRoundRobin}: one consumer thread polls every window's SPSC ready queue in
 *   turn (QEMU's one GUI refresh timer walking all consoles);</li>
 *   <li>{@code oneThreadMpsc}: one consumer thread, all windows' producers offer {@code window * S +
 *   slot} into one MPSC queue;</li>
 *   <li>{@code threadPerWindow}: one consumer thread per window, each with its own SPSC queue.</li>
 * </ul>
 * Fixed work: one invocation delivers {@link #FRAMES} frames to every window; the threads live for the
 * whole trial and are released per invocation. With {@code @OperationsPerInvocation(FRAMES)} the
 * throughput is frames/s delivered <em>per window</em> (total = N times that). Waiting threads spin
 * briefly, then yield, then park 20 µs: this machine has 2 cores, fewer than the threads here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "-Xmx1g", "-XX:MaxDirectMemorySize=1g"})
public class DisplayRefreshBenchmark {
    static final int FRAMES = 32;
    static final int SLOTS = 3;
    static final int STRIDE = DisplayPathBenchmark.W_1080P * DisplayPathBenchmark.BPP;
    static final int FRAME_BYTES = STRIDE * DisplayPathBenchmark.H_1080P;
    private static final Integer[] BOXED = new Integer[128];

    static {
        for (int i = 0; i < BOXED.length; i++) {
            BOXED[i] = Integer.valueOf(i); // the JDK's Integer cache: offering these allocates nothing
        }
    }

    @Param({"1", "4"})
    public int windows;

    @Param({"oneThreadRoundRobin", "oneThreadMpsc", "threadPerWindow"})
    public String refresh;

    /** The damaged rectangle presented per frame, centred in the 1080p frame. */
    @Param({"1920x1080", "256x128"})
    public String damage;

    int firstOffset, rowBytes, rows;
    UnsafeBuffer[][] slots;
    UnsafeBuffer[] texture;
    SpscArrayQueue<Integer>[] free;
    SpscArrayQueue<Integer>[] ready;
    MpscArrayQueue<Integer> mpscReady;
    Thread[] threads;
    volatile int generation;
    volatile boolean stop;
    final AtomicInteger consumersLeft = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile Thread waiter;

    @SuppressWarnings("unchecked")
    @Setup(Level.Trial)
    public void setup() {
        String[] wh = damage.split("x");
        int w = Integer.parseInt(wh[0]), h = Integer.parseInt(wh[1]);
        rowBytes = w * DisplayPathBenchmark.BPP;
        rows = h;
        firstOffset = ((DisplayPathBenchmark.H_1080P - h) / 2) * STRIDE + ((DisplayPathBenchmark.W_1080P - w) / 2) * DisplayPathBenchmark.BPP;
        slots = new UnsafeBuffer[windows][SLOTS];
        texture = new UnsafeBuffer[windows];
        free = new SpscArrayQueue[windows];
        ready = new SpscArrayQueue[windows];
        for (int win = 0; win < windows; win++) {
            for (int s = 0; s < SLOTS; s++) {
                slots[win][s] = DisplayPathBenchmark.direct(FRAME_BYTES, win * 16 + s);
            }
            texture[win] = DisplayPathBenchmark.direct(FRAME_BYTES, 1000 + win);
            free[win] = new SpscArrayQueue<>(SLOTS);
            ready[win] = new SpscArrayQueue<>(SLOTS);
            for (int s = 0; s < SLOTS; s++) {
                free[win].offer(BOXED[s]);
            }
        }
        mpscReady = new MpscArrayQueue<>(windows * SLOTS);
        int consumers = refresh.equals("threadPerWindow") ? windows : 1;
        threads = new Thread[windows + consumers];
        for (int win = 0; win < windows; win++) {
            int wi = win;
            threads[win] = new Thread(() -> worker(() -> produce(wi), false), "producer-" + win);
        }
        for (int c = 0; c < consumers; c++) {
            int ci = c;
            Runnable body = switch (refresh) {
                case "oneThreadRoundRobin" -> this::consumeRoundRobin;
                case "oneThreadMpsc" -> this::consumeMpsc;
                case "threadPerWindow" -> () -> consumeWindow(ci);
                default -> throw new IllegalArgumentException(refresh);
            };
            threads[windows + c] = new Thread(() -> worker(body, true), "refresh-" + c);
        }
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
    }

    /** One invocation: every window delivers FRAMES frames. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int deliverFrames() {
        int consumers = threads.length - windows;
        consumersLeft.set(consumers);
        waiter = Thread.currentThread();
        generation++;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        while (consumersLeft.get() != 0) {
            LockSupport.park(this);
            Throwable f = failure.get();
            if (f != null) {
                throw new IllegalStateException(f);
            }
        }
        return generation;
    }

    /** Runs body once per generation until stopped; a consumer reports its end of each generation. */
    private void worker(Runnable body, boolean consumer) {
        int seen = 0;
        try {
            while (true) {
                while (generation == seen && !stop) {
                    LockSupport.park(this);
                }
                if (stop) {
                    return;
                }
                seen = generation;
                body.run();
                if (consumer && consumersLeft.decrementAndGet() == 0) {
                    LockSupport.unpark(waiter);
                }
            }
        } catch (Throwable t) {
            failure.set(t);
            LockSupport.unpark(waiter);
        }
    }

    static int backoff(int idle) {
        if (idle < 64) {
            Thread.onSpinWait();
        } else if (idle < 128) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(20_000);
        }
        return idle + 1;
    }

    private void produce(int win) {
        boolean mpsc = refresh.equals("oneThreadMpsc");
        for (int f = 0; f < FRAMES; f++) {
            Integer s;
            int idle = 0;
            while ((s = free[win].poll()) == null) {
                if (stop) {
                    return;
                }
                idle = backoff(idle);
            }
            slots[win][s].putLong(firstOffset, generation * (long) FRAMES + f); // the flush: frame number
            if (mpsc) {
                while (!mpscReady.offer(BOXED[win * SLOTS + s])) {
                    Thread.onSpinWait();
                }
            } else {
                ready[win].offer(s); // never full: at most SLOTS indices in flight
            }
        }
    }

    /** The present: the damaged rectangle, row by row, into the window's texture (the upload copy). */
    private void present(int win, int s) {
        UnsafeBuffer src = slots[win][s], dst = texture[win];
        int off = firstOffset;
        for (int y = 0; y < rows; y++, off += STRIDE) {
            dst.putBytes(off, src, off, rowBytes);
        }
        free[win].offer(BOXED[s]);
    }

    private void consumeWindow(int win) {
        SpscArrayQueue<Integer> q = ready[win];
        for (int f = 0; f < FRAMES; f++) {
            Integer s;
            int idle = 0;
            while ((s = q.poll()) == null) {
                if (stop) {
                    return;
                }
                idle = backoff(idle);
            }
            present(win, s);
        }
    }

    private void consumeRoundRobin() {
        int left = windows * FRAMES;
        int idle = 0;
        while (left > 0) {
            boolean any = false;
            for (int win = 0; win < windows; win++) {
                Integer s = ready[win].poll();
                if (s != null) {
                    present(win, s);
                    left--;
                    any = true;
                }
            }
            if (any) {
                idle = 0;
            } else {
                if (stop) {
                    return;
                }
                idle = backoff(idle);
            }
        }
    }

    private void consumeMpsc() {
        Queue<Integer> q = mpscReady;
        int left = windows * FRAMES;
        int idle = 0;
        while (left > 0) {
            Integer ws = q.poll();
            if (ws == null) {
                if (stop) {
                    return;
                }
                idle = backoff(idle);
                continue;
            }
            idle = 0;
            int v = ws;
            present(v / SLOTS, v % SLOTS);
            left--;
        }
    }
}
