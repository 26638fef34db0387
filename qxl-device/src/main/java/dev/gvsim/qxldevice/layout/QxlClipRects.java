package dev.gvsim.qxldevice.layout;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import dev.gvsim.simcore.SparseMemory;

/** {@code QXLClipRects {uint32_t num_rects; QXLDataChunk chunk}} (qxl_dev.h); the rects are QXLRects in the chunk chain. */
public final class QxlClipRects extends QxlStruct {
    public QxlClipRects wrap(SparseMemory m, long a) {
        position(m, a);
        return this;
    }

    /** num_rects, zero-extended. */
    public long numRects() {
        return memory.read(address + CLIP_RECTS_NUM, 4);
    }
}
