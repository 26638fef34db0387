package dev.gvsim.guesttraces.edk2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The VGA fix's legacy-range skipping (SkipVGAAperture-like) and the pool arithmetic. */
class PciBusDxeLayoutTest {
    @Test
    void resourcesAreMovedPastTheVbeAndVgaPorts() {
        // a 32-byte BAR at 0 does not touch 0x1ce..0x1d0
        assertThat(PciBusDxe.skipLegacy(0, 0x20, 0x20)).isZero();
        // a 256-byte BAR at 0x100 would cover 0x1ce: moved to the next 256-byte boundary after 0x1d0
        assertThat(PciBusDxe.skipLegacy(0x100, 0x100, 0x100)).isEqualTo(0x200);
        // one at 0x300 would cover 0x3b0-0x3df: moved to 0x400
        assertThat(PciBusDxe.skipLegacy(0x300, 0x100, 0x100)).isEqualTo(0x400);
        // a 16-byte BAR at 0x1c0 covers 0x1ce: moved to 0x1e0
        assertThat(PciBusDxe.skipLegacy(0x1C0, 0x10, 0x10)).isEqualTo(0x1E0);
        // a 4 KiB bridge window at 0 on the VGA device's bus would swallow the legacy ports: moved to 0x1000
        assertThat(PciBusDxe.skipLegacy(0, 0x1000, 0x1000)).isEqualTo(0x1000);
        // 0x3e0 and above is free
        assertThat(PciBusDxe.skipLegacy(0x3E0, 0x20, 0x20)).isEqualTo(0x3E0);
    }

    @Test
    void alignUpIsPowerOfTwoRounding() {
        assertThat(PciBusDxe.alignUp(0x1001, 0x1000)).isEqualTo(0x2000);
        assertThat(PciBusDxe.alignUp(0x2000, 0x1000)).isEqualTo(0x2000);
        assertThat(PciBusDxe.alignUp(5, 1)).isEqualTo(5);
    }

    @Test
    void fixNamesParse() {
        assertThat(Edk2Firmware.Fix.byName("edk2-vga-io-window")).isEqualTo(Edk2Firmware.Fix.VGA_IO_WINDOW);
        assertThat(Edk2Firmware.Fix.byName("gop-qxl-native")).isEqualTo(Edk2Firmware.Fix.GOP_QXL_NATIVE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Edk2Firmware.Fix.byName("nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("edk2-vga-io-window");
    }
}
