package dev.gvsim.guesttraces.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * What the frames of {@link VirtioGpuLinuxDriver#frame} draw: the rectangles (x, y, w, h, 0xRRGGBB)
 * of each frame. {@code FULL}: the whole buffer cleared to a grey each frame, two rectangles, the
 * damage is the screen; {@code PARTIAL}: one moving 64x64 rectangle, its damage; {@code WINDOWS}:
 * three windows, window k redrawn every (k + 1)th frame, one damage each; {@code VIDEO}: a video
 * window (two thirds of the screen each side, centred) redrawn every 2nd frame (30 fps in a 60 Hz
 * desktop), its damage the window; {@code MULTI}: one window
 * per output (with several outputs): output k redrawn whole every (k + 1)th frame tick (cleared to
 * the grey {@link #background(int, int)}, one rectangle a quarter of the output each side), its
 * damage the whole output, so output 0 runs at the tick rate, output 1 at half, and so on.
 */
public enum VirtioGpuWorkload {
    FULL, PARTIAL, WINDOWS, VIDEO, MULTI;

    /** {@code MULTI}: whether output {@code k} is redrawn at tick {@code i} (every (k + 1)th tick). */
    public static boolean redraws(int i, int k) {
        return i % (k + 1) == 0;
    }

    /**
     * The rectangles tick {@code i} draws on output {@code k} of {@code width} x {@code height}:
     * {@code MULTI} one moving rectangle when the output is due, none otherwise; the other
     * workloads draw on output 0 only ({@link #rects}).
     */
    public int[][] outputRects(int i, int k, int width, int height) {
        if (this != MULTI) {
            return k == 0 ? rects(i, width, height) : new int[0][];
        }
        if (!redraws(i, k)) {
            return new int[0][];
        }
        int w = Math.max(2, width / 4);
        int h = Math.max(1, height / 4);
        return new int[][] {{(32 + 48 * i + 64 * k) % Math.max(1, width - w), (32 + 24 * i + 16 * k) % Math.max(1, height - h), w, h,
                colour(i, k)}};
    }

    /** {@code MULTI}: the grey output {@code k} is cleared to at tick {@code i} (a memset byte). */
    public static int background(int i, int k) {
        return 0x20 + 8 * ((i + k) % 8);
    }

    /** Colour of frame {@code i}, window {@code k}. */
    public static int colour(int i, int k) {
        int[] base = {0xD03030, 0x30B040, 0x3050E0, 0xE0C020, 0xA040C0};
        return base[(i + k) % base.length];
    }

    /** The rectangles a frame of each workload draws: {x, y, w, h, rgb} (also used by tests to check pixels). */
    public int[][] rects(int i, int width, int height) {
        return switch (this) {
            case FULL -> new int[][] {{32 + 16 * i, 32, 128, 64, colour(i, 0)}, {width / 2, height / 2, 96, 48, colour(i, 1)}};
            case PARTIAL -> new int[][] {{(40 + 72 * i) % Math.max(1, width - 64), (24 + 40 * i) % Math.max(1, height - 64), 64, 64, colour(i, 2)}};
            case WINDOWS -> {
                int[][] win = {{40, 40, 160, 120}, {width - 240, 60, 96, 96}, {80, height - 160, 64, 48}};
                List<int[]> out = new ArrayList<>();
                for (int k = 0; k < win.length; k++) {
                    if (i % (k + 1) == 0) { // window k updates every (k + 1)th frame
                        out.add(new int[] {win[k][0], win[k][1], win[k][2], win[k][3], colour(i, k)});
                    }
                }
                yield out.toArray(new int[0][]);
            }
            case VIDEO -> {
                if (i % 2 != 0) {
                    yield new int[0][];
                }
                int w = Math.max(2, width * 2 / 3);
                int h = Math.max(1, height * 2 / 3);
                yield new int[][] {{(width - w) / 2, (height - h) / 2, w, h, colour(i / 2, 3)}};
            }
            case MULTI -> outputRects(i, 0, width, height);
        };
    }

    /** The background grey of a full-screen redraw in frame {@code i} (a memset byte). */
    public static int background(int i) {
        return 0x20 + 8 * (i % 8);
    }

}
