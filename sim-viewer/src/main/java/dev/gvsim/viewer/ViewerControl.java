package dev.gvsim.viewer;

/**
 * What the keys do to the replay, shared by the render thread (which feeds it keys) and the
 * simulation thread (which asks it before each record). Keys: {@code SPACE} pause/run, {@code N} or
 * {@code RIGHT} one record (pauses first if running), {@code +}/{@code -} faster/slower (records per
 * second, a factor of 10 a step, up to unlimited), {@code Q}/{@code ESC} quit.
 *
 * <p>Pacing is by wall time (this is the screen's business; simulated time is unaffected): at a
 * speed of R records per second the simulation thread is told to sleep until its next record is
 * due. Waiting here is waiting for the user, never for the screen.
 */
public final class ViewerControl {
    public enum Key {
        PAUSE, STEP, FASTER, SLOWER, QUIT
    }

    /** Records per second, slowest first; {@link #UNLIMITED} last. */
    static final long[] SPEEDS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};
    /** The speed index meaning "as fast as the simulation goes". */
    public static final int UNLIMITED = SPEEDS.length;

    private boolean paused;
    private long steps;
    private int speed;
    private boolean quit;
    private long dueNanos = Long.MIN_VALUE;

    /** @param speedIndex 0..{@link #UNLIMITED} */
    public ViewerControl(boolean startPaused, int speedIndex) {
        if (speedIndex < 0 || speedIndex > UNLIMITED) {
            throw new IllegalArgumentException("speed index must be 0.." + UNLIMITED + ", got " + speedIndex);
        }
        this.paused = startPaused;
        this.speed = speedIndex;
    }

    /** The speed index of {@code recordsPerSecond} (a power of ten from 1 to 10^6), or UNLIMITED for 0. */
    public static int speedIndex(long recordsPerSecond) {
        if (recordsPerSecond == 0) {
            return UNLIMITED;
        }
        for (int i = 0; i < SPEEDS.length; i++) {
            if (SPEEDS[i] == recordsPerSecond) {
                return i;
            }
        }
        throw new IllegalArgumentException("speed must be 0 (unlimited) or a power of ten from 1 to 1000000 records/s, got " + recordsPerSecond);
    }

    /** A key press (render thread). */
    public synchronized void key(Key k) {
        switch (k) {
            case PAUSE -> {
                paused = !paused;
                steps = 0;
                dueNanos = Long.MIN_VALUE;
            }
            case STEP -> {
                if (paused) {
                    steps++;
                } else {
                    paused = true;
                }
            }
            case FASTER -> {
                speed = Math.min(UNLIMITED, speed + 1);
                dueNanos = Long.MIN_VALUE;
            }
            case SLOWER -> {
                speed = Math.max(0, speed - 1);
                dueNanos = Long.MIN_VALUE;
            }
            case QUIT -> quit = true;
            default -> throw new IllegalStateException(k.toString());
        }
        notifyAll();
    }

    /**
     * Simulation thread, before each record: waits while paused with no step asked for; returns
     * false once quit was asked for.
     */
    public synchronized boolean awaitRecord() throws InterruptedException {
        while (!quit && paused && steps == 0) {
            wait();
        }
        if (quit) {
            return false;
        }
        if (paused) {
            steps--;
        }
        return true;
    }

    /**
     * Simulation thread, after a record at wall time {@code nowNanos}: how long to sleep before the
     * next one at the current speed (0 when unlimited, paused-stepping, or behind schedule).
     */
    public synchronized long delayNanos(long nowNanos) {
        if (speed == UNLIMITED || paused) {
            return 0;
        }
        long interval = 1_000_000_000L / SPEEDS[speed];
        if (dueNanos == Long.MIN_VALUE || nowNanos - dueNanos > 100_000_000L) {
            dueNanos = nowNanos; // a fresh start, or more than 0.1 s behind: do not race to catch up
        }
        dueNanos += interval;
        return Math.max(0, dueNanos - nowNanos);
    }

    /** Asks the simulation thread to stop (window closed). */
    public void quit() {
        key(Key.QUIT);
    }

    public synchronized boolean paused() {
        return paused;
    }

    public synchronized boolean quitting() {
        return quit;
    }

    /** Records per second, 0 for unlimited. */
    public synchronized long recordsPerSecond() {
        return speed == UNLIMITED ? 0 : SPEEDS[speed];
    }

    /** {@code paused}, or {@code running at 1,000 records/s} / {@code running unlimited}. */
    public synchronized String state() {
        return paused ? "paused (N: step, SPACE: run)"
                : "running " + (speed == UNLIMITED ? "unlimited" : String.format("at %,d records/s", SPEEDS[speed])) + " (SPACE: pause, +/-: speed)";
    }
}
