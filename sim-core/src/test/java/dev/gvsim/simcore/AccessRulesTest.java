package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The one access-size adapter, {@link AccessRules#access}, does what QEMU 7.2's
 * access_with_adjusted_size does: pieces of {@code max(min(size, implMax), implMin)} bytes at
 * {@code offset + i}, little-endian; a narrow write is zero-extended at the same offset, never a
 * read-modify-write; a narrow read keeps the low bytes.
 */
class AccessRulesTest {
    /** A 16-byte register block that logs what reaches it. */
    static final class Block implements Target {
        final long[] bytes = new long[16];
        final List<String> log = new ArrayList<>();

        @Override
        public void access(Access a, long offset) {
            log.add((a.isWrite() ? "wr " : "rd ") + offset + "/" + a.size + (a.isWrite() ? "=0x" + Long.toHexString(a.data) : ""));
            for (int i = 0; i < a.size && offset + i < bytes.length; i++) {
                if (a.isWrite()) {
                    bytes[(int) offset + i] = (a.data >>> (8 * i)) & 0xFF;
                }
            }
            if (a.isRead()) {
                long v = 0;
                for (int i = 0; i < a.size && offset + i < bytes.length; i++) {
                    v |= bytes[(int) offset + i] << (8 * i);
                }
                a.data = v;
            }
            a.latencyPs += 10;
        }
    }

    final Access scratch = new Access();

    @Test
    void aNarrowWriteIsOneZeroExtendedWriteAtTheSameOffsetNotAReadModifyWrite() {
        AccessRules dword = new AccessRules(1, 8, false, 4, 4);
        Block b = new Block();
        for (int i = 0; i < 16; i++) {
            b.bytes[i] = 0x11;
        }
        Access a = new Access().write(0x1000 + 5, 1, 0xAB);
        dword.access(a, 5, b, scratch);
        assertThat(b.log).containsExactly("wr 5/4=0xab");
        assertThat(b.bytes[5]).isEqualTo(0xAB);
        assertThat(b.bytes[6]).as("zero-padded, as QEMU: the neighbours are written with 0").isZero();
        assertThat(b.bytes[4]).as("not aligned down").isEqualTo(0x11);
        assertThat(a.latencyPs).isEqualTo(10);
    }

    @Test
    void aNarrowReadKeepsTheLowBytesOfTheImplementedRead() {
        AccessRules dword = new AccessRules(1, 8, false, 4, 4);
        Block b = new Block();
        for (int i = 0; i < 16; i++) {
            b.bytes[i] = i;
        }
        Access a = new Access().read(0, 2);
        dword.access(a, 6, b, scratch);
        assertThat(b.log).containsExactly("rd 6/4");
        assertThat(a.data).isEqualTo(0x0706);
    }

    @Test
    void aWideAccessIsSplitLittleEndian() {
        AccessRules dword = new AccessRules(1, 8, false, 4, 4);
        Block b = new Block();
        Access w = new Access().write(0, 8, 0x1111_1111_2222_2222L);
        dword.access(w, 8, b, scratch);
        assertThat(b.log).containsExactly("wr 8/4=0x22222222", "wr 12/4=0x11111111");
        assertThat(w.latencyPs).isEqualTo(20);
        Access r = new Access().read(0, 8);
        dword.access(r, 8, b, scratch);
        assertThat(r.data).isEqualTo(0x1111_1111_2222_2222L);
        AccessRules bytes = AccessRules.aligned(1, 1);
        b.log.clear();
        Access r2 = new Access().read(0, 4);
        new AccessRules(1, 4, false, 1, 1).access(r2, 8, b, scratch);
        assertThat(b.log).containsExactly("rd 8/1", "rd 9/1", "rd 10/1", "rd 11/1");
        assertThat(r2.data).isEqualTo(0x2222_2222L);
        assertThat(bytes.valid(0, 2)).isFalse();
    }

    @Test
    void anImplementedSizeGoesThroughInTheAccessItself() {
        Block b = new Block();
        Target same = (x, off) -> {
            b.log.add("same=" + (x == scratch ? "scratch" : "a"));
        };
        Access a = new Access().read(0, 4);
        AccessRules.aligned(4, 4).access(a, 0, same, scratch);
        assertThat(b.log).containsExactly("same=a");
    }

    @Test
    void validityFollowsMemoryRegionAccessValid() {
        AccessRules r = new AccessRules(2, 4, false, 4, 4);
        assertThat(r.valid(0, 1)).isFalse();
        assertThat(r.valid(2, 2)).isTrue();
        assertThat(r.valid(2, 4)).as("unaligned").isFalse();
        assertThat(r.valid(0, 8)).isFalse();
        assertThat(AccessRules.PORTIO.valid(1, 8)).as("port lists accept every size, unaligned").isTrue();
        assertThat(AccessRules.PORTIO.implemented(8)).isFalse();
        assertThat(AccessRules.PORTIO.implemented(4)).isTrue();
    }

    @Test
    void aFailingPieceFailsTheAccess() {
        Target failing = (x, off) -> {
            if (off == 4) {
                x.fail(Status.EXTERNAL_ABORT, off);
            }
        };
        Access a = new Access().write(0, 8, 1);
        new AccessRules(1, 8, true, 4, 4).access(a, 0, failing, scratch);
        assertThat(a.status).isEqualTo(Status.EXTERNAL_ABORT);
    }
}
