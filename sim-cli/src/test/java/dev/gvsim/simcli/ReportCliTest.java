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
                assertThat(e.attr(attr)).as(e.outerHtml()).doesNotContain("http://", "https://", "//");
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
        // two charts (memory types, PCI functions), each one <svg> with its bars
        assertThat(d.select("svg")).hasSize(2);
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
