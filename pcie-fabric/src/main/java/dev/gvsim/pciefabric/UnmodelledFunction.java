package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;

/**
 * A function gvsim does not model, placed where the recording had it ({@code -device
 * unmodelled,of=e1000,bus=rp1}): it occupies its slot (a root port above it sees a device present,
 * its link up, as QEMU's does), accepts configuration writes and answers reads from a plain type 0
 * header, but nothing it answers is a claim about the real device: a replay reports the reads of
 * its configuration space as not modelled instead of comparing them ({@link #modelled()}). It has no
 * BARs, so memory or I/O accesses to the real device's BARs are unclaimed. {@code vendor=} and
 * {@code device=} set the IDs it reports (default 0xffff, "no device", so allocators leave it alone).
 */
public final class UnmodelledFunction extends PciFunction {
    public static final String TYPE = "unmodelled";

    private final String of;

    UnmodelledFunction(String of, int vendor, int device) {
        super(TYPE, vendor, device, 0, 0, false);
        this.of = of;
        sealResetImage();
    }

    /** The QEMU device this stands for ({@code of=}). */
    public String of() {
        return of;
    }

    @Override
    public boolean modelled() {
        return false;
    }

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        if (a.isRead()) {
            a.data = a.sizeMask();
        }
    }
}
