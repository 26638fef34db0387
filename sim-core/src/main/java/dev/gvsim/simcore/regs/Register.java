package dev.gvsim.simcore.regs;

import java.util.List;
import java.util.Objects;

/**
 * A declared register: its name, byte offset and width (1, 2 or 4 bytes, naturally aligned), its
 * fields, its reset value and the one line of source it follows (a specification section or a QEMU
 * file and function). Immutable; a {@link RegisterFile} compiles declarations into its masks.
 *
 * <p>Bits no field covers are not implemented: they read as the device holds them (0) and a write
 * that sets one is counted by the register file as an unimplemented write, never fatal.
 */
public final class Register {
    private final String name;
    private final int offset;
    private final int width;
    private final List<Field> fields;
    private final long reset;
    private final String source;

    public Register(String name, int offset, int width, long reset, String source, List<Field> fields) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.fields = List.copyOf(fields);
        this.offset = offset;
        this.width = width;
        this.reset = reset;
        if (name.isBlank()) {
            throw new IllegalArgumentException("a register at 0x" + Integer.toHexString(offset) + " needs a name");
        }
        if (source.isBlank()) {
            throw new IllegalArgumentException("register " + name + ": every declaration cites its source (a spec section or QEMU function)");
        }
        if (width != 1 && width != 2 && width != 4) {
            throw new IllegalArgumentException("register " + name + ": width " + width + " (1, 2 or 4 bytes)");
        }
        if (offset < 0 || (offset & (width - 1)) != 0) {
            throw new IllegalArgumentException("register " + name + ": offset 0x" + Integer.toHexString(offset) + " is not aligned to its width " + width);
        }
        long all = widthMask();
        if ((reset & ~all) != 0) {
            throw new IllegalArgumentException("register " + name + ": reset value 0x" + Long.toHexString(reset) + " wider than " + width + " bytes");
        }
        long seen = 0;
        for (Field f : this.fields) {
            if ((f.mask() & ~all) != 0) {
                throw new IllegalArgumentException("register " + name + ": field " + f + " outside its " + (8 * width) + " bits");
            }
            if ((f.mask() & seen) != 0) {
                throw new IllegalArgumentException("register " + name + ": field " + f + " overlaps another field");
            }
            seen |= f.mask();
        }
    }

    /** A register of {@code fields}. */
    public static Register of(String name, int offset, int width, long reset, String source, Field... fields) {
        return new Register(name, offset, width, reset, source, List.of(fields));
    }

    /** A register that is one field of {@code kind} over all its bits. */
    public static Register whole(String name, int offset, int width, FieldKind kind, long reset, String source) {
        return of(name, offset, width, reset, source, Field.of(kind, name.toLowerCase(java.util.Locale.ROOT), 8 * width - 1, 0));
    }

    /** The same declaration at {@code offset + delta} (capability registers are declared relative to the capability). */
    public Register movedBy(int delta) {
        return new Register(name, offset + delta, width, reset, source, fields);
    }

    /** The same declaration with another reset value. */
    public Register withReset(long value) {
        return value == reset ? this : new Register(name, offset, width, value, source, fields);
    }

    public String name() {
        return name;
    }

    public int offset() {
        return offset;
    }

    public int width() {
        return width;
    }

    /** The offset just past the register. */
    public int end() {
        return offset + width;
    }

    public List<Field> fields() {
        return fields;
    }

    public long reset() {
        return reset;
    }

    public String source() {
        return source;
    }

    /** All bits of the register. */
    public long widthMask() {
        return width == 8 ? -1L : (1L << (8 * width)) - 1;
    }

    /** The bits of fields of {@code kind}. */
    public long mask(FieldKind kind) {
        long m = 0;
        for (Field f : fields) {
            if (f.kind() == kind) {
                m |= f.mask();
            }
        }
        return m;
    }

    /** The bits some field covers. */
    public long declaredMask() {
        long m = 0;
        for (Field f : fields) {
            m |= f.mask();
        }
        return m;
    }

    /** The field named {@code fieldName}, or null. */
    public Field field(String fieldName) {
        for (Field f : fields) {
            if (f.name().equals(fieldName)) {
                return f;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return String.format("0x%03x %s (%d B, reset 0x%x) %s — %s", offset, name, width, reset, fields, source);
    }
}
