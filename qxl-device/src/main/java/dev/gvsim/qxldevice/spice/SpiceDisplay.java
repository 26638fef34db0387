package dev.gvsim.qxldevice.spice;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.simcore.Params;

/**
 * The remote-display update side of QXL (spice-server's display channel towards one client),
 * fed from the drawables the red worker parses and renders: it hands every drawable on the
 * primary surface to each configured {@link UpdateAlgorithm} and closes an update period every
 * {@code qxl.spice.update_period} of simulated time (lazily, when the first drawable of a later
 * period comes, or when the report is taken), so the same command stream is measured under every
 * algorithm at once. Built only when {@code qxl.spice.algorithms} names one; otherwise the worker
 * has no listener and nothing here runs.
 *
 * <p>Not modelled: surfaces other than the primary (spice-server sends off-screen surfaces too),
 * the client's acknowledgements and the channel's bandwidth limit (every message is sent in the
 * period it belongs to), GLZ's shared dictionary, QUIC, and the pipeline's state in checkpoints
 * (a restored device starts counting anew).
 */
public final class SpiceDisplay implements DrawableListener {
    private final SpiceParams prm;
    private final FrameSource src;
    private final List<UpdateAlgorithm> algorithms = new ArrayList<>();
    private long firstBucket = -1;
    private long bucket = -1;
    private boolean pending;
    private long drawables;
    private long ignored;
    private long firstPs = -1;
    private long lastEndPs;

    public SpiceDisplay(SpiceParams prm, FrameSource src) {
        this.prm = prm;
        this.src = src;
        for (String a : prm.algorithms) {
            algorithms.add(switch (a) {
                case SpiceParams.FULL_FRAME -> new FullFrameAlgorithm(prm, src);
                case SpiceParams.DIRTY_RECTS -> new DirtyRectsAlgorithm(prm, src);
                default -> new OptimizedAlgorithm(prm, src);
            });
        }
    }

    /** The pipeline {@code p} asks for, or null when {@code qxl.spice.algorithms} is none. */
    public static SpiceDisplay create(Params p, FrameSource src) {
        SpiceParams prm = SpiceParams.from(p);
        return prm.algorithms.isEmpty() ? null : new SpiceDisplay(prm, src);
    }

    @Override
    public void drawn(long nowPs, int kind, boolean opaque, int left, int top, int right, int bottom, int color) {
        int w = src.width();
        int h = src.height();
        Box b = w <= 0 || h <= 0 ? null : new Box(left, top, right, bottom).clip(w, h);
        if (b == null) {
            ignored++;
            return;
        }
        long t = Math.max(0, nowPs);
        long k = t / prm.updatePeriodPs;
        if (firstBucket < 0) {
            firstBucket = k;
            firstPs = t;
        } else if (k != bucket && pending) {
            flushPending();
        }
        bucket = k;
        pending = true;
        drawables++;
        int idx = (int) Math.min(Integer.MAX_VALUE, k - firstBucket);
        for (UpdateAlgorithm a : algorithms) {
            a.drawn(t, idx, kind, opaque, b, color);
        }
    }

    private void flushPending() {
        int idx = (int) Math.min(Integer.MAX_VALUE, bucket - firstBucket);
        long end = (bucket + 1) * prm.updatePeriodPs;
        for (UpdateAlgorithm a : algorithms) {
            a.flush(idx, end);
        }
        lastEndPs = end;
        pending = false;
    }

    /** Ends the current update period now (as the report does). */
    public void flush() {
        if (pending) {
            flushPending();
        }
    }

    /** Simulated time from the first drawable to the end of the last update period. */
    public long spanPs() {
        return firstPs < 0 ? 0 : lastEndPs - firstPs;
    }

    /** Bytes each algorithm sent, by name. */
    public Map<String, Long> bytes() {
        flush();
        Map<String, Long> m = new LinkedHashMap<>();
        for (UpdateAlgorithm a : algorithms) {
            m.put(a.name, a.bytes);
        }
        return m;
    }

    /** Host nanoseconds each algorithm spent in its encoders (wall time: varies from run to run; never used by the model). */
    public Map<String, Long> hostEncodeNs() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (UpdateAlgorithm a : algorithms) {
            m.put(a.name, a.hostEncodeNs);
        }
        return m;
    }

    /**
     * Report key {@code spice_display}: the update period, drawables seen, each algorithm's
     * counters and its bytes per update period ({@code series_bytes}); host encode time apart
     * ({@code host_encode_ns}, not deterministic).
     */
    public void report(Map<String, Object> out) {
        flush();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("update_period_ps", prm.updatePeriodPs);
        m.put("drawables", drawables);
        m.put("drawables_ignored", ignored);
        m.put("span_ps", spanPs());
        Map<String, Object> algs = new LinkedHashMap<>();
        for (UpdateAlgorithm a : algorithms) {
            Map<String, Object> r = a.report(spanPs());
            List<Long> s = new ArrayList<>();
            for (long v : a.series()) {
                s.add(v);
            }
            r.put("series_bytes", s);
            algs.put(a.name, r);
        }
        m.put("algorithms", algs);
        m.put("host_encode_ns", hostEncodeNs());
        out.put("spice_display", m);
    }
}
