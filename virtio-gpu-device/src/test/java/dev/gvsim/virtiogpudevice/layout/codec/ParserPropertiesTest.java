package dev.gvsim.virtiogpudevice.layout.codec;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * jqwik properties of the bitstream parser (docs/fuzzing.md): a real stream with bytes flipped,
 * dropped or cut, or bytes from nowhere, read to its end, either parses or throws a
 * {@link BitstreamException} with a message, never another throwable and never loops; and the access
 * units always tile the part of the stream that was read.
 */
class ParserPropertiesTest {
    static final byte[] H264 = TestStreams.load("h264-322x186-main.264");
    static final byte[] H265 = TestStreams.load("h265-322x186-main.265");

    @Provide
    Arbitrary<int[]> edits() {
        // (position, value) pairs: value < 256 overwrites, 256 deletes the byte, 257 inserts 00 00 03
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).array(int[].class).ofMinSize(2).ofMaxSize(24);
    }

    @Property(tries = 300)
    void mutatedRealStreamsFailOnlyWithBitstreamErrors(@ForAll("edits") int[] edits, @ForAll boolean hevc) {
        byte[] base = hevc ? H265 : H264;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.util.Map<Integer, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i + 1 < edits.length; i += 2) {
            at.put(edits[i] % base.length, edits[i + 1] % 258);
        }
        for (int i = 0; i < base.length; i++) {
            Integer e = at.get(i);
            if (e == null) {
                out.write(base[i]);
            } else if (e < 256) {
                out.write(e);
            } else if (e == 257) {
                out.write(0);
                out.write(0);
                out.write(3);
                out.write(base[i]);
            }
        }
        check(hevc ? Codec.H265 : Codec.H264, out.toByteArray());
    }

    @Property(tries = 300)
    void randomBytesAfterAStartCode(@ForAll byte[] tail, @ForAll boolean hevc) {
        byte[] data = new byte[tail.length + 3];
        data[2] = 1;
        System.arraycopy(tail, 0, data, 3, tail.length);
        check(hevc ? Codec.H265 : Codec.H264, data);
    }

    static void check(Codec c, byte[] data) {
        AccessUnits au = new AccessUnits(c);
        long end = 0;
        try {
            au.reset(data, 0, data.length);
            int guard = 0;
            while (au.next()) {
                assertThat(au.offset()).isEqualTo((int) end);
                end = au.offset() + (long) au.length();
                assertThat(++guard).isLessThanOrEqualTo(data.length + 1);
            }
            assertThat(end).as("no unit, or units up to the end").isIn(0L, (long) data.length);
        } catch (BitstreamException e) {
            assertThat(e.getMessage()).contains(c.label());
        }
    }
}
