package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.simcore.Access;

/**
 * Issue 29: {@link Mmu#plainRun} and {@link Mmu#countPlainRun} against one {@link Mmu#translate}
 * per access of the run. Two MMUs with the same mappings (every memory type, read-only pages, an
 * unmapped page, with and without stage 2 incl. read-only and write-only stage-2 pages and
 * attribute mismatches) take the same pseudo-random runs: where {@code plainRun} accepts a run,
 * every access of it translated one by one must give the first one's outcome at its own address,
 * and the counters must end equal; where it refuses, {@code a} must be unchanged.
 */
class MmuPlainRunTest {
    private static final long KVA = 0xffff800010000000L;
    private static final long PA = 0x1000_0000L;
    private static final int PAGES = 8;
    private static final int[] SIZES = {1, 2, 4, 8, 8, 8, 16, 3};
    private static final int[] FLAGS = {Access.F_EXCL, Access.F_ACQ, Access.F_REL, Access.F_ATOMIC, Access.F_PAIR, Access.F_ZVA,
            Access.F_NO_DATA, Access.F_BARRIER_AFTER, Access.F_LOWER_EL};

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void runMatchesOneTranslatePerAccess(boolean stage2) throws Exception {
        Rig run = rig(stage2);
        Rig one = rig(stage2);
        SplittableRandom rnd = new SplittableRandom(stage2 ? 0x29b : 0x29a);
        Access a = new Access();
        Access b = new Access();
        Access before = new Access();
        long accepted = 0;
        long refused = 0;
        for (int i = 0; i < 20_000; i++) {
            int kind = rnd.nextInt(10) == 0 ? Access.FETCH : rnd.nextBoolean() ? Access.WRITE : Access.READ;
            int size = SIZES[rnd.nextInt(SIZES.length)];
            long off = rnd.nextInt(4) == 0 ? rnd.nextInt(0x1000 * (PAGES + 1)) : (long) rnd.nextInt(PAGES * 512) * 8;
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 600);
            int flags = rnd.nextInt(3) == 0 ? FLAGS[rnd.nextInt(FLAGS.length)] : 0;
            a.cpu(kind, KVA + off, size, flags, 0, 0x1234, null);
            before.cpu(kind, KVA + off, size, flags, 0, 0x1234, null);
            if (!run.mmu.plainRun(a, n)) {
                refused++;
                assertSame(a, before, i, "refused, unchanged");
                // what the caller then does: one translate per access, on both
                for (int k = 0; k < n; k++) {
                    a.cpu(kind, KVA + off + (long) k * size, size, flags, 0, 0x1234, null);
                    b.cpu(kind, KVA + off + (long) k * size, size, flags, 0, 0x1234, null);
                    run.mmu.translate(a);
                    one.mmu.translate(b);
                }
                continue;
            }
            accepted++;
            run.mmu.countPlainRun(a, n);
            for (int k = 0; k < n; k++) {
                b.cpu(kind, KVA + off + (long) k * size, size, flags, 0, 0x1234, null);
                one.mmu.translate(b);
                assertThat(b.ok()).isTrue();
                assertThat(b.address).as("run %d access %d", i, k).isEqualTo(a.address + (long) k * size);
                assertThat(b.memType).isEqualTo(a.memType);
                assertThat(b.s1Type).isEqualTo(a.s1Type);
                assertThat(b.s2Type).isEqualTo(a.s2Type);
            }
            assertThat(run.stats.snapshot()).as("run %d", i).isEqualTo(one.stats.snapshot());
        }
        assertThat(run.stats.snapshot()).isEqualTo(one.stats.snapshot());
        assertThat(accepted).isGreaterThan(2_000);
        assertThat(refused).isGreaterThan(2_000);
        if (stage2) {
            assertThat(run.stats.get("mmu.attr_mismatch")).as("attribute mismatches counted per access of a run").isPositive();
        }
    }

    private static Rig rig(boolean stage2) {
        Rig r = new Rig();
        MemoryType[] types = MemoryType.values();
        for (int p = 0; p < PAGES - 1; p++) { // the last page is unmapped
            MemoryType t = types[p % types.length];
            long attrs = r.mmu.linuxS1Attrs(KVA + p * 0x1000L, t);
            if (p % 3 == 2) {
                attrs |= Mmu.AP2_RO;
            }
            r.mmu.mapRaw(KVA + p * 0x1000L, PA + p * 0x1000L, 0x1000, attrs);
        }
        if (stage2) {
            for (int p = 0; p < PAGES; p++) {
                long ipa = PA + p * 0x1000L;
                if (p == 3 || p == 6) {
                    long ap = p == 3 ? Mmu.S2AP_R : Mmu.S2AP_W;
                    r.mmu.s2mapRaw(ipa, ipa, 0x1000, (0b1111L << Mmu.S2_MEMATTR_SHIFT) | ap | Mmu.AF);
                } else {
                    r.mmu.s2map(ipa, ipa, 0x1000, p % 2 == 0 ? MemoryType.NORMAL_WB : types[(p + 1) % types.length]);
                }
            }
        }
        return r;
    }

    private static void assertSame(Access a, Access b, int i, String what) throws IllegalAccessException {
        for (Field f : Access.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertThat(f.get(a)).as("%s %d: %s", what, i, f.getName()).isEqualTo(f.get(b));
            }
        }
    }
}
