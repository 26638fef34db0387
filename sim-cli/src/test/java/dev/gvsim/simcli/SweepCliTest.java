package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.gvsim.simcore.Json;

/**
 * Issue 22 (sweeps) and 29 (every core): {@code gvsim sweep} over a bundled regression trace, the
 * same JSON with one and two threads, and shards 1, 2, 3 merged back byte-identical to the unsharded run.
 */
class SweepCliTest {
    @TempDir
    static Path dir;
    static Path trace;
    static final String[] AXES = {"--set", "mem.uc.round_trip=100ns,150ns,400ns", "--set", "qxl.io_latency=1us,3us"};

    @BeforeAll
    static void copyTrace() throws Exception {
        trace = dir.resolve("qxl-ids-out-of-range.gvt.txt");
        try (InputStream in = SweepCliTest.class.getResourceAsStream("/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt")) {
            Files.copy(in, trace);
        }
    }

    static ReplayCliTest.Run sweep(String... extra) {
        List<String> a = new ArrayList<>(List.of("sweep", trace.toString()));
        a.addAll(List.of(AXES));
        a.addAll(List.of(extra));
        return gvsim(a.toArray(String[]::new));
    }

    @Test
    void shardsMergeByteIdenticalToTheUnshardedRunWhateverN() throws Exception {
        ReplayCliTest.Run serial = sweep("--json", "--jobs", "1");
        assertThat(serial.code()).as(serial.err()).isEqualTo(0);
        JsonNode j = Json.mapper().readTree(serial.out());
        assertThat(j.get("points")).hasSize(6);
        assertThat(j.get("points").get(1).get("params").get("qxl.io_latency").asText()).isEqualTo("3us");
        // the parameter reaches the machine: a longer uncached round trip makes the replay take longer in simulated time
        assertThat(j.get("points").get(4).get("simulatedTimePs").asLong()).isGreaterThan(j.get("points").get(0).get("simulatedTimePs").asLong());
        assertThat(sweep("--json", "--jobs", "2").out()).isEqualTo(serial.out());
        for (int n = 1; n <= 3; n++) {
            List<String> merge = new ArrayList<>(List.of("sweep", "merge"));
            for (int i = n - 1; i >= 0; i--) {
                Path s = dir.resolve("shard-" + i + "-of-" + n + ".json");
                ReplayCliTest.Run r = sweep("--shard", i + "/" + n, "-o", s.toString(), "--jobs", "2");
                assertThat(r.code()).as(r.err()).isEqualTo(0);
                assertThat(r.out()).contains("shard " + i + "/" + n);
                merge.add(s.toString());
            }
            Path merged = dir.resolve("merged-" + n + ".json");
            merge.addAll(List.of("-o", merged.toString()));
            ReplayCliTest.Run m = gvsim(merge.toArray(String[]::new));
            assertThat(m.code()).as(m.err()).isEqualTo(0);
            assertThat(Files.readString(merged)).as("merge of %d shards", n).isEqualTo(serial.out());
        }
    }

    @Test
    void mergeRefusesMissingRepeatedAndForeignShards() throws Exception {
        Path s0 = dir.resolve("e0.json");
        Path s1 = dir.resolve("e1.json");
        Path other = dir.resolve("other.json");
        assertThat(sweep("--shard", "0/2", "-o", s0.toString()).code()).isEqualTo(0);
        assertThat(sweep("--shard", "1/2", "-o", s1.toString()).code()).isEqualTo(0);
        assertThat(gvsim("sweep", trace.toString(), "--set", "mem.uc.round_trip=100ns", "--shard", "0/2", "-o", other.toString()).code()).isEqualTo(0);
        ReplayCliTest.Run missing = gvsim("sweep", "merge", s0.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("missing shard(s) 1/2");
        ReplayCliTest.Run twice = gvsim("sweep", "merge", s0.toString(), s1.toString(), s0.toString());
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("shard 0/2 is given twice");
        ReplayCliTest.Run foreign = gvsim("sweep", "merge", s1.toString(), other.toString());
        assertThat(foreign.code()).isEqualTo(2);
        assertThat(foreign.err()).contains("another sweep");
        ReplayCliTest.Run notJson = gvsim("sweep", "merge", trace.toString());
        assertThat(notJson.code()).isEqualTo(2);
        assertThat(notJson.err()).contains(trace.toString());
    }

    @Test
    void badSetAndShardSpecsAreUsageErrors() throws Exception {
        ReplayCliTest.Run syntax = gvsim("sweep", trace.toString(), "--set", "mem.uc.round_trip");
        assertThat(syntax.code()).isEqualTo(2);
        assertThat(syntax.err()).contains("--set expects NAME=VALUE");
        ReplayCliTest.Run unknown = gvsim("sweep", trace.toString(), "--set", "no.such.param=1,2");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no.such.param");
        ReplayCliTest.Run shard = gvsim("sweep", trace.toString(), "--set", "mem.uc.round_trip=1ns", "--shard", "2/2");
        assertThat(shard.code()).isEqualTo(2);
        assertThat(shard.err()).contains("--shard expects I/N");
        Path pts = dir.resolve("points.txt");
        Files.writeString(pts, "# two points\nmem.uc.round_trip=400ns qxl.io_latency=3us\nmem.uc.round_trip=100ns qxl.io_latency=1us\n");
        ReplayCliTest.Run file = gvsim("sweep", trace.toString(), "--points", pts.toString(), "--json");
        assertThat(file.code()).as(file.err()).isEqualTo(0);
        JsonNode all = Json.mapper().readTree(sweep("--json").out());
        JsonNode fp = Json.mapper().readTree(file.out()).get("points");
        assertThat(fp.get(0).get("simulatedTimePs")).isEqualTo(all.get("points").get(5).get("simulatedTimePs"));
        assertThat(fp.get(1).get("devices")).isEqualTo(all.get("points").get(0).get("devices"));
    }
}
