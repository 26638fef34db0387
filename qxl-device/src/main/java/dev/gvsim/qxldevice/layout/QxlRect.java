package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/** {@code QXLRect {int32_t top, left, bottom, right}} (spice-protocol qxl_dev.h). */
public final class QxlRect extends QxlStruct {
    public QxlRect wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    public int top() {
        return memory.readInt(address + RECT_TOP);
    }

    public int left() {
        return memory.readInt(address + RECT_LEFT);
    }

    public int bottom() {
        return memory.readInt(address + RECT_BOTTOM);
    }

    public int right() {
        return memory.readInt(address + RECT_RIGHT);
    }
}
