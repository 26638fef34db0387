package dev.gvsim.guesttraces.linux;

import dev.gvsim.simcore.Access;

/**
 * Expands a guest {@code memcpy}/{@code memset} record into the exact loads and stores the named
 * kernel implementation issues, in program order. The access pattern (not the code) follows:
 * <ul>
 * <li>{@code arm64-memcpy}: Linux arch/arm64/lib/memcpy.S (Arm optimized-routines, in the kernel
 * since 5.14, so in 6.1): 0..32 bytes with overlapping loads/stores from both ends, 33..128 bytes
 * loaded into registers then stored, longer copies 16-byte-aligning dst and copying 64 bytes per
 * iteration with the tail copied as the last 64 bytes from the end; X-register LDP/STP, each element
 * an 8-byte access flagged {@code pair}.</li>
 * <li>{@code memcpy-toio}: Linux arch/arm64/kernel/io.c {@code __memcpy_toio}: byte stores until
 * dst is 8-byte aligned, 8-byte stores while 8 or more bytes remain, then byte stores.</li>
 * <li>{@code arm64-memset}: Linux arch/arm64/lib/memset.S (Linaro cortex-strings): up to 15 bytes
 * as 8/4/2/1-byte stores; otherwise a possibly unaligned 16-byte STP, 16-byte-aligned STPs 64
 * bytes per iteration, the tail as an overlapping STP; zero fills of 128 bytes or more use DC ZVA
 * on whole blocks (block size from DCZID_EL0).</li>
 * <li>{@code memset-io}: Linux {@code __memset_io}: like memcpy_toio with a repeated byte.</li>
 * </ul>
 * The emitter is called for every access; once it reports a stop (a fault that ends the CPU's
 * stream) no further access is issued.
 */
public final class GuestStringOps {
    /** The implementations a trace may name. */
    public static final String ARM64_MEMCPY = "arm64-memcpy";
    public static final String MEMCPY_TOIO = "memcpy-toio";
    public static final String ARM64_MEMSET = "arm64-memset";
    public static final String MEMSET_IO = "memset-io";

    /** Where the expanded accesses go. */
    public interface Emitter {
        /** A load; returns the value read. */
        long load(long va, int size, int flags);

        void store(long va, int size, long value, int flags);

        /** DC ZVA of one block at {@code va} (block-aligned). */
        void zeroBlock(long va, int blockBytes);

        /** True once a fault has ended the stream. */
        boolean stopped();
    }

    private final Emitter e;
    private final int zvaBlockBytes;
    // register file for the copy: up to 8 pairs (A..H), each two X registers
    private final long[] lo = new long[8];
    private final long[] hi = new long[8];
    private static final int A = 0, B = 1, C = 2, D = 3, E = 4, F = 5, G = 6, H = 7;

    /**
     * @param zvaBlockBytes DC ZVA block size (DCZID_EL0.BS: 4 → 64 bytes on Cortex-A57/A72); 0 means
     *        DC ZVA is prohibited (DCZID_EL0.DZP), so memset never uses it
     */
    public GuestStringOps(Emitter emitter, int zvaBlockBytes) {
        this.e = emitter;
        this.zvaBlockBytes = zvaBlockBytes;
    }

    private void ldp(int r, long va) {
        if (e.stopped()) {
            return;
        }
        lo[r] = e.load(va, 8, Access.F_PAIR);
        if (e.stopped()) {
            return;
        }
        hi[r] = e.load(va + 8, 8, Access.F_PAIR);
    }

    private void stp(int r, long va) {
        if (e.stopped()) {
            return;
        }
        e.store(va, 8, lo[r], Access.F_PAIR);
        if (e.stopped()) {
            return;
        }
        e.store(va + 8, 8, hi[r], Access.F_PAIR);
    }

    private long ld(long va, int size) {
        return e.stopped() ? 0 : e.load(va, size, 0);
    }

    private void st(long va, int size, long v) {
        if (!e.stopped()) {
            e.store(va, size, v, 0);
        }
    }

    /** Kernel memcpy/memmove access pattern. */
    public void arm64Memcpy(long dstin, long src, long count) {
        long srcend = src + count;
        long dstend = dstin + count;
        if (count > 128) {
            copyLong(dstin, src, count, srcend, dstend);
            return;
        }
        if (count > 32) {
            ldp(A, src);
            ldp(B, src + 16);
            ldp(C, srcend - 32);
            ldp(D, srcend - 16);
            if (count > 64) {
                ldp(E, src + 32);
                ldp(F, src + 48);
                if (count > 96) {
                    ldp(G, srcend - 64);
                    ldp(H, srcend - 48);
                    stp(G, dstend - 64);
                    stp(H, dstend - 48);
                }
                stp(A, dstin);
                stp(B, dstin + 16);
                stp(E, dstin + 32);
                stp(F, dstin + 48);
                stp(C, dstend - 32);
                stp(D, dstend - 16);
                return;
            }
            stp(A, dstin);
            stp(B, dstin + 16);
            stp(C, dstend - 32);
            stp(D, dstend - 16);
            return;
        }
        if (count >= 16) {
            ldp(A, src);
            ldp(D, srcend - 16);
            stp(A, dstin);
            stp(D, dstend - 16);
        } else if ((count & 8) != 0) {
            long a = ld(src, 8);
            long b = ld(srcend - 8, 8);
            st(dstin, 8, a);
            st(dstend - 8, 8, b);
        } else if ((count & 4) != 0) {
            long a = ld(src, 4);
            long b = ld(srcend - 4, 4);
            st(dstin, 4, a);
            st(dstend - 4, 4, b);
        } else if (count != 0) {
            long mid = count >>> 1;
            long a = ld(src, 1);
            long c = ld(srcend - 1, 1);
            long b = ld(src + mid, 1);
            st(dstin, 1, a);
            st(dstin + mid, 1, b);
            st(dstend - 1, 1, c);
        }
    }

    private void copyLong(long dstin, long src, long count, long srcend, long dstend) {
        long diff = dstin - src;
        if (diff == 0) {
            return;
        }
        if (Long.compareUnsigned(diff, count) < 0) {
            copyLongBackwards(dstin, src, count, srcend, dstend);
            return;
        }
        ldp(D, src);
        long tmp = dstin & 15;
        long dst = dstin & ~15L;
        src -= tmp;
        count += tmp; // 16 too large
        ldp(A, src + 16);
        stp(D, dstin);
        ldp(B, src + 32);
        ldp(C, src + 48);
        src += 64;
        ldp(D, src);
        count -= 128 + 16;
        while (count > 0 && !e.stopped()) {
            stp(A, dst + 16);
            ldp(A, src + 16);
            stp(B, dst + 32);
            ldp(B, src + 32);
            stp(C, dst + 48);
            ldp(C, src + 48);
            dst += 64;
            stp(D, dst);
            src += 64;
            ldp(D, src);
            count -= 64;
        }
        ldp(E, srcend - 64);
        stp(A, dst + 16);
        ldp(A, srcend - 48);
        stp(B, dst + 32);
        ldp(B, srcend - 32);
        stp(C, dst + 48);
        ldp(C, srcend - 16);
        stp(D, dst + 64);
        stp(E, dstend - 64);
        stp(A, dstend - 48);
        stp(B, dstend - 32);
        stp(C, dstend - 16);
    }

    private void copyLongBackwards(long dstin, long src, long count, long srcend, long dstend) {
        ldp(D, srcend - 16);
        long tmp = dstend & 15;
        srcend -= tmp;
        count -= tmp;
        ldp(A, srcend - 16);
        stp(D, dstend - 16);
        ldp(B, srcend - 32);
        ldp(C, srcend - 48);
        srcend -= 64;
        ldp(D, srcend);
        dstend -= tmp;
        count -= 128;
        while (count > 0 && !e.stopped()) {
            stp(A, dstend - 16);
            ldp(A, srcend - 16);
            stp(B, dstend - 32);
            ldp(B, srcend - 32);
            stp(C, dstend - 48);
            ldp(C, srcend - 48);
            dstend -= 64;
            stp(D, dstend);
            srcend -= 64;
            ldp(D, srcend);
            count -= 64;
        }
        ldp(G, src + 48);
        stp(A, dstend - 16);
        ldp(A, src + 32);
        stp(B, dstend - 32);
        ldp(B, src + 16);
        stp(C, dstend - 48);
        ldp(C, src);
        stp(D, dstend - 64);
        stp(G, dstin + 48);
        stp(A, dstin + 32);
        stp(B, dstin + 16);
        stp(C, dstin);
    }

    /** {@code __memcpy_toio}: src is normal memory, dst is I/O. */
    public void memcpyToio(long to, long from, long count) {
        while (count > 0 && (to & 7) != 0 && !e.stopped()) {
            st(to, 1, ld(from, 1));
            from++;
            to++;
            count--;
        }
        while (count >= 8 && !e.stopped()) {
            st(to, 8, ld(from, 8));
            from += 8;
            to += 8;
            count -= 8;
        }
        while (count > 0 && !e.stopped()) {
            st(to, 1, ld(from, 1));
            from++;
            to++;
            count--;
        }
    }

    /** {@code __memset_io}. */
    public void memsetIo(long dst, int c, long count) {
        long qc = (c & 0xFFL) * 0x0101010101010101L;
        while (count > 0 && (dst & 7) != 0 && !e.stopped()) {
            st(dst, 1, c & 0xFF);
            dst++;
            count--;
        }
        while (count >= 8 && !e.stopped()) {
            st(dst, 8, qc);
            dst += 8;
            count -= 8;
        }
        while (count > 0 && !e.stopped()) {
            st(dst, 1, c & 0xFF);
            dst++;
            count--;
        }
    }

    /** Kernel memset access pattern. */
    public void arm64Memset(long dstin, int c, long count) {
        long v = (c & 0xFFL) * 0x0101010101010101L;
        lo[A] = v;
        hi[A] = v;
        long dst = dstin;
        if (count <= 15) {
            if ((count & 8) != 0) {
                st(dst, 8, v);
                dst += 8;
            }
            if ((count & 4) != 0) {
                st(dst, 4, v & 0xFFFF_FFFFL);
                dst += 4;
            }
            if ((count & 2) != 0) {
                st(dst, 2, v & 0xFFFF);
                dst += 2;
            }
            if ((count & 1) != 0) {
                st(dst, 1, v & 0xFF);
            }
            return;
        }
        long tmp2 = (-dst) & 15;
        if (tmp2 != 0) {
            stp(A, dst);
            count -= tmp2;
            dst += tmp2;
        }
        if (v == 0) {
            zeroMem(dst, count);
        } else {
            tailMaybeLong(dst, count);
        }
    }

    private void tailMaybeLong(long dst, long count) {
        if (count >= 64) {
            notShort(dst, count);
        } else {
            tail63(dst, count);
        }
    }

    private void tail63(long dst, long count) {
        long t = count & 0x30;
        if (t != 0) {
            int n = (int) (t >>> 4); // 1, 2 or 3 stores
            for (int i = 0; i < n; i++) {
                stp(A, dst);
                dst += 16;
            }
        }
        count &= 15;
        if (count != 0) {
            dst += count;
            stp(A, dst - 16);
        }
    }

    private void notShort(long dst, long count) {
        dst -= 16;
        count -= 64;
        do {
            stp(A, dst + 16);
            stp(A, dst + 32);
            stp(A, dst + 48);
            dst += 64;
            stp(A, dst);
            count -= 64;
        } while (count >= 0 && !e.stopped());
        dst += 16;
        if ((count & 0x3f) != 0) {
            tail63(dst, count);
        }
    }

    private void zeroMem(long dst, long count) {
        if (count <= 63) {
            tail63(dst, count);
            return;
        }
        if (count < 128 || zvaBlockBytes < 64) {
            notShort(dst, count);
            return;
        }
        long zva = zvaBlockBytes;
        if (count < zva) {
            notShort(dst, count);
            return;
        }
        long bits = zva - 1;
        long tmp2 = (-dst) & bits;
        if (tmp2 != 0) {
            long tmp1 = count - tmp2;
            if (tmp1 < 64 || tmp1 < zva) {
                notShort(dst, count);
                return;
            }
            count = tmp1;
            do {
                stp(A, dst);
                stp(A, dst + 16);
                stp(A, dst + 32);
                tmp2 -= 64;
                stp(A, dst + 48);
                dst += 64;
            } while (tmp2 >= 0 && !e.stopped());
            dst += tmp2;
        }
        count -= zva;
        do {
            if (!e.stopped()) {
                e.zeroBlock(dst, (int) zva);
            }
            dst += zva;
            count -= zva;
        } while (count >= 0 && !e.stopped());
        count &= bits;
        if (count != 0) {
            tailMaybeLong(dst, count);
        }
    }
}
