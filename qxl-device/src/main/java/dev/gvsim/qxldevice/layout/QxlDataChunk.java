package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/** {@code QXLDataChunk {uint32_t data_size; QXLPHYSICAL prev_chunk; QXLPHYSICAL next_chunk; uint8_t data[]}} (qxl_dev.h). */
public final class QxlDataChunk extends QxlStruct {
    public QxlDataChunk wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    /** data_size, zero-extended. */
    public long dataSize() {
        return memory.read(address + CHUNK_DATA_SIZE, 4);
    }

    public long nextChunk() {
        return memory.read(address + CHUNK_NEXT, 8);
    }

    /** Address of data[0]. */
    public long data() {
        return address + CHUNK_HEADER;
    }
}
