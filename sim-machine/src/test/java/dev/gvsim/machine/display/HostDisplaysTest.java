package dev.gvsim.machine.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/** The host display model on hand-made damage streams, against expectations worked out independently below. */
class HostDisplaysTest {
    static final long MS = 1_000_000_000L;
    static final long VBLANK = 16_666_667_000L;

    final EventKernel kernel = new EventKernel();
    HostDisplays displays;

    DisplayListener make(String... sets) {
        Params p = new Params().declareAll(DisplayParams.ALL);
        for (String s : sets) {
            p.set(s);
        }
        displays = new HostDisplays(p, kernel.scheduler("display"), new Stats());
        return displays.attach("gpu0");
    }

    /** A 60 Hz producer: one full-surface damage per vblank for {@code frames} frames, optionally a device copy before each. */
    void produce(DisplayListener d, int outputs, int w, int h, int frames, long copyBytes, long copyPs) {
        for (int k = 0; k < frames; k++) {
            long t = k * VBLANK + 1;
            kernel.runUntil(t);
            for (int o = 0; o < outputs; o++) {
                if (copyBytes > 0) {
                    d.copied(copyBytes, copyPs, t);
                }
                d.update(o, 0, 0, w, h, t);
            }
        }
        kernel.runUntilEmpty();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> out(int i) {
        return (Map<String, Object>) ((Map<String, Object>) displays.report().get("gpu0")).get("out" + i);
    }

    @Test
    void noneIsTheNoOpListener() {
        assertThat(make()).isSameAs(DisplayListener.NONE);
        assertThat(displays.modelled()).isFalse();
    }

    @Test
    void qemuPresentsOncePerRefreshTickWithDamage() {
        DisplayListener d = make("display.pipeline=qemu");
        d.surface(0, 1920, 1080, false, 0);
        produce(d, 1, 1920, 1080, 60, 0, 0);
        // independent count: a tick at each multiple of 30 ms that follows at least one damage since the previous tick
        long ticks = 0;
        long lastTick = -1;
        for (int k = 0; k < 60; k++) {
            long t = k * VBLANK + 1;
            long tick = (t + 30 * MS - 1) / (30 * MS) * (30 * MS);
            if (tick != lastTick) {
                ticks++;
                lastTick = tick;
            }
        }
        Map<String, Object> o = out(0);
        assertThat(o.get("nativeFrames")).isEqualTo(60L);
        assertThat(o.get("presentedFrames")).isEqualTo(ticks);
        assertThat(ticks).isBetween(30L, 35L);
        // each update copied its damage on the main loop (dpy_gfx_update), and each refresh captured the whole
        // 1080p surface again (capture=full, host copy)
        assertThat(o.get("uploadCopies")).isEqualTo(60 + ticks);
        assertThat(o.get("uploadBytes")).isEqualTo((60 + ticks) * 1920 * 1080 * 4);
        // a frame every 30 ms against one every 16.7 ms: 55.6 % of native, whatever the phase
        // host CPU per frame on screen: 60 update copies and `ticks` full captures (1.04 ms each at 8 B/ns) plus 0.1 ms per refresh
        long copyPs = (long) Math.ceil(1920L * 1080 * 4 * 1000.0 / 8.0);
        assertThat(displays.report().get("hostCpuPsPerFrame")).isEqualTo(((60 + ticks) * copyPs + ticks * 100_000_000L) / ticks);
        assertThat((Double) displays.report().get("percentOfNative")).isCloseTo(100 * VBLANK / (30.0 * MS), org.assertj.core.data.Offset.offset(2.5));
    }

    @Test
    void perWindowKeepsUpWithA60HzProducer() {
        DisplayListener d = make("display.pipeline=per-window");
        d.surface(0, 1920, 1080, false, 0);
        produce(d, 1, 1920, 1080, 60, 0, 0);
        Map<String, Object> o = out(0);
        // refresh at k*V+1: 0.1 ms + 1.04 ms upload + 0.33 ms GPU < V, so each frame is on screen at the next vblank
        assertThat(o.get("presentedFrames")).isEqualTo(60L);
        assertThat(o.get("percentOfNative")).isEqualTo(100.0);
        assertThat((Long) o.get("latencyP99Ps")).isLessThanOrEqualTo(VBLANK + VBLANK / 100);
    }

    @Test
    void zeroCopySurfacesAreNeverCopiedByTheCpu() {
        DisplayListener d = make("display.pipeline=per-window");
        d.surface(0, 1920, 1080, true, 0);
        produce(d, 1, 1920, 1080, 30, 0, 0);
        Map<String, Object> o = out(0);
        assertThat(o.get("uploadCopies")).isEqualTo(0L);
        assertThat(o.get("presentedFrames")).isEqualTo(30L);
        assertThat(((Map<?, ?>) o.get("stages")).get("uploadPs")).isEqualTo(0L);
    }

    @Test
    void damageCaptureCopiesOnlyTheDamage() {
        DisplayListener d = make("display.pipeline=per-window", "display.capture=damage");
        d.surface(0, 1920, 1080, false, 0);
        for (int k = 0; k < 10; k++) {
            long t = k * VBLANK + 1;
            kernel.runUntil(t);
            d.update(0, 100, 100, 256, 128, t);
        }
        kernel.runUntilEmpty();
        assertThat(out(0).get("uploadBytes")).isEqualTo(10L * 256 * 128 * 4);
    }

    @Test
    void theMainLoopSaturatesWhenDeviceCopiesAndRefreshesShareIt() {
        // four 4K outputs at 60 Hz, each frame first copied by the device (TRANSFER at 8 B/ns: 4.15 ms)
        long frame = 3840L * 2160 * 4;
        long copyPs = (long) Math.ceil(frame * 1000.0 / 8.0);
        DisplayListener d = make("display.pipeline=qemu");
        for (int o = 0; o < 4; o++) {
            d.surface(o, 3840, 2160, false, 0);
        }
        produce(d, 4, 3840, 2160, 60, frame, copyPs);
        Map<String, Object> r = displays.report();
        // the main loop had 60 x 4 x 4.15 ms of device copies alone in one second of frames: it cannot keep 30 ms ticks
        assertThat(displays.mainLoop.busyPs).isGreaterThan(60L * 4 * copyPs);
        // the backlog outlasts the producer: frames per second of the pipeline's own span fall well below the 55 % the timer allows
        assertThat((Double) r.get("percentOfNative")).isLessThan(45.0);
        // the same damage with per-window threads and zero-copy surfaces: the main loop only runs the (absent) device copies
        EventKernel k2 = new EventKernel();
        Params p = new Params().declareAll(DisplayParams.ALL).set("display.pipeline=per-window");
        HostDisplays h2 = new HostDisplays(p, k2.scheduler("display"), new Stats());
        DisplayListener d2 = h2.attach("gpu0");
        for (int o = 0; o < 4; o++) {
            d2.surface(o, 3840, 2160, true, 0);
        }
        for (int k = 0; k < 60; k++) {
            long t = k * VBLANK + 1;
            k2.runUntil(t);
            for (int o = 0; o < 4; o++) {
                d2.update(o, 0, 0, 3840, 2160, t);
            }
        }
        k2.runUntilEmpty();
        assertThat((Double) h2.report().get("percentOfNative")).isGreaterThan((Double) r.get("percentOfNative"));
    }

    @Test
    void spiceCopiesAtRefreshAndEncodesOnTheOutputsWorker() {
        DisplayListener d = make("display.pipeline=per-window", "display.ui=spice");
        d.surface(0, 1920, 1080, false, 0);
        // 10 frames 100 ms apart: no frame waits for another
        for (int k = 0; k < 10; k++) {
            long t = k * 6 * VBLANK + 1;
            kernel.runUntil(t);
            d.update(0, 0, 0, 1920, 1080, t);
        }
        kernel.runUntilEmpty();
        Map<String, Object> o = out(0);
        long bytes = 1920L * 1080 * 4;
        // qemu_spice_create_update: compare + mirror copy + update copy at 8 B/ns; encode at 0.75 B/ns on the worker
        long copies = 3 * (long) Math.ceil(bytes * 1000.0 / 8.0);
        long encode = (long) Math.ceil(bytes * 1000.0 / 0.75);
        Map<?, ?> stages = (Map<?, ?>) o.get("stages");
        assertThat(stages.get("spiceCopyPs")).isEqualTo(10 * copies);
        assertThat(stages.get("encodePs")).isEqualTo(10 * encode);
        assertThat(o.get("encodedBytes")).isEqualTo(10 * bytes);
        assertThat(o.get("uploadCopies")).isEqualTo(20L); // mirror and update image per refresh
        // damage at t, on screen at the vblank after t + 0.1 ms + copies + encode (11 ms: within the first vblank)
        long t = 1;
        long present = (t + 100_000_000L + copies + encode + VBLANK - 1) / VBLANK * VBLANK;
        assertThat(o.get("latencyP50Ps")).isNotNull();
        assertThat((Long) o.get("latencyP99Ps")).isGreaterThanOrEqualTo((present - t) * 999 / 1000);
        // the GPU is not used, the workers' time is host CPU time
        assertThat(displays.report().get("spiceWorkersBusyPs")).isEqualTo(10 * encode);
        assertThat(displays.report().get("gpuBusyPs")).isEqualTo(0L);
    }

    @Test
    void spiceOnGuestPagesEncodesWithoutCopies() {
        DisplayListener d = make("display.pipeline=per-window", "display.ui=spice");
        d.surface(0, 1920, 1080, true, 0);
        produce(d, 1, 1920, 1080, 10, 0, 0);
        Map<String, Object> o = out(0);
        assertThat(o.get("uploadCopies")).isEqualTo(0L);
        assertThat(((Map<?, ?>) o.get("stages")).get("spiceCopyPs")).isEqualTo(0L);
        assertThat((Long) o.get("encodedBytes")).isPositive();
    }

    @Test
    void threadsContendForTheHostCores() {
        // four 1080p outputs at 60 Hz with SPICE encodes of 11 ms each: on one core they cannot all keep up
        Map<String, Object> one = spiceFour("1");
        Map<String, Object> unlimited = spiceFour("0");
        Map<?, ?> s1 = (Map<?, ?>) one.get("shared");
        Map<?, ?> s0 = (Map<?, ?>) unlimited.get("shared");
        assertThat((Long) s1.get("coreWaitPs")).isPositive();
        assertThat(s0.get("coreWaitPs")).isEqualTo(0L);
        assertThat(s0.get("hostCores")).isEqualTo("a core per thread");
        assertThat((Double) one.get("percentOfNative")).isLessThan((Double) unlimited.get("percentOfNative"));
        // a slower pipeline coalesces more damage into each refresh: fewer frames shown, less encoding done
        assertThat((Long) one.get("deliveredFrames")).isLessThan((Long) unlimited.get("deliveredFrames"));
        assertThat((Long) one.get("spiceWorkersBusyPs")).isLessThan((Long) unlimited.get("spiceWorkersBusyPs"));
    }

    private Map<String, Object> spiceFour(String cores) {
        EventKernel k = new EventKernel();
        Params p = new Params().declareAll(DisplayParams.ALL).set("display.pipeline=per-window").set("display.ui=spice")
                .set("display.host_cores=" + cores);
        HostDisplays h = new HostDisplays(p, k.scheduler("display"), new Stats());
        DisplayListener d = h.attach("gpu0");
        for (int o = 0; o < 4; o++) {
            d.surface(o, 1920, 1080, false, 0);
        }
        for (int f = 0; f < 30; f++) {
            long t = f * VBLANK + 1;
            k.runUntil(t);
            for (int o = 0; o < 4; o++) {
                d.update(o, 0, 0, 1920, 1080, t);
            }
        }
        k.runUntilEmpty();
        return h.report();
    }

    @Test
    void deviceCopiesShareTheMemoryBandwidth() {
        // a tiny DRAM (1 byte/ns): a 1 MB device copy that its thread does in 0.1 ms needs 2 ms of the bus (read + write)
        DisplayListener d = make("display.pipeline=qemu", "display.memory_bandwidth=1");
        long end = d.copied(1_000_000, 100_000_000L, 0);
        assertThat(end).isEqualTo(2_000_000_000L);
        Map<?, ?> shared = (Map<?, ?>) displays.report().get("shared");
        assertThat(shared.get("memoryBytes")).isEqualTo(2_000_000L);
        assertThat(shared.get("memoryStallPs")).isEqualTo(1_900_000_000L);
    }

    @Test
    void badOptionsAreClearErrors() {
        assertThatThrownBy(() -> make("display.pipeline=gtk")).hasMessageContaining("display.pipeline must be none, qemu or per-window");
        assertThatThrownBy(() -> make("display.pipeline=qemu", "display.capture=some")).hasMessageContaining("display.capture must be full or damage");
        assertThatThrownBy(() -> make("display.pipeline=qemu", "display.ui=vnc")).hasMessageContaining("display.ui must be gl or spice");
        assertThatThrownBy(() -> make("display.pipeline=qemu", "display.host_cores=-2")).hasMessageContaining("display.host_cores");
        assertThatThrownBy(() -> make("display.pipeline=qemu", "display.encode_bandwidth=0")).hasMessageContaining("must be positive");
    }

    @Test
    void sameInputsSameReport() {
        DisplayListener d = make("display.pipeline=qemu", "display.capture=damage");
        d.surface(0, 1280, 800, false, 0);
        produce(d, 1, 1280, 800, 40, 4096000, 512000000);
        Map<String, Object> first = displays.report();
        kernel.runUntilEmpty();
        EventKernel again = new EventKernel();
        Params p = new Params().declareAll(DisplayParams.ALL).set("display.pipeline=qemu").set("display.capture=damage");
        HostDisplays h = new HostDisplays(p, again.scheduler("display"), new Stats());
        DisplayListener d2 = h.attach("gpu0");
        d2.surface(0, 1280, 800, false, 0);
        for (int k = 0; k < 40; k++) {
            long t = k * VBLANK + 1;
            again.runUntil(t);
            d2.copied(4096000, 512000000, t);
            d2.update(0, 0, 0, 1280, 800, t);
        }
        again.runUntilEmpty();
        assertThat(h.report().toString()).isEqualTo(first.toString());
    }
}
