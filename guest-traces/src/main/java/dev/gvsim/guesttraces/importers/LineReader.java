package dev.gvsim.guesttraces.importers;

import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.Reader;

/** Reads lines (LF or CRLF) with a bound on the line length, so a file without newlines cannot exhaust memory. */
final class LineReader {
    /** Longest accepted line in characters; real QEMU log and mmiotrace lines are under 300. */
    static final int MAX_LINE = 1 << 16;

    private final Reader in;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int lim;
    private final StringBuilder sb = new StringBuilder(256);
    private long lineNo;

    LineReader(Reader in) {
        this.in = in;
    }

    /** Line number of the line last returned (1-based). */
    long lineNo() {
        return lineNo;
    }

    /** The next line without its terminator, or null at the end. */
    String next() throws IOException, InputException {
        sb.setLength(0);
        boolean any = false;
        while (true) {
            if (pos == lim) {
                lim = in.read(buf, 0, buf.length);
                pos = 0;
                if (lim <= 0) {
                    lim = 0;
                    if (!any) {
                        return null;
                    }
                    lineNo++;
                    return trimCr();
                }
            }
            any = true;
            int start = pos;
            while (pos < lim && buf[pos] != '\n') {
                pos++;
            }
            if (sb.length() + (pos - start) > MAX_LINE) {
                throw new InputException("line " + (lineNo + 1) + ": longer than " + MAX_LINE + " characters");
            }
            sb.append(buf, start, pos - start);
            if (pos < lim) {
                pos++;
                lineNo++;
                return trimCr();
            }
        }
    }

    private String trimCr() {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
        }
        return sb.toString();
    }
}
