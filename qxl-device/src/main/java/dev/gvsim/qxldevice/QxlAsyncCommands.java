package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.Map;

import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * QXL's asynchronous I/O commands (QEMU hw/display/qxl.c): the QXL_IO_*_ASYNC ports perform a
 * synchronous command's work ({@link #syncCommand}), one at a time ({@code d->current_async}); a
 * request handed to spice-server completes {@code qxl.async_completion_delay} later
 * (interface_async_complete_io: QXL_INTERRUPT_IO_CMD), one refused before it reached spice completes
 * at once (cancel_async). Simplification: a reset cancels a completion still in flight (QEMU would
 * still deliver its QXL_INTERRUPT_IO_CMD).
 */
final class QxlAsyncCommands {
    static final ParamDef P_ASYNC_DELAY = ParamDef.duration("qxl.async_completion_delay", "50us",
            "estimate (low authority): spice-server worker round trip for a QXL_IO_*_ASYNC cookie; not measured",
            "Delay from an async I/O command to its QXL_INTERRUPT_IO_CMD completion.");

    private final QxlHost host;
    private final Scheduler sched;
    private final EventHandler done;
    private final long delayPs;

    /** d->current_async: the async port in flight, or UNDEFINED_IO. */
    private int current = UNDEFINED_IO;
    /** The pending completion, or NO_EVENT. */
    private long event = Scheduler.NO_EVENT;
    private long completions;

    /** Registers the {@code <id>.async_complete} event handler; {@code p} has {@link #P_ASYNC_DELAY} declared. */
    QxlAsyncCommands(QxlHost host, Scheduler sched, Params p) {
        this.host = host;
        this.sched = sched;
        this.done = sched.handler(QxlDevice.EVENT_ASYNC_COMPLETE, this::complete);
        this.delayPs = p.getDuration(P_ASYNC_DELAY);
    }

    /** ioport_write: the command an async port performs (QXL_IO_UPDATE_AREA for QXL_IO_UPDATE_AREA_ASYNC, ...), else the port. */
    static int syncCommand(int port) {
        switch (port) {
            case IO_UPDATE_AREA_ASYNC:
                return IO_UPDATE_AREA;
            case IO_MEMSLOT_ADD_ASYNC:
                return IO_MEMSLOT_ADD;
            case IO_CREATE_PRIMARY_ASYNC:
                return IO_CREATE_PRIMARY;
            case IO_DESTROY_PRIMARY_ASYNC:
                return IO_DESTROY_PRIMARY;
            case IO_DESTROY_SURFACE_ASYNC:
                return IO_DESTROY_SURFACE_WAIT;
            case IO_DESTROY_ALL_SURFACES_ASYNC:
                return IO_DESTROY_ALL_SURFACES;
            default:
                return port;
        }
    }

    static boolean isAsync(int port) {
        switch (port) {
            case IO_UPDATE_AREA_ASYNC:
            case IO_MEMSLOT_ADD_ASYNC:
            case IO_CREATE_PRIMARY_ASYNC:
            case IO_DESTROY_PRIMARY_ASYNC:
            case IO_DESTROY_SURFACE_ASYNC:
            case IO_DESTROY_ALL_SURFACES_ASYNC:
            case IO_FLUSH_SURFACES_ASYNC:
            case IO_MONITORS_CONFIG_ASYNC:
                return true;
            default:
                return false;
        }
    }

    /** Async port {@code port} (performing {@code io}) starts; false, with a guest bug, while another is in flight. */
    boolean begin(int port, int io) {
        if (current != UNDEFINED_IO) {
            host.setGuestBug(io + " async started before last (" + current + ") complete");
            return false;
        }
        current = port;
        return true;
    }

    /** spice-server was handed the request: an async one completes after the worker's delay. */
    void called(boolean async) {
        if (async) {
            event = sched.scheduleIn(delayPs, done, current);
        }
    }

    /** qxl.c {@code cancel_async}: an async request that never reached spice completes at once. */
    void cancel(boolean async) {
        if (async) {
            host.sendEvents(INTERRUPT_IO_CMD);
            current = UNDEFINED_IO;
        }
    }

    /** interface_async_complete_io: clears current_async and raises QXL_INTERRUPT_IO_CMD. */
    private void complete(long now, long port) {
        event = Scheduler.NO_EVENT;
        current = UNDEFINED_IO;
        completions++;
        host.sendEvents(INTERRUPT_IO_CMD);
    }

    /** qxl_hard_reset: a completion still in flight is dropped (QEMU would deliver it), nothing in flight. */
    void reset() {
        sched.cancel(event);
        event = Scheduler.NO_EVENT;
        current = UNDEFINED_IO;
    }

    long completions() {
        return completions;
    }

    // ================================================================== report and checkpoint

    /** Report key {@code async_completions}. */
    void report(Map<String, Object> out) {
        out.put("async_completions", completions);
    }

    /** current_async and the completion's event handle. */
    void saveInFlight(StateWriter w) {
        w.putInt(current).putLong(event);
    }

    void saveCompletions(StateWriter w) {
        w.putLong(completions);
    }

    /** What {@link #saveInFlight} wrote, read; {@link #valid} is checked by the device (with its mode). */
    final class InFlight implements Runnable {
        final int current;
        private final long event;

        private InFlight(int current, long event) {
            this.current = current;
            this.event = event;
        }

        boolean valid() {
            return current >= UNDEFINED_IO && current < IO_RANGE_SIZE;
        }

        @Override
        public void run() {
            QxlAsyncCommands.this.current = current;
            QxlAsyncCommands.this.event = event;
        }
    }

    InFlight restoreInFlight(StateReader r) throws InputException {
        int c = r.getInt();
        long e = r.getLong();
        return new InFlight(c, e);
    }

    /** The completion count; checked with the guest error list ({@link QxlGuestErrors#LIST}). */
    Runnable restoreCompletions(StateReader r, QxlCheckpoint ck) throws InputException {
        long n = r.getLong();
        ck.check(n >= 0, QxlGuestErrors.LIST);
        return () -> completions = n;
    }
}
