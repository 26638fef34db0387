package dev.gvsim.virtiogpudevice.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/** The engine timing model against hand-computed times from its parameters. */
class CodecEngineTest {
    static final long P1080 = 1920L * 1088;

    static CodecEngine engine(String name, String... sets) {
        Params p = new Params().declareAll(VideoParams.ALL);
        for (String s : sets) {
            p.set(s);
        }
        p.set("virtio_gpu.video.engine=" + name);
        return VideoParams.engine(p);
    }

    @Test
    void everyParameterHasASource() {
        for (ParamDef d : VideoParams.ALL) {
            assertThat(d.source()).as(d.name()).isNotBlank();
        }
        assertThat(VideoParams.ALL).hasSize(4 + 3 * 8);
    }

    @Test
    void aFrameTakesSetupPlusItsPixelsAtTheRate() {
        CodecEngine e = engine("rk3588");
        // H.265 decode at 8K60 = 1990.656 Mpixel/s, 0.5 ms setup
        long t = e.serviceTime(false, true, P1080, 16_000);
        assertThat(t).isEqualTo(500_000_000L + (long) Math.ceil(P1080 / 1990.656e6 * 1e12));
        // H.264 decodes at half that rate on the RK3588 (8K30)
        long t264 = e.serviceTime(false, false, P1080, 16_000);
        assertThat(t264 - 500_000_000L).isBetween(2 * (t - 500_000_000L) - 2, 2 * (t - 500_000_000L) + 2);
        // encode 8K30
        assertThat(e.serviceTime(true, true, P1080, 0)).isEqualTo(t264);
    }

    @Test
    void theBitrateCapBoundsABigFrame() {
        CodecEngine e = engine("k1");
        // a 1 MB intra frame at K1's 200 Mbit/s takes 40 ms, far more than its pixels
        long t = e.serviceTime(false, false, P1080, 8_000_000);
        assertThat(t).isEqualTo(1_000_000_000L + 40_000_000_000L);
        e.submit(0, false, false, P1080, 8_000_000);
        assertThat(e.report(0).get("bitrate_bound_frames")).isEqualTo(1L);
    }

    @Test
    void concurrentSessionsShareTheEngine() {
        CodecEngine e = engine("rx550");
        long one = e.serviceTime(false, false, P1080, 100_000);
        // four sessions each hand a frame at t = 0: one instance serves them one after the other
        long last = 0;
        for (int s = 0; s < 4; s++) {
            last = e.submit(0, false, false, P1080, 100_000);
        }
        assertThat(last).isEqualTo(4 * one);
        assertThat(e.report(last).get("queued_ps")).isEqualTo((0 + 1 + 2 + 3) * one);
        assertThat(e.utilisation(false, last)).isEqualTo(100.0);
        // with two instances, two at a time
        CodecEngine two = engine("rx550", "video.rx550.instances=2");
        long end = 0;
        for (int s = 0; s < 4; s++) {
            end = two.submit(0, false, false, P1080, 100_000);
        }
        assertThat(end).isEqualTo(2 * one);
    }

    @Test
    void decodeAndEncodeShareOnlyWhenTheEngineDoes() {
        CodecEngine sep = engine("rx550");
        long d = sep.submit(0, false, false, P1080, 0);
        long enc = sep.submit(0, true, false, P1080, 0);
        assertThat(enc).isEqualTo(sep.serviceTime(true, false, P1080, 0)); // not behind the decode
        CodecEngine shared = engine("k1");
        long d2 = shared.submit(0, false, false, P1080, 0);
        long e2 = shared.submit(0, true, false, P1080, 0);
        assertThat(e2).isEqualTo(d2 + shared.serviceTime(true, false, P1080, 0));
        assertThat(d).isPositive();
    }

    @Test
    void badValuesAreRefused() {
        assertThatThrownBy(() -> engine("nvdec")).hasMessageContaining("must be one of [rk3588, rx550, k1]");
        assertThatThrownBy(() -> engine("k1", "video.k1.decode_h264_mpixels=0")).hasMessageContaining("must be a positive rate");
        assertThatThrownBy(() -> engine("k1", "video.k1.instances=0")).hasMessageContaining("instances 1..64");
    }
}
