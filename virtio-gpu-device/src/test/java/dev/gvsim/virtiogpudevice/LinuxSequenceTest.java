package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.Scanout;

/**
 * The sequence Linux 6.1 sends QEMU 7.2 at boot (docs/facts/virtio-gpu.md §1.8, vgpu_root): a
 * 1280 × 800 B8G8R8X8 dumb buffer over 1000 scattered 4 KiB pages, SET_SCANOUT 0 then the
 * resource, a full TRANSFER + FLUSH, then damage rects (8 × 16, as fbcon's glyphs) with the
 * transfer offset the driver computes (y × pitch + x × cpp).
 */
class LinuxSequenceTest {
    static final int W = 1280;
    static final int H = 800;
    static final int PITCH = W * 4;

    @Test
    void bootFramebufferThenDamageRects() {
        GpuHarness g = new GpuHarness().probe();
        assertThat(g.req(CMD_GET_DISPLAY_INFO).send()).isEqualTo(RESP_OK_DISPLAY_INFO);
        assertThat(g.create2d(2, FORMAT_B8G8R8X8_UNORM, W, H)).isEqualTo(RESP_OK_NODATA);
        // the BO's pages, shuffled: BO page i lives at guest page perm[i]
        int pages = PITCH * H / 4096;
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            perm.add(i);
        }
        Collections.shuffle(perm, new java.util.Random(61));
        long[] entries = new long[2 * pages];
        for (int i = 0; i < pages; i++) {
            entries[2 * i] = PAGES + 4096L * perm.get(i);
            entries[2 * i + 1] = 4096;
        }
        assertThat(g.attach(2, entries)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 0, 0, 0, W, H)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 2, 0, 0, W, H)).isEqualTo(RESP_OK_NODATA);
        // the guest draws a gradient into its BO
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                poke(g, perm, (long) y * PITCH + x * 4L, (x & 0xFF) << 16 | (y & 0xFF) << 8 | 0x40);
            }
        }
        long t0 = g.kernel.now();
        assertThat(g.transfer(2, 0, 0, W, H, 0)).isEqualTo(RESP_OK_NODATA);
        // 4,096,000 B at 8 B/ns = 512us, plus cmd_latency and cmd_cost
        assertThat(g.kernel.now() - t0).isEqualTo(5_000_000L + 1_000_000L + 512_000_000L);
        assertThat(g.flush(2, 0, 0, W, H)).isEqualTo(RESP_OK_NODATA);
        Scanout s = g.d.scanouts().get(0);
        int[] row = new int[W];
        for (int y = 0; y < H; y += 97) {
            s.readRow(y, row);
            for (int x = 0; x < W; x += 13) {
                assertThat(row[x]).as("(%d, %d)", x, y).isEqualTo((x & 0xFF) << 16 | (y & 0xFF) << 8 | 0x40);
            }
        }
        // a glyph: 8 × 16 at (640, 400) drawn white, transferred with Linux's offset, flushed
        for (int y = 400; y < 416; y++) {
            for (int x = 640; x < 648; x++) {
                poke(g, perm, (long) y * PITCH + x * 4L, 0xFFFFFF);
            }
        }
        poke(g, perm, 100L * PITCH + 100 * 4L, 0x123456); // drawn but not transferred
        assertThat(g.transfer(2, 640, 400, 8, 16, 400L * PITCH + 640 * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.flush(2, 640, 400, 8, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(s.pixel(640, 400)).isEqualTo(0xFFFFFF);
        assertThat(s.pixel(647, 415)).isEqualTo(0xFFFFFF);
        assertThat(s.pixel(648, 415)).isEqualTo((648 & 0xFF) << 16 | (415 & 0xFF) << 8 | 0x40);
        assertThat(s.pixel(639, 400)).isEqualTo((639 & 0xFF) << 16 | (400 & 0xFF) << 8 | 0x40);
        assertThat(s.pixel(100, 100)).as("the host image changes only with a transfer").isEqualTo(100 << 16 | 100 << 8 | 0x40);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outs = (List<Map<String, Object>>) g.d.report().get("scanouts");
        assertThat(outs.get(0)).containsEntry("flushes", 2L).containsEntry("damaged_pixels", (long) W * H + 128);
        assertThat(g.d.report()).containsEntry("bytes_copied", (long) PITCH * H + 8 * 16 * 4).containsEntry("command_errors", 0L);
    }

    /** Writes BO byte {@code off} (4-byte aligned) through the page permutation. */
    static void poke(GpuHarness g, List<Integer> perm, long off, int v) {
        g.poke(PAGES + 4096L * perm.get((int) (off / 4096)) + off % 4096, v);
    }
}
