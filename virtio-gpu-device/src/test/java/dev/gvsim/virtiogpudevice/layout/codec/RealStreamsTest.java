package dev.gvsim.virtiogpudevice.layout.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser on the committed x264 / x265 streams (guest-traces .../video/README.md gives the
 * commands): what the encoder was told (profile, level, size, chroma format, bit depth, 30 fps,
 * six frames with one IDR, the frame types in decode order as {@code x264 --verbose} and {@code x265 --csv} print them)
 * is what the SPS and the slices say.
 */
class RealStreamsTest {
    @ParameterizedTest
    @CsvSource({
        // file, codec, profile_idc, level_idc, width, height, coded w, coded h, chroma, bit depth, I P B frames, pattern, fps
        "h264-1920x1080-high.264,    H264, 100, 41,  1920, 1080, 1920, 1088, 1, 8,  1, 2, 3, IPBBPB, 60",
        "h264-322x186-main.264,      H264, 77,  0,   322,  186,  336,  192,  1, 8,  1, 3, 2, IPBPBP, 30",
        "h264-322x186-high444.264,   H264, 244, 0,   322,  186,  336,  192,  3, 8,  1, 5, 0, IPPPPP, 30",
        "h265-1920x1080-main.265,    H265, 1,   0,   1920, 1080, 1920, 1080, 1, 8,  1, 2, 3, IPBBPB, 24",
        "h265-322x186-main.265,      H265, 1,   0,   322,  186,  328,  192,  1, 8,  1, 3, 2, IPBPBP, 30",
        "h265-322x186-main10.265,    H265, 2,   0,   322,  186,  328,  192,  1, 10, 1, 5, 0, IPPPPP, 30",
    })
    void spsAndFramesMatchTheEncoderSettings(String file, Codec codec, int profile, int level, int w, int h, int cw, int ch, int chroma, int depth,
            int i, int p, int b, String pattern, double fps) {
        byte[] data = TestStreams.load(file);
        AccessUnits au = new AccessUnits(codec).reset(data, 0, data.length);
        StringBuilder types = new StringBuilder();
        long covered = 0;
        int expectedStart = 0;
        SequenceInfo sps = null;
        while (au.next()) {
            assertThat(au.offset()).as("access units tile the stream").isEqualTo(expectedStart);
            expectedStart = au.offset() + au.length();
            covered += au.length();
            if (au.slicesInPicture() > 0) {
                types.append(au.pictureTypeChar());
                sps = au.sps();
            }
        }
        assertThat(covered).isEqualTo(data.length);
        assertThat(sps).isNotNull();
        assertThat(sps.profileIdc()).isEqualTo(profile);
        if (level != 0) {
            assertThat(sps.levelIdc()).isEqualTo(level);
        }
        assertThat(sps.width()).isEqualTo(w);
        assertThat(sps.height()).isEqualTo(h);
        assertThat(sps.codedWidth()).isEqualTo(cw);
        assertThat(sps.codedHeight()).isEqualTo(ch);
        assertThat(sps.chromaFormatIdc()).isEqualTo(chroma);
        assertThat(sps.bitDepthLuma()).isEqualTo(depth);
        assertThat(au.frames).isEqualTo(6);
        assertThat(au.idrFrames).isEqualTo(1);
        assertThat(types.charAt(0)).isEqualTo('I');
        assertThat(new long[] {au.iFrames, au.pFrames, au.bFrames}).containsExactly(i, p, b);
        if (pattern != null) {
            assertThat(types.toString()).isEqualTo(pattern);
        }
        assertThat(sps.fps()).as("x264/x265 write the y4m's frame rate into the timing info").isEqualTo(fps);
    }
}
