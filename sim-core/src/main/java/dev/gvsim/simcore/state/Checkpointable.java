package dev.gvsim.simcore.state;

import dev.gvsim.simcore.InputException;

/**
 * A piece of model state that takes part in checkpoints (issue 11). {@link #saveState} writes
 * everything needed to continue exactly where the model stands; {@link #restoreState} reads it back
 * into a freshly built instance of the same configuration. The property every implementation must
 * keep (and test): save, restore into a fresh instance, save again gives identical bytes.
 */
public interface Checkpointable {
    /** The section name this state is stored under (unique within a checkpoint, e.g. "ram", "qxl0"). */
    String stateName();

    void saveState(StateWriter w);

    /** Reads what {@link #saveState} wrote; bad or foreign content is an InputException naming what. */
    void restoreState(StateReader r) throws InputException;
}
