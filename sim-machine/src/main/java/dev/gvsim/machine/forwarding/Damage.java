package dev.gvsim.machine.forwarding;

/**
 * The guest workload's per-frame damage on a grid of tiles (docs/passthrough-forwarding.md "Damage"):
 * the frame is cut into {@code tilePx} x {@code tilePx} tiles (the right and bottom ones clipped to the
 * frame), and frame k dirties a band of {@code ceil(fraction x tile rows)} whole tile rows starting at
 * row {@code (k x band) mod rows}, wrapping at the bottom: a scrolling region (a document, a terminal, a
 * video strip) that moves one band a frame. {@code fraction} 1 dirties every tile of every frame (a
 * game or full-screen video), 0 none (a static desktop). The bytes a frame's damage covers are the
 * dirty tiles' clipped pixels x 4 (32-bit RGBA), so a full damage is exactly the frame and a band that
 * takes the clipped bottom row is smaller than one that does not.
 *
 * <p>Immutable, and no allocation per frame.
 */
public final class Damage {
    public final int width;
    public final int height;
    public final int tilePx;
    public final double fraction;
    public final int tileCols;
    public final int tileRows;
    /** Tile rows a frame dirties. */
    public final int bandRows;

    public Damage(int width, int height, int tilePx, double fraction) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("frame size must be positive, got " + width + "x" + height);
        }
        if (tilePx < 1) {
            throw new IllegalArgumentException("tile size must be positive, got " + tilePx);
        }
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("dirty fraction must be in [0, 1], got " + fraction);
        }
        this.width = width;
        this.height = height;
        this.tilePx = tilePx;
        this.fraction = fraction;
        this.tileCols = (width + tilePx - 1) / tilePx;
        this.tileRows = (height + tilePx - 1) / tilePx;
        this.bandRows = (int) Math.min(tileRows, Math.ceil(fraction * tileRows - 1e-9));
    }

    /** The first tile row frame {@code k} dirties. */
    public int firstRow(long k) {
        return tileRows == 0 || bandRows == 0 ? 0 : (int) ((k % tileRows) * bandRows % tileRows);
    }

    /** Tiles frame {@code k} dirties. */
    public long dirtyTiles(long k) {
        return (long) bandRows * tileCols;
    }

    /** Pixels of the tiles frame {@code k} dirties (clipped to the frame). */
    public long dirtyPixels(long k) {
        if (bandRows == tileRows) {
            return (long) width * height;
        }
        int r = firstRow(k);
        long rowsPx = 0;
        for (int i = 0; i < bandRows; i++) {
            int row = (r + i) % tileRows;
            rowsPx += Math.min(tilePx, height - (long) row * tilePx);
        }
        return rowsPx * width;
    }

    /** Bytes of the tiles frame {@code k} dirties (32-bit pixels). */
    public long dirtyBytes(long k) {
        return 4 * dirtyPixels(k);
    }

    public long frameBytes() {
        return 4L * width * height;
    }
}
