package dev.gvsim.qxldevice.spice;

/**
 * The surface the remote display reads pixels from: spice-server's copy of the primary surface
 * (the canvas {@code QxlRenderer} draws into). Pixels are 0x00RRGGBB.
 */
public interface FrameSource {
    /** Width of the primary surface, 0 when there is none. */
    int width();

    /** Height of the primary surface, 0 when there is none. */
    int height();

    /**
     * Copies the {@code w x h} pixels at ({@code x}, {@code y}), which the caller has clipped to
     * the surface, row by row into {@code dst} from index 0 ({@code w} pixels a row).
     */
    void readRect(int x, int y, int w, int h, int[] dst);
}
