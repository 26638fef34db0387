package dev.gvsim.simcore;

/**
 * A level-triggered interrupt line (PCI INTx) from a device to whoever listens (the guest model,
 * the replayer's report). Counts rising edges; raising an already high line is not an edge.
 */
public final class IrqLine implements dev.gvsim.simcore.state.Checkpointable {
    /** Notified on every level change. */
    @FunctionalInterface
    public interface Listener {
        void levelChanged(IrqLine line, boolean level, long now);
    }

    private final String name;
    private boolean level;
    private long risingEdges;
    private Listener listener;

    public IrqLine(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void setListener(Listener l) {
        this.listener = l;
    }

    public void set(boolean high, long now) {
        if (high == level) {
            return;
        }
        level = high;
        if (high) {
            risingEdges++;
        }
        if (listener != null) {
            listener.levelChanged(this, high, now);
        }
    }

    public boolean level() {
        return level;
    }

    public long risingEdges() {
        return risingEdges;
    }

    @Override
    public String stateName() {
        return "irq." + name;
    }

    /** Level and rising-edge count; a restore sets them without notifying the listener (no edge happened). */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putBoolean(level).putLong(risingEdges);
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws InputException {
        level = r.getBoolean();
        long e = r.getLong();
        if (e < 0) {
            throw new InputException("checkpoint " + stateName() + ": " + e + " rising edges");
        }
        risingEdges = e;
    }
}
