package dev.gvsim.viewer;

/**
 * One snapshot of one display output, handed from the simulation thread to the render thread. The
 * pixel array is reused: a frame comes from {@link FrameExchange#acquire} and goes back with
 * {@link FrameExchange#release}; it grows only when an output gets larger (a mode change).
 */
public final class Frame {
    /** Which output: {@code <device id> <output name>}, e.g. {@code qxl0 primary}. */
    String source = "";
    /** Position of the output in the window, left to right in device order. */
    int slot;
    int width;
    int height;
    /** Pixels as 0xRRGGBB, row 0 at the top, {@code width * height} used. */
    int[] pixels = new int[0];
    /** The trace record after which the snapshot was taken (1-based). */
    long record;
    /** Simulated time of the snapshot, ps. */
    long timePs;
    /** Set on the frames taken after the last record (the replay's final picture). */
    boolean last;

    Frame() {
    }

    /** Sizes the frame for a {@code width x height} output (the array grows, never shrinks). */
    void size(int w, int h) {
        width = w;
        height = h;
        if (pixels.length < w * h) {
            pixels = new int[w * h];
        }
    }

    public String source() {
        return source;
    }

    public int slot() {
        return slot;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The pixel array (0xRRGGBB, {@code width * height} used; may be longer). */
    public int[] pixels() {
        return pixels;
    }

    public long record() {
        return record;
    }

    public long timePs() {
        return timePs;
    }

    public boolean last() {
        return last;
    }
}
