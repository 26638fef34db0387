package dev.gvsim.machine.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import dev.gvsim.simcore.Stats;

/**
 * The latency distributions a run collected (the machine's {@link Stats} HdrHistograms: today the host
 * display's frame latencies, {@code display.DEV.outN.latency_ps} and {@code native_latency_ps}), as the
 * replay JSON's {@code latencyHistograms}: per histogram the count, min, max, a few percentiles and the
 * counts in bins whose edges go 1, 2, 5, 10, 20, 50, ... picoseconds (from the first non-empty bin to
 * the last, empty bins between included).
 *
 * <p>Why bins and not HdrHistogram's compressed encoding: the report needs only the bins, which a person
 * or {@code jq} can read in the JSON and a saved JSON redraws without decoding anything; the encoding
 * (kept in checkpoints) is opaque base64 and three significant digits are far more than a plot shows.
 * Each recorded value is put in a bin by HdrHistogram's highest equivalent value of its sub-bucket
 * (within 0.1 % of the value), so the bins sum exactly to the count.
 */
public final class LatencyHistograms {
    private LatencyHistograms() {
    }

    /** Every non-empty histogram of {@code stats}, by name (sorted). */
    public static Map<String, Object> of(Stats stats) {
        Map<String, Object> out = new TreeMap<>();
        stats.histograms().forEach((name, h) -> {
            if (h.getTotalCount() > 0) {
                out.put(name, describe(h));
            }
        });
        return out;
    }

    static Map<String, Object> describe(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("minPs", h.getMinValue());
        m.put("maxPs", h.getMaxValue());
        m.put("p50Ps", h.getValueAtPercentile(50));
        m.put("p90Ps", h.getValueAtPercentile(90));
        m.put("p99Ps", h.getValueAtPercentile(99));
        m.put("p999Ps", h.getValueAtPercentile(99.9));
        TreeMap<Long, Long> bins = new TreeMap<>();
        for (HistogramIterationValue v : h.recordedValues()) {
            bins.merge(binLow(v.getValueIteratedTo()), v.getCountAtValueIteratedTo(), Long::sum);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        long last = bins.lastKey();
        for (long lo = bins.firstKey(); ; lo = binHigh(lo)) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("fromPs", lo);
            b.put("toPs", binHigh(lo));
            b.put("count", bins.getOrDefault(lo, 0L));
            list.add(b);
            if (lo == last) {
                break;
            }
        }
        m.put("bins", list);
        return m;
    }

    /** The lower edge of the 1-2-5 bin holding {@code v} (0 for a value of 0): the largest of 1, 2, 5, 10, 20, ... not above v. */
    static long binLow(long v) {
        if (v < 1) {
            return 0;
        }
        long decade = 1;
        while (decade <= v / 10) {
            decade *= 10;
        }
        return v >= 5 * decade ? 5 * decade : v >= 2 * decade ? 2 * decade : decade;
    }

    /** The upper edge (exclusive) of the bin starting at {@code lo}. */
    static long binHigh(long lo) {
        if (lo < 1) {
            return 1;
        }
        long decade = 1;
        while (decade <= lo / 10) {
            decade *= 10;
        }
        return lo == decade ? 2 * decade : lo == 2 * decade ? 5 * decade : 10 * decade;
    }
}
