package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/** {@code QXLMode {uint32_t id, x_res, y_res, bits, stride, x_mili, y_mili, orientation}} (qxl_dev.h), one entry of the ROM's QXLModes. */
public final class QxlMode extends QxlStruct {
    public QxlMode wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    private QxlMode u32(int off, int v) {
        memory.writeInt(address + off, v);
        return this;
    }

    public int xRes() {
        return memory.readInt(address + MODE_OFF_X_RES);
    }

    public int yRes() {
        return memory.readInt(address + MODE_OFF_Y_RES);
    }

    public int bits() {
        return memory.readInt(address + MODE_OFF_BITS);
    }

    public QxlMode id(int v) {
        return u32(MODE_OFF_ID, v);
    }

    public QxlMode xRes(int v) {
        return u32(MODE_OFF_X_RES, v);
    }

    public QxlMode yRes(int v) {
        return u32(MODE_OFF_Y_RES, v);
    }

    public QxlMode bits(int v) {
        return u32(MODE_OFF_BITS, v);
    }

    public QxlMode stride(int v) {
        return u32(MODE_OFF_STRIDE, v);
    }

    public QxlMode xMili(int v) {
        return u32(MODE_OFF_X_MILI, v);
    }

    public QxlMode yMili(int v) {
        return u32(MODE_OFF_Y_MILI, v);
    }

    public QxlMode orientation(int v) {
        return u32(MODE_OFF_ORIENTATION, v);
    }
}
