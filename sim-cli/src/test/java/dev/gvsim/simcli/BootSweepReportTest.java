package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22, "--report on replay, scenarios, boot and sweep": the boot and sweep pages, parsed with jsoup. */
class BootSweepReportTest {
    @TempDir
    Path dir;

    static final String[] BOOT = {"boot", "--firmware", "edk2", "-device", "pcie-root-port,id=rp1,chassis=1", "-device", "pcie-root-port,id=rp2,chassis=2",
            "-device", "qxl-vga,bus=rp1"};

    @Test
    void aBootReportHasTheConsoleOutcomeThePciTreeAndTheAssignment() throws Exception {
        Path html = dir.resolve("boot.html");
        ReplayCliTest.Run plain = gvsim(BOOT);
        ReplayCliTest.Run r = gvsim(concat(BOOT, "--report", html.toString()));
        assertThat(r.code()).as(r.err()).isEqualTo(plain.code());
        assertThat(r.out()).isEqualTo(plain.out());
        Document d = ReportCliTest.checkSelfContained(html);
        assertThat(d.title()).isEqualTo("gvsim boot: -M virt -device pcie-root-port,id=rp1,chassis=1 -device pcie-root-port,id=rp2,chassis=2 -device qxl-vga,bus=rp1");
        // the outcome sentence is the console's first line, word for word
        String first = plain.out().lines().findFirst().orElseThrow();
        assertThat(d.selectFirst("p.outcome").text()).isEqualTo(first);
        assertThat(d.selectFirst("h2:contains(Machine) + pre").text()).contains("QXL paravirtual graphic card", "Root port", "BAR 0 [mem 0x");
        Element assigned = d.select("h2:contains(Resource assignment) + table").first();
        assertThat(assigned.select("tr")).hasSizeGreaterThan(1);
        assertThat(d.select("h2:contains(Parameters) + table td").eachText()).contains("--firmware", "edk2", "--routing", "qemu");

        // the same outcome from the saved JSON (which holds no PCI tree: said so)
        Path json = dir.resolve("boot.json");
        ReplayCliTest.Run j = gvsim(concat(BOOT, "--json"));
        Files.writeString(json, j.out());
        Path again = dir.resolve("again.html");
        ReplayCliTest.Run rep = gvsim("report", json.toString(), "-o", again.toString());
        assertThat(rep.code()).as(rep.err()).isZero();
        Document a = ReportCliTest.checkSelfContained(again);
        assertThat(a.selectFirst("p.outcome").text()).isEqualTo(first);
        assertThat(a.selectFirst("h2:contains(Machine) + p.note").text()).contains("not in the saved JSON");
    }

    @Test
    void aSweepReportHasOneRowPerPointTheOutcomeAndOneBarPerPoint() throws Exception {
        Path trace = dir.resolve("t.gvt.txt");
        try (InputStream in = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt")) {
            Files.copy(in, trace);
        }
        Path html = dir.resolve("sweep.html");
        Path json = dir.resolve("sweep.json");
        ReplayCliTest.Run r = gvsim("sweep", trace.toString(), "--set", "mem.uc.round_trip=100ns,400ns", "--set", "qxl.io_latency=1us,3us", "--jobs", "2",
                "-o", json.toString(), "--report", html.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Document d = ReportCliTest.checkSelfContained(html);
        assertThat(d.title()).isEqualTo("gvsim sweep: t.gvt.txt");
        assertThat(d.selectFirst("p.outcome").text()).isEqualTo("4 of 4 points replayed: 4 clean, 0 faulted, 0 mismatched");
        Element points = d.select("h2:contains(Points) + table").first();
        assertThat(points.select("tr")).hasSize(5);
        assertThat(points.select("tr").get(2).text()).contains("mem.uc.round_trip=100ns qxl.io_latency=3us", "clean");
        assertThat(d.select("svg")).hasSize(1);
        assertThat(d.select("svg rect.bar")).hasSize(4);
        // the slower uncached round trip takes longer: the bars carry the model's figures
        String t0 = d.select("svg rect.bar title").get(0).text();
        String t2 = d.select("svg rect.bar title").get(2).text();
        assertThat(t0).startsWith("#0 mem.uc.round_trip=100ns");
        assertThat(t2).startsWith("#2 mem.uc.round_trip=400ns");
        // the page from the saved JSON is the same page; merged shards give it too
        Path again = dir.resolve("again.html");
        assertThat(gvsim("report", json.toString(), "-o", again.toString()).code()).isZero();
        assertThat(Files.readString(again)).isEqualTo(Files.readString(html));
        Path s0 = dir.resolve("s0.json");
        Path s1 = dir.resolve("s1.json");
        assertThat(gvsim("sweep", trace.toString(), "--set", "mem.uc.round_trip=100ns,400ns", "--set", "qxl.io_latency=1us,3us", "--shard", "0/2", "-o",
                s0.toString()).code()).isZero();
        assertThat(gvsim("sweep", trace.toString(), "--set", "mem.uc.round_trip=100ns,400ns", "--set", "qxl.io_latency=1us,3us", "--shard", "1/2", "-o",
                s1.toString()).code()).isZero();
        Path merged = dir.resolve("merged.html");
        ReplayCliTest.Run m = gvsim("sweep", "merge", s0.toString(), s1.toString(), "-o", dir.resolve("m.json").toString(), "--report", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(Files.readString(merged)).isEqualTo(Files.readString(html));
    }

    @Test
    void aSweepReportThatWouldOverwriteTheTraceIsRefused() throws Exception {
        Path trace = dir.resolve("t.gvt.txt");
        try (InputStream in = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt")) {
            Files.copy(in, trace);
        }
        byte[] before = Files.readAllBytes(trace);
        ReplayCliTest.Run r = gvsim("sweep", trace.toString(), "--set", "qxl.io_latency=1us", "--report", trace.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--report", "is the same file as the input");
        assertThat(Files.readAllBytes(trace)).isEqualTo(before);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
