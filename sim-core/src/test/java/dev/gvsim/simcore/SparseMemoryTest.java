package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SparseMemoryTest {

    @Test
    void readsOfUntouchedMemoryAreZeroAndAllocateNothing() {
        SparseMemory m = new SparseMemory("ram", SparseMemory.MAX_CAPACITY);
        assertThat(m.read(0xFFFF_FFFF_F000L, 8)).isZero();
        assertThat(m.pagesAllocated()).isZero();
        m.fill(0x1000, 0x10000, (byte) 0);
        assertThat(m.pagesAllocated()).isZero();
    }

    @Test
    void littleEndianAccessorsAndPageAllocationOnFirstWrite() {
        SparseMemory m = new SparseMemory("ram", 1L << 40);
        m.write(0x12_3456_8000L, 8, 0x1122334455667788L);
        assertThat(m.pagesAllocated()).isEqualTo(1);
        assertThat(m.read(0x12_3456_8000L, 1)).isEqualTo(0x88);
        assertThat(m.read(0x12_3456_8000L, 2)).isEqualTo(0x7788);
        assertThat(m.read(0x12_3456_8004L, 4)).isEqualTo(0x11223344L);
        m.writeInt(0x10, 0xdeadbeef);
        assertThat(m.readInt(0x10)).isEqualTo(0xdeadbeef);
    }

    @Test
    void pagesFromGrowingChunksKeepTheirOwnBytes() {
        // 1000 pages span the 64 KiB, 128 KiB, 256 KiB, 512 KiB and several 1 MiB direct chunks
        SparseMemory m = new SparseMemory("ram", 1L << 32);
        for (long p = 0; p < 1000; p++) {
            m.write(p * 0x3000 + 0xff8, 8, p * 0x0101_0101_0101L + 1);
        }
        assertThat(m.pagesAllocated()).isEqualTo(1000);
        for (long p = 0; p < 1000; p++) {
            assertThat(m.read(p * 0x3000 + 0xff8, 8)).isEqualTo(p * 0x0101_0101_0101L + 1);
            assertThat(m.read(p * 0x3000, 8)).isZero();
        }
    }

    @Test
    void accessesThatCrossAPageBoundaryWork() {
        SparseMemory m = new SparseMemory("ram", 1 << 20);
        m.write(0xFFC, 8, 0x0102030405060708L);
        assertThat(m.pagesAllocated()).isEqualTo(2);
        assertThat(m.read(0xFFC, 8)).isEqualTo(0x0102030405060708L);
        assertThat(m.read(0x1000, 4)).isEqualTo(0x01020304L);
        byte[] buf = new byte[10000];
        for (int i = 0; i < buf.length; i++) {
            buf[i] = (byte) i;
        }
        m.writeBytes(0x1F00, buf, 0, buf.length);
        byte[] back = new byte[buf.length];
        m.readBytes(0x1F00, back, 0, back.length);
        assertThat(back).isEqualTo(buf);
    }

    @Test
    void copyHandlesOverlapBothWays() {
        SparseMemory m = new SparseMemory("ram", 1 << 20);
        for (int i = 0; i < 9000; i++) {
            m.write(i, 1, i & 0xFF);
        }
        m.copy(100, 0, 9000); // dst above src, overlapping
        for (int i = 0; i < 9000; i++) {
            assertThat(m.read(100 + i, 1)).isEqualTo(i & 0xFF);
        }
        m.copy(0, 100, 9000); // dst below src
        for (int i = 0; i < 9000; i++) {
            assertThat(m.read(i, 1)).isEqualTo(i & 0xFF);
        }
    }

    @Test
    void outOfRangeIsAStatusOnTheTargetPathAndAnErrorOnDirectAccess() {
        SparseMemory m = new SparseMemory("vram", 0x1000, 5_000);
        Access a = new Access().read(0, 4);
        m.access(a, 0xFFE);
        assertThat(a.status).isEqualTo(Status.ADDRESS_ERROR);
        assertThat(a.data).isEqualTo(0xFFFF_FFFFL);
        assertThat(a.latencyPs).isEqualTo(5_000);
        Access w = new Access().write(0, 8, 1);
        m.access(w, 0x2000);
        assertThat(w.status).isEqualTo(Status.ADDRESS_ERROR);
        assertThat(m.pagesAllocated()).isZero();
        assertThatThrownBy(() -> m.read(0x1000, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new SparseMemory("x", (1L << 48) + 1)).hasMessageContaining("2^48");
    }

    @Test
    void targetPathHonoursSixteenByteAndNoDataWrites() {
        SparseMemory m = new SparseMemory("ram", 1 << 16);
        Access w = new Access().write(0, 16, 0x1111);
        w.dataHi = 0x2222;
        m.access(w, 0x100);
        Access r = new Access().read(0, 16);
        m.access(r, 0x100);
        assertThat(r.data).isEqualTo(0x1111);
        assertThat(r.dataHi).isEqualTo(0x2222);
        Access nd = new Access().write(0, 8, 0xFFFF);
        nd.flags |= Access.F_NO_DATA;
        m.access(nd, 0x100);
        assertThat(m.read(0x100, 8)).as("a store without a value leaves content alone").isEqualTo(0x1111);
    }

    @Test
    void visitsAllocatedPagesInOrder() {
        SparseMemory m = new SparseMemory("ram", 1L << 48);
        m.write(0x7000_0000_0000L, 1, 1);
        m.write(0x2000, 1, 1);
        java.util.List<Long> pages = new java.util.ArrayList<>();
        m.forEachPage((addr, buf) -> pages.add(addr));
        assertThat(pages).containsExactly(0x2000L, 0x7000_0000_0000L);
    }
}
