package dev.gvsim.guesttraces.format;

import dev.gvsim.simcore.InputException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/** Opening and creating trace files: text or binary, plain, .xz or .gz, detected by content. */
public final class TraceFiles {
    /** xz stream magic (xz file format 1.0.4, §2.1.1.1). */
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    /** gzip member magic ID1 ID2 (RFC 1952 §2.3.1). */
    private static final byte[] GZ_MAGIC = {0x1f, (byte) 0x8b};
    private static final int BUF = 1 << 16;
    /**
     * Most memory (KiB) an xz stream may ask the decoder for. The dictionary size comes from the
     * file's block header (xz file format 1.2.0 §5.3.1, up to 4 GiB) and xz-java allocates it up
     * front, so a hostile header would be an OutOfMemoryError; xz -9 needs 65 MiB, so 256 MiB
     * refuses nothing real. Exceeding it is org.tukaani.xz.MemoryLimitException (an IOException).
     */
    static final int XZ_MEMORY_LIMIT_KIB = 256 << 10;

    private TraceFiles() {
    }

    /** Opens a trace file: binary or text by its magic, through xz or gzip if compressed. */
    public static TraceReader open(Path p) throws IOException, InputException {
        InputStream in = Files.newInputStream(p);
        try {
            return open(in);
        } catch (IOException | InputException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Opens a trace bundled on the class path (leading '/' optional). */
    public static TraceReader openResource(String classpathResource) throws IOException, InputException {
        String name = classpathResource.startsWith("/") ? classpathResource : "/" + classpathResource;
        InputStream in = TraceFiles.class.getResourceAsStream(name);
        if (in == null) {
            throw new InputException("trace resource " + classpathResource + " not found on the class path");
        }
        try {
            return open(in);
        } catch (IOException | InputException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Opens a trace from a stream (closed with the reader), detecting compression and form. */
    public static TraceReader open(InputStream raw) throws IOException, InputException {
        return open(raw, false);
    }

    /**
     * Like {@link #open(Path)}, but a text trace without its end line, or whose end line counts
     * differently, is an error instead of {@link TraceReader#endWarning} ({@code gvsim trace verify}).
     */
    public static TraceReader openRequiringEnd(Path p) throws IOException, InputException {
        InputStream in = Files.newInputStream(p);
        try {
            return open(in, true);
        } catch (IOException | InputException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static TraceReader open(InputStream raw, boolean requireEnd) throws IOException, InputException {
        InputStream in = decompress(raw);
        BufferedInputStream b = in instanceof BufferedInputStream ? (BufferedInputStream) in : new BufferedInputStream(in, BUF);
        if (startsWith(b, BinaryFormat.MAGIC, 4)) {
            return new BinaryTraceReader(b);
        }
        return new TextTraceReader(b, requireEnd);
    }

    /** Wraps the stream in an xz or gzip decoder if its first bytes say so. */
    static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream b = new BufferedInputStream(raw, BUF);
        if (startsWith(b, XZ_MAGIC, XZ_MAGIC.length)) {
            // a multi-block xz (xz -T) would allocate a dictionary per block without an array cache
            return new BufferedInputStream(explainingDecodeErrors(new XZInputStream(b, XZ_MEMORY_LIMIT_KIB, BasicArrayCache.getInstance()), "xz"),
                    BUF);
        }
        if (startsWith(b, GZ_MAGIC, GZ_MAGIC.length)) {
            return new BufferedInputStream(explainingDecodeErrors(new GZIPInputStream(b, BUF), "gzip"), BUF);
        }
        return b;
    }

    /**
     * A decompressor's failure, said in words: {@code xz} and {@code gzip} decoders throw a bare
     * EOFException when the compressed stream ends early (a copy or download cut short) and
     * terse exceptions for corrupt data. The caller adds the file name.
     */
    public static final class CompressedInputException extends IOException {
        private static final long serialVersionUID = 1L;

        CompressedInputException(String msg, Throwable cause) {
            super(msg, cause);
        }
    }

    /**
     * Wraps a decompressing stream so that its errors become {@link CompressedInputException}s that
     * say whether the {@code kind} ("xz", "gzip") data is truncated or corrupt.
     */
    public static InputStream explainingDecodeErrors(InputStream decoder, String kind) {
        return new java.io.FilterInputStream(decoder) {
            private long produced;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        produced += n;
                    }
                    return n;
                } catch (java.io.EOFException e) {
                    throw new CompressedInputException("truncated " + kind + " data: the compressed stream ends before its end marker, after "
                            + produced + " decompressed bytes (the file is incomplete, e.g. a copy or download cut short)", e);
                } catch (CompressedInputException | org.tukaani.xz.MemoryLimitException e) {
                    throw e; // the memory limit's own message says what the header asked for
                } catch (IOException e) {
                    String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
                    throw new CompressedInputException("corrupt " + kind + " data after " + produced + " decompressed bytes: " + m, e);
                }
            }
        };
    }

    /**
     * Why {@code target} could not be created, in words that name it and its directory rather than
     * the temporary file the failure was about: "cannot write T: directory D does not exist", "…: D is
     * not a directory", "…: permission denied in directory D", or the system's reason.
     */
    public static String cannotWrite(Path target, IOException e) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String why;
        if (Files.isDirectory(abs)) {
            why = "it is a directory";
        } else if (dir != null && !Files.exists(dir)) {
            why = "directory " + dir + " does not exist";
        } else if (dir != null && !Files.isDirectory(dir)) {
            why = dir + " is not a directory";
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            why = "permission denied in directory " + dir;
        } else if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            why = f.getReason() + " (directory " + dir + ")";
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            why = "the file system does not let a file be created in directory " + dir;
        } else if (e instanceof java.nio.file.FileSystemException) {
            why = e.getClass().getSimpleName().replace("Exception", "") + " in directory " + dir;
        } else {
            why = (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + " (directory " + dir + ")";
        }
        return "cannot write " + target + ": " + why;
    }

    private static boolean startsWith(BufferedInputStream b, byte[] magic, int n) throws IOException {
        b.mark(n);
        byte[] got = new byte[n];
        int k = 0;
        while (k < n) {
            int r = b.read(got, k, n - k);
            if (r < 0) {
                break;
            }
            k += r;
        }
        b.reset();
        if (k < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (got[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Creates a trace file, binary or text; a name ending in .xz or .gz is compressed accordingly.
     * Crash-safe: records go to a temporary file in the same directory, which close() forces to disk
     * and renames atomically onto {@code p}. If a write failed, close() deletes the temporary file and
     * leaves {@code p} untouched.
     */
    public static TraceWriter create(Path p, boolean binary) throws IOException {
        Path abs = p.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException(cannotWrite(p, e), e);
        }
        try {
            // createTempFile makes the file owner-only; a trace is an ordinary file once published
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            OutputStream fileOut = new FilterOutputStream(Channels.newOutputStream(ch)) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    // keep the channel open for force() in SafeWriter.close()
                    out.flush();
                }
            };
            OutputStream os = new BufferedOutputStream(fileOut, BUF);
            String name = abs.getFileName().toString();
            if (name.endsWith(".xz")) {
                os = new XZOutputStream(os, new LZMA2Options(6));
            } else if (name.endsWith(".gz")) {
                os = new GZIPOutputStream(os, BUF);
            }
            TraceWriter inner = binary ? new BinaryTraceWriter(os) : new TextTraceWriter(os);
            return new SafeWriter(inner, ch, tmp, abs);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Marks a writer from {@link #create} as abandoned: its close() deletes the temporary file and
     * publishes nothing. No effect on other writers.
     */
    public static void abandon(TraceWriter w) {
        if (w instanceof SafeWriter) {
            ((SafeWriter) w).failed = true;
        }
    }

    private static final class SafeWriter implements TraceWriter {
        private final TraceWriter inner;
        private final FileChannel ch;
        private final Path tmp;
        private final Path target;
        private boolean failed;
        private boolean closed;

        SafeWriter(TraceWriter inner, FileChannel ch, Path tmp, Path target) {
            this.inner = inner;
            this.ch = ch;
            this.tmp = tmp;
            this.target = target;
        }

        @Override
        public void write(TraceRecord r) throws IOException {
            try {
                inner.write(r);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                inner.close();
                if (!failed) {
                    ch.force(true);
                }
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            } finally {
                ch.close();
                if (failed) {
                    Files.deleteIfExists(tmp);
                }
            }
            if (failed) {
                return; // an earlier write failed (and said so): nothing is published
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
