package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: {@code gvsim diff A.json B.json} explains what flipping an attribute changed. */
class DiffCommandTest {
    @TempDir
    Path dir;

    /** The Linux qxl driver model's trace (ioremap_wc: Normal-NC), replayed as recorded and with the RAM header flipped to Device-nGnRE. */
    private Path[] flipped() {
        Path t = dir.resolve("wc.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--frames", "1", "-o", t.toString()).code()).isZero();
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        assertThat(gvsim("replay", t.toString(), "-o", a.toString()).code()).isZero();
        assertThat(gvsim("replay", t.toString(), "--attr", "0x13ffe000=device-ngnre", "-o", b.toString()).code()).isEqualTo(1);
        return new Path[] {a, b};
    }

    @Test
    void anAttributeFlipShowsAsTheParameterTheNewFaultTheOutcomeAndTheCountersItMoved() {
        Path[] ab = flipped();
        ReplayCliTest.Run d = gvsim("diff", ab[0].toString(), ab[1].toString());
        assertThat(d.code()).as(d.err()).isEqualTo(1);
        String out = d.out();
        assertThat(out).containsPattern("(?m)^parameters$").containsPattern("(?m)^  --attr 0x13ffe000 +\\(default\\) +device-ngnre$");
        assertThat(out).containsPattern("(?m)^  A  completed: [0-9,]+ records, no faults, no mismatches$");
        assertThat(out).containsPattern("(?m)^  B  FAULT: alignment-fault on a 8-byte write of 0xffff80001801149c at record [0-9]+ \\(line [0-9]+\\) in setup_slot");
        assertThat(out).contains("faults     A 0, B 1").containsPattern("(?m)^  only in B +[0-9]+ +alignment-fault +write +0xffff80001801149c +0x96000061 +setup_slot");
        // counters: the fault count, the alignment fault in the MMU's counters, the accesses per memory type (fewer: the run stops there)
        assertThat(out).containsPattern("(?m)^  faultCount +0 +1 +\\+1$");
        assertThat(out).containsPattern("(?m)^  mmu\\.faults\\.alignment +0 +1 +\\+1$");
        assertThat(out).containsPattern("(?m)^  memoryTypes\\.device-ngnre\\.accesses +[0-9,]+ +[0-9,]+ +[-+][0-9,]+");
        assertThat(out).containsPattern("(?m)^  memoryTypes\\.normal-nc\\.accesses +[0-9,]+ +[0-9,]+ +-[0-9,]+");
        assertThat(out).containsPattern("(?m)^  stoppedByFault +false +true");
        // timings: the faulting run stops early
        assertThat(out).containsPattern("(?m)^  simulated time +[0-9.]+ [pnumµ]?s +[0-9.]+ [pnumµ]?s +-");
        assertThat(out).containsPattern("(?m)^the runs differ; [0-9,]+ values compared equal$");
        assertThat(out).doesNotContainPattern(ReplaySummaryTest.RAW_MAP);
    }

    @Test
    void theSameDiffAsAnHtmlPageAndTheInputsAreNeverOverwritten() throws Exception {
        Path[] ab = flipped();
        Path html = dir.resolve("diff.html");
        ReplayCliTest.Run d = gvsim("diff", ab[0].toString(), ab[1].toString(), "--report", html.toString());
        assertThat(d.code()).as(d.err()).isEqualTo(1);
        org.jsoup.nodes.Document doc = ReportCliTest.checkSelfContained(html);
        assertThat(doc.title()).isEqualTo("gvsim diff: " + ab[0] + " vs " + ab[1]);
        assertThat(doc.select("p.outcome").text()).startsWith("The runs differ (").endsWith(" values compared equal).");
        assertThat(doc.select("h2").eachText()).contains("parameters", "faults A 0, B 1", "counters", "timings");
        // every row the text shows is a row of the page: the attribute, the new fault, the MMU's counter
        assertThat(doc.select("tr").eachText()).contains("--attr 0x13ffe000 (default) device-ngnre", "mmu.faults.alignment 0 1 +1")
                .anyMatch(r -> r.startsWith("only in B") && r.contains("0x96000061") && r.contains("setup_slot"));
        assertThat(doc.select("p").eachText()).anyMatch(p -> p.startsWith("B FAULT: alignment-fault"));
        String before = Files.readString(ab[0]);
        ReplayCliTest.Run same = gvsim("diff", ab[0].toString(), ab[1].toString(), "--report", ab[0].toString());
        assertThat(same.code()).isEqualTo(2);
        assertThat(same.err()).contains("--report");
        assertThat(Files.readString(ab[0])).isEqualTo(before);
    }

    @Test
    void aRunComparedWithItselfHasNoDifferencesAndExitsZero() {
        Path[] ab = flipped();
        ReplayCliTest.Run d = gvsim("diff", ab[1].toString(), ab[1].toString());
        assertThat(d.code()).isZero();
        assertThat(d.out()).contains("outcome    the same: FAULT: alignment-fault", "faults     the same (1)")
                .containsPattern("(?m)^no differences; [0-9,]+ values compared equal$").doesNotContain("counters", "timings", "only in");
    }

    @Test
    void aSetParameterAndItsTimingEffectShow() throws Exception {
        Path t = dir.resolve("wc.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--frames", "1", "-o", t.toString()).code()).isZero();
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        assertThat(gvsim("replay", t.toString(), "--json", "-o", a.toString()).code()).isZero();
        ReplayCliTest.Run rb = gvsim("replay", t.toString(), "--set", "machine.ram_size=2147483648", "--json");
        Files.writeString(b, rb.out()); // the --json stdout is a report too
        ReplayCliTest.Run d = gvsim("diff", a.toString(), b.toString());
        assertThat(d.out()).containsPattern("(?m)^  --set machine\\.ram_size +\\(default\\) +2147483648$");
    }

    @Test
    void inputsThatAreNotReplayReportsAreExitTwoWithTheFileAndWhatWasExpected() throws Exception {
        Path[] ab = flipped();
        Path notJson = dir.resolve("n.json");
        Files.writeString(notJson, "{\"records\": 3,\n  oops}");
        Path other = dir.resolve("o.json");
        Files.writeString(other, "{\"scenarios\": []}");
        Path arr = dir.resolve("arr.json");
        Files.writeString(arr, "[1, 2]");
        ReplayCliTest.Run r1 = gvsim("diff", ab[0].toString(), notJson.toString());
        assertThat(r1.code()).isEqualTo(2);
        assertThat(r1.err()).contains("n.json: not JSON: line 2");
        ReplayCliTest.Run r2 = gvsim("diff", other.toString(), ab[0].toString());
        assertThat(r2.code()).isEqualTo(2);
        assertThat(r2.err()).contains("o.json: expected a replay report", "has no \"records\"");
        ReplayCliTest.Run r3 = gvsim("diff", arr.toString(), ab[0].toString());
        assertThat(r3.err()).contains("arr.json: expected a replay report (a JSON object) but found a JSON array");
        ReplayCliTest.Run r4 = gvsim("diff", dir.toString(), ab[0].toString());
        assertThat(r4.err()).contains(dir + ": is a directory");
    }
}
