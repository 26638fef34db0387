package dev.gvsim.simcore.regs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * A block of declared registers over a little-endian byte image: PCI configuration space, a BAR's
 * register block, an index/data register set. Declarations ({@link #declare}) compile into per-byte
 * masks, QEMU's configuration-space model (hw/pci/pci.c: {@code wmask}, {@code w1cmask},
 * pci_default_write_config), plus a write-only mask, a mask of the bits some field declares, and a
 * per-byte table of the register covering it (for write hooks and reports). An access then costs
 * what the masks cost, whatever the declarations say, and allocates nothing:
 *
 * <pre>
 * new = (old &amp; ~wmask) | (val &amp; wmask);  new &amp;= ~(val &amp; w1cmask)      per byte, then
 * each touched register's {@link WriteHook}, then write-only bits cleared
 * </pre>
 *
 * A write that sets a bit no field declares (an unimplemented bit of a declared register, or a
 * byte no register covers) does what the masks say (nothing) and is recorded: a total and up to
 * {@value #UNIMPLEMENTED_ENTRIES} distinct (register or span, bits) entries with their counts, for
 * the owner's report. Never fatal.
 *
 * <p>The power-on state is the image when the owner calls {@link #seal} (declared reset values,
 * refined by the owner's constructor: identity registers, capability links); {@link #reset} goes
 * back to it, and the declarations' reset values are brought in line with it when sealed.
 */
public final class RegisterFile {
    /** Distinct unimplemented-write entries kept (further ones are only counted). */
    public static final int UNIMPLEMENTED_ENTRIES = 32;

    private final String name;
    private final int size;
    private final byte[] image;
    private final byte[] wmask;
    private final byte[] w1cmask;
    private final byte[] womask;
    private final byte[] declared;
    /** The register covering each byte, or null. */
    private final Register[] regAt;
    /** The write hook of the register covering each byte, or null. */
    private final WriteHook[] hookAt;
    private byte[] resetImage;
    private boolean anyWriteOnly;

    private long unimplementedTotal;
    private int unimplementedUsed;
    private final int[] unimplementedOffset = new int[UNIMPLEMENTED_ENTRIES];
    private final int[] unimplementedWidth = new int[UNIMPLEMENTED_ENTRIES];
    private final boolean[] unimplementedDeclared = new boolean[UNIMPLEMENTED_ENTRIES];
    private final long[] unimplementedBits = new long[UNIMPLEMENTED_ENTRIES];
    private final long[] unimplementedCount = new long[UNIMPLEMENTED_ENTRIES];

    /** An empty block of {@code size} bytes named {@code name} (for messages). */
    public RegisterFile(String name, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException(name + ": register file size " + size);
        }
        this.name = name;
        this.size = size;
        image = new byte[size];
        wmask = new byte[size];
        w1cmask = new byte[size];
        womask = new byte[size];
        declared = new byte[size];
        regAt = new Register[size];
        hookAt = new WriteHook[size];
    }

    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    /**
     * The live image. The owner may read it directly on its fast paths and set device-owned state in
     * it (status bits, computed registers); guest writes go through {@link #write}.
     */
    public byte[] image() {
        return image;
    }

    // ---------------------------------------------------------------- declaration

    /** Declares {@code r}: its reset value goes into the image, its fields into the masks. */
    public void declare(Register r) {
        declare(r, null);
    }

    /** Declares {@code r} with a write side effect. */
    public void declare(Register r, WriteHook hook) {
        if (r.end() > size) {
            throw new IllegalArgumentException(name + ": register " + r.name() + " at 0x" + Integer.toHexString(r.offset()) + " ends past the "
                    + size + "-byte block");
        }
        for (int o = r.offset(); o < r.end(); o++) {
            if (regAt[o] != null) {
                throw new IllegalArgumentException(name + ": register " + r.name() + " at 0x" + Integer.toHexString(r.offset())
                        + " overlaps " + regAt[o].name() + " at 0x" + Integer.toHexString(regAt[o].offset()));
            }
        }
        long rw = r.mask(FieldKind.RW);
        long w1c = r.mask(FieldKind.RW1C);
        long wo = r.mask(FieldKind.WO);
        long decl = r.declaredMask();
        for (int i = 0; i < r.width(); i++) {
            int o = r.offset() + i;
            int shift = 8 * i;
            image[o] = (byte) (r.reset() >>> shift);
            wmask[o] = (byte) ((rw | wo) >>> shift);
            w1cmask[o] = (byte) (w1c >>> shift);
            womask[o] = (byte) (wo >>> shift);
            declared[o] = (byte) (decl >>> shift);
            regAt[o] = r;
            hookAt[o] = hook;
        }
        anyWriteOnly |= wo != 0;
    }

    /** Replaces the registers within {@code r}'s bytes (a BAR or ROM the device implements, a capability's own layout) by {@code r}. */
    public void redeclare(Register r) {
        redeclare(r, null);
    }

    public void redeclare(Register r, WriteHook hook) {
        if (r.end() > size) {
            throw new IllegalArgumentException(name + ": register " + r.name() + " ends past the " + size + "-byte block");
        }
        for (int o = r.offset(); o < r.end(); o++) {
            Register old = regAt[o];
            if (old != null && (old.offset() < r.offset() || old.end() > r.end())) {
                throw new IllegalArgumentException(name + ": register " + r.name() + " at 0x" + Integer.toHexString(r.offset())
                        + " would cut " + old.name() + " at 0x" + Integer.toHexString(old.offset()));
            }
        }
        for (int o = r.offset(); o < r.end(); o++) {
            wmask[o] = 0;
            w1cmask[o] = 0;
            womask[o] = 0;
            declared[o] = 0;
            regAt[o] = null;
            hookAt[o] = null;
        }
        declare(r, hook);
    }

    /** Attaches a write hook to the register declared at {@code offset}. */
    public void hook(int offset, WriteHook hook) {
        Register r = offset >= 0 && offset < size ? regAt[offset] : null;
        if (r == null || r.offset() != offset) {
            throw new IllegalArgumentException(name + ": no register declared at 0x" + Integer.toHexString(offset));
        }
        for (int o = r.offset(); o < r.end(); o++) {
            hookAt[o] = hook;
        }
    }

    /** The register covering byte {@code offset}, or null. */
    public Register register(int offset) {
        return offset >= 0 && offset < size ? regAt[offset] : null;
    }

    /** Every declaration, by offset. */
    public List<Register> registers() {
        List<Register> out = new ArrayList<>();
        for (int o = 0; o < size; o++) {
            Register r = regAt[o];
            if (r != null && r.offset() == o) {
                out.add(r);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The bits a write may set at {@code offset} ({@code size} bytes): RW and WO fields. */
    public long writeMask(int offset, int size) {
        return bytes(wmask, offset, size);
    }

    /** The write-one-to-clear bits at {@code offset}. */
    public long clearMask(int offset, int size) {
        return bytes(w1cmask, offset, size);
    }

    /** The bits some field declares at {@code offset}. */
    public long declaredMask(int offset, int size) {
        return bytes(declared, offset, size);
    }

    /**
     * Offsets below {@code limit} whose image or masks are not zero but which no declaration covers: a
     * value the owner wrote without declaring its register. Empty for a well-declared block.
     */
    public List<Integer> undeclaredBytes(int limit) {
        List<Integer> out = new ArrayList<>();
        for (int o = 0; o < Math.min(limit, size); o++) {
            if (regAt[o] == null && (image[o] | wmask[o] | w1cmask[o]) != 0) {
                out.add(o);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- power-on state

    /**
     * Takes the image as the power-on state (call at the end of the owner's construction; again if a
     * subclass declares more) and brings each declaration's reset value in line with it.
     */
    public void seal() {
        resetImage = image.clone();
        for (int o = 0; o < size; o++) {
            Register r = regAt[o];
            if (r != null && r.offset() == o) {
                Register sealed = r.withReset(read(o, r.width()));
                for (int k = o; k < r.end(); k++) {
                    regAt[k] = sealed;
                }
            }
        }
    }

    public boolean sealed() {
        return resetImage != null;
    }

    /** Back to the power-on image (the declared reset values if never sealed). */
    public void reset() {
        if (resetImage != null) {
            System.arraycopy(resetImage, 0, image, 0, size);
        } else {
            for (Register r : registers()) {
                set(r.offset(), r.width(), r.reset());
            }
        }
    }

    // ---------------------------------------------------------------- access

    /** Reads {@code size} bytes (1..8) at {@code offset}, little-endian; bytes outside the block read 0. */
    public long read(int offset, int size) {
        return bytes(image, offset, size);
    }

    private long bytes(byte[] b, int offset, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            int o = offset + i;
            if (o >= 0 && o < size) {
                v |= (b[o] & 0xFFL) << (8 * i);
            }
        }
        return v;
    }

    /** Stores {@code size} bytes at {@code offset} as they are, no masks, no hooks: the device's own updates. */
    public void set(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            image[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /**
     * A write by software of {@code size} bytes (1, 2, 4 or 8) at {@code offset}: the masked store,
     * then the write hook of each register it touches (in offset order, once each), then write-only
     * bits cleared. Bytes outside the block are not stored. Bits set where no field is declared are
     * recorded ({@link #unimplementedWrites}).
     */
    public void write(int offset, int size, long value) {
        int end = offset + size;
        int lim = Math.min(end, this.size);
        boolean hooked = false;
        for (int o = Math.max(offset, 0); o < lim; o++) {
            if (hookAt[o] != null) {
                hooked = true;
                break;
            }
        }
        // The registers an access of up to 8 bytes touches lie within 16 bytes from offset & ~7
        // (registers are at most 4 bytes, naturally aligned): their old values, before any byte changes.
        int base = offset & ~7;
        long oldLo = 0;
        long oldHi = 0;
        if (hooked) {
            oldLo = read(base, 8);
            oldHi = read(base + 8, 8);
        }
        long stray = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int val = (int) (value >>> (8 * i)) & 0xFF;
            if (o < 0 || o >= this.size) {
                stray |= (long) val << (8 * i);
                continue;
            }
            stray |= (long) (val & ~declared[o] & 0xFF) << (8 * i);
            int wm = wmask[o] & 0xFF;
            int nv = ((image[o] & 0xFF) & ~wm) | (val & wm);
            nv &= ~(val & w1cmask[o] & 0xFF);
            image[o] = (byte) nv;
        }
        if (stray != 0) {
            recordUnimplemented(offset, size, stray);
        }
        if (hooked) {
            runHooks(offset, lim, base, oldLo, oldHi);
        }
        if (anyWriteOnly) {
            for (int o = Math.max(offset, 0); o < lim; o++) {
                image[o] &= (byte) ~womask[o];
            }
        }
    }

    private void runHooks(int offset, int lim, int base, long oldLo, long oldHi) {
        Register last = null;
        for (int o = Math.max(offset, 0); o < lim; o++) {
            Register r = regAt[o];
            WriteHook h = hookAt[o];
            if (r == null || r == last || h == null) {
                continue;
            }
            last = r;
            long old = 0;
            for (int i = 0; i < r.width(); i++) {
                int k = r.offset() + i - base;
                long b = k < 8 ? oldLo >>> (8 * k) : oldHi >>> (8 * (k - 8));
                old |= (b & 0xFF) << (8 * i);
            }
            h.written(r, old, read(r.offset(), r.width()));
        }
    }

    // ---------------------------------------------------------------- unimplemented writes

    /** Groups the stray bits of one write by the register (or, where none is declared, the access's span) they fall in. */
    private void recordUnimplemented(int offset, int size, long stray) {
        unimplementedTotal++;
        int i = 0;
        while (i < size) {
            int o = offset + i;
            Register r = o >= 0 && o < this.size ? regAt[o] : null;
            if (r == null) {
                // undeclared bytes: one entry for the run of them in this access
                int j = i;
                long bits = 0;
                while (j < size && (offset + j < 0 || offset + j >= this.size || regAt[offset + j] == null)) {
                    bits |= ((stray >>> (8 * j)) & 0xFF) << (8 * (j - i));
                    j++;
                }
                if (bits != 0) {
                    entry(o, j - i, false, bits);
                }
                i = j;
            } else {
                long bits = 0;
                int j = i;
                while (j < size && offset + j < r.end()) {
                    bits |= ((stray >>> (8 * j)) & 0xFF) << (8 * (offset + j - r.offset()));
                    j++;
                }
                if (bits != 0) {
                    entry(r.offset(), r.width(), true, bits);
                }
                i = j;
            }
        }
    }

    private void entry(int offset, int width, boolean isDeclared, long bits) {
        for (int e = 0; e < unimplementedUsed; e++) {
            if (unimplementedOffset[e] == offset && unimplementedWidth[e] == width && unimplementedDeclared[e] == isDeclared) {
                unimplementedBits[e] |= bits;
                unimplementedCount[e]++;
                return;
            }
        }
        if (unimplementedUsed < UNIMPLEMENTED_ENTRIES) {
            int e = unimplementedUsed++;
            unimplementedOffset[e] = offset;
            unimplementedWidth[e] = width;
            unimplementedDeclared[e] = isDeclared;
            unimplementedBits[e] = bits;
            unimplementedCount[e] = 1;
        }
    }

    /** Writes that set a bit no field declares, since construction (or as restored). */
    public long unimplementedWrites() {
        return unimplementedTotal;
    }

    /**
     * The unimplemented writes, one line per register or undeclared span, by offset: {@code "0x070
     * EXP.RTCTL bits 0x0008 (2 writes)"}, {@code "0x1f0/4 undeclared bits 0xffffffff (1 write)"}.
     */
    public List<String> unimplementedLog() {
        List<Integer> order = new ArrayList<>();
        for (int e = 0; e < unimplementedUsed; e++) {
            order.add(e);
        }
        order.sort((x, y) -> unimplementedOffset[x] != unimplementedOffset[y] ? Integer.compare(unimplementedOffset[x], unimplementedOffset[y])
                : Integer.compare(unimplementedWidth[x], unimplementedWidth[y]));
        List<String> out = new ArrayList<>();
        for (int e : order) {
            int off = unimplementedOffset[e];
            int w = unimplementedWidth[e];
            Register r = unimplementedDeclared[e] ? register(off) : null;
            String what = r != null ? String.format("0x%03x %s", off, r.name()) : String.format("0x%03x/%d undeclared", off, w);
            long n = unimplementedCount[e];
            out.add(String.format("%s bits 0x%0" + (2 * w) + "x (%d write%s)", what, unimplementedBits[e], n, n == 1 ? "" : "s"));
        }
        if (unimplementedTotal > 0 && unimplementedUsed == UNIMPLEMENTED_ENTRIES) {
            out.add("(only the first " + UNIMPLEMENTED_ENTRIES + " registers or spans are listed)");
        }
        return out;
    }

    /** The unimplemented-write record, for the owner's checkpoint section. */
    public void saveUnimplemented(StateWriter w) {
        w.putLong(unimplementedTotal).putInt(unimplementedUsed);
        for (int e = 0; e < unimplementedUsed; e++) {
            w.putInt(unimplementedOffset[e]).putInt(unimplementedWidth[e]).putBoolean(unimplementedDeclared[e]).putLong(unimplementedBits[e])
                    .putLong(unimplementedCount[e]);
        }
    }

    public void restoreUnimplemented(StateReader r) throws InputException {
        long total = r.getLong();
        int used = r.getInt();
        if (total < 0 || used < 0 || used > UNIMPLEMENTED_ENTRIES || used > total) {
            throw new InputException("checkpoint " + name + ": unimplemented-write record " + used + " entries of " + total);
        }
        int[] off = new int[used];
        int[] wid = new int[used];
        boolean[] dec = new boolean[used];
        long[] bits = new long[used];
        long[] count = new long[used];
        for (int e = 0; e < used; e++) {
            off[e] = r.getInt();
            wid[e] = r.getInt();
            dec[e] = r.getBoolean();
            bits[e] = r.getLong();
            count[e] = r.getLong();
            if (wid[e] < 1 || wid[e] > 8 || count[e] < 1 || (dec[e] && (register(off[e]) == null || register(off[e]).offset() != off[e]))) {
                throw new InputException("checkpoint " + name + ": unimplemented-write entry at 0x" + Integer.toHexString(off[e])
                        + " does not fit this model's registers");
            }
        }
        unimplementedTotal = total;
        unimplementedUsed = used;
        System.arraycopy(off, 0, unimplementedOffset, 0, used);
        System.arraycopy(wid, 0, unimplementedWidth, 0, used);
        System.arraycopy(dec, 0, unimplementedDeclared, 0, used);
        System.arraycopy(bits, 0, unimplementedBits, 0, used);
        System.arraycopy(count, 0, unimplementedCount, 0, used);
    }
}
