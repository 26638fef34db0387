package dev.gvsim.simcli.replay;

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

    private Progress(PrintStream err) {
        this.err = err;
    }

    static Progress onTerminal() {
        return System.console() != null ? new Progress(System.err) : null;
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
        err.printf("\rreplayed %,d records (%,.0f records/s)   ", records, records / secs);
        err.flush();
    }

    void done(long records) {
        if (System.nanoTime() - start > 500_000_000L) {
            err.printf("\rreplayed %,d records%30s%n", records, "");
        }
    }
}
