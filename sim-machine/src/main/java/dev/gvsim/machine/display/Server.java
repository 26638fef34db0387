package dev.gvsim.machine.display;

/**
 * A host resource that does one job at a time (a thread, the GPU's engine, the memory bus): jobs run
 * first come, first served in simulated time, so a busy resource delays the next job and contention
 * shows. A thread's jobs may also share the host's cores ({@link Cores}) with other threads: then a
 * job takes longer when more threads are busy than there are cores. No allocation per job. Also the
 * shared host GPU engine of the QoS model ({@code dev.gvsim.machine.qos}).
 */
public final class Server {
    final String name;
    private final Cores cores;
    private long freeAt;
    long busyPs;
    long jobs;
    /** Time jobs lost to other threads on the shared host cores (their end minus start minus work). */
    long coreWaitPs;
    private JobListener listener;

    /** Told of every job this resource runs (the QoS model takes a VM's host GPU jobs from it); must not allocate. */
    @FunctionalInterface
    public interface JobListener {
        void job(long readyPs, long startPs, long workPs);
    }

    /** Sets the one listener (null: none). */
    public void listen(JobListener l) {
        this.listener = l;
    }

    public Server(String name) {
        this(name, null);
    }

    public Server(String name, Cores cores) {
        this.name = name;
        this.cores = cores;
    }

    /** Runs {@code workPs} of work that can start at {@code readyPs}; returns when it ends. */
    public long run(long readyPs, long workPs) {
        long start = Math.max(readyPs, freeAt);
        long end = cores == null ? start + workPs : cores.run(start, workPs);
        coreWaitPs += end - start - workPs;
        freeAt = end;
        busyPs += workPs;
        jobs++;
        if (listener != null) {
            listener.job(readyPs, start, workPs);
        }
        return freeAt;
    }

    /**
     * Holds the thread until {@code untilPs} without doing work (it waits for memory after its
     * last job): the next job starts no earlier.
     */
    public void stallUntil(long untilPs) {
        freeAt = Math.max(freeAt, untilPs);
    }

    public long freeAt() {
        return freeAt;
    }

    /** Work done so far (not counting waits for cores or memory). */
    public long busyPs() {
        return busyPs;
    }

    public long jobs() {
        return jobs;
    }

    /** Time jobs lost to other threads on the shared host cores. */
    public long coreWaitPs() {
        return coreWaitPs;
    }

    public String name() {
        return name;
    }
}
