package dev.gvsim.guesttraces.linux;

import static dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.virtiogpudevice.layout.codec.AccessUnits;
import dev.gvsim.virtiogpudevice.layout.codec.Codec;
import dev.gvsim.virtiogpudevice.layout.codec.SequenceInfo;

/**
 * A guest video client on the virtio-gpu video path, the shape of Mesa's VA-API driver for virgl
 * (virtio_gpu_drv_video.so: virgl_video.c / virgl_encode.c) under a player: the player parses the
 * stream's SPS (profile, level, size; as FFmpeg's h264_ps.c / hevc_ps.c do, with
 * {@code layout.codec}), the driver opens a virgl context (CTX_CREATE, capset virgl2), creates blob
 * resources over guest pages for the bitstream, the picture descriptor and the decode target,
 * attaches them, creates the codec and the video buffer, and per frame copies the access unit into
 * the bitstream buffer (vaMapBuffer + memcpy) and sends BEGIN_FRAME, DECODE_BITSTREAM, END_FRAME in
 * one fenced EXECBUFFER (vaEndPicture, then vaSyncSurface waits on the fence). The target can be put
 * on scanout 0 with SET_SCANOUT_BLOB once and flushed per frame, so the decoded frame is shown from
 * the pages the engine wrote. Encoding sends BEGIN_FRAME, ENCODE_BITSTREAM, END_FRAME and reads the
 * coded size from the feedback. Frames are paced at the stream's rate (or a given one). Every device
 * access goes through the {@link VirtioGpuLinuxDriver}'s queue (through a {@link VirtioGpuClientPort}) and the {@link GuestCpu}; the client
 * counts its ioctls, the bytes it copied, the notifies and interrupts, per frame.
 *
 * <p>Departures from Mesa's driver: the bitstream and descriptor buffers are guest blobs (Mesa's
 * are virgl PIPE_BUFFER resources filled with TRANSFER_TO_HOST_3D), the descriptor's contents are
 * not written (the device reads the SPS from the bitstream), and the decode target is one B8G8R8X8
 * plane so that it can be scanned out as it is (see GpuVideo).
 */
public final class VaapiVideoClient {
    /** Layout of the client's guest memory region (its size: {@link #REGION_SIZE}). */
    static final long ENTRIES = 0x0000;
    static final long CMDBUF = 0x1000;
    static final long FEEDBACK = 0x2000;
    static final long DESC = 0x3000;
    static final long BITSTREAM = 0x10_0000;
    static final long BITSTREAM_SIZE = 0x10_0000;
    static final long SURFACES = 0x20_0000;
    public static final long REGION_SIZE = 64L << 20;

    private final GuestCpu cpu;
    private final VirtioGpuClientPort drv;
    private final long pa;
    private final long va;
    private final int ctx;
    private int nextRes;

    /** What one session did. */
    public static final class Session {
        public String codec;
        public String sps = "";
        public int width;
        public int height;
        public String profile = "";
        public String level = "";
        public double streamFps;
        public double playFps;
        public long frames;
        public long iFrames;
        public long pFrames;
        public long bFrames;
        public long startPs;
        public long endPs;
        /** Per-frame counts (the frame loop only, not the set-up). */
        public long ioctls;
        public long notifies;
        public long interrupts;
        public long bytesCopied;
        public long errors;
        public long codedBytes;
        public String firstError;

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("codec", codec);
            m.put("sps", sps);
            m.put("resolution", width + "x" + height);
            m.put("profile", profile);
            m.put("level", level);
            m.put("stream_fps", streamFps);
            m.put("play_fps", playFps);
            m.put("frames", frames);
            m.put("i_p_b", java.util.List.of(iFrames, pFrames, bFrames));
            m.put("elapsed_ps", endPs - startPs);
            m.put("ioctls", ioctls);
            m.put("notifies", notifies);
            m.put("interrupts", interrupts);
            m.put("bytes_copied", bytesCopied);
            if (codedBytes != 0) {
                m.put("coded_bytes", codedBytes);
            }
            m.put("errors", errors);
            if (firstError != null) {
                m.put("first_error", firstError);
            }
            return m;
        }
    }

    /**
     * @param regionPa guest RAM the client owns ({@link #REGION_SIZE}, page aligned)
     * @param ctxId the virgl context it opens
     * @param firstResource resource ids from here
     */
    public VaapiVideoClient(GuestCpu cpu, VirtioGpuLinuxDriver drv, long regionPa, int ctxId, int firstResource) {
        this.cpu = cpu;
        this.drv = new VirtioGpuClientPort(drv);
        this.pa = regionPa;
        this.va = drv.linearVa(regionPa);
        this.ctx = ctxId;
        this.nextRes = firstResource;
        cpu.map(va, pa, REGION_SIZE, "normal-wb", "VA-API client buffers (GEM shmem pages)");
    }

    /** RESOURCE_CREATE_BLOB of {@code size} bytes at region offset {@code off} (one mem entry), then CTX_ATTACH_RESOURCE. */
    private int blob(long off, long size) throws GuestFault {
        int id = nextRes++;
        long e = va + ENTRIES;
        cpu.write(e + MEM_ENTRY_ADDR, 8, pa + off, 0, "virtio_gpu_object_shmem_init");
        cpu.write(e + MEM_ENTRY_LENGTH, 4, size, 0, "virtio_gpu_object_shmem_init");
        cpu.write(e + MEM_ENTRY_LENGTH + 4, 4, 0, 0, "virtio_gpu_object_shmem_init");
        check(drv.command(CMD_RESOURCE_CREATE_BLOB, 0, false, new int[] {id, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE, 1, 0, 0,
            (int) size, (int) (size >>> 32)}, pa + ENTRIES, MEM_ENTRY_SIZE, "virtio_gpu_resource_create_blob_ioctl"), "RESOURCE_CREATE_BLOB");
        check(drv.command(CMD_CTX_ATTACH_RESOURCE, ctx, false, new int[] {id, 0}, 0, 0, "virtio_gpu_cmd_context_attach_resource"),
                "CTX_ATTACH_RESOURCE");
        return id;
    }

    private String error;

    private int check(int resp, String what) {
        if (resp != RESP_OK_NODATA && error == null) {
            error = String.format("%s answered 0x%04x", what, resp);
        }
        return resp;
    }

    /** (profile, entrypoint) pairs the host advertised in the VIRGL2 capset's video_caps, as profile << 8 | entrypoint. */
    private final java.util.Set<Integer> advertised = new java.util.TreeSet<>();

    /** The video caps the host advertised (profile << 8 | entrypoint), read by {@link #open()}. */
    public java.util.Set<Integer> advertised() {
        return java.util.Collections.unmodifiableSet(advertised);
    }

    /**
     * virtio_gpu_get_capsets + virgl_get_video_param's source (Mesa virgl_screen reads the VIRGL2 caps
     * at screen creation): GET_CAPSET_INFO index 1, then GET_CAPSET of VIRGL2 at its max version; the
     * video_caps entries are kept. Returns the number advertised (0 when the host has none).
     */
    public int readCaps() throws GuestFault {
        advertised.clear();
        if (drv.command(CMD_GET_CAPSET_INFO, 0, false, new int[] {1, 0}, 0, 0, RESP_CAPSET_INFO_SIZE, "virtio_gpu_cmd_get_capset_info")
                != RESP_OK_CAPSET_INFO) {
            return 0;
        }
        long info = drv.responseVa();
        long id = cpu.read(info + RESP_CAPSET_INFO_ID, 4, 0, "virtio_gpu_cmd_get_capset_info_cb");
        long ver = cpu.read(info + RESP_CAPSET_INFO_MAX_VERSION, 4, 0, "virtio_gpu_cmd_get_capset_info_cb");
        long size = cpu.read(info + RESP_CAPSET_INFO_MAX_SIZE, 4, 0, "virtio_gpu_cmd_get_capset_info_cb");
        if (id != CAPSET_VIRGL2 || size < CAPS_VIDEO_CAPS || HDR_SIZE + size > 0x800) {
            return 0;
        }
        if (drv.command(CMD_GET_CAPSET, 0, false, new int[] {CAPSET_VIRGL2, (int) ver}, 0, 0, HDR_SIZE + (int) size,
                "virtio_gpu_cmd_get_capset") != RESP_OK_CAPSET) {
            return 0;
        }
        long caps = drv.responseVa() + HDR_SIZE;
        int n = (int) Math.min(VIDEO_CAPS_MAX, cpu.read(caps + CAPS_NUM_VIDEO_CAPS, 4, 0, "virgl_get_video_param"));
        for (int i = 0; i < n; i++) {
            long w = cpu.read(caps + CAPS_VIDEO_CAPS + (long) VIDEO_CAPS_SIZE * i, 4, 0, "virgl_get_video_param");
            advertised.add((int) (w & 0xFFFF)); // profile (bits 0-7), entrypoint (8-15)
        }
        return n;
    }

    private boolean supported(int profile, int entrypoint) {
        return advertised.contains(profile | entrypoint << 8);
    }

    /** CONTEXT_INIT: CTX_CREATE with the virgl2 capset. */
    public int open() throws GuestFault {
        readCaps();
        int[] w = new int[(CTX_CREATE_SIZE - HDR_SIZE) / 4]; // nlen, context_init, debug_name[64]
        w[0] = 4;
        w[1] = CAPSET_VIRGL2;
        w[2] = 0x69706176; // "vapi"
        return check(drv.command(CMD_CTX_CREATE, ctx, false, w, 0, 0, "virtio_gpu_context_init_ioctl"), "CTX_CREATE");
    }

    /** One EXECBUFFER: the dwords copied into the command buffer, then SUBMIT_3D; returns the response. */
    private int execbuffer(int[] dwords, boolean fence, Session s) throws GuestFault {
        for (int i = 0; i < dwords.length; i++) {
            cpu.write(va + CMDBUF + 4L * i, 4, dwords[i] & 0xFFFF_FFFFL, 0, "virtio_gpu_execbuffer_ioctl");
        }
        if (s != null) {
            s.bytesCopied += 4L * dwords.length;
        }
        return drv.command(CMD_SUBMIT_3D, ctx, fence, new int[] {4 * dwords.length, 0}, pa + CMDBUF, 4L * dwords.length,
                "virtio_gpu_execbuffer_ioctl");
    }

    static int[] cmd(int op, int... args) {
        int[] out = new int[args.length + 1];
        out[0] = cmd0(op, 0, args.length);
        System.arraycopy(args, 0, out, 1, args.length);
        return out;
    }

    static int[] cat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    /** The player's stream probe (FFmpeg's parameter-set parsing): the first picture's SPS. */
    static SequenceInfo probe(byte[] stream, Codec codec) {
        AccessUnits au = new AccessUnits(codec).reset(stream, 0, stream.length);
        while (au.next()) {
            if (au.sps() != null) {
                return au.sps();
            }
        }
        throw new IllegalArgumentException(codec.label() + " stream: no picture");
    }

    /** {@link #decode(byte[], Codec, int, boolean, double)} with H.265 when {@code hevc}, else H.264. */
    public Session decodeStream(byte[] stream, boolean hevc, int handle, boolean scanout, double playFps) throws GuestFault {
        return decode(stream, hevc ? Codec.H265 : Codec.H264, handle, scanout, playFps);
    }

    /** {@link #encode(Codec, int, int, int, int, double)} with H.265 when {@code hevc}, else H.264. */
    public Session encodeFrames(boolean hevc, int handle, int width, int height, int frames, double fps) throws GuestFault {
        return encode(hevc ? Codec.H265 : Codec.H264, handle, width, height, frames, fps);
    }

    /**
     * Decodes {@code stream} frame by frame on codec handle {@code handle}.
     *
     * @param scanout show the target on scanout 0 and flush it per frame
     * @param playFps frames per second to pace at (0: the stream's own rate)
     */
    public Session decode(byte[] stream, Codec codec, int handle, boolean scanout, double playFps) throws GuestFault {
        error = null;
        Session s = new Session();
        s.codec = codec.label();
        SequenceInfo sps = probe(stream, codec);
        s.sps = sps.toString();
        s.width = sps.width();
        s.height = sps.height();
        s.profile = sps.profileName();
        s.level = sps.levelName();
        s.streamFps = sps.fps();
        s.playFps = playFps > 0 ? playFps : sps.fps() > 0 ? sps.fps() : 30;
        int profile = pipeProfile(codec == Codec.H265, sps.profileIdc(), sps.constraintFlags());
        if (!supported(profile, ENTRYPOINT_BITSTREAM)) {
            // vaCreateConfig: VA_STATUS_ERROR_UNSUPPORTED_PROFILE, the player falls back to software decoding
            s.errors++;
            s.firstError = s.codec + " " + s.profile + " (pipe_video_profile " + profile + ") is not in the host's video caps";
            return s;
        }
        int bits = blob(BITSTREAM, BITSTREAM_SIZE);
        int desc = blob(DESC, 0x1000);
        long tgtSize = align((long) sps.width() * sps.height() * 4);
        int tgt = blob(SURFACES, tgtSize);
        check(execbuffer(cat(cmd(CCMD_CREATE_VIDEO_CODEC, handle, profile, ENTRYPOINT_BITSTREAM, CHROMA_420, sps.levelIdc(), sps.width(),
                sps.height(), sps.maxRefFrames()), cmd(CCMD_CREATE_VIDEO_BUFFER, handle, FORMAT_B8G8R8X8, sps.width(), sps.height(), tgt)), true,
                null), "CREATE_VIDEO_CODEC");
        if (scanout) {
            check(drv.command(CMD_SET_SCANOUT_BLOB, 0, false, new int[] {0, 0, sps.width(), sps.height(), 0, tgt, sps.width(), sps.height(),
                FORMAT_B8G8R8X8_UNORM, 0, sps.width() * 4, 0, 0, 0, 0, 0, 0, 0}, 0, 0, "virtio_gpu_primary_plane_update"), "SET_SCANOUT_BLOB");
        }
        AccessUnits au = new AccessUnits(codec).reset(stream, 0, stream.length);
        long period = Math.round(1e12 / s.playFps);
        long n0 = drv.notifies();
        long i0 = drv.interrupts();
        s.startPs = cpu.now();
        while (au.next()) {
            if (au.slicesInPicture() == 0) {
                continue; // trailing units with no picture
            }
            long due = s.startPs + s.frames * period;
            if (cpu.now() < due) {
                cpu.delay(due - cpu.now());
            }
            copyIn(stream, au.offset(), au.length(), s);
            int r = execbuffer(cat(cmd(CCMD_BEGIN_FRAME, handle, handle), cmd(CCMD_DECODE_BITSTREAM, handle, handle, desc, bits, au.length()),
                    cmd(CCMD_END_FRAME, handle, handle)), true, s);
            s.ioctls++;
            if (r != RESP_OK_NODATA) {
                s.errors++;
                if (s.firstError == null) {
                    s.firstError = String.format("frame %d: SUBMIT_3D answered 0x%04x", s.frames, r);
                }
            }
            if (scanout) {
                drv.command(CMD_RESOURCE_FLUSH, 0, false, new int[] {0, 0, sps.width(), sps.height(), tgt, 0}, 0, 0,
                        "virtio_gpu_resource_flush");
                s.ioctls++;
            }
            s.frames++;
            switch (au.pictureTypeChar()) {
                case 'I' -> s.iFrames++;
                case 'B' -> s.bFrames++;
                default -> s.pFrames++;
            }
        }
        s.endPs = s.startPs + s.frames * period; // the last frame's display period ends there
        if (cpu.now() > s.endPs) {
            s.endPs = cpu.now();
        }
        s.notifies = drv.notifies() - n0;
        s.interrupts = drv.interrupts() - i0;
        s.errors += error != null ? 1 : 0;
        if (s.firstError == null) {
            s.firstError = error;
        }
        return s;
    }

    /** Bitstream buffer of each concurrent session, after the region's first 2 MiB. */
    static final long CONCURRENT_BITSTREAM = 256 * 1024;

    /**
     * {@code sessions} players decoding the same stream at once on one context (codec handles 1..n,
     * NV12 targets): per frame period each session's access unit is copied in and sent unfenced
     * (BEGIN_FRAME, DECODE_BITSTREAM, END_FRAME), then one fenced empty EXECBUFFER waits for the
     * engine to finish the round (the players' vaSyncSurface). The frames of all sessions queue on the
     * engine together; when it cannot keep up, rounds overrun their period and the rate drops.
     * Returns the sessions' totals ({@code frames} counts every session's frames).
     */
    public Session decodeConcurrent(byte[] stream, boolean hevc, int sessions, double fps) throws GuestFault {
        error = null;
        Codec codec = hevc ? Codec.H265 : Codec.H264;
        SequenceInfo sps = probe(stream, codec);
        Session s = new Session();
        s.codec = codec.label() + " x" + sessions;
        s.sps = sps.toString();
        s.width = sps.width();
        s.height = sps.height();
        s.profile = sps.profileName();
        s.level = sps.levelName();
        s.streamFps = sps.fps();
        s.playFps = fps;
        int profile = pipeProfile(hevc, sps.profileIdc(), sps.constraintFlags());
        if (!supported(profile, ENTRYPOINT_BITSTREAM)) {
            s.errors++;
            s.firstError = s.codec + " " + s.profile + " is not in the host's video caps";
            return s;
        }
        long nv12 = align((long) sps.width() * sps.height() * 3 / 2);
        long surfaces = SURFACES + sessions * CONCURRENT_BITSTREAM;
        if (surfaces + sessions * nv12 > REGION_SIZE) {
            throw new IllegalArgumentException(sessions + " sessions of " + sps.width() + "x" + sps.height() + " do not fit the client's region");
        }
        int desc = blob(DESC, 0x1000);
        int[] bits = new int[sessions];
        for (int k = 0; k < sessions; k++) {
            bits[k] = blob(SURFACES + k * CONCURRENT_BITSTREAM, CONCURRENT_BITSTREAM);
            int tgt = blob(surfaces + k * nv12, nv12);
            check(execbuffer(cat(cmd(CCMD_CREATE_VIDEO_CODEC, k + 1, profile, ENTRYPOINT_BITSTREAM, CHROMA_420, sps.levelIdc(), sps.width(),
                    sps.height(), sps.maxRefFrames()), cmd(CCMD_CREATE_VIDEO_BUFFER, k + 1, FORMAT_NV12, sps.width(), sps.height(), tgt)), true,
                    null), "CREATE_VIDEO_CODEC");
        }
        AccessUnits au = new AccessUnits(codec).reset(stream, 0, stream.length);
        long period = Math.round(1e12 / fps);
        long n0 = drv.notifies();
        long i0 = drv.interrupts();
        s.startPs = cpu.now();
        long rounds = 0;
        while (au.next()) {
            if (au.slicesInPicture() == 0) {
                continue;
            }
            long due = s.startPs + rounds * period;
            if (cpu.now() < due) {
                cpu.delay(due - cpu.now());
            }
            for (int k = 0; k < sessions; k++) {
                copyInAt(stream, au.offset(), au.length(), SURFACES + k * CONCURRENT_BITSTREAM, s);
                int r = execbuffer(cat(cmd(CCMD_BEGIN_FRAME, k + 1, k + 1), cmd(CCMD_DECODE_BITSTREAM, k + 1, k + 1, desc, bits[k], au.length()),
                        cmd(CCMD_END_FRAME, k + 1, k + 1)), false, s);
                s.ioctls++;
                s.frames++;
                if (r != RESP_OK_NODATA) {
                    s.errors++;
                }
            }
            execbuffer(new int[0], true, s); // the round's sync: a fence after the frames
            s.ioctls++;
            rounds++;
        }
        s.endPs = Math.max(cpu.now(), s.startPs + rounds * period);
        s.notifies = drv.notifies() - n0;
        s.interrupts = drv.interrupts() - i0;
        if (error != null) {
            s.errors++;
            s.firstError = error;
        }
        return s;
    }

    /** vaMapBuffer + memcpy: the access unit into the bitstream buffer, 8 bytes at a time. */
    private void copyIn(byte[] b, int off, int len, Session s) throws GuestFault {
        if (len > BITSTREAM_SIZE) {
            throw new IllegalArgumentException("access unit of " + len + " bytes exceeds the " + BITSTREAM_SIZE + "-byte bitstream buffer");
        }
        copyInAt(b, off, len, BITSTREAM, s);
    }

    private void copyInAt(byte[] b, int off, int len, long regionOff, Session s) throws GuestFault {
        long dst = va + regionOff;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            long v = 0;
            for (int k = 7; k >= 0; k--) {
                v = (v << 8) | (b[off + i + k] & 0xFF);
            }
            cpu.write(dst + i, 8, v, 0, "memcpy");
        }
        for (; i < len; i++) {
            cpu.write(dst + i, 1, b[off + i] & 0xFF, 0, "memcpy");
        }
        s.bytesCopied += len;
    }

    /**
     * Encodes {@code frames} frames of {@code width} x {@code height} with the H.264 (or H.265) Main
     * profile from an NV12 source buffer (filled by a capture device, not by the CPU), paced at {@code fps}.
     */
    public Session encode(Codec codec, int handle, int width, int height, int frames, double fps) throws GuestFault {
        error = null;
        Session s = new Session();
        s.codec = codec.label() + " encode";
        s.width = width;
        s.height = height;
        s.profile = "Main";
        s.playFps = fps;
        int profile = codec == Codec.H265 ? PROFILE_HEVC_MAIN : PROFILE_AVC_MAIN;
        if (!supported(profile, ENTRYPOINT_ENCODE)) {
            s.errors++;
            s.firstError = s.codec + " (pipe_video_profile " + profile + ") encode is not in the host's video caps";
            return s;
        }
        int feed = blob(FEEDBACK, 0x1000);
        int desc = blob(DESC, 0x1000);
        long srcSize = align((long) width * height * 3 / 2);
        int src = blob(SURFACES, srcSize);
        int dest = blob(SURFACES + srcSize, align((long) width * height));
        check(execbuffer(cat(cmd(CCMD_CREATE_VIDEO_CODEC, handle, profile, ENTRYPOINT_ENCODE, CHROMA_420, 41, width, height, 1),
                cmd(CCMD_CREATE_VIDEO_BUFFER, handle, FORMAT_NV12, width, height, src)), true, null), "CREATE_VIDEO_CODEC (encode)");
        long period = Math.round(1e12 / fps);
        long n0 = drv.notifies();
        long i0 = drv.interrupts();
        s.startPs = cpu.now();
        for (int f = 0; f < frames; f++) {
            long due = s.startPs + f * period;
            if (cpu.now() < due) {
                cpu.delay(due - cpu.now());
            }
            int r = execbuffer(cat(cmd(CCMD_BEGIN_FRAME, handle, handle), cmd(CCMD_ENCODE_BITSTREAM, handle, handle, dest, desc, feed),
                    cmd(CCMD_END_FRAME, handle, handle)), true, s);
            s.ioctls++;
            long stat = cpu.read(va + FEEDBACK + FEEDBACK_STAT, 1, 0, "virgl_video_get_feedback");
            long coded = cpu.read(va + FEEDBACK + FEEDBACK_CODED_SIZE, 4, 0, "virgl_video_get_feedback");
            if (r != RESP_OK_NODATA || stat != ENCODE_STAT_SUCCESS) {
                s.errors++;
                if (s.firstError == null) {
                    s.firstError = String.format("frame %d: SUBMIT_3D answered 0x%04x, feedback stat %d", f, r, stat);
                }
            }
            s.codedBytes += coded;
            s.frames++;
        }
        s.endPs = Math.max(cpu.now(), s.startPs + frames * period);
        s.notifies = drv.notifies() - n0;
        s.interrupts = drv.interrupts() - i0;
        if (error != null) {
            s.errors++;
            if (s.firstError == null) {
                s.firstError = error;
            }
        }
        return s;
    }

    private static long align(long n) {
        return (n + 0xFFF) & ~0xFFFL;
    }
}
