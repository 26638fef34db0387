package dev.gvsim.simcore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * Named counters and latency distributions of one simulated machine. Names are dotted paths
 * ({@code mmu.tlb.hits}, {@code qxl.io.notify_cmd}); the snapshot is sorted by name, so the JSON
 * is byte-identical for identical runs.
 */
public final class Stats implements dev.gvsim.simcore.state.Checkpointable {
    private final Map<String, Counter> counters = new TreeMap<>();
    private final Map<String, Histogram> histograms = new TreeMap<>();

    /** The counter of that name, created at zero on first use. */
    public Counter counter(String name) {
        return counters.computeIfAbsent(name, Counter::new);
    }

    /**
     * A distribution of values in [1, highest] with 3 significant digits (HdrHistogram); record
     * with {@link Histogram#recordValue(long)}, which does not allocate.
     */
    public Histogram histogram(String name, long highest) {
        return histograms.computeIfAbsent(name, n -> new Histogram(1, highest, 3));
    }

    /** Every latency distribution by name, sorted (read-only view; the histograms are the live ones). */
    public Map<String, Histogram> histograms() {
        return java.util.Collections.unmodifiableMap(histograms);
    }

    public long get(String name) {
        Counter c = counters.get(name);
        return c == null ? 0 : c.get();
    }

    /** Counters whose name starts with {@code prefix}, sorted, non-zero only. */
    public Map<String, Long> counters(String prefix) {
        Map<String, Long> out = new TreeMap<>();
        for (Map.Entry<String, Counter> e : counters.entrySet()) {
            if (e.getKey().startsWith(prefix) && e.getValue().get() != 0) {
                out.put(e.getKey(), e.getValue().get());
            }
        }
        return out;
    }

    /**
     * A JSON-ready, sorted view: {@code {"counters": {...}, "histograms": {name: {count, min, max,
     * mean, p50, p99, p999}}}}; zero counters and empty histograms are left out.
     */
    public Map<String, Object> snapshot() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("counters", counters(""));
        Map<String, Object> hs = new TreeMap<>();
        for (Map.Entry<String, Histogram> e : histograms.entrySet()) {
            Histogram h = e.getValue();
            if (h.getTotalCount() == 0) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", h.getTotalCount());
            m.put("min", h.getMinValue());
            m.put("max", h.getMaxValue());
            m.put("mean", Math.round(h.getMean() * 1000) / 1000.0);
            m.put("p50", h.getValueAtPercentile(50));
            m.put("p99", h.getValueAtPercentile(99));
            m.put("p999", h.getValueAtPercentile(99.9));
            hs.put(e.getKey(), m);
        }
        out.put("histograms", hs);
        return out;
    }

    /** Zeroes every counter and histogram. */
    public void reset() {
        counters.values().forEach(c -> c.set(0));
        histograms.values().forEach(Histogram::reset);
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String stateName() {
        return "stats";
    }

    /** Counters by name, then histograms (HdrHistogram's compressed encoding), both sorted. */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putInt(counters.size());
        for (Map.Entry<String, Counter> e : counters.entrySet()) {
            w.putString(e.getKey());
            w.putLong(e.getValue().get());
        }
        w.putInt(histograms.size());
        for (Map.Entry<String, Histogram> e : histograms.entrySet()) {
            Histogram h = e.getValue();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            int n = h.encodeIntoCompressedByteBuffer(b);
            w.putString(e.getKey());
            w.putLong(h.getHighestTrackableValue());
            w.putInt(n);
            w.putBytes(b.array(), 0, n);
        }
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws InputException {
        int n = r.getInt();
        if (n < 0 || n > 1 << 20) {
            throw new InputException("checkpoint stats: " + n + " counters");
        }
        for (Counter c : counters.values()) {
            c.set(0);
        }
        for (int i = 0; i < n; i++) {
            String name = r.getString();
            counter(name).set(r.getLong());
        }
        int hn = r.getInt();
        if (hn < 0 || hn > 1 << 16) {
            throw new InputException("checkpoint stats: " + hn + " histograms");
        }
        for (Histogram h : histograms.values()) {
            h.reset(); // models hold references to these objects: restore into them, never replace
        }
        for (int i = 0; i < hn; i++) {
            String name = r.getString();
            long highest = r.getLong();
            int len = r.getInt();
            byte[] b = r.getBytes(len);
            try {
                Histogram h = Histogram.decodeFromCompressedByteBuffer(java.nio.ByteBuffer.wrap(b), highest);
                Histogram existing = histograms.get(name);
                if (existing != null) {
                    existing.add(h);
                } else {
                    histograms.put(name, h);
                }
            } catch (java.util.zip.DataFormatException | RuntimeException e) {
                throw new InputException("checkpoint stats: histogram " + name + " does not decode: " + e.getMessage(), e);
            }
        }
    }
}
