package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Regression traces for the failure classes QEMU's devices have had (issue 10), hand-written under
 * guest-traces/src/main/resources/dev/gvsim/guesttraces/traces/regress/. Each replays through the command line ({@code replay --json
 * --continue}) to the architected answer: the guest error the device records or the fault the CPU
 * takes, with a clear report, exit code 0 or 1 (never 2, bad input, or 3, internal error), and the
 * records after the bad one still run.
 */
class RegressionTracesTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err, JsonNode json) {
    }

    Run replay(String resource) throws Exception {
        Path p = dir.resolve(resource);
        try (InputStream in = RegressionTracesTest.class.getResourceAsStream("/dev/gvsim/guesttraces/traces/regress/" + resource)) {
            assertThat(in).as("resource /regress/%s", resource).isNotNull();
            Files.write(p, in.readAllBytes());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"replay", "--json", "--continue", p.toString()}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as("exit code (stderr: %s)", err).isIn(0, 1);
        assertThat(err.toString()).doesNotContain("Exception").doesNotContain("internal error");
        return new Run(code, out.toString(), err.toString(), new ObjectMapper().readTree(out.toString()));
    }

    static List<String> texts(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    static List<String> marks(JsonNode j) {
        List<String> l = new ArrayList<>();
        j.get("marks").forEach(n -> l.add(n.get("name").asText()));
        return l;
    }

    @Test
    void qxlIdsOutOfRangeAreGuestBugsAndResetHealsThem() throws Exception {
        Run r = replay("qxl-ids-out-of-range.gvt.txt");
        JsonNode j = r.json;
        assertThat(r.code).isZero();
        assertThat(j.get("mismatchCount").asLong()).as("every expect= (int_pending after each bug, ring cons) held").isZero();
        assertThat(j.get("faultCount").asLong()).isZero();
        JsonNode q = j.get("devices").get("qxl0");
        assertThat(texts(q.get("guest_errors"))).containsExactly(
                "guest bug: QXL_IO_MEMSLOT_ADD: val out of range",
                "guest bug: QXL_IO_MEMSLOT_DEL: val out of range",
                "guest bug: QXL_IO_UPDATE_AREA: invalid surface id 65536",
                "guest bug: command ring prod 256 - cons 0 > num_items 32",
                "spice: slot too large 200 >= 8 (addr 0xc800000000100000)");
        assertThat(q.get("interrupts_raised").get("error").asLong()).isEqualTo(4);
        assertThat(q.get("error_state").asBoolean()).as("the last bad id was spice-side: no error state").isFalse();
        assertThat(q.get("draws_dropped").asLong()).isEqualTo(1);
        assertThat(q.get("memslots")).hasSize(1);
        assertThat(marks(j)).containsExactly("memslot-id-8", "memslot-del-id-255", "update-area-surface-0x10000",
                "command-ring-prod-0x100", "command-in-memslot-200");
        assertThat(j.get("records").asLong()).as("every record ran").isEqualTo(54);
    }

    @Test
    void commandsOnADestroyedPrimaryAreDroppedAndANewPrimaryWorks() throws Exception {
        Run r = replay("qxl-destroyed-primary.gvt.txt");
        JsonNode j = r.json;
        assertThat(r.code).isZero();
        assertThat(j.get("mismatchCount").asLong()).as("pixels before, after destroy and after re-create").isZero();
        JsonNode q = j.get("devices").get("qxl0");
        assertThat(texts(q.get("guest_errors"))).containsExactly("spice: drawable: invalid surface_id 0");
        assertThat(q.get("interrupts_raised").get("error").asLong()).as("a second destroy is not a guest bug").isZero();
        assertThat(q.get("draws_rendered").asLong()).isEqualTo(2);
        assertThat(q.get("draws_dropped").asLong()).isEqualTo(1);
        assertThat(q.get("mode").asText()).isEqualTo("native");
        assertThat(q.get("primary").get("width").asInt()).isEqualTo(16);
    }

    @Test
    void accessSizesARegisterRefusesAreExternalAbortsWithoutSideEffects() throws Exception {
        Run r = replay("mmio-access-size.gvt.txt");
        JsonNode j = r.json;
        assertThat(r.code).as("faults: exit 1").isEqualTo(1);
        assertThat(j.get("mismatchCount").asLong()).as("no refused write reached ioport_write").isZero();
        JsonNode faults = j.get("faults");
        assertThat(j.get("faultCount").asLong()).isEqualTo(8);
        List<String> types = new ArrayList<>();
        faults.forEach(f -> types.add(f.get("type").asText()));
        assertThat(types).containsOnly("external-abort");
        // CPU stores/loads into the PIO window: ESR_EL1 EC 0x25, IL, DFSC 0b010000 (+WnR), FAR = VA (ARM DDI 0487 D13.2.37)
        JsonNode w4 = faults.get(0);
        assertThat(w4.get("line").asLong()).isEqualTo(14);
        assertThat(w4.get("esr").asText()).isEqualTo("0x96000050");
        assertThat(w4.get("far").asText()).isEqualTo("0xfffffbfffe801008");
        JsonNode rd4 = faults.get(3);
        assertThat(rd4.get("kind").asText()).isEqualTo("read");
        assertThat(rd4.get("esr").asText()).isEqualTo("0x96000010");
        assertThat(rd4.get("far").asText()).isEqualTo("0xfffffbfffe801000");
        JsonNode q = j.get("devices").get("qxl0");
        assertThat(q.get("io_writes").get("memslot_add").asLong()).as("only the 1-byte write arrived").isEqualTo(1);
        assertThat(q.get("io_writes").get("reset").asLong()).isEqualTo(2);
        assertThat(texts(q.get("guest_errors"))).containsExactly("guest bug: QXL_IO_MEMSLOT_ADD: val out of range");
        assertThat(j.get("devices").get("pci").get("bar_access_rule_violations").asLong()).isEqualTo(8);
        assertThat(marks(j)).contains("still-works");
    }

    @Test
    void walksOutOfRangeAreTheArchitectedFaultsAndTheReplayGoesOn() throws Exception {
        Run r = replay("page-table-out-of-range.gvt.txt");
        JsonNode j = r.json;
        assertThat(r.code).isEqualTo(1);
        assertThat(j.get("faultCount").asLong()).isEqualTo(4);
        assertThat(j.get("mismatchCount").asLong()).as("the store and load after the faults work").isZero();
        JsonNode f = j.get("faults");
        // VA outside both TTBR ranges: level-0 translation fault, DFSC 0b000100
        assertThat(f.get(0).get("type").asText()).isEqualTo("translation-fault");
        assertThat(f.get(0).get("esr").asText()).isEqualTo("0x96000004");
        assertThat(f.get(0).get("far").asText()).isEqualTo("0x1000000000000");
        // unmapped page: level-3 translation fault, DFSC 0b000111
        assertThat(f.get(1).get("esr").asText()).isEqualTo("0x96000007");
        assertThat(f.get(1).get("level").asInt()).isEqualTo(3);
        // PA no one decodes: synchronous external abort on the write, DFSC 0b010000 + WnR
        assertThat(f.get(2).get("type").asText()).isEqualTo("external-abort");
        assertThat(f.get(2).get("esr").asText()).isEqualTo("0x96000050");
        assertThat(f.get(2).get("pa").asText()).isEqualTo("0x7000000000");
        // IPA beyond guest RAM, not stage-2 mapped: stage-2 translation fault taken to EL2 (EC 0x24)
        assertThat(f.get(3).get("type").asText()).isEqualTo("translation-fault");
        assertThat(f.get(3).get("stage").asInt()).isEqualTo(2);
        assertThat(Long.decode(f.get(3).get("esr").asText()) >>> 26).isEqualTo(0x24);
        assertThat(j.get("records").asLong()).isEqualTo(17);
    }

    /**
     * virtio-gpu-hostile-queue.gvt.txt: hostile split virtqueues on virtio-gpu-pci through the whole machine. Every
     * hostile ring is QEMU 7.2's virtio_error (its text in queue_errors, DEVICE_NEEDS_RESET read back, the configuration
     * interrupt in ISR, nothing used); the two that QEMU accepts although the spec forbids them are answered; a reset
     * heals and the replay reaches the end. The trace's own expect= values check the guest-visible side.
     */
    @Test
    void hostileVirtqueuesAreQemusVirtioErrorsAndAResetHeals() throws Exception {
        Run r = replay("virtio-gpu-hostile-queue.gvt.txt");
        JsonNode j = r.json;
        assertThat(r.code).isZero();
        assertThat(j.get("mismatchCount").asLong()).as("status, ISR, used ring and response read-backs: %s", j.get("mismatches")).isZero();
        assertThat(j.get("faultCount").asLong()).isZero();
        assertThat(j.get("records").asLong()).as("every record ran").isEqualTo(378);
        JsonNode g = j.get("devices").get("virtio-gpu-pci0");
        assertThat(texts(g.get("queue_errors"))).containsExactly(
                "queue 0: Looped descriptor",
                "queue 0: virtio: too many write descriptors in indirect table",
                "queue 0: virtio: bogus descriptor or out of resources",
                "queue 0: Incorrect order for descriptors",
                "queue 0: virtio: bogus descriptor or out of resources",
                "queue 0: Cannot map indirect buffer",
                "queue 0: Invalid size for indirect buffer table");
        assertThat(g.get("queue_error_count").asLong()).isEqualTo(7);
        assertThat(g.get("device_errors").asLong()).isEqualTo(7);
        assertThat(g.get("status").asText()).as("healed by the last reset").isEqualTo("0x0f");
        assertThat(g.get("chains").get(0).asLong()).as("healthy, longer-than-the-queue, indirect-in-indirect, after reset").isEqualTo(4);
        assertThat(g.get("commands").get("GET_DISPLAY_INFO").asLong()).isEqualTo(3);
        assertThat(g.get("commands").get("other").asLong()).as("the inner indirect table read as a request header").isEqualTo(1);
        assertThat(g.get("queue_interrupts").asLong()).isEqualTo(4);
        assertThat(marks(j)).containsExactly("healthy-get-display-info", "descriptor-loop", "indirect-chain-longer-than-the-queue",
                "chain-beyond-virtqueue-max-size", "descriptor-outside-ram", "writable-before-readable", "indirect-inside-indirect",
                "oversize-length", "oversize-indirect-table", "indirect-size-not-a-multiple-of-16", "reset-heals");
    }

    static JsonNode gpu(Run r) {
        assertThat(r.code).isZero();
        assertThat(r.json.get("mismatchCount").asLong()).as("the trace's read-backs: %s", r.json.get("mismatches")).isZero();
        assertThat(r.json.get("faultCount").asLong()).isZero();
        JsonNode g = r.json.get("devices").get("virtio-gpu-pci0");
        assertThat(g.get("status").asText()).isEqualTo("0x0f");
        assertThat(g.has("queue_errors")).as("well-formed chains").isFalse();
        return g;
    }

    /**
     * CVE-2021-3544 class (vhost-user-gpu resource and backing leaks, QEMU 6.1 fixes 86dd8fac2acc, b9f79858a614,
     * b7afebcf9e6e, f6091d86ba9e, 63736af5a657): id reuse, attaching twice, failed attaches, unref with backing,
     * create/attach/detach/unref cycles: the resource table, host memory and backing entries are back to 0.
     */
    @Test
    void resourceAndBackingAccountingReturnsToZero() throws Exception {
        JsonNode g = gpu(replay("virtio-gpu-cve-2021-3544.gvt.txt"));
        assertThat(g.get("resources").asLong()).isZero();
        assertThat(g.get("hostmem").asLong()).isZero();
        assertThat(g.get("backing_entries").asLong()).isZero();
        assertThat(g.get("command_errors").asLong()).as("id reuse, attach twice, no such id, unmappable entry, too many entries, "
                + "short entry list, unref and detach of a gone id").isEqualTo(8);
        assertThat(g.get("commands").get("RESOURCE_ATTACH_BACKING").asLong()).isEqualTo(12);
        assertThat(g.get("chains").get(0).asLong()).isEqualTo(28);
    }

    /** CVE-2021-3545 class (121841b25d72): no byte of an earlier response, nor past used.len, in a later one; the trace reads them. */
    @Test
    void responsesCarryNoStaleBytes() throws Exception {
        JsonNode g = gpu(replay("virtio-gpu-cve-2021-3545.gvt.txt"));
        assertThat(g.get("fenced_commands").asLong()).isEqualTo(2);
        assertThat(g.get("responses_short").asLong()).as("the 8-byte buffer").isEqualTo(1);
        assertThat(g.get("commands").get("GET_CAPSET_INFO").asLong()).isEqualTo(1);
        assertThat(g.get("resources").asLong()).isZero();
    }

    /**
     * CVE-2021-3546 class (9f22893adcb0): GET_CAPSET(_INFO) with any id, version and buffer size is ERR_UNSPEC without
     * virgl; wrapping rects are refused; offsets past or wrapping the backing copy only what the backing holds.
     */
    @Test
    void guestSizedCopiesStayInsideTheImageAndTheBacking() throws Exception {
        JsonNode g = gpu(replay("virtio-gpu-cve-2021-3546.gvt.txt"));
        // 0 (offset = backing size) + 128 (last partial row) + 48 x 256 (rows whose uint32 offset wrapped to 0)
        // + 16384 (whole image) + 4096 (a 4 KiB backing under a 16 KiB image)
        assertThat(g.get("bytes_copied").asLong()).isEqualTo(128 + 48 * 256 + 16384 + 4096);
        assertThat(g.get("command_errors").asLong()).isEqualTo(10);
        assertThat(g.get("commands").get("TRANSFER_TO_HOST_2D").asLong()).isEqualTo(9);
        assertThat(g.get("resources").asLong()).isZero();
        assertThat(g.get("hostmem").asLong()).isZero();
    }

    @Test
    void withoutContinueTheFirstFaultStopsTheStreamButTheReportIsComplete() throws Exception {
        Path p = dir.resolve("pt.gvt.txt");
        try (InputStream in = RegressionTracesTest.class.getResourceAsStream("/dev/gvsim/guesttraces/traces/regress/page-table-out-of-range.gvt.txt")) {
            Files.write(p, in.readAllBytes());
        }
        StringWriter out = new StringWriter();
        int code = Main.run(new String[] {"replay", "--json", p.toString()}, new PrintWriter(out), new PrintWriter(new StringWriter()));
        assertThat(code).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertThat(j.get("faultCount").asLong()).isEqualTo(1);
        assertThat(j.get("stoppedByFault").asBoolean()).isTrue();
        assertThat(j.get("skippedAfterFault").asLong()).isPositive();
    }
}
