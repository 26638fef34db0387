package dev.gvsim.machine.display;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.machine.scenario.VirtioGpuDriverRun;

/**
 * "Same trace, both pipelines": a guest trace recorded once (the Linux driver model, full-screen
 * redraws at 60 fps) replayed through the copy path and the optimized path, the pipeline being only
 * machine options. The replay issues the recorded accesses at their recorded times; what differs is
 * the host side, and the guest's reads of device state that the host's timing changes (the used
 * ring's index, the ISR) are reported as mismatches, not hidden.
 */
class OneTraceThroughEachPipelineTest {
    static final long PERIOD = Math.round(1e12 / 60);

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    static Map<String, Object> out0(ReplayResult r) {
        Map<String, Object> display = (Map<String, Object>) r.devices.get("display");
        return (Map<String, Object>) ((Map<String, Object>) display.get(VirtioGpuDriverRun.DRIVER + "0")).get("out0");
    }

    static ReplayResult replay(Path trace, String... sets) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.paramSets.addAll(List.of(sets));
        try (TraceReader t = TraceFiles.open(trace)) {
            return new Replayer(o, trace.toString()).run(t);
        }
    }

    @Test
    void theCopyPathAndTheOptimizedPathOnOneRecordedTrace() throws Exception {
        Path rec = dir.resolve("full.gvt");
        ReplayOptions o = new ReplayOptions();
        o.paramSets.add("display.pipeline=qemu");
        VirtioGpuDriverRun live = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(false), false, VirtioGpuWorkload.FULL, 10, PERIOD, rec, o);
        assertThat(live.framesDrawn).isEqualTo(10);

        ReplayResult copy = replay(rec, "display.pipeline=qemu");
        ReplayResult optimized = replay(rec, "display.pipeline=per-window", "display.capture=damage", "virtio_gpu.transfer=zero-copy");
        // the configuration it was recorded in replays clean, to the same display report as the live run
        assertThat(copy.mismatchCount).isZero();
        assertThat(copy.devices.get("display").toString()).isEqualTo(live.machine.displays().report().toString());
        // the same damage reaches both host sides (the setup update and ten frames)
        assertThat(out0(copy).get("nativeFrames")).isEqualTo(out0(optimized).get("nativeFrames"));
        assertThat((Long) out0(copy).get("presentedFrames")).isLessThan((Long) out0(optimized).get("presentedFrames"));
        assertThat((Long) out0(copy).get("uploadCopies")).isPositive();
        assertThat(out0(optimized).get("uploadCopies")).isEqualTo(0L);
        // the recorded guest's reads of what the copy path's timing returned differ under the other host side, and say so
        assertThat(optimized.faultCount).isZero();
        // (the used ring's index in guest RAM, or the device's ISR/registers)
        assertThat(optimized.mismatches).isNotEmpty();
        for (Map<String, Object> m : optimized.mismatches) {
            String device = String.valueOf(m.get("device"));
            assertThat(device.equals("ram") || device.startsWith(VirtioGpuDriverRun.DRIVER + "0")).as(m.toString()).isTrue();
            if (device.equals("ram")) {
                // the used ring's le16 index (virtio_ring.c more_used: the device has moved on further or less far)
                assertThat(m.get("size")).as(m.toString()).isEqualTo(2);
            }
        }
    }
}
