package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLSurfaceCreate {uint32_t width, height; int32_t stride; uint32_t format, position,
 * mouse_mode, flags, type; QXLPHYSICAL mem}} (qxl_dev.h): QXLRam's create_surface, read by
 * QXL_IO_CREATE_PRIMARY (QEMU qxl.c qxl_create_guest_primary).
 */
public final class QxlSurfaceCreate extends QxlStruct {
    public QxlSurfaceCreate wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    public int width() {
        return memory.readInt(address + SC_WIDTH);
    }

    public int height() {
        return memory.readInt(address + SC_HEIGHT);
    }

    public int stride() {
        return memory.readInt(address + SC_STRIDE);
    }

    public int format() {
        return memory.readInt(address + SC_FORMAT);
    }

    public int flags() {
        return memory.readInt(address + SC_FLAGS);
    }

    public long mem() {
        return memory.readLong(address + SC_MEM);
    }
}
