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

    @Override
    void close() throws java.io.IOException;
}
