package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.virtiogpudevice.GpuResources.Resource;

/** The 2D commands of QEMU 7.2 hw/display/virtio-gpu.c, each success and error, with real pixels. */
class TwoDCommandsTest {
    final GpuHarness g = new GpuHarness().probe();

    /** A 32 × 16 B8G8R8X8 resource backed by one contiguous run of pages at PAGES, pixel (x, y) = 0x00yyxx10. */
    void smallResource(int id) {
        assertThat(g.create2d(id, FORMAT_B8G8R8X8_UNORM, 32, 16)).isEqualTo(RESP_OK_NODATA);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                g.poke(PAGES + (y * 32 + x) * 4L, y << 16 | x << 8 | 0x10);
            }
        }
        assertThat(g.attach(id, PAGES, 32 * 16 * 4)).isEqualTo(RESP_OK_NODATA);
    }

    @Test
    void create2dAndItsErrors() {
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 64)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.usedLen).isEqualTo(24);
        assertThat(g.create2d(0, FORMAT_B8G8R8X8_UNORM, 64, 64)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID); // "resource id 0 is not allowed"
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 64)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID); // "resource already exists"
        assertThat(g.create2d(2, 5, 64, 64)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // "host couldn't handle guest format"
        assertThat(g.create2d(3, FORMAT_B8G8R8X8_UNORM, 1 << 26, 1)).isEqualTo(RESP_ERR_OUT_OF_MEMORY); // pixman: width × bpp overflows
        assertThat(g.create2d(4, FORMAT_B8G8R8X8_UNORM, 8192, 8192)).isEqualTo(RESP_ERR_OUT_OF_MEMORY); // 256 MiB: not < max_hostmem
        assertThat(g.create2d(5, FORMAT_B8G8R8X8_UNORM, 0, 100)).isEqualTo(RESP_OK_NODATA); // pixman makes an empty image
        assertThat(g.d.control.resources.count()).isEqualTo(2);
        assertThat(g.d.report()).containsEntry("hostmem", 64L * 64 * 4).containsEntry("command_errors", 5L);
    }

    @Test
    void maxHostmemIsAccountedAcrossResourcesAndFreedByUnref() {
        GpuHarness h = new GpuHarness(Map.of("max_hostmem", "1M"), Map.of()).probe();
        assertThat(h.create2d(1, FORMAT_B8G8R8X8_UNORM, 256, 512)).isEqualTo(RESP_OK_NODATA); // 512 KiB
        assertThat(h.create2d(2, FORMAT_B8G8R8X8_UNORM, 256, 512)).isEqualTo(RESP_ERR_OUT_OF_MEMORY); // 1 MiB: not < 1 MiB
        assertThat(h.create2d(2, FORMAT_B8G8R8X8_UNORM, 256, 511)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.unref(1)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.create2d(3, FORMAT_B8G8R8X8_UNORM, 256, 512)).isEqualTo(RESP_OK_NODATA);
    }

    @Test
    void aTruncatedRequestGetsOkNodataAndDoesNothingAsVirtioGpuFillCmd() {
        g.req(CMD_RESOURCE_CREATE_2D).i32(7).i32(FORMAT_B8G8R8X8_UNORM).i32(16); // 36 of 40 bytes
        assertThat(g.send()).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(7)).isNull();
        assertThat(g.d.report()).containsEntry("requests_truncated", 1L);
    }

    @Test
    void unrefAndItsError() {
        smallResource(1);
        assertThat(g.unref(2)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(g.setScanout(0, 1, 0, 0, 32, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.scanouts().get(0).active()).isTrue();
        assertThat(g.unref(1)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.scanouts().get(0).active()).as("virtio_gpu_resource_destroy disables its scanouts").isFalse();
        assertThat(g.d.control.resources.count()).isZero();
        assertThat(g.d.report()).containsEntry("hostmem", 0L).containsEntry("backing_entries", 0L);
    }

    @Test
    void attachAndDetachBackingAndTheirErrors() {
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 16, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(9, PAGES, 4096)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        // nr_entries 16385: "nr_entries is too big"
        assertThat(g.req(CMD_RESOURCE_ATTACH_BACKING).i32(1).i32(16385).send()).isEqualTo(RESP_ERR_UNSPEC);
        // two entries announced, one sent: "command data size incorrect"
        assertThat(g.req(CMD_RESOURCE_ATTACH_BACKING).i32(1).i32(2).i64(PAGES).i32(4096).i32(0).send()).isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.attach(1, 0x1000, 4096)).as("outside guest RAM: dma_memory_map fails").isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.attach(1, PAGES, 0)).as("a 0-length entry does not map").isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.attach(1, PAGES + 4096, 2048, PAGES, 2048)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(1, PAGES, 4096)).as("already backed").isEqualTo(RESP_ERR_UNSPEC);
        Resource r = g.d.control.resources.find(1);
        assertThat(r.entries).isEqualTo(2);
        assertThat(r.addr).containsExactly(PAGES + 4096, PAGES);
        assertThat(g.detach(2)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(g.detach(1)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.detach(1)).as("no backing storage").isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.attach(1)).as("0 entries: QEMU's iov stays NULL").isEqualTo(RESP_OK_NODATA);
        assertThat(g.transfer(1, 0, 0, 16, 16, 0)).isEqualTo(RESP_ERR_UNSPEC);
    }

    @Test
    void attachBackingWith16384EntriesIsAcceptedAndReadFromTheChain() {
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 1024, 64)).isEqualTo(RESP_OK_NODATA);
        g.req(CMD_RESOURCE_ATTACH_BACKING).i32(1).i32(16384);
        for (int e = 0; e < 16384; e++) {
            g.i64(PAGES + 16L * e).i32(16).i32(0);
        }
        assertThat(g.send()).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(1).entries).isEqualTo(16384);
    }

    @Test
    void memEntriesSplitAcrossDescriptorsMidEntryAreReadAsOneList() {
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 16, 16)).isEqualTo(RESP_OK_NODATA);
        // the request in three readable segments: struct (32 B), 8 bytes of entry 0, the rest
        long req = GpuHarness.REQ;
        long[] at = {req, req + 0x1000, req + 0x2000};
        g.ring.w(at[0], 4, CMD_RESOURCE_ATTACH_BACKING);
        for (int k = 4; k < 32; k += 4) {
            g.ring.w(at[0] + k, 4, 0);
        }
        g.ring.w(at[0] + ATTACH_RESOURCE_ID, 4, 1);
        g.ring.w(at[0] + ATTACH_NR_ENTRIES, 4, 2);
        g.ring.w(at[1], 8, PAGES + 0x2000); // entry 0 addr
        g.ring.w(at[2], 4, 512); // entry 0 length
        g.ring.w(at[2] + 4, 4, 0);
        g.ring.w(at[2] + 8, 8, PAGES); // entry 1
        g.ring.w(at[2] + 16, 4, 512);
        g.ring.w(at[2] + 20, 4, 0);
        g.ring.desc(0, at[0], 32, VIRTQ_DESC_F_NEXT, 1);
        g.ring.desc(1, at[1], 8, VIRTQ_DESC_F_NEXT, 2);
        g.ring.desc(2, at[2], 24, VIRTQ_DESC_F_NEXT, 3);
        g.ring.desc(3, GpuHarness.RESP, 24, VIRTQ_DESC_F_WRITE, 0);
        g.ring.offer(0);
        g.wr(0x3000, 2, 0);
        g.kernel.runUntilEmpty();
        assertThat(g.ring.r(GpuHarness.RESP, 4)).isEqualTo(RESP_OK_NODATA);
        Resource r = g.d.control.resources.find(1);
        assertThat(r.addr).containsExactly(PAGES + 0x2000, PAGES);
        assertThat(r.len).containsExactly(512, 512);
    }

    @Test
    void transferCopiesPixelsFromScatteredPagesAndSetScanoutShowsThem() {
        int w = 100;
        int h = 30;
        int stride = w * 4;
        int size = stride * h; // 12000 bytes over three entries, in reverse page order, lengths not page multiples
        long[] runs = {PAGES + 0x20000, 5000, PAGES + 0x10000, 4000, PAGES, 3000};
        long off = 0;
        for (int k = 0; k < runs.length; k += 2) {
            for (int b = 0; b < runs[k + 1]; b += 4) {
                int pix = (int) ((off + b) / 4);
                g.poke(runs[k] + b, pix * 0x010203 & 0xFFFFFF);
            }
            off += runs[k + 1];
        }
        assertThat(g.create2d(5, FORMAT_B8G8R8X8_UNORM, w, h)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(5, runs)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.transfer(5, 0, 0, w, h, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.report()).containsEntry("bytes_copied", (long) size);
        assertThat(g.setScanout(0, 5, 0, 0, w, h)).isEqualTo(RESP_OK_NODATA);
        Scanout s = g.d.scanouts().get(0);
        assertThat(s.name()).isEqualTo("scanout0");
        assertThat(s.width()).isEqualTo(w);
        assertThat(s.height()).isEqualTo(h);
        assertThat(s.bitsPerPixel()).isEqualTo(32);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                assertThat(s.pixel(x, y)).as("(%d, %d)", x, y).isEqualTo((y * w + x) * 0x010203 & 0xFFFFFF);
            }
        }
        assertThat(s.pixel(w, 0)).isZero();
        int[] row = new int[w];
        s.readRow(7, row);
        assertThat(row[3]).isEqualTo((7 * w + 3) * 0x010203 & 0xFFFFFF);
    }

    @Test
    void theBulkPathAndTheRowPathGiveTheSameImage() {
        int w = 77;
        int h = 23;
        java.util.Random rnd = new java.util.Random(3);
        long[] runs = new long[2 * 9];
        long total = (long) w * h * 4;
        long left = total;
        for (int k = 0; k < 9; k++) {
            long len = k == 8 ? left : 256 + 4L * rnd.nextInt(150);
            runs[2 * k] = PAGES + 0x4000L * (8 - k) + rnd.nextInt(64) * 4;
            runs[2 * k + 1] = len;
            left -= len;
            for (int b = 0; b < len; b += 4) {
                g.poke(runs[2 * k] + b, rnd.nextInt());
            }
        }
        assertThat(g.create2d(1, FORMAT_X8R8G8B8_UNORM, w, h)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.create2d(2, FORMAT_X8R8G8B8_UNORM, w, h)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(1, runs)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(2, runs)).isEqualTo(RESP_OK_NODATA);
        GpuResources res = g.d.control.resources;
        Resource a = res.find(1);
        Resource b = res.find(2);
        assertThat(res.transfer(a, 0, 0, w, h, 0, false)).isEqualTo(total);
        assertThat(res.transfer(b, 0, 0, w, h, 0, true)).isEqualTo(total);
        assertThat(a.image.byteArray()).isEqualTo(b.image.byteArray());
        assertThat(a.image.getInt(0)).isNotZero();
    }

    @Test
    void aFullWidthTransferAtTheOriginCopiesTheWholeImageWhateverTheHeightAsQemuDoes() {
        smallResource(1);
        assertThat(g.transfer(1, 0, 0, 32, 1, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.report()).containsEntry("bytes_copied", 32L * 16 * 4);
        assertThat(g.setScanout(0, 1, 0, 0, 32, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.scanouts().get(0).pixel(5, 15)).isEqualTo(0x0F0510);
    }

    @Test
    void aSubRectTransferTakesRowsFromOffsetPlusRowTimesStride() {
        smallResource(1);
        // rect (4, 2) 3 × 2 from offset 0: row 0 of the rect from backing bytes 0.., row 1 from stride (128)..
        assertThat(g.transfer(1, 4, 2, 3, 2, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.report()).containsEntry("bytes_copied", 24L);
        assertThat(g.setScanout(0, 1, 0, 0, 32, 16)).isEqualTo(RESP_OK_NODATA);
        Scanout s = g.d.scanouts().get(0);
        assertThat(s.pixel(4, 2)).isEqualTo(0x000010); // guest pixel (0, 0)
        assertThat(s.pixel(6, 2)).isEqualTo(0x000210); // guest pixel (2, 0)
        assertThat(s.pixel(4, 3)).isEqualTo(0x010010); // guest pixel (0, 1)
        assertThat(s.pixel(7, 2)).isZero();
        assertThat(s.pixel(0, 0)).isZero();
        // with an offset the rows start there: rect (0, 0) 2 × 1 at offset 8 × 4 → guest pixels (8, 0), (9, 0)
        assertThat(g.transfer(1, 0, 0, 2, 1, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(s.pixel(0, 0)).isEqualTo(0x000810);
        assertThat(s.pixel(1, 0)).isEqualTo(0x000910);
    }

    @Test
    void transferErrors() {
        smallResource(1);
        assertThat(g.transfer(2, 0, 0, 1, 1, 0)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(g.transfer(1, 0, 0, 33, 1, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.transfer(1, 31, 0, 2, 1, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.transfer(1, 0, 16, 1, 1, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.transfer(1, -1, 0, 2, 1, 0)).as("x + width wraps in uint32, x alone is past the width").isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.transfer(1, 32, 16, 0, 0, 0)).as("an empty rect at the far corner is inside").isEqualTo(RESP_OK_NODATA);
        // rows past the backing copy nothing (iov_to_buf copies what there is)
        assertThat(g.transfer(1, 1, 0, 4, 2, 0xFFFF_0000L)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.report()).containsEntry("bytes_copied", 0L);
        assertThat(g.create2d(2, FORMAT_B8G8R8X8_UNORM, 16, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.transfer(2, 0, 0, 16, 16, 0)).as("no backing storage").isEqualTo(RESP_ERR_UNSPEC);
    }

    @Test
    void setScanoutAndItsErrors() {
        smallResource(1);
        assertThat(g.setScanout(1, 1, 0, 0, 16, 16)).isEqualTo(RESP_ERR_INVALID_SCANOUT_ID); // max_outputs 1
        assertThat(g.setScanout(-1, 1, 0, 0, 16, 16)).isEqualTo(RESP_ERR_INVALID_SCANOUT_ID);
        assertThat(g.setScanout(0, 9, 0, 0, 16, 16)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(g.setScanout(0, 1, 0, 0, 15, 16)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // width < 16
        assertThat(g.setScanout(0, 1, 0, 0, 16, 15)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.setScanout(0, 1, 17, 0, 16, 16)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // past the width
        assertThat(g.setScanout(0, 1, 0, 1, 16, 16)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // past the height
        assertThat(g.create2d(2, FORMAT_B8G8R8X8_UNORM, 16, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 2, 0, 0, 16, 16)).as("no backing storage").isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.d.scanouts().get(0).active()).isFalse();
        // a sub-rect scanout: pixel (0, 0) of the scanout is pixel (16, 0) of the resource
        assertThat(g.transfer(1, 0, 0, 32, 16, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 1, 16, 0, 16, 16)).isEqualTo(RESP_OK_NODATA);
        Scanout s = g.d.scanouts().get(0);
        assertThat(s.width()).isEqualTo(16);
        assertThat(s.pixel(0, 0)).isEqualTo(0x001010);
        assertThat(s.pixel(15, 15)).isEqualTo(0x0F1F10);
        assertThat(g.setScanout(0, 0, 0, 0, 0, 0)).as("resource 0 disables").isEqualTo(RESP_OK_NODATA);
        assertThat(s.active()).isFalse();
        assertThat(s.width()).isZero();
        assertThat(s.pixel(0, 0)).isZero();
        assertThat(g.d.control.resources.find(1).scanoutMask).isZero();
    }

    @ParameterizedTest
    @CsvSource({"1, 0x44332211, 0x332211", "2, 0x44332211, 0x332211", "3, 0x44332211, 0x223344", "4, 0x44332211, 0x223344",
        "67, 0x44332211, 0x112233", "134, 0x44332211, 0x112233", "68, 0x44332211, 0x443322", "121, 0x44332211, 0x443322"})
    void everyFormatReadsAs0xRRGGBB(int format, long word, long rgb) {
        // the word as a little-endian load of the 4 bytes in memory (0x11 first)
        assertThat(GpuResources.toRgb(format, (int) word)).isEqualTo((int) rgb);
        assertThat(g.create2d(1, format, 16, 16)).isEqualTo(RESP_OK_NODATA);
        g.poke(PAGES, (int) word);
        assertThat(g.attach(1, PAGES, 16 * 16 * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.transfer(1, 0, 0, 16, 16, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 1, 0, 0, 16, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.scanouts().get(0).pixel(0, 0)).isEqualTo((int) rgb);
    }

    @Test
    void flushCountsAndDamagePerScanoutAndItsErrors() {
        GpuHarness h = new GpuHarness(Map.of("max_outputs", "2"), Map.of()).probe();
        assertThat(h.create2d(1, FORMAT_B8G8R8X8_UNORM, 64, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.attach(1, PAGES, 64 * 32 * 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.setScanout(0, 1, 0, 0, 32, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.setScanout(1, 1, 32, 0, 32, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.flush(1, 24, 0, 16, 10)).isEqualTo(RESP_OK_NODATA); // 8 × 10 on each
        assertThat(h.flush(1, 0, 0, 8, 8)).isEqualTo(RESP_OK_NODATA); // 64 on scanout 0, none on 1
        assertThat(h.flush(2, 0, 0, 8, 8)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(h.flush(1, 60, 0, 8, 8)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outs = (List<Map<String, Object>>) h.d.report().get("scanouts");
        assertThat(outs.get(0)).containsEntry("flushes", 2L).containsEntry("damaged_pixels", 80L + 64L).containsEntry("resource", 1);
        assertThat(outs.get(1)).containsEntry("flushes", 2L).containsEntry("damaged_pixels", 80L);
        assertThat(h.d.scanouts()).extracting(Scanout::name).containsExactly("scanout0", "scanout1");
    }

    @ParameterizedTest
    @CsvSource({"0x0108, 32", "0x0109, 32", "0x010B, 32", "0x0200, 96", "0x0207, 32", "0x0208, 40", "0x0209, 32"})
    void capsetsUuidsThreeDAndMapBlobAreErrUnspecInQemu72(int type, int len) {
        g.req(type);
        for (int k = 24; k < len; k += 4) {
            g.i32(1);
        }
        assertThat(g.send()).isEqualTo(RESP_ERR_UNSPEC);
    }

    @Test
    void resetDestroysEveryResourceAndTurnsScanoutsOff() {
        smallResource(1);
        assertThat(g.setScanout(0, 1, 0, 0, 32, 16)).isEqualTo(RESP_OK_NODATA);
        g.wr(COMMON_STATUS, 1, 0);
        assertThat(g.d.control.resources.count()).isZero();
        assertThat(g.d.scanouts().get(0).active()).isFalse();
        assertThat(g.d.report()).containsEntry("hostmem", 0L);
    }

    @Test
    void cursorQueueUpdatesAndMovesAreKept() {
        GpuScanouts s = g.d.control.scanouts;
        s.cursor(false, 0, 10, 20, 7, 3, 4);
        s.cursor(true, 0, 11, 21, 0, 0, 0);
        s.cursor(false, 5, 1, 1, 1, 1, 1); // past max_outputs: ignored
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> outs = (List<Map<String, Object>>) g.d.report().get("scanouts");
        assertThat(outs.get(0)).containsEntry("cursor", List.of(7, 11, 21, 3, 4)).containsEntry("cursor_updates", 1L)
                .containsEntry("cursor_moves", 1L);
    }
}
