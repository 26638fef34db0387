package dev.gvsim.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;

import org.tukaani.xz.XZInputStream;

import dev.gvsim.guesttraces.format.BinaryTraceWriter;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;

/** The bundled real QXL guest trace, held in memory as text bytes and as binary .gvt bytes. */
final class RealTrace {
    static final String RESOURCE = "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz";
    /** Records in the trace (4 meta + 1 machine + 5 map + 1,983,797 rd/wr). */
    static final int RECORDS = 1_983_807;
    static final int ACCESSES = 1_983_797;

    private RealTrace() {
    }

    static byte[] text() throws Exception {
        try (InputStream in = new XZInputStream(RealTrace.class.getResourceAsStream(RESOURCE))) {
            return in.readAllBytes();
        }
    }

    static byte[] binary() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 << 20);
        try (TraceReader r = TraceFiles.openResource(RESOURCE); BinaryTraceWriter w = new BinaryTraceWriter(out)) {
            TraceRecord rec = new TraceRecord();
            while (r.next(rec)) {
                w.write(rec);
            }
        }
        return out.toByteArray();
    }
}
