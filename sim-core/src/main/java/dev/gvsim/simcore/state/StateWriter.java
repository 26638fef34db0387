package dev.gvsim.simcore.state;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes a checkpoint: named sections of primitive values (format: docs/checkpoint-format.md).
 * Layout: magic "GVCK", format version, the machine identity string, then a deflate-compressed body
 * of sections {name, length, payload}, then a CRC32C over everything before it. Deterministic: the
 * same state gives the same bytes.
 */
public final class StateWriter {
    public static final byte[] MAGIC = {'G', 'V', 'C', 'K'};
    /**
     * 6: SR-IOV virtual functions (issue 26): a PF with VF Enable set is followed by its VFs' sections
     * ({@code pci.<pf>.vf<n>}, {@code devmem.<pf>.vf<n>.vram}), restored after the PF's section re-creates
     * them; a version-5 reader would skip them and restore the VFs empty. 5: the conventional bridges'
     * hot-plug controller state and the replay's not-modelled read counts.
     * 4: {@code pci.host} no longer holds the time or the {@code pcie.*} counters (one clock and one
     * Stats per machine: the event kernel and the {@code stats} section hold them). 3: each PCI function's section ends with its record of writes to unimplemented configuration
     * bits (issue 19: declared registers). 2: event kernel saved as a slot pool without heap order
     * (calendar queue). Older versions are refused by name.
     */
    public static final int VERSION = 6;

    private final String machine;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final DataOutputStream bodyOut = new DataOutputStream(body);
    private final ByteArrayOutputStream section = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(section);
    private final Set<String> names = new LinkedHashSet<>();
    private String open;

    /** @param machine what the state belongs to (machine args, devices, parameters): checked on restore */
    public StateWriter(String machine) {
        this.machine = machine;
    }

    /** Writes one component's state as its own section. */
    public StateWriter save(Checkpointable c) {
        begin(c.stateName());
        c.saveState(this);
        end();
        return this;
    }

    public void begin(String name) {
        if (open != null) {
            throw new IllegalStateException("section " + open + " still open");
        }
        if (!names.add(name)) {
            throw new IllegalStateException("section " + name + " written twice");
        }
        open = name;
        section.reset();
    }

    public void end() {
        if (open == null) {
            throw new IllegalStateException("no open section");
        }
        try {
            bodyOut.writeUTF(open);
            bodyOut.writeInt(section.size());
            section.writeTo(bodyOut);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        open = null;
    }

    public StateWriter putLong(long v) {
        try {
            out.writeLong(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter putInt(int v) {
        try {
            out.writeInt(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter putBoolean(boolean v) {
        return putInt(v ? 1 : 0);
    }

    /** A string (null allowed). */
    public StateWriter putString(String s) {
        if (s == null) {
            return putInt(-1);
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putInt(b.length);
        return putBytes(b, 0, b.length);
    }

    public StateWriter putBytes(byte[] b, int off, int len) {
        section.write(b, off, len);
        return this;
    }

    /** The finished checkpoint. */
    public byte[] toBytes() {
        if (open != null) {
            throw new IllegalStateException("section " + open + " still open");
        }
        try {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(all);
            d.write(MAGIC);
            d.writeInt(VERSION);
            d.writeUTF(machine);
            d.writeInt(names.size());
            Deflater def = new Deflater(Deflater.BEST_SPEED);
            try (DeflaterOutputStream z = new DeflaterOutputStream(d, def, 1 << 16, false)) {
                body.writeTo(z);
                z.finish();
                CRC32C crc = new CRC32C();
                byte[] sofar = all.toByteArray();
                crc.update(sofar, 0, sofar.length);
                d.writeInt((int) crc.getValue());
            } finally {
                def.end();
            }
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
