package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.UnsafeBuffer;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.layout.codec.AccessUnits;
import dev.gvsim.virtiogpudevice.layout.codec.BitstreamException;
import dev.gvsim.virtiogpudevice.layout.codec.Codec;
import dev.gvsim.virtiogpudevice.layout.codec.SequenceInfo;
import dev.gvsim.virtiogpudevice.video.CodecEngine;

/**
 * {@code video=on}: the openKylin virtio-gpu video protocol (virglrenderer MR 837; docs/facts/virtio-gpu.md
 * §4.3; constants in {@link dev.gvsim.virtiogpudevice.layout.VirglVideoLayout}) over a minimal virgl
 * context layer: CTX_CREATE / CTX_DESTROY / CTX_ATTACH_RESOURCE / CTX_DETACH_RESOURCE and SUBMIT_3D,
 * whose command buffer is walked as vrend_decode_ctx_submit_cmd walks it (header dword: cmd in bits
 * 0-7, length in dwords in bits 16-31). The video commands are those of vrend_decode.c: a codec
 * (CREATE/DESTROY_VIDEO_CODEC: profile, entrypoint, chroma format, level, size), video buffers over
 * the context's resources (CREATE/DESTROY_VIDEO_BUFFER), and per frame BEGIN_FRAME, DECODE_BITSTREAM
 * (the bitstream read from its resource's guest pages and parsed: the SPS's profile, chroma format
 * and size are held to the codec and the target) or ENCODE_BITSTREAM (the feedback written to its
 * resource), and END_FRAME, which hands the frame to the host's {@link CodecEngine}. A decoded frame
 * lands in the target's own resources: a blob over guest pages that a SET_SCANOUT_BLOB can show as it
 * is, so no copy is made between the engine and the screen (the device's {@code bytes_copied} stays as it was;
 * {@code gpu_copies} counts the upstream blit when {@code virtio_gpu.video.output=blit}).
 *
 * <p>Where gvsim departs from QEMU + virglrenderer: (1) virglrenderer's video functions return
 * errors that vrend_decode.c drops and QEMU's virgl_cmd_submit_3d ignores, so the guest never hears
 * of them; here a failing command stops the buffer as vrend_decode_ctx_submit_cmd does and SUBMIT_3D
 * answers ERR_INVALID_PARAMETER, with the reason kept in the report ({@code last_errors}); (2) the
 * engine's pixels are not computed (no macroblock decoding): the model decides what a frame costs and
 * where it lands, not its colours; (3) a fenced SUBMIT_3D is answered when the context's frames are
 * done on the engine (QEMU answers it when virglrenderer retires the fence, while its queue goes on):
 * gvsim's queue is in order, so a fence holds it; unfenced submissions return at once and their frames
 * overlap on the engine; (4) a B8G8R8X8 target (one plane) is accepted besides NV12 and filled by the
 * engine's post-processor, so that a frame can be scanned out without conversion (upstream decodes to
 * NV12 and blits with GL, vrend_video.c: {@code virtio_gpu.video.output=blit} counts and times that
 * GPU copy); (5) ENCODE_BITSTREAM produces no bitstream: its coded size is
 * {@code video.encode_bits_per_pixel} of the frame, written to the feedback.
 */
final class GpuVideo {
    /** gvsim bounds on the video state a guest may create. */
    static final int MAX_CONTEXTS = 64;
    static final int MAX_CODECS = 32;
    static final int MAX_BUFFERS = 256;
    /** A command buffer larger than this is refused (QEMU: any size; the video commands are a few dwords). */
    static final int MAX_SUBMIT = 64 * 1024;
    /** Bitstream bytes per DECODE_BITSTREAM (gvsim bound; an 8K intra frame at level 6.2 fits). */
    static final int MAX_BITSTREAM = 8 << 20;
    /** Reasons kept for the report. */
    static final int ERRORS_KEPT = 16;
    /** VIRGL_MAX_COMMANDS: the command after the video ones (CLEAR_SURFACE, GET_PIPE_RESOURCE_LAYOUT) + 1. */
    static final int VIRGL_MAX_COMMANDS = 64;

    static final class Ctx {
        final int id;
        final IntHashSet resources = new IntHashSet();
        final Int2ObjectHashMap<VCodec> codecs = new Int2ObjectHashMap<>();
        final Int2ObjectHashMap<VBuffer> buffers = new Int2ObjectHashMap<>();
        /** When the engine is done with every frame this context handed it. */
        long doneAt;

        Ctx(int id) {
            this.id = id;
        }
    }

    static final class VCodec {
        final int handle;
        final int profile;
        final int entrypoint;
        final int chroma;
        final int level;
        final int width;
        final int height;
        final boolean hevc;
        final boolean encode;
        final AccessUnits au;
        /** The buffer between BEGIN_FRAME and END_FRAME, 0 outside a frame. */
        int target;
        long framePixels;
        long frameBits;
        int frameSlices;
        long frames;
        long bits;
        /** The SPS of the last picture: the stream's own resolution, profile and level (described at report time: no string per frame). */
        SequenceInfo sps;

        VCodec(int handle, int profile, int entrypoint, int chroma, int level, int width, int height) {
            this.handle = handle;
            this.profile = profile;
            this.entrypoint = entrypoint;
            this.chroma = chroma;
            this.level = level;
            this.width = width;
            this.height = height;
            this.hevc = hevc(profile);
            this.encode = entrypoint == ENTRYPOINT_ENCODE;
            this.au = new AccessUnits(hevc ? Codec.H265 : Codec.H264);
        }
    }

    static final class VBuffer {
        final int handle;
        final int format;
        final int width;
        final int height;
        final int[] res;
        long frames;

        VBuffer(int handle, int format, int width, int height, int[] res) {
            this.handle = handle;
            this.format = format;
            this.width = width;
            this.height = height;
            this.res = res;
        }
    }

    private final GpuResources resources;
    private final Dma dma;
    private final Clock clock;
    final CodecEngine engine;
    private final double encodeBitsPerPixel;
    private final Int2ObjectHashMap<Ctx> contexts = new Int2ObjectHashMap<>();
    private final UnsafeBuffer cmd = new UnsafeBuffer(new byte[MAX_SUBMIT]);
    private final byte[] bits = new byte[MAX_BITSTREAM];
    private final UnsafeBuffer bitsBuf = new UnsafeBuffer(bits);
    private final UnsafeBuffer small = new UnsafeBuffer(new byte[FEEDBACK_SIZE]);

    /** Counts: virgl video commands by code (53..61), then errors, frames and bytes. */
    final long[] commands = new long[CCMD_END_FRAME - CCMD_CREATE_VIDEO_CODEC + 1];
    long submits;
    long errors;
    long framesDecoded;
    long framesEncoded;
    long framesOnScanout;
    long bitstreamBytes;
    long outputBytes;
    final ArrayDeque<String> lastErrors = new ArrayDeque<>();
    /** What the last failing command said, for the response path. */
    private String error;

    /** virtio_gpu.video.output=blit: ps per byte of the GPU copy into the target after each decoded frame; 0 = direct. */
    double blitPsPerByte;
    /** GPU copies (upstream blit) of decoded frames and their bytes. */
    long gpuCopies;
    long gpuCopyBytes;

    GpuVideo(GpuResources resources, Dma dma, Clock clock, CodecEngine engine, double encodeBitsPerPixel) {
        this.resources = resources;
        this.dma = dma;
        this.clock = clock;
        this.engine = engine;
        this.encodeBitsPerPixel = encodeBitsPerPixel;
    }

    private int fail(int code, String why) {
        errors++;
        error = why;
        if (lastErrors.size() == ERRORS_KEPT) {
            lastErrors.removeFirst();
        }
        lastErrors.addLast(why);
        return code;
    }

    /** virgl_cmd_context_create: the id and the capset the guest asked for (context_init's low byte). */
    int ctxCreate(int ctxId, int contextInit) {
        int capset = contextInit & 0xFF;
        if (ctxId == 0 || contexts.containsKey(ctxId)) {
            return fail(RESP_ERR_INVALID_CONTEXT_ID, "CTX_CREATE: context " + ctxId + (ctxId == 0 ? " is 0" : " exists"));
        }
        if (capset != 0 && capset != 1 && capset != CAPSET_VIRGL2) {
            return fail(RESP_ERR_INVALID_PARAMETER, "CTX_CREATE: capset " + capset + " is not virgl (1) or virgl2 (2)");
        }
        if (contexts.size() >= MAX_CONTEXTS) {
            return fail(RESP_ERR_OUT_OF_MEMORY, "CTX_CREATE: more than " + MAX_CONTEXTS + " contexts (gvsim bound)");
        }
        contexts.put(ctxId, new Ctx(ctxId));
        return 0;
    }

    int ctxDestroy(int ctxId) {
        return contexts.remove(ctxId) == null ? fail(RESP_ERR_INVALID_CONTEXT_ID, "CTX_DESTROY: no context " + ctxId) : 0;
    }

    int ctxResource(int ctxId, int resId, boolean attach) {
        Ctx x = contexts.get(ctxId);
        if (x == null) {
            return fail(RESP_ERR_INVALID_CONTEXT_ID, "CTX_" + (attach ? "ATTACH" : "DETACH") + "_RESOURCE: no context " + ctxId);
        }
        if (resources.find(resId) == null) {
            return fail(RESP_ERR_INVALID_RESOURCE_ID, "CTX_" + (attach ? "ATTACH" : "DETACH") + "_RESOURCE: no resource " + resId);
        }
        if (attach) {
            x.resources.add(resId);
        } else {
            x.resources.remove(resId);
        }
        return 0;
    }

    /**
     * virgl_cmd_submit_3d → vrend_decode_ctx_submit_cmd: the {@code size} bytes after the request
     * struct, read from the chain's readable segments; returns 0 or the error response.
     */
    int submit(int ctxId, int size, dev.gvsim.virtiogpudevice.virtqueue.Chain c) {
        submits++;
        Ctx x = contexts.get(ctxId);
        if (x == null) {
            return fail(RESP_ERR_INVALID_CONTEXT_ID, "SUBMIT_3D: no context " + ctxId);
        }
        if (size < 0 || size > MAX_SUBMIT || (size & 3) != 0) {
            return fail(RESP_ERR_INVALID_PARAMETER, "SUBMIT_3D: size " + Integer.toUnsignedString(size) + " (a multiple of 4 up to "
                    + MAX_SUBMIT + ", gvsim bound)");
        }
        if (c.readableBytes() < SUBMIT_SIZE + (long) size) {
            return fail(RESP_ERR_INVALID_PARAMETER, "SUBMIT_3D: size mismatch (" + (c.readableBytes() - SUBMIT_SIZE) + "/" + size + ")");
        }
        // iov_to_buf(in_sg, in_num, sizeof(cs), buf, cs.size)
        long skip = SUBMIT_SIZE;
        int got = 0;
        for (int i = 0; i < c.readableSegments() && got < size; i++) {
            long l = c.length(i);
            if (skip >= l) {
                skip -= l;
                continue;
            }
            int n = (int) Math.min(l - skip, size - got);
            dma.read(c.address(i) + skip, cmd, got, n);
            got += n;
            skip = 0;
        }
        int words = size / 4;
        int at = 0;
        while (at < words) {
            int hdr = cmd.getInt(at * 4);
            int op = cmdOf(hdr);
            int len = lenOf(hdr);
            if (op >= VIRGL_MAX_COMMANDS) {
                return fail(RESP_ERR_INVALID_PARAMETER, "SUBMIT_3D: dword " + at + ": command " + op + " >= VIRGL_MAX_COMMANDS");
            }
            if (at + 1 + len > words) {
                return fail(RESP_ERR_INVALID_PARAMETER, "SUBMIT_3D: dword " + at + ": command " + op + " of " + len
                        + " dwords runs past the buffer (vrend_report_buffer_error)");
            }
            int e = op == 0 ? 0 : command(x, op, at, len);
            if (e != 0) {
                return e;
            }
            at += 1 + len;
        }
        return 0;
    }

    private int word(int base, int i) {
        return cmd.getInt((base + i) * 4);
    }

    private int command(Ctx x, int op, int at, int len) {
        if (op < CCMD_CREATE_VIDEO_CODEC || op > CCMD_END_FRAME) {
            return fail(RESP_ERR_INVALID_PARAMETER, "virgl command " + op + " is not modelled (gvsim models the video commands only)");
        }
        commands[op - CCMD_CREATE_VIDEO_CODEC]++;
        String name = NAMES[op - CCMD_CREATE_VIDEO_CODEC];
        int min = switch (op) {
            case CCMD_CREATE_VIDEO_CODEC -> CREATE_CODEC_MIN_SIZE;
            case CCMD_DESTROY_VIDEO_CODEC -> DESTROY_CODEC_MIN_SIZE;
            case CCMD_CREATE_VIDEO_BUFFER -> CREATE_BUFFER_MIN_SIZE;
            case CCMD_DESTROY_VIDEO_BUFFER -> DESTROY_BUFFER_MIN_SIZE;
            case CCMD_BEGIN_FRAME -> BEGIN_FRAME_MIN_SIZE;
            case CCMD_DECODE_BITSTREAM -> DECODE_BS_MIN_SIZE;
            case CCMD_ENCODE_BITSTREAM -> ENCODE_BS_MIN_SIZE;
            case CCMD_END_FRAME -> END_FRAME_MIN_SIZE;
            default -> 0; // DECODE_MACROBLOCK
        };
        if (len < min) {
            return fail(RESP_ERR_INVALID_PARAMETER, name + ": " + len + " dwords, at least " + min + " (EINVAL)");
        }
        String why = switch (op) {
            case CCMD_CREATE_VIDEO_CODEC -> createCodec(x, at, len);
            case CCMD_DESTROY_VIDEO_CODEC -> x.codecs.remove(word(at, DESTROY_CODEC_HANDLE)) == null ? "no codec " + word(at, DESTROY_CODEC_HANDLE) : null;
            case CCMD_CREATE_VIDEO_BUFFER -> createBuffer(x, at, len);
            case CCMD_DESTROY_VIDEO_BUFFER -> x.buffers.remove(word(at, DESTROY_BUFFER_HANDLE)) == null ? "no video buffer " + word(at, DESTROY_BUFFER_HANDLE) : null;
            case CCMD_BEGIN_FRAME -> beginFrame(x, at);
            case CCMD_DECODE_BITSTREAM -> decode(x, at);
            case CCMD_ENCODE_BITSTREAM -> encode(x, at);
            case CCMD_END_FRAME -> endFrame(x, at);
            default -> "DECODE_MACROBLOCK is not supported (vrend_decode.c: vrend_decode_dummy)";
        };
        return why == null ? 0 : fail(RESP_ERR_INVALID_PARAMETER, name + " (context " + x.id + "): " + why);
    }

    static final String[] NAMES = {"CREATE_VIDEO_CODEC", "DESTROY_VIDEO_CODEC", "CREATE_VIDEO_BUFFER", "DESTROY_VIDEO_BUFFER", "BEGIN_FRAME",
        "DECODE_MACROBLOCK", "DECODE_BITSTREAM", "ENCODE_BITSTREAM", "END_FRAME"};

    /** The profiles the engine decodes (virgl_video.c pipe_profile_from_va's H.264 / H.265 rows) and those it encodes. */
    static boolean decodes(int profile) {
        return switch (profile) {
            case PROFILE_AVC_BASELINE, PROFILE_AVC_CONSTRAINED_BASELINE, PROFILE_AVC_MAIN, PROFILE_AVC_HIGH, PROFILE_HEVC_MAIN,
                    PROFILE_HEVC_MAIN_10 -> true;
            default -> false;
        };
    }

    static boolean encodes(int profile) {
        return profile == PROFILE_AVC_CONSTRAINED_BASELINE || profile == PROFILE_AVC_MAIN || profile == PROFILE_AVC_HIGH
                || profile == PROFILE_HEVC_MAIN;
    }

    private String createCodec(Ctx x, int at, int len) {
        int handle = word(at, CREATE_CODEC_HANDLE);
        int profile = word(at, CREATE_CODEC_PROFILE);
        int entry = word(at, CREATE_CODEC_ENTRYPOINT);
        int chroma = word(at, CREATE_CODEC_CHROMA_FMT);
        int w = word(at, CREATE_CODEC_WIDTH);
        int h = word(at, CREATE_CODEC_HEIGHT);
        if (handle == 0 || x.codecs.containsKey(handle)) {
            return "handle " + handle + (handle == 0 ? " is 0" : " is in use");
        }
        if (x.codecs.size() >= MAX_CODECS) {
            return "more than " + MAX_CODECS + " codecs in a context (gvsim bound)";
        }
        if (profile <= PROFILE_UNKNOWN || profile >= PROFILE_MAX) {
            return "unknown codec profile " + Integer.toUnsignedString(profile) + " (enum pipe_video_profile)";
        }
        if (entry != ENTRYPOINT_BITSTREAM && entry != ENTRYPOINT_ENCODE) {
            return "entrypoint " + Integer.toUnsignedString(entry) + " is not BITSTREAM (1) or ENCODE (4)";
        }
        if (entry == ENTRYPOINT_BITSTREAM ? !decodes(profile) : !encodes(profile)) {
            return "profile " + profile + " cannot " + (entry == ENTRYPOINT_ENCODE ? "be encoded" : "be decoded") + " by the engine (H.264 "
                    + "Baseline/Main/High and H.265 Main/Main 10 decode; H.264 Constrained Baseline/Main/High and H.265 Main encode)";
        }
        if (chroma != CHROMA_420) {
            return "chroma format " + Integer.toUnsignedString(chroma) + ": the engine does 4:2:0 (1) only";
        }
        if (w <= 0 || h <= 0 || w > SequenceInfo.MAX_DIM || h > SequenceInfo.MAX_DIM) {
            return "size " + Integer.toUnsignedString(w) + "x" + Integer.toUnsignedString(h) + " outside 1.." + SequenceInfo.MAX_DIM;
        }
        x.codecs.put(handle, new VCodec(handle, profile, entry, chroma, word(at, CREATE_CODEC_LEVEL), w, h));
        return null;
    }

    /** Bytes a resource's memory holds: a blob's size, a 2D resource's image. */
    private static long sizeOf(GpuResources.Resource r) {
        return r.blob ? r.blobSize : (long) r.width * r.height * BYTES_PER_PIXEL;
    }

    private String resource(Ctx x, int id, String what) {
        if (!x.resources.contains(id) || resources.find(id) == null) {
            return what + " resource " + id + (resources.find(id) == null ? " does not exist" : " is not attached to the context");
        }
        return null;
    }

    private String createBuffer(Ctx x, int at, int len) {
        int handle = word(at, CREATE_BUFFER_HANDLE);
        int format = word(at, CREATE_BUFFER_FORMAT);
        int w = word(at, CREATE_BUFFER_WIDTH);
        int h = word(at, CREATE_BUFFER_HEIGHT);
        if (handle == 0 || x.buffers.containsKey(handle)) {
            return "handle " + handle + (handle == 0 ? " is 0" : " is in use");
        }
        if (x.buffers.size() >= MAX_BUFFERS) {
            return "more than " + MAX_BUFFERS + " video buffers in a context (gvsim bound)";
        }
        if (format != FORMAT_NV12 && format != FORMAT_B8G8R8X8) {
            return "format " + Integer.toUnsignedString(format) + ": NV12 (" + FORMAT_NV12 + ") or B8G8R8X8 (" + FORMAT_B8G8R8X8 + ") only";
        }
        if (w <= 0 || h <= 0 || w > SequenceInfo.MAX_DIM || h > SequenceInfo.MAX_DIM) {
            return "size " + Integer.toUnsignedString(w) + "x" + Integer.toUnsignedString(h) + " outside 1.." + SequenceInfo.MAX_DIM;
        }
        int planes = Math.min(len - CREATE_BUFFER_RES_BASE + 1, BUFFER_MAX_PLANES);
        int[] res = new int[planes];
        long have = 0;
        for (int i = 0; i < planes; i++) {
            res[i] = word(at, CREATE_BUFFER_RES_BASE + i);
            String e = resource(x, res[i], "plane " + i);
            if (e != null) {
                return e;
            }
            have += sizeOf(resources.find(res[i]));
        }
        long need = format == FORMAT_NV12 ? (long) w * h * 3 / 2 : (long) w * h * 4;
        if (have < need) {
            return "buffer too small: " + w + "x" + h + " " + (format == FORMAT_NV12 ? "NV12" : "B8G8R8X8") + " needs " + need + " bytes, its "
                    + planes + " resource(s) hold " + have;
        }
        x.buffers.put(handle, new VBuffer(handle, format, w, h, res));
        return null;
    }

    private String beginFrame(Ctx x, int at) {
        VCodec c = x.codecs.get(word(at, BEGIN_FRAME_CDC_HANDLE));
        int t = word(at, BEGIN_FRAME_TGT_HANDLE);
        if (c == null) {
            return "no codec " + word(at, BEGIN_FRAME_CDC_HANDLE);
        }
        if (!x.buffers.containsKey(t)) {
            return "no video buffer " + t;
        }
        if (c.target != 0) {
            return "codec " + c.handle + " is already in a frame (target " + c.target + ")";
        }
        c.target = t;
        c.framePixels = 0;
        c.frameBits = 0;
        c.frameSlices = 0;
        return null;
    }

    private String decode(Ctx x, int at) {
        VCodec c = x.codecs.get(word(at, DECODE_BS_CDC_HANDLE));
        if (c == null) {
            return "no codec " + word(at, DECODE_BS_CDC_HANDLE);
        }
        if (c.encode) {
            return "codec " + c.handle + " is an encoder";
        }
        int t = word(at, DECODE_BS_TGT_HANDLE);
        if (c.target == 0 || c.target != t) {
            return "target " + t + " is not the frame begun on codec " + c.handle + (c.target == 0 ? " (no BEGIN_FRAME)" : " (" + c.target + ")");
        }
        String e = resource(x, word(at, DECODE_BS_DSC_HANDLE), "picture descriptor");
        if (e == null) {
            e = resource(x, word(at, DECODE_BS_BUF_HANDLE), "bitstream");
        }
        if (e != null) {
            return e;
        }
        GpuResources.Resource r = resources.find(word(at, DECODE_BS_BUF_HANDLE));
        long size = word(at, DECODE_BS_BUF_SIZE) & 0xFFFF_FFFFL;
        if (!GpuResources.hasBacking(r)) {
            return "bitstream resource " + r.id + " has no backing";
        }
        if (size > sizeOf(r) || size > r.backingSize()) {
            return "buffer too small: " + size + " bitstream bytes in a resource of " + Math.min(sizeOf(r), r.backingSize());
        }
        if (size > MAX_BITSTREAM) {
            return size + " bitstream bytes, more than " + MAX_BITSTREAM + " (gvsim bound)";
        }
        int n = (int) resources.copyFromBacking(r, 0, bitsBuf, 0, (int) size);
        bitstreamBytes += n;
        VBuffer tgt = x.buffers.get(t);
        try {
            c.au.feed(bits, 0, n);
            while (c.au.next()) {
                SequenceInfo s = c.au.sps();
                if (c.au.slicesInPicture() == 0 || s == null) {
                    continue;
                }
                String wrong = check(c, s, tgt);
                if (wrong != null) {
                    return wrong;
                }
                c.sps = s;
                c.framePixels = (long) s.codedWidth() * s.codedHeight();
                c.frameSlices += c.au.slicesInPicture();
            }
        } catch (BitstreamException b) {
            return b.getMessage();
        }
        c.frameBits += 8L * n;
        return null;
    }

    /** The picture's SPS against the codec (profile, chroma format, size) and the target buffer. */
    private static String check(VCodec c, SequenceInfo s, VBuffer tgt) {
        int streamProfile = pipeProfile(c.hevc, s.profileIdc(), s.constraintFlags());
        if (!compatible(c.profile, streamProfile)) {
            return "wrong profile: the stream is " + s.codec().label() + " " + s.profileName() + " (profile_idc " + s.profileIdc()
                    + "), the codec was created for pipe_video_profile " + c.profile;
        }
        if (s.chromaFormatIdc() != c.chroma) {
            return "the stream's chroma_format_idc is " + s.chromaFormatIdc() + ", the codec's " + c.chroma;
        }
        if (s.width() > c.width || s.height() > c.height) {
            return "the stream's pictures are " + s.width() + "x" + s.height() + ", larger than the codec's " + c.width + "x" + c.height;
        }
        if (s.width() > tgt.width || s.height() > tgt.height) {
            return "buffer too small: video buffer " + tgt.handle + " is " + tgt.width + "x" + tgt.height + ", the picture " + s.width() + "x"
                    + s.height();
        }
        return null;
    }

    /** A stream of profile {@code stream} decodes on a codec of profile {@code codec} (a profile's decoder decodes its subsets, H.264 A.2). */
    static boolean compatible(int codec, int stream) {
        if (codec == stream) {
            return true;
        }
        return switch (codec) {
            case PROFILE_AVC_HIGH -> stream == PROFILE_AVC_MAIN || stream == PROFILE_AVC_CONSTRAINED_BASELINE;
            case PROFILE_AVC_MAIN, PROFILE_AVC_BASELINE -> stream == PROFILE_AVC_CONSTRAINED_BASELINE;
            case PROFILE_HEVC_MAIN_10 -> stream == PROFILE_HEVC_MAIN;
            default -> false;
        };
    }

    private String encode(Ctx x, int at) {
        VCodec c = x.codecs.get(word(at, ENCODE_BS_CDC_HANDLE));
        if (c == null) {
            return "no codec " + word(at, ENCODE_BS_CDC_HANDLE);
        }
        if (!c.encode) {
            return "codec " + c.handle + " is a decoder";
        }
        VBuffer src = x.buffers.get(word(at, ENCODE_BS_SRC_HANDLE));
        if (src == null) {
            return "no video buffer " + word(at, ENCODE_BS_SRC_HANDLE);
        }
        if (c.target != src.handle) {
            return "source " + src.handle + " is not the frame begun on codec " + c.handle;
        }
        if (src.width < c.width || src.height < c.height) {
            return "buffer too small: source " + src.width + "x" + src.height + " for a " + c.width + "x" + c.height + " codec";
        }
        String e = resource(x, word(at, ENCODE_BS_DEST_HANDLE), "destination");
        if (e == null) {
            e = resource(x, word(at, ENCODE_BS_DESC_HANDLE), "picture descriptor");
        }
        if (e == null) {
            e = resource(x, word(at, ENCODE_BS_FEED_HANDLE), "feedback");
        }
        if (e != null) {
            return e;
        }
        GpuResources.Resource dest = resources.find(word(at, ENCODE_BS_DEST_HANDLE));
        GpuResources.Resource feed = resources.find(word(at, ENCODE_BS_FEED_HANDLE));
        long feedAt = GpuResources.hasBacking(feed) ? resources.guestAddress(feed, 0, FEEDBACK_SIZE) : -1;
        if (feedAt < 0) {
            return "buffer too small: the feedback resource " + feed.id + " needs " + FEEDBACK_SIZE + " bytes of backing in one piece";
        }
        long pixels = (long) c.width * c.height;
        long coded = (long) Math.ceil(pixels * encodeBitsPerPixel / 8);
        boolean fits = coded <= Math.min(sizeOf(dest), dest.backingSize());
        small.putInt(FEEDBACK_STAT, fits ? ENCODE_STAT_SUCCESS : ENCODE_STAT_FAILURE);
        small.putInt(FEEDBACK_CODED_SIZE, fits ? (int) coded : 0);
        dma.write(feedAt, small, 0, FEEDBACK_SIZE);
        if (!fits) {
            return "buffer too small: the coded frame is " + coded + " bytes, the destination resource " + dest.id + " holds "
                    + Math.min(sizeOf(dest), dest.backingSize());
        }
        c.framePixels = pixels;
        c.frameBits = 8 * coded;
        c.frameSlices = 1;
        return null;
    }

    private String endFrame(Ctx x, int at) {
        VCodec c = x.codecs.get(word(at, END_FRAME_CDC_HANDLE));
        if (c == null) {
            return "no codec " + word(at, END_FRAME_CDC_HANDLE);
        }
        int t = word(at, END_FRAME_TGT_HANDLE);
        if (c.target == 0 || c.target != t) {
            return "target " + t + " is not the frame begun on codec " + c.handle;
        }
        c.target = 0;
        if (c.frameSlices == 0) {
            return "END_FRAME with nothing " + (c.encode ? "encoded" : "decoded") + " since BEGIN_FRAME";
        }
        long done = engine.submit(clock.now(), c.encode, c.hevc, c.framePixels, c.frameBits);
        x.doneAt = Math.max(x.doneAt, done);
        c.frames++;
        c.bits += c.frameBits;
        VBuffer b = x.buffers.get(t);
        if (b != null) {
            b.frames++;
        }
        if (c.encode) {
            framesEncoded++;
        } else {
            framesDecoded++;
            // the engine writes the picture into the target's resources (guest pages of a blob): shown from there if on a scanout
            long out = 0;
            boolean shown = false;
            for (int id : b == null ? new int[0] : b.res) {
                GpuResources.Resource r = resources.find(id);
                if (r != null) {
                    out += sizeOf(r);
                    shown |= r.scanoutMask != 0;
                }
            }
            outputBytes += out;
            if (shown) {
                framesOnScanout++;
            }
            if (blitPsPerByte > 0) {
                // vrend_video.c: the VA surface (NV12: 1.5 bytes per pixel) blitted into the plane textures once decoded
                long bytes = c.framePixels * 3 / 2;
                gpuCopies++;
                gpuCopyBytes += bytes;
                x.doneAt = Math.max(x.doneAt, done + (long) Math.ceil(bytes * blitPsPerByte));
            }
        }
        return null;
    }

    /**
     * gvsim's host_feature_check_version: 14, the version from which Mesa's
     * virgl_encode_create_video_codec sends max_references (the 8-dword form this device reads).
     */
    static final int HOST_FEATURE_CHECK_VERSION = 14;
    /** Largest pictures advertised: docs/facts/virtio-gpu.md §4.4 (AMD VCN: H.264 up to 4096x2176, HEVC up to 7680x4320). */
    static final int AVC_MAX_W = 4096;
    static final int AVC_MAX_H = 2176;
    static final int HEVC_MAX_W = 7680;
    static final int HEVC_MAX_H = 4320;
    /** max_level advertised: H.264 level 5.1 (level_idc 51), H.265 level 5.1 (general_level_idc 153): 4K. */
    static final int AVC_MAX_LEVEL = 51;
    static final int HEVC_MAX_LEVEL = 153;

    /**
     * The capset for GET_CAPSET (vrend_renderer_fill_caps for VIRGL / VIRGL2) at {@code off} of
     * {@code b}, already zeroed: max_version, and for VIRGL2 host_feature_check_version, the renderer
     * name and one virgl_video_caps per profile and entrypoint the engine takes (virgl_video_fill_caps).
     * The GL capabilities are left 0: this device models the video commands only.
     */
    void fillCaps(UnsafeBuffer b, int off, int capsetId) {
        b.putInt(off, capsetId == CAPSET_VIRGL ? CAPS_V1_MAX_VERSION : CAPS_V2_MAX_VERSION);
        if (capsetId != CAPSET_VIRGL2) {
            return;
        }
        b.putInt(off + CAPS_HOST_FEATURE_CHECK_VERSION, HOST_FEATURE_CHECK_VERSION);
        String name = "gvsim video (" + engine.profile().name() + ")";
        for (int i = 0; i < name.length() && i < 63; i++) {
            b.putByte(off + CAPS_RENDERER + i, (byte) name.charAt(i));
        }
        int n = 0;
        for (int profile = PROFILE_AVC_BASELINE; profile <= PROFILE_HEVC_MAIN_444; profile++) {
            for (int entry : new int[] {ENTRYPOINT_BITSTREAM, ENTRYPOINT_ENCODE}) {
                if (entry == ENTRYPOINT_BITSTREAM ? !decodes(profile) : !encodes(profile)) {
                    continue;
                }
                boolean h = hevc(profile);
                int w = h ? HEVC_MAX_W : AVC_MAX_W;
                int ht = h ? HEVC_MAX_H : AVC_MAX_H;
                int at = off + CAPS_VIDEO_CAPS + n * VIDEO_CAPS_SIZE;
                b.putInt(at, videoCaps0(profile, entry, h ? HEVC_MAX_LEVEL : AVC_MAX_LEVEL));
                b.putInt(at + 4, pack16(w, ht));
                b.putInt(at + 8, pack16(FORMAT_NV12, Math.min(0xFFFF, (w / 16) * (ht / 16))));
                b.putInt(at + 12, VIDEO_CAPS_NPOT_PROGRESSIVE);
                n++;
            }
        }
        b.putInt(off + CAPS_NUM_VIDEO_CAPS, n);
    }

    /** When the context's frames are all done on the engine (a fenced SUBMIT_3D is answered then); 0 for no context. */
    long doneAt(int ctxId) {
        Ctx x = contexts.get(ctxId);
        return x == null ? 0 : x.doneAt;
    }

    /** virtio_gpu_reset → virgl_renderer_reset: every context goes. */
    void reset() {
        contexts.clear();
    }

    Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> cmds = new LinkedHashMap<>();
        for (int i = 0; i < commands.length; i++) {
            if (commands[i] != 0) {
                cmds.put(NAMES[i], commands[i]);
            }
        }
        m.put("commands", cmds);
        m.put("submits", submits);
        m.put("errors", errors);
        m.put("frames_decoded", framesDecoded);
        m.put("frames_encoded", framesEncoded);
        m.put("frames_on_scanout", framesOnScanout);
        m.put("bitstream_bytes", bitstreamBytes);
        m.put("output_bytes", outputBytes);
        m.put("gpu_copies", gpuCopies);
        m.put("gpu_copy_bytes", gpuCopyBytes);
        m.put("engine", engine.report(clock.now()));
        List<Map<String, Object>> cs = new ArrayList<>();
        for (int id : sortedKeys(contexts)) {
            Ctx x = contexts.get(id);
            for (int h : sortedKeys(x.codecs)) {
                VCodec c = x.codecs.get(h);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("context", id);
                e.put("handle", h);
                e.put("profile", c.profile);
                e.put("entrypoint", c.encode ? "encode" : "decode");
                e.put("size", c.width + "x" + c.height);
                e.put("frames", c.frames);
                e.put("bits", c.bits);
                if (!c.encode) {
                    e.put("sps", c.sps == null ? "" : c.sps.toString());
                    e.put("i_p_b", List.of(c.au.iFrames, c.au.pFrames, c.au.bFrames));
                }
                cs.add(e);
            }
        }
        m.put("codecs", cs);
        if (!lastErrors.isEmpty()) {
            m.put("last_errors", List.copyOf(lastErrors));
        }
        return m;
    }

    private static int[] sortedKeys(Int2ObjectHashMap<?> map) {
        int[] k = new int[map.size()];
        int i = 0;
        for (Int2ObjectHashMap<?>.KeyIterator it = map.keySet().iterator(); it.hasNext();) {
            k[i++] = it.nextInt();
        }
        java.util.Arrays.sort(k);
        return k;
    }

    /**
     * The checkpoint: counters and the engine. Contexts, codecs and buffers are not kept (a restored
     * device has none, as after a virtio reset; the guest re-creates them).
     */
    void save(StateWriter w) {
        for (long n : commands) {
            w.putLong(n);
        }
        w.putLong(submits).putLong(errors).putLong(framesDecoded).putLong(framesEncoded).putLong(framesOnScanout).putLong(bitstreamBytes)
                .putLong(outputBytes).putLong(gpuCopies).putLong(gpuCopyBytes);
        engine.save(w);
    }

    void restore(StateReader r) throws InputException {
        long[] c = new long[commands.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = r.getLong();
        }
        long[] v = new long[9];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.getLong();
        }
        engine.restore(r);
        gpuCopies = v[7];
        gpuCopyBytes = v[8];
        System.arraycopy(c, 0, commands, 0, c.length);
        submits = v[0];
        errors = v[1];
        framesDecoded = v[2];
        framesEncoded = v[3];
        framesOnScanout = v[4];
        bitstreamBytes = v[5];
        outputBytes = v[6];
        contexts.clear();
    }

    /** The reason of the last failing command. */
    String lastError() {
        return error;
    }
}
