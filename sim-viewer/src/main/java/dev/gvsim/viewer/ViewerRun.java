package dev.gvsim.viewer;

import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.simcore.InputException;

/**
 * The simulation side of {@code gvsim view}: replays a trace record by record (exactly as
 * {@code Replayer.run} would: the same {@link Replayer#execute} per record, then
 * {@link Replayer#finishRun}), asks the {@link ViewerControl} before each record (pause, step,
 * speed, quit), and samples the scanouts at most every {@link #sampleIntervalNanos} of wall time,
 * after every record while single-stepping, and once more after the last record. Runs on its own
 * thread; the render thread reads {@link #finished()}, {@link #result()} and {@link #error()}.
 */
public final class ViewerRun implements Runnable {
    /** Screen refresh the sampler aims at (60 Hz); faster sampling could only be coalesced. */
    public static final long DEFAULT_SAMPLE_INTERVAL_NANOS = 1_000_000_000L / 60;

    private final Replayer replayer;
    private final TraceReader reader;
    private final ViewerControl control;
    private final ScanoutSampler sampler;
    private final long sampleIntervalNanos;

    private volatile long records;
    private volatile boolean finished;
    private volatile ReplayResult result;
    private volatile Throwable error;
    private volatile boolean quitEarly;

    public ViewerRun(ReplayOptions options, String traceName, TraceReader reader, ViewerControl control, FrameExchange exchange,
            long sampleIntervalNanos) {
        this.replayer = new Replayer(options, traceName);
        this.reader = reader;
        this.control = control;
        this.sampler = new ScanoutSampler(exchange);
        this.sampleIntervalNanos = sampleIntervalNanos;
    }

    @Override
    public void run() {
        try {
            result = replay();
        } catch (Throwable t) {
            error = t;
        } finally {
            finished = true;
        }
    }

    private ReplayResult replay() throws InputException, InterruptedException {
        reader.omitExtensions();
        reader.callerOnlyReadsRecords();
        TraceRecord r = new TraceRecord();
        long lastSample = System.nanoTime();
        while (reader.next(r)) {
            if (!control.awaitRecord()) {
                quitEarly = true;
                break;
            }
            try {
                replayer.execute(r);
            } catch (IllegalArgumentException e) {
                throw new InputException((r.line >= 0 ? "line " + r.line + " (record " + r.index + ")" : "record " + r.index) + ": " + e.getMessage());
            }
            records = r.index;
            long now = System.nanoTime();
            if (replayer.machine() != null && (control.paused() || now - lastSample >= sampleIntervalNanos)) {
                sampler.sample(replayer.machine().devices(), r.index, replayer.machine().kernel().now(), false);
                lastSample = now;
            }
            long delay = control.delayNanos(now);
            if (delay > 1_000_000L) {
                Thread.sleep(delay / 1_000_000L, (int) (delay % 1_000_000L));
            }
        }
        ReplayResult res = replayer.finishRun();
        if (replayer.machine() != null) {
            sampler.sample(replayer.machine().devices(), res.records, res.simulatedTimePs, true);
        }
        return res;
    }

    /** Records replayed so far. */
    public long records() {
        return records;
    }

    /** True once the replay ended (completed, quit, or failed) and its last frames are published. */
    public boolean finished() {
        return finished;
    }

    /** The replay's result once finished without error (partial when quit early). */
    public ReplayResult result() {
        return result;
    }

    /** What ended the replay abnormally (bad input), or null. */
    public Throwable error() {
        return error;
    }

    /** True if the user quit before the trace's end. */
    public boolean quitEarly() {
        return quitEarly;
    }

    /** Screen slots the sampler has assigned (outputs seen so far). */
    public int slots() {
        return sampler.slots();
    }
}
