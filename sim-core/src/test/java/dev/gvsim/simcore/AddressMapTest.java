package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressMapTest {

    @Test
    void routesToTheOwningRangeWithOffset() {
        AddressMap m = new AddressMap("sys");
        long[] got = new long[2];
        m.add("b", 0x2000, 0x1000, (a, off) -> { got[0] = 2; got[1] = off; });
        m.add("a", 0x1000, 0x1000, (a, off) -> { got[0] = 1; got[1] = off; });
        Access a = new Access().read(0x1234, 4);
        assertThat(m.route(a)).isTrue();
        assertThat(got).containsExactly(1, 0x234);
        a.read(0x2ffc, 4);
        assertThat(m.route(a)).isTrue();
        assertThat(got).containsExactly(2, 0xffc);
        assertThat(m.find(0x0fff)).isEqualTo(-1);
        assertThat(m.find(0x3000)).isEqualTo(-1);
    }

    @Test
    void theLastHitRangeIsRecheckedAfterRangesMove() {
        AddressMap m = new AddressMap("sys");
        int[] got = new int[1];
        m.add("a", 0x1000, 0x1000, (a, off) -> got[0] = 1);
        m.add("b", 0x2000, 0x1000, (a, off) -> got[0] = 2);
        Access a = new Access().read(0x2010, 4);
        assertThat(m.route(a)).isTrue();
        assertThat(got[0]).isEqualTo(2); // remembered: index 1
        m.remove(0x1000); // "b" moves to index 0; index 1 is now past the end
        assertThat(m.route(a)).isTrue();
        assertThat(got[0]).isEqualTo(2);
        m.add("c", 0x0000, 0x1000, (x, off) -> got[0] = 3); // "b" moves to index 1 again, "c" takes index 0
        a.read(0x0010, 4);
        assertThat(m.route(a)).isTrue();
        assertThat(got[0]).isEqualTo(3);
        a.read(0x1010, 4); // the hole left by "a"
        assertThat(m.route(a)).isFalse();
        m.clear();
        a.read(0x2010, 4);
        assertThat(m.route(a)).isFalse();
    }

    @Test
    void accessRunningPastTheEndIsNotRouted() {
        AddressMap m = new AddressMap("sys");
        m.add("a", 0x1000, 0x1000, (a, off) -> { throw new AssertionError("must not be called"); });
        assertThat(m.route(new Access().read(0x1ffe, 4))).isFalse();
    }

    @Test
    void overlapIsRejectedNamingBothRanges() {
        AddressMap m = new AddressMap("sys");
        m.add("ram", 0x4000_0000L, 0x4000_0000L, (a, o) -> { });
        assertThatThrownBy(() -> m.add("bar", 0x7fff_f000L, 0x2000, (a, o) -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bar'").hasMessageContaining("'ram'");
        assertThatThrownBy(() -> m.add("low", 0x3fff_f000L, 0x2000, (a, o) -> { })).hasMessageContaining("overlaps");
        assertThatThrownBy(() -> m.add("empty", 0, 0, (a, o) -> { })).hasMessageContaining("size 0");
        m.add("adjacent", 0x8000_0000L, 0x1000, (a, o) -> { });
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.remove(0x8000_0000L)).isTrue();
        assertThat(m.size()).isEqualTo(1);
    }

    @Test
    void manyRangesStaySorted() {
        AddressMap m = new AddressMap("sys");
        for (int i = 99; i >= 0; i--) {
            final int id = i;
            m.add("r" + i, i * 0x100L, 0x80, (a, o) -> a.data = id);
        }
        for (int i = 0; i < 100; i++) {
            Access a = new Access().read(i * 0x100L + 0x7f, 1);
            assertThat(m.route(a)).isTrue();
            assertThat(a.data).isEqualTo(i);
            assertThat(m.route(new Access().read(i * 0x100L + 0x80, 1))).isFalse();
        }
    }
}
