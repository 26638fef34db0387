package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLImage} (qxl_dev.h): the QXLImageDescriptor {@code {uint64_t id; uint8_t type, flags;
 * uint32_t width, height}} and, for SPICE_IMAGE_TYPE_BITMAP, the QXLBitmap {@code {uint8_t format,
 * flags; uint32_t x, y, stride; QXLPHYSICAL palette, data}} after it. u32 fields read as long are
 * zero-extended.
 */
public final class QxlImage extends QxlStruct {
    public QxlImage wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    /** descriptor.type (SpiceImageType). */
    public int type() {
        return (int) memory.read(address + IMG_TYPE, 1);
    }

    /** bitmap.format (SpiceBitmapFmt). */
    public int bitmapFormat() {
        return (int) memory.read(address + BMP_FORMAT, 1);
    }

    /** bitmap.flags (QXLBitmapFlags). */
    public int bitmapFlags() {
        return (int) memory.read(address + BMP_FLAGS, 1);
    }

    /** bitmap.x: width in pixels. */
    public long bitmapX() {
        return memory.read(address + BMP_X, 4);
    }

    /** bitmap.y: height in lines. */
    public long bitmapY() {
        return memory.read(address + BMP_Y, 4);
    }

    public long bitmapStride() {
        return memory.read(address + BMP_STRIDE, 4);
    }

    /** bitmap.data: QXLPHYSICAL of the pixels (QXL_BITMAP_DIRECT) or of the first QXLDataChunk. */
    public long bitmapData() {
        return memory.read(address + BMP_DATA, 8);
    }
}
