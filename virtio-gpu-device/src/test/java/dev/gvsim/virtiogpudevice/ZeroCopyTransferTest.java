package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** virtio_gpu.transfer=zero-copy: the same 2D commands, no copy, the scanout shows the backing pages. */
class ZeroCopyTransferTest {
    static GpuHarness dev(String mode) {
        GpuHarness g = new GpuHarness(Map.of(), Map.of("virtio_gpu.transfer", mode)).probe();
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 16, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(1, GpuHarness.PAGES, 16 * 16 * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 1, 0, 0, 16, 16)).isEqualTo(RESP_OK_NODATA);
        return g;
    }

    @Test
    void sameAnswersNoCopyAndTheScanoutIsTheGuestPages() {
        GpuHarness copy = dev("copy");
        GpuHarness zero = dev("zero-copy");
        for (GpuHarness g : new GpuHarness[] {copy, zero}) {
            g.poke(GpuHarness.PAGES + (3 * 16 + 5) * 4, 0x00336699); // pixel (5, 3), B8G8R8X8 little-endian: B=0x99 G=0x66 R=0x33
        }
        assertThat(copy.d.scanouts().get(0).pixel(5, 3)).as("copy: not yet transferred").isZero();
        assertThat(zero.d.scanouts().get(0).pixel(5, 3)).as("zero-copy: the guest's page").isEqualTo(0x336699);
        for (GpuHarness g : new GpuHarness[] {copy, zero}) {
            assertThat(g.transfer(1, 0, 0, 16, 16, 0)).isEqualTo(RESP_OK_NODATA);
            assertThat(g.transfer(1, 10, 0, 16, 16, 0)).as("bounds still checked").isEqualTo(RESP_ERR_INVALID_PARAMETER);
            assertThat(g.d.scanouts().get(0).pixel(5, 3)).isEqualTo(0x336699);
        }
        assertThat(copy.d.report().get("bytes_copied")).isEqualTo(16L * 16 * 4);
        assertThat(zero.d.report().get("bytes_copied")).isEqualTo(0L);
    }

    @Test
    void unknownModeIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new GpuHarness(Map.of(), Map.of("virtio_gpu.transfer", "dma")))
                .hasMessageContaining("virtio_gpu.transfer must be copy or zero-copy");
    }
}
