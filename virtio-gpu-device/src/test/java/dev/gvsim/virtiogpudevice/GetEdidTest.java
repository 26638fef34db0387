package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** GET_EDID through the control queue: QEMU 7.2 virtio_gpu_get_edid with QemuEdid's blob (byte-checked in QemuEdidTest). */
class GetEdidTest {

    private static byte[] expected(int x, int y) {
        byte[] b = new byte[EDID_MAX];
        QemuEdid.generate(b, x, y);
        return b;
    }

    private static byte[] readEdid(GpuHarness g) {
        byte[] got = new byte[EDID_MAX];
        for (int i = 0; i < EDID_MAX; i++) {
            got[i] = (byte) g.ring.r(GpuHarness.RESP + RESP_EDID_DATA + i, 1);
        }
        return got;
    }

    @Test
    void scanoutZeroGetsTheBlobForXresYres() {
        GpuHarness g = new GpuHarness(Map.of("xres", "1920", "yres", "1080"), Map.of()).probe();
        assertThat(g.req(CMD_GET_EDID).i32(0).i32(0).send()).isEqualTo(RESP_OK_EDID);
        assertThat(g.usedLen).isEqualTo(RESP_EDID_SIZE);
        assertThat(g.ring.r(GpuHarness.RESP + RESP_EDID_SIZE_FIELD, 4)).as("size = sizeof(edid), as QEMU 7.2").isEqualTo(1024);
        assertThat(readEdid(g)).isEqualTo(expected(1920, 1080));
        // the preferred detailed timing is xres × yres
        byte[] e = readEdid(g);
        assertThat((e[56] & 0xff) | (e[58] & 0xf0) << 4).isEqualTo(1920);
        assertThat((e[59] & 0xff) | (e[61] & 0xf0) << 4).isEqualTo(1080);
    }

    @Test
    void otherScanoutsAreUnsizedSoTheGeneratorDefaultApplies() {
        GpuHarness g = new GpuHarness(Map.of("max_outputs", "2", "xres", "800", "yres", "600"), Map.of()).probe();
        assertThat(g.req(CMD_GET_EDID).i32(1).i32(0).send()).isEqualTo(RESP_OK_EDID);
        assertThat(readEdid(g)).isEqualTo(expected(0, 0)).isEqualTo(expected(1280, 800));
    }

    @Test
    void scanoutAtOrAboveMaxOutputsIsInvalidParameter() {
        GpuHarness g = new GpuHarness().probe();
        assertThat(g.req(CMD_GET_EDID).i32(1).i32(0).send()).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.req(CMD_GET_EDID).i32(0xFFFF_FFFFL).i32(0).send()).isEqualTo(RESP_ERR_INVALID_PARAMETER);
    }

    @Test
    void shortRequestIsOkNodataAndAnsweredWithEdidOffToo() {
        GpuHarness g = new GpuHarness().probe();
        assertThat(g.req(CMD_GET_EDID).send()).as("24-byte request: command size incorrect").isEqualTo(RESP_OK_NODATA);
        GpuHarness off = new GpuHarness(Map.of("edid", "off"), Map.of()).probe();
        assertThat(off.req(CMD_GET_EDID).i32(0).i32(0).send()).as("QEMU 7.2 dispatches GET_EDID without checking the feature")
                .isEqualTo(RESP_OK_EDID);
    }

    @Test
    void aResponseBufferShorterThanTheEdidGetsWhatFits() {
        GpuHarness g = new GpuHarness().probe();
        assertThat(g.req(CMD_GET_EDID).i32(0).i32(0).send(100)).isEqualTo(RESP_OK_EDID);
        assertThat(g.usedLen).isEqualTo(100);
    }
}
