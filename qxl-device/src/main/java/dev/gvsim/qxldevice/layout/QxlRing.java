package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/**
 * A SPICE ring header and its items (spice-protocol spice/ipc_ring.h {@code SPICE_RING_DECLARE}:
 * {@code {uint32_t num_items, prod, notify_on_prod, cons, notify_on_cons; type items[num_items]}}):
 * QXLCommandRing and QXLCursorRing (QXLCommand items), QXLReleaseRing (uint64_t items).
 */
public final class QxlRing extends QxlStruct {
    public QxlRing wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    /** SPICE_RING_INIT: {@code n} items, empty, notify on the first push, not on consumption. */
    public QxlRing init(int n) {
        return numItems(n).prod(0).cons(0).notifyOnProd(1).notifyOnCons(0);
    }

    public int numItems() {
        return memory.readInt(address + RING_NUM_ITEMS);
    }

    public QxlRing numItems(int v) {
        memory.writeInt(address + RING_NUM_ITEMS, v);
        return this;
    }

    public int prod() {
        return memory.readInt(address + RING_PROD);
    }

    public QxlRing prod(int v) {
        memory.writeInt(address + RING_PROD, v);
        return this;
    }

    public int notifyOnProd() {
        return memory.readInt(address + RING_NOTIFY_ON_PROD);
    }

    public QxlRing notifyOnProd(int v) {
        memory.writeInt(address + RING_NOTIFY_ON_PROD, v);
        return this;
    }

    public int cons() {
        return memory.readInt(address + RING_CONS);
    }

    public QxlRing cons(int v) {
        memory.writeInt(address + RING_CONS, v);
        return this;
    }

    public int notifyOnCons() {
        return memory.readInt(address + RING_NOTIFY_ON_CONS);
    }

    public QxlRing notifyOnCons(int v) {
        memory.writeInt(address + RING_NOTIFY_ON_CONS, v);
        return this;
    }

    /** Address of item {@code index} of {@code itemSize} bytes (the caller checked the index). */
    public long item(int index, int itemSize) {
        return address + RING_ITEMS + (long) index * itemSize;
    }

    /** Item {@code index} of a ring of uint64_t (QXLReleaseRing). */
    public long u64Item(int index) {
        return memory.readLong(item(index, RELEASE_RING_ITEM_SIZE));
    }

    public QxlRing u64Item(int index, long v) {
        memory.writeLong(item(index, RELEASE_RING_ITEM_SIZE), v);
        return this;
    }
}
