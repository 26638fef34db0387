package dev.gvsim.simcore.regs;

import java.util.Objects;

/**
 * A named bit range {@code msb:lsb} of a register, as specification tables write it, and how
 * software may access it ({@link FieldKind}).
 *
 * @param name the field's name (the specification's, shortened)
 * @param msb the highest bit, inclusive
 * @param lsb the lowest bit
 * @param kind the access
 */
public record Field(String name, int msb, int lsb, FieldKind kind) {
    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a field needs a name");
        }
        if (lsb < 0 || msb < lsb || msb > 63) {
            throw new IllegalArgumentException("field " + name + ": bits " + msb + ":" + lsb + " are not a range within 63:0");
        }
    }

    /** The field's bits in the register. */
    public long mask() {
        long ones = msb - lsb == 63 ? -1L : (1L << (msb - lsb + 1)) - 1;
        return ones << lsb;
    }

    /** Bits {@code msb:lsb}, read-only. */
    public static Field ro(String name, int msb, int lsb) {
        return new Field(name, msb, lsb, FieldKind.RO);
    }

    public static Field ro(String name, int bit) {
        return new Field(name, bit, bit, FieldKind.RO);
    }

    public static Field rw(String name, int msb, int lsb) {
        return new Field(name, msb, lsb, FieldKind.RW);
    }

    public static Field rw(String name, int bit) {
        return new Field(name, bit, bit, FieldKind.RW);
    }

    public static Field rw1c(String name, int msb, int lsb) {
        return new Field(name, msb, lsb, FieldKind.RW1C);
    }

    public static Field rw1c(String name, int bit) {
        return new Field(name, bit, bit, FieldKind.RW1C);
    }

    public static Field rsvdP(int msb, int lsb) {
        return new Field("reserved", msb, lsb, FieldKind.RSVDP);
    }

    public static Field rsvdZ(int msb, int lsb) {
        return new Field("reserved", msb, lsb, FieldKind.RSVDZ);
    }

    public static Field wo(String name, int bit) {
        return new Field(name, bit, bit, FieldKind.WO);
    }

    /** Bits {@code msb:lsb} of {@code kind}. */
    public static Field of(FieldKind kind, String name, int msb, int lsb) {
        return new Field(name, msb, lsb, kind);
    }

    @Override
    public String toString() {
        return name + (msb == lsb ? "[" + lsb + "]" : "[" + msb + ":" + lsb + "]") + " " + kind;
    }
}
