package dev.gvsim.guesttraces.importers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;

/** The screen updates of the bundled real virtio-gpu recordings, and hostile logs. */
class VirtioGpuLogDamageTest {
    static final String DIR = "/dev/gvsim/guesttraces/traces/qemu-log/";

    static VirtioGpuLogDamage bundled(String name) throws Exception {
        try (InputStream in = VirtioGpuLogDamageTest.class.getResourceAsStream(DIR + name + ".trace.xz")) {
            assertThat(in).as(name).isNotNull();
            return VirtioGpuLogDamage.read(in, name);
        }
    }

    @Test
    void fbpartialIsItsRectangleLineByLineAndTheConsoleCursor() throws Exception {
        VirtioGpuLogDamage d = bundled("vgpu_fbpartial");
        // counted independently with: xzcat vgpu_fbpartial.trace.xz | grep -c virtio_gpu_cmd_res_flush
        assertThat(d.flushes).hasSize(294);
        assertThat(d.transfers).isEqualTo(294);
        assertThat(d.framebuffer()).isEqualTo(new VirtioGpuLogDamage.Resource(2, 2, 1280, 800));
        // the workload: a 256x64 rectangle at 256,128 written line by line, 4 times: 256x1 flushes at y 128..191, but for one
        // the fbdev damage worker merged with the console's damage (the one 512x158 flush at 0,0)
        long lines = d.flushes.stream().filter(f -> f.width() == 256 && f.height() == 1 && f.x() == 256).count();
        assertThat(lines).isEqualTo(4 * 64 - 1);
        assertThat(d.flushes.stream().filter(f -> f.width() == 512 && f.height() == 158)).hasSize(1);
        assertThat(d.flushes.stream().filter(f -> f.width() == 8 && f.height() == 16)).hasSize(35); // fbcon's cursor
        // times are the recording's, from the first command line, in order
        for (int i = 1; i < d.flushes.size(); i++) {
            assertThat(d.flushes.get(i).timeUs()).isGreaterThanOrEqualTo(d.flushes.get(i - 1).timeUs());
        }
        assertThat(d.flushes.get(0).timeUs()).isPositive();
    }

    @Test
    void fbfullIsWholeFrames() throws Exception {
        VirtioGpuLogDamage d = bundled("vgpu_rp");
        assertThat(d.flushes).hasSize(29);
        assertThat(d.flushes.stream().filter(f -> f.width() == 1280 && f.height() == 800)).hasSize(3);
    }

    static VirtioGpuLogDamage text(String s) throws Exception {
        return VirtioGpuLogDamage.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), "t.log");
    }

    @Test
    void hostileLogsAreClearErrors() {
        assertThatThrownBy(() -> text("random text\n")).isInstanceOf(InputException.class)
                .hasMessageContaining("t.log: no virtio_gpu_cmd_res_flush line").hasMessageContaining("-trace 'virtio_gpu_cmd_*'");
        assertThatThrownBy(() -> text("1@2.000003:virtio_gpu_cmd_res_flush res 0x2, w 8\n")).isInstanceOf(InputException.class)
                .hasMessageContaining("t.log line 1: virtio_gpu_cmd_res_flush: expected 'res N, w N, h N, x N, y N'");
        assertThatThrownBy(() -> text("1@2.000003:virtio_gpu_cmd_res_flush res 0x2, w 99999999999, h 1, x 0, y 0\n"))
                .isInstanceOf(InputException.class).hasMessageContaining("line 1").hasMessageContaining("w is not a number from 0 to");
        assertThatThrownBy(() -> text("1@2.000003:virtio_gpu_cmd_res_flush res 0x2, w -4, h 1, x 0, y 0\n"))
                .isInstanceOf(InputException.class).hasMessageContaining("w is not a number");
        assertThatThrownBy(() -> text("1@2.000003:virtio_gpu_cmd_res_flush res 0x2, h 4, w 1, x 0, y 0\n"))
                .isInstanceOf(InputException.class).hasMessageContaining("expected 'res N, w N");
    }

    @Test
    void aFlushWithoutItsFramebufferIsReadButHasNoFramebuffer() throws Exception {
        VirtioGpuLogDamage d = text("7@10.000000:virtio_gpu_cmd_res_flush res 0x3, w 8, h 16, x 0, y 0\n"
                + "7@10.500000:virtio_gpu_cmd_res_flush res 0x3, w 8, h 16, x 8, y 0\n");
        assertThat(d.framebuffer()).isNull();
        assertThat(d.flushes.get(1).timeUs()).isEqualTo(500_000);
    }
}
