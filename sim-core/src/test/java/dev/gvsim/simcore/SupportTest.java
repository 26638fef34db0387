package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class SupportTest {

    @Test
    void simTimeFormatsAndParses() {
        assertThat(SimTime.format(812)).isEqualTo("812 ps");
        assertThat(SimTime.format(1_250)).isEqualTo("1.250 ns");
        assertThat(SimTime.format(3 * SimTime.US)).isEqualTo("3.000 us");
        assertThat(SimTime.format(12_500 * SimTime.US)).isEqualTo("12.500 ms");
        assertThat(SimTime.format(2 * SimTime.S)).isEqualTo("2.000 s");
        assertThat(SimTime.parse("150ns")).isEqualTo(150_000);
        assertThat(SimTime.parse("2.5us")).isEqualTo(2_500_000);
        assertThat(SimTime.parse("10ms")).isEqualTo(10 * SimTime.MS);
        assertThat(SimTime.parse("1s")).isEqualTo(SimTime.S);
        assertThat(SimTime.parse("77")).isEqualTo(77);
        assertThatThrownBy(() -> SimTime.parse("fast")).hasMessageContaining("not a duration");
    }

    @Test
    void statsSnapshotIsSortedAndSkipsZeros() {
        Stats s = new Stats();
        s.counter("z.last").add(3);
        s.counter("a.first").inc();
        s.counter("m.zero");
        s.histogram("lat.ps", 1_000_000).recordValue(500);
        String json = Json.write(s.snapshot());
        assertThat(json.indexOf("a.first")).isLessThan(json.indexOf("z.last"));
        assertThat(json).doesNotContain("m.zero").contains("\"p50\" : 500");
        assertThat(Json.write(s.snapshot())).isEqualTo(json);
        assertThat(s.counters("z.")).isEqualTo(Map.of("z.last", 3L));
    }

    @Test
    void paramsValidateNamesAndValues() {
        ParamDef lat = ParamDef.duration("link.latency", "150ns", "estimate", "per-transaction latency");
        ParamDef n = ParamDef.longParam("wc.line_bytes", 64, "bytes", "docs/facts/arm64-memory.md §7", "line");
        Params p = new Params().declare(lat).declare(n);
        assertThat(p.getDuration(lat)).isEqualTo(150_000);
        p.set("link.latency=2us");
        assertThat(p.getDuration(lat)).isEqualTo(2_000_000);
        assertThat(p.overrides()).containsEntry("link.latency", "2us");
        assertThatThrownBy(() -> p.set("nope", "1")).hasMessageContaining("unknown parameter 'nope'");
        assertThatThrownBy(() -> p.set("wc.line_bytes", "lots")).hasMessageContaining("wc.line_bytes").hasMessageContaining("long");
        assertThatThrownBy(() -> p.set("novalue")).hasMessageContaining("NAME=VALUE");
        assertThat(p.effective()).containsEntry("wc.line_bytes", 64L);
        assertThatThrownBy(() -> ParamDef.longParam("Bad Name", 1, "", "", "")).hasMessageContaining("bad parameter name");
    }

    @Test
    void bandwidthServerQueuesRequests() {
        BandwidthServer link = new BandwidthServer("pcie", 100, 1e9); // 1 GB/s = 1000 ps per byte
        assertThat(link.serve(0, 1000)).isEqualTo(1_000_000 + 100);
        // arrives while busy: waits
        assertThat(link.serve(500_000, 1000)).isEqualTo(2_000_000 + 100);
        // arrives after idle
        assertThat(link.serve(5_000_000, 0)).isEqualTo(5_000_100);
        assertThat(link.requests()).isEqualTo(3);
        assertThat(link.bytes()).isEqualTo(2000);
    }

    @Test
    void irqLineCountsRisingEdges() {
        IrqLine l = new IrqLine("intx");
        int[] changes = {0};
        l.setListener((line, level, now) -> changes[0]++);
        l.set(true, 1);
        l.set(true, 2);
        l.set(false, 3);
        l.set(true, 4);
        assertThat(l.risingEdges()).isEqualTo(2);
        assertThat(changes[0]).isEqualTo(3);
    }
}
