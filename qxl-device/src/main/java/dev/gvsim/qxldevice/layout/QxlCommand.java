package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/** A command ring item: {@code QXLCommand {QXLPHYSICAL data; uint32_t type; uint32_t padding}} (qxl_dev.h). */
public final class QxlCommand extends QxlStruct {
    public QxlCommand wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    /** QXLPHYSICAL of the command's structure. */
    public long data() {
        return memory.readLong(address + COMMAND_DATA);
    }

    /** QXLCmdType. */
    public int type() {
        return memory.readInt(address + COMMAND_TYPE);
    }
}
