package dev.gvsim.guesttraces.format;

import dev.gvsim.simcore.InputException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: parse text, write text/binary in memory. */
final class Traces {
    private Traces() {
    }

    static List<TraceRecord> parse(String text) throws InputException {
        List<TraceRecord> out = new ArrayList<>();
        TraceRecord r = new TraceRecord();
        TextTraceReader in = new TextTraceReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        while (in.next(r)) {
            TraceRecord c = new TraceRecord();
            c.copyFrom(r);
            out.add(c);
        }
        return out;
    }

    static TraceRecord one(String recordLine) throws InputException {
        List<TraceRecord> l = parse("gvsim-trace 1\n" + recordLine + "\n");
        if (l.size() != 1) {
            throw new AssertionError("expected one record, got " + l.size());
        }
        return l.get(0);
    }

    static List<TraceRecord> readAll(TraceReader in) throws InputException {
        List<TraceRecord> out = new ArrayList<>();
        TraceRecord r = new TraceRecord();
        while (in.next(r)) {
            TraceRecord c = new TraceRecord();
            c.copyFrom(r);
            out.add(c);
        }
        return out;
    }

    static String text(List<TraceRecord> recs) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (TextTraceWriter w = new TextTraceWriter(bo)) {
            for (TraceRecord r : recs) {
                w.write(r);
            }
        }
        return bo.toString(StandardCharsets.UTF_8);
    }

    static byte[] binary(List<TraceRecord> recs) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (BinaryTraceWriter w = new BinaryTraceWriter(bo)) {
            for (TraceRecord r : recs) {
                w.write(r);
            }
        }
        return bo.toByteArray();
    }

    static List<TraceRecord> fromBinary(byte[] b) throws InputException {
        return readAll(new BinaryTraceReader(new ByteArrayInputStream(b)));
    }

    static void assertSame(List<TraceRecord> a, List<TraceRecord> b) {
        if (a.size() != b.size()) {
            throw new AssertionError("record count " + a.size() + " vs " + b.size());
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).sameContent(b.get(i))) {
                throw new AssertionError("record " + (i + 1) + " differs:\n  " + a.get(i) + "\n  " + b.get(i));
            }
        }
    }
}
