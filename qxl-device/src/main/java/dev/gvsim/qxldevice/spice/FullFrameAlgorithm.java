package dev.gvsim.qxldevice.spice;

/**
 * {@code full-frame}: at the end of every update period in which anything was drawn, the whole
 * primary surface goes to the client as one draw_copy with the lossless codec (what a
 * frame-grabbing remote display without damage information sends).
 */
final class FullFrameAlgorithm extends UpdateAlgorithm {
    private boolean dirty;
    long frames;

    FullFrameAlgorithm(SpiceParams prm, FrameSource src) {
        super(SpiceParams.FULL_FRAME, prm, src);
    }

    @Override
    void drawn(long nowPs, int bucket, int kind, boolean opaque, Box box, int color) {
        dirty = true;
    }

    @Override
    void flush(int bucket, long endPs) {
        if (!dirty) {
            return;
        }
        dirty = false;
        int w = src.width();
        int h = src.height();
        if (w <= 0 || h <= 0) {
            return;
        }
        Box all = new Box(0, 0, w, h);
        send(bucket, encodeLossless(read(all), w, h));
        frames++;
    }

    @Override
    void reportMore(java.util.Map<String, Object> out) {
        out.put("frames", frames);
    }
}
