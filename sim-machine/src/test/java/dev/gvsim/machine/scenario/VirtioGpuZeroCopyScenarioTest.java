package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The ablation of {@link VirtioGpuZeroCopyScenario} on a short run (10 ticks): what each switch changes in the
 * model, not the seed's lines (the scenario is not in the bundled set yet: docs/host-display.md, limits).
 */
class VirtioGpuZeroCopyScenarioTest {

    @Test
    @SuppressWarnings("unchecked")
    void eachSwitchDoesWhatItSays() throws Exception {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        for (VirtioGpuZeroCopyScenario.Config c : VirtioGpuZeroCopyScenario.ABLATION) {
            rows.put(c.name(), VirtioGpuZeroCopyScenario.run(c, 10));
        }
        for (var e : rows.entrySet()) {
            Map<String, Object> d = e.getValue();
            Map<String, Object> dev = (Map<String, Object>) d.get("virtio-gpu-pci0");
            assertThat(dev).as(e.getKey()).containsKeys("out0", "out1", "out2", "out3");
            double pct = ((Number) d.get("percentOfWorkloadNative")).doubleValue();
            // rates between the first and the last frame on screen: at most the workload's rate (rounding)
            assertThat(pct).as(e.getKey()).isBetween(1.0, 101.0);
            boolean zeroCopy = e.getKey().startsWith("zero-copy") || e.getKey().startsWith("all");
            if (zeroCopy) {
                assertThat(dev.get("deviceCopies")).as("zero-copy TRANSFERs copy nothing").isEqualTo(0L);
                for (int k = 0; k < 4; k++) {
                    assertThat(((Map<String, Object>) dev.get("out" + k)).get("uploadCopies")).isEqualTo(0L);
                }
            } else {
                assertThat((Long) dev.get("deviceCopies")).isPositive();
            }
        }
        double copy = ((Number) rows.get("copy path (upstream)").get("percentOfWorkloadNative")).doubleValue();
        double all = ((Number) rows.get("all three (optimized)").get("percentOfWorkloadNative")).doubleValue();
        double perWindow = ((Number) rows.get("per-window refresh only").get("percentOfWorkloadNative")).doubleValue();
        assertThat(all).isGreaterThan(copy);
        assertThat(perWindow).as("the 30 ms timer is what bounds the copy path here").isGreaterThan(copy);
        assertThat((Long) rows.get("all three (optimized)").get("mainLoopBusyPs")).isLessThan((Long) rows.get("copy path (upstream)").get("mainLoopBusyPs"));
    }

    @Test
    void theSingleOutputWorkloadsAndTheSpiceFrontEnd() throws Exception {
        VirtioGpuZeroCopyScenario.Config copy = VirtioGpuZeroCopyScenario.ABLATION.get(0);
        VirtioGpuZeroCopyScenario.Config opt = VirtioGpuZeroCopyScenario.ABLATION.get(VirtioGpuZeroCopyScenario.ABLATION.size() - 1);
        Map<String, Object> glCopy = VirtioGpuZeroCopyScenario.runSingle(dev.gvsim.guesttraces.linux.VirtioGpuWorkload.FULL, copy, "gl", 12);
        Map<String, Object> spiceCopy = VirtioGpuZeroCopyScenario.runSingle(dev.gvsim.guesttraces.linux.VirtioGpuWorkload.FULL, copy, "spice", 12);
        Map<String, Object> spiceOpt = VirtioGpuZeroCopyScenario.runSingle(dev.gvsim.guesttraces.linux.VirtioGpuWorkload.FULL, opt, "spice", 12);
        // 12 full-screen frames and the setup update
        assertThat(glCopy.get("framesDrawn")).isEqualTo(13L);
        assertThat(spiceCopy.get("ui")).isEqualTo("spice");
        // SPICE's compare, two copies and the software encode cost more host CPU per frame than a GL upload
        assertThat((Long) spiceCopy.get("hostCpuPsPerFrame")).isGreaterThan((Long) glCopy.get("hostCpuPsPerFrame"));
        assertThat((Long) spiceCopy.get("spiceWorkersBusyPs")).isPositive();
        assertThat((Long) glCopy.get("spiceWorkersBusyPs")).isZero();
        // the 60 fps full-screen copy path is held to QEMU's 30 ms refresh timer; the optimized path is not
        double copyPct = ((Number) spiceCopy.get("percentOfWorkloadNative")).doubleValue();
        double optPct = ((Number) spiceOpt.get("percentOfWorkloadNative")).doubleValue();
        assertThat(copyPct).isLessThan(65.0);
        assertThat(optPct).isGreaterThan(copyPct);
        // the video workload damages every 2nd tick only
        Map<String, Object> video = VirtioGpuZeroCopyScenario.runSingle(dev.gvsim.guesttraces.linux.VirtioGpuWorkload.VIDEO, opt, "gl", 12);
        assertThat(video.get("framesDrawn")).isEqualTo(7L);
    }
}
