package dev.gvsim.guesttraces.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;

class GuestStringOpsTest {

    /** Byte-array memory that checks every access stays inside the allowed ranges. */
    static final class Mem implements GuestStringOps.Emitter {
        final byte[] m = new byte[4096];
        long loLoad, hiLoad, loStore, hiStore;
        final List<String> log = new ArrayList<>();
        int stopAfter = Integer.MAX_VALUE;
        int count;

        @Override
        public long load(long va, int size, int flags) {
            assertThat(va).isBetween(loLoad, hiLoad - size);
            count++;
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (m[(int) va + i] & 0xFFL) << (8 * i);
            }
            return v;
        }

        @Override
        public void store(long va, int size, long value, int flags) {
            assertThat(va).as("store at %d size %d", va, size).isBetween(loStore, hiStore - size);
            log.add("st " + va + " " + size + ((flags & Access.F_PAIR) != 0 ? " pair" : ""));
            count++;
            for (int i = 0; i < size; i++) {
                m[(int) va + i] = (byte) (value >>> (8 * i));
            }
        }

        @Override
        public void zeroBlock(long va, int blockBytes) {
            assertThat(va % blockBytes).isZero();
            assertThat(va).isBetween(loStore, hiStore - blockBytes);
            log.add("zva " + va);
            count++;
            for (int i = 0; i < blockBytes; i++) {
                m[(int) va + i] = 0;
            }
        }

        @Override
        public boolean stopped() {
            return count >= stopAfter;
        }
    }

    @Test
    void memcpyCopiesEveryLengthAndAlignmentWithinBounds() {
        for (int len = 0; len <= 300; len++) {
            for (int so = 0; so < 16; so += 3) {
                for (int d = 0; d < 16; d += 5) {
                    Mem mem = new Mem();
                    for (int i = 0; i < 4096; i++) {
                        mem.m[i] = (byte) (i * 7 + 1);
                    }
                    long src = 100 + so;
                    long dst = 2000 + d;
                    mem.loLoad = src;
                    mem.hiLoad = src + len;
                    mem.loStore = dst;
                    mem.hiStore = dst + len;
                    byte[] expect = java.util.Arrays.copyOfRange(mem.m, (int) src, (int) src + len);
                    new GuestStringOps(mem, 64).arm64Memcpy(dst, src, len);
                    assertThat(java.util.Arrays.copyOfRange(mem.m, (int) dst, (int) dst + len)).as("len %d", len).isEqualTo(expect);
                }
            }
        }
    }

    @Test
    void memmoveHandlesOverlapBothWays() {
        for (int len = 129; len < 400; len += 17) {
            for (int shift : new int[] {-37, -16, -1, 1, 5, 64}) {
                Mem mem = new Mem();
                for (int i = 0; i < 4096; i++) {
                    mem.m[i] = (byte) (i * 13 + 3);
                }
                long src = 1000;
                long dst = src + shift;
                mem.loLoad = src;
                mem.hiLoad = src + len;
                mem.loStore = dst;
                mem.hiStore = dst + len;
                byte[] expect = java.util.Arrays.copyOfRange(mem.m, (int) src, (int) src + len);
                new GuestStringOps(mem, 64).arm64Memcpy(dst, src, len);
                assertThat(java.util.Arrays.copyOfRange(mem.m, (int) dst, (int) dst + len)).isEqualTo(expect);
            }
        }
    }

    @Test
    void smallCopiesUseOverlappingAccessesFromBothEnds() {
        Mem mem = new Mem();
        mem.loLoad = 0;
        mem.hiLoad = 4096;
        mem.loStore = 0;
        mem.hiStore = 4096;
        new GuestStringOps(mem, 64).arm64Memcpy(1001, 0, 12);
        assertThat(mem.log).containsExactly("st 1001 8", "st 1005 8");
        mem.log.clear();
        new GuestStringOps(mem, 64).arm64Memcpy(1001, 0, 20);
        assertThat(mem.log).containsExactly("st 1001 8 pair", "st 1009 8 pair", "st 1005 8 pair", "st 1013 8 pair");
    }

    @Test
    void memsetFillsAndUsesZvaForLargeZeroFills() {
        for (int len = 0; len <= 400; len++) {
            for (int d = 0; d < 64; d += 7) {
                for (int c : new int[] {0, 0xA5}) {
                    Mem mem = new Mem();
                    java.util.Arrays.fill(mem.m, (byte) 0x11);
                    long dst = 1024 + d;
                    mem.loStore = dst;
                    mem.hiStore = dst + len;
                    new GuestStringOps(mem, 64).arm64Memset(dst, c, len);
                    for (int i = 0; i < len; i++) {
                        assertThat(mem.m[(int) dst + i]).as("len %d byte %d", len, i).isEqualTo((byte) c);
                    }
                    assertThat(mem.m[(int) dst + len]).isEqualTo((byte) 0x11);
                    if (c == 0 && len >= 256) {
                        assertThat(mem.log).anyMatch(s -> s.startsWith("zva"));
                    }
                    if (c != 0) {
                        assertThat(mem.log).noneMatch(s -> s.startsWith("zva"));
                    }
                }
            }
        }
    }

    @Test
    void toioUsesBytesUntilAlignedThenQuadwords() {
        Mem mem = new Mem();
        mem.loLoad = 0;
        mem.hiLoad = 4096;
        mem.loStore = 0;
        mem.hiStore = 4096;
        new GuestStringOps(mem, 64).memcpyToio(3005, 0, 20);
        assertThat(mem.log).containsExactly("st 3005 1", "st 3006 1", "st 3007 1", "st 3008 8", "st 3016 8", "st 3024 1");
    }

    @Test
    void aFaultStopsTheExpansion() {
        Mem mem = new Mem();
        mem.loLoad = 0;
        mem.hiLoad = 4096;
        mem.loStore = 0;
        mem.hiStore = 4096;
        mem.stopAfter = 5;
        new GuestStringOps(mem, 64).arm64Memcpy(2048, 0, 1000);
        assertThat(mem.count).isEqualTo(5);
    }
}
