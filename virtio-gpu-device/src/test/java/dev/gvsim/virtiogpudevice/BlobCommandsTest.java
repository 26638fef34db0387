package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Access;

/** Blob resources (blob=on): CREATE_BLOB over guest pages, SET_SCANOUT_BLOB, and MAP_BLOB with hostmem. */
class BlobCommandsTest {
    final GpuHarness g = new GpuHarness(Map.of("blob", "on"), Map.of()).probe();

    static final int W = 32;
    static final int H = 16;
    static final int SIZE = W * H * 4; // 2048 bytes: two 1 KiB halves on two pages below

    /** A W × H blob over two page-aligned 4 KiB pages in reverse order (the first 2048 bytes used). */
    int blob(int id) {
        return g.createBlob(id, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE | BLOB_FLAG_USE_MAPPABLE, 8192, PAGES + 0x3000, 4096, PAGES + 0x1000,
                4096);
    }

    @Test
    void withBlobOffCreateBlobAndSetScanoutBlobAreInvalidParameter() {
        GpuHarness h = new GpuHarness().probe();
        assertThat(h.createBlob(1, BLOB_MEM_GUEST, 0, 4096, PAGES, 4096)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, FORMAT_B8G8R8X8_UNORM, 64, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
    }

    @Test
    void createBlobAndItsErrors() {
        assertThat(blob(1)).isEqualTo(RESP_OK_NODATA);
        assertThat(blob(1)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID); // already exists
        assertThat(g.createBlob(0, BLOB_MEM_GUEST, 0, 4096, PAGES, 4096)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(g.createBlob(2, BLOB_MEM_HOST3D, 0, 4096, PAGES, 4096)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // "invalid memory type"
        // QEMU 7.2's check is blob_mem != GUEST && flags != SHAREABLE: a HOST3D blob with flags SHAREABLE passes
        assertThat(g.createBlob(3, BLOB_MEM_HOST3D, BLOB_FLAG_USE_SHAREABLE, 4096, PAGES, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.createBlob(4, BLOB_MEM_GUEST, 0, 4096, 0x1000, 4096)).isEqualTo(RESP_ERR_UNSPEC); // entry does not map
        assertThat(g.createBlob(5, BLOB_MEM_GUEST, 0, 4096)).as("no entries: created, but no udmabuf").isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(5).blobMapped).isFalse();
        assertThat(g.setScanoutBlob(0, 5, 0, 0, 16, 16, 16, 16, FORMAT_B8G8R8X8_UNORM, 64, 0)).isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.transfer(5, 0, 0, 0, 0, 0)).isEqualTo(RESP_ERR_UNSPEC);
        assertThat(g.d.control.resources.find(1).blobMapped).isTrue();
        assertThat(g.d.report()).containsEntry("hostmem", 0L); // blobs are not charged to max_hostmem in QEMU 7.2
    }

    @Test
    void udmabufNeedsPageAlignedEntriesAndABlobSizeWithinTheBacking() {
        assertThat(g.createBlob(1, BLOB_MEM_GUEST, 0, 8192, PAGES + 16, 4096, PAGES + 8192, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(1).blobMapped).as("unaligned address").isFalse();
        assertThat(g.createBlob(2, BLOB_MEM_GUEST, 0, 8192 + 1, PAGES, 4096, PAGES + 8192, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(2).blobMapped).as("blob size past the dma-buf").isFalse();
        assertThat(g.createBlob(3, BLOB_MEM_GUEST, 0, 100_000, PAGES + 16, 1000)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(3).blobMapped).as("one entry is used in place, whatever the size").isTrue();
        assertThat(g.createBlob(4, BLOB_MEM_GUEST, 0, 0, PAGES, 4096, PAGES + 8192, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(4).blobMapped).as("mmap of 0 bytes fails").isFalse();
        assertThat(g.createBlob(5, BLOB_MEM_GUEST, 0, 4096, PAGES, 4096, PAGES + 8192, 2048)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.resources.find(5).blobMapped).as("unaligned length").isFalse();
        // a scanout of the in-place blob past its one entry reads 0 there (QEMU would read past the mapping)
        assertThat(g.setScanoutBlob(0, 3, 0, 0, 16, 16, 16, 16, FORMAT_B8G8R8X8_UNORM, 64, 0)).isEqualTo(RESP_OK_NODATA);
        g.poke(PAGES + 16, 0x0A0B0C);
        assertThat(g.d.scanouts().get(0).pixel(0, 0)).isEqualTo(0x0A0B0C);
        assertThat(g.d.scanouts().get(0).pixel(15, 15)).isZero();
    }

    @Test
    void aBlobScanoutShowsTheGuestPagesWithoutTransferAndLaterWritesToo() {
        assertThat(blob(1)).isEqualTo(RESP_OK_NODATA);
        // blob byte b lies at PAGES + 0x3000 + b for b < 4096
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                g.poke(PAGES + 0x3000 + (y * W + x) * 4L, y << 16 | x << 8 | 0x20);
            }
        }
        assertThat(g.transfer(1, 0, 0, W, H, 0)).as("a blob transfer returns at once").isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.report()).containsEntry("bytes_copied", 0L);
        assertThat(g.setScanoutBlob(0, 1, 0, 0, W, H, W, H, FORMAT_B8G8R8X8_UNORM, W * 4, 0)).isEqualTo(RESP_OK_NODATA);
        Scanout s = g.d.scanouts().get(0);
        assertThat(s.active()).isTrue();
        assertThat(s.width()).isEqualTo(W);
        assertThat(s.pixel(3, 5)).isEqualTo(0x050320);
        g.poke(PAGES + 0x3000 + (5 * W + 3) * 4L, 0x00ABCDEF);
        assertThat(s.pixel(3, 5)).as("the view is the guest page").isEqualTo(0xABCDEF);
        // a rect with an offset: the scanout origin is offsets[0] + y × stride + x × 4
        assertThat(g.setScanoutBlob(0, 1, 16, 0, 16, 16, W, H, FORMAT_B8G8R8X8_UNORM, W * 4, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(s.pixel(0, 0)).isEqualTo(0x001020);
        // a pixel in the second page: blob bytes 4096.. are at PAGES + 0x1000
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, FORMAT_B8G8R8X8_UNORM, 64, 4096 - 8)).isEqualTo(RESP_OK_NODATA);
        g.poke(PAGES + 0x1000, 0x123456);
        assertThat(s.pixel(2, 0)).isEqualTo(0x123456);
        // flush of a blob scanout: counted over the whole scanout
        assertThat(g.flush(1, 0, 0, 1, 1)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.control.scanouts.outs[0].flushes).isEqualTo(1);
        assertThat(g.d.control.scanouts.outs[0].damagedPixels).isEqualTo(256);
        // unref: the scanout goes off
        assertThat(g.unref(1)).isEqualTo(RESP_OK_NODATA);
        assertThat(s.active()).isFalse();
    }

    @Test
    void setScanoutBlobErrors() {
        assertThat(blob(1)).isEqualTo(RESP_OK_NODATA);
        int f = FORMAT_B8G8R8X8_UNORM;
        assertThat(g.setScanoutBlob(1, 1, 0, 0, 16, 16, 16, 16, f, 64, 0)).isEqualTo(RESP_ERR_INVALID_SCANOUT_ID);
        assertThat(g.setScanoutBlob(0, 7, 0, 0, 16, 16, 16, 16, f, 64, 0)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, 99, 64, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // format
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, f, 1024, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // fb end past 8192
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, f, 64, 8192 - 1023)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, f, 64, 8192 - 1024)).isEqualTo(RESP_OK_NODATA); // ends exactly at 8192
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 8, 16, 16, 16, f, 64, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // width < 16
        assertThat(g.setScanoutBlob(0, 1, 4, 0, 16, 16, 16, 16, f, 64, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER); // past fb width
        assertThat(g.setScanoutBlob(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).isEqualTo(RESP_OK_NODATA); // resource 0 disables
        assertThat(g.d.scanouts().get(0).active()).isFalse();
        // a 2D resource named by SET_SCANOUT_BLOB: blob_size 0, the fb end is past it
        assertThat(g.create2d(2, f, 16, 16)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(2, PAGES, 1024)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanoutBlob(0, 2, 0, 0, 16, 16, 16, 16, f, 64, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
        // a blob named by SET_SCANOUT: QEMU 7.2 would read its NULL image; gvsim refuses it
        assertThat(g.setScanout(0, 1, 0, 0, 16, 16)).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        // wrapped uint32 arithmetic passes QEMU's checks: gvsim bounds the scanout instead of reading past the blob
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 0x4000_0000, 16, 0x4000_0000, 16, f, 0, 0)).isEqualTo(RESP_ERR_INVALID_PARAMETER);
    }

    @Test
    void detachingABlobsBackingLeavesAScanoutThatReadsZero() {
        assertThat(blob(1)).isEqualTo(RESP_OK_NODATA);
        g.poke(PAGES + 0x3000, 0x777777);
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, FORMAT_B8G8R8X8_UNORM, 64, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.scanouts().get(0).pixel(0, 0)).isEqualTo(0x777777);
        assertThat(g.detach(1)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.d.scanouts().get(0).pixel(0, 0)).isZero();
        // attached again: QEMU makes no new udmabuf, so it cannot be scanned out
        assertThat(g.attach(1, PAGES + 0x3000, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanoutBlob(0, 1, 0, 0, 16, 16, 16, 16, FORMAT_B8G8R8X8_UNORM, 64, 0)).isEqualTo(RESP_ERR_UNSPEC);
    }

    // ---------------------------------------------------------------- hostmem and MAP_BLOB

    GpuHarness hostmem(String mapBlob) {
        return new GpuHarness(Map.of("blob", "on", "hostmem", "1M"), Map.of("virtio_gpu.map_blob", mapBlob)).probe();
    }

    long bar4(GpuHarness h, long off, int size) {
        Access a = new Access();
        a.read(off, size);
        h.d.barAccess(h.d.bar(4), off, a);
        return a.data;
    }

    @Test
    void hostmemMovesTheRegistersToBar2AndAddsTheSharedMemoryBarAndCapability() {
        GpuHarness h = hostmem("qemu");
        assertThat(h.d.modernBar).isEqualTo(2);
        assertThat(h.d.bar(4).size).isEqualTo(1 << 20);
        assertThat(h.d.bar(4).prefetchable).isTrue();
        assertThat(h.d.bar(4).is64()).isTrue();
        // the first vendor capability placed (root bus: at 0x40) is the shared memory one, and it is in the list
        java.util.List<Integer> caps = new java.util.ArrayList<>();
        for (int at = (int) h.d.configRead(0x34, 1); at != 0 && caps.size() < 32; at = (int) h.d.configRead(at + 1, 1)) {
            caps.add(at);
        }
        assertThat(caps).contains(0x40);
        assertThat(h.d.configRead(0x40, 1)).isEqualTo(PCI_CAP_ID_VNDR);
        assertThat(h.d.configRead(0x42, 1)).isEqualTo(CAP64_LEN);
        assertThat(h.d.configRead(0x43, 1)).isEqualTo(VIRTIO_PCI_CAP_SHARED_MEMORY_CFG);
        assertThat(h.d.configRead(0x44, 1)).isEqualTo(4);
        assertThat(h.d.configRead(0x45, 1)).isEqualTo(SHM_ID_HOST_VISIBLE);
        assertThat(h.d.configRead(0x4C, 4)).isEqualTo(1 << 20);
        assertThat(h.d.configRead(0x54, 4)).isZero();
        // the next one placed is common config, on BAR2
        int next = 0x40 + CAP64_LEN;
        assertThat(h.d.configRead(next + 3, 1)).isEqualTo(VIRTIO_PCI_CAP_COMMON_CFG);
        assertThat(h.d.configRead(next + 4, 1)).isEqualTo(2);
        assertThat(bar4(h, 0x100, 4)).as("nothing mapped reads 0").isZero();
        assertThatThrownBy(() -> VirtioGpuConfig.fromProps(Map.of("hostmem", "3M"))).hasMessageContaining("power of two");
        assertThat(VirtioGpuConfig.fromProps(Map.of("hostmem", "8G")).hostmem()).isEqualTo(8L << 30);
    }

    @Test
    void mapBlobIsErrUnspecInQemuMode() {
        GpuHarness h = hostmem("qemu");
        assertThat(h.createBlob(1, BLOB_MEM_GUEST, BLOB_FLAG_USE_MAPPABLE, 4096, PAGES, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(1).i32(0).i64(0).send()).isEqualTo(RESP_ERR_UNSPEC);
        assertThat(h.req(CMD_RESOURCE_UNMAP_BLOB).i32(1).i32(0).send()).isEqualTo(RESP_ERR_UNSPEC);
    }

    @Test
    void mapBlobInSpecModeMapsTheBlobsPagesIntoBar4() {
        GpuHarness h = hostmem("spec");
        assertThat(h.createBlob(1, BLOB_MEM_GUEST, BLOB_FLAG_USE_MAPPABLE, 8192, PAGES + 0x3000, 4096, PAGES + 0x1000, 4096))
                .isEqualTo(RESP_OK_NODATA);
        assertThat(h.createBlob(2, BLOB_MEM_GUEST, BLOB_FLAG_USE_SHAREABLE, 4096, PAGES + 0x5000, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(1).i32(0).i64(0x10000).send()).isEqualTo(RESP_OK_MAP_INFO);
        assertThat(h.usedLen).isEqualTo(RESP_MAP_INFO_SIZE);
        assertThat(h.ring.r(GpuHarness.RESP + RESP_MAP_INFO, 4)).isEqualTo(MAP_CACHE_CACHED);
        h.poke(PAGES + 0x3000 + 8, 0x5566_7788);
        h.poke(PAGES + 0x1000 + 4, 0x1122_3344);
        assertThat(bar4(h, 0x10008, 4)).isEqualTo(0x5566_7788L);
        assertThat(bar4(h, 0x11004, 4)).as("second entry").isEqualTo(0x1122_3344L);
        Access a = new Access();
        a.write(0x10010, 4, 0xCAFE);
        h.d.barAccess(h.d.bar(4), 0x10010, a);
        assertThat(h.ring.r(PAGES + 0x3010, 4)).as("BAR4 writes reach the guest pages").isEqualTo(0xCAFE);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(1).i32(0).i64(0x20000).send()).as("mapped twice").isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(2).i32(0).i64(0x30000).send()).as("not USE_MAPPABLE").isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(9).i32(0).i64(0).send()).isEqualTo(RESP_ERR_INVALID_RESOURCE_ID);
        assertThat(h.createBlob(3, BLOB_MEM_GUEST, BLOB_FLAG_USE_MAPPABLE, 4096, PAGES + 0x6000, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(3).i32(0).i64(0x11000).send()).as("overlaps blob 1").isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(3).i32(0).i64(0x100).send()).as("unaligned").isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(3).i32(0).i64((1 << 20) - 2048).send()).as("past the region")
                .isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.req(CMD_RESOURCE_UNMAP_BLOB).i32(1).i32(0).send()).isEqualTo(RESP_OK_NODATA);
        assertThat(bar4(h, 0x10008, 4)).isZero();
        assertThat(h.req(CMD_RESOURCE_UNMAP_BLOB).i32(1).i32(0).send()).as("not mapped").isEqualTo(RESP_ERR_INVALID_PARAMETER);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(3).i32(0).i64(0x11000).send()).isEqualTo(RESP_OK_MAP_INFO);
        assertThat(h.unref(3)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.d.control.resources.mappedAt(0x11000)).isNull();
    }

    @Test
    void mapBlobInSpecModeWithoutHostmemIsErrUnspec() {
        GpuHarness h = new GpuHarness(Map.of("blob", "on"), Map.of("virtio_gpu.map_blob", "spec")).probe();
        assertThat(h.createBlob(1, BLOB_MEM_GUEST, BLOB_FLAG_USE_MAPPABLE, 4096, PAGES, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(h.req(CMD_RESOURCE_MAP_BLOB).i32(1).i32(0).i64(0).send()).isEqualTo(RESP_ERR_UNSPEC);
    }
}
