package dev.gvsim.qxldevice.spice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SPICE's graduality classifier on flat, synthetic, gradient and photographic content. */
class GradualityTest {
    @Test
    void flatImagesScoreZeroBecauseIdenticalSquaresAreLeftOutWhichIsMediumNotHigh() {
        FakeFrame f = new FakeFrame(64, 64);
        f.fill(0, 0, 64, 64, 0x336699);
        assertThat(Graduality.score(f.px, 64, 64)).isZero();
        // 0 is below the MEDIUM threshold 0.002: spice-server rates a flat bitmap MEDIUM (LZ, not QUIC)
        assertThat(Graduality.level(f.px, 64, 64)).isEqualTo(Graduality.MEDIUM);
    }

    @Test
    void textLikeBlackAndWhiteIsLowAndPhotographicContentIsHigh() {
        FakeFrame t = new FakeFrame(128, 64);
        t.text(0, 0, 128, 64, 1);
        assertThat(Graduality.score(t.px, 128, 64)).isGreaterThan(0.002);
        assertThat(Graduality.level(t.px, 128, 64)).isEqualTo(Graduality.LOW);
        FakeFrame p = new FakeFrame(128, 96);
        p.photo(0, 0, 128, 96, 7);
        assertThat(Graduality.score(p.px, 128, 96)).isLessThan(-0.03);
        assertThat(Graduality.level(p.px, 128, 96)).isEqualTo(Graduality.HIGH);
    }

    @Test
    void scoreFollowsTheWeightsOnAHandComputedCase() {
        // 2 x 2: the only sample is pixel 1 (width / 2), the last of its row, so pixel 0 is scored:
        // right differs by 10 (gradual, -0.25), below identical (+0.5), below-right contrasts (+1.0)
        int[] px = {0x000000, 0x00000A, 0x000000, 0x0000FF};
        assertThat(Graduality.score(px, 2, 2)).isEqualTo((-0.25 + 0.5 + 1.0) / 3);
    }

    @Test
    void aSingleRowOrColumnIsScoredOneAsSpiceDoes() {
        assertThat(Graduality.score(new int[8], 8, 1)).isEqualTo(1.0);
        assertThat(Graduality.score(new int[8], 1, 8)).isEqualTo(1.0);
        assertThat(Graduality.level(new int[8], 8, 1)).isEqualTo(Graduality.LOW);
    }

    @Test
    void aSmoothGradientCountsAsGradualAsInSpice() {
        FakeFrame g = new FakeFrame(256, 32);
        for (int x = 0; x < 256; x++) {
            g.fill(x, 0, 1, 32, x << 16 | x << 8 | x);
        }
        assertThat(Graduality.level(g.px, 256, 32)).isNotEqualTo(Graduality.LOW);
    }
}
