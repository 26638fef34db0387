package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.SparseMemory;

class DmaTest {
    static final long BASE = 0x4000_0000L;

    @Test
    void guestRamAtItsBaseIsReachableAndNothingElse() {
        SparseMemory ram = new SparseMemory("ram", 1 << 20);
        Dma d = Dma.of(ram, BASE);
        assertThat(d.reachable(BASE, 1 << 20)).isTrue();
        assertThat(d.reachable(BASE + (1 << 20) - 8, 8)).isTrue();
        assertThat(d.reachable(BASE + (1 << 20) - 7, 8)).as("across the end").isFalse();
        assertThat(d.reachable(BASE - 1, 2)).as("below the base").isFalse();
        assertThat(d.reachable(Long.MAX_VALUE - 2, 8)).as("wraps").isFalse();
        assertThat(d.reachable(BASE, -1)).isFalse();
        d.write(BASE + 0x100, 8, 0x1122_3344_5566_7788L);
        assertThat(ram.readLong(0x100)).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(d.read(BASE + 0x104, 4)).isEqualTo(0x1122_3344L);
        UnsafeBuffer b = new UnsafeBuffer(new byte[16]);
        d.read(BASE + 0x100, b, 4, 8);
        assertThat(b.getLong(4)).isEqualTo(0x1122_3344_5566_7788L);
        d.write(BASE + 0x200, b, 4, 8);
        assertThat(ram.readLong(0x200)).isEqualTo(0x1122_3344_5566_7788L);
        assertThatThrownBy(() -> d.read(BASE + (1 << 20), 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThat(Dma.NONE.reachable(BASE, 1)).isFalse();
    }
}
