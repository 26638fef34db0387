package dev.gvsim.machine.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gvsim.machine.MachineBuilder;

class ReplayReportTest {
    private static Map<String, Object> report(String machine) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("trace", "<evil> & \"trace\".gvt.txt");
        r.put("machine", machine);
        r.put("overrides", Map.of("set", Map.of("qxl.io_latency", "3us")));
        r.put("records", 3);
        r.put("faultCount", 0);
        r.put("mismatchCount", 0);
        r.put("memoryTypes", Map.of("normal-wb", Map.of("accesses", 2, "transactions", 2, "bytes", 8)));
        r.put("devices", Map.of("display", Map.of("out0", Map.of("latencyP50Ps", 2_000_000L, "count", 5))));
        return r;
    }

    @Test
    void textFromTheReportIsEscapedAndTheLatencyFiguresAndMachineShow() {
        String html = ReplayReport.html(report("-M virt -device qxl"), MachineBuilder.allParamDefs(), Map.of());
        assertThat(html).doesNotContain("<evil>").contains("&lt;evil&gt; &amp; &quot;trace&quot;.gvt.txt");
        assertThat(html).contains("<p class=\"outcome\">completed: 3 records, no faults, no mismatches</p>");
        assertThat(html).contains("<td>display.out0.latencyP50Ps</td>").doesNotContain("display.out0.count");
        assertThat(html).containsPattern("(?s)<pre>-\\[0000:00\\].*QXL paravirtual graphic card.*</pre>");
        assertThat(Pattern.compile("<svg ").matcher(html).results().count()).isEqualTo(1);
        assertThat(html).isEqualTo(ReplayReport.html(report("-M virt -device qxl"), MachineBuilder.allParamDefs(), Map.of()));
    }

    @Test
    void theTimelineIsOneStepPlotPerGroupAndEachHistogramOneSvg() {
        Map<String, Object> r = report("-M virt -device qxl");
        r.put("timeline", Map.of("bucketPs", 20_000_000L, "buckets", 3, "accessesByMemoryType", Map.of("normal-nc", List.of(5, 0, 7)),
                "transactionsByMemoryType", Map.of(), "accessesByPciFunction", Map.of("00:01.0 qxl0", List.of(5, 0, 7))));
        r.put("latencyHistograms", Map.of("display.qxl0.out0.latency_ps", Map.of("count", 3, "p50Ps", 2_000_000, "bins",
                List.of(Map.of("fromPs", 1_000_000, "toPs", 2_000_000, "count", 1), Map.of("fromPs", 2_000_000, "toPs", 5_000_000, "count", 2)))));
        String html = ReplayReport.html(r, List.of(), Map.of());
        // the bar chart of memory types, two timeline plots (transactions are empty), one histogram
        assertThat(Pattern.compile("<svg ").matcher(html).results().count()).isEqualTo(4);
        assertThat(html).contains("<title>CPU accesses by memory type over simulated time</title>",
                "<title>Memory and I/O accesses by PCI function over simulated time</title>").doesNotContain("Bus transactions by memory type");
        assertThat(html).contains(">simulated time (us)</text>", ">accesses per 20 us</text>", "Counted in 3 buckets of 20 us");
        // 5, 0, 7 over [0, 20), [20, 40), [40, 60) us: corners where the value changes
        assertThat(html).containsPattern("points=\"[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+\"><title>normal-nc</title>");
        assertThat(html).contains("<title>display.qxl0.out0.latency_ps (3 values)</title>", "1 us to 2 us: 1", "2 us to 5 us: 2");
    }

    /** A saved JSON is input: a timeline or histograms of the wrong shape are left out or said, never thrown. */
    @Test
    void aMalformedTimelineOrHistogramIsSaidNotThrown() {
        Map<String, Object> r = report("-M virt -device qxl");
        r.put("timeline", Map.of("bucketPs", "x", "buckets", List.of()));
        r.put("latencyHistograms", Map.of("h", Map.of("bins", List.of("no", Map.of("count", "many"))), "g", 5));
        String html = ReplayReport.html(r, List.of(), Map.of());
        assertThat(html).contains("no timeline in this report");
        r.put("timeline", Map.of("bucketPs", 1000, "buckets", 2, "accessesByMemoryType", List.of(1, 2), "configByPciFunction",
                Map.of("f", "not a list")));
        assertThat(ReplayReport.html(r, List.of(), Map.of())).contains("Configuration accesses by PCI function over simulated time");
    }

    @Test
    void aMachineThatCannotBeRebuiltIsSaidNotThrown() {
        String html = ReplayReport.html(report("-device no-such-device"), List.of(), Map.of());
        assertThat(html).contains("could not rebuild the machine &#39;-device no-such-device&#39;: unknown device");
        assertThat(html).contains("<td>--set qxl.io_latency</td><td>3us</td><td>?</td>");
    }
}
