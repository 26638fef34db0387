package dev.gvsim.machine.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.simcore.Params;

/**
 * Issue 28, "several guests, each its own trace": VMs whose work on the shared GPU is their own
 * recording (the bundled QEMU logs of real virtio-gpu guests) replayed on their own machines.
 */
class QosTraceTest {
    static final long MS = 1_000_000_000L;
    /** 1280x800 x 4 bytes composed whole (display.capture=full) at display.gpu_sample_bandwidth 25 bytes/ns. */
    static final long FULL_1280X800_PS = (long) Math.ceil(1280 * 800 * 4 * 1000.0 / 25.0);

    @TempDir
    static Path dir;
    static Path fbpartial;
    static Path rp;

    @BeforeAll
    static void copyBundledTraces() throws Exception {
        fbpartial = bundled("vgpu_fbpartial");
        rp = bundled("vgpu_rp");
    }

    static Path bundled(String name) throws Exception {
        Path p = dir.resolve(name + ".trace.xz");
        try (InputStream in = QosTraceTest.class.getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/" + name + ".trace.xz")) {
            Files.copy(in, p);
        }
        return p;
    }

    static QosMetrics run(String description, String policy, long durationPs) throws Exception {
        Params p = new Params().declareAll(QosParams.ALL);
        p.set("qos.policy=" + policy);
        return new SharedGpu(QosMachine.vms(description), p, durationPs).run();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> vm(QosMetrics m, String name) {
        return ((Map<String, Map<String, Object>>) m.report().get("vms")).get(name);
    }

    /** Jobs of {@code w} submitted before {@code durationPs}: the recording repeated every period. */
    static long submittedBefore(TraceWork w, long durationPs) {
        long n = 0;
        for (long pass = 0; pass * w.periodPs() < durationPs; pass++) {
            for (long at : w.atPs()) {
                if (pass * w.periodPs() + at < durationPs) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aTracesJobsAreTheHostGpuWorkItsFlushesCauseOnTheVmsOwnMachine() throws Exception {
        TraceWork w = TraceWork.derive("-M virt -device virtio-gpu-pci", fbpartial, 1, List.of());
        // fbpartial: 1280x800, hundreds of logged flushes; the per-window refresh composes at most one frame per vblank, so
        // several flushes can share a job, never the other way round
        assertThat(w.flushes()).isGreaterThan(200);
        assertThat(w.jobs()).isBetween(10, w.flushes() + 2);
        assertThat(w.costPs()).containsOnly(FULL_1280X800_PS);
        assertThat(w.atPs()[0]).isZero();
        for (int i = 1; i < w.jobs(); i++) {
            assertThat(w.atPs()[i]).isGreaterThanOrEqualTo(w.atPs()[i - 1]);
        }
        // with damage capture the costs follow the logged rectangles (the 256x1 lines cost less than the screen)
        TraceWork damage = TraceWork.derive("-M virt -device virtio-gpu-pci", fbpartial, 1, List.of("display.capture=damage"));
        assertThat(damage.meanCostPs()).isLessThan(w.meanCostPs());
        // a trace 10x faster: the same jobs' costs in a tenth of the time
        TraceWork fast = TraceWork.derive("-M virt -device virtio-gpu-pci", rp, 10, List.of());
        TraceWork slow = TraceWork.derive("-M virt -device virtio-gpu-pci", rp, 1, List.of());
        assertThat(fast.periodPs()).isLessThan(slow.periodPs() / 5);
    }

    @Test
    void twoVmsReplayTheirOwnTracesThroughTheSharedSchedulerAndTheOutcomeFollowsTheTraces() throws Exception {
        long dur = 10_000 * MS;
        String a = "-device virtio-gpu-pci,vm=a,trace=" + fbpartial;
        QosMetrics ab = run(a + " -device virtio-gpu-pci,vm=b,trace=" + rp, "equal-share", dur);
        QosMetrics aa = run(a + " -device virtio-gpu-pci,vm=b,trace=" + fbpartial, "equal-share", dur);
        TraceWork wa = ab.vms().get(0).trace();
        TraceWork wb = ab.vms().get(1).trace();
        assertThat(ab.vms()).extracting(VmSpec::workload).containsOnly(Workload.RECORDED);
        // open loop: each VM submits exactly its recording's jobs at the recorded times, repeated, whatever the other does
        assertThat(vm(ab, "a").get("framesSubmitted")).isEqualTo(submittedBefore(wa, dur));
        assertThat(vm(ab, "b").get("framesSubmitted")).isEqualTo(submittedBefore(wb, dur));
        assertThat(vm(aa, "a").get("framesSubmitted")).isEqualTo(vm(ab, "a").get("framesSubmitted"));
        assertThat(vm(ab, "b").get("trace")).isEqualTo(rp.toString());
        // each VM's GPU time is its jobs' costs: light 2D guests, everything done within the run but the last few
        long doneB = (Long) vm(ab, "b").get("framesDone");
        assertThat(doneB).isBetween(submittedBefore(wb, dur) - 2, submittedBefore(wb, dur));
        assertThat(ab.sharePercent(1)).isCloseTo(100.0 * doneB * FULL_1280X800_PS / dur, org.assertj.core.data.Offset.offset(0.01));
        // changing b's trace changes b's share and frame times
        assertThat(aa.sharePercent(1)).isNotEqualTo(ab.sharePercent(1));
        assertThat(aa.frameTimeMs(1, 50)).isNotEqualTo(ab.frameTimeMs(1, 50));
        // deterministic
        assertThat(run(a + " -device virtio-gpu-pci,vm=b,trace=" + rp, "equal-share", dur).report().toString()).isEqualTo(ab.report().toString());
    }

    @Test
    void aRecordedVictimWaitsForASaturatingNeighbourUnderBestEffortLessUnderEqualShare() throws Exception {
        long dur = 10_000 * MS;
        String d = "-device virtio-gpu-pci,vm=desk,trace=" + fbpartial + " -device virtio-gpu-pci,vm=bench,workload=heavy,frame_cost=1ms";
        QosMetrics alone = run("-device virtio-gpu-pci,vm=desk,trace=" + fbpartial, "best-effort", dur);
        QosMetrics be = run(d, "best-effort", dur);
        QosMetrics eq = run(d, "equal-share", dur);
        // alone the trace's jobs start as they arrive; next to the neighbour they wait for its slice (best effort) or slot
        assertThat(alone.schedLatency[0].getMaxValue()).isZero();
        assertThat(be.schedLatency[0].getMaxValue()).isGreaterThan(MS);
        assertThat(vm(be, "desk").get("framesSubmitted")).isEqualTo(vm(alone, "desk").get("framesSubmitted"));
        assertThat(eq.sharePercent(1)).isBetween(45.0, 51.0);
        assertThat(be.sharePercent(1)).isGreaterThan(95.0);
    }

    @Test
    void aTraceUnderAnotherWorkloadGivesItsJobsCostsInOrder() throws Exception {
        // heavy: the trace's jobs back to back (closed loop, saturating), each its own cost
        QosMetrics m = run("-device virtio-gpu-pci,vm=h,workload=heavy,trace=" + rp, "best-effort", 200 * MS);
        assertThat(m.sharePercent(0)).isEqualTo(100.0);
        assertThat(m.framesDone(0)).isEqualTo(200 * MS / FULL_1280X800_PS);
        // interactive at 30 fps: one of the trace's jobs per 30 Hz vblank
        QosMetrics i = run("-device virtio-gpu-pci,vm=i,workload=interactive,fps=30,trace=" + rp, "best-effort", 1000 * MS);
        assertThat(i.framesDone(0)).isEqualTo(30);
    }

    @Test
    void badTracesAndOptionsAreOneLineErrorsNamingTheVmAndTheFile() throws Exception {
        assertThatThrownBy(() -> QosMachine.vms("-device virtio-gpu-pci,vm=a,trace=" + dir.resolve("nope.log")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vm=a: trace=").hasMessageContaining("nope.log: no such file");
        Path junk = dir.resolve("junk.log");
        Files.writeString(junk, "this is not a QEMU log\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> QosMachine.vms("-device virtio-gpu-pci,vm=a,trace=" + junk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("junk.log: no virtio_gpu_cmd_res_flush line");
        Path bad = dir.resolve("bad.log");
        Files.writeString(bad, "1@1.000000:virtio_gpu_cmd_res_flush res 0x2, w 8, h sixteen, x 0, y 0\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> QosMachine.vms("-device virtio-gpu-pci,vm=a,trace=" + bad)).hasMessageContaining("bad.log line 1");
        Path huge = dir.resolve("huge.log");
        Files.writeString(huge, "1@1.000000:virtio_gpu_cmd_res_create_2d res 0x2, fmt 0x2, w 100000, h 100000\n"
                + "1@1.000001:virtio_gpu_cmd_set_scanout id 0, res 0x2, w 100000, h 100000, x 0, y 0\n"
                + "1@1.000002:virtio_gpu_cmd_res_flush res 0x2, w 8, h 16, x 0, y 0\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> QosMachine.vms("-device virtio-gpu-pci,vm=a,trace=" + huge)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vm=a: trace=").hasMessageContaining("huge.log: replaying the trace on");
        assertThatThrownBy(() -> QosMachine.parse("-device virtio-gpu-pci,vm=a,trace=x.log,xres=1920")).hasMessageContaining("xres");
        assertThatThrownBy(() -> QosMachine.parse("-device virtio-gpu-pci,vm=a,speedup=2")).hasMessageContaining("speedup applies to a trace");
        assertThatThrownBy(() -> QosMachine.parse("-device virtio-gpu-pci,vm=a,trace=x.log,speedup=0")).hasMessageContaining("option speedup");
        assertThatThrownBy(() -> QosMachine.parse("-device virtio-gpu-pci,vm=a,workload=recorded")).hasMessageContaining("needs trace=FILE");
        assertThatThrownBy(() -> QosMachine.parse("-device virtio-gpu-pci,vm=a,trace=")).hasMessageContaining("option trace needs a file");
    }
}
