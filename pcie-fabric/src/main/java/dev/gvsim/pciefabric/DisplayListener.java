package dev.gvsim.pciefabric;

/**
 * What a display device tells the host display side, as QEMU's display devices tell its UI
 * (ui/console.c): a new surface on an output ({@code dpy_gfx_replace_surface}, or
 * {@code dpy_gl_scanout_dmabuf} when the surface is the guest's own pages), a dirty rectangle
 * ({@code dpy_gfx_update} / {@code dpy_gl_update}), and the bytes the device's CPU copied into a
 * host image for the guest (virtio-gpu's TRANSFER_TO_HOST_2D), so the host side can account for
 * every copy of a frame. Calls come at the device's simulated time, in order, and must not
 * allocate. {@link #update} and {@link #copied} run on the thread that runs the device (QEMU's
 * main loop) and return when that thread is free again: a UI that works synchronously in
 * {@code dpy_gfx_update} (SPICE's update copy, GL's texture upload), or a thread busy with earlier
 * UI work, delays the device's answer to the guest; the device completes the command no earlier.
 */
public interface DisplayListener {
    /** No host display modelled: every call is ignored. */
    DisplayListener NONE = new DisplayListener() {
        @Override
        public void surface(int output, int width, int height, boolean guestPages, long nowPs) {
        }

        @Override
        public long update(int output, int x, int y, int width, int height, long nowPs) {
            return nowPs;
        }

        @Override
        public long copied(long bytes, long durationPs, long nowPs) {
            return nowPs + durationPs;
        }
    };

    /**
     * Output {@code output} now shows a {@code width} × {@code height} surface (0 × 0: disabled).
     * {@code guestPages}: the surface is a view of guest memory (a blob over guest pages: the host
     * imports it, nothing is copied); false: a host copy the device keeps up to date.
     */
    void surface(int output, int width, int height, boolean guestPages, long nowPs);

    /** The rectangle of {@code output} changed and should reach the screen; returns when the device's thread is free again (≥ {@code nowPs}). */
    long update(int output, int x, int y, int width, int height, long nowPs);

    /**
     * The device's CPU copied {@code bytes} of guest pixels into a host image, taking
     * {@code durationPs} of the VMM thread that runs the device (QEMU's main loop) from {@code nowPs};
     * returns when the copy is done on that thread (≥ {@code nowPs + durationPs}).
     */
    long copied(long bytes, long durationPs, long nowPs);
}
