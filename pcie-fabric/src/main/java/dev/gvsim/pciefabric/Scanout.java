package dev.gvsim.pciefabric;

/**
 * One display output of a device (QXL's primary surface, a Bochs VBE framebuffer, a virtio-gpu
 * scanout): what {@code --dump-scanout} writes and a viewer shows. Reading is on demand from the
 * device's memory, never a copy kept in step.
 */
public interface Scanout {
    /** Short name, unique within the device ({@code primary}, {@code vbe}, {@code scanout0}). */
    String name();

    /** True if the device currently displays this output (mode set, surface created, enabled). */
    boolean active();

    int width();

    int height();

    /** Bits per pixel of the guest's format (32 for x8r8g8b8). */
    int bitsPerPixel();

    /** Pixel {@code (x, y)} as 0xRRGGBB; 0 outside the output or while it is not active. */
    int pixel(int x, int y);

    /** Reads row {@code y} as 0xRRGGBB into {@code dst[0..width)}; must not allocate. */
    default void readRow(int y, int[] dst) {
        int w = width();
        for (int x = 0; x < w; x++) {
            dst[x] = pixel(x, y);
        }
    }
}
