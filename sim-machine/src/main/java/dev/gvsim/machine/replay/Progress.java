package dev.gvsim.machine.replay;

import java.io.PrintStream;

/**
 * Progress of a long replay on a terminal: records, rate and (when the total is known) ETA, on one
 * rewritten stderr line at most twice a second. Wall-clock time is used only for this display,
 * never in results. Silent when stderr is not a terminal.
 */
final class Progress {
    private final PrintStream err;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private int counter;
    private final java.util.function.DoubleSupplier fraction;

    private Progress(PrintStream err, java.util.function.DoubleSupplier fraction) {
        this.err = err;
        this.fraction = fraction;
    }

    /**
     * @param fraction how much of the input has been consumed (0..1), or null when unknown; gives
     *     the ETA (for a file: compressed bytes read / file size)
     */
    static Progress onTerminal(java.util.function.DoubleSupplier fraction) {
        return System.console() != null ? new Progress(System.err, fraction) : null;
    }

    void update(long records) {
        if (++counter < 65536) {
            return;
        }
        counter = 0;
        long now = System.nanoTime();
        if (now - lastPrint < 500_000_000L) {
            return;
        }
        lastPrint = now;
        double secs = (now - start) / 1e9;
        double f = fraction == null ? 0 : fraction.getAsDouble();
        if (f > 0.001 && f < 1) {
            err.printf("\rreplayed %,d records (%,.0f records/s), %.0f %%, ETA %.0f s   ", records, records / secs, 100 * f,
                    secs * (1 - f) / f);
        } else {
            err.printf("\rreplayed %,d records (%,.0f records/s)   ", records, records / secs);
        }
        err.flush();
    }

    void done(long records) {
        if (System.nanoTime() - start > 500_000_000L) {
            err.printf("\rreplayed %,d records%30s%n", records, "");
        }
    }
}
