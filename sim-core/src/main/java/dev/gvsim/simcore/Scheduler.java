package dev.gvsim.simcore;

/**
 * What a device model sees of the machine's event kernel: the simulated time, and scheduling of its
 * own events. A scheduler is scoped to one owner (a device id): {@link #handler} names a handler
 * {@code <owner>.<name>} in the kernel, which is what lets a checkpoint save a pending event and a
 * restore bind it again, so a device never registers names or touches the {@link EventKernel}
 * itself. Handles are the kernel's ({@link #NO_EVENT} names no event); nothing here allocates
 * after {@link #handler}.
 */
public interface Scheduler extends Clock {
    /** A handle that names no event. */
    long NO_EVENT = EventKernel.NO_EVENT;

    /** The owner this scheduler names handlers after (a device id, e.g. {@code qxl0}). */
    String owner();

    /** Simulated time now, in picoseconds (the kernel's). */
    @Override
    long now();

    /**
     * Names {@code h} {@code <owner>.<name>} for checkpoints and returns it. Call once per handler,
     * at construction, before scheduling it.
     */
    EventHandler handler(String name, EventHandler h);

    /** Schedules {@code h} at absolute time {@code at} (ps, not before {@link #now}); returns its handle. */
    long schedule(long at, EventHandler h, long arg);

    /** Schedules {@code h} {@code delay} ps from now; returns its handle. */
    long scheduleIn(long delay, EventHandler h, long arg);

    /** Cancels a pending event; false if the handle is stale (already run or cancelled) or {@link #NO_EVENT}. */
    boolean cancel(long handle);

    /** True if the handle names an event that has neither run nor been cancelled. */
    boolean isPending(long handle);
}
