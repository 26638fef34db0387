package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: the replay summary for people: outcome sentence, faults with symbols, tables, no raw maps. */
class ReplaySummaryTest {
    @TempDir
    Path dir;

    /** A Map.toString or List-of-maps rendering: "{key=value" anywhere. */
    static final String RAW_MAP = "\\{[A-Za-z0-9_.:-]+=";

    @Test
    void aFaultingReplaySaysWhatFaultedWhereInWhichFunctionAndTabulatesTheAccesses() {
        Path t = dir.resolve("ioremap.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--variant", "ioremap", "--frames", "0", "-o", t.toString()).code()).isEqualTo(1);
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--set", "machine.ram_size=1073741824");
        assertThat(r.code()).isEqualTo(1);
        String out = r.out();
        assertThat(out).containsPattern("(?m)^outcome    FAULT: alignment-fault on a 8-byte write of 0x[0-9a-f]+149c at record [0-9]+ \\(line [0-9]+\\) "
                + "in setup_slot(\\+0x38)?, ESR 0x96000061$");
        assertThat(out).contains("overrides  --set machine.ram_size=1073741824");
        // the fault table: a header, then the fault with its symbol in the last column
        assertThat(out).containsPattern("(?m)^  record +line +fault +access +va +size +esr +far +pc +symbol$");
        assertThat(out).containsPattern("(?m)^ +[0-9]+ +[0-9]+ +alignment-fault +write +0x[0-9a-f]+ +8 +0x96000061 +0x[0-9a-f]+ +(-|0x[0-9a-f]+) +setup_slot(\\+0x38)?$");
        // memory types with accesses, one row each; the PCI function table
        assertThat(out).containsPattern("(?m)^accesses by memory type$");
        assertThat(out).containsPattern("(?m)^  device-ngnre +[0-9,]+ +[0-9,]+ +[0-9,]+$");
        assertThat(out).doesNotContain("normal-wt"); // a type nothing used is left out
        assertThat(out).containsPattern("(?m)^  00:01\\.0 qxl0 +qxl +[0-9,]+ +[0-9,]+ +[0-9,]+ +[0-9,]+$");
        assertThat(out).doesNotContainPattern(RAW_MAP);
    }

    @Test
    void aCleanReplaySaysSoAndMismatchesAreTabulatedPerDevice() throws Exception {
        Path t = dir.resolve("wc.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--frames", "1", "-o", t.toString()).code()).isZero();
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--attr", "0x13ffe000=normal-nc");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^outcome    completed: [0-9,]+ records, no faults, no mismatches$")
                .contains("overrides  --attr 0x13ffe000=normal-nc").doesNotContainPattern(RAW_MAP);

        // a read the recorded system answered differently: the QXL ROM magic
        Path m = dir.resolve("m.gvt.txt");
        java.nio.file.Files.writeString(m, "gvsim-trace 1\nmachine args=\"-M virt -device qxl\"\n"
                + "map va=0xffff800010000000 pa=0x10000000 size=0x2000 attr=device-ngnre\n"
                + "rd va=0xffff800010000000 size=4 expect=0x12345678\n");
        ReplayCliTest.Run mm = gvsim("replay", m.toString());
        assertThat(mm.code()).isEqualTo(1);
        assertThat(mm.out()).containsPattern("(?m)^outcome    MISMATCH: 1 reads returned another value than the recorded system's \\(first at record 3, ")
                .containsPattern("(?m)^  device +mismatches$").containsPattern("(?m)^  record +line +op +address +size +device +expected +actual$")
                .doesNotContainPattern(RAW_MAP);
    }
}
