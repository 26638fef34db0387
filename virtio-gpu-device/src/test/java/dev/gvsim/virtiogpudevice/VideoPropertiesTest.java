package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * jqwik properties of the video protocol (docs/fuzzing.md): sequences of SUBMIT_3D command buffers
 * made of video commands with small colliding handles, edge values and any lengths, over resources
 * whose guest pages hold random bytes or a real stream's access unit, on one device: every submit is
 * answered OK_NODATA or a defined error, never a throwable, never a device error, and the engine's
 * frames never exceed the END_FRAMEs that succeeded.
 */
class VideoPropertiesTest {
    @Provide
    Arbitrary<Integer> word() {
        return Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.integers().between(0, 4)),
                Tuple.of(2, Arbitraries.of(PROFILE_AVC_MAIN, PROFILE_AVC_HIGH, PROFILE_HEVC_MAIN, PROFILE_HEVC_MAIN_10, ENTRYPOINT_BITSTREAM,
                        ENTRYPOINT_ENCODE, FORMAT_NV12, FORMAT_B8G8R8X8, 64, 186, 322, 4096, 0x7FFF_FFFF, 0xFFFF_FFFF)),
                Tuple.of(1, Arbitraries.integers()));
    }

    @Provide
    Arbitrary<List<Integer>> buffer() {
        Arbitrary<List<Integer>> one = Arbitraries.integers().between(CCMD_CREATE_VIDEO_CODEC - 1, CCMD_END_FRAME + 1).flatMap(op ->
                word().list().ofMaxSize(9).map(args -> {
                    List<Integer> out = new java.util.ArrayList<>();
                    out.add(cmd0(op, 0, args.size()));
                    out.addAll(args);
                    return out;
                }));
        return one.list().ofMinSize(1).ofMaxSize(4).map(l -> l.stream().flatMap(List::stream).toList());
    }

    @Property(tries = 200)
    void anyVideoCommandsAreAnsweredAndNeverBreakTheDevice(@ForAll("buffers") List<List<Integer>> submits, @ForAll boolean realStream)
            throws Exception {
        GpuHarness g = new GpuHarness(Map.of("blob", "on", "video", "on"), Map.of()).probe();
        for (int r = 1; r <= 4; r++) {
            g.createBlob(r, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE, 0x1000 * r, PAGES + 0x1_0000L * r, 0x1000 * r);
        }
        if (realStream) {
            byte[] d = java.nio.file.Files.readAllBytes(VideoProtocolTest.STREAMS.resolve("h264-322x186-main.264"));
            g.pokeBytes(PAGES + 0x1_0000L * 3, d, 0, Math.min(d.length, 0x3000));
        } else {
            for (int k = 0; k < 64; k++) {
                g.poke(PAGES + 0x3_0000L + 4 * k, k * 0x9E37_79B9);
            }
        }
        g.req(CMD_CTX_CREATE, 0, 1).i32(0).i32(CAPSET_VIRGL2);
        for (int k = 0; k < 16; k++) {
            g.i32(0);
        }
        assertThat(g.send()).isEqualTo(RESP_OK_NODATA);
        for (int r = 1; r <= 4; r++) {
            assertThat(g.req(CMD_CTX_ATTACH_RESOURCE, 0, 1).i32(r).i32(0).send()).isEqualTo(RESP_OK_NODATA);
        }
        for (List<Integer> words : submits) {
            g.req(CMD_SUBMIT_3D, FLAG_FENCE, 1).i32(words.size() * 4L).i32(0);
            words.forEach(w -> g.i32(w));
            int resp = g.send();
            assertThat(resp).isIn(RESP_OK_NODATA, RESP_ERR_INVALID_PARAMETER);
        }
        Map<String, Object> rep = g.d.report();
        assertThat(rep.get("device_errors")).isEqualTo(0L);
        @SuppressWarnings("unchecked")
        Map<String, Object> v = (Map<String, Object>) rep.get("video");
        @SuppressWarnings("unchecked")
        Map<String, Object> e = (Map<String, Object>) v.get("engine");
        assertThat((long) e.get("decode_frames") + (long) e.get("encode_frames"))
                .isEqualTo((long) v.get("frames_decoded") + (long) v.get("frames_encoded"));
    }

    @Provide
    Arbitrary<List<List<Integer>>> buffers() {
        return buffer().list().ofMinSize(1).ofMaxSize(8);
    }
}
