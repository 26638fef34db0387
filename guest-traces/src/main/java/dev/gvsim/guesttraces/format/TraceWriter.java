package dev.gvsim.guesttraces.format;

/** A streaming sink of trace records. Records that break docs/trace-format.md rules are rejected. */
public interface TraceWriter extends AutoCloseable {
    void write(TraceRecord r) throws java.io.IOException;

    @Override
    void close() throws java.io.IOException;
}
