package dev.gvsim.machine.qos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.machine.scenario.ScenarioResult;
import dev.gvsim.machine.scenario.Scenarios;

class GpuQosIsolationScenarioTest {
    @Test
    void theScenarioRunsEveryPolicyAndChecksTheIssuesBars() throws Exception {
        ScenarioResult r = Scenarios.byId("gpu-qos-isolation").run();
        assertThat(r.checks()).extracting(ScenarioResult.Check::name).containsExactly("best effort degrades the victim",
                "equal-share isolates the victim", "equal-share holds the shares", "equal-share isolates the victim from a bursty neighbour",
                "equal-share holds the shares with a bursty neighbour");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.figures().get("results");
        assertThat(rows).extracting(m -> m.get("run")).containsExactly("alone", "best-effort", "equal-share", "fixed-share", "weighted",
                "equal-share, idle slots passed on");
        // alone, the 60 fps victim shows every frame one vblank after the last: p99 is the 60 Hz period (HdrHistogram, 3 digits)
        assertThat((Double) rows.get(0).get("victimP99Ms")).isBetween(16.66, 16.68);
        assertThat(rows.get(0).get("victimDeadlineMisses")).isEqualTo(0L);
        // best effort is work-conserving: the neighbour takes what the victim leaves
        assertThat((Double) rows.get(1).get("workConservationPercent")).isEqualTo(100.0);
        // every check's observation is the row's figure
        for (ScenarioResult.Check c : r.checks().subList(0, 2)) {
            Map<String, Object> row = rows.get(c.name().startsWith("best") ? 1 : 2);
            assertThat(c.observed()).startsWith(String.format("p99 %.3f ms", (Double) row.get("victimP99Ms")));
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> bursty = (List<Map<String, Object>>) r.figures().get("bursty_results");
        assertThat(bursty).extracting(m -> m.get("run")).containsExactly("best-effort, bursty neighbour", "equal-share, bursty neighbour",
                "fixed-share, bursty neighbour", "weighted, bursty neighbour");
        // the bursty neighbour saturates a quarter of the time: under best effort it gets less than the heavy one's 99 %
        assertThat((Double) bursty.get(0).get("neighbourSharePercent")).isLessThan(50.0).isGreaterThan(5.0);
        // the bursty checks' observations are their rows' figures, whatever they say about the bar
        assertThat(r.checks().get(3).observed()).startsWith(String.format("p99 %.3f ms", (Double) bursty.get(1).get("victimP99Ms")));
        assertThat(r.checks().get(3).pass()).isEqualTo((Double) bursty.get(1).get("victimP99Ms") <= 1.1 * (Double) rows.get(0).get("victimP99Ms"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sw = (List<Map<String, Object>>) r.figures().get("switch_cost_sensitivity");
        assertThat(sw).extracting(m -> m.get("run")).containsExactly("best-effort, switch 0us", "equal-share, switch 0us", "best-effort, switch 50us",
                "equal-share, switch 50us", "best-effort, switch 200us", "equal-share, switch 200us");
        // a free switch is the default run; paid switches take engine time from the VMs' work (best effort: work conservation falls)
        assertThat(sw.get(0).get("victimP99Ms")).isEqualTo(rows.get(1).get("victimP99Ms"));
        assertThat(sw.get(0).get("switchOverheadMs")).isEqualTo(0.0);
        assertThat((Double) sw.get(4).get("switchOverheadMs")).isGreaterThan((Double) sw.get(2).get("switchOverheadMs")).isGreaterThan(0.0);
        assertThat((Double) sw.get(4).get("workConservationPercent")).isLessThan((Double) sw.get(2).get("workConservationPercent"))
                .isLessThan(100.0);
        // the victim replaying a real recording: its jobs are the recording's, and a saturating neighbour delays them under best effort
        @SuppressWarnings("unchecked")
        Map<String, Object> rec = (Map<String, Object>) r.figures().get("recorded_victim");
        assertThat((Integer) rec.get("hostGpuJobs")).isPositive().isLessThanOrEqualTo((Integer) rec.get("loggedFlushes") + 2);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rrows = (List<Map<String, Object>>) rec.get("results");
        assertThat(rrows).extracting(m -> m.get("run")).containsExactly("recorded victim alone", "recorded victim, best-effort",
                "recorded victim, equal-share");
        assertThat((Double) rrows.get(1).get("victimSchedLatencyP99Us")).isGreaterThan((Double) rrows.get(0).get("victimSchedLatencyP99Us"));
        assertThat(rrows.get(1).get("victimFrames")).isEqualTo(rrows.get(0).get("victimFrames"));
        @SuppressWarnings("unchecked")
        Map<String, Object> cdf = (Map<String, Object>) r.figures().get("victim_frame_time_cdf");
        assertThat(cdf).containsKeys("alone", "best-effort", "equal-share");
        assertThat(dev.gvsim.machine.report.ScenariosReport.html(Map.of("scenarios", List.of(Map.of("id", "gpu-qos-isolation", "figures",
                r.figures(), "checks", List.of())), "passed", 1, "failed", 0))).contains("victim_frame_time_cdf");
    }

    @Test
    void twoRunsPrintTheSameFigures() throws Exception {
        ScenarioResult a = new GpuQosIsolationScenario().run();
        ScenarioResult b = new GpuQosIsolationScenario().run();
        assertThat(a.figures().toString()).isEqualTo(b.figures().toString());
        assertThat(a.observedSummary()).isEqualTo(b.observedSummary());
    }
}
