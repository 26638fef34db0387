package dev.gvsim.machine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Stats;

class LatencyHistogramsTest {
    @Test
    void binsGoOneTwoFivePerDecade() {
        assertThat(LatencyHistograms.binLow(1)).isEqualTo(1);
        assertThat(LatencyHistograms.binLow(4)).isEqualTo(2);
        assertThat(LatencyHistograms.binLow(5)).isEqualTo(5);
        assertThat(LatencyHistograms.binLow(19)).isEqualTo(10);
        assertThat(LatencyHistograms.binLow(20_000_001)).isEqualTo(20_000_000);
        assertThat(LatencyHistograms.binLow(0)).isZero();
        assertThat(LatencyHistograms.binHigh(0)).isEqualTo(1);
        assertThat(LatencyHistograms.binHigh(1)).isEqualTo(2);
        assertThat(LatencyHistograms.binHigh(2)).isEqualTo(5);
        assertThat(LatencyHistograms.binHigh(5)).isEqualTo(10);
        assertThat(LatencyHistograms.binHigh(50_000)).isEqualTo(100_000);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBinsAreContiguousAndSumToTheCountAndEmptyHistogramsAreLeftOut() {
        Stats s = new Stats();
        Histogram h = s.histogram("display.x.out0.latency_ps", 100_000_000_000_000L);
        s.histogram("empty_ps", 1000);
        long[] values = {3_000_000, 3_100_000, 17_000_000, 17_000_000, 900_000_000, 16_666_666_667L};
        for (long v : values) {
            h.recordValue(v);
        }
        Map<String, Object> all = LatencyHistograms.of(s);
        assertThat(all).containsOnlyKeys("display.x.out0.latency_ps");
        Map<String, Object> m = (Map<String, Object>) all.get("display.x.out0.latency_ps");
        assertThat(m.get("count")).isEqualTo(6L);
        assertThat(m.get("minPs")).isEqualTo(h.getMinValue());
        assertThat(m.get("p50Ps")).isEqualTo(h.getValueAtPercentile(50));
        List<Map<String, Object>> bins = (List<Map<String, Object>>) m.get("bins");
        assertThat(bins.get(0).get("fromPs")).isEqualTo(2_000_000L);
        assertThat(bins.get(bins.size() - 1).get("toPs")).isEqualTo(20_000_000_000L);
        long sum = 0;
        for (int i = 0; i < bins.size(); i++) {
            sum += (Long) bins.get(i).get("count");
            if (i > 0) {
                assertThat(bins.get(i).get("fromPs")).isEqualTo(bins.get(i - 1).get("toPs"));
            }
        }
        assertThat(sum).isEqualTo(6);
        // 2 us..5 us: the two values near 3 us; 10 us..20 us: the two at 17 us; the empty bins between are there
        assertThat(bins.get(0).get("count")).isEqualTo(2L);
        assertThat(bins.stream().filter(b -> b.get("fromPs").equals(10_000_000L)).findFirst().orElseThrow().get("count")).isEqualTo(2L);
        assertThat(bins.stream().filter(b -> (Long) b.get("count") == 0L)).isNotEmpty();
    }
}
