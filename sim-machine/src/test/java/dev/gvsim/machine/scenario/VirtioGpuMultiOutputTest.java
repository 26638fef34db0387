package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Json;

/**
 * Several outputs in the Linux virtio-gpu driver model: max_outputs=4, one framebuffer per output,
 * the {@code multi} workload redrawing output k every (k + 1)th tick at 60 ticks a second.
 */
class VirtioGpuMultiOutputTest {
    static final long PERIOD = Math.round(1e12 / 60);
    static final int FRAMES = 12;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "blob={0}")
    @ValueSource(booleans = {false, true})
    void eachOutputShowsItsLastFrameAtItsRateAndTheRecordingReplaysIdentically(boolean blob) throws Exception {
        Path rec = dir.resolve("multi.gvt");
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(blob, 4, VirtioGpuWorkload.MULTI, FRAMES, PERIOD, rec, null);
        assertThat(r.fault).isNull();
        assertThat(r.error).isNull();
        assertThat(r.framebuffer).as(r.driverState.toString()).isTrue();
        assertThat(r.framesDrawn).isEqualTo(FRAMES);
        assertThat(r.driverState.get("outputModes")).isEqualTo(List.of("1280x800", "1280x800", "1280x800", "1280x800"));
        assertThat(r.scanouts).hasSize(4);
        for (int k = 0; k < 4; k++) {
            Scanout s = r.scanouts.get(k);
            assertThat(s.active()).as("scanout %d", k).isTrue();
            assertThat(s.width()).isEqualTo(1280);
            assertThat(s.height()).isEqualTo(800);
            int last = (FRAMES - 1) / (k + 1) * (k + 1); // the last tick output k was redrawn
            int[][] q = VirtioGpuWorkload.MULTI.outputRects(last, k, 1280, 800);
            assertThat(q).hasNumberOfRows(1);
            assertThat(s.pixel(q[0][0] + q[0][2] / 2, q[0][1] + q[0][3] / 2)).as("scanout %d centre", k).isEqualTo(q[0][4]);
            int g = VirtioGpuWorkload.background(last, k);
            assertThat(s.pixel(1279, 799)).as("scanout %d corner", k).isEqualTo(g << 16 | g << 8 | g);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> so = (List<Map<String, Object>>) r.deviceState.get("scanouts");
        for (int k = 0; k < 4; k++) {
            assertThat(so.get(k).get("resource")).isEqualTo(2 + k);
            // the first plane update at setup, then FRAMES / (k + 1) redraws
            assertThat(so.get(k).get("flushes")).as("scanout %d flushes", k).isEqualTo(1L + FRAMES / (k + 1));
            assertThat(so.get(k).get("damaged_pixels")).isEqualTo((1L + FRAMES / (k + 1)) * 1280 * 800);
        }

        ReplayResult again;
        try (TraceReader t = TraceFiles.open(rec)) {
            again = new Replayer(new ReplayOptions(), rec.toString()).run(t);
        }
        assertThat(again.faultCount).isZero();
        assertThat(again.mismatches).isEmpty();
        assertThat(again.simulatedTimePs).isEqualTo(r.replay.simulatedTimePs);
        assertThat(Json.write(again.devices)).isEqualTo(Json.write(r.replay.devices));
    }

    @Test
    void disabledOutputsTakeTheCallersMode() throws Exception {
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(false, 2), false, 2, 640, 480, VirtioGpuWorkload.MULTI, 2,
                0, null, null);
        assertThat(r.framebuffer).as(r.driverState.toString()).isTrue();
        assertThat(r.driverState.get("outputModes")).isEqualTo(List.of("1280x800", "640x480"));
        assertThat(r.scanouts.get(1).width()).isEqualTo(640);
        assertThat(r.scanouts.get(1).height()).isEqualTo(480);
    }

    @Test
    void moreOutputsThanTheDeviceHasScanoutsIsAClearError() throws Exception {
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(false, 2), false, 3, 0, 0, VirtioGpuWorkload.MULTI, 2, 0,
                null, null);
        assertThat(r.framebuffer).isFalse();
        assertThat(r.error).isEqualTo("outputs 3 > the device's num_scanouts 2 (max_outputs)");
        assertThat(r.summary()).contains("outputs 3 > the device's num_scanouts 2");
    }

    @Test
    void framebuffersThatDoNotFitTheAreaAreAClearError() throws Exception {
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run("-M virt -device virtio-gpu-pci,max_outputs=16,xres=1920,yres=1080", false, 16, 0, 0,
                VirtioGpuWorkload.MULTI, 1, 0, null, null);
        assertThat(r.framebuffer).isFalse();
        assertThat(r.error).startsWith("16 framebuffers (127 MiB) do not fit the driver's 64 MiB area");
        assertThatThrownBy(() -> VirtioGpuDriverRun.run(false, 17, VirtioGpuWorkload.MULTI, 1, 0, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outputs must be in 1..16, got 17");
    }
}
