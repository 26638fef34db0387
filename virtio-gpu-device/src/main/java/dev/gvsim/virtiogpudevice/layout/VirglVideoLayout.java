package dev.gvsim.virtiogpudevice.layout;

/**
 * The virtio-gpu video protocol of openKylin's virglrenderer MR 837 (docs/facts/virtio-gpu.md §4.3):
 * virgl context commands carried in SUBMIT_3D for a context made with CTX_CREATE, plus the
 * virtio-gpu structures that carry them. The one copy, for the device and the guest models.
 *
 * <p>Sources: virglrenderer {@code src/virgl_protocol.h} (enum virgl_context_cmd, VIRGL_CMD0, the
 * {@code VIRGL_*_VIDEO_*} field indices), {@code src/vrend/vrend_decode.c} (the video decode
 * functions and vrend_decode_ctx_submit_cmd), {@code src/gallium/include/pipe/p_video_enums.h}
 * (enum pipe_video_profile, pipe_video_entrypoint), {@code src/gallium/auxiliary/util/u_format_table.py}
 * (enum pipe_video_chroma_format), {@code src/virgl_hw.h} (enum virgl_formats),
 * {@code src/virgl_video_hw.h} (struct virgl_video_encode_feedback); Mesa
 * {@code src/gallium/drivers/virgl/virgl_encode.c} virgl_encode_create_video_codec (7 dwords, 8
 * with max_references when the host's feature version is 14 or more); Linux
 * {@code include/uapi/linux/virtio_gpu.h} for the context structures.
 */
public final class VirglVideoLayout {
    private VirglVideoLayout() {
    }

    // ================================================================ virtio-gpu context commands (virtio_gpu.h)
    /** struct virtio_gpu_ctx_create: hdr, le32 nlen, le32 context_init, char debug_name[64]. */
    public static final int CTX_CREATE_NLEN = 24;
    public static final int CTX_CREATE_CONTEXT_INIT = 28;
    public static final int CTX_CREATE_DEBUG_NAME = 32;
    public static final int CTX_CREATE_SIZE = 96;
    /** struct virtio_gpu_ctx_destroy: hdr only. */
    public static final int CTX_DESTROY_SIZE = 24;
    /** struct virtio_gpu_ctx_resource: hdr, le32 resource_id, le32 padding. */
    public static final int CTX_RESOURCE_ID = 24;
    public static final int CTX_RESOURCE_SIZE = 32;
    /** struct virtio_gpu_cmd_submit: hdr, le32 size, le32 padding; the command buffer follows. */
    public static final int SUBMIT_SIZE_FIELD = 24;
    public static final int SUBMIT_SIZE = 32;
    /** VIRTIO_GPU_CAPSET_VIRGL2 (the virgl capset that carries the video caps, virgl_caps_v2.video_caps). */
    public static final int CAPSET_VIRGL2 = 2;

    // ================================================================ virgl command header (virgl_protocol.h)
    /** VIRGL_CMD0(cmd, obj, len) = cmd | obj << 8 | len << 16; len counts the dwords after the header. */
    public static int cmd0(int cmd, int obj, int len) {
        return cmd | obj << 8 | len << 16;
    }

    /** vrend_decode_ctx_submit_cmd: cmd = dword & 0xff, len = dword >> 16. */
    public static int cmdOf(int dword) {
        return dword & 0xFF;
    }

    public static int lenOf(int dword) {
        return dword >>> 16;
    }

    /** enum virgl_context_cmd: the video commands follow VIRGL_CCMD_LINK_SHADER (52). */
    public static final int CCMD_LINK_SHADER = 52;
    public static final int CCMD_CREATE_VIDEO_CODEC = 53;
    public static final int CCMD_DESTROY_VIDEO_CODEC = 54;
    public static final int CCMD_CREATE_VIDEO_BUFFER = 55;
    public static final int CCMD_DESTROY_VIDEO_BUFFER = 56;
    public static final int CCMD_BEGIN_FRAME = 57;
    public static final int CCMD_DECODE_MACROBLOCK = 58;
    public static final int CCMD_DECODE_BITSTREAM = 59;
    public static final int CCMD_ENCODE_BITSTREAM = 60;
    public static final int CCMD_END_FRAME = 61;

    /** Dword indices (from the header at 0) and minimum lengths, VIRGL_CREATE_VIDEO_CODEC_*. */
    public static final int CREATE_CODEC_MIN_SIZE = 7;
    public static final int CREATE_CODEC_HANDLE = 1;
    public static final int CREATE_CODEC_PROFILE = 2;
    public static final int CREATE_CODEC_ENTRYPOINT = 3;
    public static final int CREATE_CODEC_CHROMA_FMT = 4;
    public static final int CREATE_CODEC_LEVEL = 5;
    public static final int CREATE_CODEC_WIDTH = 6;
    public static final int CREATE_CODEC_HEIGHT = 7;
    public static final int CREATE_CODEC_MAX_REF = 8;
    /** VIRGL_DESTROY_VIDEO_CODEC_*. */
    public static final int DESTROY_CODEC_MIN_SIZE = 1;
    public static final int DESTROY_CODEC_HANDLE = 1;
    /** VIRGL_CREATE_VIDEO_BUFFER_*: handle, format, width, height, then one resource handle per plane (at most 3). */
    public static final int CREATE_BUFFER_MIN_SIZE = 5;
    public static final int CREATE_BUFFER_HANDLE = 1;
    public static final int CREATE_BUFFER_FORMAT = 2;
    public static final int CREATE_BUFFER_WIDTH = 3;
    public static final int CREATE_BUFFER_HEIGHT = 4;
    public static final int CREATE_BUFFER_RES_BASE = 5;
    /** VREND_VIDEO_BUFFER_PLANE_NUM. */
    public static final int BUFFER_MAX_PLANES = 3;
    /** VIRGL_DESTROY_VIDEO_BUFFER_*. */
    public static final int DESTROY_BUFFER_MIN_SIZE = 1;
    public static final int DESTROY_BUFFER_HANDLE = 1;
    /** VIRGL_BEGIN_FRAME_*. */
    public static final int BEGIN_FRAME_MIN_SIZE = 2;
    public static final int BEGIN_FRAME_CDC_HANDLE = 1;
    public static final int BEGIN_FRAME_TGT_HANDLE = 2;
    /** VIRGL_DECODE_BS_*: codec, target buffer, picture descriptor resource, bitstream resource, bitstream bytes. */
    public static final int DECODE_BS_MIN_SIZE = 5;
    public static final int DECODE_BS_CDC_HANDLE = 1;
    public static final int DECODE_BS_TGT_HANDLE = 2;
    public static final int DECODE_BS_DSC_HANDLE = 3;
    public static final int DECODE_BS_BUF_HANDLE = 4;
    public static final int DECODE_BS_BUF_SIZE = 5;
    /** VIRGL_ENCODE_BS_*: codec, source buffer, destination resource, picture descriptor resource, feedback resource. */
    public static final int ENCODE_BS_MIN_SIZE = 5;
    public static final int ENCODE_BS_CDC_HANDLE = 1;
    public static final int ENCODE_BS_SRC_HANDLE = 2;
    public static final int ENCODE_BS_DEST_HANDLE = 3;
    public static final int ENCODE_BS_DESC_HANDLE = 4;
    public static final int ENCODE_BS_FEED_HANDLE = 5;
    /** VIRGL_END_FRAME_*. */
    public static final int END_FRAME_MIN_SIZE = 2;
    public static final int END_FRAME_CDC_HANDLE = 1;
    public static final int END_FRAME_TGT_HANDLE = 2;

    // ================================================================ enums (p_video_enums.h, u_format_table.py, virgl_hw.h)
    /** enum pipe_video_profile. */
    public static final int PROFILE_UNKNOWN = 0;
    public static final int PROFILE_AVC_BASELINE = 9;
    public static final int PROFILE_AVC_CONSTRAINED_BASELINE = 10;
    public static final int PROFILE_AVC_MAIN = 11;
    public static final int PROFILE_AVC_EXTENDED = 12;
    public static final int PROFILE_AVC_HIGH = 13;
    public static final int PROFILE_AVC_HIGH10 = 14;
    public static final int PROFILE_AVC_HIGH422 = 15;
    public static final int PROFILE_AVC_HIGH444 = 16;
    public static final int PROFILE_HEVC_MAIN = 17;
    public static final int PROFILE_HEVC_MAIN_10 = 18;
    public static final int PROFILE_HEVC_MAIN_STILL = 19;
    public static final int PROFILE_HEVC_MAIN_12 = 20;
    public static final int PROFILE_HEVC_MAIN_444 = 21;
    public static final int PROFILE_MAX = 26;
    /** enum pipe_video_entrypoint. */
    public static final int ENTRYPOINT_BITSTREAM = 1;
    public static final int ENTRYPOINT_ENCODE = 4;
    /** enum pipe_video_chroma_format: 400, 420, 422, 444, 440, NONE. */
    public static final int CHROMA_400 = 0;
    public static final int CHROMA_420 = 1;
    public static final int CHROMA_422 = 2;
    public static final int CHROMA_444 = 3;
    public static final int CHROMA_NONE = 5;
    /** enum virgl_formats: VIRGL_FORMAT_Y8_U8V8_420_UNORM (NV12: a Y plane and an interleaved UV plane). */
    public static final int FORMAT_NV12 = 166;
    /**
     * VIRGL_FORMAT_B8G8R8X8_UNORM: a single-plane RGB target, which gvsim's engine fills through its
     * post-processor so that the target can be scanned out as it is (a gvsim extension; upstream
     * decodes to NV12 and blits with GL, vrend_video.c).
     */
    public static final int FORMAT_B8G8R8X8 = 2;

    /** struct virgl_video_encode_feedback: u8 stat, u8 reserved[3], le32 coded_size (8 bytes). */
    public static final int FEEDBACK_STAT = 0;
    public static final int FEEDBACK_CODED_SIZE = 4;
    public static final int FEEDBACK_SIZE = 8;
    /** enum virgl_video_encode_stat. */
    public static final int ENCODE_STAT_SUCCESS = 2;
    public static final int ENCODE_STAT_FAILURE = 3;

    // ================================================================ capsets (virgl_hw.h struct virgl_caps_v1 / v2; QEMU virtio-gpu-virgl.c)
    /** VIRTIO_GPU_CAPSET_VIRGL. */
    public static final int CAPSET_VIRGL = 1;
    /** virgl_renderer_get_cap_set: max_version 1 / 2, sizeof(struct virgl_caps_v1) / sizeof(struct virgl_caps_v2). */
    public static final int CAPS_V1_MAX_VERSION = 1;
    public static final int CAPS_V2_MAX_VERSION = 2;
    /** virgl_caps_v1: max_version, 4 format masks of 16 dwords, bset, 11 dwords = 77 dwords. */
    public static final int CAPS_V1_SIZE = 4 + 4 * 64 + 4 + 11 * 4;
    /**
     * Offsets in virgl_caps_v2 (all members 4 bytes; format masks 64): after v1, 9 floats, 5 + 4 + 3 + 1
     * dwords, sample_locations[8], 8 dwords, grid[3], block[3], 3 + 1 dwords, atomic counters[6] and
     * buffers[6], 2 dwords, then host_feature_check_version.
     */
    public static final int CAPS_HOST_FEATURE_CHECK_VERSION = CAPS_V1_SIZE + 9 * 4 + 13 * 4 + 8 * 4 + 8 * 4 + 6 * 4 + 4 * 4 + 12 * 4 + 2 * 4;
    /** ... supported_readback_formats, scanout (masks), capability_bits_v2, max_video_memory, then renderer[64]. */
    public static final int CAPS_RENDERER = CAPS_HOST_FEATURE_CHECK_VERSION + 4 + 2 * 64 + 2 * 4;
    /** ... max_anisotropy, max_texture_samplers, supported_multisample_formats, max_const_buffer_size[6], then num_video_caps. */
    public static final int CAPS_NUM_VIDEO_CAPS = CAPS_RENDERER + 64 + 2 * 4 + 64 + 6 * 4;
    public static final int CAPS_VIDEO_CAPS = CAPS_NUM_VIDEO_CAPS + 4;
    /** struct virgl_video_caps: four dwords of bit fields. */
    public static final int VIDEO_CAPS_SIZE = 16;
    public static final int VIDEO_CAPS_MAX = 32;
    /** ... video_caps[32], max_uniform_block_size, max_tcs_outputs, max_tes_outputs, max_shader_storage_blocks[6]. */
    public static final int CAPS_V2_SIZE = CAPS_VIDEO_CAPS + VIDEO_CAPS_MAX * VIDEO_CAPS_SIZE + 3 * 4 + 6 * 4;

    /** The first dword of a virgl_video_caps: profile bits 0-7, entrypoint 8-15, max_level 16-23, stacked_frames 24-31. */
    public static int videoCaps0(int profile, int entrypoint, int maxLevel) {
        return (profile & 0xFF) | (entrypoint & 0xFF) << 8 | (maxLevel & 0xFF) << 16;
    }

    /** Second: max_width 0-15, max_height 16-31; third: prefered_format 0-15, max_macroblocks 16-31. */
    public static int pack16(int lo, int hi) {
        return (lo & 0xFFFF) | (hi & 0xFFFF) << 16;
    }

    /** Fourth: npot_texture bit 0, supports_progressive 1, supports_interlaced 2, prefers_interlaced 3, max_temporal_layers 4-11. */
    public static final int VIDEO_CAPS_NPOT_PROGRESSIVE = 0b11;

    /** pipe_video_profile → the H.264 / H.265 profile_idc an SPS of that profile carries (0: not H.264/H.265). */
    public static int profileIdc(int pipeProfile) {
        return switch (pipeProfile) {
            case PROFILE_AVC_BASELINE, PROFILE_AVC_CONSTRAINED_BASELINE -> 66;
            case PROFILE_AVC_MAIN -> 77;
            case PROFILE_AVC_EXTENDED -> 88;
            case PROFILE_AVC_HIGH -> 100;
            case PROFILE_AVC_HIGH10 -> 110;
            case PROFILE_AVC_HIGH422 -> 122;
            case PROFILE_AVC_HIGH444 -> 244;
            case PROFILE_HEVC_MAIN -> 1;
            case PROFILE_HEVC_MAIN_10 -> 2;
            case PROFILE_HEVC_MAIN_STILL -> 3;
            case PROFILE_HEVC_MAIN_12, PROFILE_HEVC_MAIN_444 -> 4;
            default -> 0;
        };
    }

    /** True for the H.265 profiles. */
    public static boolean hevc(int pipeProfile) {
        return pipeProfile >= PROFILE_HEVC_MAIN && pipeProfile <= PROFILE_HEVC_MAIN_444;
    }

    /** True for the H.264 profiles. */
    public static boolean avc(int pipeProfile) {
        return pipeProfile >= PROFILE_AVC_BASELINE && pipeProfile <= PROFILE_AVC_HIGH444;
    }

    /** The pipe_video_profile of an SPS's profile_idc (H.264 Annex A / H.265 Annex A); PROFILE_UNKNOWN if none. */
    public static int pipeProfile(boolean hevc, int profileIdc, int constraintFlags) {
        if (hevc) {
            return switch (profileIdc) {
                case 1 -> PROFILE_HEVC_MAIN;
                case 2 -> PROFILE_HEVC_MAIN_10;
                case 3 -> PROFILE_HEVC_MAIN_STILL;
                default -> PROFILE_UNKNOWN;
            };
        }
        return switch (profileIdc) {
            case 66 -> (constraintFlags & 0x40) != 0 ? PROFILE_AVC_CONSTRAINED_BASELINE : PROFILE_AVC_BASELINE;
            case 77 -> PROFILE_AVC_MAIN;
            case 88 -> PROFILE_AVC_EXTENDED;
            case 100 -> PROFILE_AVC_HIGH;
            case 110 -> PROFILE_AVC_HIGH10;
            case 122 -> PROFILE_AVC_HIGH422;
            case 244 -> PROFILE_AVC_HIGH444;
            default -> PROFILE_UNKNOWN;
        };
    }
}
