package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/** A scripted guest for tests: programs BARs like the reference run and talks to the device through barAccess. */
final class QxlTestDriver {
    static final long BAR0 = 0x1000_0000L;
    static final long BAR1 = 0x1400_0000L;
    static final long BAR2 = 0x1800_0000L;
    static final long IO = 0x1000;

    final EventKernel kernel = new EventKernel();
    final IrqLine irq = new IrqLine("qxl.intx");
    final Params params = new Params();
    final Stats stats = new Stats();
    final QxlDevice dev;
    final Access a = new Access();
    final long hdr;

    /** A device named {@code id} (its event handlers are {@code <id>.async_complete}, {@code <id>.worker}). */
    QxlTestDriver(String type, Params p, String id) {
        Params params = p == null ? this.params : p;
        dev = new QxlDevice(type, QxlConfig.defaults(), kernel.scheduler(id), irq, params, stats);
        dev.setId(id);
        dev.configWrite(PciFunction.BAR0, 4, BAR0);
        dev.configWrite(PciFunction.BAR0 + 4, 4, BAR1);
        dev.configWrite(PciFunction.BAR0 + 8, 4, BAR2);
        dev.configWrite(PciFunction.BAR0 + 12, 4, IO);
        dev.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_IO | PciFunction.CMD_MEMORY | PciFunction.CMD_MASTER);
        hdr = dev.romMemory().readInt(ROM_OFF_RAM_HEADER_OFFSET) & 0xFFFF_FFFFL;
    }

    /** A device named after its type, as one built outside a machine is. */
    QxlTestDriver(String type, Params p) {
        this(type, p, type);
    }

    QxlTestDriver() {
        this(QxlDevice.QXL, null);
    }

    long rd(int bar, long off, int size) {
        a.read(off, size);
        dev.barAccess(dev.bar(bar), off, a);
        return a.data;
    }

    void wr(int bar, long off, int size, long v) {
        a.write(off, size, v);
        dev.barAccess(dev.bar(bar), off, a);
    }

    long hdrRd(int off, int size) {
        return rd(0, hdr + off, size);
    }

    void hdrWr(int off, int size, long v) {
        wr(0, hdr + off, size, v);
    }

    void out(int port, int val) {
        wr(3, port, 1, val);
    }

    /** Runs the event kernel far enough for any async completion. */
    void settle() {
        kernel.runUntil(kernel.now() + 10_000_000_000L);
    }

    /** qxl_irq_handler: xchg int_pending, rewrite int_mask, UPDATE_IRQ. */
    int irqHandler() {
        int pending = (int) hdrRd(RAM_OFF_INT_PENDING, 4);
        hdrWr(RAM_OFF_INT_PENDING, 4, 0);
        hdrWr(RAM_OFF_INT_MASK, 4, 0x27);
        out(IO_UPDATE_IRQ, 0);
        return pending;
    }

    /** Linux probe: reset, int_mask, slots 1 (BAR0 up to the header) and 2 (BAR1), each async. */
    void probe() {
        out(IO_RESET, 0);
        hdrWr(RAM_OFF_INT_MASK, 4, 0x27);
        setupSlot(1, BAR0, BAR0 + hdr);
        setupSlot(2, BAR1, BAR1 + 0x400_0000L);
    }

    void setupSlot(int slot, long start, long end) {
        hdrWr(RAM_OFF_MEM_SLOT_START, 8, start);
        hdrWr(RAM_OFF_MEM_SLOT_END, 8, end);
        out(IO_MEMSLOT_ADD_ASYNC, slot);
        settle();
        irqHandler();
    }

    static long phys(int slot, long offset) {
        return (long) slot << 56 | offset;
    }

    /** qxl_io_create_primary: a w x h x 32 surface in slot 2 at offset {@code off}. */
    void createPrimary(int w, int h, long off) {
        int sc = RAM_OFF_CREATE_SURFACE;
        hdrWr(sc + SC_FORMAT, 4, SURFACE_FMT_32_xRGB);
        hdrWr(sc + SC_WIDTH, 4, w);
        hdrWr(sc + SC_HEIGHT, 4, h);
        hdrWr(sc + SC_STRIDE, 4, w * 4L);
        hdrWr(sc + SC_MEM, 8, phys(2, off));
        hdrWr(sc + SC_FLAGS, 8, 1); // flags = KEEP_DATA, type = PRIMARY (one 8-byte store as in the trace)
        out(IO_CREATE_PRIMARY_ASYNC, 0);
        settle();
        irqHandler();
    }

    /** qxl_ring_push onto the command ring, with the notify rule. */
    void pushCommand(long data, int type) {
        int r = RAM_OFF_CMD_RING;
        int prod = (int) hdrRd(r + RING_PROD, 4);
        long item = r + RING_ITEMS + (long) (prod & (COMMAND_RING_SIZE - 1)) * COMMAND_SIZE;
        a.write(hdr + item, 16, data);
        a.dataHi = type & 0xFFFF_FFFFL;
        dev.barAccess(dev.bar(0), hdr + item, a);
        prod++;
        hdrWr(r + RING_PROD, 4, prod);
        if (prod == (int) hdrRd(r + RING_NOTIFY_ON_PROD, 4)) {
            out(IO_NOTIFY_CMD, 0);
        }
    }

    /** Writes a drawable header (release id, surface, type, bbox, clip) at BAR0 offset {@code off}. */
    /**
     * A solid ROP-put fill drawable at BAR0 offset {@code dr} (bounding box 0,0..bottom,right), clipped
     * by a one-rectangle clip list written at {@code clip}; not pushed.
     */
    void clippedSolidFill(long dr, long releaseId, int bottom, int right, long clip, int top, int left, int clipBottom,
            int clipRight, int color) {
        wr(0, clip + CLIP_RECTS_NUM, 4, 1);
        wr(0, clip + CLIP_RECTS_CHUNK + CHUNK_DATA_SIZE, 4, 16);
        wr(0, clip + CLIP_RECTS_CHUNK + CHUNK_NEXT, 8, 0);
        long rect = clip + CLIP_RECTS_CHUNK + CHUNK_HEADER;
        wr(0, rect + RECT_TOP, 4, top);
        wr(0, rect + RECT_LEFT, 4, left);
        wr(0, rect + RECT_BOTTOM, 4, clipBottom);
        wr(0, rect + RECT_RIGHT, 4, clipRight);
        drawable(dr, releaseId, DRAW_FILL, 0, 0, bottom, right, CLIP_TYPE_RECTS, phys(1, clip));
        wr(0, dr + FILL_BRUSH_TYPE, 4, BRUSH_TYPE_SOLID);
        wr(0, dr + FILL_BRUSH_COLOR, 4, color);
        wr(0, dr + FILL_ROP, 2, ROPD_OP_PUT);
    }

    void drawable(long off, long releaseId, int type, int top, int left, int bottom, int right, int clipType, long clipData) {
        wr(0, off + DR_RELEASE_INFO, 8, releaseId);
        wr(0, off + DR_SURFACE_ID, 4, 0);
        wr(0, off + DR_EFFECT, 1, 1);
        wr(0, off + DR_TYPE, 1, type);
        wr(0, off + DR_BBOX + RECT_TOP, 4, top);
        wr(0, off + DR_BBOX + RECT_LEFT, 4, left);
        wr(0, off + DR_BBOX + RECT_BOTTOM, 4, bottom);
        wr(0, off + DR_BBOX + RECT_RIGHT, 4, right);
        wr(0, off + DR_CLIP_TYPE, 4, clipType);
        wr(0, off + DR_CLIP_DATA, 8, clipData);
    }

    /** A 32-bit top-down bitmap image with one data chunk at BAR0 {@code off}; pixels row-major. */
    void bitmapImage(long off, int w, int h, int[] pixels) {
        wr(0, off + IMG_ID, 8, 0x1234);
        wr(0, off + IMG_TYPE, 1, IMAGE_TYPE_BITMAP);
        wr(0, off + IMG_FLAGS, 1, 0);
        wr(0, off + IMG_WIDTH, 4, w);
        wr(0, off + IMG_HEIGHT, 4, h);
        wr(0, off + BMP_FORMAT, 1, BITMAP_FMT_32BIT);
        wr(0, off + BMP_FLAGS, 1, BITMAP_TOP_DOWN);
        wr(0, off + BMP_X, 4, w);
        wr(0, off + BMP_Y, 4, h);
        wr(0, off + BMP_STRIDE, 4, w * 4L);
        wr(0, off + BMP_PALETTE, 8, 0);
        long chunk = off + 64;
        wr(0, off + BMP_DATA, 8, phys(1, chunk));
        wr(0, chunk + CHUNK_DATA_SIZE, 4, (long) w * h * 4);
        wr(0, chunk + CHUNK_PREV, 8, 0);
        wr(0, chunk + CHUNK_NEXT, 8, 0);
        for (int i = 0; i < pixels.length; i++) {
            wr(0, chunk + CHUNK_HEADER + 4L * i, 4, pixels[i] & 0xFFFF_FFFFL);
        }
    }
}
