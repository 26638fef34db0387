package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.machine.forwarding.ForwardingModel;
import dev.gvsim.machine.forwarding.ForwardingModel.Kind;
import dev.gvsim.machine.forwarding.ForwardingRun;

/**
 * The verdict of {@code passthrough-frame-forwarding} follows the model run: the bundled defaults,
 * and encoders whose sourced rates put 4K60 inside or outside a frame period.
 */
class PassthroughFrameForwardingScenarioTest {
    static ScenarioResult.Check check(ScenarioResult r, String prefix) {
        return r.checks().stream().filter(c -> c.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBundledRunReportsEveryPipelineAtBothSizes() {
        ScenarioResult r = new PassthroughFrameForwardingScenario().run();
        assertThat(r.checks()).hasSize(4);
        for (String size : List.of("1920x1080", "3840x2160")) {
            Map<String, Object> table = (Map<String, Object>) r.figures().get(size);
            assertThat(table).containsOnlyKeys("naive/device", "naive/normal-nc", "naive/adaptive", "looking-glass", "efficient-tile-dma",
                    "efficient-dmabuf", "efficient");
            for (Object row : table.values()) {
                assertThat((Map<String, Object>) row).containsKeys("copiesPerFrame", "perLink", "latencyP50Ms", "latencyP99Ms", "droppedAtCapture",
                        "duplicatedAtClient", "guestCpuMsPerFrame", "hostCpuMsPerFrame", "sentMbps", "vmEgressMbps", "stages");
            }
            // Device-nGnRE loads 8 bytes per round trip, Normal-NC 16: the naive pipeline sends about twice as many frames
            long dev = (Long) ((Map<String, Object>) table.get("naive/device")).get("framesSent");
            long nc = (Long) ((Map<String, Object>) table.get("naive/normal-nc")).get("framesSent");
            assertThat(nc).isGreaterThan(dev);
            assertThat(check(r, size + ": efficient copies").pass()).isTrue();
        }
        List<Map<String, Object>> table = (List<Map<String, Object>>) r.figures().get("table");
        assertThat(table).hasSize(14).allSatisfy(row -> assertThat(row).containsKeys("size", "pipeline", "copiesPerFrame", "perLink", "p99Ms"));
        assertThat(table.get(6)).containsEntry("pipeline", "efficient").containsEntry("size", "1920x1080").containsEntry("copiesPerFrame", 2.0);
        // the sourced defaults: 1080p fits the RX 550-class encoder's frame time, 4K60 does not (4K60 pixel rate + 0.3 ms setup)
        assertThat(check(r, "1920x1080: efficient sustains").pass()).isTrue();
        assertThat(check(r, "3840x2160: efficient sustains").pass()).isFalse();
        assertThat(r.pass()).isFalse();
        List<Map<String, Object>> partial = (List<Map<String, Object>>) r.figures().get("partialDamage");
        assertThat(partial).hasSize(6).allSatisfy(row -> assertThat((Double) row.get("damageEfficiency")).isLessThan(1.0));
        // the same figures, in the same order, from a second run
        assertThat(new PassthroughFrameForwardingScenario().run().figures().toString()).isEqualTo(r.figures().toString());
        assertThat(Scenarios.byId("passthrough-frame-forwarding")).isInstanceOf(PassthroughFrameForwardingScenario.class);
    }

    @Test
    void aFasterEncoderPassesAndASlowerOneFailsAt4k() {
        // RK3588: 8K30 encode = twice 4K60's pixel rate
        ScenarioResult fast = PassthroughFrameForwardingScenario.run(List.of("forwarding.encode_engine=rk3588", "forwarding.frames=120"));
        assertThat(fast.pass()).as(fast.observedSummary()).isTrue();
        // K1: 4K30 encode
        ScenarioResult slow = PassthroughFrameForwardingScenario.run(List.of("forwarding.encode_engine=k1", "forwarding.frames=120"));
        assertThat(check(slow, "1920x1080: efficient sustains").pass()).isTrue();
        assertThat(check(slow, "3840x2160: efficient sustains").pass()).isFalse();
        assertThat(check(slow, "3840x2160: efficient sustains").observed()).contains("dropped");
        assertThat(slow.pass()).isFalse();
    }

    @Test
    void theVerdictHelpers() {
        ForwardingModel m = new ForwardingModel(List.of("forwarding.frames=30"));
        ForwardingRun eff = m.run(Kind.EFFICIENT, "normal-nc", 1920, 1080);
        ForwardingRun lg = m.run(Kind.LOOKING_GLASS, "normal-nc", 1920, 1080);
        ForwardingRun naive = m.run(Kind.NAIVE, "device", 1920, 1080);
        assertThat(PassthroughFrameForwardingScenario.sustains(eff, 30)).isTrue();
        assertThat(PassthroughFrameForwardingScenario.sustains(eff, 31)).as("a frame short").isFalse();
        assertThat(PassthroughFrameForwardingScenario.sustains(naive, 30)).isFalse();
        assertThat(PassthroughFrameForwardingScenario.fewerCopies(eff, List.of(lg, naive))).isTrue();
        assertThat(PassthroughFrameForwardingScenario.fewerCopies(eff, List.of(eff))).as("equal is not fewer").isFalse();
        assertThat(PassthroughFrameForwardingScenario.fewerCopies(lg, List.of(eff))).isFalse();
        assertThat(PassthroughFrameForwardingScenario.fewerCopies(eff, List.of())).as("nothing to compare with").isFalse();
    }
}
