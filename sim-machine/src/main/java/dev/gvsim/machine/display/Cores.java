package dev.gvsim.machine.display;

/**
 * The host cores the display side's threads share ({@code display.host_cores}): each thread's job
 * runs on one core, and in any stretch of simulated time the busy threads share the cores
 * ({@link SharedCapacity}: n core-slots per slot), so with more busy threads than cores jobs take
 * longer. 0 cores = a core per thread (no contention). No allocation per job. Public for the other
 * pipeline models of the machine (dev.gvsim.machine.forwarding), which share the same mechanism.
 */
public final class Cores {
    private final int n;
    private final SharedCapacity capacity;

    public Cores(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("display.host_cores must be >= 0, got " + n);
        }
        this.n = n;
        this.capacity = n == 0 ? null : new SharedCapacity(n * SharedCapacity.SLOT_PS);
    }

    public boolean unlimited() {
        return n == 0;
    }

    public int count() {
        return n;
    }

    /** Runs {@code workPs} of one thread's work from {@code startPs}; returns when it is done. */
    public long run(long startPs, long workPs) {
        return capacity == null ? startPs + workPs : capacity.take(startPs, workPs, SharedCapacity.SLOT_PS);
    }
}
