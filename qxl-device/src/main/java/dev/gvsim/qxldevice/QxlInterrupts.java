package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.qxldevice.layout.QxlRamHeader;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * QXL's interrupt logic (QEMU hw/display/qxl.c qxl_send_events, qxl_update_irq): events are bits
 * the device sets in QXLRam's int_pending, the guest masks them with int_mask, and the level is
 * {@code (int_pending & int_mask) != 0}; the device turns the level into its PCI Interrupt Status
 * and INTx pin. Counts the events raised, by bit.
 */
final class QxlInterrupts {
    /** Where the level goes: the PCI function's Interrupt Status bit and INTx pin. */
    interface Line {
        void level(boolean asserted);
    }

    private final QxlRamHeader hdr;
    private final Line line;
    private final long[] raised = new long[INTERRUPT_NAMES.size()];

    QxlInterrupts(QxlRamHeader hdr, Line line) {
        this.hdr = hdr;
        this.line = line;
    }

    /** qxl_send_events: int_pending |= events (in guest-visible RAM); re-evaluate the pin on a new bit. */
    void send(int events) {
        int old = hdr.intPending();
        hdr.intPending(old | events);
        for (int b = 0; b < raised.length; b++) {
            if ((events & (1 << b)) != 0) {
                raised[b]++;
            }
        }
        if ((old & events) == events) {
            return;
        }
        update();
    }

    /** qxl_update_irq: level = (int_pending & int_mask) != 0. */
    void update() {
        int pending = hdr.intPending();
        int mask = hdr.intMask();
        line.level((pending & mask) != 0);
    }

    /** Report key {@code interrupts_raised}: events raised by name. */
    void report(Map<String, Object> out) {
        Map<String, Object> ints = new TreeMap<>();
        for (int i = 0; i < INTERRUPT_NAMES.size(); i++) {
            ints.put(INTERRUPT_NAMES.get(i), raised[i]);
        }
        out.put("interrupts_raised", ints);
    }

    void saveCounts(StateWriter w) {
        QxlCheckpoint.putLongs(w, raised);
    }

    Runnable restoreCounts(StateReader r, QxlCheckpoint ck) throws InputException {
        long[] ir = ck.getLongs(r, raised.length, "interrupt counts");
        return () -> System.arraycopy(ir, 0, raised, 0, ir.length);
    }
}
