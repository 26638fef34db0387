package dev.gvsim.machine.display;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.scenario.VirtioGpuDriverRun;

/** The Linux virtio-gpu driver model at 60 frames per second through the device into the host display model. */
class DriverDisplayTest {
    static final long PERIOD = Math.round(1e12 / 60);

    static Map<String, Object> run(boolean blob, String... sets) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.paramSets.addAll(java.util.List.of(sets));
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(blob), blob, VirtioGpuWorkload.FULL, 30, PERIOD, null, o);
        assertThat(r.probed && r.framebuffer).isTrue();
        return r.machine.displays().report();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> out0(Map<String, Object> report) {
        return (Map<String, Object>) ((Map<String, Object>) report.get(VirtioGpuDriverRun.DRIVER + "0")).get("out0");
    }

    @Test
    void copyPathThroughQemusRefreshTimerDeliversAboutHalfOfSixty() throws Exception {
        Map<String, Object> r = run(false, "display.pipeline=qemu");
        Map<String, Object> o = out0(r);
        assertThat(o.get("nativeFrames")).isEqualTo(30L);
        assertThat((Double) r.get("percentOfNative")).isBetween(45.0, 60.0);
        // every frame: the device's TRANSFER copy of 1280x800x4 (plus the first, before SET_SCANOUT) and an upload per refresh
        assertThat((Long) ((Map<String, Object>) r.get(VirtioGpuDriverRun.DRIVER + "0")).get("deviceCopies")).isGreaterThanOrEqualTo(30L);
        // the damage copied at each update, and the whole surface again at each refresh (capture=full)
        assertThat((Long) o.get("uploadCopies")).isEqualTo((Long) o.get("damageEvents") + (Long) o.get("refreshes"));
        // dpy_gfx_update's copy holds the device's thread: the guest's FLUSHes complete later than the device alone would
        Map<String, Object> dev = (Map<String, Object>) ((Map<String, Object>) r.get(VirtioGpuDriverRun.DRIVER + "0"));
        assertThat(dev).isNotNull();
    }

    @Test
    void zeroCopyPerWindowKeepsUpAndCopiesNothing() throws Exception {
        Map<String, Object> r = run(true, "display.pipeline=per-window");
        Map<String, Object> o = out0(r);
        assertThat(o.get("surface").toString()).contains("guest pages");
        assertThat(o.get("uploadCopies")).isEqualTo(0L);
        assertThat(((Map<?, ?>) r.get(VirtioGpuDriverRun.DRIVER + "0")).get("deviceCopies")).isEqualTo(0L);
        assertThat((Double) r.get("percentOfNative")).isGreaterThan(95.0);
    }

    @Test
    void withoutAPipelineNothingIsModelledAndPerWindowLeavesTheDeviceAlone() throws Exception {
        ReplayOptions o = new ReplayOptions();
        VirtioGpuDriverRun plain = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(false), false, VirtioGpuWorkload.FULL, 5, PERIOD, null, o);
        assertThat(plain.machine.displays().modelled()).isFalse();
        assertThat(plain.machine.deviceReport()).doesNotContainKey("display");
        ReplayOptions o2 = new ReplayOptions();
        o2.paramSets.add("display.pipeline=per-window"); // refresh threads of their own: the device's thread is never held
        VirtioGpuDriverRun modelled = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(false), false, VirtioGpuWorkload.FULL, 5, PERIOD, null, o2);
        assertThat(modelled.deviceState).isEqualTo(plain.deviceState);
        // on QEMU's UI the update copies run on the device's thread and hold it
        ReplayOptions o3 = new ReplayOptions();
        o3.paramSets.add("display.pipeline=qemu");
        VirtioGpuDriverRun held = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(false), false, VirtioGpuWorkload.FULL, 5, PERIOD, null, o3);
        assertThat((Long) held.deviceState.get("host_display_held_ps")).isPositive();
    }

    /**
     * Four outputs, the multi workload at 60 ticks a second: output k redrawn every (k + 1)th tick is
     * a window of its own in the host display model, at 60, 30, 20 and 15 native fps.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({"qemu, false", "per-window, false", "per-window, true"})
    @SuppressWarnings("unchecked")
    void multiOutputsAreWindowsAtTheirOwnRates(String pipeline, boolean blob) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.paramSets.add("display.pipeline=" + pipeline);
        int frames = 24;
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(blob, 4, VirtioGpuWorkload.MULTI, frames, PERIOD, null, o);
        assertThat(r.framebuffer).as(r.driverState.toString()).isTrue();
        Map<String, Object> rep = r.machine.displays().report();
        Map<String, Object> dev = (Map<String, Object>) rep.get(VirtioGpuDriverRun.DRIVER + "0");
        assertThat(dev.keySet().stream().filter(k -> k.startsWith("out"))).containsExactly("out0", "out1", "out2", "out3");
        long total = 0;
        for (int k = 0; k < 4; k++) {
            Map<String, Object> out = (Map<String, Object>) dev.get("out" + k);
            assertThat(out.get("surface").toString()).startsWith("1280x800");
            assertThat(out.get("nativeFrames")).as("out%d %s", k, out).isEqualTo((long) frames / (k + 1));
            // the rate over first damage to last frame: n frames over n - 1 intervals reads a little high
            assertThat((Double) out.get("nativeFps")).as("out%d", k).isBetween(0.95 * 60 / (k + 1), 1.2 * 60 / (k + 1));
            total += frames / (k + 1);
        }
        assertThat(rep.get("nativeFrames")).isEqualTo(total);
    }
}
