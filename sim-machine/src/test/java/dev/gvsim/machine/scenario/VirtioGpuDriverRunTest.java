package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.linux.VirtioGpuLinuxDriver.Workload;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/** The Linux virtio-gpu driver model on -device virtio-gpu-pci: probe, framebuffer, frames, record and replay. */
class VirtioGpuDriverRunTest {
    @TempDir
    Path dir;

    @Test
    void probesAndRuns() throws Exception {
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(false, Workload.PARTIAL, 2, null, null);
        System.out.println(r.summary());
        System.out.println(r.driverState);
        System.out.println(r.deviceState);
        assertThat(r.fault).isNull();
        assertThat(r.probed).isTrue();
    }
}
