package dev.gvsim.qxldevice.spice;

/**
 * What the red worker tells the remote-display side about each drawable it rendered on the
 * primary surface (spice-server display-channel.c: every drawable enters the display channel's
 * tree and is sent to the clients). Called after the canvas drew it, so the surface already holds
 * its pixels.
 */
public interface DrawableListener {
    /** QXL_DRAW_FILL with a solid brush. */
    int KIND_FILL = 1;
    /** QXL_DRAW_COPY of a bitmap. */
    int KIND_COPY = 3;

    /**
     * One rendered drawable: its kind, whether it replaces everything under its box (a PUT raster
     * op without destination or result inversion, and no clip rectangles: SPICE's opaque
     * drawables, which hide what is below them in the tree), its bbox (left, top inclusive;
     * right, bottom exclusive; not yet clipped to the surface) and, for a fill, its colour.
     */
    void drawn(long nowPs, int kind, boolean opaque, int left, int top, int right, int bottom, int color);
}
