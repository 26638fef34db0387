package dev.gvsim.qxldevice.layout;

import dev.gvsim.simcore.SparseMemory;

/**
 * A reusable view of one packed QXL structure in a {@link SparseMemory}: the flyweight of Agrona and
 * SBE codecs. {@code wrap(memory, address)} positions it; each accessor reads or writes one field, at
 * the {@link QxlLayout} offset of that field, directly in the memory. Nothing is copied or allocated:
 * a holder keeps one instance per role and wraps it again for the next structure. Accessors check no
 * bounds beyond SparseMemory's own, so a caller wraps only a structure it has already checked lies
 * in the memory (for a guest structure: after resolving its QXLPHYSICAL through a memslot).
 */
public abstract class QxlStruct {
    /** The memory the structure lies in (null until wrapped). */
    protected SparseMemory memory;
    /** Offset of the structure's first byte in {@link #memory}. */
    protected long address;

    protected final void position(SparseMemory m, long a) {
        this.memory = m;
        this.address = a;
    }

    public final SparseMemory memory() {
        return memory;
    }

    public final long address() {
        return address;
    }
}
