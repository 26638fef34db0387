package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/** {@code QXLMonitorsConfig {uint16_t count; uint16_t max_allowed; QXLHead heads[]}} (qxl_dev.h). */
public final class QxlMonitorsConfig extends QxlStruct {
    public QxlMonitorsConfig wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    public int count() {
        return (int) memory.read(address + MONITORS_CONFIG_COUNT, 2);
    }
}
