package dev.gvsim.machine.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Params;

/**
 * Each policy on hand-computable cases: the exact simulated-time schedule the engine runs (every
 * piece as "vm:start-end" in microseconds), worked out by hand in the comments.
 */
class SharedGpuTest {
    static final long US = 1_000_000L;
    static final long MS = 1000 * US;

    static VmSpec heavy(String name, long costPs) {
        return new VmSpec(name, Workload.HEAVY, 1, 0, 0, costPs, 1, "test");
    }

    static VmSpec interactive(String name, double fps, long costPs) {
        return new VmSpec(name, Workload.INTERACTIVE, 1, 0, fps, costPs, 1, "test");
    }

    static Params params(String policy, String... sets) {
        Params p = new Params().declareAll(QosParams.ALL);
        p.set("qos.policy=" + policy);
        for (String s : sets) {
            p.set(s);
        }
        return p;
    }

    /** Runs and returns the first {@code k} pieces as "vm:startUs-endUs". */
    static List<String> schedule(List<VmSpec> vms, Params p, long durationPs, int k, QosMetrics[] out) {
        List<String> log = new ArrayList<>();
        SharedGpu g = new SharedGpu(vms, p, durationPs).onDispatch((vm, s, e) -> {
            if (log.size() < k) {
                log.add(vms.get(vm).name() + ":" + s / US + "-" + e / US);
            }
        });
        QosMetrics m = g.run();
        if (out != null) {
            out[0] = m;
        }
        return log;
    }

    @Test
    void bestEffortRoundRobinWithTwoMsSlices() {
        // two saturating VMs, 1 ms batches, 2 ms slices: A A B B A A ...
        List<String> s = schedule(List.of(heavy("A", MS), heavy("B", MS)), params("best-effort"), 10 * MS, 6, null);
        assertThat(s).containsExactly("A:0-1000", "A:1000-2000", "B:2000-3000", "B:3000-4000", "A:4000-5000", "A:5000-6000");
    }

    @Test
    void bestEffortIsWorkConservingAndTheLightVmWaitsForTheSlice() {
        // A saturating (1 ms batches); B one 1 ms frame per 10 ms vblank. B's frame 0 (t=0) waits for A's slice [0,2);
        // B done at 3; A's slices [3,5) [5,7) [7,9) [9,11) (B idle, A takes every slice); B's frame at 10 waits to 11.
        QosMetrics[] m = new QosMetrics[1];
        List<String> s = schedule(List.of(heavy("A", MS), interactive("B", 100, MS)), params("best-effort"), 20 * MS, 13, m);
        assertThat(s).containsExactly("A:0-1000", "A:1000-2000", "B:2000-3000", "A:3000-4000", "A:4000-5000", "A:5000-6000", "A:6000-7000",
                "A:7000-8000", "A:8000-9000", "A:9000-10000", "A:10000-11000", "B:11000-12000", "A:12000-13000");
        assertThat(m[0].utilisationPercent()).isEqualTo(100.0);
        assertThat(m[0].workConservationPercent()).isEqualTo(100.0);
        // B's frames completed at 3 and 12 ms (and 22 > the 20 ms run): one frame time of 9 ms; its scheduling latencies 2 and 1 ms
        assertThat(m[0].frameTimeMs(1, 100)).isCloseTo(9.0, org.assertj.core.data.Offset.offset(0.01)); // HdrHistogram: 3 digits
        assertThat(m[0].schedLatency[1].getMaxValue()).isBetween(2 * MS - MS / 500, 2 * MS + MS / 500);
    }

    @Test
    void preemptionGranularitySplitsBatchesAtSliceEnds() {
        // 5 ms batches, 2 ms slices: without preemption A runs its whole batch; with 1 ms pieces the slice ends on time
        assertThat(schedule(List.of(heavy("A", 5 * MS), heavy("B", 5 * MS)), params("best-effort"), 20 * MS, 2, null))
                .containsExactly("A:0-5000", "B:5000-10000");
        assertThat(schedule(List.of(heavy("A", 5 * MS), heavy("B", 5 * MS)), params("best-effort", "qos.preemption_granularity=1ms"), 20 * MS, 6,
                null)).containsExactly("A:0-1000", "A:1000-2000", "B:2000-3000", "B:3000-4000", "A:4000-5000", "A:5000-6000");
    }

    @Test
    void strictRoundRobinPaysBackOvershootByTheAveragingFactor() {
        // 500 Hz: 2 ms slots; AA = 1: the whole overshoot comes off the owner's next slot.
        // slot A [0,2): A 0-1.5, 1.5-3 (overshoot 1); slot B [3,5): B 3-4, 4-5; slot A 5 + (2-1) = 6: A 5-6.5 (overshoot 0.5);
        // slot B [6.5,8.5): B 6.5-7.5, 7.5-8.5; slot A 8.5 + (2-0.5) = 10: A 8.5-10; slot B: B 10-11
        List<String> s = schedule(List.of(heavy("A", 1500 * US), heavy("B", MS)),
                params("equal-share", "qos.frequency=500", "qos.averaging_factor=1"), 20 * MS, 9, null);
        assertThat(s).containsExactly("A:0-1500", "A:1500-3000", "B:3000-4000", "B:4000-5000", "A:5000-6500", "B:6500-7500", "B:7500-8500",
                "A:8500-10000", "B:10000-11000");
    }

    @Test
    void equalShareHoldsAnIdleVmsSlotAndPassesItOnWhenToldTo() {
        // A saturating 1 ms batches, B one 1 ms frame per 20 ms; 2 ms slots. Held: B's slot [2,4) runs B 2-3, then idles to 4.
        QosMetrics[] m = new QosMetrics[1];
        List<String> held = schedule(List.of(heavy("A", MS), interactive("B", 50, MS)), params("equal-share", "qos.frequency=500"), 20 * MS, 6, m);
        assertThat(held).containsExactly("A:0-1000", "A:1000-2000", "B:2000-3000", "A:4000-5000", "A:5000-6000", "A:8000-9000");
        // A gets its 2 ms of every 4 ms: 10 ms in 20 ms, B 1 ms; the engine idled 9 ms while A had work
        assertThat(m[0].sharePercent(0)).isEqualTo(50.0);
        assertThat(m[0].workConservationPercent()).isEqualTo(55.0);
        List<String> passed = schedule(List.of(heavy("A", MS), interactive("B", 50, MS)),
                params("equal-share", "qos.frequency=500", "qos.hold_idle_slots=false"), 20 * MS, 6, m);
        assertThat(passed).containsExactly("A:0-1000", "A:1000-2000", "B:2000-3000", "A:3000-4000", "A:4000-5000", "A:5000-6000");
        assertThat(m[0].workConservationPercent()).isEqualTo(100.0);
    }

    @Test
    void fixedShareGivesOneSlotOfMaxVgpusWhetherOrNotOthersRun() {
        // one VM, 4 slots of 2 ms: A runs 0-2, the three empty slots idle to 8, A 8-10, ...: 25 %
        QosMetrics[] m = new QosMetrics[1];
        List<String> s = schedule(List.of(heavy("A", MS)), params("fixed-share", "qos.frequency=500", "qos.max_vgpus=4"), 16 * MS, 4, m);
        assertThat(s).containsExactly("A:0-1000", "A:1000-2000", "A:8000-9000", "A:9000-10000");
        assertThat(m[0].sharePercent(0)).isEqualTo(25.0);
    }

    @Test
    void weightedSplitsEachBalancePeriodByWeightAtTickGranularity() {
        // GVT-g: weights 3:1 over a 100 ms balance -> 75 ms / 25 ms. 0.5 ms batches, 1 ms ticks: A, B alternate by tick;
        // B is out of time at 50 ms (25 ms used), A runs alone to 100 ms (75 ms used)
        VmSpec a = new VmSpec("A", Workload.HEAVY, 3, 0, 0, 500 * US, 1, "test");
        VmSpec b = new VmSpec("B", Workload.HEAVY, 1, 0, 0, 500 * US, 1, "test");
        QosMetrics[] m = new QosMetrics[1];
        List<String> s = schedule(List.of(a, b), params("weighted"), 100 * MS, 6, m);
        assertThat(s).containsExactly("A:0-500", "A:500-1000", "B:1000-1500", "B:1500-2000", "A:2000-2500", "A:2500-3000");
        assertThat(m[0].sharePercent(0)).isEqualTo(75.0);
        assertThat(m[0].sharePercent(1)).isEqualTo(25.0);
        assertThat(m[0].maxShareDeviationPercent(1)).isEqualTo(0.0);
    }

    @Test
    void weightedCapStopsAVmEvenWhenTheGpuIsFree() {
        // one VM capped at 30 %: it runs 30 ms of each 100 ms balance period and the engine idles the rest
        VmSpec a = new VmSpec("A", Workload.HEAVY, 1, 30, 0, MS, 1, "test");
        List<Long> starts = new ArrayList<>();
        QosMetrics m = new SharedGpu(List.of(a), params("weighted"), 200 * MS).onDispatch((vm, st, e) -> starts.add(st)).run();
        assertThat(starts).hasSize(60);
        assertThat(starts.get(29)).isEqualTo(29 * MS);
        assertThat(starts.get(30)).isEqualTo(100 * MS);
        assertThat(m.sharePercent(0)).isEqualTo(30.0);
        assertThat(m.workConservationPercent()).isEqualTo(30.0);
    }

    @Test
    void aBurstyVmSaturatesDuringItsBurstsOnly() {
        // bursts of 2 ms every 8 ms, 1 ms batches, one outstanding: 0-1, 1-2, then nothing until 8
        VmSpec b = new VmSpec("B", Workload.BURSTY, 1, 0, 0, MS, 1, "test");
        QosMetrics[] m = new QosMetrics[1];
        List<String> s = schedule(List.of(b), params("best-effort", "qos.burst_on=2ms", "qos.burst_off=6ms", "qos.heavy_queue_depth=1"), 24 * MS, 6, m);
        assertThat(s).containsExactly("B:0-1000", "B:1000-2000", "B:8000-9000", "B:9000-10000", "B:16000-17000", "B:17000-18000");
        assertThat(m[0].sharePercent(0)).isEqualTo(25.0);
    }

    @Test
    void aFrameOfSeveralBatchesCompletesWithItsLastBatch() {
        // a 3 ms frame in 3 batches at 100 fps, alone: batches 0-1, 1-2, 2-3; the next frame at 10 ms: frame time 10 ms, no misses
        VmSpec v = new VmSpec("V", Workload.INTERACTIVE, 1, 0, 100, 3 * MS, 3, "test");
        QosMetrics[] m = new QosMetrics[1];
        List<String> s = schedule(List.of(v), params("best-effort"), 30 * MS, 4, m);
        assertThat(s).containsExactly("V:0-1000", "V:1000-2000", "V:2000-3000", "V:10000-11000");
        assertThat(m[0].framesDone(0)).isEqualTo(3);
        assertThat(m[0].frameTimeMs(0, 100)).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(m[0].deadlineMisses(0)).isZero();
    }

    @Test
    void theFrameRateLimiterHoldsAHeavyVmUnderBestEffortButNotUnderEqualShare() {
        // NV-VGPU: equal and fixed share disable the FRL. A heavy VM limited to 100 fps, 1 ms frames, alone.
        VmSpec h = new VmSpec("H", Workload.HEAVY, 1, 0, 100, MS, 1, "test");
        QosMetrics[] m = new QosMetrics[1];
        assertThat(schedule(List.of(h), params("best-effort"), 30 * MS, 3, m)).containsExactly("H:0-1000", "H:10000-11000", "H:20000-21000");
        assertThat(m[0].sharePercent(0)).isEqualTo(10.0);
        assertThat(schedule(List.of(h), params("equal-share"), 30 * MS, 3, m)).containsExactly("H:0-1000", "H:1000-2000", "H:2000-3000");
        assertThat(m[0].sharePercent(0)).isEqualTo(100.0);
    }

    @Test
    void aContextSwitchCostsEngineTimeLowersWorkConservationAndDelaysTheLightVm() {
        // best effort, 2 ms slices, 1 ms batches, switch 100 us: A 0-1, 1-2; switch 2-2.1; B 2.1-3.1, 3.1-4.1 (slice from 2, 1.1 ms in);
        // at 4.1 B's slice (2.1 ms) is over: switch 4.1-4.2, A 4.2-5.2
        List<String> s = schedule(List.of(heavy("A", MS), heavy("B", MS)), params("best-effort", "qos.switch_cost=100us"), 10 * MS, 5, null);
        assertThat(s).containsExactly("A:0-1000", "A:1000-2000", "B:2100-3100", "B:3100-4100", "A:4200-5200");
        // the same pair over 1 s: free switches keep the engine 100 % on the VMs' work; 100 us per switch does not
        QosMetrics[] free = new QosMetrics[1];
        QosMetrics[] paid = new QosMetrics[1];
        schedule(List.of(heavy("A", MS), heavy("B", MS)), params("best-effort"), 1000 * MS, 0, free);
        schedule(List.of(heavy("A", MS), heavy("B", MS)), params("best-effort", "qos.switch_cost=100us"), 1000 * MS, 0, paid);
        assertThat(free[0].workConservationPercent()).isEqualTo(100.0);
        assertThat(free[0].switchOverheadMs()).isZero();
        // a switch every 2.1 ms of work: 100 / 2100 of the engine lost = 95.24 % conserved
        assertThat(paid[0].workConservationPercent()).isBetween(95.0, 95.5);
        assertThat(paid[0].switchOverheadMs()).isGreaterThan(40.0);
        // a light VM next to a saturating one waits for the slice and then for the switch: its scheduling latency grows by the cost
        QosMetrics[] lf = new QosMetrics[1];
        QosMetrics[] lp = new QosMetrics[1];
        schedule(List.of(heavy("A", MS), interactive("B", 100, MS)), params("best-effort"), 200 * MS, 0, lf);
        schedule(List.of(heavy("A", MS), interactive("B", 100, MS)), params("best-effort", "qos.switch_cost=100us"), 200 * MS, 0, lp);
        assertThat(lp[0].schedLatency[1].getMaxValue()).isGreaterThan(lf[0].schedLatency[1].getMaxValue());
        assertThat(lp[0].frameTimeMs(1, 100)).isGreaterThan(lf[0].frameTimeMs(1, 100));
        assertThatThrownBy(() -> new SharedGpu(List.of(heavy("A", MS)), params("best-effort", "qos.switch_cost=1s"), MS))
                .hasMessageContaining("qos.switch_cost must be 0-100 ms");
    }

    @Test
    void jainsIndex() {
        assertThat(QosMetrics.jain(new double[] {1, 1, 1, 1})).isEqualTo(1.0);
        assertThat(QosMetrics.jain(new double[] {1, 0, 0, 0})).isEqualTo(0.25);
        assertThat(QosMetrics.jain(new double[] {1, 2})).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(QosMetrics.jain(new double[0])).isNaN();
    }

    @Test
    void waterFillingGivesWhatALightClaimantLeavesToTheOthersByWeight() {
        assertThat(QosMetrics.waterFill(100, new double[] {10, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY}, new double[] {1, 1, 2}))
                .containsExactly(10, 30, 60);
        assertThat(QosMetrics.waterFill(100, new double[] {10, 20}, new double[] {1, 1})).containsExactly(10, 20);
    }

    @Test
    void sameInputsGiveTheSameReport() {
        List<VmSpec> vms = List.of(interactive("desk", 60, 200 * US), heavy("bench", 700 * US),
                new VmSpec("burst", Workload.BURSTY, 2, 40, 0, 300 * US, 3, "test"));
        for (Policy p : Policy.values()) {
            String a = new SharedGpu(vms, params(p.option), 2000 * MS).run().report().toString();
            String b = new SharedGpu(vms, params(p.option), 2000 * MS).run().report().toString();
            assertThat(a).isEqualTo(b).contains("frameTimeP99Ms");
        }
    }

    @Test
    void parametersOutOfTheirPublishedRangesAreRefused() {
        List<VmSpec> vms = List.of(heavy("A", MS));
        assertThatThrownBy(() -> new SharedGpu(vms, params("best-effort", "qos.time_slice=31ms"), MS)).hasMessageContaining("qos.time_slice");
        assertThatThrownBy(() -> new SharedGpu(vms, params("equal-share", "qos.frequency=1000"), MS)).hasMessageContaining("qos.frequency");
        assertThatThrownBy(() -> new SharedGpu(vms, params("equal-share", "qos.averaging_factor=61"), MS))
                .hasMessageContaining("qos.averaging_factor");
        assertThatThrownBy(() -> new SharedGpu(List.of(heavy("A", MS), heavy("B", MS)), params("fixed-share", "qos.max_vgpus=1"), MS))
                .hasMessageContaining("qos.max_vgpus");
        assertThatThrownBy(() -> new SharedGpu(vms, params("lottery"), MS)).hasMessageContaining("qos.policy");
    }

    @Test
    void everyParameterHasASource() {
        for (var d : QosParams.ALL) {
            assertThat(d.source()).as(d.name()).isNotBlank();
            assertThat(d.doc()).as(d.name()).isNotBlank();
        }
    }
}
