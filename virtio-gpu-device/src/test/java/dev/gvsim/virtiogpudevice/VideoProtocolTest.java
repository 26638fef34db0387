package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.virtiogpudevice.layout.codec.AccessUnits;
import dev.gvsim.virtiogpudevice.layout.codec.Codec;

/**
 * video=on: the openKylin video protocol in SUBMIT_3D, driven by hand on the device alone: a real
 * x264 stream decoded frame by frame into a blob shown on a scanout, an encode with its feedback,
 * and each error the guest can provoke answered.
 */
class VideoProtocolTest {
    static final Path STREAMS = Path.of("..", "guest-traces", "src", "main", "resources", "dev", "gvsim", "guesttraces", "video");
    static final int CTX = 5;
    static final long BITS_PA = PAGES;            // bitstream blob: 64 KiB
    static final long DESC_PA = PAGES + 0x1_0000; // picture descriptor: 4 KiB
    static final long FEED_PA = PAGES + 0x1_1000; // encode feedback: 4 KiB
    static final long DEST_PA = PAGES + 0x1_2000; // encode destination: 4 KiB
    static final long TGT_PA = PAGES + 0x2_0000;  // target: 322x186 B8G8R8X8 (234 KiB) → 240 KiB

    GpuHarness g = harness(Map.of());

    static GpuHarness harness(Map<String, String> params) {
        return new GpuHarness(Map.of("blob", "on", "video", "on"), params).probe();
    }

    int blob(int id, long pa, long size) {
        return g.createBlob(id, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE, size, pa, size);
    }

    int ctxCreate(int ctx) {
        return g.req(CMD_CTX_CREATE, 0, ctx).i32(4).i32(CAPSET_VIRGL2).i32(0x64656f76).i32(0).i64(0).i64(0).i64(0).i64(0).i64(0).i64(0).i64(0)
                .send();
    }

    int attach(int ctx, int res) {
        return g.req(CMD_CTX_ATTACH_RESOURCE, 0, ctx).i32(res).i32(0).send();
    }

    /** SUBMIT_3D of the dwords (fenced). */
    int submit(int ctx, int... dwords) {
        g.req(CMD_SUBMIT_3D, FLAG_FENCE, ctx).i32(dwords.length * 4).i32(0);
        for (int w : dwords) {
            g.i32(w);
        }
        return g.send();
    }

    static int[] cmd(int op, int... args) {
        int[] out = new int[args.length + 1];
        out[0] = cmd0(op, 0, args.length);
        System.arraycopy(args, 0, out, 1, args.length);
        return out;
    }

    static int[] cat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> video() {
        return (Map<String, Object>) g.d.report().get("video");
    }

    void setUpDecoder(int profile) {
        assertThat(blob(1, BITS_PA, 0x1_0000)).isEqualTo(RESP_OK_NODATA);
        assertThat(blob(2, DESC_PA, 0x1000)).isEqualTo(RESP_OK_NODATA);
        assertThat(blob(3, TGT_PA, 240 * 1024)).isEqualTo(RESP_OK_NODATA);
        assertThat(ctxCreate(CTX)).isEqualTo(RESP_OK_NODATA);
        for (int r = 1; r <= 3; r++) {
            assertThat(attach(CTX, r)).isEqualTo(RESP_OK_NODATA);
        }
        assertThat(submit(CTX, cat(cmd(CCMD_CREATE_VIDEO_CODEC, 1, profile, ENTRYPOINT_BITSTREAM, CHROMA_420, 30, 322, 186, 4),
                cmd(CCMD_CREATE_VIDEO_BUFFER, 7, FORMAT_B8G8R8X8, 322, 186, 3)))).isEqualTo(RESP_OK_NODATA);
    }

    /** Decodes every access unit of {@code file} on codec 1 into buffer 7; returns the last response. */
    int decodeStream(String file, Codec codec) throws Exception {
        byte[] data = Files.readAllBytes(STREAMS.resolve(file));
        AccessUnits au = new AccessUnits(codec).reset(data, 0, data.length);
        int resp = 0;
        while (au.next()) {
            g.pokeBytes(BITS_PA, data, au.offset(), au.length());
            resp = submit(CTX, cat(cmd(CCMD_BEGIN_FRAME, 1, 7), cmd(CCMD_DECODE_BITSTREAM, 1, 7, 2, 1, au.length()), cmd(CCMD_END_FRAME, 1, 7)));
            if (resp != RESP_OK_NODATA) {
                return resp;
            }
        }
        return resp;
    }

    @Test
    void withVideoOffTheContextCommandsAreErrUnspecAndVirglIsNotOffered() {
        GpuHarness off = new GpuHarness(Map.of("blob", "on"), Map.of()).probe();
        assertThat(off.req(CMD_CTX_CREATE, 0, 1).i32(0).i32(0).i64(0).i64(0).i64(0).i64(0).i64(0).i64(0).i64(0).i64(0).send())
                .isEqualTo(RESP_ERR_UNSPEC);
        assertThat(off.d.report()).doesNotContainKey("video");
        g.wr(COMMON_DFSELECT, 4, 0);
        assertThat(g.rd(COMMON_DF, 4) & (1L << F_VIRGL)).isNotZero();
        off.wr(COMMON_DFSELECT, 4, 0);
        assertThat(off.rd(COMMON_DF, 4) & (1L << F_VIRGL)).isZero();
    }

    @Test
    void aRealH264StreamDecodesFrameByFrameIntoAScannedOutBlob() throws Exception {
        setUpDecoder(PROFILE_AVC_MAIN);
        // the target blob on scanout 0 as it is: the engine's output is what the screen shows, no copy
        assertThat(g.setScanoutBlob(0, 3, 0, 0, 322, 186, 322, 186, FORMAT_B8G8R8X8_UNORM, 322 * 4, 0)).isEqualTo(RESP_OK_NODATA);
        long t0 = g.kernel.now();
        assertThat(decodeStream("h264-322x186-main.264", Codec.H264)).isEqualTo(RESP_OK_NODATA);
        Map<String, Object> v = video();
        assertThat(v.get("frames_decoded")).isEqualTo(6L);
        assertThat(v.get("frames_on_scanout")).isEqualTo(6L);
        assertThat(v.get("gpu_copies")).isEqualTo(0L);
        assertThat(g.d.report().get("bytes_copied")).as("no CPU copy of pixels").isEqualTo(0L);
        assertThat(v.get("errors")).isEqualTo(0L);
        @SuppressWarnings("unchecked")
        Map<String, Object> codec = ((List<Map<String, Object>>) v.get("codecs")).get(0);
        assertThat((String) codec.get("sps")).startsWith("H.264 Main@L").contains("322x186").contains("30.000 fps");
        assertThat(codec.get("i_p_b")).isEqualTo(List.of(1L, 3L, 2L));
        @SuppressWarnings("unchecked")
        Map<String, Object> e = (Map<String, Object>) v.get("engine");
        assertThat(e.get("engine")).isEqualTo("rx550");
        assertThat(e.get("decode_frames")).isEqualTo(6L);
        assertThat(e.get("decode_pixels")).isEqualTo(6L * 336 * 192);
        // each fenced submit was answered when its frame was done: 6 frames of at least the 0.3 ms setup each
        assertThat(g.kernel.now() - t0).isGreaterThanOrEqualTo(6 * 300_000_000L);
        assertThat((long) e.get("decode_busy_ps")).isGreaterThanOrEqualTo(6 * 300_000_000L);
    }

    @Test
    void aCheckpointKeepsTheCountersAndTheEngineNotTheContexts() throws Exception {
        setUpDecoder(PROFILE_AVC_MAIN);
        assertThat(decodeStream("h264-322x186-main.264", Codec.H264)).isEqualTo(RESP_OK_NODATA);
        dev.gvsim.simcore.state.StateWriter w = new dev.gvsim.simcore.state.StateWriter("m");
        w.save(g.kernel);
        w.save(g.d);
        @SuppressWarnings("unchecked")
        Map<String, Object> engine = (Map<String, Object>) video().get("engine");
        dev.gvsim.simcore.EventKernel k2 = new dev.gvsim.simcore.EventKernel();
        GpuHarness g2 = new GpuHarness(Map.of("blob", "on", "video", "on"), Map.of(), k2, g.ring);
        dev.gvsim.simcore.state.StateReader r = new dev.gvsim.simcore.state.StateReader(w.toBytes());
        r.restore(k2);
        r.restore(g2.d);
        @SuppressWarnings("unchecked")
        Map<String, Object> v2 = (Map<String, Object>) g2.d.report().get("video");
        assertThat(v2.get("frames_decoded")).isEqualTo(6L);
        assertThat(v2.get("engine")).isEqualTo(engine);
        assertThat((List<?>) v2.get("codecs")).isEmpty(); // contexts are not kept: the guest makes them again
    }

    @Test
    void theVirgl2CapsetAdvertisesTheEngine() {
        // device configuration: num_capsets 2 (QEMU's virgl device: VIRGL and VIRGL2)
        assertThat(g.rd(VirtioGpuPciDevice.DEVICE_OFFSET + CFG_NUM_CAPSETS, 4)).isEqualTo(2);
        assertThat(g.req(CMD_GET_CAPSET_INFO, 0, 0).i32(1).i32(0).send()).isEqualTo(RESP_OK_CAPSET_INFO);
        assertThat(g.ring.r(GpuHarness.RESP + RESP_CAPSET_INFO_ID, 4)).isEqualTo(CAPSET_VIRGL2);
        assertThat(g.ring.r(GpuHarness.RESP + RESP_CAPSET_INFO_MAX_VERSION, 4)).isEqualTo(2);
        assertThat(g.ring.r(GpuHarness.RESP + RESP_CAPSET_INFO_MAX_SIZE, 4)).isEqualTo(1408); // sizeof(struct virgl_caps_v2)
        assertThat(g.req(CMD_GET_CAPSET_INFO, 0, 0).i32(2).i32(0).send()).isEqualTo(RESP_OK_CAPSET_INFO);
        assertThat(g.ring.r(GpuHarness.RESP + RESP_CAPSET_INFO_MAX_SIZE, 4)).isZero();
        assertThat(g.req(CMD_GET_CAPSET, 0, 0).i32(CAPSET_VIRGL2).i32(2).send(2048)).isEqualTo(RESP_OK_CAPSET);
        assertThat(g.usedLen).isEqualTo(24 + 1408);
        long caps = GpuHarness.RESP + HDR_SIZE;
        assertThat(g.ring.r(caps, 4)).isEqualTo(2);
        assertThat(g.ring.r(caps + CAPS_HOST_FEATURE_CHECK_VERSION, 4)).isEqualTo(14);
        // 6 decode entries (H.264 Baseline, Constrained Baseline, Main, High; H.265 Main, Main 10) and 4 encode ones
        assertThat(g.ring.r(caps + CAPS_NUM_VIDEO_CAPS, 4)).isEqualTo(10);
        long first = g.ring.r(caps + CAPS_VIDEO_CAPS, 4);
        assertThat(first & 0xFF).isEqualTo(PROFILE_AVC_BASELINE);
        assertThat((first >> 8) & 0xFF).isEqualTo(ENTRYPOINT_BITSTREAM);
        assertThat(g.ring.r(caps + CAPS_VIDEO_CAPS + 4, 4)).isEqualTo(4096 | 2176L << 16);
        assertThat(g.ring.r(caps + CAPS_RENDERER, 4)).isEqualTo(0x69737667L); // "gvsi", little-endian
        assertThat(g.req(CMD_GET_CAPSET, 0, 0).i32(7).i32(1).send()).isEqualTo(RESP_ERR_INVALID_PARAMETER);
    }

    @Test
    void upstreamsBlitIsOneGpuCopyPerFrameAndDelaysTheFence() throws Exception {
        setUpDecoder(PROFILE_AVC_MAIN);
        long t0 = g.kernel.now();
        decodeStream("h264-322x186-main.264", Codec.H264);
        long direct = g.kernel.now() - t0;
        VideoProtocolTest t = new VideoProtocolTest();
        t.g = harness(Map.of("virtio_gpu.video.output", "blit"));
        t.setUpDecoder(PROFILE_AVC_MAIN);
        long t1 = t.g.kernel.now();
        assertThat(t.decodeStream("h264-322x186-main.264", Codec.H264)).isEqualTo(RESP_OK_NODATA);
        long blit = t.g.kernel.now() - t1;
        assertThat(t.video().get("gpu_copies")).isEqualTo(6L);
        long frameBytes = 336L * 192 * 3 / 2;
        assertThat(t.video().get("gpu_copy_bytes")).isEqualTo(6 * frameBytes);
        // each fenced frame waits for its blit too: NV12 bytes at 56 GB/s
        assertThat(blit - direct).isEqualTo(6 * (long) Math.ceil(frameBytes * 1000.0 / 56.0));
    }

    @Test
    void anH265Main10StreamOnAMain10Codec() throws Exception {
        setUpDecoder(PROFILE_HEVC_MAIN_10);
        assertThat(decodeStream("h265-322x186-main10.265", Codec.H265)).isEqualTo(RESP_OK_NODATA);
        assertThat(video().get("frames_decoded")).isEqualTo(6L);
    }

    @Test
    void wrongProfileIsRefused() throws Exception {
        setUpDecoder(PROFILE_AVC_MAIN);
        assertThat(decodeStream("h264-322x186-high444.264", Codec.H264)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(video().get("last_errors").toString()).contains("wrong profile: the stream is H.264 High 4:4:4 Predictive");
        assertThat(video().get("frames_decoded")).isEqualTo(0L);
    }

    @Test
    void aStreamLargerThanTheCodecIsRefused() throws Exception {
        setUpDecoder(PROFILE_AVC_HIGH);
        assertThat(decodeStream("h264-1920x1080-high.264", Codec.H264)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(video().get("last_errors").toString()).contains("1920x1080, larger than the codec's 322x186");
    }

    @Test
    void createErrors() {
        assertThat(blob(3, TGT_PA, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(ctxCreate(CTX)).isEqualTo(RESP_OK_NODATA);
        assertThat(ctxCreate(CTX)).isEqualTo(RESP_ERR_INVALID_CONTEXT_ID);
        assertThat(ctxCreate(0)).isEqualTo(RESP_ERR_INVALID_CONTEXT_ID);
        assertThat(attach(CTX, 99)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(attach(6, 3)).isEqualTo(RESP_ERR_INVALID_CONTEXT_ID);
        assertThat(attach(CTX, 3)).isEqualTo(RESP_OK_NODATA);
        // unknown codec (profile 99 is past enum pipe_video_profile), an MPEG-2 profile, encode of Main 10, 4:4:4
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_CODEC, 1, 99, ENTRYPOINT_BITSTREAM, CHROMA_420, 30, 64, 64))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_CODEC, 1, 3, ENTRYPOINT_BITSTREAM, CHROMA_420, 30, 64, 64))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_CODEC, 1, PROFILE_HEVC_MAIN_10, ENTRYPOINT_ENCODE, CHROMA_420, 30, 64, 64)))
                .isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_CODEC, 1, PROFILE_AVC_HIGH, ENTRYPOINT_BITSTREAM, CHROMA_444, 30, 64, 64)))
                .isEqualTo(RESP_ERR_INVALID_PARAMETER);
        // too short a command; past the buffer; a 3D command that is not modelled
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_CODEC, 1, PROFILE_AVC_HIGH))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd0(CCMD_BEGIN_FRAME, 0, 40), 1, 2)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(1, 0, 0))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(9, cmd(CCMD_BEGIN_FRAME, 1, 2))).isEqualTo(RESP_ERR_INVALID_CONTEXT_ID);
        // buffer too small: a 64x64 B8G8R8X8 buffer needs 16 KiB, the resource holds 4
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_CODEC, 1, PROFILE_AVC_HIGH, ENTRYPOINT_BITSTREAM, CHROMA_420, 30, 64, 64)))
                .isEqualTo(RESP_OK_NODATA);
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_BUFFER, 7, FORMAT_B8G8R8X8, 64, 64, 3))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_CREATE_VIDEO_BUFFER, 7, FORMAT_NV12, 32, 32, 3))).isEqualTo(RESP_OK_NODATA);
        // bad handles
        assertThat(submit(CTX, cmd(CCMD_BEGIN_FRAME, 2, 7))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_BEGIN_FRAME, 1, 8))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_END_FRAME, 1, 7))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_BEGIN_FRAME, 1, 7))).isEqualTo(RESP_OK_NODATA);
        assertThat(submit(CTX, cmd(CCMD_DECODE_BITSTREAM, 1, 7, 3, 42, 16))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        // buffer too small: more bitstream bytes than the resource holds
        assertThat(submit(CTX, cmd(CCMD_DECODE_BITSTREAM, 1, 7, 3, 3, 8192))).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(submit(CTX, cmd(CCMD_END_FRAME, 1, 7))).isEqualTo(RESP_ERR_INVALID_PARAMETER); // nothing decoded
        assertThat(video().get("last_errors").toString()).contains("unknown codec profile 99", "cannot be decoded", "cannot be encoded",
                "chroma format 3", "at least 7", "runs past the buffer", "virgl command 1 is not modelled", "buffer too small: 64x64",
                "no codec 2", "no video buffer 8", "target 7 is not the frame begun", "resource 42 does not exist", "buffer too small: 8192 bitstream bytes",
                "END_FRAME with nothing decoded");
        assertThat(g.d.report().get("device_errors")).isEqualTo(0L);
    }

    /** An NV12 322x186 encoder on codec 1, source buffer 7, destination 4 (4 KiB), feedback 1; returns the response of one frame. */
    int encodeOneFrame() {
        assertThat(blob(1, FEED_PA, 0x1000)).isEqualTo(RESP_OK_NODATA);
        assertThat(blob(2, DESC_PA, 0x1000)).isEqualTo(RESP_OK_NODATA);
        assertThat(blob(3, TGT_PA, 240 * 1024)).isEqualTo(RESP_OK_NODATA);
        assertThat(blob(4, DEST_PA, 0x1000)).isEqualTo(RESP_OK_NODATA);
        assertThat(ctxCreate(CTX)).isEqualTo(RESP_OK_NODATA);
        for (int r = 1; r <= 4; r++) {
            assertThat(attach(CTX, r)).isEqualTo(RESP_OK_NODATA);
        }
        assertThat(submit(CTX, cat(cmd(CCMD_CREATE_VIDEO_CODEC, 1, PROFILE_AVC_MAIN, ENTRYPOINT_ENCODE, CHROMA_420, 30, 322, 186),
                cmd(CCMD_CREATE_VIDEO_BUFFER, 7, FORMAT_NV12, 322, 186, 3)))).isEqualTo(RESP_OK_NODATA);
        return submit(CTX, cat(cmd(CCMD_BEGIN_FRAME, 1, 7), cmd(CCMD_ENCODE_BITSTREAM, 1, 7, 4, 2, 1), cmd(CCMD_END_FRAME, 1, 7)));
    }

    @Test
    void encodeWritesItsFeedback() {
        assertThat(encodeOneFrame()).isEqualTo(RESP_OK_NODATA);
        assertThat(g.ring.r(FEED_PA + FEEDBACK_STAT, 1)).isEqualTo(ENCODE_STAT_SUCCESS);
        // video.encode_bits_per_pixel 0.1: ceil(322 x 186 x 0.1 / 8) bytes
        assertThat(g.ring.r(FEED_PA + FEEDBACK_CODED_SIZE, 4)).isEqualTo((long) Math.ceil(322 * 186 * 0.1 / 8));
        assertThat(video().get("frames_encoded")).isEqualTo(1L);
    }

    @Test
    void aDestinationTooSmallForTheCodedFrameFails() {
        VideoProtocolTest t = new VideoProtocolTest();
        t.g = harness(Map.of("video.encode_bits_per_pixel", "8"));
        assertThat(t.encodeOneFrame()).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(t.g.ring.r(FEED_PA + FEEDBACK_STAT, 1)).isEqualTo(ENCODE_STAT_FAILURE);
        assertThat(t.video().get("last_errors").toString()).contains("buffer too small: the coded frame is 59892 bytes");
        assertThat(t.video().get("frames_encoded")).isEqualTo(0L);
    }
}
