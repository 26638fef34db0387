package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.linux.VirtioGpuLinuxDriver;
import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Json;

/**
 * The Linux virtio-gpu driver model end to end on -device virtio-gpu-pci (2D resource, or a guest
 * blob with blob=on): probe, framebuffer, frames of each workload; the device's scanout shows what
 * the driver drew, and replaying the recording gives the identical device report.
 */
class VirtioGpuDriverRunTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "blob={0} {1}")
    @CsvSource({"false, FULL, 3", "false, PARTIAL, 4", "false, WINDOWS, 6", "true, PARTIAL, 3", "true, FULL, 2"})
    void drawsFramesTheScanoutShowsAndTheRecordingReplaysIdentically(boolean blob, VirtioGpuWorkload wl, int frames) throws Exception {
        Path rec = dir.resolve("vgpu.gvt");
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(blob, wl, frames, rec, null);
        assertThat(r.fault).isNull();
        assertThat(r.probed).as(r.driverState.toString()).isTrue();
        assertThat(r.framebuffer).as(r.driverState.toString()).isTrue();
        assertThat(r.framesDrawn).isEqualTo(frames);
        assertThat(r.width).isEqualTo(1280);
        assertThat(r.height).isEqualTo(800);
        assertThat(r.driverState.get("blob")).isEqualTo(blob);
        // 1000 shmem pages in shuffled order: nearly one mem_entry per page
        assertThat((Integer) r.driverState.get("backingEntries")).isBetween(900, 1000);
        @SuppressWarnings("unchecked")
        var commands = (java.util.Map<String, Object>) r.deviceState.get("commands");
        assertThat(commands).containsKeys(blob ? "RESOURCE_CREATE_BLOB" : "RESOURCE_CREATE_2D", blob ? "SET_SCANOUT_BLOB" : "SET_SCANOUT",
                "TRANSFER_TO_HOST_2D", "RESOURCE_FLUSH", "GET_DISPLAY_INFO");

        Scanout s = r.scanout;
        assertThat(s.active()).isTrue();
        assertThat(s.width()).isEqualTo(1280);
        assertThat(s.height()).isEqualTo(800);
        // the last frame's rectangles, in their colours (a pixel inside each, away from overlaps)
        int[][] last = wl.rects(frames - 1, 1280, 800);
        for (int[] q : last) {
            assertThat(s.pixel(q[0] + q[2] / 2, q[1] + q[3] / 2)).as("centre of %s", java.util.Arrays.toString(q)).isEqualTo(q[4]);
        }
        int corner = s.pixel(1279, 799);
        if (wl == VirtioGpuWorkload.FULL) {
            int g = VirtioGpuWorkload.background(frames - 1);
            assertThat(corner).isEqualTo(g << 16 | g << 8 | g);
        } else {
            assertThat(corner).isZero();
        }

        ReplayResult again;
        try (TraceReader t = TraceFiles.open(rec)) {
            again = new Replayer(new ReplayOptions(), rec.toString()).run(t);
        }
        assertThat(again.faultCount).isZero();
        assertThat(again.mismatches).isEmpty();
        assertThat(again.accesses).isEqualTo(r.replay.accesses);
        assertThat(again.simulatedTimePs).isEqualTo(r.replay.simulatedTimePs);
        assertThat(Json.write(again.devices)).isEqualTo(Json.write(r.replay.devices));
    }

    /**
     * Without INDIRECT_DESC and EVENT_IDX (device properties off) the rings take the other paths of
     * virtio_ring.c (chained descriptors, avail flags NO_INTERRUPT, used flags NO_NOTIFY), and the
     * free list recycles chains over 40 frames (more commands than the 64-entry controlq has
     * descriptors).
     */
    @org.junit.jupiter.api.Test
    void worksWithoutIndirectDescriptorsAndEventIdx() throws Exception {
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run("-M virt -device virtio-gpu-pci,indirect_desc=off,event_idx=off", false,
                VirtioGpuWorkload.WINDOWS, 40, null, null);
        assertThat(r.fault).isNull();
        assertThat(r.framebuffer).as(r.driverState.toString()).isTrue();
        assertThat(r.driverState.get("features").toString()).isEqualTo("0x10100000002");
        assertThat(r.framesDrawn).isEqualTo(40);
        int[][] last = VirtioGpuWorkload.WINDOWS.rects(39, 1280, 800);
        assertThat(r.scanout.pixel(last[0][0] + 8, last[0][1] + 8)).isEqualTo(last[0][4]);
        assertThat(r.deviceState.get("queue_error_count")).isEqualTo(0L);
    }

    /**
     * {@code packed=on}: the driver model accepts VIRTIO_F_RING_PACKED as Linux 6.1 does and drives
     * packed rings (with and without INDIRECT_DESC / EVENT_IDX), the device pops them from its
     * PackedVirtqueue; 40 frames go round the 64-entry controlq many times; the recording replays
     * with the identical device report.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"'packed=on', 0x10530000002", "'packed=on,indirect_desc=off,event_idx=off', 0x10500000002"})
    void drivesPackedRings(String props, String features) throws Exception {
        Path rec = dir.resolve("vgpu-packed.gvt");
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run("-M virt -device virtio-gpu-pci," + props, false, VirtioGpuWorkload.WINDOWS, 40, rec,
                null);
        assertThat(r.fault).isNull();
        assertThat(r.framebuffer).as(r.driverState.toString()).isTrue();
        assertThat(r.driverState.get("features").toString()).isEqualTo(features);
        assertThat(r.deviceState.get("rings")).isEqualTo(java.util.List.of("packed", "packed"));
        assertThat(r.deviceState.get("queue_error_count")).isEqualTo(0L);
        assertThat(r.framesDrawn).isEqualTo(40);
        assertThat(((java.util.List<?>) r.deviceState.get("chains")).get(0)).as("more than twice round the 64-entry controlq")
                .satisfies(n -> assertThat((Long) n).isGreaterThan(2 * 64));
        int[][] last = VirtioGpuWorkload.WINDOWS.rects(39, 1280, 800);
        assertThat(r.scanout.pixel(last[0][0] + 8, last[0][1] + 8)).isEqualTo(last[0][4]);
        ReplayResult again;
        try (TraceReader t = TraceFiles.open(rec)) {
            again = new Replayer(new ReplayOptions(), rec.toString()).run(t);
        }
        assertThat(again.mismatches).isEmpty();
        assertThat(Json.write(again.devices)).isEqualTo(Json.write(r.replay.devices));
    }
}
