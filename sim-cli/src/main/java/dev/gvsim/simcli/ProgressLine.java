package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

import picocli.CommandLine.Option;

/**
 * The progress line of a long command (replay, import: how much of the input file has been read;
 * sweep: how many points have run), the rate and the ETA, rewritten in place on stderr every quarter second once the command has run
 * for a second, by a daemon thread that only reads a byte counter. It never writes to stdout or to
 * an output file. Shown when stderr is a terminal, or when forced with {@code --progress}
 * ({@code --no-progress} turns it off). Wall-clock time is used only for this line, never in results.
 */
final class ProgressLine implements AutoCloseable {
    /** Nothing is shown for commands that finish within this (ns). System property gvsim.progress.after-ms overrides it (tests). */
    static final long AFTER_NS = 1_000_000_000L;
    static final long PERIOD_NS = 250_000_000L;

    /** {@code --progress} / {@code --no-progress}, mixed into the commands that show it. */
    static final class Options {
        @Option(names = "--progress", negatable = true,
                description = "Show a progress line (input read, rate, ETA) on stderr for runs longer than a second. "
                        + "Default: only when stderr is a terminal; --no-progress never, --progress always. Never changes stdout or output files.")
        Boolean progress;

        boolean enabled() {
            return progress != null ? progress : stderrIsATerminal();
        }
    }

    private final PrintWriter err;
    private final String what;
    private final LongSupplier done;
    private final long total;
    /** What {@code done} counts ("points"), or null for bytes. */
    private final String unit;
    private final LongSupplier clock;
    private final long start;
    private final long afterNs;
    private final Thread thread;
    private volatile boolean closed;
    private int lastWidth;
    private boolean shown;

    /**
     * @param what  the line's subject, e.g. "replay t.gvt.txt.xz"
     * @param done  input bytes read so far (read from the progress thread)
     * @param total the input's size in bytes (0 if unknown: no percentage or ETA)
     */
    ProgressLine(PrintWriter err, String what, LongSupplier done, long total, LongSupplier clock, long afterNs, boolean startThread) {
        this(err, what, done, total, null, clock, afterNs, startThread);
    }

    /** As above, {@code done} and {@code total} counting {@code unit} ("points") instead of bytes when unit is not null. */
    ProgressLine(PrintWriter err, String what, LongSupplier done, long total, String unit, LongSupplier clock, long afterNs, boolean startThread) {
        this.err = err;
        this.what = what;
        this.done = done;
        this.total = total;
        this.unit = unit;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.afterNs = afterNs;
        if (startThread) {
            thread = new Thread(this::loop, "gvsim-progress");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** A progress line for reading {@code file} if {@code enabled}, else null (callers close it with try-with-resources). */
    static ProgressLine forFile(boolean enabled, PrintWriter err, String verb, Path file, LongSupplier bytesRead) {
        if (!enabled) {
            return null;
        }
        long size;
        try {
            size = Files.size(file);
        } catch (java.io.IOException e) {
            size = 0;
        }
        return new ProgressLine(err, verb + " " + file.getFileName(), bytesRead, size, System::nanoTime, afterNs(), true);
    }

    /** A progress line counting {@code total} items ({@code unit}: "points") if {@code enabled}, else null. */
    static ProgressLine forCount(boolean enabled, PrintWriter err, String what, LongSupplier done, long total, String unit) {
        return enabled ? new ProgressLine(err, what, done, total, unit, System::nanoTime, afterNs(), true) : null;
    }

    private static long afterNs() {
        String prop = System.getProperty("gvsim.progress.after-ms");
        return prop != null ? Long.parseLong(prop) * 1_000_000L : AFTER_NS;
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_NS / 1_000_000L);
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                tick();
            }
        }
    }

    /** Prints the line if the command has run long enough (called by the thread; tests call it directly). */
    synchronized void tick() {
        long now = clock.getAsLong();
        long elapsed = now - start;
        if (closed || elapsed < afterNs) {
            return;
        }
        show(render(done.getAsLong(), elapsed, false));
    }

    /** The line's text. */
    String render(long bytes, long elapsedNs, boolean finished) {
        double secs = Math.max(elapsedNs, 1) / 1e9;
        double rate = bytes / secs;
        StringBuilder sb = new StringBuilder(what).append(": ");
        if (total > 0) {
            double f = Math.min(1.0, (double) bytes / total);
            if (unit != null) {
                sb.append(String.format(Locale.ROOT, "%.0f %% (%d of %d %s, %.2f %s/s)", 100 * f, bytes, total, unit, rate, unit));
            } else {
                sb.append(String.format(Locale.ROOT, "%.0f %% (%s of %s, %s/s)", 100 * f, size(bytes), size(total), size(rate)));
            }
            if (finished) {
                sb.append(String.format(Locale.ROOT, ", done in %.1f s", secs));
            } else if (f > 0.001 && f < 1) {
                sb.append(String.format(Locale.ROOT, ", ETA %.0f s", secs * (1 - f) / f));
            } else {
                sb.append(", ETA unknown");
            }
        } else {
            sb.append(String.format(Locale.ROOT, "%s read (%s/s)%s", size(bytes), size(rate),
                    finished ? String.format(Locale.ROOT, ", done in %.1f s", secs) : ""));
        }
        return sb.toString();
    }

    /** Bytes in decimal units with one decimal: 512 B, 80.0 kB, 25.0 MB, 1.2 GB. */
    static String size(double b) {
        if (b < 1e3) {
            return String.format(Locale.ROOT, "%.0f B", b);
        }
        if (b < 1e6) {
            return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
        }
        if (b < 1e9) {
            return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f GB", b / 1e9);
    }

    private void show(String line) {
        int pad = Math.max(0, lastWidth - line.length());
        err.print("\r" + line + " ".repeat(pad));
        err.flush();
        lastWidth = line.length();
        shown = true;
    }

    /** Stops the thread; if the line was ever shown, ends it with the final figures and a line break. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            long elapsed = clock.getAsLong() - start;
            if (shown || elapsed >= afterNs) {
                show(render(done.getAsLong(), elapsed, true));
                err.println();
                err.flush();
            }
            closed = true;
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * Whether stderr is a terminal. The launcher says so ({@code [ -t 2 ]} as -Dgvsim.stderr.tty=1|0);
     * run without it, Linux's /proc/self/fd/2 names the terminal device, else Java's console check.
     */
    static boolean stderrIsATerminal() {
        String p = System.getProperty("gvsim.stderr.tty");
        if (p != null) {
            return p.equals("1") || p.equalsIgnoreCase("true");
        }
        try {
            Path fd2 = Path.of("/proc/self/fd/2");
            if (Files.isSymbolicLink(fd2)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (java.io.IOException | SecurityException | UnsupportedOperationException e) {
            // fall through
        }
        return System.console() != null;
    }
}
