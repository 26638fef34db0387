package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The virtio-gpu-video scenario: its checks pass on the model's defaults, its figures come from the run, and it is registered. */
class VirtioGpuVideoScenarioTest {
    @Test
    void passesAndReportsWhatTheModelGave() throws Exception {
        ScenarioResult r = new VirtioGpuVideoScenario().run();
        assertThat(r.checks()).allSatisfy(c -> assertThat(c.pass()).as(c.name() + ": " + c.observed()).isTrue());
        @SuppressWarnings("unchecked")
        Map<String, Object> h264 = (Map<String, Object>) r.figures().get("h264_decode");
        assertThat(h264.get("sps")).asString().startsWith("H.264 High@L4.1 1920x1080");
        assertThat(h264.get("i_p_b")).isEqualTo(List.of(1L, 2L, 3L));
        assertThat((double) h264.get("engine_utilisation_pct")).isBetween(1.0, 100.0);
        @SuppressWarnings("unchecked")
        Map<String, Object> h265 = (Map<String, Object>) r.figures().get("h265_decode");
        assertThat(h265.get("sps")).asString().startsWith("H.265 Main@L").contains("24.000 fps");
        assertThat(r.figures().get("frames_on_scanout")).isEqualTo(12L);
        assertThat(r.figures().get("video_caps_advertised")).isEqualTo(10);
        assertThat(r.figures().get("gpu_copies_per_decoded_frame")).isEqualTo(0.0);
        assertThat(r.figures().get("upstream_blit_gpu_copies_per_decoded_frame")).isEqualTo(1.0);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> conc = (List<Map<String, Object>>) r.figures().get("concurrent_h264_1080p60_sessions");
        assertThat(conc).extracting(m -> m.get("engine")).containsExactly("rk3588", "rx550", "k1");
        assertThat(conc).allSatisfy(m -> assertThat(m.get("errors")).isEqualTo(0L));
    }

    @Test
    void moreSessionsThanTheEngineCanServeLowerEachOnesRate() throws Exception {
        // the RK3588's H.264 rate is 8K30 = 8 x 1080p60 pixels; with its 0.5 ms setup per frame, 8 sessions cannot all keep 60 fps
        double four = (double) VirtioGpuVideoScenario.concurrent("rk3588", 4).get("fps_per_session");
        double eight = (double) VirtioGpuVideoScenario.concurrent("rk3588", 8).get("fps_per_session");
        assertThat(four).isEqualTo(60.0);
        assertThat(eight).isLessThan(60.0).isGreaterThan(40.0);
    }

    @Test
    void theGuestCpuFiguresFollowTheParameters() throws Exception {
        // a slower software decoder and a busier player move the figures by exactly what the parameters say
        VirtioGpuVideoScenario.Run base = VirtioGpuVideoScenario.run(List.of());
        dev.gvsim.simcore.Params p = new dev.gvsim.simcore.Params();
        dev.gvsim.guesttraces.linux.GuestVideoCpu m = new dev.gvsim.guesttraces.linux.GuestVideoCpu(p);
        double sw = m.softwarePercent(false, 1920, 1080, 60);
        assertThat(sw).isEqualTo(100 * 16.77 * 1920 * 1080 * 60 / 2.6e9);
        var s = base.h264;
        double hw = m.offloadPercent(s.frames, s.ioctls, s.notifies + s.interrupts, s.bytesCopied, 60);
        double expect = 100 * (3_500_000 + (6000.0 * s.ioctls + 13000.0 * (s.notifies + s.interrupts) + s.bytesCopied / 4.0) / s.frames) * 60 / 2.6e9;
        assertThat(hw).isCloseTo(expect, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.ioctls).isEqualTo(2 * s.frames); // one EXECBUFFER and one flush per frame
    }

    @Test
    @SuppressWarnings("unchecked")
    void aProfileTheHostDoesNotAdvertiseIsRefusedInTheGuest() throws Exception {
        dev.gvsim.machine.Machine m = dev.gvsim.machine.MachineBuilder.build(VirtioGpuVideoScenario.MACHINE, List.of());
        dev.gvsim.pciefabric.PciFunction gpu = m.device(VirtioGpuDriverRun.DRIVER);
        var o = new dev.gvsim.machine.replay.ReplayOptions();
        var cpu = new dev.gvsim.machine.guest.MachineGuestCpu(m, o, m.irq(gpu), null, "t");
        var drv = new dev.gvsim.guesttraces.linux.VirtioGpuLinuxDriver(cpu, gpu.bdf(), dev.gvsim.machine.VirtMemoryMap.RAM_BASE,
                VirtioGpuDriverRun.AREA_PA, true);
        assertThat(drv.probe()).isTrue();
        var client = new dev.gvsim.guesttraces.linux.VaapiVideoClient(cpu, drv, VirtioGpuVideoScenario.CLIENT_PA, 1, 100);
        client.open();
        var s = client.decodeStream(VirtioGpuVideoScenario.stream("h264-322x186-high444.264"), false, 1, false, 0);
        assertThat(s.errors).isEqualTo(1);
        assertThat(s.firstError).contains("High 4:4:4 Predictive (pipe_video_profile 16) is not in the host's video caps");
        Map<String, Object> v = (Map<String, Object>) gpu.report().get("video");
        assertThat((Map<String, Object>) v.get("commands")).doesNotContainKey("CREATE_VIDEO_CODEC");
        cpu.finish();
    }

    @Test
    void isRegistered() {
        assertThat(Scenarios.all()).anyMatch(s -> s.id().equals("virtio-gpu-video"));
    }
}
