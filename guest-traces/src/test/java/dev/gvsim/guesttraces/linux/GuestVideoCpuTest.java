package dev.gvsim.guesttraces.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Params;

/** The guest CPU model's arithmetic from its parameters, and the parameters' sources. */
class GuestVideoCpuTest {
    @Test
    void everyParameterHasASource() {
        assertThat(GuestVideoCpu.PARAMS).allSatisfy(p -> assertThat(p.source()).isNotBlank());
    }

    @Test
    void softwareIsCyclesPerPixelTimesThePixelRate() {
        GuestVideoCpu m = new GuestVideoCpu(new Params());
        // the calibration row itself: 16.77 cycles/pixel x 4K60 over 2.6 GHz = 321 %
        assertThat(m.softwarePercent(false, 3840, 2160, 60)).isCloseTo(321.0, offset(0.1));
        // H.265 at the factor 1.64
        assertThat(m.softwarePercent(true, 1920, 1080, 24)).isCloseTo(100 * 16.77 * 1.64 * 1920 * 1080 * 24 / 2.6e9, offset(1e-9));
    }

    @Test
    void offloadedIsThePlayerPlusWhatTheDriverCounted() {
        Params p = new Params();
        p.declareAll(GuestVideoCpu.PARAMS);
        p.set("guest.video.player_frame_cycles=1000000");
        GuestVideoCpu m = new GuestVideoCpu(p);
        // 10 frames, 20 ioctls, 40 exits, 400 000 bytes copied: 1e6 + (20 x 6000 + 40 x 13000 + 100 000) / 10 cycles per frame
        assertThat(m.offloadCyclesPerFrame(10, 20, 40, 400_000)).isEqualTo(1_000_000 + (120_000 + 520_000 + 100_000) / 10.0);
        assertThat(m.offloadPercent(10, 20, 40, 400_000, 50)).isCloseTo(100.0 * 1_074_000 * 50 / 2.6e9, offset(1e-9));
        assertThat(m.offloadCyclesPerFrame(0, 1, 1, 1)).isZero();
    }

    @Test
    void badParametersAreRefused() {
        Params p = new Params();
        p.declareAll(GuestVideoCpu.PARAMS);
        p.set("guest.video.cpu_hz=0");
        assertThatThrownBy(() -> new GuestVideoCpu(p)).hasMessageContaining("must be positive");
    }
}
