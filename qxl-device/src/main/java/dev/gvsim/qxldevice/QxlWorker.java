package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.Map;
import java.util.TreeMap;

import org.agrona.concurrent.UnsafeBuffer;

import dev.gvsim.qxldevice.layout.QxlClipRects;
import dev.gvsim.qxldevice.layout.QxlCommand;
import dev.gvsim.qxldevice.layout.QxlDataChunk;
import dev.gvsim.qxldevice.layout.QxlDrawable;
import dev.gvsim.qxldevice.layout.QxlImage;
import dev.gvsim.qxldevice.layout.QxlMonitorsConfig;
import dev.gvsim.qxldevice.layout.QxlRamHeader;
import dev.gvsim.qxldevice.layout.QxlRect;
import dev.gvsim.qxldevice.layout.QxlRing;
import dev.gvsim.qxldevice.layout.QxlSurfaceCmd;
import dev.gvsim.qxldevice.spice.DrawableListener;
import dev.gvsim.qxldevice.spice.SpiceDisplay;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The spice-server side of QXL: the red worker that wakes on QXL_IO_NOTIFY_CMD / NOTIFY_CURSOR,
 * takes commands off the command and cursor rings (QEMU qxl.c interface_get_command /
 * interface_get_cursor_command, which run on the worker), parses them (red-parse-qxl.c:
 * drawables, clip rects, images and their data chunks, surface commands), creates and destroys
 * surfaces ({@link QxlSurfaces}), has the renderer draw ({@link QxlRenderer}) and hands each
 * structure back through the release ring ({@link QxlReleaseRing}). The device calls it for the
 * worker's synchronous requests (primary create and destroy, surface destroy, monitors config).
 * Guest structures are read through the layout flyweights, one per role, allocated here once.
 *
 * <p>Known simplifications (gvsim, not spice-server): drawables are rendered when the worker
 * consumes them (so QXL_IO_UPDATE_AREA has nothing left to do); only QXL_DRAW_FILL with a solid
 * brush and QXL_DRAW_COPY of SPICE_IMAGE_TYPE_BITMAP images (16/24/32-bit, RGBA) into 32-bit
 * surfaces are rendered, other drawables are counted as unsupported and released; cursor commands
 * are validated and released, not drawn; a command ring whose prod - cons exceeds num_items is a
 * guest bug (QEMU would consume stale items).
 */
final class QxlWorker {
    static final ParamDef P_WORKER_DELAY = ParamDef.duration("qxl.worker_wakeup_delay", "10us",
            "estimate (low authority): qemu_spice_wakeup -> spice-server red worker thread wakes and polls the rings",
            "Delay from QXL_IO_NOTIFY_CMD / NOTIFY_CURSOR to the device consuming the rings.");
    static final ParamDef P_MAX_CHUNKS = ParamDef.longParam("qxl.max_chunks", 2_097_151L, "chunks",
            "spice-server server/red-parse-qxl.cpp MAX_CHUNKS = MAX_DATA_CHUNK / 1024 (loop protection)",
            "Most QXLDataChunk links followed for one image or clip list before the command is dropped.");
    static final ParamDef P_MAX_IMAGE_BYTES = ParamDef.longParam("qxl.max_image_bytes", 128L << 20, "bytes",
            "gvsim bound (spice-server allows up to MAX_DATA_CHUNK = 2 GiB); default = BAR0 + BAR1 at QEMU defaults",
            "Largest bitmap (stride x height) the device will render; larger ones are dropped as guest errors.");
    static final ParamDef P_MAX_CLIP_RECTS = ParamDef.longParam("qxl.max_clip_rects", 65_536L, "rects",
            "gvsim bound; spice-server checks num_rects against the chunk data size (red_get_clip_rects)",
            "Most clip rectangles accepted in one drawable.");

    private static final int N_CMD_TYPES = CMD_NAMES.size();
    private static final int N_DRAW_TYPES = DRAW_NAMES.size();

    private final QxlHost host;
    private final Scheduler sched;
    private final EventHandler run;
    private final long wakeupDelayPs;
    private final long maxChunks;
    private final long maxImageBytes;
    private final long maxClipRects;

    private final QxlRamHeader hdr;
    private final QxlMemslots memslots;
    private final QxlSurfaces surfaces;
    private final QxlReleaseRing releases;
    private final QxlRenderer renderer;

    // views of the guest's structures, wrapped again for each command
    private final QxlCommand cmd = new QxlCommand();
    private final QxlDrawable drawable = new QxlDrawable();
    private final QxlSurfaceCmd surfaceCmd = new QxlSurfaceCmd();
    private final QxlImage image = new QxlImage();
    private final QxlDataChunk chunk = new QxlDataChunk();
    private final QxlClipRects clipRects = new QxlClipRects();
    private final QxlMonitorsConfig monitors = new QxlMonitorsConfig();
    // what a drawable was parsed into (refilled by every drawable before use)
    private final QxlRenderer.Clip clip = new QxlRenderer.Clip();
    private final QxlRenderer.Bitmap bitmap = new QxlRenderer.Bitmap();

    /** The remote-display side (issue 24), told of each drawable rendered on the primary; null = none configured. */
    private SpiceDisplay display;

    /** The pending wake-up (a worker pass), or NO_EVENT. */
    private long event = Scheduler.NO_EVENT;
    /** The head count of the guest's last QXLMonitorsConfig, -1 = none read since reset. */
    private int monitorsCount = -1;

    private final long[] cmdCount = new long[N_CMD_TYPES + 1];
    private final long[] drawCount = new long[N_DRAW_TYPES + 1];
    private final long[] cursorCmdCount = new long[1];
    private final Counter commands;
    private final Counter drawsRendered;
    private final Counter drawsDropped;
    private final Counter drawsUnsupported;

    /** Registers the {@code <id>.worker} event handler; {@code p} has the worker's parameters declared. */
    QxlWorker(QxlHost host, Scheduler sched, Params p, QxlRamHeader hdr, QxlMemslots memslots, QxlSurfaces surfaces,
            QxlReleaseRing releases, Stats st) {
        this.host = host;
        this.sched = sched;
        this.run = sched.handler(QxlDevice.EVENT_WORKER, this::pass);
        this.wakeupDelayPs = p.getDuration(P_WORKER_DELAY);
        this.maxChunks = Math.max(1, p.getLong(P_MAX_CHUNKS));
        this.maxImageBytes = Math.max(16, Math.min(p.getLong(P_MAX_IMAGE_BYTES), Integer.MAX_VALUE - 16));
        this.maxClipRects = Math.max(1, Math.min(p.getLong(P_MAX_CLIP_RECTS), 1 << 24));
        this.hdr = hdr;
        this.memslots = memslots;
        this.surfaces = surfaces;
        this.releases = releases;
        this.renderer = new QxlRenderer(surfaces, st.counter("qxl.pixels_written"));
        commands = st.counter("qxl.commands");
        drawsRendered = st.counter("qxl.draws.rendered");
        drawsDropped = st.counter("qxl.draws.dropped");
        drawsUnsupported = st.counter("qxl.draws.unsupported");
    }

    /** Sets the remote-display side (null = none: the worker then does exactly what it did without one). */
    void display(SpiceDisplay d) {
        display = d;
    }

    SpiceDisplay display() {
        return display;
    }

    /** Part of qxl_hard_reset: the pending pass cancelled, every surface gone (nothing released), no monitors config. */
    void reset() {
        sched.cancel(event);
        event = Scheduler.NO_EVENT;
        surfaces.clear();
        monitorsCount = -1;
    }

    /** qemu_spice_wakeup: the worker runs a pass {@code qxl.worker_wakeup_delay} from now, unless one is pending. */
    void wakeup() {
        if (!sched.isPending(event)) {
            event = sched.scheduleIn(wakeupDelayPs, run, 0);
        }
    }

    /** One spice-server worker pass: consume the command ring, then the cursor ring. */
    private void pass(long now, long arg) {
        event = Scheduler.NO_EVENT;
        if (host.mode() == MODE_VGA) {
            return; // interface_get_command: VGA mode serves host-side updates, not the guest ring
        }
        consumeRing(hdr.cmdRing(), COMMAND_RING_SIZE, INTERRUPT_DISPLAY, false);
        consumeRing(hdr.cursorRing(), CURSOR_RING_SIZE, INTERRUPT_CURSOR, true);
    }

    private void consumeRing(QxlRing r, int size, int notifyEvent, boolean cursor) {
        // Each pass takes at most what the ring can hold: the guest cannot add items during it.
        for (int n = 0; n <= size; n++) {
            if (host.inErrorState()) {
                return;
            }
            int prod = r.prod();
            int cons = r.cons();
            if (prod == cons) {
                break;
            }
            if (Integer.compareUnsigned(prod - cons, size) > 0) {
                // gvsim bound: QEMU would keep consuming stale items (up to 2^32 of them).
                host.setGuestBug((cursor ? "cursor" : "command") + " ring prod " + Integer.toUnsignedString(prod) + " - cons "
                        + Integer.toUnsignedString(cons) + " > num_items " + size);
                return;
            }
            int numItems = r.numItems();
            int idx = cons & (numItems - 1);
            if (Integer.compareUnsigned(idx, size) >= 0) {
                host.setGuestBug("SPICE_RING_CONS_ITEM indices mismatch " + Integer.toUnsignedString(idx) + " >= " + size);
                return;
            }
            QxlCommand item = cmd.wrap(hdr.memory(), r.item(idx, COMMAND_SIZE));
            long data = item.data();
            int type = item.type();
            cons++;
            r.cons(cons);
            if (cons == r.notifyOnCons()) {
                host.sendEvents(notifyEvent);
            }
            commands.inc();
            if (cursor) {
                cursorCmdCount[0]++;
                processCursor(data, type);
            } else {
                cmdCount[type >= 0 && type < N_CMD_TYPES ? type : N_CMD_TYPES]++;
                processCommand(data, type);
            }
        }
        // SPICE_RING_CONS_WAIT (req_cmd_notification): ask to be notified on the next push
        if (!host.inErrorState()) {
            int prod = r.prod();
            if (prod == r.cons()) {
                r.notifyOnProd(prod + 1);
            }
        }
    }

    private void processCommand(long data, int type) {
        switch (type) {
            case CMD_DRAW:
                processDrawable(data);
                return;
            case CMD_SURFACE:
                processSurfaceCmd(data);
                return;
            case CMD_UPDATE:
                // interface_notify_update: deprecated; spice-server releases it
                releases.releasePhys(data);
                return;
            case CMD_MESSAGE:
                releases.releasePhys(data);
                return;
            default:
                host.spiceError("bad command type " + Integer.toUnsignedString(type));
        }
    }

    private void processCursor(long data, int type) {
        if (type != CMD_CURSOR) {
            host.spiceError("bad cursor command type " + Integer.toUnsignedString(type));
            return;
        }
        // qxl_track_command: QXL_CMD_CURSOR goes through qxl_phys2virt (a guest bug when invalid)
        if (memslots.resolve(data, 1, true) < 0) {
            return;
        }
        releases.releasePhys(data);
    }

    // ================================================================== surfaces

    /**
     * spice-server's create-primary-surface for qxl_create_guest_primary / qxl_set_mode: the memory
     * must resolve through a guest memslot; geometry the canvas cannot draw is a spice error.
     */
    void createPrimary(int width, int height, int stride, int format, int flags, long memPhys) {
        surfaces.forgetPrimary();
        if (width <= 0 || height <= 0 || width > 65536 || (long) width * QxlSurfaces.bpp(format) > Math.abs((long) stride)) {
            host.spiceError("create primary: bad geometry " + width + "x" + height + " stride " + stride + " format " + format);
            return;
        }
        long len = Math.abs((long) stride) * (height & 0xFFFF_FFFFL);
        long off = memslots.resolve(memPhys, len, false);
        if (off < 0) {
            return;
        }
        surfaces.define(0, width, height, stride, format, memslots.resolvedMem(), off, 0);
        surfaces.primaryMemPhys(memPhys);
        if ((flags & SURF_FLAG_KEEP_DATA) == 0) {
            memslots.resolvedMemory().fill(off, len, (byte) 0);
        }
    }

    /** spice destroy_primary_surface. */
    void destroyPrimary() {
        surfaces.destroyPrimary();
    }

    /** Destroys surface {@code id} and releases the command that created it. */
    void destroySurface(int id) {
        long createCmd = surfaces.destroy(id);
        if (createCmd != 0) {
            releases.releasePhys(createCmd);
        }
    }

    /** spice destroy_surfaces: every surface destroyed and released. */
    void destroyAllSurfaces() {
        for (int i = 0; i < surfaces.size(); i++) {
            destroySurface(i);
        }
        surfaces.zeroCount();
    }

    /** spice_qxl_monitors_config_async: reads the head count of the guest's QXLMonitorsConfig. */
    void monitorsConfig() {
        long phys = hdr.monitorsConfig();
        long off = memslots.resolve(phys, MONITORS_CONFIG_HEADER, false);
        if (off < 0) {
            return;
        }
        monitorsCount = monitors.wrap(memslots.resolvedMemory(), off).count();
    }

    private void processSurfaceCmd(long data) {
        // qxl_track_command (QEMU side)
        long off = memslots.resolve(data, SURFACE_CMD_SIZE, true);
        if (off < 0) {
            return;
        }
        QxlSurfaceCmd sc = surfaceCmd.wrap(memslots.resolvedMemory(), off);
        long id = sc.surfaceId();
        int type = sc.type();
        int stride = sc.stride();
        if (id >= surfaces.size()) {
            host.setGuestBug("QXL_CMD_SURFACE id " + id + " >= " + surfaces.size());
            return;
        }
        if (type == SURFACE_CMD_CREATE && (stride & 3) != 0) {
            host.setGuestBug("QXL_CMD_SURFACE stride = " + stride + " % 4 != 0");
            return;
        }
        int sid = (int) id;
        if (type == SURFACE_CMD_CREATE) {
            int format = sc.format();
            int width = sc.width();
            int height = sc.height();
            long surfData = sc.data();
            if (surfaces.active(sid)) {
                host.spiceError("surface create: surface " + sid + " already exists");
                releases.releasePhys(data);
                return;
            }
            if (width <= 0 || height <= 0 || width > 65536 || height > 65536 || QxlSurfaces.bpp(format) > 4
                    || (long) width * Math.max(1, QxlSurfaces.bpp(format)) > Math.abs((long) stride)) {
                host.spiceError("surface create: bad geometry " + width + "x" + height + " stride " + stride + " format " + format);
                releases.releasePhys(data);
                return;
            }
            long len = Math.abs((long) stride) * height;
            long soff = memslots.resolve(surfData, len, false);
            if (soff < 0) {
                releases.releasePhys(data);
                return;
            }
            surfaces.define(sid, width, height, stride, format, memslots.resolvedMem(), soff, data);
        } else if (type == SURFACE_CMD_DESTROY) {
            if (!surfaces.active(sid)) {
                host.spiceError("surface destroy: surface " + sid + " does not exist");
            } else {
                destroySurface(sid);
            }
            releases.releasePhys(data);
        } else {
            host.spiceError("surface command type " + type);
            releases.releasePhys(data);
        }
    }

    // ================================================================== drawables

    private void processDrawable(long data) {
        long off = memslots.resolve(data, DRAWABLE_SIZE, false);
        if (off < 0) {
            drawsDropped.inc();
            return;
        }
        QxlDrawable dr = drawable.wrap(memslots.resolvedMemory(), off);
        int memId = memslots.resolvedMem();
        long sid = dr.surfaceId();
        int type = dr.type();
        drawCount[type < N_DRAW_TYPES ? type : N_DRAW_TYPES]++;
        if (sid >= surfaces.size() || !surfaces.active((int) sid)) {
            host.spiceError("drawable: invalid surface_id " + sid);
            drawsDropped.inc();
            releases.release(memId, off);
            return;
        }
        QxlSurfaces.Surface target = surfaces.get((int) sid);
        QxlRect bbox = dr.bbox();
        int bTop = bbox.top();
        int bLeft = bbox.left();
        int bBottom = bbox.bottom();
        int bRight = bbox.right();
        if (bLeft > bRight || bTop > bBottom) {
            host.spiceError("drawable: bad bbox");
            drawsDropped.inc();
            releases.release(memId, off);
            return;
        }
        int clipType = dr.clipType();
        long clipData = dr.clipData();
        if (clipType == CLIP_TYPE_RECTS) {
            if (!loadClipRects(clipData)) {
                drawsDropped.inc();
                releases.release(memId, off);
                return;
            }
        } else if (clipType == CLIP_TYPE_NONE) {
            clip.count = -1;
        } else {
            host.spiceError("drawable: clip type " + clipType);
            drawsDropped.inc();
            releases.release(memId, off);
            return;
        }
        if (!QxlSurfaces.is32(target.format)) {
            drawsUnsupported.inc();
            releases.release(memId, off);
            return;
        }
        boolean ok;
        switch (type) {
            case DRAW_FILL:
                ok = drawFill(dr, target, bTop, bLeft, bBottom, bRight);
                break;
            case DRAW_COPY:
                ok = drawCopy(dr, target, bTop, bLeft, bBottom, bRight);
                break;
            case DRAW_NOP:
                ok = true;
                break;
            default:
                drawsUnsupported.inc();
                ok = false;
                break;
        }
        if (ok) {
            drawsRendered.inc();
            if (display != null && sid == 0 && type != DRAW_NOP) {
                notifyDisplay(dr, type, clipType, bTop, bLeft, bBottom, bRight);
            }
        } else {
            drawsDropped.inc();
        }
        releases.release(memId, off);
    }

    /**
     * Tells the remote display about a drawable rendered on the primary: opaque when its raster op
     * is a PUT whose result does not depend on the destination and it has no clip rectangles.
     */
    private void notifyDisplay(QxlDrawable dr, int type, int clipType, int top, int left, int bottom, int right) {
        int rop = type == DRAW_FILL ? dr.fillRop() : dr.copyRop();
        boolean opaque = clipType == CLIP_TYPE_NONE && (rop & ROPD_OP_PUT) != 0 && (rop & (ROPD_INVERS_DEST | ROPD_INVERS_RES)) == 0;
        int kind = type == DRAW_FILL ? DrawableListener.KIND_FILL : DrawableListener.KIND_COPY;
        int color = type == DRAW_FILL ? dr.fillBrushColor() : 0;
        display.drawn(sched.now(), kind, opaque, left, top, right, bottom, color);
    }

    /** red_get_clip_rects: reads the QXLClipRects at {@code phys} into {@link #clip}. */
    private boolean loadClipRects(long phys) {
        long off = memslots.resolve(phys, CLIP_RECTS_CHUNK + CHUNK_HEADER, false);
        if (off < 0) {
            return false;
        }
        long num = clipRects.wrap(memslots.resolvedMemory(), off).numRects();
        if (num > maxClipRects) {
            host.spiceError("clip rects: num_rects " + num + " > " + maxClipRects);
            return false;
        }
        int need = (int) num * RECT_SIZE;
        clip.ensure(need);
        if (!gatherChunks(phys + CLIP_RECTS_CHUNK, need, clip.rects, "clip rects")) {
            return false;
        }
        clip.count = (int) num;
        return true;
    }

    /**
     * Copies {@code need} bytes of the QXLDataChunk chain starting at QXLPHYSICAL {@code first} into
     * {@code dst}. Each chunk (header and data) must resolve through a memslot, the chain must hold
     * exactly {@code need} bytes (spice-server red_get_data_chunks_ptr and the size check of its
     * caller), in at most {@code qxl.max_chunks} chunks (its loop protection).
     */
    private boolean gatherChunks(long first, long need, UnsafeBuffer dst, String what) {
        long got = 0;
        long phys = first;
        for (long chunks = 0; ; chunks++) {
            if (chunks >= maxChunks) {
                host.spiceError(what + ": data split in too many chunks (> " + maxChunks + "), avoiding DoS");
                return false;
            }
            long hoff = memslots.resolve(phys, CHUNK_HEADER, false);
            if (hoff < 0) {
                return false;
            }
            QxlDataChunk c = chunk.wrap(memslots.resolvedMemory(), hoff);
            long size = c.dataSize();
            long next = c.nextChunk();
            if (size > need - got) {
                host.spiceError(what + ": chunk data " + (got + size) + " bytes > expected " + need);
                return false;
            }
            if (size > 0) {
                long off = memslots.resolve(phys, CHUNK_HEADER + size, false);
                if (off < 0) {
                    return false;
                }
                SparseMemory m = memslots.resolvedMemory();
                m.readBytes(chunk.wrap(m, off).data(), dst, (int) got, (int) size);
                got += size;
            }
            if (next == 0) {
                break;
            }
            if (next == phys) {
                host.spiceError(what + ": chunk links to itself");
                return false;
            }
            phys = next;
        }
        if (got != need) {
            host.spiceError(what + ": chunk data " + got + " bytes != expected " + need);
            return false;
        }
        return true;
    }

    /** QXL_DRAW_FILL: a solid brush (red_get_fill_ptr); other brushes are unsupported. */
    private boolean drawFill(QxlDrawable dr, QxlSurfaces.Surface target, int top, int left, int bottom, int right) {
        int brushType = dr.fillBrushType();
        int color = dr.fillBrushColor();
        int rop = dr.fillRop();
        if (brushType != BRUSH_TYPE_SOLID) {
            drawsUnsupported.inc();
            return false;
        }
        if ((rop & ROPD_INVERS_BRUSH) != 0) {
            color = ~color;
        }
        renderer.fill(target, top, left, bottom, right, clip, color, rop);
        return true;
    }

    /** QXL_DRAW_COPY of a SPICE_IMAGE_TYPE_BITMAP image (red_get_copy_ptr, red_get_image, bitmap_consistent). */
    private boolean drawCopy(QxlDrawable dr, QxlSurfaces.Surface target, int top, int left, int bottom, int right) {
        long srcBitmap = dr.copySrcBitmap();
        QxlRect area = dr.copySrcArea();
        int sTop = area.top();
        int sLeft = area.left();
        int sBottom = area.bottom();
        int sRight = area.right();
        int rop = dr.copyRop();

        long io = memslots.resolve(srcBitmap, IMAGE_BITMAP_SIZE, false);
        if (io < 0) {
            return false;
        }
        QxlImage im = image.wrap(memslots.resolvedMemory(), io);
        int imgType = im.type();
        if (imgType != IMAGE_TYPE_BITMAP) {
            drawsUnsupported.inc();
            return false;
        }
        int fmt = im.bitmapFormat();
        int bflags = im.bitmapFlags();
        long bw = im.bitmapX();
        long bh = im.bitmapY();
        long bstride = im.bitmapStride();
        long bdata = im.bitmapData();
        int bpp;
        switch (fmt) {
            case BITMAP_FMT_32BIT:
            case BITMAP_FMT_RGBA:
                bpp = 4;
                break;
            case BITMAP_FMT_24BIT:
                bpp = 3;
                break;
            case BITMAP_FMT_16BIT:
                bpp = 2;
                break;
            default:
                drawsUnsupported.inc();
                return false;
        }
        // spice-server bitmap_consistent(): stride must cover the width
        if (bw == 0 || bh == 0 || bw > 65536 || bh > 65536 || bstride < bw * bpp) {
            host.spiceError("bitmap: inconsistent " + bw + "x" + bh + " stride " + bstride + " format " + fmt);
            return false;
        }
        long size = bstride * bh;
        if (size > maxImageBytes) {
            host.spiceError("bitmap: " + size + " bytes > qxl.max_image_bytes " + maxImageBytes);
            return false;
        }
        bitmap.ensure(size);
        if ((bflags & BITMAP_DIRECT) != 0) {
            long d = memslots.resolve(bdata, size, false);
            if (d < 0) {
                return false;
            }
            memslots.resolvedMemory().readBytes(d, bitmap.pixels, 0, (int) size);
        } else {
            if (!gatherChunks(bdata, size, bitmap.pixels, "bitmap")) {
                return false;
            }
        }
        if (sLeft < 0 || sTop < 0 || sRight > bw || sBottom > bh || sLeft >= sRight || sTop >= sBottom) {
            host.spiceError("copy: src_area outside the bitmap");
            return false;
        }
        bitmap.bpp = bpp;
        bitmap.height = bh;
        bitmap.stride = bstride;
        bitmap.topDown = (bflags & BITMAP_TOP_DOWN) != 0;
        renderer.copy(target, top, left, bottom, right, clip, bitmap, sTop, sLeft, sBottom, sRight, rop);
        return true;
    }

    // ================================================================== report and checkpoint

    /**
     * Report keys {@code commands}, {@code draws}, {@code draws_rendered}, {@code draws_dropped},
     * {@code draws_unsupported}, {@code pixels_written}, {@code monitors_config_count}.
     */
    void report(Map<String, Object> out) {
        Map<String, Object> cmds = new TreeMap<>();
        for (int i = 0; i < N_CMD_TYPES; i++) {
            if (cmdCount[i] != 0) {
                cmds.put(CMD_NAMES.get(i), cmdCount[i]);
            }
        }
        if (cmdCount[N_CMD_TYPES] != 0) {
            cmds.put("invalid", cmdCount[N_CMD_TYPES]);
        }
        if (cursorCmdCount[0] != 0) {
            cmds.put("cursor_ring", cursorCmdCount[0]);
        }
        out.put("commands", cmds);
        Map<String, Object> draws = new TreeMap<>();
        for (int i = 0; i < N_DRAW_TYPES; i++) {
            if (drawCount[i] != 0) {
                draws.put(DRAW_NAMES.get(i), drawCount[i]);
            }
        }
        if (drawCount[N_DRAW_TYPES] != 0) {
            draws.put("invalid", drawCount[N_DRAW_TYPES]);
        }
        out.put("draws", draws);
        out.put("draws_rendered", drawsRendered.get());
        out.put("draws_dropped", drawsDropped.get());
        out.put("draws_unsupported", drawsUnsupported.get());
        renderer.report(out);
        out.put("monitors_config_count", monitorsCount);
        if (display != null) {
            display.report(out); // key spice_display
        }
    }

    /** The pending pass's event handle (the kernel's own section restores the event itself). */
    void saveEvent(StateWriter w) {
        w.putLong(event);
    }

    /** The clip count of the last drawable (-1 = none); the rects are scratch, refilled before use. */
    void saveClip(StateWriter w) {
        w.putInt(clip.count);
    }

    /** Command counts by type, drawable counts by type, cursor ring commands. */
    void saveCounts(StateWriter w) {
        QxlCheckpoint.putLongs(w, cmdCount);
        QxlCheckpoint.putLongs(w, drawCount);
        QxlCheckpoint.putLongs(w, cursorCmdCount);
    }

    void saveMonitors(StateWriter w) {
        w.putInt(monitorsCount);
    }

    Runnable restoreEvent(StateReader r) throws InputException {
        long e = r.getLong();
        return () -> event = e;
    }

    /** Checked with the other counters ({@link QxlCheckpoint#COUNTERS}). */
    Runnable restoreClip(StateReader r, QxlCheckpoint ck) throws InputException {
        int n = r.getInt();
        ck.check(n >= -1 && n <= maxClipRects, QxlCheckpoint.COUNTERS);
        return () -> clip.count = n;
    }

    Runnable restoreCounts(StateReader r, QxlCheckpoint ck) throws InputException {
        long[] cc = ck.getLongs(r, cmdCount.length, "command counts");
        long[] dc = ck.getLongs(r, drawCount.length, "draw counts");
        long[] ccc = ck.getLongs(r, cursorCmdCount.length, "cursor counts");
        return () -> {
            System.arraycopy(cc, 0, cmdCount, 0, cc.length);
            System.arraycopy(dc, 0, drawCount, 0, dc.length);
            System.arraycopy(ccc, 0, cursorCmdCount, 0, ccc.length);
        };
    }

    Runnable restoreMonitors(StateReader r) throws InputException {
        int n = r.getInt();
        return () -> monitorsCount = n;
    }
}
