package dev.gvsim.virtiogpudevice.layout.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/**
 * Streams built to break the parser: each gets a {@link BitstreamException} that names the NAL
 * unit, the syntax element and what was expected, and a well-formed stream gets none.
 */
class HostileStreamsTest {
    /** Bits written MSB first, for hand-made parameter sets. */
    static final class Bits {
        final byte[] b = new byte[256];
        int n;

        Bits u(long v, int bits) {
            for (int i = bits - 1; i >= 0; i--) {
                if (((v >>> i) & 1) != 0) {
                    b[n >>> 3] |= (byte) (0x80 >>> (n & 7));
                }
                n++;
            }
            return this;
        }

        Bits ue(long v) {
            long x = v + 1;
            int len = 64 - Long.numberOfLeadingZeros(x);
            return u(0, len - 1).u(x, len);
        }

        /** rbsp_trailing_bits, then the bytes with a start code and the NAL header(s) in front (no emulation prevention added). */
        byte[] nal(int... header) {
            u(1, 1);
            int len = (n + 7) / 8;
            byte[] out = new byte[4 + header.length + len];
            out[3] = 1;
            for (int i = 0; i < header.length; i++) {
                out[4 + i] = (byte) header[i];
            }
            System.arraycopy(b, 0, out, 4 + header.length, len);
            return out;
        }
    }

    /** An H.264 High SPS, 1920x1080 (cropped from 1088), without VUI; the width in macroblocks as given. */
    static Bits h264Sps(long widthMbsMinus1) {
        Bits s = new Bits().u(100, 8).u(0, 8).u(40, 8).ue(0); // profile High, level 4.0, id 0
        s.ue(1).ue(0).ue(0).u(0, 1).u(0, 1); // chroma 4:2:0, 8-bit, no bypass, no scaling matrix
        s.ue(0).ue(0).ue(0); // log2_max_frame_num, poc type 0, log2_max_poc_lsb
        s.ue(4).u(0, 1).ue(widthMbsMinus1).ue(67).u(1, 1).u(1, 1); // refs, gaps, width, height (68 MBs), frame_mbs_only, direct_8x8
        s.u(1, 1).ue(0).ue(0).ue(0).ue(4); // cropping: bottom 4 x 2 rows
        return s.u(0, 1); // no VUI
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    static BitstreamException scan(Codec c, byte[] data) {
        try {
            AccessUnits au = new AccessUnits(c).reset(data, 0, data.length);
            while (au.next()) {
                // read everything
            }
        } catch (BitstreamException e) {
            return e;
        }
        return null;
    }

    @Test
    void handMadeSpsIsRead() {
        byte[] sps = h264Sps(119).nal(0x67);
        NalParser p = new NalParser(Codec.H264);
        p.parse(sps, 4, sps.length - 4, 0, 4);
        SequenceInfo s = p.sps(0);
        assertThat(s.valid()).isTrue();
        assertThat(s.width()).isEqualTo(1920);
        assertThat(s.height()).isEqualTo(1080);
        assertThat(s.codedHeight()).isEqualTo(1088);
        assertThat(s.profileName()).isEqualTo("High");
        assertThat(s.levelName()).isEqualTo("4");
    }

    @Test
    void absurdWidthIsRefused() {
        byte[] sps = h264Sps(5000).nal(0x67);
        assertThat(scan(Codec.H264, sps)).isNotNull().hasMessageContaining("pic_width_in_mbs_minus1 = 5000, expected 0..1023")
                .hasMessageContaining("SPS (NAL unit #0 at byte 4)");
    }

    @Test
    void truncatedSpsSaysWhereItEnds() {
        byte[] sps = h264Sps(119).nal(0x67);
        byte[] cut = Arrays.copyOf(sps, 9);
        assertThat(scan(Codec.H264, cut)).isNotNull().hasMessageContaining("truncated NAL unit").hasMessageContaining("SPS");
    }

    @Test
    void expGolombOverflowIsRefused() {
        // seq_parameter_set_id with 40 leading zero bits
        // (emulation prevention bytes keep the zero run legal in the byte stream: 48 zero bits of RBSP)
        byte[] sps = {0, 0, 0, 1, 0x67, 100, 0, 40, 0, 0, 3, 0, 0, 3, 0, 0, 3, 1, (byte) 0xFF};
        assertThat(scan(Codec.H264, sps)).isNotNull().hasMessageContaining("seq_parameter_set_id: Exp-Golomb code with more than 31 leading zero bits");
    }

    @Test
    void emulationPreventionTricksAreRefused() {
        // 00 00 03 followed by 0x04 inside a NAL unit
        byte[] bad3 = {0, 0, 0, 1, 0x67, 100, 0, 0, 3, 4, 0x10};
        assertThat(scan(Codec.H264, bad3)).isNotNull().hasMessageContaining("00 00 03 followed by 0x4");
        // 00 00 02 inside a NAL unit
        byte[] bad2 = {0, 0, 1, 0x09, 0x10, 0, 0, 2, 0x10};
        assertThat(scan(Codec.H264, bad2)).isNotNull().hasMessageContaining("00 00 02 inside the NAL unit");
        // 00 00 00 not followed by a start code
        byte[] bad0 = {0, 0, 1, 0x09, 0x10, 0, 0, 0, 5};
        assertThat(scan(Codec.H264, bad0)).isNotNull().hasMessageContaining("00 00 00 inside the NAL unit");
        // a legal emulation prevention byte is removed: 00 00 03 01 reads as 00 00 01
        RbspReader r = new RbspReader();
        byte[] ok = {0x09, 0, 0, 3, 1};
        r.load(ok, 0, ok.length, 1, 64, Codec.H264, "test", 0, 0);
        assertThat(r.bitsLeft()).isEqualTo(24);
        assertThat(r.u(24, "x")).isEqualTo(1);
    }

    @Test
    void garbageBeforeTheFirstStartCodeAndEmptyUnits() {
        assertThat(scan(Codec.H265, new byte[] {0x47, 0x40, 0, 0, 1, 0x40})).isNotNull()
                .hasMessageContaining("expected the start code prefix 00 00 01");
        assertThat(scan(Codec.H264, new byte[] {0, 0, 1, 0, 0, 1, 0x09, 0x10})).isNotNull().hasMessageContaining("is empty");
        assertThat(scan(Codec.H264, new byte[0])).isNull();
    }

    @Test
    void forbiddenBitAndHevcHeaderChecks() {
        assertThat(scan(Codec.H264, new byte[] {0, 0, 1, (byte) 0x87, 0})).isNotNull().hasMessageContaining("forbidden_zero_bit is 1");
        assertThat(scan(Codec.H265, new byte[] {0, 0, 1, 0x40})).isNotNull().hasMessageContaining("its header needs 2");
        NalParser p = new NalParser(Codec.H264);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.parse(new byte[4], 2, 0, 7, 2)).isInstanceOf(BitstreamException.class)
                .hasMessageContaining("NAL unit #7 at byte 2): the NAL unit is empty");
        assertThat(scan(Codec.H265, new byte[] {0, 0, 1, 0x40, 0x00, 0x10})).isNotNull().hasMessageContaining("nuh_temporal_id_plus1 is 0");
    }

    @Test
    void sliceBeforeItsParameterSets() {
        // an IDR slice: first_mb 0, slice_type 7 (I), pps 0 — with no PPS received
        byte[] slice = new Bits().ue(0).ue(7).ue(0).u(0, 8).nal(0x65);
        assertThat(scan(Codec.H264, slice)).isNotNull().hasMessageContaining("pic_parameter_set_id = 0: no such picture parameter set was received");
    }

    @Test
    void sliceAddressPastThePicture() {
        byte[] sps = h264Sps(119).nal(0x67);
        byte[] pps = new Bits().ue(0).ue(0).u(0, 8).nal(0x68);
        byte[] slice = new Bits().ue(120 * 68).ue(7).ue(0).u(0, 8).nal(0x65);
        assertThat(scan(Codec.H264, concat(sps, pps, slice))).isNotNull()
                .hasMessageContaining("first_mb_in_slice = 8160, the picture has 8160 macroblocks");
    }

    @Test
    void realStreamCutAnywhereNeverThrowsAnythingElse() {
        byte[] data = TestStreams.load("h265-322x186-main.265");
        for (int cut = 0; cut < data.length; cut += 7) {
            byte[] part = Arrays.copyOf(data, cut);
            try {
                scan(Codec.H265, part);
            } catch (RuntimeException e) {
                throw new AssertionError("cut at " + cut + ": " + e, e);
            }
        }
        assertThatThrownBy(() -> {
            throw scan(Codec.H264, new byte[] {0, 0, 1, (byte) 0x87, 0});
        }).isInstanceOf(BitstreamException.class);
    }
}
