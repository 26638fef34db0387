package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TextTraceWriter;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Test helper: an import written as text and read back through the format's own reader. */
final class Imported {
    final ImportReport report;
    final List<TraceRecord> records;
    final String text;

    private Imported(ImportReport report, List<TraceRecord> records, String text) {
        this.report = report;
        this.records = records;
        this.text = text;
    }

    static Imported of(String format, String input, ImportOptions opts) throws Exception {
        return of(format, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), "test.log", opts);
    }

    static Imported of(String format, InputStream in, String source, ImportOptions opts) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ImportReport rep;
        try (TextTraceWriter w = new TextTraceWriter(bo)) {
            rep = Importers.importStream(format, in, source, w, opts);
        }
        List<TraceRecord> out = new ArrayList<>();
        try (TraceReader r = TraceFiles.open(new ByteArrayInputStream(bo.toByteArray()))) {
            TraceRecord t = new TraceRecord();
            while (r.next(t)) {
                TraceRecord c = new TraceRecord();
                c.copyFrom(t);
                out.add(c);
            }
        }
        return new Imported(rep, out, bo.toString(StandardCharsets.UTF_8));
    }

    /** Records of these ops, as text lines (without t= unless keepTime). */
    List<String> lines(boolean keepTime, Op... ops) {
        List<Op> want = List.of(ops);
        return records.stream().filter(r -> want.isEmpty() || want.contains(r.op)).map(r -> {
            if (keepTime) {
                return r.toString();
            }
            TraceRecord c = new TraceRecord();
            c.copyFrom(r);
            c.hasT = false;
            c.t = 0;
            return c.toString();
        }).collect(Collectors.toList());
    }

    /** Data records: everything but the meta/machine header and trailer. */
    List<String> body(boolean keepTime) {
        return lines(keepTime, Op.MAP, Op.RD, Op.WR, Op.CFGRD, Op.CFGWR, Op.IORD, Op.IOWR, Op.MARK, Op.UNMAP);
    }

    long count(Op op) {
        return records.stream().filter(r -> r.op == op).count();
    }
}
