package dev.gvsim.machine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.simcore.Json;

/**
 * Issue 22, the replay report's plots over simulated time: the series sum to the counters the report
 * prints (so a plot cannot drift from the totals), stay within {@link Timeline#MAX_BUCKETS} however long
 * the run, cover the run's simulated time, and continue across a checkpoint.
 */
class TimelineTest {
    static final String REAL = "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz";

    static ReplayResult replay(String text, ReplayOptions o) throws Exception {
        try (TraceReader r = TraceFiles.open(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
            return new Replayer(o, "t").run(r);
        }
    }

    static long sum(Object series) {
        return ((List<?>) series).stream().mapToLong(v -> ((Number) v).longValue()).sum();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> group(ReplayResult r, String key) {
        return (Map<String, Object>) r.timeline.toJson().get(key);
    }

    /** Every series of the timeline sums to the counter of the same name in the report, and every non-zero counter has its series. */
    @SuppressWarnings("unchecked")
    static void assertSeriesSumToTheTotals(ReplayResult r) {
        Map<String, Object> tl = r.timeline.toJson();
        int buckets = ((Number) tl.get("buckets")).intValue();
        long width = ((Number) tl.get("bucketPs")).longValue();
        assertThat(buckets).isBetween(1, Timeline.MAX_BUCKETS);
        // the buckets cover the run: the last one holds its end
        assertThat(r.simulatedTimePs).isBetween(width * (buckets - 1), width * buckets - 1);
        for (String g : List.of("accessesByMemoryType", "transactionsByMemoryType", "accessesByPciFunction", "configByPciFunction")) {
            for (Object s : group(r, g).values()) {
                assertThat((List<?>) s).as(g).hasSize(buckets);
            }
        }
        r.memoryTypes.forEach((type, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            long accesses = ((Number) m.get("accesses")).longValue();
            long transactions = ((Number) m.get("transactions")).longValue();
            assertThat(accesses == 0 ? 0 : sum(group(r, "accessesByMemoryType").get(type))).as(type).isEqualTo(accesses);
            assertThat(transactions == 0 ? 0 : sum(group(r, "transactionsByMemoryType").get(type))).as(type).isEqualTo(transactions);
            assertThat(group(r, "accessesByMemoryType").containsKey(type)).isEqualTo(accesses != 0);
        });
        Map<String, Object> functions = (Map<String, Object>) ((Map<String, Object>) r.devices.get("pci")).get("functions");
        functions.forEach((name, v) -> {
            Map<String, Object> f = (Map<String, Object>) v;
            long memIo = ((Number) f.get("mem_accesses")).longValue() + ((Number) f.get("io_accesses")).longValue();
            long config = ((Number) f.get("config_reads")).longValue() + ((Number) f.get("config_writes")).longValue();
            assertThat(memIo == 0 ? 0 : sum(group(r, "accessesByPciFunction").get(name))).as(name).isEqualTo(memIo);
            assertThat(config == 0 ? 0 : sum(group(r, "configByPciFunction").get(name))).as(name).isEqualTo(config);
        });
    }

    @Test
    void theRealQxlTracesSeriesSumToItsCountersAndSpanItsSimulatedTime() throws Exception {
        ReplayResult r;
        try (TraceReader in = TraceFiles.openResource(REAL)) {
            r = new Replayer(new ReplayOptions(), "real").run(in);
        }
        assertSeriesSumToTheTotals(r);
        assertThat(group(r, "accessesByMemoryType")).containsOnlyKeys("normal-nc", "device-ngnre");
        assertThat(group(r, "accessesByPciFunction")).containsOnlyKeys("00:01.0 qxl0");
        // the driver is busy through the run: most buckets saw accesses
        List<?> nc = (List<?>) group(r, "accessesByMemoryType").get("normal-nc");
        assertThat(nc.stream().filter(v -> ((Number) v).longValue() > 0).count()).isGreaterThan(nc.size() / 2);
        // widths are round: 1 or 2 times a power of ten nanoseconds
        long w = r.timeline.widthPs() / Timeline.FIRST_WIDTH_PS;
        while (w % 10 == 0) {
            w /= 10;
        }
        assertThat(w).isIn(1L, 2L);
    }

    /** Config, I/O and memory accesses hours of simulated time apart: the buckets widen, merge, and stay bounded. */
    @Test
    void aLongSparseRunStaysBoundedAndStillSumsToItsTotals() throws Exception {
        StringBuilder t = new StringBuilder("gvsim-trace 1\nmachine args=\"-M virt -device qxl\"\n");
        t.append("map va=0xfffffbfffe800000 pa=0x3eff0000 size=0x10000 attr=device-ngnre\n");
        long time = 0;
        for (int i = 0; i < 3000; i++) {
            // gaps from 1 ns to ~1 h of simulated time
            time += 1000L << (i % 42);
            t.append("cfgrd t=").append(time).append(" bdf=00:01.0 off=0x0 size=4\n");
            t.append("rd va=0xfffffbfffe801000 size=1\n"); // the QXL's I/O BAR (port 0x1000)
        }
        ReplayResult r = replay(t.toString(), new ReplayOptions());
        assertThat(r.simulatedTimePs).isGreaterThan(3_600L * 1_000_000_000_000L);
        assertSeriesSumToTheTotals(r);
        assertThat(group(r, "configByPciFunction")).containsKey("00:01.0 qxl0");
        assertThat(sum(group(r, "configByPciFunction").get("00:01.0 qxl0"))).isEqualTo(3000);
        assertThat(r.timeline.widthPs()).isGreaterThan(r.simulatedTimePs / Timeline.MAX_BUCKETS);
        // the same trace, the same series, byte for byte
        assertThat(Json.write(replay(t.toString(), new ReplayOptions()).timeline.toJson())).isEqualTo(Json.write(r.timeline.toJson()));
    }

    /** A checkpoint's timeline section is input: a bad one is a one-line error naming the section, an absent one (older checkpoints) starts afresh. */
    @Test
    void aHostileTimelineSectionIsAClearErrorAndAMissingOneIsFine() throws Exception {
        new Timeline().restore(null);
        for (Object bad : new Object[] {List.of(1), Map.of("widthPs", 1000, "bucket", 9999, "nextPs", 0, "tracks", Map.of()),
                Map.of("widthPs", 1000, "bucket", 0, "nextPs", 0, "tracks", Map.of("accesses no-such-type", Map.of("last", 1, "counts", List.of()))),
                Map.of("widthPs", 1000, "bucket", 0, "nextPs", 0, "tracks", Map.of("frob x", Map.of("last", 1, "counts", List.of()))),
                Map.of("widthPs", 1000, "bucket", 0, "nextPs", 0, "tracks", Map.of("function qxl0", Map.of("last", 1, "counts",
                        java.util.Collections.nCopies(Timeline.MAX_BUCKETS + 1, 0))))}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Timeline().restore(bad)).as(String.valueOf(bad))
                    .isInstanceOf(dev.gvsim.simcore.InputException.class).hasMessageStartingWith("checkpoint replay section: timeline: ");
        }
    }

    @Test
    void aRunRestoredFromACheckpointContinuesTheSameSeries() throws Exception {
        String text;
        try (java.io.InputStream in = new org.tukaani.xz.XZInputStream(getClass().getResourceAsStream(REAL))) {
            // about the first 100,000 records of the real trace (its meta, machine and map records come first)
            text = new String(in.readNBytes(200_000 * 60), StandardCharsets.UTF_8);
        }
        text = text.substring(0, text.lastIndexOf('\n') + 1);
        ReplayResult whole = replay(text, new ReplayOptions());
        for (long n : new long[] {10, 30_000, 77_777}) {
            ReplayOptions stop = new ReplayOptions();
            stop.stopAfterRecords = n;
            Replayer first = new Replayer(stop, "t");
            try (TraceReader r = TraceFiles.open(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
                first.run(r);
            }
            Replayer second = Replayer.restore(new ReplayOptions(), "t", first.stoppedCheckpoint(), "cp");
            try (TraceReader r = TraceFiles.open(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
                second.run(r);
            }
            assertThat(Json.write(second.result().timeline.toJson())).as("checkpoint after record " + n)
                    .isEqualTo(Json.write(whole.timeline.toJson()));
        }
        assertSeriesSumToTheTotals(whole);
    }
}
