package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.linux.QxlDesktopWorkload;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/** Issue 24's scenario and the desktop workloads under it: consistency, determinism, record and replay. */
class QxlWindowUpdateBandwidthScenarioTest {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void theChecksAreTheFiguresJudgedAndEverySeriesSumsToItsBytes() throws Exception {
        ScenarioResult r = new QxlWindowUpdateBandwidthScenario().run();
        Map<String, Object> table = map(r.figures().get("workloads"));
        Map<String, Object> series = map(r.figures().get("bytes_per_update_period"));
        assertThat(table).containsOnlyKeys("office", "window-drag", "synthetic", "video", "slideshow");
        for (Map.Entry<String, Object> e : table.entrySet()) {
            Map<String, Object> row = map(e.getValue());
            long full = ((Number) map(row.get("full-frame")).get("bytes")).longValue();
            long dirty = ((Number) map(row.get("dirty-rects")).get("bytes")).longValue();
            long opt = ((Number) map(row.get("optimized")).get("bytes")).longValue();
            assertThat(opt).as(e.getKey()).isPositive();
            ScenarioResult.Check below = r.checks().stream().filter(c -> c.name().startsWith(e.getKey() + ":")).findFirst().orElseThrow();
            assertThat(below.pass()).as(below.observed()).isEqualTo(opt < dirty && opt < full);
            assertThat(row.get("factor_optimized_over_dirty_rects")).isEqualTo(Math.round(dirty * 100.0 / opt) / 100.0);
            for (String a : QxlWindowUpdateBandwidthScenario.ALGS) {
                List<?> s = (List<?>) map(series.get(e.getKey())).get(a);
                long sum = s.stream().mapToLong(v -> ((Number) v).longValue()).sum();
                assertThat(sum).as(e.getKey() + " " + a).isEqualTo(((Number) map(row.get(a)).get("bytes")).longValue());
            }
        }
        ScenarioResult.Check synthetic = r.checks().stream().filter(c -> c.name().equals("synthetic: optimized over dirty-rects"))
                .findFirst().orElseThrow();
        double factor = (Double) map(table.get("synthetic")).get("factor_optimized_over_dirty_rects");
        assertThat(synthetic.pass()).isEqualTo(factor >= QxlWindowUpdateBandwidthScenario.SYNTHETIC_MIN_FACTOR);
        assertThat(r.figures()).doesNotContainKey("host_encode_ns");
    }

    static Map<String, Object> spiceWithoutHostTime(QxlDesktopRun r) {
        Map<String, Object> s = new TreeMap<>(r.spice());
        s.remove("host_encode_ns");
        return s;
    }

    @Test
    void aWorkloadIsTheSameForTheSameSeedAndItsRecordingReplaysToTheSameBytes() throws Exception {
        Path rec = dir.resolve("office.gvt");
        QxlDesktopRun a = QxlDesktopRun.run(QxlDesktopWorkload.OFFICE, 5, rec, null);
        QxlDesktopRun b = QxlDesktopRun.run(QxlDesktopWorkload.OFFICE, 5, null, null);
        QxlDesktopRun c = QxlDesktopRun.run(QxlDesktopWorkload.OFFICE, 6, null, null);
        assertThat(a.fault).isNull();
        assertThat(a.damages).isGreaterThan(20);
        assertThat(spiceWithoutHostTime(a)).isEqualTo(spiceWithoutHostTime(b));
        assertThat(a.replay.accesses).isEqualTo(b.replay.accesses);
        assertThat(c.bytes("dirty-rects")).isNotEqualTo(a.bytes("dirty-rects"));

        ReplayOptions o = new ReplayOptions();
        o.paramSets.add(QxlDesktopRun.ALL_ALGORITHMS);
        ReplayResult again;
        try (TraceReader r = TraceFiles.open(rec)) {
            again = new Replayer(o, rec.toString()).run(r);
        }
        assertThat(again.faultCount).isZero();
        assertThat(again.accesses).isEqualTo(a.replay.accesses);
        Map<String, Object> dev = map(again.devices.get("qxl0"));
        Map<String, Object> replayed = new TreeMap<>(map(dev.get("spice_display")));
        replayed.remove("host_encode_ns");
        assertThat(replayed).isEqualTo(spiceWithoutHostTime(a));
    }

    @Test
    void oneAlgorithmCanBeChosenAlone() throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.paramSets.add("qxl.spice.algorithms=optimized");
        QxlDesktopRun r = QxlDesktopRun.run(QxlDesktopWorkload.SLIDESHOW, 24, null, o);
        assertThat(map(r.spice().get("algorithms"))).containsOnlyKeys("optimized");
        assertThat(r.bytes("optimized")).isPositive();
        assertThat(r.bytes("dirty-rects")).isEqualTo(-1);
    }
}
