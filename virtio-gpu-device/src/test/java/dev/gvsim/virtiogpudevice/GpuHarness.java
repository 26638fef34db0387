package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.VirtioPciCommonConfig.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.Map;

import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.virtiogpudevice.virtqueue.GuestPackedRing;
import dev.gvsim.virtiogpudevice.virtqueue.GuestRing;

/**
 * A guest driving the control queue one command at a time, for the command tests: the device
 * probed as Linux does ({@link ControlQueueTest#probe}), requests written at {@link #REQ}
 * (descriptor 0, readable) with the response at {@link #RESP} (descriptor 1, writable), run to
 * completion on the kernel. Pixel memory for backing pages starts at {@link #PAGES}. With
 * {@link #packed()} the driver accepts VIRTIO_F_RING_PACKED (the device needs {@code packed=on}) and
 * sends the same chains over a {@link GuestPackedRing} at the same queue addresses.
 */
final class GpuHarness {
    static final long REQ = GuestRing.BUFFERS;
    static final long RESP = GuestRing.BUFFERS + 0x8_0000;
    static final long PAGES = GuestRing.BASE + 0x40_0000;

    final EventKernel kernel;
    final IrqLine irq = new IrqLine("gpu.intx");
    final Access a = new Access();
    final GuestRing ring;
    final VirtioGpuPciDevice d;
    private final byte[] buf = new byte[1 << 20];
    private int n;
    /** The used length of the last response. */
    int usedLen;
    /** The packed ring the driver uses, or null for the split ring. */
    GuestPackedRing packedRing;
    private int nextId;
    /**
     * Ask for an interrupt for every response as Linux's virtqueue_enable_cb_prepare does with
     * EVENT_IDX: used_event = the used index (split), or off_wrap = the next used entry and its lap
     * with flags DESC (packed).
     */
    boolean eventEachCommand;

    GpuHarness() {
        this(Map.of(), Map.of());
    }

    GpuHarness(Map<String, String> props, Map<String, String> params) {
        this(props, params, new EventKernel(), new GuestRing(64));
    }

    GpuHarness(Map<String, String> props, Map<String, String> params, EventKernel kernel, GuestRing ring) {
        this(props, params, kernel, ring, DisplayListener.NONE);
    }

    GpuHarness(Map<String, String> props, Map<String, String> params, EventKernel kernel, GuestRing ring, DisplayListener display) {
        this.kernel = kernel;
        this.ring = ring;
        Params p = new Params();
        p.declareAll(VirtioGpuPciDevice.PARAMS);
        params.forEach(p::set);
        d = new VirtioGpuPciDevice(VirtioGpuConfig.fromProps(props), kernel.scheduler("gpu"), irq, p, ring.dma, display);
        d.build(false);
    }

    long rd(int off, int size) {
        a.read(off, size);
        d.barAccess(d.bar(d.modernBar), off, a);
        return a.data;
    }

    void wr(int off, int size, long v) {
        a.write(off, size, v);
        d.barAccess(d.bar(d.modernBar), off, a);
    }

    /** The driver will accept VIRTIO_F_RING_PACKED and drive a packed controlq (call before {@link #probe()}). */
    GpuHarness packed() {
        packedRing = new GuestPackedRing(ring);
        return this;
    }

    GpuHarness probe() {
        d.configWrite(0x04, 2, 0x6);
        wr(COMMON_STATUS, 1, 1);
        wr(COMMON_STATUS, 1, 3);
        wr(COMMON_GFSELECT, 4, 0);
        wr(COMMON_GF, 4, rd(COMMON_DF, 4));
        wr(COMMON_GFSELECT, 4, 1);
        wr(COMMON_GF, 4, packedRing != null ? 0x1 | 1 << (F_RING_PACKED - 32) : 0x1);
        wr(COMMON_STATUS, 1, 0xb);
        wr(COMMON_Q_SELECT, 2, 0);
        wr(COMMON_Q_DESCLO, 4, ring.desc);
        wr(COMMON_Q_AVAILLO, 4, ring.avail);
        wr(COMMON_Q_USEDLO, 4, ring.used);
        wr(COMMON_Q_ENABLE, 2, 1);
        wr(COMMON_STATUS, 1, 0xf);
        return this;
    }

    /** Starts a request of {@code type} (header with no flags). */
    GpuHarness req(int type) {
        n = 0;
        i32(type).i32(0).i64(0).i32(0).i32(0);
        return this;
    }

    /** Starts a request of {@code type} with header flags and a context id. */
    GpuHarness req(int type, int flags, int ctx) {
        n = 0;
        i32(type).i32(flags).i64(flags != 0 ? 77 : 0).i32(ctx).i32(0);
        return this;
    }

    /** Guest RAM bytes. */
    void pokeBytes(long pa, byte[] b, int off, int len) {
        for (int k = 0; k < len; k++) {
            ring.w(pa + k, 1, b[off + k] & 0xFF);
        }
    }

    GpuHarness i32(long v) {
        for (int k = 0; k < 4; k++) {
            buf[n++] = (byte) (v >>> 8 * k);
        }
        return this;
    }

    GpuHarness i64(long v) {
        return i32(v).i32(v >>> 32);
    }

    /** A rect {x, y, width, height}. */
    GpuHarness rect(int x, int y, int w, int h) {
        return i32(x).i32(y).i32(w).i32(h);
    }

    /** Writes the request, offers it, notifies and runs the kernel until idle; returns the response type. */
    int send() {
        return send(RESP_MAX_LEN);
    }

    static final int RESP_MAX_LEN = 1056;

    int send(int respLen) {
        for (int k = 0; k < n; k++) {
            ring.w(REQ + k, 1, buf[k]);
        }
        for (int k = 0; k < 64; k++) {
            ring.w(RESP + 8L * k, 8, 0xDEAD_BEEF_DEAD_BEEFL);
        }
        if (packedRing != null) {
            int id = nextId;
            nextId = (nextId + 1) % ring.size;
            packedRing.add(id, REQ, n, RESP, respLen);
            if (eventEachCommand) {
                packedRing.setDriverEvent(RING_EVENT_FLAGS_DESC, packedRing.nextUsed() | (packedRing.usedWrapCounter() ? 1 << 15 : 0));
            }
            wr(0x3000, 2, 0);
            kernel.runUntilEmpty();
            if (!packedRing.takeUsed() || packedRing.lastId != id) {
                throw new AssertionError("no response");
            }
            usedLen = packedRing.lastLen;
            return (int) ring.r(RESP, 4);
        }
        int before = ring.usedIdx();
        ring.desc(0, REQ, n, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(1, RESP, respLen, VIRTQ_DESC_F_WRITE, 0);
        ring.offer(0);
        if (eventEachCommand) {
            ring.setUsedEvent(before);
        }
        wr(0x3000, 2, 0);
        kernel.runUntilEmpty();
        if (ring.usedIdx() != ((before + 1) & 0xFFFF)) {
            throw new AssertionError("no response");
        }
        usedLen = ring.usedLen((ring.usedIdx() - 1) % ring.size);
        return (int) ring.r(RESP, 4);
    }

    // ---------------------------------------------------------------- commands

    int create2d(int id, int format, int w, int h) {
        return req(CMD_RESOURCE_CREATE_2D).i32(id).i32(format).i32(w).i32(h).send();
    }

    /** ATTACH_BACKING with (addr, length) pairs. */
    int attach(int id, long... entries) {
        req(CMD_RESOURCE_ATTACH_BACKING).i32(id).i32(entries.length / 2);
        for (int k = 0; k < entries.length; k += 2) {
            i64(entries[k]).i32(entries[k + 1]).i32(0);
        }
        return send();
    }

    int detach(int id) {
        return req(CMD_RESOURCE_DETACH_BACKING).i32(id).i32(0).send();
    }

    int unref(int id) {
        return req(CMD_RESOURCE_UNREF).i32(id).i32(0).send();
    }

    int transfer(int id, int x, int y, int w, int h, long offset) {
        return req(CMD_TRANSFER_TO_HOST_2D).rect(x, y, w, h).i64(offset).i32(id).i32(0).send();
    }

    int setScanout(int scanout, int id, int x, int y, int w, int h) {
        return req(CMD_SET_SCANOUT).rect(x, y, w, h).i32(scanout).i32(id).send();
    }

    int flush(int id, int x, int y, int w, int h) {
        return req(CMD_RESOURCE_FLUSH).rect(x, y, w, h).i32(id).i32(0).send();
    }

    int createBlob(int id, int mem, int flags, long size, long... entries) {
        req(CMD_RESOURCE_CREATE_BLOB).i32(id).i32(mem).i32(flags).i32(entries.length / 2).i64(0).i64(size);
        for (int k = 0; k < entries.length; k += 2) {
            i64(entries[k]).i32(entries[k + 1]).i32(0);
        }
        return send();
    }

    int setScanoutBlob(int scanout, int id, int x, int y, int w, int h, int fbw, int fbh, int format, int stride, int offset) {
        return req(CMD_SET_SCANOUT_BLOB).rect(x, y, w, h).i32(scanout).i32(id).i32(fbw).i32(fbh).i32(format).i32(0).i32(stride).i32(0)
                .i32(0).i32(0).i32(offset).i32(0).i32(0).i32(0).send();
    }

    /** Guest RAM word. */
    void poke(long pa, int v) {
        ring.w(pa, 4, v & 0xFFFF_FFFFL);
    }
}
