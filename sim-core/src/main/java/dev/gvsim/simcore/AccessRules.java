package dev.gvsim.simcore;

/**
 * What a register region accepts and what it implements (QEMU's {@code MemoryRegionOps.valid} and
 * {@code .impl}). An access whose size or alignment is not {@code valid} is rejected with
 * {@link Status#EXTERNAL_ABORT} (QEMU answers MEMTX_DECODE_ERROR, which arm turns into a
 * synchronous external abort: target/arm {@code arm_cpu_do_transaction_failed}); a valid access
 * wider than the implementation is split into implemented-size pieces, little-endian, and a
 * narrower one is widened and the bytes extracted. Device code never re-checks sizes.
 */
public final class AccessRules {
    /** Accepts 1..8 bytes, unaligned too; implements the same (RAM-like). */
    public static final AccessRules ANY = new AccessRules(1, 8, true, 1, 8);

    public final int validMin;
    public final int validMax;
    public final boolean validUnaligned;
    public final int implMin;
    public final int implMax;

    public AccessRules(int validMin, int validMax, boolean validUnaligned, int implMin, int implMax) {
        if (!pow2(validMin) || !pow2(validMax) || !pow2(implMin) || !pow2(implMax) || validMin > validMax || implMin > implMax) {
            throw new IllegalArgumentException("bad access rules");
        }
        this.validMin = validMin;
        this.validMax = validMax;
        this.validUnaligned = validUnaligned;
        this.implMin = implMin;
        this.implMax = implMax;
    }

    /** Registers that accept and implement exactly {@code min..max}, aligned. */
    public static AccessRules aligned(int min, int max) {
        return new AccessRules(min, max, false, min, max);
    }

    private static boolean pow2(int v) {
        return v > 0 && (v & (v - 1)) == 0 && v <= 16;
    }

    public boolean valid(long offset, int size) {
        if (size < validMin || size > validMax || (size & (size - 1)) != 0) {
            return false;
        }
        return validUnaligned || (offset & (size - 1)) == 0;
    }

    /** Register-level callback used by {@link #dispatch}. */
    public interface Registers {
        long read(long offset, int size);

        void write(long offset, int size, long value);
    }

    /**
     * Checks, splits or widens {@code a} (size up to 8) per these rules and calls {@code regs}.
     * Returns false (and sets {@link Status#EXTERNAL_ABORT}) when the access is not valid.
     */
    public boolean dispatch(Access a, long offset, Registers regs) {
        int size = a.size;
        if (!valid(offset, size) || size > 8) {
            a.fail(Status.EXTERNAL_ABORT, offset);
            if (a.isRead()) {
                a.data = a.sizeMask();
            }
            return false;
        }
        if (size >= implMin && size <= implMax) {
            if (a.isWrite()) {
                regs.write(offset, size, a.data & a.sizeMask());
            } else {
                a.data = regs.read(offset, size) & a.sizeMask();
            }
            return true;
        }
        if (size > implMax) {
            long v = 0;
            for (int done = 0; done < size; done += implMax) {
                if (a.isWrite()) {
                    regs.write(offset + done, implMax, (a.data >>> (8 * done)) & mask(implMax));
                } else {
                    v |= (regs.read(offset + done, implMax) & mask(implMax)) << (8 * done);
                }
            }
            if (a.isRead()) {
                a.data = v;
            }
            return true;
        }
        // narrower than implemented: widen to implMin, aligned
        long base = offset & ~(long) (implMin - 1);
        int shift = (int) (offset - base) * 8;
        if (a.isWrite()) {
            long old = regs.read(base, implMin);
            long m = mask(size) << shift;
            regs.write(base, implMin, (old & ~m) | ((a.data << shift) & m));
        } else {
            a.data = (regs.read(base, implMin) >>> shift) & mask(size);
        }
        return true;
    }

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }
}
