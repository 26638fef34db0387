package dev.gvsim.qxldevice;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * What the parts of the QXL model share while one checkpoint is restored: the error that names the
 * device, checks whose failure is reported after a group of fields is read, and the long-array
 * encoding. Each part reads and checks its own fields and hands back an action that applies them;
 * {@link QxlDevice#restoreState} runs the actions only after everything was read and checked.
 */
final class QxlCheckpoint {
    /** The message of the counter checks made once surfaces, releases, the memslot lookup and the clip list are read. */
    static final String COUNTERS = "surface/release/clip counters";

    private final String stateName;
    private String failed;

    QxlCheckpoint(String stateName) {
        this.stateName = stateName;
    }

    InputException bad(String what) {
        return new InputException("checkpoint " + stateName + ": " + what + " is not a state this device can be in");
    }

    /** Records a failed check; {@link #throwFailed} reports the first one. */
    void check(boolean ok, String what) {
        if (!ok && failed == null) {
            failed = what;
        }
    }

    void throwFailed() throws InputException {
        if (failed != null) {
            throw bad(failed);
        }
    }

    static void putLongs(StateWriter w, long[] a) {
        w.putInt(a.length);
        for (long x : a) {
            w.putLong(x);
        }
    }

    /** A non-negative long array of exactly {@code len} entries. */
    long[] getLongs(StateReader r, int len, String what) throws InputException {
        int n = r.getInt();
        if (n != len) {
            throw bad(what + " (" + n + " entries, this model has " + len + ")");
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.getLong();
            if (out[i] < 0) {
                throw bad(what);
            }
        }
        return out;
    }
}
