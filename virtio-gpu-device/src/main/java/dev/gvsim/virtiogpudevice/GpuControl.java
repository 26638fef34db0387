package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;

import org.agrona.concurrent.UnsafeBuffer;

import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.layout.VirglVideoLayout;
import dev.gvsim.virtiogpudevice.virtqueue.Chain;

/**
 * The virtio-gpu command layer of QEMU 7.2 (hw/display/virtio-gpu.c) over one popped chain: a
 * flyweight over the request bytes (the readable segments gathered into one reused buffer; the
 * mem_entry list of ATTACH_BACKING / CREATE_BLOB read straight from the segments) and one reused
 * response buffer scattered into the writable segments. Nothing is allocated per command except a
 * resource's own memory at creation and its backing arrays at attach. Facts:
 * docs/facts/virtio-gpu.md §1.5-1.8, §3.1-3.3. The resource table is {@link GpuResources}, the
 * outputs {@link GpuScanouts}; this class is virtio_gpu_simple_process_cmd, the dispatcher.
 *
 * <p>Implemented as QEMU 7.2's 2D device answers: GET_DISPLAY_INFO, GET_EDID ({@link QemuEdid}), RESOURCE_CREATE_2D, UNREF,
 * SET_SCANOUT, RESOURCE_FLUSH, TRANSFER_TO_HOST_2D, ATTACH_BACKING, DETACH_BACKING, and with
 * {@code blob=on} RESOURCE_CREATE_BLOB (BLOB_MEM_GUEST, a view over the guest pages) and
 * SET_SCANOUT_BLOB (ERR_INVALID_PARAMETER with {@code blob=off}); the FENCE echo of
 * virtio_gpu_ctrl_response; the cursor queue's update_cursor (state kept, pushed with length 0).
 * A request shorter than its command's struct gets OK_NODATA and does nothing (VIRTIO_GPU_FILL_CMD
 * returns from the handler with no error set). Answered ERR_UNSPEC as QEMU 7.2's 2D device does
 * (the switch's default): GET_CAPSET_INFO and GET_CAPSET (no virgl, num_capsets 0),
 * RESOURCE_ASSIGN_UUID (VIRTIO_GPU_F_RESOURCE_UUID is not offered: resource UUIDs came to QEMU
 * after 7.2), every 3D command, and
 * RESOURCE_MAP_BLOB / UNMAP_BLOB with {@code virtio_gpu.map_blob=qemu}.
 *
 * <p>Where QEMU 7.2 deviates from VIRTIO 1.2 §5.7.6 (kept, since gvsim models QEMU; {@code virtio_gpu.commands=spec}
 * answers the first, third and fourth as the spec says, {@code virtio_gpu.map_blob=spec} the second):
 * <ul>
 * <li>RESOURCE_CREATE_BLOB refuses a blob_mem other than GUEST only when blob_flags is not exactly
 * USE_SHAREABLE ({@code &&} in virtio_gpu_resource_create_blob); a HOST3D blob with flags
 * USE_SHAREABLE is created over its guest entries like a GUEST one.</li>
 * <li>With the host-visible region ({@code hostmem}) the spec requires MAP_BLOB / UNMAP_BLOB;
 * QEMU's 2D device has no such region in 7.2 and answers ERR_UNSPEC. {@code map_blob=spec} maps a
 * USE_MAPPABLE blob's pages at the offset in BAR4 instead and answers OK_MAP_INFO with
 * MAP_CACHE_CACHED; a second MAP_BLOB of it, an offset not 4 KiB aligned, a range past the region
 * or over another mapping is ERR_INVALID_PARAMETER; UNMAP_BLOB of an unmapped blob too.</li>
 * <li>TRANSFER_TO_HOST_2D with offset 0, x = y = 0 and the full width copies the whole image
 * (stride × image height), whatever the rect's height.</li>
 * <li>SET_SCANOUT needs the resource's backing attached (ERR_UNSPEC otherwise), which the spec does not say.</li>
 * </ul>
 * Where gvsim deviates from QEMU 7.2 (a hostile guest, never a Linux driver): SET_SCANOUT naming a
 * blob resource dereferences QEMU's NULL pixman image (a host crash), here ERR_INVALID_RESOURCE_ID;
 * QEMU's 32-bit framebuffer arithmetic of SET_SCANOUT_BLOB is kept, so a wrapped rect can pass its
 * checks as it does in QEMU, but the scanout then reads 0 outside the blob where QEMU reads outside
 * the mapping; a scanout wider or taller than {@link #MAX_SCANOUT_DIM} is ERR_INVALID_PARAMETER
 * (QEMU: no bound); and {@link GpuResources}' bounds.
 */
final class GpuControl {
    // header, command and response codes and structure offsets: layout.VirtioGpuLayout (docs/facts/virtio-gpu.md §1.5-1.6)

    /** The request bytes kept: the largest fixed request is SET_SCANOUT_BLOB (96); mem_entry lists are read from the chain. */
    static final int REQ_MAX = 4096;
    /** The largest response: OK_EDID (1056). */
    static final int RESP_MAX = 2048;
    /** virtio_gpu_do_set_scanout: "r->width < 16 || r->height < 16" is refused. */
    static final int MIN_SCANOUT_DIM = 16;
    /** gvsim bound on a scanout's width and height (QEMU 7.2: none), as for xres/yres. */
    static final int MAX_SCANOUT_DIM = 16384;

    /** enum virtio_gpu_ctrl_type names by {@link #slot} (docs/facts/virtio-gpu.md §1.6); null where the code is unassigned. */
    private static final String[] NAMES = new String[3 * 32 + 1];

    static {
        String[] twoD = {"GET_DISPLAY_INFO", "RESOURCE_CREATE_2D", "RESOURCE_UNREF", "SET_SCANOUT", "RESOURCE_FLUSH", "TRANSFER_TO_HOST_2D",
            "RESOURCE_ATTACH_BACKING", "RESOURCE_DETACH_BACKING", "GET_CAPSET_INFO", "GET_CAPSET", "GET_EDID", "RESOURCE_ASSIGN_UUID",
            "RESOURCE_CREATE_BLOB", "SET_SCANOUT_BLOB"};
        String[] threeD = {"CTX_CREATE", "CTX_DESTROY", "CTX_ATTACH_RESOURCE", "CTX_DETACH_RESOURCE", "RESOURCE_CREATE_3D",
            "TRANSFER_TO_HOST_3D", "TRANSFER_FROM_HOST_3D", "SUBMIT_3D", "RESOURCE_MAP_BLOB", "RESOURCE_UNMAP_BLOB"};
        System.arraycopy(twoD, 0, NAMES, 0, twoD.length);
        System.arraycopy(threeD, 0, NAMES, 32, threeD.length);
        NAMES[64] = "UPDATE_CURSOR";
        NAMES[65] = "MOVE_CURSOR";
        NAMES[96] = "other";
    }

    private final VirtioGpuConfig cfg;
    private final Dma dma;
    private final UnsafeBuffer req = new UnsafeBuffer(new byte[REQ_MAX]);
    private final UnsafeBuffer resp = new UnsafeBuffer(new byte[RESP_MAX]);
    private final UnsafeBuffer entry = new UnsafeBuffer(new byte[MEM_ENTRY_SIZE]);
    private int reqLen;
    final GpuResources resources;
    final GpuScanouts scanouts;
    /** virtio_gpu.map_blob=spec: MAP_BLOB / UNMAP_BLOB per VIRTIO 1.2 over the hostmem region. */
    private final boolean specMapBlob;
    /** video=on: the context commands and SUBMIT_3D carry the video protocol ({@link GpuVideo}); null when off. */
    GpuVideo video;
    /** virtio_gpu.commands=spec: the three command quirks below answered as VIRTIO 1.2 says instead. */
    boolean specCommands;

    /** Per-type counts: 0x01xx, 0x02xx, 0x03xx with xx below 32 each get a slot, then one for every other type. */
    final long[] counts = new long[3 * 32 + 1];
    /** Requests shorter than the 24-byte header (QEMU: no response, the element is never returned). */
    long shortRequests;
    /** Responses that did not fit the writable segments (QEMU: the part that fits, used.len = what was written). */
    long shortResponses;
    long fencedCommands;
    /** Requests shorter than their command's struct (QEMU: "command size incorrect", then OK_NODATA). */
    long truncatedRequests;
    /** Commands answered with an error response. */
    long errors;
    /** Bytes copied guest → host image by TRANSFER_TO_HOST_2D, in all and by the last command. */
    long bytesCopied;
    long lastBytes;
    /** Backing entries mapped by the last command (ATTACH_BACKING, CREATE_BLOB). */
    long lastEntries;
    private final DisplayListener display;
    private final Clock clock;
    private final LongUnaryOperator copyPs;
    /** When the host display side let the device's thread go after the last command's copy (0: not held). */
    private long hostDoneAt;

    GpuControl(VirtioGpuConfig cfg, Dma dma) {
        this(cfg, dma, false);
    }

    GpuControl(VirtioGpuConfig cfg, Dma dma, boolean specMapBlob) {
        this(cfg, dma, specMapBlob, DisplayListener.NONE, () -> 0L, bytes -> 0L);
    }

    /**
     * @param display where the outputs' surfaces, dirty rects and copies are reported, at {@code clock}'s time
     * @param copyPs the simulated time a copy of so many bytes takes (the device's cost model)
     */
    GpuControl(VirtioGpuConfig cfg, Dma dma, boolean specMapBlob, DisplayListener display, Clock clock, LongUnaryOperator copyPs) {
        this.cfg = cfg;
        this.display = display;
        this.clock = clock;
        this.copyPs = copyPs;
        this.dma = dma;
        this.specMapBlob = specMapBlob;
        this.resources = new GpuResources(dma, cfg.maxHostmem());
        this.scanouts = new GpuScanouts(cfg.maxOutputs(), resources, display, clock);
    }

    static int slot(int type) {
        int hi = type >>> 8;
        int lo = type & 0xFF;
        return hi >= 1 && hi <= 3 && lo < 32 ? (hi - 1) * 32 + lo : 3 * 32;
    }

    /** Gathers up to {@code max} readable bytes of {@code c} into the request buffer (QEMU iov_to_buf). */
    private int gather(Chain c, int max) {
        int n = 0;
        for (int i = 0; i < c.readableSegments() && n < max; i++) {
            int len = (int) Math.min(c.length(i), max - n);
            dma.read(c.address(i), req, n, len);
            n += len;
        }
        reqLen = n;
        return n;
    }

    /** Scatters the first {@code len} response bytes into the writable segments (QEMU iov_from_buf); returns bytes written. */
    private int scatter(Chain c, int len) {
        int n = 0;
        for (int i = c.readableSegments(); i < c.segments() && n < len; i++) {
            int l = (int) Math.min(c.length(i), len - n);
            dma.write(c.address(i), resp, n, l);
            n += l;
        }
        return n;
    }

    /**
     * virtio_gpu_create_mapping_iov's first half: {@code n} mem_entries read from byte {@code off} of
     * the request into the resource table's scratch arrays and checked; false on its failures ("nr_entries
     * is too big", "command data size incorrect", "failed to map MMIO memory for element").
     */
    private boolean readEntries(Chain c, int off, int n) {
        if (Integer.compareUnsigned(n, GpuResources.MAX_MEM_ENTRIES) > 0) {
            return false;
        }
        if (c.readableBytes() < off + (long) MEM_ENTRY_SIZE * n) {
            return false;
        }
        lastEntries = n;
        // one walk over the readable segments from byte off (QEMU iov_to_buf at an offset); an entry may straddle two
        int seg = 0;
        long in = off;
        while (seg < c.readableSegments() && in >= c.length(seg)) {
            in -= c.length(seg);
            seg++;
        }
        for (int e = 0; e < n; e++) {
            int got = 0;
            while (got < MEM_ENTRY_SIZE) {
                long l = c.length(seg);
                int k = (int) Math.min(l - in, MEM_ENTRY_SIZE - got);
                if (k > 0) {
                    dma.read(c.address(seg) + in, entry, got, k);
                }
                got += k;
                in += k;
                if (in >= l) {
                    seg++;
                    in = 0;
                }
            }
            resources.scratchAddr[e] = entry.getLong(MEM_ENTRY_ADDR);
            resources.scratchLen[e] = entry.getInt(MEM_ENTRY_LENGTH);
        }
        return resources.checkEntries(n);
    }

    /**
     * One control queue chain (virtio_gpu_simple_process_cmd). Returns the used length to push, or
     * -1 when QEMU returns nothing (a request shorter than its header: VIRTIO_GPU_FILL_CMD logs
     * "command size incorrect" and returns before any response; the command stays unfinished).
     * {@link #lastBytes} tells the bytes the command copied.
     */
    int control(Chain c) {
        lastBytes = 0;
        lastEntries = 0;
        hostDoneAt = 0;
        scanouts.hostDoneAt = 0;
        if (gather(c, REQ_MAX) < HDR_SIZE) {
            shortRequests++;
            return -1;
        }
        int type = req.getInt(HDR_TYPE);
        counts[slot(type)]++;
        if (type == CMD_GET_DISPLAY_INFO) {
            return displayInfo(c);
        }
        if (type == CMD_GET_EDID) {
            return edid(c);
        }
        if (type == CMD_RESOURCE_MAP_BLOB && specMapBlob) {
            return mapBlob(c);
        }
        if (video != null && (type == CMD_GET_CAPSET_INFO || type == CMD_GET_CAPSET)) {
            return capset(c, type);
        }
        int err = switch (type) {
            case CMD_RESOURCE_CREATE_2D -> filled(CREATE_2D_SIZE) ? resources.create2d(req.getInt(CREATE_2D_RESOURCE_ID),
                    req.getInt(CREATE_2D_FORMAT), req.getInt(CREATE_2D_WIDTH), req.getInt(CREATE_2D_HEIGHT)) : 0;
            case CMD_RESOURCE_CREATE_BLOB -> !cfg.blob() ? RESP_ERR_INVALID_PARAMETER : filled(BLOB_SIZE) ? createBlob(c) : 0;
            case CMD_RESOURCE_UNREF -> filled(RES_SIZE) ? unref(req.getInt(RES_RESOURCE_ID)) : 0;
            case CMD_RESOURCE_FLUSH -> filled(FLUSH_SIZE) ? flush() : 0;
            case CMD_TRANSFER_TO_HOST_2D -> filled(XFER_2D_SIZE) ? transfer() : 0;
            case CMD_SET_SCANOUT -> filled(SET_SCANOUT_SIZE) ? setScanout() : 0;
            case CMD_SET_SCANOUT_BLOB -> !cfg.blob() ? RESP_ERR_INVALID_PARAMETER : filled(SCANOUT_BLOB_SIZE) ? setScanoutBlob() : 0;
            case CMD_RESOURCE_ATTACH_BACKING -> filled(ATTACH_SIZE) ? attach(c) : 0;
            case CMD_RESOURCE_DETACH_BACKING -> filled(RES_SIZE) ? detach() : 0;
            case CMD_RESOURCE_UNMAP_BLOB -> !specMapBlob ? RESP_ERR_UNSPEC : filled(RES_SIZE) ? unmapBlob() : 0;
            case CMD_CTX_CREATE, CMD_CTX_DESTROY, CMD_CTX_ATTACH_RESOURCE, CMD_CTX_DETACH_RESOURCE, CMD_SUBMIT_3D -> video == null ? RESP_ERR_UNSPEC
                    : videoCommand(type, c);
            default -> RESP_ERR_UNSPEC; // GET_CAPSET_INFO, GET_CAPSET, RESOURCE_ASSIGN_UUID, 3D, MAP/UNMAP_BLOB (qemu), unknown
        };
        if (err != 0) {
            errors++;
        }
        return nodata(c, err != 0 ? err : RESP_OK_NODATA);
    }

    /** video=on: the context commands (virtio-gpu-virgl.c virgl_cmd_*) handed to {@link GpuVideo}; a fenced SUBMIT_3D waits for the engine. */
    private int videoCommand(int type, Chain c) {
        int ctx = req.getInt(HDR_CTX_ID);
        return switch (type) {
            case CMD_CTX_CREATE -> filled(dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.CTX_CREATE_SIZE)
                    ? video.ctxCreate(ctx, req.getInt(dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.CTX_CREATE_CONTEXT_INIT)) : 0;
            case CMD_CTX_DESTROY -> video.ctxDestroy(ctx);
            case CMD_CTX_ATTACH_RESOURCE, CMD_CTX_DETACH_RESOURCE -> filled(dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.CTX_RESOURCE_SIZE)
                    ? video.ctxResource(ctx, req.getInt(dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.CTX_RESOURCE_ID), type == CMD_CTX_ATTACH_RESOURCE) : 0;
            default -> {
                if (!filled(dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.SUBMIT_SIZE)) {
                    yield 0;
                }
                int e = video.submit(ctx, req.getInt(dev.gvsim.virtiogpudevice.layout.VirglVideoLayout.SUBMIT_SIZE_FIELD), c);
                if ((req.getInt(HDR_FLAGS) & FLAG_FENCE) != 0) {
                    hostDoneAt = Math.max(hostDoneAt, video.doneAt(ctx)); // the fence retires when the engine is done
                }
                yield e;
            }
        };
    }

    /**
     * video=on: QEMU's virgl_cmd_get_capset_info (index 0 VIRGL, 1 VIRGL2, others zero) and
     * virgl_cmd_get_capset (an unknown capset is ERR_INVALID_PARAMETER), the caps from {@link GpuVideo#fillCaps}.
     */
    private int capset(Chain c, int type) {
        if (type == CMD_GET_CAPSET_INFO) {
            if (!filled(CAPSET_INFO_SIZE)) {
                return nodata(c, RESP_OK_NODATA);
            }
            int idx = req.getInt(CAPSET_INFO_INDEX);
            header(RESP_OK_CAPSET_INFO, RESP_CAPSET_INFO_SIZE);
            if (idx == 0 || idx == 1) {
                resp.putInt(RESP_CAPSET_INFO_ID, idx == 0 ? VirglVideoLayout.CAPSET_VIRGL : VirglVideoLayout.CAPSET_VIRGL2);
                resp.putInt(RESP_CAPSET_INFO_MAX_VERSION, idx == 0 ? VirglVideoLayout.CAPS_V1_MAX_VERSION : VirglVideoLayout.CAPS_V2_MAX_VERSION);
                resp.putInt(RESP_CAPSET_INFO_MAX_SIZE, idx == 0 ? VirglVideoLayout.CAPS_V1_SIZE : VirglVideoLayout.CAPS_V2_SIZE);
            }
            return respond(c, RESP_CAPSET_INFO_SIZE);
        }
        if (!filled(CAPSET_SIZE)) {
            return nodata(c, RESP_OK_NODATA);
        }
        int id = req.getInt(CAPSET_ID);
        int size = id == VirglVideoLayout.CAPSET_VIRGL ? VirglVideoLayout.CAPS_V1_SIZE : id == VirglVideoLayout.CAPSET_VIRGL2 ? VirglVideoLayout.CAPS_V2_SIZE : 0;
        if (size == 0) {
            errors++;
            return nodata(c, RESP_ERR_INVALID_PARAMETER);
        }
        header(RESP_OK_CAPSET, HDR_SIZE + size);
        video.fillCaps(resp, HDR_SIZE, id);
        return respond(c, HDR_SIZE + size);
    }

    /** VIRTIO_GPU_FILL_CMD: false (counted) if the request is shorter than the command's struct. */
    private boolean filled(int size) {
        if (reqLen < size) {
            truncatedRequests++;
            return false;
        }
        return true;
    }

    private static long u32(int v) {
        return v & 0xFFFF_FFFFL;
    }

    /** virtio_gpu_find_check_resource(require_backing = true): 0 or the error. */
    private int checkBacked(GpuResources.Resource r) {
        if (r == null) {
            return RESP_ERR_INVALID_RESOURCE_ID; // "invalid resource specified"
        }
        return GpuResources.hasBacking(r) ? 0 : RESP_ERR_UNSPEC; // "no backing storage"
    }

    /** Bounds of a rect against a w × h resource, QEMU's six comparisons in uint32. */
    private static boolean outside(long x, long y, long w, long h, long rw, long rh) {
        return x > rw || y > rh || w > rw || h > rh || ((x + w) & 0xFFFF_FFFFL) > rw || ((y + h) & 0xFFFF_FFFFL) > rh;
    }

    /** virtio_gpu_resource_create_blob. */
    private int createBlob(Chain c) {
        int id = req.getInt(BLOB_RESOURCE_ID);
        int mem = req.getInt(BLOB_MEM);
        int flags = req.getInt(BLOB_FLAGS);
        if (id == 0) {
            return RESP_ERR_INVALID_RESOURCE_ID;
        }
        if (mem != BLOB_MEM_GUEST && (specCommands || flags != BLOB_FLAG_USE_SHAREABLE)) {
            return RESP_ERR_INVALID_PARAMETER; // "invalid memory type" (QEMU 7.2's && kept)
        }
        if (resources.find(id) != null) {
            return RESP_ERR_INVALID_RESOURCE_ID;
        }
        int n = req.getInt(BLOB_NR_ENTRIES);
        if (!readEntries(c, BLOB_SIZE, n)) {
            return RESP_ERR_UNSPEC;
        }
        return resources.createBlob(id, mem, flags, req.getLong(BLOB_SIZE_FIELD), n);
    }

    /** virtio_gpu_resource_unref → virtio_gpu_resource_destroy: scanouts showing it are disabled, the backing goes. */
    private int unref(int id) {
        GpuResources.Resource r = resources.find(id);
        if (r == null) {
            return RESP_ERR_INVALID_RESOURCE_ID;
        }
        for (int i = 0; i < scanouts.outs.length; i++) {
            if ((r.scanoutMask & (1 << i)) != 0) {
                scanouts.disable(i);
            }
        }
        resources.cleanupMapping(r);
        resources.destroy(id);
        return 0;
    }

    /** virtio_gpu_resource_attach_backing. */
    private int attach(Chain c) {
        GpuResources.Resource r = resources.find(req.getInt(ATTACH_RESOURCE_ID));
        if (r == null) {
            return RESP_ERR_INVALID_RESOURCE_ID;
        }
        if (r.backed) {
            return RESP_ERR_UNSPEC;
        }
        int n = req.getInt(ATTACH_NR_ENTRIES);
        if (!readEntries(c, ATTACH_SIZE, n)) {
            return RESP_ERR_UNSPEC;
        }
        resources.setBacking(r, n);
        return 0;
    }

    /** virtio_gpu_resource_detach_backing. */
    private int detach() {
        GpuResources.Resource r = resources.find(req.getInt(RES_RESOURCE_ID));
        int e = checkBacked(r);
        if (e == 0) {
            resources.cleanupMapping(r);
        }
        return e;
    }

    /** virtio_gpu_transfer_to_host_2d. */
    private int transfer() {
        GpuResources.Resource r = resources.find(req.getInt(XFER_2D_RESOURCE_ID));
        int e = checkBacked(r);
        if (e != 0 || r.blob) {
            return e; // a blob: nothing to copy, the view is the guest pages
        }
        int x = req.getInt(XFER_2D_RECT + RECT_X);
        int y = req.getInt(XFER_2D_RECT + RECT_Y);
        int w = req.getInt(XFER_2D_RECT + RECT_WIDTH);
        int h = req.getInt(XFER_2D_RECT + RECT_HEIGHT);
        if (outside(u32(x), u32(y), u32(w), u32(h), u32(r.width), u32(r.height))) {
            return RESP_ERR_INVALID_PARAMETER; // "transfer bounds outside resource bounds"
        }
        if (resources.zeroCopy2d) {
            return 0; // virtio_gpu.transfer=zero-copy: the host shows the backing pages, nothing to copy
        }
        lastBytes = resources.transfer(r, x, y, w, h, req.getLong(XFER_2D_OFFSET), specCommands); // spec: the rect's rows only
        bytesCopied += lastBytes;
        if (lastBytes != 0) {
            hostDoneAt = display.copied(lastBytes, copyPs.applyAsLong(lastBytes), clock.now());
        }
        return 0;
    }

    /** virtio_gpu_resource_flush: damage recorded per scanout for the display model. */
    private int flush() {
        GpuResources.Resource r = resources.find(req.getInt(FLUSH_RESOURCE_ID));
        if (r == null) {
            return RESP_ERR_INVALID_RESOURCE_ID;
        }
        long x = u32(req.getInt(FLUSH_RECT + RECT_X));
        long y = u32(req.getInt(FLUSH_RECT + RECT_Y));
        long w = u32(req.getInt(FLUSH_RECT + RECT_WIDTH));
        long h = u32(req.getInt(FLUSH_RECT + RECT_HEIGHT));
        if (r.blobMapped) {
            scanouts.flushBlob(r, x, y, w, h);
            return 0;
        }
        if (outside(x, y, w, h, u32(r.width), u32(r.height))) {
            return RESP_ERR_INVALID_PARAMETER; // "flush bounds outside resource bounds"
        }
        scanouts.flush2d(r, x, y, w, h);
        return 0;
    }

    /** virtio_gpu_set_scanout. */
    private int setScanout() {
        int sid = req.getInt(SET_SCANOUT_SCANOUT_ID);
        if (Integer.compareUnsigned(sid, cfg.maxOutputs()) >= 0) {
            return RESP_ERR_INVALID_SCANOUT_ID;
        }
        int id = req.getInt(SET_SCANOUT_RESOURCE_ID);
        if (id == 0) {
            scanouts.disable(sid);
            return 0;
        }
        GpuResources.Resource r = resources.find(id);
        int e = checkBacked(r);
        if (e != 0 && !(specCommands && r != null)) {
            return e; // spec: a resource without backing may be shown (its image, all zero until a transfer)
        }
        if (r.blob) {
            return RESP_ERR_INVALID_RESOURCE_ID; // QEMU 7.2 reads the NULL image's format here (gvsim deviation)
        }
        int x = req.getInt(SET_SCANOUT_RECT + RECT_X);
        int y = req.getInt(SET_SCANOUT_RECT + RECT_Y);
        int stride = r.stride();
        long offset = u32(x * BYTES_PER_PIXEL + y * stride);
        return doSetScanout(sid, r, SET_SCANOUT_RECT, u32(r.width), u32(r.height), r.format, stride, offset);
    }

    /** virtio_gpu_set_scanout_blob. */
    private int setScanoutBlob() {
        int sid = req.getInt(SCANOUT_BLOB_SCANOUT_ID);
        if (Integer.compareUnsigned(sid, cfg.maxOutputs()) >= 0) {
            return RESP_ERR_INVALID_SCANOUT_ID;
        }
        int id = req.getInt(SCANOUT_BLOB_RESOURCE_ID);
        if (id == 0) {
            scanouts.disable(sid);
            return 0;
        }
        GpuResources.Resource r = resources.find(id);
        int e = checkBacked(r);
        if (e != 0) {
            return e;
        }
        int format = req.getInt(SCANOUT_BLOB_FORMAT);
        if (!GpuResources.formatSupported(format)) {
            return RESP_ERR_INVALID_PARAMETER; // "host couldn't handle guest format"
        }
        int stride = req.getInt(SCANOUT_BLOB_STRIDES);
        int x = req.getInt(SCANOUT_BLOB_RECT + RECT_X);
        int y = req.getInt(SCANOUT_BLOB_RECT + RECT_Y);
        int w = req.getInt(SCANOUT_BLOB_RECT + RECT_WIDTH);
        int h = req.getInt(SCANOUT_BLOB_RECT + RECT_HEIGHT);
        // fb.offset and the terms of fbend are uint32 in QEMU; fbend itself is uint64
        long offset = u32(req.getInt(SCANOUT_BLOB_OFFSETS) + x * BYTES_PER_PIXEL + y * stride);
        long fbend = offset + u32(stride * (h - 1)) + u32(BYTES_PER_PIXEL * w);
        if (Long.compareUnsigned(fbend, r.blobSize) > 0) {
            return RESP_ERR_INVALID_PARAMETER; // "fb end out of range"
        }
        return doSetScanout(sid, r, SCANOUT_BLOB_RECT, u32(req.getInt(SCANOUT_BLOB_WIDTH)), u32(req.getInt(SCANOUT_BLOB_HEIGHT)), format,
                stride, offset);
    }

    /** virtio_gpu_do_set_scanout: the rect at {@code rect} checked against the fb_w × fb_h framebuffer, then the scanout set. */
    private int doSetScanout(int sid, GpuResources.Resource r, int rect, long fbw, long fbh, int format, int stride, long offset) {
        long x = u32(req.getInt(rect + RECT_X));
        long y = u32(req.getInt(rect + RECT_Y));
        long w = u32(req.getInt(rect + RECT_WIDTH));
        long h = u32(req.getInt(rect + RECT_HEIGHT));
        if (w < MIN_SCANOUT_DIM || h < MIN_SCANOUT_DIM || outside(x, y, w, h, fbw, fbh)) {
            return RESP_ERR_INVALID_PARAMETER; // "illegal scanout %d bounds for resource %d"
        }
        if (w > MAX_SCANOUT_DIM || h > MAX_SCANOUT_DIM) {
            return RESP_ERR_INVALID_PARAMETER; // gvsim bound
        }
        scanouts.set(sid, r, (int) x, (int) y, (int) w, (int) h, format, stride, offset);
        return 0;
    }

    /** map_blob=spec: VIRTIO 1.2 §5.7.6.8 RESOURCE_MAP_BLOB into the host-visible region (BAR4). */
    private int mapBlob(Chain c) {
        if (!filled(MAP_BLOB_SIZE)) {
            return nodata(c, RESP_OK_NODATA);
        }
        GpuResources.Resource r = resources.find(req.getInt(MAP_BLOB_RESOURCE_ID));
        long off = req.getLong(MAP_BLOB_OFFSET);
        int err = 0;
        if (cfg.hostmem() == 0) {
            err = RESP_ERR_UNSPEC; // no host-visible region
        } else if (r == null) {
            err = RESP_ERR_INVALID_RESOURCE_ID;
        } else if (!r.blob || !r.blobMapped || (r.blobFlags & BLOB_FLAG_USE_MAPPABLE) == 0 || r.mapOffset >= 0 || off < 0
                || (off & (GpuResources.HOST_PAGE - 1)) != 0 || r.blobSize <= 0 || r.blobSize > cfg.hostmem() || off > cfg.hostmem() - r.blobSize
                || resources.mappedOverlaps(off, r.blobSize)) {
            err = RESP_ERR_INVALID_PARAMETER;
        }
        if (err != 0) {
            errors++;
            return nodata(c, err);
        }
        r.mapOffset = off;
        header(RESP_OK_MAP_INFO, RESP_MAP_INFO_SIZE);
        resp.putInt(RESP_MAP_INFO, MAP_CACHE_CACHED);
        return respond(c, RESP_MAP_INFO_SIZE);
    }

    /** map_blob=spec: RESOURCE_UNMAP_BLOB. */
    private int unmapBlob() {
        GpuResources.Resource r = resources.find(req.getInt(RES_RESOURCE_ID));
        if (cfg.hostmem() == 0) {
            return RESP_ERR_UNSPEC;
        }
        if (r == null) {
            return RESP_ERR_INVALID_RESOURCE_ID;
        }
        if (r.mapOffset < 0) {
            return RESP_ERR_INVALID_PARAMETER;
        }
        r.mapOffset = -1;
        return 0;
    }

    /** virtio_gpu_reset: every resource destroyed, every scanout off (virtio_gpu_base_reset). */
    void reset() {
        scanouts.reset();
        resources.clear();
        if (video != null) {
            video.reset();
        }
    }

    /** virtio_gpu_get_display_info: OK_DISPLAY_INFO, the enabled outputs (only scanout 0 at realize: xres × yres) filled. */
    private int displayInfo(Chain c) {
        header(RESP_OK_DISPLAY_INFO, RESP_DISPLAY_INFO_SIZE);
        // virtio_gpu_base_device_realize: enabled_output_bitmask = 1, req_state[0] = xres × yres
        int p = HDR_SIZE; // pmodes[0]: rect {x, y, width, height}, enabled, flags
        resp.putInt(p + 8, cfg.xres());
        resp.putInt(p + 12, cfg.yres());
        resp.putInt(p + 16, 1);
        return respond(c, RESP_DISPLAY_INFO_SIZE);
    }

    /**
     * virtio_gpu_get_edid (QEMU 7.2 hw/display/virtio-gpu.c; dispatched whether or not the driver
     * accepted VIRTIO_GPU_F_EDID): a short request is "command size incorrect" → OK_NODATA; a
     * scanout at or above max_outputs → ERR_INVALID_PARAMETER; else OK_EDID with size 1024 and the
     * blob virtio_gpu_generate_edid makes from req_state[scanout] (scanout 0: xres × yres; the others
     * 0 × 0 until a UI sizes them, which the generator turns into 1280 × 800).
     */
    private int edid(Chain c) {
        if (!filled(EDID_REQ_SIZE)) {
            return nodata(c, RESP_OK_NODATA);
        }
        long scanout = req.getInt(EDID_SCANOUT) & 0xFFFF_FFFFL;
        if (scanout >= cfg.maxOutputs()) {
            errors++;
            return nodata(c, RESP_ERR_INVALID_PARAMETER);
        }
        header(RESP_OK_EDID, RESP_EDID_SIZE);
        resp.putInt(RESP_EDID_SIZE_FIELD, EDID_MAX);
        boolean first = scanout == 0;
        QemuEdid.generate(resp.byteArray(), RESP_EDID_DATA, EDID_MAX, first ? cfg.xres() : 0, first ? cfg.yres() : 0, 0, 0, 0, 0, 0);
        return respond(c, RESP_EDID_SIZE);
    }

    /** virtio_gpu_ctrl_response_nodata. */
    private int nodata(Chain c, int type) {
        header(type, HDR_SIZE);
        return respond(c, HDR_SIZE);
    }

    /** Zeroes {@code len} response bytes and writes the type. */
    private void header(int type, int len) {
        resp.setMemory(0, len, (byte) 0);
        resp.putInt(HDR_TYPE, type);
    }

    /**
     * virtio_gpu_ctrl_response: with FLAG_FENCE in the request, the response gets FLAG_FENCE, the
     * fence_id and the ctx_id (QEMU 7.2 copies no ring_idx); the bytes that fit are written and their
     * count is the used length.
     */
    private int respond(Chain c, int len) {
        if ((req.getInt(HDR_FLAGS) & FLAG_FENCE) != 0) {
            fencedCommands++;
            resp.putInt(HDR_FLAGS, resp.getInt(HDR_FLAGS) | FLAG_FENCE);
            resp.putLong(HDR_FENCE_ID, req.getLong(HDR_FENCE_ID));
            resp.putInt(HDR_CTX_ID, req.getInt(HDR_CTX_ID));
        }
        int s = scatter(c, len);
        if (s != len) {
            shortResponses++; // "response size incorrect %zu vs %zu"
        }
        return s;
    }

    /**
     * One cursor queue chain (virtio_gpu_handle_cursor): a full struct virtio_gpu_update_cursor goes
     * to update_cursor (MOVE_CURSOR moves, any other type updates), a short one is logged; pushed with length 0.
     */
    int cursor(Chain c) {
        lastBytes = 0;
        lastEntries = 0;
        if (gather(c, CURSOR_SIZE) == CURSOR_SIZE) {
            int type = req.getInt(HDR_TYPE);
            counts[slot(type)]++;
            scanouts.cursor(type == CMD_MOVE_CURSOR, req.getInt(CURSOR_SCANOUT_ID), req.getInt(CURSOR_X), req.getInt(CURSOR_Y),
                    req.getInt(CURSOR_RESOURCE_ID), req.getInt(CURSOR_HOT_X), req.getInt(CURSOR_HOT_Y));
        } else {
            shortRequests++;
        }
        return 0;
    }

    /** The time the host display side held the device's thread until for the last command (0 if it did not). */
    long hostDoneAt() {
        return Math.max(hostDoneAt, scanouts.hostDoneAt);
    }

    int requestLength() {
        return reqLen;
    }

    Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                m.put(NAMES[i] != null ? NAMES[i] : String.format("0x%04x", ((i / 32) + 1) << 8 | (i % 32)), counts[i]);
            }
        }
        return m;
    }

    void save(StateWriter w) {
        for (long n : counts) {
            w.putLong(n);
        }
        w.putLong(shortRequests).putLong(shortResponses).putLong(fencedCommands).putLong(truncatedRequests).putLong(errors)
                .putLong(bytesCopied);
        resources.save(w);
        scanouts.save(w);
        if (video != null) {
            video.save(w);
        }
    }

    void restore(StateReader r) throws InputException {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = r.getLong();
        }
        long sr = r.getLong();
        long sp = r.getLong();
        long f = r.getLong();
        long t = r.getLong();
        long e = r.getLong();
        long b = r.getLong();
        resources.restore(r);
        scanouts.restore(r);
        if (video != null) {
            video.restore(r);
        }
        for (int i = 0; i < scanouts.outs.length; i++) {
            int id = scanouts.outs[i].resourceId;
            GpuResources.Resource res = id == 0 ? null : resources.find(id);
            if (id != 0 && (res == null || (res.scanoutMask & (1 << i)) == 0)) {
                // virtio_gpu_load: a scanout naming a resource that is not there is -EINVAL
                throw new InputException("checkpoint virtio-gpu: scanout " + i + " shows resource " + id + ", which is not in the table");
            }
        }
        System.arraycopy(c, 0, counts, 0, c.length);
        truncatedRequests = t;
        errors = e;
        bytesCopied = b;
        shortRequests = sr;
        shortResponses = sp;
        fencedCommands = f;
    }
}
