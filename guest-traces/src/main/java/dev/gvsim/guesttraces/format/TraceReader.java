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
