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
    void aMachineThatCannotBeRebuiltIsSaidNotThrown() {
        String html = ReplayReport.html(report("-device no-such-device"), List.of(), Map.of());
        assertThat(html).contains("could not rebuild the machine &#39;-device no-such-device&#39;: unknown device");
        assertThat(html).contains("<td>--set qxl.io_latency</td><td>3us</td><td>?</td>");
    }
}
