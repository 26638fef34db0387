package dev.gvsim.simcore.state;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.InflaterInputStream;

import dev.gvsim.simcore.InputException;

/**
 * Reads a checkpoint written by {@link StateWriter}: verifies magic, version, CRC32C and the machine
 * identity before anything is restored, then hands out sections by name. Every read is bounded by its
 * section: a short or foreign section is an {@link InputException} naming the section.
 */
public final class StateReader {
    /** Bound on the inflated body (guest RAM pages dominate; 16 GiB of touched RAM is far beyond any run here). */
    public static final long MAX_BODY = 1L << 31;

    private final Map<String, byte[]> sections = new LinkedHashMap<>();
    private final String machine;
    private String current;
    private DataInputStream in;
    private int left;

    public StateReader(byte[] file) throws InputException {
        if (file.length < 16 || !Arrays.equals(Arrays.copyOf(file, 4), StateWriter.MAGIC)) {
            throw new InputException("not a gvsim checkpoint (magic GVCK expected)");
        }
        CRC32C crc = new CRC32C();
        crc.update(file, 0, file.length - 4);
        int stored = ((file[file.length - 4] & 0xFF) << 24) | ((file[file.length - 3] & 0xFF) << 16)
                | ((file[file.length - 2] & 0xFF) << 8) | (file[file.length - 1] & 0xFF);
        if ((int) crc.getValue() != stored) {
            throw new InputException("checkpoint damaged: CRC32C mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString((int) crc.getValue()) + ")");
        }
        try {
            DataInputStream d = new DataInputStream(new ByteArrayInputStream(file, 4, file.length - 8));
            int version = d.readInt();
            if (version != StateWriter.VERSION) {
                throw new InputException("checkpoint format version " + version + " is not supported (this build reads version "
                        + StateWriter.VERSION + ")");
            }
            machine = d.readUTF();
            int count = d.readInt();
            if (count < 0 || count > 1 << 16) {
                throw new InputException("checkpoint damaged: " + count + " sections");
            }
            DataInputStream body = new DataInputStream(new InflaterInputStream(d));
            long total = 0;
            for (int i = 0; i < count; i++) {
                String name = body.readUTF();
                int len = body.readInt();
                total += len;
                if (len < 0 || total > MAX_BODY) {
                    throw new InputException("checkpoint damaged: section " + name + " of " + len + " bytes");
                }
                byte[] b = body.readNBytes(len);
                if (b.length != len) {
                    throw new InputException("checkpoint damaged: section " + name + " truncated");
                }
                sections.put(name, b);
            }
        } catch (EOFException e) {
            throw new InputException("checkpoint damaged: truncated", e);
        } catch (IOException e) {
            throw new InputException("checkpoint damaged: " + e.getMessage(), e);
        }
    }

    /** The machine identity the checkpoint was written for. */
    public String machine() {
        return machine;
    }

    /** Fails unless the checkpoint belongs to {@code expected} (same machine, devices and parameters). */
    public void requireMachine(String expected) throws InputException {
        if (!machine.equals(expected)) {
            throw new InputException("checkpoint is for a different machine: it holds '" + machine + "', this run builds '" + expected + "'");
        }
    }

    public Iterable<String> sectionNames() {
        return sections.keySet();
    }

    /** Restores one component from its section; the whole section must be consumed. */
    public void restore(Checkpointable c) throws InputException {
        open(c.stateName());
        c.restoreState(this);
        if (left != 0) {
            throw new InputException("checkpoint section " + current + ": " + left + " bytes not consumed (a different model version?)");
        }
    }

    public void open(String name) throws InputException {
        byte[] b = sections.get(name);
        if (b == null) {
            throw new InputException("checkpoint has no section " + name + " (has " + sections.keySet() + ")");
        }
        current = name;
        in = new DataInputStream(new ByteArrayInputStream(b));
        left = b.length;
    }

    private void need(int n) throws InputException {
        if (in == null) {
            throw new InputException("no checkpoint section open");
        }
        if (n > left) {
            throw new InputException("checkpoint section " + current + ": needs " + n + " more bytes, has " + left);
        }
        left -= n;
    }

    public long getLong() throws InputException {
        need(8);
        try {
            return in.readLong();
        } catch (IOException e) {
            throw new InputException("checkpoint section " + current + ": " + e.getMessage(), e);
        }
    }

    public int getInt() throws InputException {
        need(4);
        try {
            return in.readInt();
        } catch (IOException e) {
            throw new InputException("checkpoint section " + current + ": " + e.getMessage(), e);
        }
    }

    public boolean getBoolean() throws InputException {
        int v = getInt();
        if (v != 0 && v != 1) {
            throw new InputException("checkpoint section " + current + ": boolean expected, found " + v);
        }
        return v == 1;
    }

    public String getString() throws InputException {
        int n = getInt();
        if (n == -1) {
            return null;
        }
        if (n < 0) {
            throw new InputException("checkpoint section " + current + ": string length " + n);
        }
        byte[] b = getBytes(n);
        return new String(b, StandardCharsets.UTF_8);
    }

    public byte[] getBytes(int n) throws InputException {
        if (n < 0) {
            throw new InputException("checkpoint section " + current + ": length " + n);
        }
        need(n);
        try {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new InputException("checkpoint section " + current + ": " + e.getMessage(), e);
        }
    }

    /** Reads into {@code dst}. */
    public void getBytes(byte[] dst, int off, int len) throws InputException {
        need(len);
        try {
            in.readFully(dst, off, len);
        } catch (IOException e) {
            throw new InputException("checkpoint section " + current + ": " + e.getMessage(), e);
        }
    }
}
