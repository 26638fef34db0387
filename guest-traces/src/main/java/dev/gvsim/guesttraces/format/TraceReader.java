package dev.gvsim.guesttraces.format;

import dev.gvsim.simcore.InputException;

/** A streaming source of trace records: fills one reusable record per call. */
public interface TraceReader extends AutoCloseable {
    /**
     * Fills {@code r} (cleared first) with the next record.
     *
     * @return false at the end of the trace
     * @throws InputException on malformed, truncated or corrupt input, naming the line or byte offset
     */
    boolean next(TraceRecord r) throws InputException;

    /**
     * Tells the reader that its caller does not read {@code x-} keys (docs/trace-format.md: annotations
     * for people, such as {@code x-insn}), so it may leave them out of the records it fills. They are
     * still read and checked: a malformed key is an error either way. The replayer calls this; trace
     * tools that print or convert records do not.
     */
    default void omitExtensions() {
    }

    /**
     * The caller promises to only read the record it passes to {@link #next}, never write to it, so
     * a reader may skip resetting fields that it knows it left at their defaults itself. The replayer
     * calls this; code that edits records (converters, tests) does not.
     */
    default void callerOnlyReadsRecords() {
    }

    /**
     * Takes the next record when it is the next store of a run the caller is replaying: a {@code wr}
     * of {@code size} (at most 8) bytes with {@code flags}, by CPU {@code cpu}, at {@code va}, without
     * {@code t=}, with a value exactly when {@code hasValue}, that {@link #next} would return without
     * an error. It is then consumed and counted as {@link #next} would, without filling a record (its
     * value, if any, is {@link #runStoreValue}); the record the caller last passed to {@link #next} is
     * left as it was. Returns false, having consumed nothing, for any other record, at the end of a
     * chunk or of the trace, and for a reader without this short path (the default): the caller then
     * calls {@link #next}. Only callers that {@link #callerOnlyReadsRecords} and {@link #omitExtensions}
     * may use it. The replayer's runs of stores use it (issue 29); ReplayBatchDifferentialTest and
     * BinaryRunStoreTest compare it with {@link #next}.
     */
    default boolean nextRunStore(long va, long size, int flags, int cpu, boolean hasValue) {
        return false;
    }

    /**
     * Counts, without taking them, up to {@code max} records that follow and are each the next store
     * of a run without values, as {@link #nextRunStore} would take them one by one (the first at
     * {@code va}). Returns 0 when the reader cannot tell them without decoding each (the default);
     * the caller then goes on with {@link #nextRunStore} or {@link #next}. Nothing is consumed until
     * {@link #commitRunStores}; any other call first is allowed and drops what was counted.
     */
    default int peekRunStores(long va, long size, int flags, int cpu, int max) {
        return 0;
    }

    /**
     * Takes the first {@code n} (0 to the count {@link #peekRunStores} just returned) of the records
     * it counted, as {@code n} successful {@link #nextRunStore} calls would.
     */
    default void commitRunStores(int n) {
        if (n != 0) {
            throw new IllegalArgumentException("commitRunStores(" + n + ") without peekRunStores");
        }
    }

    /** The value of the store {@link #nextRunStore} last took (0 when it had none). */
    default long runStoreValue() {
        return 0;
    }

    /**
     * After {@link #next} returned false: what is wrong with how the trace ended that did not stop it
     * being read, or null. The text form says so when its end line ({@code end records=N},
     * docs/trace-format.md) is missing (a truncated trace, or one written before end lines existed)
     * or counts differently; a reader asked to require the end line throws instead. The binary form
     * detects truncation itself and always returns null.
     */
    default String endWarning() {
        return null;
    }

    @Override
    void close() throws java.io.IOException;
}
