package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** virtio_gpu.commands: QEMU 7.2's command quirks (default) against VIRTIO 1.2's answers (spec). */
class SpecCommandsTest {
    static GpuHarness dev(String mode, Map<String, String> props) {
        return new GpuHarness(props, Map.of("virtio_gpu.commands", mode)).probe();
    }

    @Test
    void createBlobOfHost3dWithShareableFlags() {
        GpuHarness qemu = dev("qemu", Map.of("blob", "on"));
        assertThat(qemu.createBlob(1, BLOB_MEM_HOST3D, BLOB_FLAG_USE_SHAREABLE, 4096, GpuHarness.PAGES, 4096)).as("QEMU 7.2's &&")
                .isEqualTo(RESP_OK_NODATA);
        GpuHarness spec = dev("spec", Map.of("blob", "on"));
        assertThat(spec.createBlob(1, BLOB_MEM_HOST3D, BLOB_FLAG_USE_SHAREABLE, 4096, GpuHarness.PAGES, 4096)).as("HOST3D needs VIRGL")
                .isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(spec.createBlob(2, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE, 4096, GpuHarness.PAGES, 4096)).isEqualTo(RESP_OK_NODATA);
    }

    @Test
    void fullWidthTransferCopiesTheWholeImageOrTheRectsRows() {
        int w = 16;
        int h = 8;
        long bytes = (long) w * h * 4;
        for (String mode : new String[] {"qemu", "spec"}) {
            GpuHarness g = dev(mode, Map.of());
            assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, w, h)).isEqualTo(RESP_OK_NODATA);
            assertThat(g.attach(1, GpuHarness.PAGES, bytes)).isEqualTo(RESP_OK_NODATA);
            long before = (Long) ((Map<?, ?>) g.d.report()).get("bytes_copied");
            assertThat(g.transfer(1, 0, 0, w, 2, 0)).isEqualTo(RESP_OK_NODATA);
            long copied = (Long) ((Map<?, ?>) g.d.report()).get("bytes_copied") - before;
            assertThat(copied).as(mode).isEqualTo(mode.equals("qemu") ? bytes : 2L * w * 4);
        }
    }

    @Test
    void setScanoutOfAResourceWithoutBacking() {
        GpuHarness qemu = dev("qemu", Map.of());
        qemu.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 32);
        assertThat(qemu.setScanout(0, 1, 0, 0, 64, 32)).as("no backing storage").isEqualTo(RESP_ERR_UNSPEC);
        GpuHarness spec = dev("spec", Map.of());
        spec.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 32);
        assertThat(spec.setScanout(0, 1, 0, 0, 64, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(spec.d.scanouts().get(0).active()).isTrue();
        assertThat(spec.setScanout(0, 9, 0, 0, 64, 32)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
    }
}
