package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.virtqueue.Chain;

/**
 * The virtio-gpu command layer of QEMU 7.2 (hw/display/virtio-gpu.c) over one popped chain: a
 * flyweight over the request bytes (the readable segments gathered into one reused buffer) and one
 * reused response buffer scattered into the writable segments. Nothing is allocated per command.
 * Facts: docs/facts/virtio-gpu.md §1.5-1.6.
 *
 * <p>Implemented: the 24-byte control header, GET_DISPLAY_INFO (virtio_gpu_get_display_info +
 * virtio_gpu_base_fill_display_info), the FENCE echo of virtio_gpu_ctrl_response, and the cursor
 * queue's "push with length 0" (virtio_gpu_handle_cursor). Every other control command, the 2D and
 * blob commands and GET_EDID included, is answered ERR_UNSPEC (QEMU's answer for a type it does not
 * know, virtio_gpu_simple_process_cmd's default); the 2D and blob commands come next.
 */
final class GpuControl {
    // header, command and response codes and structure offsets: layout.VirtioGpuLayout (docs/facts/virtio-gpu.md §1.5-1.6)

    /** The request bytes kept: the largest fixed 2D/blob request is SET_SCANOUT_BLOB (96); more is not read yet. */
    static final int REQ_MAX = 4096;
    /** The largest response: OK_EDID (1056). */
    static final int RESP_MAX = 2048;

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
    private int reqLen;

    /** Per-type counts: 0x01xx, 0x02xx, 0x03xx with xx below 32 each get a slot, then one for every other type. */
    final long[] counts = new long[3 * 32 + 1];
    /** Requests shorter than the 24-byte header (QEMU: no response, the element is never returned). */
    long shortRequests;
    /** Responses that did not fit the writable segments (QEMU: the part that fits, used.len = what was written). */
    long shortResponses;
    long fencedCommands;

    GpuControl(VirtioGpuConfig cfg, Dma dma) {
        this.cfg = cfg;
        this.dma = dma;
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
     * One control queue chain (virtio_gpu_simple_process_cmd). Returns the used length to push, or
     * -1 when QEMU returns nothing (a request shorter than its header: VIRTIO_GPU_FILL_CMD logs
     * "command size incorrect" and returns before any response; the command stays unfinished).
     */
    int control(Chain c) {
        if (gather(c, REQ_MAX) < HDR_SIZE) {
            shortRequests++;
            return -1;
        }
        int type = req.getInt(HDR_TYPE);
        counts[slot(type)]++;
        if (type == CMD_GET_DISPLAY_INFO) {
            return displayInfo(c);
        }
        return nodata(c, RESP_ERR_UNSPEC);
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

    /** One cursor queue chain (virtio_gpu_handle_cursor): counted, pushed with length 0. */
    int cursor(Chain c) {
        if (gather(c, CURSOR_SIZE) == CURSOR_SIZE) {
            counts[slot(req.getInt(HDR_TYPE))]++;
        } else {
            shortRequests++;
        }
        return 0;
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
        w.putLong(shortRequests).putLong(shortResponses).putLong(fencedCommands);
    }

    void restore(StateReader r) throws InputException {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = r.getLong();
        }
        long sr = r.getLong();
        long sp = r.getLong();
        long f = r.getLong();
        System.arraycopy(c, 0, counts, 0, c.length);
        shortRequests = sr;
        shortResponses = sp;
        fencedCommands = f;
    }
}
