package dev.gvsim.virtiogpudevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * QemuEdid against QEMU 7.2's own generator: the blobs in resources {@code qemu-edid/} were written by
 * hw/display/edid-generate.c compiled unchanged from Debian's 7.2 source (that folder's README.md gives
 * the commands), through the {@code qemu-edid} tool (512-byte buffer, sizes in mm from its {@code -d}
 * dpi) or {@code edid-call} (virtio_gpu_generate_edid's call: 1024-byte buffer, a scanout's state).
 */
class QemuEdidTest {
    static final String DIR = "/dev/gvsim/virtiogpudevice/qemu-edid/";

    static byte[] resource(String name) throws Exception {
        try (InputStream in = QemuEdidTest.class.getResourceAsStream(DIR + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** qemu-edid -x X -y Y [-X MX -Y MY] [-d DPI]: width/height in mm from the dpi (qemu-edid.c main). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tool-1280x800.bin,                1280, 800,  0,    0,   100",
        "tool-1024x768.bin,                1024, 768,  0,    0,   100",
        "tool-800x600-max1024x768.bin,     800,  600,  1024, 768, 100",
        "tool-1920x1080-200dpi.bin,        1920, 1080, 0,    0,   200",
        "tool-3840x2160.bin,               3840, 2160, 0,    0,   100"})
    void matchesTheQemuEdidTool(String file, int x, int y, int maxx, int maxy, int dpi) throws Exception {
        byte[] want = resource(file);
        byte[] buf = new byte[512];
        Arrays.fill(buf, (byte) 0x5a); // the generator zeroes its range itself
        int size = QemuEdid.generate(buf, 0, buf.length, x, y, (int) QemuEdid.dpiToMm(dpi, x), (int) QemuEdid.dpiToMm(dpi, y),
                0, maxx, maxy);
        assertThat(size).isEqualTo(want.length);
        assertThat(Arrays.copyOf(buf, size)).as(file).isEqualTo(want);
        assertZeroFrom(buf, size);
        assertChecksums(buf, size);
    }

    /** edid-call SIZE PREFX PREFY WIDTH_MM HEIGHT_MM REFRESH MAXX MAXY (virtio_gpu_generate_edid's call). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "vgpu-1280x800.bin,                 1024, 1280, 800,  0,   0,   0,     0, 0",
        "vgpu-0x0.bin,                      1024, 0,    0,    0,   0,   0,     0, 0",
        "vgpu-1920x1080-527x296mm-60hz.bin, 1024, 1920, 1080, 527, 296, 60000, 0, 0",
        "vgpu-5120x2880.bin,                1024, 5120, 2880, 0,   0,   0,     0, 0",
        "size128-800x600.bin,               128,  800,  600,  0,   0,   0,     0, 0"})
    void matchesQemuEdidGenerateAsVirtioGpuCallsIt(String file, int bufSize, int x, int y, int wmm, int hmm, int refresh,
            int maxx, int maxy) throws Exception {
        byte[] want = resource(file);
        byte[] buf = new byte[bufSize];
        int size = QemuEdid.generate(buf, 0, bufSize, x, y, wmm, hmm, refresh, maxx, maxy);
        assertThat(size).isEqualTo(want.length);
        assertThat(Arrays.copyOf(buf, size)).as(file).isEqualTo(want);
        assertZeroFrom(buf, size);
        assertChecksums(buf, size);
    }

    /**
     * End to end: the EDID a Linux 6.1 guest read from sysfs after GET_EDID to the real QEMU 7.2.22
     * binary (virtio-gpu-pci with these xres/yres, no UI), as the guest hex-dumped it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "guest-1280x800.hex,   1280, 800,  256",
        "guest-800x600.hex,    800,  600,  256",
        "guest-3840x2160.hex,  3840, 2160, 384"})
    void matchesWhatTheGuestReadFromQemu(String file, int x, int y, int len) throws Exception {
        String[] hex = new String(resource(file), StandardCharsets.US_ASCII).trim().split("\\s+");
        byte[] want = new byte[hex.length];
        for (int i = 0; i < hex.length; i++) {
            want[i] = (byte) Integer.parseInt(hex[i], 16);
        }
        assertThat(want).hasSize(len);
        byte[] buf = new byte[QemuEdid.VIRTIO_GPU_EDID_BYTES];
        assertThat(QemuEdid.generate(buf, x, y)).isEqualTo(len);
        assertThat(Arrays.copyOf(buf, len)).as(file).isEqualTo(want);
    }

    /** The short form is virtio-gpu's call without a UI: 1024-byte buffer, 100 dpi, 75 Hz. */
    @Test
    void shortFormIsVirtioGpusDefaultCall() throws Exception {
        byte[] buf = new byte[QemuEdid.VIRTIO_GPU_EDID_BYTES];
        assertThat(QemuEdid.generate(buf, 1280, 800)).isEqualTo(256);
        assertThat(Arrays.copyOf(buf, 256)).isEqualTo(resource("vgpu-1280x800.bin"));
        assertThat(QemuEdid.size(buf, 0)).isEqualTo(256);
        // what a guest decodes: "RHT" 0x1234, EDID 1.4, 32x20 cm, preferred DTD 1280x800, name "QEMU Monitor"
        assertThat(buf[8] & 0xff).isEqualTo(0x49);
        assertThat(buf[9] & 0xff).isEqualTo(0x14);
        assertThat(buf[18]).isEqualTo((byte) 1);
        assertThat(buf[19]).isEqualTo((byte) 4);
        assertThat(buf[21]).isEqualTo((byte) 32);
        assertThat(buf[22]).isEqualTo((byte) 20);
        assertThat((buf[56] & 0xff) | (buf[58] & 0xf0) << 4).isEqualTo(1280);
        assertThat((buf[59] & 0xff) | (buf[61] & 0xf0) << 4).isEqualTo(800);
        assertThat(new String(buf, 113, 12, StandardCharsets.US_ASCII)).isEqualTo("QEMU Monitor");
        assertThat(buf[126]).as("one extension (CTA-861)").isEqualTo((byte) 1);
        assertThat(buf[128]).isEqualTo((byte) 0x02);
    }

    /** Into a response buffer at an offset (struct virtio_gpu_resp_edid: edid at 32): nothing outside the range is touched. */
    @Test
    void writesOnlyItsRange() throws Exception {
        byte[] resp = new byte[32 + 1024 + 8];
        Arrays.fill(resp, (byte) 0x77);
        int size = QemuEdid.generate(resp, 32, 1024, 800, 600, 0, 0, 0, 0, 0);
        assertThat(size).isEqualTo(256);
        assertThat(Arrays.copyOfRange(resp, 0, 32)).containsOnly(0x77);
        assertThat(Arrays.copyOfRange(resp, 32 + 1024, resp.length)).containsOnly(0x77);
        byte[] alone = new byte[1024];
        QemuEdid.generate(alone, 0, 1024, 800, 600, 0, 0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(resp, 32, 32 + 1024)).isEqualTo(alone);
    }

    @Test
    void refusesABufferBelowOneBlock() {
        assertThatThrownBy(() -> QemuEdid.generate(new byte[127], 0, 127, 1280, 800, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuEdid.generate(new byte[1024], 900, 256, 1280, 800, 0, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The rest of the generator's buffer stays zero (QEMU copies all 1024 bytes into the response). */
    static void assertZeroFrom(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            assertThat(b[i]).as("byte " + i).isZero();
        }
    }

    /** Every 128-byte block sums to 0 mod 256 (edid_checksum on the base block and each extension). */
    static void assertChecksums(byte[] b, int size) {
        for (int blk = 0; blk < size; blk += 128) {
            int sum = 0;
            for (int i = 0; i < 128; i++) {
                sum += b[blk + i] & 0xff;
            }
            assertThat(sum & 0xff).as("checksum of block " + blk / 128).isZero();
        }
    }
}
