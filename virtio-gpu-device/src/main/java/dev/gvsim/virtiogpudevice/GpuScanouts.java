package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.GpuResources.Resource;

/**
 * The scanouts of QEMU 7.2's virtio-gpu ({@code VirtIOGPUBase.scanout[]}, {@code struct
 * virtio_gpu_scanout}): per output the resource shown, the rect of it (x, y, width, height) and the
 * framebuffer QEMU wraps as the DisplaySurface (virtio_gpu_do_set_scanout: format, stride, byte
 * offset of the rect's origin in the resource's memory: the host image of a 2D resource or the guest
 * pages of a blob). Each output is a {@link Scanout} ({@code scanout0}...) that reads those bytes on
 * demand, so a blob scanout shows later guest writes without a transfer, as the udmabuf view does.
 *
 * <p>Also kept per output, for the display model: RESOURCE_FLUSH count and damaged pixels (the area
 * of the flush rect inside the scanout rect, virtio_gpu_resource_flush's dpy_gfx_update extents),
 * and the cursor state of the cursor queue (update_cursor: resource, hot spot, position).
 * No GL console is modelled (QEMU's console_has_gl false), so a blob scanout is a pixman surface
 * over the blob, as QEMU does without GL.
 */
final class GpuScanouts {
    static final class Out {
        int resourceId;
        int x;
        int y;
        int width;
        int height;
        int format;
        int stride;
        long offset;
        /** Display model counters. */
        long flushes;
        long damagedPixels;
        /** struct virtio_gpu_update_cursor as update_cursor keeps it. */
        int cursorResource;
        int cursorHotX;
        int cursorHotY;
        int cursorX;
        int cursorY;
        long cursorUpdates;
        long cursorMoves;
    }

    private final GpuResources resources;
    private final DisplayListener display;
    private final Clock clock;
    /** When the host display side let the device's thread go after this command's updates (0: it did not hold it). */
    long hostDoneAt;
    final Out[] outs;
    private final List<Scanout> views;

    GpuScanouts(int maxOutputs, GpuResources resources) {
        this(maxOutputs, resources, DisplayListener.NONE, () -> 0L);
    }

    /**
     * @param display told of every surface change (virtio_gpu_update_scanout → dpy_gfx_replace_surface, or
     *        the blob path's dmabuf scanout) and every flush rect (dpy_gfx_update / dpy_gl_update), at {@code clock}'s time
     */
    GpuScanouts(int maxOutputs, GpuResources resources, DisplayListener display, Clock clock) {
        this.display = display;
        this.clock = clock;
        this.resources = resources;
        outs = new Out[maxOutputs];
        List<Scanout> v = new ArrayList<>();
        for (int i = 0; i < maxOutputs; i++) {
            outs[i] = new Out();
            v.add(new View(i));
        }
        views = List.copyOf(v);
    }

    List<Scanout> views() {
        return views;
    }

    /** virtio_gpu_disable_scanout. */
    void disable(int i) {
        Out o = outs[i];
        if (o.resourceId == 0) {
            return;
        }
        Resource r = resources.find(o.resourceId);
        if (r != null) {
            r.scanoutMask &= ~(1 << i);
        }
        o.resourceId = 0;
        o.width = 0;
        o.height = 0;
        display.surface(i, 0, 0, false, clock.now());
    }

    /** virtio_gpu_base_reset: every scanout off (resources are destroyed by the caller). */
    void reset() {
        for (int i = 0; i < outs.length; i++) {
            Out o = outs[i];
            if (o.resourceId != 0) {
                display.surface(i, 0, 0, false, clock.now());
            }
            o.resourceId = 0;
            o.x = 0;
            o.y = 0;
            o.width = 0;
            o.height = 0;
        }
    }

    /** virtio_gpu_update_scanout after virtio_gpu_do_set_scanout's checks: the framebuffer recorded. */
    void set(int i, Resource r, int x, int y, int w, int h, int format, int stride, long offset) {
        Out o = outs[i];
        Resource old = resources.find(o.resourceId);
        if (old != null) {
            old.scanoutMask &= ~(1 << i);
        }
        r.scanoutMask |= 1 << i;
        o.resourceId = r.id;
        o.x = x;
        o.y = y;
        o.width = w;
        o.height = h;
        o.format = format;
        o.stride = stride;
        o.offset = offset;
        display.surface(i, w, h, r.blob || resources.zeroCopy2d, clock.now());
    }

    /**
     * virtio_gpu_resource_flush for a 2D resource: every scanout showing it gets the flush rect
     * intersected with the scanout rect (the dpy_gfx_update extents); counted with its area.
     */
    void flush2d(Resource r, long fx, long fy, long fw, long fh) {
        for (int i = 0; i < outs.length; i++) {
            if ((r.scanoutMask & (1 << i)) == 0) {
                continue;
            }
            Out o = outs[i];
            long x1 = Math.max(fx, o.x);
            long y1 = Math.max(fy, o.y);
            long x2 = Math.min(fx + fw, (long) o.x + o.width);
            long y2 = Math.min(fy + fh, (long) o.y + o.height);
            o.flushes++;
            if (x2 > x1 && y2 > y1) {
                o.damagedPixels += (x2 - x1) * (y2 - y1);
                hostDoneAt = Math.max(hostDoneAt, display.update(i, (int) (x1 - o.x), (int) (y1 - o.y), (int) (x2 - x1), (int) (y2 - y1), clock.now()));
            }
        }
    }

    /**
     * virtio_gpu_resource_flush for a blob: QEMU updates (dpy_gl_update, whole scanout) only GL
     * consoles whose scanout shows it and meets the rect; without GL nothing is updated, the surface
     * already being the guest pages. Counted here as a flush of the whole scanout.
     */
    void flushBlob(Resource r, long fx, long fy, long fw, long fh) {
        for (int i = 0; i < outs.length; i++) {
            Out o = outs[i];
            if (o.resourceId == r.id && fx < (long) o.x + o.width && fx + fw >= o.x && fy < (long) o.y + o.height && fy + fh >= o.y) {
                o.flushes++;
                o.damagedPixels += (long) o.width * o.height;
                hostDoneAt = Math.max(hostDoneAt, display.update(i, 0, 0, o.width, o.height, clock.now()));
            }
        }
    }

    /** update_cursor (cursor queue): UPDATE_CURSOR takes the whole struct, MOVE_CURSOR the position; scanout ids past max_outputs are ignored. */
    void cursor(boolean move, int scanout, int x, int y, int resource, int hotX, int hotY) {
        if (Integer.compareUnsigned(scanout, outs.length) >= 0) {
            return;
        }
        Out o = outs[scanout];
        if (move) {
            o.cursorMoves++;
        } else {
            o.cursorUpdates++;
            o.cursorResource = resource;
            o.cursorHotX = hotX;
            o.cursorHotY = hotY;
        }
        o.cursorX = x;
        o.cursorY = y;
    }

    int pixel(int i, int x, int y) {
        Out o = outs[i];
        if (o.resourceId == 0 || x < 0 || y < 0 || x >= o.width || y >= o.height) {
            return 0;
        }
        Resource r = resources.find(o.resourceId);
        if (r == null) {
            return 0;
        }
        long off = o.offset + (long) y * (o.stride & 0xFFFF_FFFFL) + (long) x * BYTES_PER_PIXEL;
        return GpuResources.toRgb(o.format, resources.word(r, off));
    }

    /** One output as a {@link Scanout}: {@code scanout<i>}, active while a resource is set. */
    private final class View implements Scanout {
        private final int i;
        private final String name;

        View(int i) {
            this.i = i;
            this.name = "scanout" + i;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean active() {
            return outs[i].resourceId != 0;
        }

        @Override
        public int width() {
            return active() ? outs[i].width : 0;
        }

        @Override
        public int height() {
            return active() ? outs[i].height : 0;
        }

        @Override
        public int bitsPerPixel() {
            return active() ? 32 : 0;
        }

        @Override
        public int pixel(int x, int y) {
            return GpuScanouts.this.pixel(i, x, y);
        }

        @Override
        public void readRow(int y, int[] dst) {
            Out o = outs[i];
            Resource r = o.resourceId == 0 ? null : resources.find(o.resourceId);
            int w = width();
            if (r == null || y < 0 || y >= o.height) {
                java.util.Arrays.fill(dst, 0, w, 0);
                return;
            }
            long row = o.offset + (long) y * (o.stride & 0xFFFF_FFFFL);
            for (int x = 0; x < w; x++) {
                dst[x] = GpuResources.toRgb(o.format, resources.word(r, row + (long) x * BYTES_PER_PIXEL));
            }
        }
    }

    // ---------------------------------------------------------------- report and state

    List<Map<String, Object>> report() {
        List<Map<String, Object>> l = new ArrayList<>();
        for (Out o : outs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("resource", o.resourceId);
            if (o.resourceId != 0) {
                m.put("rect", List.of(o.x, o.y, o.width, o.height));
                m.put("format", o.format);
                m.put("stride", o.stride & 0xFFFF_FFFFL);
                m.put("offset", o.offset);
            }
            m.put("flushes", o.flushes);
            m.put("damaged_pixels", o.damagedPixels);
            m.put("cursor", List.of(o.cursorResource, o.cursorX, o.cursorY, o.cursorHotX, o.cursorHotY));
            m.put("cursor_updates", o.cursorUpdates);
            m.put("cursor_moves", o.cursorMoves);
            l.add(m);
        }
        return l;
    }

    void save(StateWriter w) {
        w.putInt(outs.length);
        for (Out o : outs) {
            w.putInt(o.resourceId).putInt(o.x).putInt(o.y).putInt(o.width).putInt(o.height).putInt(o.format).putInt(o.stride)
                    .putLong(o.offset).putLong(o.flushes).putLong(o.damagedPixels).putInt(o.cursorResource).putInt(o.cursorHotX)
                    .putInt(o.cursorHotY).putInt(o.cursorX).putInt(o.cursorY).putLong(o.cursorUpdates).putLong(o.cursorMoves);
        }
    }

    void restore(StateReader r) throws InputException {
        int n = r.getInt();
        if (n != outs.length) {
            throw new InputException("checkpoint virtio-gpu: " + n + " scanouts, device has " + outs.length);
        }
        Out[] tmp = new Out[n];
        for (int i = 0; i < n; i++) {
            Out o = new Out();
            o.resourceId = r.getInt();
            o.x = r.getInt();
            o.y = r.getInt();
            o.width = r.getInt();
            o.height = r.getInt();
            o.format = r.getInt();
            o.stride = r.getInt();
            o.offset = r.getLong();
            o.flushes = r.getLong();
            o.damagedPixels = r.getLong();
            o.cursorResource = r.getInt();
            o.cursorHotX = r.getInt();
            o.cursorHotY = r.getInt();
            o.cursorX = r.getInt();
            o.cursorY = r.getInt();
            o.cursorUpdates = r.getLong();
            o.cursorMoves = r.getLong();
            if (o.width < 0 || o.height < 0 || o.width > GpuControl.MAX_SCANOUT_DIM || o.height > GpuControl.MAX_SCANOUT_DIM) {
                throw new InputException("checkpoint virtio-gpu: scanout " + i + " of " + o.width + " x " + o.height);
            }
            tmp[i] = o;
        }
        System.arraycopy(tmp, 0, outs, 0, n);
    }
}
