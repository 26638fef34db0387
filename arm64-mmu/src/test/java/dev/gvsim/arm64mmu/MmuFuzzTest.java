package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Status;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Page-table walks over arbitrary descriptors (issue 10, docs/fuzzing.md). The stage-1 tables live
 * in guest RAM, so a guest can write any descriptor anywhere in them: tables that point back at
 * themselves or at their parents (loops), output addresses beyond RAM or beyond the PA size,
 * reserved encodings, level-0 blocks, any attribute bits. Whatever it writes, {@link Mmu#translate}
 * completes with OK or a CPU fault status (never throws, never loops: a walk reads at most one
 * descriptor per level), and a fault carries a level 0..3 and a stage 1..2. The builder
 * ({@code mapRaw}, {@code s2mapRaw}) refuses bad ranges with IllegalArgumentException only.
 * Mutation-run size: {@code -Dgvsim.fuzz.tries=N}.
 */
class MmuFuzzTest {
    static final int TRIES = Integer.getInteger("gvsim.fuzz.tries", 3000);
    static final long SEED = Long.getLong("gvsim.fuzz.seed", 0x6775_7369_6d10L);
    static final long KVA = 0xffff_8000_1000_0000L;
    static final long UVA = 0x0000_0040_0000_0000L;

    @Example
    void seededDescriptorFuzzOverGuestRamTables() {
        Random r = new Random(SEED);
        long ok = 0;
        long faults = 0;
        int perRig = 100;
        for (int done = 0; done < TRIES * 10; done += perRig) {
            Walker w = new Walker(r, r.nextInt(3) == 0);
            for (int i = 0; i < perRig; i++) {
                w.corrupt();
                for (int k = 0; k < 4; k++) {
                    if (w.translate()) {
                        ok++;
                    } else {
                        faults++;
                    }
                }
            }
        }
        System.out.printf("mmu fuzz: %d corruptions, %d translations OK, %d faults%n", TRIES * 10, ok, faults);
        assertThat(ok).as("some walks still succeed").isPositive();
        assertThat(faults).as("and some fault").isPositive();
    }

    @Property
    void anyDescriptorAtAnyTableSlotGivesOkOrAFault(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        Walker w = new Walker(r, (seed & 1) == 0);
        int n = 1 + r.nextInt(16);
        for (int i = 0; i < n; i++) {
            w.corrupt();
        }
        for (int i = 0; i < 16; i++) {
            w.translate();
        }
    }

    @Property
    void aTableThatPointsAtItselfEndsTheWalk(@ForAll("levels") int level, @ForAll("seeds") long seed) {
        Rig rig = new Rig();
        Mmu m = rig.mmu;
        m.map(KVA, 0x1000_0000L, 0x1000, MemoryType.DEVICE_NGNRE);
        // walk down to the table at `level` and make its entry for KVA point at that same table
        long table = m.ttbr1();
        for (int l = 0; l < level; l++) {
            long d = rig.ram.readLong(table + index(KVA, l) * 8 - Rig.RAM_BASE);
            table = d & TableSpace.OA_MASK;
        }
        long attrs = seed & 0xFFF0_0000_0000_0FFCL;
        rig.ram.writeLong(table + index(KVA, level) * 8 - Rig.RAM_BASE, table | attrs | TableSpace.DESC_TABLE_OR_PAGE);
        m.invalidateAll();
        Access a = new Access().read(KVA + (seed >>> 52), 4);
        m.translate(a);
        // at levels 0-2 the self-pointer is walked as the next table (the entry is then read as a page
        // or table descriptor); at level 3 it is a page of the table itself: either way the walk ends
        assertThat(a.status == Status.OK || a.status.isCpuFault()).as("status %s", a.status).isTrue();
        if (a.status == Status.OK) {
            assertThat(a.address >>> 48).isZero();
        }
    }

    @Property
    void mapRawRefusesBadRangesOnlyWithIllegalArgumentException(@ForAll("vas") long va, @ForAll("vas") long pa,
            @ForAll("sizes") long size, @ForAll long attrs) {
        Rig rig = new Rig();
        try {
            rig.mmu.mapRaw(va, pa, size, attrs);
            Access a = new Access().read(va, 8);
            rig.mmu.translate(a);
            assertThat(a.status == Status.OK || a.status.isCpuFault()).isTrue();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            rig.mmu.s2mapRaw(pa, va, size, attrs);
            Access a = new Access().read(va, 4);
            rig.mmu.translate(a);
            assertThat(a.status == Status.OK || a.status.isCpuFault()).isTrue();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<Integer> levels() {
        return Arbitraries.integers().between(0, 3);
    }

    @Provide
    Arbitrary<Long> vas() {
        return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, KVA, UVA, -4096L, 1L << 47, (1L << 48) - 4096, 0x4000_0000L,
                0x1000_0000L, 0xffff_0000_0000_0000L, 1L << 52), Arbitraries.longs().map(v -> v & ~0xFFFL));
    }

    @Provide
    Arbitrary<Long> sizes() {
        return Arbitraries.oneOf(Arbitraries.of(0L, 4096L, 8192L, 2L << 20, 1L << 30, -4096L, 1L << 48, 4095L, 1L << 40),
                Arbitraries.longs().between(1, 64).map(n -> n * 4096));
    }

    static long index(long va, int level) {
        return (va >>> TableSpace.shift(level)) & 511;
    }

    /** A rig with a few Linux-style mappings (kernel and user, 4 KiB pages and 2 MiB blocks), optionally under stage 2. */
    static final class Walker {
        final Rig rig;
        final Mmu m;
        final Random r;
        final long poolStart;
        final Access a = new Access();

        Walker(Random r, boolean stage2) {
            this.r = r;
            rig = new Rig();
            m = rig.mmu;
            m.map(KVA, 0x1000_0000L, 0x4000, MemoryType.DEVICE_NGNRE);
            m.map(KVA + (4L << 20), Rig.RAM_BASE, 4L << 20, MemoryType.NORMAL_WB);
            m.map(UVA, Rig.RAM_BASE + 0x10_0000, 0x8000, MemoryType.NORMAL_NC);
            if (stage2) {
                m.s2map(0x1000_0000L, 0x1000_0000L, 0x10_0000, MemoryType.DEVICE_NGNRE);
            }
            poolStart = Rig.RAM_BASE + Rig.RAM_SIZE - rig.params.getLong(MmuParams.S1_TABLE_POOL);
        }

        /** A table page the walker reads: one of the roots or an allocated table. */
        long tablePage() {
            return switch (r.nextInt(3)) {
                case 0 -> m.ttbr1();
                case 1 -> m.ttbr0();
                default -> poolStart + 4096L * r.nextInt((int) Math.max(1, m.s1TablePages()));
            };
        }

        long outputAddress() {
            return switch (r.nextInt(7)) {
                case 0 -> tablePage(); // a loop or a cross-link
                case 1 -> Rig.RAM_BASE + (r.nextLong() & (Rig.RAM_SIZE - 1));
                case 2 -> r.nextLong();
                case 3 -> 0x1000_0000L;
                case 4 -> (1L << 48) - 4096; // top of the 48-bit PA space, beyond mmu.pa_bits
                case 5 -> Rig.RAM_BASE + Rig.RAM_SIZE; // just past guest RAM
                default -> 0;
            };
        }

        /** Writes one arbitrary descriptor into a table slot in guest RAM (what a guest's stray store does). */
        void corrupt() {
            long table = tablePage();
            int idx = r.nextInt(4) == 0 ? r.nextInt(512) : (int) index(r.nextBoolean() ? KVA : UVA, r.nextInt(4));
            long type = new long[] {0b00, 0b01, 0b10, 0b11, 0b11, 0b11}[r.nextInt(6)];
            long attrs = r.nextInt(3) == 0 ? r.nextLong() & 0xFFFF_0000_0000_0FFCL : m.linuxS1Attrs(KVA, MemoryType.NORMAL_WB);
            long d = r.nextInt(10) == 0 ? r.nextLong() : (outputAddress() & TableSpace.OA_MASK) | attrs | type;
            rig.ram.writeLong(table + idx * 8L - Rig.RAM_BASE, d);
            if (r.nextInt(4) == 0) {
                m.invalidateAll(); // TLBI after the store (without it, stale entries are architecturally allowed)
            }
            if (r.nextInt(20) == 0) {
                m.setMair(r.nextLong()); // reserved MAIR encodings too
            }
        }

        /** One translation of a VA near the mappings; true if it completed OK. */
        boolean translate() {
            long va = switch (r.nextInt(6)) {
                case 0 -> KVA + r.nextInt(0x4000);
                case 1 -> KVA + (4L << 20) + r.nextInt(4 << 20);
                case 2 -> UVA + r.nextInt(0x8000);
                case 3 -> r.nextLong();
                case 4 -> KVA + ((long) r.nextInt(1 << 20) << 12);
                default -> 0xffff_0000_0000_0000L | r.nextLong() >>> 16;
            };
            int size = new int[] {1, 2, 4, 8, 16, 8, 4, 3, 0, 32}[r.nextInt(10)];
            a.reset();
            switch (r.nextInt(3)) {
                case 0 -> a.read(va, size);
                case 1 -> a.write(va, size, r.nextLong());
                default -> {
                    a.read(va, size);
                    a.kind = Access.FETCH;
                }
            }
            a.flags = r.nextInt(4) == 0 ? r.nextInt(1 << 6) : 0;
            try {
                m.translate(a);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("translate va=0x" + Long.toHexString(va) + " size " + size + " threw " + e, e);
            }
            boolean archSize = size == 1 || size == 2 || size == 4 || size == 8 || size == 16;
            if (!archSize && (a.flags & Access.F_ZVA) == 0) {
                // no instruction makes such an access: the model refuses it before translating
                assertThat(a.status).isEqualTo(Status.ADDRESS_ERROR);
                return false;
            }
            assertThat(a.status == Status.OK || a.status.isCpuFault() || a.status == Status.ADDRESS_ERROR && a.has(Access.F_ZVA))
                    .as("status %s", a.status).isTrue();
            if (a.status == Status.OK) {
                assertThat(a.address >>> 48).as("output address inside the PA space").isZero();
                return true;
            }
            if (a.status == Status.ADDRESS_ERROR) {
                return false;
            }
            assertThat(a.faultLevel).isBetween(0, 3);
            assertThat(a.faultStage).isBetween(1, 2);
            return false;
        }
    }
}
