package dev.gvsim.machine.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The sweep and boot pages from hand-made documents: sentences, escaping, legend labels. */
class BootSweepReportUnitTest {
    private static Map<String, Object> point(int index, String outcome, long timePs, Map<String, Object> firstFault) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("index", index);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("a.very.long.parameter.name", "<" + index + ">");
        params.put("b", "x".repeat(20) + index);
        p.put("params", params);
        p.put("outcome", outcome);
        p.put("records", 10);
        p.put("faultCount", firstFault == null ? 0 : 1);
        p.put("mismatchCount", 0);
        p.put("simulatedTimePs", timePs);
        p.put("firstFault", firstFault);
        return p;
    }

    @Test
    void aShardsPageCountsItsPointsEscapesTextAndShortensLegendLabels() {
        Map<String, Object> sweep = new LinkedHashMap<>();
        sweep.put("trace", "t<1>.gvt");
        sweep.put("pointCount", 4);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("sweep", sweep);
        doc.put("shard", Map.of("index", 1, "count", 2));
        doc.put("points", List.of(point(1, "clean", 2_000_000, null),
                point(3, "fault", 1_000_000, Map.of("fault", "alignment-fault", "record", 27, "symbol", "setup_slot+0x38"))));
        String html = SweepReport.html(doc);
        assertThat(html).contains("<title>gvsim sweep: t&lt;1&gt;.gvt</title>")
                .contains("<p class=\"outcome\">2 of 4 points (shard 1/2) replayed: 1 clean, 1 faulted, 0 mismatched</p>")
                .contains("alignment-fault at record 27 in setup_slot+0x38")
                .contains("a.very.long.parameter.name=&lt;1&gt; b=" + "x".repeat(20) + "1") // whole in the table
                .doesNotContain("<1>");
        // in the chart, each label is cut to the legend's width; the bar's height is the point's simulated time
        assertThat(html).contains(">#1 a.very.long.parameter.name=&lt;1&gt; b=x...</text>").contains("<rect class=\"bar\"");
        assertThat(html.split("<rect class=\"bar\"", -1)).hasSize(3);
        assertThat(html).contains("simulated time (us)").contains(">2</text>");
    }

    /** Two points 3.3 ns apart at about 2 ms: their bars were both labelled "2k" (us); each says its own value now. */
    @Test
    void pointsCloseInSimulatedTimeGetDistinctLabels() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("sweep", Map.of("trace", "t.gvt", "pointCount", 2));
        doc.put("points", List.of(point(0, "clean", 2_001_560_000L, null), point(1, "clean", 2_004_860_000L, null)));
        String html = SweepReport.html(doc);
        assertThat(html).contains("font-size=\"10\">2.002k</text>").contains("font-size=\"10\">2.005k</text>").doesNotContain("font-size=\"10\">2k</text>");
    }

    @Test
    void aBootPageSaysTheConsoleOrWhyNot() {
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("console_up", true);
        up.put("gop_driver", "QemuVideoDxe");
        up.put("device", "01:00.0");
        up.put("mode", "800x600x32");
        up.put("framebuffer", "0x10000000");
        assertThat(BootReport.sentence(up)).isEqualTo("console up: QemuVideoDxe on 01:00.0, 800x600x32, framebuffer 0x10000000");
        Map<String, Object> down = new LinkedHashMap<>();
        down.put("console_up", false);
        down.put("status", "EFI_NOT_FOUND");
        down.put("reason", "no I/O window");
        down.put("failed_access", "outw 0x1ce");
        assertThat(BootReport.sentence(down)).isEqualTo("no GOP: EFI_NOT_FOUND - no I/O window [outw 0x1ce]");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", "-M virt -device qxl-vga");
        json.put("outcome", down);
        json.put("assigned", List.of("00:01.0 BAR 0 [mem 0x10000000-0x13ffffff]"));
        json.put("failures", List.of("01:00.0 BAR 3 [io size 0x20]"));
        String html = BootReport.html(json, null);
        assertThat(html).contains("<p class=\"outcome\">no GOP: EFI_NOT_FOUND - no I/O window [outw 0x1ce]</p>")
                .contains("not in the saved JSON").contains("<td>FAILED</td>").contains("<td>none</td>");
    }
}
