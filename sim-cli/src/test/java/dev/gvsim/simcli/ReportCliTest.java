package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import javax.imageio.ImageIO;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.simcore.ParamDef;

/** Issue 22, "Reports for people" and "Tested as users see it": the HTML reports, parsed with jsoup. */
class ReportCliTest {
    @TempDir
    Path dir;

    private Path qxlLinuxTrace() {
        Path t = dir.resolve("wc.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--frames", "1", "-o", t.toString()).code()).isZero();
        return t;
    }

    /** Structure every report must have: a title, no script, nothing fetched, every image a PNG that decodes. */
    static Document checkSelfContained(Path html) throws Exception {
        Document d = Jsoup.parse(html.toFile(), "UTF-8");
        assertThat(d.title()).startsWith("gvsim ");
        assertThat(d.select("script")).isEmpty();
        assertThat(d.select("link")).isEmpty();
        for (Element e : d.select("[src], [href], [xlink:href]")) {
            for (String attr : List.of("src", "href", "xlink:href")) {
                if (!e.attr(attr).startsWith("data:")) { // base64 may hold "//"; data: URIs are checked below
                    assertThat(e.attr(attr)).as(e.outerHtml()).doesNotContain("http://", "https://", "//");
                }
            }
        }
        assertThat(d.html()).doesNotContain("url(");
        for (Element img : d.select("img")) {
            String src = img.attr("src");
            assertThat(src).startsWith("data:image/png;base64,");
            assertThat(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1))))).isNotNull();
        }
        return d;
    }

    @Test
    void aFaultingReplaysReportHasTheOutcomeTheFaultTheParametersAndOnePlotPerChart() throws Exception {
        Path t = qxlLinuxTrace();
        Path html = dir.resolve("run.html");
        Path json = dir.resolve("run.json");
        String[] base = {"replay", t.toString(), "--attr", "0x13ffe000=device-ngnre", "--set", "qxl.io_latency=3us"};
        ReplayCliTest.Run plain = gvsim(base);
        ReplayCliTest.Run withReport = gvsim(concat(base, "--report", html.toString(), "-o", json.toString()));
        assertThat(withReport.code()).as(withReport.err()).isEqualTo(1).isEqualTo(plain.code());
        assertThat(withReport.out()).isEqualTo(plain.out());
        assertThat(withReport.err()).isEqualTo(plain.err());

        Document d = checkSelfContained(html);
        assertThat(d.title()).isEqualTo("gvsim replay: " + t);
        String outcome = plain.out().lines().filter(l -> l.startsWith("outcome")).findFirst().orElseThrow().substring("outcome".length()).strip();
        assertThat(d.selectFirst("p.outcome").text()).isEqualTo(outcome).startsWith("FAULT: alignment-fault").contains("ESR 0x96000061");
        // the machine as lspci shows it, with the windows assigned to the QXL's BARs
        assertThat(d.selectFirst("h2:contains(Machine) + pre").text()).contains("QXL paravirtual graphic card", "BAR 0 [mem 0x");
        // the fault table: ESR, FAR and the symbol
        Element faults = d.select("h2:matches(^Faults) + table").first();
        assertThat(faults.select("td").eachText()).contains("0x96000061", "0xffff80001801149c", "setup_slot");
        // the parameters that differ from their defaults, with the default's source
        ParamDef io = MachineBuilder.allParamDefs().stream().filter(p -> p.name().equals("qxl.io_latency")).findFirst().orElseThrow();
        Element params = d.select("h2:contains(Parameters) + table").first();
        assertThat(params.select("tr:contains(--set qxl.io_latency) td").eachText()).containsExactly("--set qxl.io_latency", "3us",
                io.defaultValue(), io.unit(), io.source());
        assertThat(params.select("tr:contains(--attr 0x13ffe000) td").eachText()).contains("device-ngnre");
        // two charts (memory types, PCI functions), each one <svg> with its bars, then the plots over simulated time
        assertThat(d.select("svg.plot")).hasSize(2 + d.select("h2:contains(Over simulated time) ~ svg:has(text.xlabel:matches(^simulated time))").size());
        assertThat(d.select("svg").get(0).select("rect.bar")).hasSize(d.select("h2:contains(memory type) + table tr").size() - 1);

        // the same page from the saved JSON (this run shows no scanout, so nothing differs)
        Path again = dir.resolve("again.html");
        ReplayCliTest.Run r = gvsim("report", json.toString(), "-o", again.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(Files.readString(again)).isEqualTo(Files.readString(html));
    }

    @Test
    void theBundledRealTraceWithTheHeadlineFlipReportsTheFaultInSetupSlot() throws Exception {
        Path t = dir.resolve("real.gvt.txt.xz");
        try (java.io.InputStream in = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz")) {
            Files.copy(in, t);
        }
        Path html = dir.resolve("real.html");
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--attr", "0x18000000=device-ngnre", "--attr", "0x13ffe000=device-ngnre", "--report",
                html.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        Document d = checkSelfContained(html);
        assertThat(d.selectFirst("p.outcome").text()).startsWith("FAULT: alignment-fault on a 8-byte write of 0xffff80001801149c at record 27")
                .contains("in setup_slot+0x38, ESR 0x96000061");
        assertThat(d.select("h2:contains(Parameters) + table tr:contains(--attr)")).hasSize(2);
    }

    /**
     * The real trace's report plots accesses and bus transactions over simulated time, one SVG per plot,
     * from the JSON's timeline (whose series sum to the counters in the tables), and a saved JSON gives
     * the same page byte for byte.
     */
    @Test
    void theRealTracesReportPlotsItsCountersOverSimulatedTimeOneSvgPerPlot() throws Exception {
        Path t = dir.resolve("real.gvt.txt.xz");
        try (java.io.InputStream in = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz")) {
            Files.copy(in, t);
        }
        Path html = dir.resolve("real.html");
        Path json = dir.resolve("real.json");
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--report", html.toString(), "-o", json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Document d = checkSelfContained(html);
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        com.fasterxml.jackson.databind.JsonNode tl = j.get("timeline");
        String per = "per " + tl.get("bucketPs").asLong() / 1_000_000 + " us";
        assertThat(tl.get("bucketPs").asLong() % 1_000_000).isZero();
        // one plot per group that counted something: accesses and transactions by memory type, accesses by PCI function (no config accesses)
        List<Element> plots = d.select("h2:contains(Over simulated time) ~ svg:has(text.xlabel:matches(^simulated time))");
        assertThat(plots).extracting(e -> e.selectFirst("title").text()).containsExactly("CPU accesses by memory type over simulated time",
                "Bus transactions by memory type (after write gathering) over simulated time",
                "Memory and I/O accesses by PCI function over simulated time");
        assertThat(d.select("svg")).hasSize(2 + plots.size());
        for (Element svg : plots) {
            assertThat(svg.selectFirst("text.xlabel").text()).isEqualTo("simulated time (ms)");
            assertThat(svg.selectFirst("text.ylabel").text()).endsWith(per);
            // each axis's labels are distinct (the x axis's are centred under their ticks, the y axis's end at them)
            assertThat(svg.select("text.tick[text-anchor=middle]").eachText()).isNotEmpty().doesNotHaveDuplicates();
            assertThat(svg.select("text.tick[text-anchor=end]").eachText()).isNotEmpty().doesNotHaveDuplicates();
        }
        assertThat(plots.get(0).select("polyline > title").eachText()).containsExactly("device-ngnre", "normal-nc");
        assertThat(plots.get(2).select("polyline > title").eachText()).containsExactly("00:01.0 qxl0");
        // what is plotted sums to what the tables say
        for (String type : List.of("device-ngnre", "normal-nc")) {
            long accesses = 0;
            long transactions = 0;
            for (com.fasterxml.jackson.databind.JsonNode v : tl.get("accessesByMemoryType").get(type)) {
                accesses += v.asLong();
            }
            for (com.fasterxml.jackson.databind.JsonNode v : tl.get("transactionsByMemoryType").get(type)) {
                transactions += v.asLong();
            }
            Element row = d.select("h2:contains(memory type) + table tr:has(td:matchesOwn(^" + type + "$))").first();
            assertThat(row.select("td").eachText()).containsSequence(type, Long.toString(accesses), Long.toString(transactions));
        }
        assertThat(d.select("h2:contains(Latency histograms) + p.note").text()).startsWith("none collected in this run");

        Path again = dir.resolve("again.html");
        assertThat(gvsim("report", json.toString(), "-o", again.toString()).code()).isZero();
        assertThat(Files.readString(again)).isEqualTo(Files.readString(html));
    }

    /** The host display's frame latencies (HdrHistograms) as one histogram per output, bins summing to the count, the same from a saved JSON. */
    @Test
    void aReplayWithTheHostDisplayModelledDrawsItsLatencyHistograms() throws Exception {
        Path t = dir.resolve("v.gvt");
        assertThat(gvsim("guest", "virtio-gpu-linux", "--workload", "full", "--fps", "60", "--frames", "6", "-o", t.toString(), "--set",
                "display.pipeline=qemu").code()).isZero();
        Path html = dir.resolve("v.html");
        Path json = dir.resolve("v.json");
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--set", "display.pipeline=qemu", "--report", html.toString(), "-o", json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Document d = checkSelfContained(html);
        com.fasterxml.jackson.databind.JsonNode hs = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile()).get("latencyHistograms");
        assertThat(hs.size()).isPositive();
        List<Element> svgs = d.select("h2:contains(Latency histograms) ~ svg");
        assertThat(svgs).hasSize(hs.size());
        java.util.Iterator<String> names = hs.fieldNames();
        for (Element svg : svgs) {
            com.fasterxml.jackson.databind.JsonNode h = hs.get(names.next());
            assertThat(svg.selectFirst("title").text()).contains(h.get("count").asText() + " values");
            assertThat(svg.select("rect.bar")).hasSize(h.get("bins").size());
            long sum = 0;
            for (com.fasterxml.jackson.databind.JsonNode b : h.get("bins")) {
                sum += b.get("count").asLong();
            }
            assertThat(sum).isEqualTo(h.get("count").asLong());
        }
        assertThat(d.select("h2:contains(Latency histograms) + table tr")).hasSize(hs.size() + 1);
        Path again = dir.resolve("again.html");
        assertThat(gvsim("report", json.toString(), "-o", again.toString()).code()).isZero();
        // the scanout is the one thing a saved JSON cannot give
        assertThat(Files.readString(again).replaceAll("(?s)<h2>Scanouts</h2>.*", "")).isEqualTo(Files.readString(html).replaceAll("(?s)<h2>Scanouts</h2>.*", ""));
    }

    @Test
    void aCleanReplaysReportEmbedsTheScanoutAsAPngThatDecodes() throws Exception {
        Path t = qxlLinuxTrace();
        Path html = dir.resolve("clean.html");
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--report", html.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Document d = checkSelfContained(html);
        assertThat(d.selectFirst("p.outcome").text()).startsWith("completed: ");
        assertThat(d.select("img")).hasSize(1);
        assertThat(d.selectFirst("figcaption").text()).contains("qxl");
    }

    @Test
    void aReportThatWouldOverwriteAnInputIsRefusedAndTheInputIsUntouched() throws Exception {
        Path t = qxlLinuxTrace();
        byte[] before = Files.readAllBytes(t);
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--report", dir.resolve(".").resolve(t.getFileName()).toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--report", "is the same file as the input");
        assertThat(Files.readAllBytes(t)).isEqualTo(before);

        Path json = dir.resolve("run.json");
        assertThat(gvsim("replay", t.toString(), "-o", json.toString()).code()).isZero();
        ReplayCliTest.Run s = gvsim("replay", t.toString(), "-o", json.toString(), "--report", json.toString());
        assertThat(s.code()).isEqualTo(2);
        assertThat(s.err()).contains("--report " + json + " is the same file as the input");
        byte[] saved = Files.readAllBytes(json);
        ReplayCliTest.Run u = gvsim("report", json.toString(), "-o", json.toString());
        assertThat(u.code()).isEqualTo(2);
        assertThat(Files.readAllBytes(json)).isEqualTo(saved);
    }

    @Test
    void reportOfSomethingElseSaysWhatItExpected() throws Exception {
        Path notJson = dir.resolve("x.json");
        Files.writeString(notJson, "[1, 2]");
        ReplayCliTest.Run r = gvsim("report", notJson.toString(), "-o", dir.resolve("x.html").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(notJson.toString(), "expected a replay report");
        assertThat(dir.resolve("x.html")).doesNotExist();
    }

    @Test
    void theQxlBandwidthScenariosReportPlotsBytesPerSecondForTheThreeAlgorithms() throws Exception {
        Path html = dir.resolve("s.html");
        Path json = dir.resolve("s.json");
        ReplayCliTest.Run r = gvsim("scenarios", "qxl-window-update-bandwidth", "--json", "--report", html.toString());
        Files.writeString(json, r.out());
        assertThat(r.err()).isEmpty();
        Document d = checkSelfContained(html);
        assertThat(d.title()).isEqualTo("gvsim scenarios");
        assertThat(d.select("h2").eachText()).anyMatch(h -> h.contains("qxl-window-update-bandwidth"));
        // one plot per workload, each with the three algorithms as lines, in bytes/s over simulated time
        long workloads = d.select("h2 ~ table tr:contains(optimized below dirty-rects)").size();
        assertThat(workloads).isGreaterThanOrEqualTo(3);
        assertThat(d.select("svg")).hasSize((int) workloads);
        for (Element svg : d.select("svg")) {
            assertThat(svg.selectFirst("title").text()).startsWith("bytes/s over simulated time: ");
            assertThat(svg.select("polyline > title").eachText()).containsExactlyInAnyOrder("full-frame", "dirty-rects", "optimized");
            assertThat(svg.select("text.ylabel").text()).isEqualTo("bytes/s");
        }
        // the page from the saved JSON is the same page
        Path again = dir.resolve("again.html");
        assertThat(gvsim("report", json.toString(), "-o", again.toString()).code()).isZero();
        assertThat(Files.readString(again)).isEqualTo(Files.readString(html));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
