package dev.gvsim.machine.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.importers.VirtioGpuLogDamage;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.scenario.VirtioGpuDriverRun;

/**
 * The copy path and the optimized path on real recordings: the screen updates of the bundled QEMU logs
 * (vgpu_fbpartial: a 256x64 rectangle written line by line; vgpu_rp: whole frames), replayed by the
 * Linux driver model as TRANSFER + FLUSH of each logged rectangle at the logged times.
 */
class RecordedDamageTest {
    static VirtioGpuLogDamage log(String name) throws Exception {
        try (InputStream in = RecordedDamageTest.class.getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/" + name + ".trace.xz")) {
            return VirtioGpuLogDamage.read(in, name);
        }
    }

    static VirtioGpuDriverRun run(VirtioGpuLogDamage log, double speedup, String... sets) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.paramSets.addAll(List.of(sets));
        VirtioGpuDriverRun r = VirtioGpuDriverRun.runLogged(log, false, speedup, null, o);
        assertThat(r.probed && r.framebuffer).as(r.summary()).isTrue();
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> dev(VirtioGpuDriverRun r) {
        return (Map<String, Object>) r.machine.displays().report().get(VirtioGpuDriverRun.DRIVER + "0");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> out0(VirtioGpuDriverRun r) {
        return (Map<String, Object>) dev(r).get("out0");
    }

    @Test
    void fbpartialsLineByLineUpdatesThroughTheCopyPathAndTheOptimizedPath() throws Exception {
        VirtioGpuLogDamage log = log("vgpu_fbpartial");
        VirtioGpuDriverRun copy = run(log, 1, "display.pipeline=qemu");
        // the recorded mode, and one plane update per logged flush after the driver's own set-up update
        assertThat(copy.width).isEqualTo(1280);
        assertThat(copy.height).isEqualTo(800);
        assertThat(copy.framesDrawn).isEqualTo(log.flushes.size());
        long setup = (Long) out0(copy).get("damageEvents") - log.flushes.size();
        assertThat(setup).isBetween(1L, 2L);
        // every TRANSFER copied its rectangle on the device: the logged rectangles' bytes, plus the set-up's whole screen
        long logged = log.flushes.stream().mapToLong(f -> 4L * f.width() * f.height()).sum();
        long copied = (Long) dev(copy).get("deviceCopyBytes");
        assertThat(copied - logged).isEqualTo(setup * 1280L * 800 * 4);
        // QEMU's 30 ms refresh shows fewer frames than the guest's flushes reach native vblanks
        long nativeFrames = (Long) out0(copy).get("nativeFrames");
        long shown = (Long) out0(copy).get("presentedFrames");
        assertThat(shown).isLessThan(nativeFrames);

        VirtioGpuDriverRun opt = run(log, 1, "display.pipeline=per-window", "display.capture=damage", "virtio_gpu.transfer=zero-copy");
        assertThat(dev(opt).get("deviceCopies")).isEqualTo(0L);
        assertThat(out0(opt).get("uploadCopies")).isEqualTo(0L);
        assertThat((Long) out0(opt).get("presentedFrames")).isGreaterThan(shown);
        assertThat((Double) out0(opt).get("percentOfNative")).isGreaterThan((Double) out0(copy).get("percentOfNative"));
    }

    @Test
    void aFasterGuestMakesTheTimerTheLimit() throws Exception {
        VirtioGpuLogDamage log = log("vgpu_rp");
        VirtioGpuDriverRun asRecorded = run(log, 1, "display.pipeline=qemu");
        VirtioGpuDriverRun faster = run(log, 100, "display.pipeline=qemu");
        // same commands, the same bytes copied; at the recorded (TCG) pace the flushes are far apart, 100x faster they are not
        assertThat(dev(faster).get("deviceCopyBytes")).isEqualTo(dev(asRecorded).get("deviceCopyBytes"));
        assertThat((Long) faster.machine.kernel().now()).isLessThan(asRecorded.machine.kernel().now());
        assertThat((Long) out0(faster).get("presentedFrames")).isLessThanOrEqualTo((Long) out0(asRecorded).get("presentedFrames"));
    }

    @Test
    void badInputsAreClearErrors() throws Exception {
        VirtioGpuLogDamage log = log("vgpu_rp");
        assertThatThrownBy(() -> VirtioGpuDriverRun.runLogged(log, false, 0, null, new ReplayOptions())).hasMessageContaining("speed-up must be > 0");
        VirtioGpuLogDamage noFb = VirtioGpuLogDamage.read(new java.io.ByteArrayInputStream(
                "1@1.000000:virtio_gpu_cmd_res_flush res 0x2, w 8, h 16, x 0, y 0\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)), "x.log");
        assertThatThrownBy(() -> VirtioGpuDriverRun.runLogged(noFb, false, 1, null, new ReplayOptions()))
                .hasMessageContaining("x.log: no virtio_gpu_cmd_res_create_2d");
    }
}
