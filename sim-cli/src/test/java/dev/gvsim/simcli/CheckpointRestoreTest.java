package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.Replayer;

/**
 * Issue 11's property: run to the end; run to N, save, restore, run to the end; the JSON results
 * (without the provenance key {@code checkpoint}) and the final device state are identical, for
 * several N; save -> restore -> save gives identical bytes; a checkpoint can be branched.
 */
class CheckpointRestoreTest {
    @TempDir
    Path dir;

    static String withoutProvenance(String json) throws Exception {
        ObjectNode n = (ObjectNode) new ObjectMapper().readTree(json);
        n.remove("checkpoint");
        return n.toString();
    }

    Path driverTrace() throws Exception {
        Path t = dir.resolve("qxl.gvt");
        ReplayCliTest.Run g = gvsim("guest", "qxl-linux", "--frames", "3", "-o", t.toString());
        assertThat(g.code()).as(g.err()).isZero();
        return t;
    }

    void assertContinuesIdentically(Path trace, long n, String... extra) throws Exception {
        List<String> full = new ArrayList<>(List.of("replay", "--json", "--continue"));
        full.addAll(List.of(extra));
        full.add(trace.toString());
        ReplayCliTest.Run whole = gvsim(full.toArray(String[]::new));
        Path cp = dir.resolve("cp-" + n + ".gvck");
        List<String> save = new ArrayList<>(List.of("replay", "--continue", "--checkpoint-at", Long.toString(n), "-o", cp.toString()));
        save.addAll(List.of(extra));
        save.add(trace.toString());
        ReplayCliTest.Run s = gvsim(save.toArray(String[]::new));
        assertThat(s.code()).as(s.err()).isIn(0, 1);
        List<String> rest = new ArrayList<>(List.of("replay", "--json", "--continue", "--restore", cp.toString()));
        rest.addAll(List.of(extra));
        rest.add(trace.toString());
        ReplayCliTest.Run r = gvsim(rest.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isEqualTo(whole.code());
        assertThat(withoutProvenance(r.out())).as("N=" + n).isEqualTo(withoutProvenance(whole.out()));
        assertThat(new ObjectMapper().readTree(r.out()).get("checkpoint").asText()).isEqualTo(cp.getFileName().toString());
    }

    /** The driver's QXL I/O port writes go through its PCI I/O mapping: BAR3 at port 0x1000. */
    static final long QXL_IO_VA = 0xfffffbfffe801000L;
    static final long QXL_IO_NOTIFY_CMD = 0;
    static final long QXL_IO_RESET = 5;

    @Test
    void driverModelTraceContinuesIdenticallyFromSeveralPoints() throws Exception {
        Path t = driverTrace();
        long records = 0;
        long afterReset = -1;
        long afterNotify = -1;
        try (TraceReader r = TraceFiles.open(t)) {
            dev.gvsim.guesttraces.format.TraceRecord rec = new dev.gvsim.guesttraces.format.TraceRecord();
            while (r.next(rec)) {
                records++;
                if (rec.op == dev.gvsim.guesttraces.format.Op.WR && rec.va == QXL_IO_VA + QXL_IO_RESET && afterReset < 0) {
                    afterReset = records; // right after QXL_IO_RESET
                }
                if (rec.op == dev.gvsim.guesttraces.format.Op.WR && rec.va == QXL_IO_VA + QXL_IO_NOTIFY_CMD && afterNotify < 0) {
                    afterNotify = records; // a command on the ring, the worker's pass still pending
                }
            }
        }
        assertThat(afterReset).isPositive();
        assertThat(afterNotify).isPositive();
        // after the device reset, with an async memslot add in flight, mid-ring, mid-frame, near the end
        for (long n : new long[] {afterReset, 40, afterNotify, records / 2, records - 5}) {
            assertContinuesIdentically(t, n);
        }
        // and the mid-ring one restored in a fresh JVM
        Path cp = dir.resolve("cp-" + afterNotify + ".gvck");
        String whole = gvsim("replay", "--json", "--continue", t.toString()).out();
        assertThat(withoutProvenance(freshJvmReplay("replay", "--json", "--continue", "--restore", cp.toString(), t.toString())))
                .isEqualTo(withoutProvenance(whole));
    }

    static String freshJvmReplay(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isIn(0, 1);
        return out;
    }

    @Test
    void saveRestoreSaveGivesIdenticalBytes() throws Exception {
        Path t = driverTrace();
        for (long n : new long[] {40, 300}) {
            ReplayOptions o = new ReplayOptions();
            o.stopAfterRecords = n;
            Replayer a = new Replayer(o, "t");
            try (TraceReader r = TraceFiles.open(t)) {
                a.run(r);
            }
            byte[] first = a.stoppedCheckpoint();
            Replayer b = Replayer.restore(new ReplayOptions(), "t", first, "cp");
            assertThat(b.checkpoint()).as("N=" + n).isEqualTo(first);
        }
    }

    @Test
    void realQxlTraceContinuesIdenticallyInAFreshJvm() throws Exception {
        Path t = dir.resolve("real.gvt.txt.xz");
        try (InputStream in = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz")) {
            Files.copy(in, t);
        }
        Path cp = dir.resolve("real.gvck");
        ReplayCliTest.Run whole = gvsim("replay", "--json", t.toString());
        assertThat(gvsim("replay", "--checkpoint-at", "1000000", "-o", cp.toString(), t.toString()).code()).isZero();
        assertThat(Files.size(cp)).as("sparse and compressed").isLessThan(4L << 20);
        String out = freshJvmReplay("replay", "--json", "--restore", cp.toString(), t.toString());
        assertThat(withoutProvenance(out)).isEqualTo(withoutProvenance(whole.out()));
    }

    @Test
    void aCheckpointCanBeBranchedAndTheJsonSaysFromWhat() throws Exception {
        Path t = driverTrace();
        Path cp = dir.resolve("b.gvck");
        assertThat(gvsim("replay", "--checkpoint-at", "300", "-o", cp.toString(), t.toString()).code()).isZero();
        ReplayCliTest.Run same = gvsim("replay", "--json", "--restore", cp.toString(), t.toString());
        ReplayCliTest.Run slower = gvsim("replay", "--json", "--restore", cp.toString(), "--set", "mem.uc.round_trip=600ns", t.toString());
        var a = new ObjectMapper().readTree(same.out());
        var b = new ObjectMapper().readTree(slower.out());
        assertThat(b.get("checkpoint").asText()).isEqualTo("b.gvck");
        assertThat(b.get("overrides").get("set").get("mem.uc.round_trip").asText()).isEqualTo("600ns");
        assertThat(b.get("simulatedTimePs").asLong()).isGreaterThan(a.get("simulatedTimePs").asLong());
        ReplayCliTest.Run wrong = gvsim("replay", "--restore", cp.toString(), "-M", "virt", t.toString());
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("checkpoint is for machine");
        Path bad = dir.resolve("bad.gvck");
        byte[] bytes = Files.readAllBytes(cp);
        bytes[bytes.length / 2] ^= 1;
        Files.write(bad, bytes);
        ReplayCliTest.Run damaged = gvsim("replay", "--restore", bad.toString(), t.toString());
        assertThat(damaged.code()).isEqualTo(2);
        assertThat(damaged.err()).contains("CRC32C");
    }
}
