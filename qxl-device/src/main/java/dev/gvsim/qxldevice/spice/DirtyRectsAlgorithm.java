package dev.gvsim.qxldevice.spice;

/**
 * {@code dirty-rects}, SPICE's baseline as the Linux driver drives it: every drawable is sent as
 * it comes, a fill as draw_fill, a copy as draw_copy of its box's pixels with the lossless
 * LZ-family codec (raw under 54 bytes). No image is cached: the Linux qxl driver gives its images
 * id 0 and no QXL_IMAGE_CACHE flag, so spice-server has nothing to cache them by.
 */
final class DirtyRectsAlgorithm extends UpdateAlgorithm {
    DirtyRectsAlgorithm(SpiceParams prm, FrameSource src) {
        super(SpiceParams.DIRTY_RECTS, prm, src);
    }

    @Override
    void drawn(long nowPs, int bucket, int kind, boolean opaque, Box box, int color) {
        if (kind == DrawableListener.KIND_FILL) {
            sendFill(bucket);
            return;
        }
        send(bucket, encodeLossless(read(box), box.width(), box.height()));
    }

    @Override
    void flush(int bucket, long endPs) {
        // nothing is held back
    }
}
