package dev.gvsim.simcore;

/**
 * The machine's simulated time, for models that judge something by it (reset recovery windows,
 * timeouts) without scheduling events. A machine has one clock, its {@link EventKernel}; models
 * are given it at construction and never keep a copy of the time.
 */
@FunctionalInterface
public interface Clock {
    /** Simulated time now, in picoseconds. */
    long now();
}
