package dev.gvsim.machine.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class ScenariosReportTest {
    private static Map<String, Object> figures() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("update_period_ps", 33_000_000_000L); // 33 ms
        Map<String, Object> office = new LinkedHashMap<>();
        office.put("full-frame", List.of(3300, 3300, 3300));
        office.put("dirty-rects", List.of(330, 0, 660));
        office.put("optimized", List.of(33, 0, 66));
        f.put("bytes_per_update_period", Map.of("office", office));
        f.put("not a series", List.of(1, 2, 3));
        f.put("ablation.gl", List.of(Map.of("config", "copy", "percentOfNative", 40.0), Map.of("config", "zero-copy", "percentOfNative", 90.0)));
        f.put("rows without percentages", List.of(Map.of("config", "copy")));
        return f;
    }

    @Test
    void aBytesPerPeriodSeriesIsPlottedAsBytesPerSecondOverSimulatedTime() throws Exception {
        List<String> plots = ScenariosReport.plots(figures());
        assertThat(plots).hasSize(2);
        Document d = SvgTest.parse(plots.get(0));
        assertThat(SvgTest.all(d, "title").get(0).getTextContent()).isEqualTo("bytes/s over simulated time: bytes_per_update_period / office");
        List<Element> lines = SvgTest.all(d, "polyline");
        assertThat(lines).extracting(e -> e.getTextContent()).containsExactly("full-frame", "dirty-rects", "optimized");
        List<String> texts = SvgTest.all(d, "text").stream().map(Element::getTextContent).toList();
        // 3300 B per 33 ms = 100 kB/s: the y axis reaches 100k; the x axis is in ms (the last point at 66 ms)
        assertThat(texts).contains("100k", "bytes/s", "simulated time (ms)", "60");
        // full-frame is a flat line at the top of the y axis: all its points at the same height
        Matcher m = Pattern.compile("[0-9.]+,([0-9.]+)").matcher(lines.get(0).getAttribute("points"));
        java.util.Set<String> ys = new java.util.HashSet<>();
        while (m.find()) {
            ys.add(m.group(1));
        }
        assertThat(ys).hasSize(1);
    }

    @Test
    void aMapOfTwoListMapsIsOneXyPlotWithTheKeysAsAxes() throws Exception {
        Map<String, Object> cdf = new LinkedHashMap<>();
        for (String policy : List.of("alone", "best-effort")) {
            Map<String, Object> xy = new LinkedHashMap<>();
            xy.put("frame time (ms)", List.of(16.6, 16.7, policy.equals("alone") ? 16.7 : 18.8));
            xy.put("fraction of frames", List.of(0.0, 0.5, 1.0));
            cdf.put(policy, xy);
        }
        List<String> plots = ScenariosReport.plots(Map.of("victim_frame_time_cdf", cdf));
        assertThat(plots).hasSize(1);
        Document d = SvgTest.parse(plots.get(0));
        assertThat(SvgTest.all(d, "title").get(0).getTextContent()).isEqualTo("victim_frame_time_cdf");
        assertThat(SvgTest.all(d, "polyline")).extracting(e -> e.getTextContent()).containsExactly("alone", "best-effort");
        assertThat(SvgTest.all(d, "text").stream().map(Element::getTextContent).toList()).contains("frame time (ms)", "fraction of frames");
    }

    @Test
    void rowsWithPercentOfNativeAreABarChart() throws Exception {
        Document d = SvgTest.parse(ScenariosReport.plots(figures()).get(1));
        assertThat(SvgTest.all(d, "title").get(0).getTextContent()).isEqualTo("ablation.gl: % of native");
        assertThat(SvgTest.all(d, "rect").stream().filter(e -> e.getAttribute("class").equals("bar")).toList()).hasSize(2);
    }

    @Test
    void thePageHasTheChecksAndOnePlotPerPlottableFigure() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", "demo");
        s.put("title", "a <demo>");
        s.put("pass", false);
        s.put("expected", "x");
        s.put("checks", List.of(Map.of("name", "c1", "expected", "e", "observed", "o", "pass", false)));
        s.put("figures", figures());
        String html = ScenariosReport.html(Map.of("scenarios", List.of(s), "passed", 0, "failed", 1));
        assertThat(html).contains("<p class=\"outcome\">0 passed, 1 failed</p>", "a &lt;demo&gt;", "<td class=\"fail\">FAIL</td>");
        assertThat(Pattern.compile("<svg ").matcher(html).results().count()).isEqualTo(2);
        assertThat(html).isEqualTo(ScenariosReport.html(Map.of("scenarios", List.of(s), "passed", 0, "failed", 1)));
    }
}
