package dev.gvsim.machine.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Independent runs (scenarios, sweep points; each builds its own machine) on a fixed-size pool of
 * {@code jobs} threads, their results read back in input order with {@link #get(int)}, so whatever
 * prints them prints the same bytes as a serial run. With {@code jobs == 1} nothing is started: each
 * run happens in the caller's thread when its result is asked for, exactly as a plain loop would.
 * A run that throws rethrows from {@code get} of its index (the first failure in input order is the
 * one a serial run would have reported); {@link #close()} stops the runs not started yet.
 */
public final class ParallelRuns<I, R> implements AutoCloseable {
    /** One run: builds its own machine from {@code input}. */
    @FunctionalInterface
    public interface Run<I, R> {
        R run(I input) throws Exception;
    }

    private final List<I> inputs;
    private final Run<I, R> run;
    private final ExecutorService pool;
    private final List<Future<R>> futures;

    public ParallelRuns(List<I> inputs, Run<I, R> run, int jobs) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1 (got " + jobs + ")");
        }
        this.inputs = List.copyOf(inputs);
        this.run = run;
        int threads = Math.min(jobs, this.inputs.size());
        if (threads <= 1) {
            pool = null;
            futures = null;
            return;
        }
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gvsim-run-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        futures = new ArrayList<>(this.inputs.size());
        for (I in : this.inputs) {
            futures.add(pool.submit(() -> run.run(in)));
        }
    }

    public int size() {
        return inputs.size();
    }

    /** The result of run {@code i}, waiting for it; rethrows what the run threw. */
    public R get(int i) throws Exception {
        if (futures == null) {
            return run.run(inputs.get(i));
        }
        try {
            return futures.get(i).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) {
                throw ex;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
