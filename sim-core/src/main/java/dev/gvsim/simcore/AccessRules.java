package dev.gvsim.simcore;

/**
 * What a register region accepts and what it implements (QEMU's {@code MemoryRegionOps.valid} and
 * {@code .impl}), and the one adapter that fits an access to them ({@link #access}). An access
 * whose size or alignment is not {@link #valid} is rejected by the bus with
 * {@link Status#EXTERNAL_ABORT} (QEMU answers MEMTX_DECODE_ERROR, which arm turns into a
 * synchronous external abort: target/arm {@code arm_cpu_do_transaction_failed}); a valid access
 * of a size the region does not implement is split or widened as QEMU's memory core does. Device
 * code never re-checks sizes.
 */
public final class AccessRules {
    /** Accepts 1..8 bytes, unaligned too; implements the same (RAM-like). */
    public static final AccessRules ANY = new AccessRules(1, 8, true, 1, 8);

    /**
     * QEMU's {@code portio_ops} (softmmu/ioport.c), the region behind every {@code
     * MemoryRegionPortio} list (the VGA ports, the Bochs VBE DISPI ports): no {@code valid} sizes
     * (memory_region_access_valid: a max of 0 accepts every size), unaligned; no {@code impl} sizes,
     * so access_with_adjusted_size implements 1..4 bytes (its default max) and splits an 8-byte access
     * into two 4-byte ones. Which widths a port then answers is the port list's business (ioport.c
     * find_portio).
     */
    public static final AccessRules PORTIO = new AccessRules(1, 8, true, 1, 4);

    public final int validMin;
    public final int validMax;
    public final boolean validUnaligned;
    public final int implMin;
    public final int implMax;

    public AccessRules(int validMin, int validMax, boolean validUnaligned, int implMin, int implMax) {
        if (!pow2(validMin) || !pow2(validMax) || !pow2(implMin) || !pow2(implMax) || validMin > validMax || implMin > implMax) {
            throw new IllegalArgumentException("bad access rules: valid " + validMin + ".." + validMax + ", implemented " + implMin + ".."
                    + implMax + " (powers of two up to 16, min <= max)");
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

    /**
     * QEMU memory_region_access_valid (softmmu/memory.c): the size is a power of two within
     * {@code validMin..validMax}, and the offset a multiple of it unless unaligned accesses are valid.
     */
    public boolean valid(long offset, int size) {
        if (size < validMin || size > validMax || (size & (size - 1)) != 0) {
            return false;
        }
        return validUnaligned || (offset & (size - 1)) == 0;
    }

    /** True if the region implements an access of {@code size} bytes as it is: {@link #access} passes it on unchanged. */
    public boolean implemented(int size) {
        return size >= implMin && size <= implMax;
    }

    /**
     * Delivers the valid access {@code a} (1..8 bytes, no buffer) at {@code offset} to {@code region}
     * in the sizes the region implements, as QEMU 7.2's access_with_adjusted_size (softmmu/memory.c;
     * system/memory.c since 8.1) does for a little-endian region:
     * <ul>
     * <li>an implemented size goes to {@code region} as it is, in {@code a} itself;</li>
     * <li>otherwise the piece size is {@code max(min(size, implMax), implMin)}, and the region sees one
     * access per piece at {@code offset + i} ({@code i = 0, piece, ...} while {@code i < size}), built in
     * {@code scratch}: a write carries bytes {@code i..i+piece-1} of the value, a read's piece lands at
     * byte {@code i} of the result;</li>
     * <li>so an access narrower than {@code implMin} is one {@code implMin}-byte access <em>at the same
     * offset</em> (QEMU does not align it down: "FIXME: support unaligned access?"): a write is the
     * value zero-extended, never a read-modify-write; a read keeps the low {@code size} bytes.</li>
     * </ul>
     * Each piece's latency is added to {@code a}, and a piece that fails sets {@code a.status}. The
     * caller checks {@link #valid} (and the region's bounds) first; nothing here allocates.
     */
    public void access(Access a, long offset, Target region, Access scratch) {
        int size = a.size;
        if (size >= implMin && size <= implMax) {
            region.access(a, offset);
            return;
        }
        int piece = Math.max(Math.min(size, implMax), implMin);
        long pieceMask = Access.sizeMask(piece);
        long result = 0;
        for (int i = 0; i < size; i += piece) {
            Access s = scratch.reset();
            s.kind = a.kind;
            s.address = a.address + i;
            s.size = piece;
            s.flags = a.flags;
            s.initiator = a.initiator;
            s.data = a.isWrite() ? (a.data >>> (8 * i)) & pieceMask : 0;
            region.access(s, offset + i);
            if (a.isRead()) {
                result |= (s.data & pieceMask) << (8 * i);
            }
            a.latencyPs += s.latencyPs;
            if (s.status != Status.OK) {
                a.status = s.status;
            }
        }
        if (a.isRead()) {
            a.data = result & a.sizeMask();
        }
    }
}
