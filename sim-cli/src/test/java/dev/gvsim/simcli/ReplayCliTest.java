package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Replays small hand-written traces through a RAM-only machine via the CLI: outcomes and exit codes. */
class ReplayCliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Run gvsim(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    Path trace(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "gvsim-trace 1\nmachine args=\"-M virt\"\n" + body);
        return p;
    }

    static final String RAM_MAP = "map va=0xffff000000000000 pa=0x40000000 size=0x10000 attr=normal-wb\n";

    @Test
    void storeThenLoadBackFromGuestRamCompletesWithExitZero() throws Exception {
        Path t = trace("ok.gvt.txt", RAM_MAP
                + "wr va=0xffff000000000010 size=8 val=0x1122334455667788\n"
                + "rd va=0xffff000000000010 size=8 expect=0x1122334455667788\n"
                + "rd va=0xffff000000000014 size=4 expect=0x11223344\n");
        Run r = gvsim("replay", "--json", t.toString());
        assertThat(r.code).as(r.err).isEqualTo(0);
        JsonNode j = r.json();
        assertThat(j.get("records").asLong()).isEqualTo(5);
        assertThat(j.get("accesses").asLong()).isEqualTo(3);
        assertThat(j.get("faultCount").asLong()).isZero();
        assertThat(j.get("mismatchCount").asLong()).isZero();
        assertThat(j.get("simulatedTimePs").asLong()).isPositive();
    }

    @Test
    void aWrongExpectedValueIsAMismatchWithBothValuesAndExitOne() throws Exception {
        Path t = trace("mm.gvt.txt", RAM_MAP
                + "wr va=0xffff000000000000 size=4 val=0xcafe\n"
                + "rd va=0xffff000000000000 size=4 expect=0xbeef\n");
        Run r = gvsim("replay", "--json", t.toString());
        assertThat(r.code).isEqualTo(1);
        JsonNode m = r.json().get("mismatches").get(0);
        assertThat(m.get("index").asLong()).isEqualTo(4);
        assertThat(m.get("line").asLong()).isEqualTo(5);
        assertThat(m.get("expected").asText()).isEqualTo("0xbeef");
        assertThat(m.get("actual").asText()).isEqualTo("0xcafe");
    }

    /**
     * A stage-2 fault is taken to EL2: ESR_EL2 (EC 0x24), FAR_EL2 = the VA, HPFAR_EL2.FIPA = IPA[51:12]
     * (ARM DDI 0487, FAR_EL2 and HPFAR_EL2). The report gives the VA as {@code far} and the IPA as
     * {@code ipa} and {@code hpfar}; its memType is stage 1's (the translation stopped at stage 2).
     */
    @Test
    void stage2FaultReportsTheVaAsFarAndTheIpaAsHpfar() throws Exception {
        Path t = trace("s2.gvt.txt", "map va=0xffff800010000000 pa=0x10000000 size=0x2000 attr=normal-nc\n"
                + "s2map ipa=0x10000000 pa=0x10000000 size=0x1000 attr=device-ngnre\n"
                + "wr va=0xffff800010000010 size=8 val=1\n"
                + "wr va=0xffff800010001010 size=8 val=1\n");
        Run r = gvsim("replay", "--json", t.toString());
        assertThat(r.code).isEqualTo(1);
        JsonNode f = r.json().get("faults").get(0);
        assertThat(f.get("type").asText()).isEqualTo("translation-fault");
        assertThat(f.get("stage").asInt()).isEqualTo(2);
        assertThat(f.get("esr").asText()).as("EC 0x24 (from a lower EL), WnR, level-3 translation fault").isEqualTo("0x92000047");
        assertThat(f.get("far").asText()).isEqualTo("0xffff800010001010");
        assertThat(f.get("ipa").asText()).isEqualTo("0x10001010");
        assertThat(f.get("hpfar").asText()).isEqualTo("0x100010");
        assertThat(f.get("memType").asText()).isEqualTo("normal-nc");
        Run text = gvsim("replay", t.toString());
        // the summary's fault table gets ipa and hpfar columns when a fault has them (issue 22: tables, not key=value runs)
        assertThat(text.out).containsPattern("(?m)^  record +line +fault +access +va +size +esr +far +ipa +hpfar +pc +symbol$")
                .containsPattern("0x92000047 +0xffff800010001010 +0x10001010 +0x100010 ");
        // a stage-1 fault has neither
        Path s1 = trace("s1.gvt.txt", "map va=0xffff800010000000 pa=0x10000000 size=0x1000 attr=normal-nc\n"
                + "wr va=0xffff800010001010 size=8 val=1\n");
        JsonNode f1 = gvsim("replay", "--json", s1.toString()).json().get("faults").get(0);
        assertThat(f1.get("stage").asInt()).isEqualTo(1);
        assertThat(f1.has("ipa")).isFalse();
        assertThat(f1.has("hpfar")).isFalse();
    }

    @Test
    void unalignedStoreToDeviceMemoryFaultsWithTheArchitectedEsrAndStopsTheStream() throws Exception {
        Path t = trace("fault.gvt.txt", "map va=0xffff800018010000 pa=0x40010000 size=0x2000 attr=device-ngnre\n"
                + "wr va=0xffff80001801149c size=8 val=0x10000000 sym=setup_slot+0x38\n"
                + "wr va=0xffff8000180114a4 size=8 val=0x1\n");
        Run r = gvsim("replay", "--json", t.toString());
        assertThat(r.code).isEqualTo(1);
        JsonNode j = r.json();
        assertThat(j.get("faultCount").asLong()).isEqualTo(1);
        assertThat(j.get("skippedAfterFault").asLong()).isEqualTo(1);
        JsonNode f = j.get("faults").get(0);
        assertThat(f.get("type").asText()).isEqualTo("alignment-fault");
        assertThat(f.get("esr").asText()).isEqualTo("0x96000061");
        assertThat(f.get("far").asText()).isEqualTo("0xffff80001801149c");
        // the first access to the page (a TLB miss) names the mapping's type, not a default
        assertThat(f.get("memType").asText()).isEqualTo("device-ngnre");
        assertThat(j.get("unalignedByType").get("device-ngnre").asLong()).isEqualTo(1);
        assertThat(j.get("unalignedByType").has("device-ngnrne")).isFalse();
        assertThat(f.get("sym").asText()).isEqualTo("setup_slot+0x38");
        assertThat(f.get("line").asLong()).isEqualTo(4);

        Run c = gvsim("replay", "--json", "--continue", t.toString());
        assertThat(c.json().get("faultCount").asLong()).isEqualTo(2);

        Run fixed = gvsim("replay", "--json", "--attr", "0x40010000=normal-nc", t.toString());
        assertThat(fixed.code).isEqualTo(0);
        assertThat(fixed.json().get("overrides").get("attr").get("0x40010000").asText()).isEqualTo("normal-nc");
    }

    @Test
    void anUnmappedAddressIsATranslationFault() throws Exception {
        Path t = trace("xlat.gvt.txt", RAM_MAP + "rd va=0xffff000000100000 size=4\n");
        Run r = gvsim("replay", "--json", t.toString());
        assertThat(r.code).isEqualTo(1);
        JsonNode f = r.json().get("faults").get(0);
        assertThat(f.get("type").asText()).isEqualTo("translation-fault");
        // EC 0x25, IL, DFSC 0b0001LL: a translation fault at some level 0..3
        long esr = Long.decode(f.get("esr").asText());
        assertThat(esr >>> 26).isEqualTo(0x25);
        assertThat(esr & 0x3C).isEqualTo(0x04);
    }

    @Test
    void badInputIsExitTwoWithALineNumberAndNoStackTrace() throws Exception {
        Path t = trace("bad.gvt.txt", RAM_MAP + "rd va=0xffff000000000000 sise=4\n");
        Run r = gvsim("replay", t.toString());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("line 4").doesNotContain("Exception").doesNotContain("\tat ");
        Run missing = gvsim("replay", dir.resolve("nope.gvt.txt").toString());
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).contains("no such file");
        Run badAttr = gvsim("replay", "--attr", "0x1000=device-weird", t.toString());
        assertThat(badAttr.code).isEqualTo(2);
        assertThat(badAttr.err).contains("normal-nc");
        Run badSet = gvsim("replay", "--set", "no.such.param=1", t.toString());
        assertThat(badSet.code).isEqualTo(2);
        assertThat(badSet.err).contains("no.such.param");
    }

    @Test
    void jsonOutputIsByteIdenticalAcrossRuns() throws Exception {
        Path t = trace("det.gvt.txt", RAM_MAP + "memset dst=0xffff000000000000 len=4096 val=0x5a\n"
                + "memcpy dst=0xffff000000002000 src=0xffff000000000000 len=4000\n"
                + "rd va=0xffff000000002f00 size=8 expect=0x5a5a5a5a5a5a5a5a\n");
        Run a = gvsim("replay", "--json", t.toString());
        Run b = gvsim("replay", "--json", t.toString());
        assertThat(a.code).as(a.err).isEqualTo(0);
        assertThat(a.out).isEqualTo(b.out);
        Map<?, ?> types = new ObjectMapper().readValue(a.out, Map.class);
        assertThat(types.get("memoryTypes").toString()).contains("normal-wb");
    }
}
