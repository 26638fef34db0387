package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.simcore.InputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.XZInputStream;

/** Entry point of {@code gvsim import FORMAT FILE}: picks the importer and opens (possibly compressed) input. */
public final class Importers {
    /** The formats {@link #importFile} accepts. */
    public static final List<String> FORMATS = List.of(QemuLogImporter.FORMAT, MmiotraceImporter.FORMAT);

    /** xz stream magic (xz file format 1.0.4, §2.1.1.1). */
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    /** gzip member magic ID1 ID2 (RFC 1952 §2.3.1). */
    private static final byte[] GZ_MAGIC = {0x1f, (byte) 0x8b};
    private static final int BUF = 1 << 16;

    private Importers() {
    }

    /**
     * Imports {@code in} (plain, .xz or .gz, detected by content) in {@code format} ("qemu-log" or
     * "mmiotrace") into {@code out}, which is not closed. Bad input is an InputException naming the line.
     */
    public static ImportReport importFile(String format, Path in, TraceWriter out, ImportOptions opts)
            throws IOException, InputException {
        if (!FORMATS.contains(format)) {
            throw new InputException("unknown import format '" + format + "': expected one of " + String.join(", ", FORMATS));
        }
        String source = in.getFileName() == null ? in.toString() : in.getFileName().toString();
        try (InputStream raw = Files.newInputStream(in)) {
            return importStream(format, raw, source, out, opts);
        }
    }

    /** Like {@link #importFile} from a stream (closed by the caller); {@code source} names it in the meta record. */
    public static ImportReport importStream(String format, InputStream raw, String source, TraceWriter out,
            ImportOptions opts) throws IOException, InputException {
        Reader r = reader(raw);
        switch (format) {
            case QemuLogImporter.FORMAT:
                return new QemuLogImporter(opts).importFrom(r, source, out);
            case MmiotraceImporter.FORMAT:
                return new MmiotraceImporter(opts).importFrom(r, source, out);
            default:
                throw new InputException("unknown import format '" + format + "': expected one of "
                        + String.join(", ", FORMATS));
        }
    }

    /** Text reader over the stream, through xz or gzip when its first bytes say so; bad UTF-8 becomes U+FFFD. */
    static Reader reader(InputStream raw) throws IOException {
        BufferedInputStream b = new BufferedInputStream(raw, BUF);
        InputStream in = b;
        if (startsWith(b, XZ_MAGIC)) {
            in = new BufferedInputStream(TraceFiles.explainingDecodeErrors(new XZInputStream(b, BasicArrayCache.getInstance()), "xz"), BUF);
        } else if (startsWith(b, GZ_MAGIC)) {
            in = new BufferedInputStream(TraceFiles.explainingDecodeErrors(new GZIPInputStream(b, BUF), "gzip"), BUF);
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    private static boolean startsWith(BufferedInputStream b, byte[] magic) throws IOException {
        b.mark(magic.length);
        byte[] got = new byte[magic.length];
        int k = 0;
        while (k < magic.length) {
            int n = b.read(got, k, magic.length - k);
            if (n < 0) {
                break;
            }
            k += n;
        }
        b.reset();
        if (k < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (got[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
