package dev.gvsim.simcli.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.simcore.InputException;

/**
 * The CLI's files: crash-safe output (write a temporary file beside the target, fsync, atomically
 * rename), and the checks every command makes on the files it is given before it starts work: an
 * input is an existing regular file, an output is not one of the inputs and can be created.
 */
public final class Files2 {
    private Files2() {
    }

    public static void writeAtomically(Path target, String text) throws IOException {
        writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException(TraceFiles.cannotWrite(target, e), e);
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * An input file: {@code p} itself if it is a regular file (or a link to one), else an
     * InputException saying what it is instead ("is a directory", "no such file", "not a regular file").
     */
    public static Path input(Path p) throws InputException {
        if (Files.isRegularFile(p)) {
            return p;
        }
        if (Files.isDirectory(p)) {
            throw new InputException(p + ": is a directory, not a file");
        }
        if (!Files.exists(p)) {
            throw new InputException(p + ": no such file");
        }
        throw new InputException(p + ": not a regular file");
    }

    /**
     * Checks an output file before any work is done: it must not be the same file as any of
     * {@code inputs} (same real path or file key, so "..", symbolic and hard links are seen through;
     * overwriting an input would destroy it), and its directory must exist. {@code option} names how
     * it was given ({@code -o}, {@code OUT}). Throws IllegalArgumentException (exit 2, usage).
     */
    public static void output(String option, Path out, Path... inputs) throws InputException {
        if (out == null) {
            return;
        }
        for (Path in : inputs) {
            if (in != null && Files.exists(out) && Files.exists(in) && sameFile(out, in)) {
                throw new IllegalArgumentException(option + " " + out + " is the same file as the input " + in
                        + ": refusing to overwrite the input (give another output file)");
            }
        }
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        String why = null;
        if (Files.isDirectory(abs)) {
            why = "it is a directory";
        } else if (dir != null && !Files.exists(dir)) {
            why = "directory " + dir + " does not exist";
        } else if (dir != null && !Files.isDirectory(dir)) {
            why = dir + " is not a directory";
        }
        if (why != null) {
            throw new InputException("cannot write " + out + ": " + why);
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            if (Files.isSameFile(a, b)) {
                return true;
            }
            Object ka = Files.readAttributes(a, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            Object kb = Files.readAttributes(b, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return ka != null && ka.equals(kb) || a.toRealPath().equals(b.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * An error met while reading {@code file}, as an InputException that names it first (unless the
     * message already does): parse errors ("line 53: …"), decompression errors ("truncated xz data: …")
     * and read errors.
     */
    public static InputException about(Path file, Exception e) {
        String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        String name = file.toString();
        return new InputException(m.startsWith(name) ? m : name + ": " + m, e);
    }
}
