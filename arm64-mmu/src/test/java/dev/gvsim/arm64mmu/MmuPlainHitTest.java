package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.simcore.Access;

/**
 * {@link Mmu#translate}'s short path for plain aligned loads and stores on a TLB hit must give what
 * the general path gives. Two MMUs with the same mappings take the same pseudo-random accesses
 * (every size, alignment, page crossing, kind and flag, read-only, EL0, Device and Normal pages,
 * with and without stage 2, read-only and write-only at stage 2, attribute mismatches), one with
 * the short path off: every field of every access and every counter must be equal, and the short
 * path must have taken a good share of them.
 */
class MmuPlainHitTest {
    private static final long KVA = 0xffff800010000000L;
    private static final long UVA = 0x40_0000L;
    private static final long PA = 0x1000_0000L;
    private static final int PAGES = 8;
    private static final int[] SIZES = {1, 2, 4, 8, 16, 3, 0, 32};
    private static final int[] FLAGS = {Access.F_EXCL, Access.F_ACQ, Access.F_REL, Access.F_ATOMIC, Access.F_PAIR, Access.F_ZVA,
            Access.F_NO_DATA, Access.F_BARRIER_AFTER, Access.F_LOWER_EL};

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sameOutcomeWithAndWithoutThePlainPath(boolean stage2) throws Exception {
        Rig fast = rig(stage2);
        Rig slow = rig(stage2);
        slow.mmu.plainFastPath = false;
        assertThat(fast.mmu.plainFastPath).isTrue();
        SplittableRandom rnd = new SplittableRandom(stage2 ? 0x5eed2 : 0x5eed1);
        Access a = new Access();
        Access b = new Access();
        long plain = 0;
        for (int i = 0; i < 200_000; i++) {
            int kind = rnd.nextInt(10) == 0 ? Access.FETCH : rnd.nextBoolean() ? Access.WRITE : Access.READ;
            long base = rnd.nextBoolean() ? KVA : UVA;
            // mostly aligned, sometimes unaligned or across the page end; page PAGES is unmapped
            long off = rnd.nextInt(4) == 0 ? rnd.nextInt(0x1000 * (PAGES + 1)) : (long) rnd.nextInt(PAGES * 512) * 8;
            int size = rnd.nextInt(3) == 0 ? SIZES[rnd.nextInt(SIZES.length)] : 8;
            int flags = 0;
            if (rnd.nextInt(3) == 0) {
                flags = FLAGS[rnd.nextInt(FLAGS.length)] | (rnd.nextInt(4) == 0 ? FLAGS[rnd.nextInt(FLAGS.length)] : 0);
            }
            for (Access x : new Access[] {a, b}) {
                x.cpu(kind, base + off, size, flags, 0, 0x1234, null);
                x.data = i;
            }
            fast.mmu.translate(a);
            slow.mmu.translate(b);
            assertSame(a, b, i);
            if (a.ok() && size <= 8 && size > 0 && (off & (size - 1)) == 0 && kind != Access.FETCH
                    && (flags & (Access.F_EXCL | Access.F_ATOMIC | Access.F_ZVA | Access.F_LOWER_EL)) == 0) {
                plain++;
            }
            if (i % 50_000 == 49_999) {
                // a flush in the middle: the short path must miss afterwards like the TLB does
                fast.mmu.invalidateAll();
                slow.mmu.invalidateAll();
            }
        }
        assertThat(fast.stats.snapshot()).isEqualTo(slow.stats.snapshot());
        assertThat(plain).as("plain accesses that translated").isGreaterThan(40_000);
        assertThat(fast.stats.get("mmu.tlb.hits")).isGreaterThan(plain / 2);
    }

    private static Rig rig(boolean stage2) {
        Rig r = new Rig();
        MemoryType[] types = MemoryType.values();
        for (int p = 0; p < PAGES; p++) {
            MemoryType t = types[p % types.length];
            long attrs = r.mmu.linuxS1Attrs(KVA + p * 0x1000L, t);
            if (p % 3 == 2) {
                attrs |= Mmu.AP2_RO;
            }
            r.mmu.mapRaw(KVA + p * 0x1000L, PA + p * 0x1000L, 0x1000, attrs);
            r.mmu.map(UVA + p * 0x1000L, PA + p * 0x1000L, 0x1000, types[(p + 3) % types.length]);
        }
        if (stage2) {
            for (int p = 0; p < PAGES; p++) {
                long ipa = PA + p * 0x1000L;
                if (p == 3 || p == 6) {
                    // read-only and write-only at stage 2 (S2AP), Normal-WB
                    long ap = p == 3 ? Mmu.S2AP_R : Mmu.S2AP_W;
                    r.mmu.s2mapRaw(ipa, ipa, 0x1000, (0b1111L << Mmu.S2_MEMATTR_SHIFT) | ap | Mmu.AF);
                } else {
                    r.mmu.s2map(ipa, ipa, 0x1000, types[(p + 1) % types.length]);
                }
            }
        }
        return r;
    }

    /** Every instance field of the two accesses. */
    private static void assertSame(Access a, Access b, int i) throws IllegalAccessException {
        for (Field f : Access.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            assertThat(f.get(a)).as("access %d: %s (status %s)", i, f.getName(), a.status).isEqualTo(f.get(b));
        }
    }
}
