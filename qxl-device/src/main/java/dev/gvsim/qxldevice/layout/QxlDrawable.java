package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLDrawable} (qxl_dev.h, 191 bytes): release info, target surface, type, bounding box,
 * clip, and the type's union member; the QXLFill and QXLCopy members are read here (the drawable
 * types the device renders). u32 fields read as long are zero-extended.
 */
public final class QxlDrawable extends QxlStruct {
    private final QxlRect bbox = new QxlRect();
    private final QxlRect copySrcArea = new QxlRect();

    public QxlDrawable wrap(SparseMemory m, long a) {
        position(m, a);
        bbox.wrap(m, a + DR_BBOX);
        copySrcArea.wrap(m, a + COPY_SRC_AREA);
        return this;
    }

    /** uint32_t surface_id, zero-extended. */
    public long surfaceId() {
        return memory.read(address + DR_SURFACE_ID, 4);
    }

    /** uint8_t type (QXL_DRAW_*). */
    public int type() {
        return (int) memory.read(address + DR_TYPE, 1);
    }

    public QxlRect bbox() {
        return bbox;
    }

    /** clip.type (SpiceClipType). */
    public int clipType() {
        return (int) memory.read(address + DR_CLIP_TYPE, 4);
    }

    /** clip.data: QXLPHYSICAL of the QXLClipRects for SPICE_CLIP_TYPE_RECTS. */
    public long clipData() {
        return memory.read(address + DR_CLIP_DATA, 8);
    }

    /** u.fill.brush.type (SpiceBrushType). */
    public int fillBrushType() {
        return (int) memory.read(address + FILL_BRUSH_TYPE, 4);
    }

    /** u.fill.brush.u.color. */
    public int fillBrushColor() {
        return (int) memory.read(address + FILL_BRUSH_COLOR, 4);
    }

    /** u.fill.rop_descriptor (SpiceRopd). */
    public int fillRop() {
        return (int) memory.read(address + FILL_ROP, 2);
    }

    /** u.copy.src_bitmap: QXLPHYSICAL of a QXLImage. */
    public long copySrcBitmap() {
        return memory.read(address + COPY_SRC_BITMAP, 8);
    }

    public QxlRect copySrcArea() {
        return copySrcArea;
    }

    /** u.copy.rop_descriptor (SpiceRopd). */
    public int copyRop() {
        return (int) memory.read(address + COPY_ROP, 2);
    }
}
