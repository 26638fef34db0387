package dev.gvsim.machine.display;

/**
 * A host resource that does one job at a time (a thread on its own core, the GPU's engine): jobs run
 * first come, first served in simulated time, so a busy resource delays the next job and contention
 * shows. No allocation per job.
 */
final class Server {
    final String name;
    private long freeAt;
    long busyPs;
    long jobs;

    Server(String name) {
        this.name = name;
    }

    /** Runs {@code workPs} of work that can start at {@code readyPs}; returns when it ends. */
    long run(long readyPs, long workPs) {
        long start = Math.max(readyPs, freeAt);
        freeAt = start + workPs;
        busyPs += workPs;
        jobs++;
        return freeAt;
    }

    long freeAt() {
        return freeAt;
    }
}
