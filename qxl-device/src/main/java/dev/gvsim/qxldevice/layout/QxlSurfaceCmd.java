package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLSurfaceCmd} (qxl_dev.h, 41 bytes): release info, surface id, type (create / destroy),
 * flags, and {@code u.surface_create {format, width, height, stride, data}}.
 */
public final class QxlSurfaceCmd extends QxlStruct {
    public QxlSurfaceCmd wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    /** uint32_t surface_id, zero-extended. */
    public long surfaceId() {
        return memory.read(address + SCMD_SURFACE_ID, 4);
    }

    /** uint8_t type: QXL_SURFACE_CMD_CREATE or _DESTROY. */
    public int type() {
        return (int) memory.read(address + SCMD_TYPE, 1);
    }

    public int format() {
        return (int) memory.read(address + SCMD_FORMAT, 4);
    }

    public int width() {
        return (int) memory.read(address + SCMD_WIDTH, 4);
    }

    public int height() {
        return (int) memory.read(address + SCMD_HEIGHT, 4);
    }

    public int stride() {
        return (int) memory.read(address + SCMD_STRIDE, 4);
    }

    /** QXLPHYSICAL of the surface's pixels. */
    public long data() {
        return memory.read(address + SCMD_DATA, 8);
    }
}
