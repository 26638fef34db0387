package dev.gvsim.qxldevice.spice;

import java.util.List;

/** A rectangle of the surface: left, top inclusive; right, bottom exclusive. */
record Box(int left, int top, int right, int bottom) {
    int width() {
        return right - left;
    }

    int height() {
        return bottom - top;
    }

    long area() {
        return (long) width() * height();
    }

    boolean isEmpty() {
        return left >= right || top >= bottom;
    }

    boolean intersects(Box o) {
        return left < o.right && o.left < right && top < o.bottom && o.top < bottom;
    }

    boolean contains(Box o) {
        return o.left >= left && o.right <= right && o.top >= top && o.bottom <= bottom;
    }

    Box union(Box o) {
        return new Box(Math.min(left, o.left), Math.min(top, o.top), Math.max(right, o.right), Math.max(bottom, o.bottom));
    }

    /** This box clipped to {@code w x h}, or null if nothing is left. */
    Box clip(int w, int h) {
        Box c = new Box(Math.max(0, left), Math.max(0, top), Math.min(w, right), Math.min(h, bottom));
        return c.isEmpty() ? null : c;
    }

    /** Adds to {@code out} the parts of this box outside {@code cut} (up to 4 boxes; this box itself if they do not meet). */
    void subtract(Box cut, List<Box> out) {
        if (!intersects(cut)) {
            out.add(this);
            return;
        }
        if (cut.top > top) {
            out.add(new Box(left, top, right, cut.top));
        }
        if (cut.bottom < bottom) {
            out.add(new Box(left, cut.bottom, right, bottom));
        }
        int t = Math.max(top, cut.top);
        int b = Math.min(bottom, cut.bottom);
        if (cut.left > left) {
            out.add(new Box(left, t, cut.left, b));
        }
        if (cut.right < right) {
            out.add(new Box(cut.right, t, right, b));
        }
    }
}
