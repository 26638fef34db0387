package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The surface table spice-server keeps for the guest (red-worker's display channel
 * {@code surfaces[NUM_SURFACES]}; surface 0 is the primary): where each surface's pixels are
 * (memory id 0 = BAR0 RAM, 1 = VRAM, and the offset of line 0), its geometry and format, and the
 * QXLSurfaceCmd that created it (released when it is destroyed). One {@link Surface} per slot,
 * allocated at construction; nothing here allocates per command. Also the primary as a
 * {@link Scanout}.
 */
final class QxlSurfaces {
    /** One slot of the table. */
    static final class Surface {
        boolean active;
        int width;
        int height;
        /** Bytes from one line to the next; negative for a bottom-up surface. */
        int stride;
        /** SpiceSurfaceFmt. */
        int format;
        /** 0 = BAR0 RAM, 1 = VRAM. */
        int mem;
        /** Offset of line 0 (the top line) in its memory. */
        long line0;
        /** QXLPHYSICAL of the create command to release on destroy, 0 = none. */
        long createCmd;

        /** Offset of pixel (x, y) of a 32-bit surface. */
        long pixel32(int x, int y) {
            return line0 + (long) y * stride + 4L * x;
        }
    }

    private final SparseMemory ram;
    private final SparseMemory vram;
    private final Surface[] table;
    private int count;
    /** QXLPHYSICAL the primary was created at (for the report). */
    private long primaryMemPhys;
    private final Scanout primaryScanout = new PrimaryScanout();

    QxlSurfaces(SparseMemory ram, SparseMemory vram, int numSurfaces) {
        this.ram = ram;
        this.vram = vram;
        table = new Surface[numSurfaces];
        for (int i = 0; i < numSurfaces; i++) {
            table[i] = new Surface();
        }
    }

    /** The memory a surface or a resolved address lies in: 0 = BAR0 RAM, 1 = VRAM. */
    SparseMemory memory(int id) {
        return id == 0 ? ram : vram;
    }

    int size() {
        return table.length;
    }

    Surface get(int id) {
        return table[id];
    }

    boolean active(int id) {
        return table[id].active;
    }

    /** Active surfaces. */
    int count() {
        return count;
    }

    void primaryMemPhys(long phys) {
        primaryMemPhys = phys;
    }

    /** Makes surface {@code id} active with this geometry; {@code off} is the start of its area. */
    void define(int id, int w, int h, int stride, int format, int memId, long off, long createCmd) {
        Surface s = table[id];
        if (!s.active) {
            count++;
        }
        s.active = true;
        s.width = w;
        s.height = h;
        s.stride = stride;
        s.format = format;
        s.mem = memId;
        // line 0 (top): a negative stride puts it at the end of the area
        s.line0 = stride < 0 ? off + (long) (h - 1) * -(long) stride : off;
        s.createCmd = createCmd;
    }

    /**
     * Deactivates surface {@code id}; returns the QXLPHYSICAL of its create command, which the
     * caller releases (0 = nothing to release, or the surface was not active).
     */
    long destroy(int id) {
        Surface s = table[id];
        if (!s.active) {
            return 0;
        }
        s.active = false;
        count--;
        long c = s.createCmd;
        s.createCmd = 0;
        return c;
    }

    /** qxl_destroy_primary: surface 0 goes, its create command (none for a primary) is not released. */
    void destroyPrimary() {
        if (table[0].active) {
            table[0].active = false;
            count--;
        }
    }

    /**
     * Marks the primary inactive without counting it out, as a primary create does before it
     * defines the new one (kept as it was: a second create in native mode leaves the count one high).
     */
    void forgetPrimary() {
        table[0].active = false;
    }

    /** Every surface gone, nothing released (qxl_reset_surfaces at reset). */
    void clear() {
        for (Surface s : table) {
            s.active = false;
            s.createCmd = 0;
        }
        count = 0;
    }

    /** After every surface was destroyed one by one (destroy_all_surfaces). */
    void zeroCount() {
        count = 0;
    }

    /** Bytes per pixel of a SpiceSurfaceFmt (0 for 1-bit, a huge value for an unknown format). */
    static int bpp(int surfaceFormat) {
        switch (surfaceFormat) {
            case SURFACE_FMT_32_xRGB:
            case SURFACE_FMT_32_ARGB:
                return 4;
            case SURFACE_FMT_16_555:
            case SURFACE_FMT_16_565:
                return 2;
            case SURFACE_FMT_8_A:
                return 1;
            case SURFACE_FMT_1_A:
                return 0;
            default:
                return Integer.MAX_VALUE / 2;
        }
    }

    static boolean is32(int format) {
        return format == SURFACE_FMT_32_xRGB || format == SURFACE_FMT_32_ARGB;
    }

    // ================================================================== primary

    int primaryWidth() {
        Surface p = table[0];
        return p.active ? p.width : 0;
    }

    int primaryHeight() {
        Surface p = table[0];
        return p.active ? p.height : 0;
    }

    /** The 0x00RRGGBB value of primary-surface pixel (x, y), or -1 outside / without a primary. */
    int primaryPixel(int x, int y) {
        Surface p = table[0];
        if (!p.active || x < 0 || y < 0 || x >= p.width || y >= p.height || !is32(p.format)) {
            return -1;
        }
        return (int) memory(p.mem).read(p.pixel32(x, y), 4) & 0xFFFFFF;
    }

    Scanout primaryScanout() {
        return primaryScanout;
    }

    /**
     * The primary as the remote display reads it (issue 24, {@code dev.gvsim.qxldevice.spice}):
     * 0x00RRGGBB pixels of a 32-bit primary, a row at a time through one reused buffer; a
     * primary in another format reads as width 0 (nothing to send).
     */
    dev.gvsim.qxldevice.spice.FrameSource primaryFrames() {
        return new dev.gvsim.qxldevice.spice.FrameSource() {
            private byte[] row = new byte[4096];

            @Override
            public int width() {
                Surface p = table[0];
                return p.active && is32(p.format) ? p.width : 0;
            }

            @Override
            public int height() {
                Surface p = table[0];
                return p.active && is32(p.format) ? p.height : 0;
            }

            @Override
            public void readRect(int x, int y, int w, int h, int[] dst) {
                Surface p = table[0];
                SparseMemory m = memory(p.mem);
                int len = w * 4;
                if (row.length < len) {
                    row = new byte[len];
                }
                for (int r = 0; r < h; r++) {
                    m.readBytes(p.pixel32(x, y + r), row, 0, len);
                    int o = r * w;
                    for (int i = 0, b = 0; i < w; i++, b += 4) {
                        dst[o + i] = (row[b] & 0xFF) | (row[b + 1] & 0xFF) << 8 | (row[b + 2] & 0xFF) << 16;
                    }
                }
            }
        };
    }

    /** Surface 0 as a scanout: active while a primary surface exists; pixels readable in 32-bit formats. */
    private final class PrimaryScanout implements Scanout {
        @Override
        public String name() {
            return "primary";
        }

        @Override
        public boolean active() {
            return table[0].active;
        }

        @Override
        public int width() {
            return primaryWidth();
        }

        @Override
        public int height() {
            return primaryHeight();
        }

        @Override
        public int bitsPerPixel() {
            Surface p = table[0];
            if (!p.active) {
                return 0;
            }
            int bytes = bpp(p.format); // 0 = SPICE_SURFACE_FMT_1_A
            return bytes == 0 ? 1 : bytes > 4 ? 0 : bytes * 8;
        }

        @Override
        public int pixel(int x, int y) {
            int p = primaryPixel(x, y);
            return p < 0 ? 0 : p;
        }
    }

    // ================================================================== report and checkpoint

    /** Report keys {@code primary} (geometry, or null) and {@code surfaces} (active count). */
    void report(Map<String, Object> out) {
        Surface p = table[0];
        if (p.active) {
            Map<String, Object> m = new TreeMap<>();
            m.put("width", p.width);
            m.put("height", p.height);
            m.put("stride", p.stride);
            m.put("format", p.format);
            m.put("bpp", bpp(p.format) * 8);
            m.put("mem", "0x" + Long.toHexString(primaryMemPhys));
            out.put("primary", m);
        } else {
            out.put("primary", null);
        }
        out.put("surfaces", count);
    }

    /** The table (count, then per slot: active, width, height, stride, format, memory, line 0, create command). */
    void saveTable(StateWriter w) {
        w.putInt(table.length);
        for (Surface s : table) {
            w.putBoolean(s.active).putInt(s.width).putInt(s.height).putInt(s.stride).putInt(s.format).putInt(s.mem)
                    .putLong(s.line0).putLong(s.createCmd);
        }
    }

    /** Active count and the primary's QXLPHYSICAL. */
    void saveCounts(StateWriter w) {
        w.putInt(count).putLong(primaryMemPhys);
    }

    /** Reads and checks what {@link #saveTable} wrote; the returned action applies it. */
    Runnable restoreTable(StateReader r, QxlCheckpoint ck) throws InputException {
        int n = r.getInt();
        if (n != table.length) {
            throw ck.bad("surface count " + n);
        }
        boolean[] fa = new boolean[n];
        int[] fw = new int[n];
        int[] fh = new int[n];
        int[] fs = new int[n];
        int[] ff = new int[n];
        int[] fm = new int[n];
        long[] fl = new long[n];
        long[] fc = new long[n];
        for (int i = 0; i < n; i++) {
            fa[i] = r.getBoolean();
            fw[i] = r.getInt();
            fh[i] = r.getInt();
            fs[i] = r.getInt();
            ff[i] = r.getInt();
            fm[i] = r.getInt();
            fl[i] = r.getLong();
            fc[i] = r.getLong();
            if (fm[i] != 0 && fm[i] != 1) {
                throw ck.bad("surface " + i + " memory " + fm[i]);
            }
            if (fa[i] && (fw[i] < 0 || fh[i] < 0 || !fits(memory(fm[i]), fl[i], fs[i], fh[i]))) {
                throw ck.bad("surface " + i + " geometry " + fw[i] + "x" + fh[i] + " stride " + fs[i] + " outside its memory");
            }
        }
        return () -> {
            for (int i = 0; i < n; i++) {
                Surface s = table[i];
                s.active = fa[i];
                s.width = fw[i];
                s.height = fh[i];
                s.stride = fs[i];
                s.format = ff[i];
                s.mem = fm[i];
                s.line0 = fl[i];
                s.createCmd = fc[i];
            }
        };
    }

    /** Reads what {@link #saveCounts} wrote; the count is checked with the other counters ({@link QxlCheckpoint#COUNTERS}). */
    Runnable restoreCounts(StateReader r, QxlCheckpoint ck) throws InputException {
        int nSurf = r.getInt();
        long nPrimPhys = r.getLong();
        ck.check(nSurf >= 0 && nSurf <= table.length, QxlCheckpoint.COUNTERS);
        return () -> {
            count = nSurf;
            primaryMemPhys = nPrimPhys;
        };
    }

    /** True if {@code height} lines of {@code stride} bytes from {@code line0} (stride may be negative: bottom-up) lie in {@code m}. */
    private static boolean fits(SparseMemory m, long line0, int stride, int height) {
        if (height == 0) {
            return line0 >= 0 && line0 <= m.capacity();
        }
        long last = line0 + (long) (height - 1) * stride;
        long lo = Math.min(line0, last);
        long hi = Math.max(line0, last) + Math.abs((long) stride);
        return lo >= 0 && hi <= m.capacity();
    }
}
