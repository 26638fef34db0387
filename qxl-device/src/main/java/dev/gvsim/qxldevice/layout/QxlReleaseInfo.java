package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * {@code QXLReleaseInfo {union {uint64_t id; uint64_t next}}} (qxl_dev.h), the first field of every
 * structure the device releases: the guest's id on the way in, the link of the release list once
 * the device has chained it (QEMU qxl.c interface_release_resource).
 */
public final class QxlReleaseInfo extends QxlStruct {
    public QxlReleaseInfo wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    public long id() {
        return memory.readLong(address + RELEASE_INFO_ID);
    }

    /** Writes the {@code next} link (the same 8 bytes as {@code id}). */
    public QxlReleaseInfo next(long v) {
        memory.writeLong(address + RELEASE_INFO_NEXT, v);
        return this;
    }
}
