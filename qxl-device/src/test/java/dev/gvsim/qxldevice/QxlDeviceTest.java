package dev.gvsim.qxldevice;

import dev.gvsim.pciefabric.DeviceMemory;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Access;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Params;

class QxlDeviceTest {
    static final long DRAW_AREA = 0x100000; // a BAR0 page area below the header, in slot 1

    @Test
    void pciIdentityAndBarSizing() {
        QxlTestDriver d = new QxlTestDriver();
        QxlDevice q = d.dev;
        assertThat(q.configRead(PciFunction.VENDOR_ID, 2)).isEqualTo(0x1B36);
        assertThat(q.configRead(PciFunction.DEVICE_ID, 2)).isEqualTo(0x0100);
        assertThat(q.configRead(PciFunction.REVISION_ID, 4)).isEqualTo(0x03800005L); // as read in the reference runs
        assertThat(q.configRead(PciFunction.SUBSYSTEM_VENDOR_ID, 2)).isEqualTo(0x1AF4);
        assertThat(q.configRead(PciFunction.SUBSYSTEM_ID, 2)).isEqualTo(0x1100);
        assertThat(q.configRead(PciFunction.INTERRUPT_PIN, 1)).isEqualTo(1);
        long[] expect = {0xFC000000L, 0xFC000000L, 0xFFFFE000L, 0xFFFFFFE1L, 0, 0};
        for (int i = 0; i < 6; i++) {
            q.configWrite(PciFunction.BAR0 + 4 * i, 4, 0xFFFF_FFFFL);
            assertThat(q.configRead(PciFunction.BAR0 + 4 * i, 4)).as("BAR%d", i).isEqualTo(expect[i]);
        }
        QxlDevice vga = new QxlTestDriver(QxlDevice.QXL_VGA, null).dev;
        assertThat(vga.configRead(PciFunction.REVISION_ID, 4)).isEqualTo(0x03000005L);
        assertThat(vga.mode()).isEqualTo(MODE_VGA);
        assertThat(q.mode()).isEqualTo(MODE_UNDEFINED);
    }

    @Test
    void romContentsAsInitQxlRom() {
        QxlTestDriver d = new QxlTestDriver();
        assertThat(d.rd(2, ROM_OFF_MAGIC, 4)).isEqualTo(0x4F525851L);
        assertThat(d.rd(2, ROM_OFF_ID, 4)).isZero();
        assertThat(d.rd(2, ROM_OFF_UPDATE_ID, 4)).isZero();
        assertThat(d.rd(2, ROM_OFF_COMPRESSION_LEVEL, 4)).isZero();
        assertThat(d.rd(2, ROM_OFF_MODES_OFFSET, 4)).isEqualTo(0x488);
        assertThat(d.rd(2, ROM_OFF_NUM_PAGES, 4)).isEqualTo(12286);
        assertThat(d.rd(2, ROM_OFF_PAGES_OFFSET, 4)).isEqualTo(0x1000000);
        assertThat(d.rd(2, ROM_OFF_DRAW_AREA_OFFSET, 4)).isZero();
        assertThat(d.rd(2, ROM_OFF_SURFACE0_AREA_SIZE, 4)).isEqualTo(0x1000000);
        assertThat(d.rd(2, ROM_OFF_RAM_HEADER_OFFSET, 4)).isEqualTo(0x3FFE000);
        assertThat(d.rd(2, ROM_OFF_N_SURFACES, 4)).isEqualTo(1024);
        assertThat(d.rd(2, ROM_OFF_SLOTS_START, 1)).isEqualTo(1);
        assertThat(d.rd(2, ROM_OFF_SLOTS_END, 1)).isEqualTo(7);
        assertThat(d.rd(2, ROM_OFF_SLOT_GEN_BITS, 1)).isEqualTo(8);
        assertThat(d.rd(2, ROM_OFF_SLOT_ID_BITS, 1)).isEqualTo(8);
        assertThat(d.rd(2, ROM_OFF_SLOT_GENERATION, 1)).isZero();
        // modes: every entry up to 2560x1600 in 16 and 32 bpp, then the 16-bpp ones that fit 16 MiB
        assertThat(d.rd(2, 0x488, 4)).isEqualTo(128);
        long m0 = 0x488 + 4;
        assertThat(new long[] {d.rd(2, m0, 4), d.rd(2, m0 + 4, 4), d.rd(2, m0 + 8, 4), d.rd(2, m0 + 12, 4),
            d.rd(2, m0 + 16, 4), d.rd(2, m0 + 20, 4), d.rd(2, m0 + 24, 4), d.rd(2, m0 + 28, 4)})
                .containsExactly(0, 640, 480, 16, 1280, 187, 140, 0);
        long last = m0 + 127 * 32;
        assertThat(d.rd(2, last + 4, 4)).isEqualTo(3840); // 3840x2160x16, orientation 1
        assertThat(d.rd(2, last + 12, 4)).isEqualTo(16);
        assertThat(d.rd(2, last + 28, 4)).isEqualTo(1);
    }

    @Test
    void ramHeaderMagicAndRingsAfterReset() {
        QxlTestDriver d = new QxlTestDriver();
        assertThat(d.rd(0, 0x3FFE000, 4)).isEqualTo(0x41525851L);
        assertThat(d.hdrRd(RAM_OFF_CMD_RING + RING_NUM_ITEMS, 4)).isEqualTo(32);
        assertThat(d.hdrRd(RAM_OFF_CMD_RING + RING_NOTIFY_ON_PROD, 4)).isEqualTo(1);
        assertThat(d.hdrRd(RAM_OFF_CURSOR_RING + RING_NUM_ITEMS, 4)).isEqualTo(32);
        assertThat(d.hdrRd(RAM_OFF_RELEASE_RING + RING_NUM_ITEMS, 4)).isEqualTo(8);
        // RAM-backed: an unaligned 8-byte store at mem_start (0x149C) reads back
        d.hdrWr(RAM_OFF_MEM_SLOT_START, 8, 0x1122334455667788L);
        assertThat(d.rd(0, 0x3FFE000 + 0x149C, 8)).isEqualTo(0x1122334455667788L);
        assertThat(d.rd(0, 0x3FFE000 + 0x14A0, 4)).isEqualTo(0x11223344L);
        d.hdrWr(RAM_OFF_INT_MASK, 4, 0x27);
        d.out(IO_RESET, 0);
        assertThat(d.hdrRd(RAM_OFF_INT_MASK, 4)).isZero();
        // I/O port reads answer 0xff
        assertThat(d.rd(3, 0, 1)).isEqualTo(0xFF);
    }

    @Test
    void memslotAddAsyncCompletesAfterTheDelay() {
        QxlTestDriver d = new QxlTestDriver();
        d.out(IO_RESET, 0);
        d.hdrWr(RAM_OFF_INT_MASK, 4, 0x27);
        d.hdrWr(RAM_OFF_MEM_SLOT_START, 8, QxlTestDriver.BAR0);
        d.hdrWr(RAM_OFF_MEM_SLOT_END, 8, QxlTestDriver.BAR0 + d.hdr);
        long t0 = d.kernel.now();
        d.out(IO_MEMSLOT_ADD_ASYNC, 1);
        assertThat(d.irq.level()).isFalse();
        assertThat(d.hdrRd(RAM_OFF_INT_PENDING, 4)).isZero();
        long delay = d.params.getDuration(QxlDevice.P_ASYNC_DELAY);
        d.kernel.runUntil(t0 + delay - 1);
        assertThat(d.irq.level()).isFalse();
        d.kernel.runUntil(t0 + delay);
        assertThat(d.irq.level()).isTrue();
        assertThat(d.hdrRd(RAM_OFF_INT_PENDING, 4)).isEqualTo(INTERRUPT_IO_CMD);
        assertThat(d.dev.memslotActive(1)).isTrue();
        assertThat(d.irqHandler()).isEqualTo(INTERRUPT_IO_CMD);
        assertThat(d.irq.level()).isFalse();
        assertThat(d.irq.risingEdges()).isEqualTo(1);
        // the mask gates the line: a masked event raises nothing
        d.hdrWr(RAM_OFF_INT_MASK, 4, 0);
        d.hdrWr(RAM_OFF_MEM_SLOT_START, 8, QxlTestDriver.BAR1);
        d.hdrWr(RAM_OFF_MEM_SLOT_END, 8, QxlTestDriver.BAR1 + 0x4000000);
        d.out(IO_MEMSLOT_ADD_ASYNC, 2);
        d.settle();
        assertThat(d.hdrRd(RAM_OFF_INT_PENDING, 4)).isEqualTo(INTERRUPT_IO_CMD);
        assertThat(d.irq.level()).isFalse();
        d.hdrWr(RAM_OFF_INT_MASK, 4, 0x27);
        d.out(IO_UPDATE_IRQ, 0);
        assertThat(d.irq.level()).isTrue();
        assertThat(d.dev.inErrorState()).isFalse();
    }

    @Test
    void copyDrawableLandsInThePrimaryAndIsReleased() {
        QxlTestDriver d = new QxlTestDriver();
        d.probe();
        d.createPrimary(1024, 768, 0);
        Map<String, Object> rep = d.dev.report();
        assertThat(rep.get("mode")).isEqualTo("native");
        @SuppressWarnings("unchecked")
        Map<String, Object> prim = (Map<String, Object>) rep.get("primary");
        assertThat(prim).containsEntry("width", 1024).containsEntry("height", 768).containsEntry("stride", 4096)
                .containsEntry("format", 32);
        assertThat((List<?>) rep.get("memslots")).hasSize(2);

        int[] px = {0x00FF0000, 0x0000FF00, 0x000000FF, 0x00FFFFFF, 0x00112233, 0x00445566, 0x00778899, 0x00AABBCC};
        long img = DRAW_AREA + 0x1000;
        d.bitmapImage(img, 4, 2, px);
        long dr = DRAW_AREA;
        d.drawable(dr, 0xABCD0001L, DRAW_COPY, 20, 10, 22, 14, CLIP_TYPE_NONE, 0);
        d.wr(0, dr + COPY_SRC_BITMAP, 8, QxlTestDriver.phys(1, img));
        d.wr(0, dr + COPY_SRC_AREA + RECT_TOP, 4, 0);
        d.wr(0, dr + COPY_SRC_AREA + RECT_LEFT, 4, 0);
        d.wr(0, dr + COPY_SRC_AREA + RECT_BOTTOM, 4, 2);
        d.wr(0, dr + COPY_SRC_AREA + RECT_RIGHT, 4, 4);
        d.wr(0, dr + COPY_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        assertThat(d.dev.primaryPixel(10, 20)).isZero(); // nothing before the worker runs
        d.settle();

        assertThat(d.dev.primaryPixel(10, 20)).isEqualTo(0xFF0000);
        assertThat(d.dev.primaryPixel(13, 20)).isEqualTo(0xFFFFFF);
        assertThat(d.dev.primaryPixel(10, 21)).isEqualTo(0x112233);
        assertThat(d.dev.primaryPixel(13, 21)).isEqualTo(0xAABBCC);
        assertThat(d.dev.primaryPixel(14, 21)).isZero();
        // the pixels are in BAR1 (slot 2 offset 0), as the guest would see them
        assertThat(d.rd(1, 20 * 4096 + 10 * 4, 4)).isEqualTo(0xFF0000);
        // cons advanced; the worker asks for the next notification
        assertThat(d.hdrRd(RAM_OFF_CMD_RING + RING_CONS, 4)).isEqualTo(1);
        assertThat(d.hdrRd(RAM_OFF_CMD_RING + RING_NOTIFY_ON_PROD, 4)).isEqualTo(2);
        // release: the id heads release item[prod]; published after FLUSH_RELEASE
        assertThat(d.hdrRd(RAM_OFF_RELEASE_RING + RING_ITEMS, 8)).isEqualTo(0xABCD0001L);
        assertThat(d.hdrRd(RAM_OFF_RELEASE_RING + RING_PROD, 4)).isZero();
        assertThat(d.rd(0, dr, 8)).isZero(); // release_info.next = 0
        d.out(IO_FLUSH_RELEASE, 0);
        assertThat(d.hdrRd(RAM_OFF_RELEASE_RING + RING_PROD, 4)).isEqualTo(1);
        assertThat(d.hdrRd(RAM_OFF_INT_PENDING, 4) & INTERRUPT_DISPLAY).isEqualTo(INTERRUPT_DISPLAY);
        assertThat(d.irq.level()).isTrue();

        // a second drawable: a clipped solid fill; its release is chained to the next item
        long dr2 = DRAW_AREA + 0x2000;
        d.clippedSolidFill(dr2, 0xABCD0002L, 768, 1024, DRAW_AREA + 0x3000, 100, 100, 102, 102, 0x00336699);
        d.pushCommand(QxlTestDriver.phys(1, dr2), CMD_DRAW);
        d.settle();
        assertThat(d.dev.primaryPixel(100, 100)).isEqualTo(0x336699);
        assertThat(d.dev.primaryPixel(101, 101)).isEqualTo(0x336699);
        assertThat(d.dev.primaryPixel(102, 101)).isZero();
        assertThat(d.dev.primaryPixel(99, 100)).isZero();
        assertThat(d.hdrRd(RAM_OFF_RELEASE_RING + RING_ITEMS + 8, 8)).isEqualTo(0xABCD0002L);

        rep = d.dev.report();
        assertThat(rep.get("draws")).isEqualTo(Map.of("copy", 1L, "fill", 1L));
        assertThat(rep.get("commands")).isEqualTo(Map.of("draw", 2L));
        assertThat(rep.get("releases")).isEqualTo(2L);
        assertThat(rep.get("error_state")).isEqualTo(false);
        assertThat(d.dev.guestErrors()).isEmpty();
    }

    @Test
    void badMemslotIdIsAGuestBugNotAnException() {
        QxlTestDriver d = new QxlTestDriver();
        d.probe();
        d.out(IO_MEMSLOT_ADD, 9);
        assertThat(d.dev.inErrorState()).isTrue();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("QXL_IO_MEMSLOT_ADD: val out of range"));
        assertThat(d.hdrRd(RAM_OFF_INT_PENDING, 4) & INTERRUPT_ERROR).isEqualTo(INTERRUPT_ERROR);
        // in the error state the device ignores everything but RESET
        d.hdrWr(RAM_OFF_MEM_SLOT_START, 8, QxlTestDriver.BAR0);
        d.hdrWr(RAM_OFF_MEM_SLOT_END, 8, QxlTestDriver.BAR0 + 0x1000);
        d.out(IO_MEMSLOT_ADD, 3);
        assertThat(d.dev.memslotActive(3)).isFalse();
        d.out(IO_RESET, 0);
        assertThat(d.dev.inErrorState()).isFalse();
        assertThat(d.dev.memslotActive(1)).isFalse(); // reset drops the memslots
        assertThat(d.dev.report().get("error_state")).isEqualTo(false);
    }

    @Test
    void commandAddressesAreCheckedThroughMemslots() {
        QxlTestDriver d = new QxlTestDriver();
        d.probe();
        d.createPrimary(1024, 768, 0);
        // a drawable in an inactive slot: spice-server drops it, the device keeps running
        d.pushCommand(QxlTestDriver.phys(5, DRAW_AREA), CMD_DRAW);
        d.settle();
        assertThat(d.dev.inErrorState()).isFalse();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("inactive slot 5"));
        // beyond the slot end (slot 1 ends at the RAM header)
        d.pushCommand(QxlTestDriver.phys(1, 0x3FFE000L - 8), CMD_DRAW);
        d.settle();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("overrun"));
        assertThat(d.dev.inErrorState()).isFalse();
        // a surface command in a bad slot goes through QEMU's qxl_phys2virt: guest bug
        d.pushCommand(QxlTestDriver.phys(9, 0), CMD_SURFACE);
        d.settle();
        assertThat(d.dev.inErrorState()).isTrue();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("slot too large 9 >= 8"));
        // a memslot outside every BAR
        d.out(IO_RESET, 0);
        d.hdrWr(RAM_OFF_MEM_SLOT_START, 8, 0x2000_0000L);
        d.hdrWr(RAM_OFF_MEM_SLOT_END, 8, 0x2000_1000L);
        d.out(IO_MEMSLOT_ADD, 1);
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("finished loop without match"));
    }

    @Test
    void chunkLoopsAndHugeImagesAreBounded() {
        Params p = new Params();
        p.declareAll(QxlDevice.PARAMS);
        p.set("qxl.max_chunks", "64");
        QxlTestDriver d = new QxlTestDriver(QxlDevice.QXL, p);
        d.probe();
        d.createPrimary(1024, 768, 0);
        long img = DRAW_AREA + 0x1000;
        d.bitmapImage(img, 4, 2, new int[8]);
        long chunk = img + 64;
        // chunk A (empty) -> chunk B (empty) -> chunk A ...
        long chunkB = img + 0x800;
        d.wr(0, chunk + CHUNK_DATA_SIZE, 4, 0);
        d.wr(0, chunk + CHUNK_NEXT, 8, QxlTestDriver.phys(1, chunkB));
        d.wr(0, chunkB + CHUNK_DATA_SIZE, 4, 0);
        d.wr(0, chunkB + CHUNK_NEXT, 8, QxlTestDriver.phys(1, chunk));
        long dr = DRAW_AREA;
        d.drawable(dr, 7, DRAW_COPY, 0, 0, 2, 4, CLIP_TYPE_NONE, 0);
        d.wr(0, dr + COPY_SRC_BITMAP, 8, QxlTestDriver.phys(1, img));
        d.wr(0, dr + COPY_SRC_AREA + RECT_BOTTOM, 4, 2);
        d.wr(0, dr + COPY_SRC_AREA + RECT_RIGHT, 4, 4);
        d.wr(0, dr + COPY_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        d.settle();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("too many chunks"));
        // a bitmap claiming 65536 x 65536: bounded by qxl.max_image_bytes, dropped
        d.wr(0, img + BMP_X, 4, 65536);
        d.wr(0, img + BMP_Y, 4, 65536);
        d.wr(0, img + BMP_STRIDE, 4, 65536L * 4);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        d.settle();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("max_image_bytes"));
        assertThat(d.dev.inErrorState()).isFalse();
        assertThat(d.dev.report().get("draws_dropped")).isEqualTo(2L);
        // a runaway producer index is a guest bug, not 4 billion commands
        d.hdrWr(RAM_OFF_CMD_RING + RING_PROD, 4, 0x7FFF_0000L);
        d.out(IO_NOTIFY_CMD, 0);
        d.settle();
        assertThat(d.dev.inErrorState()).isTrue();
    }

    @Test
    void secondAsyncBeforeCompletionIsAGuestBugAndCancelPathsInterruptAtOnce() {
        QxlTestDriver d = new QxlTestDriver();
        d.probe();
        d.out(IO_DESTROY_PRIMARY_ASYNC, 0); // no primary: cancel_async raises IO_CMD immediately
        assertThat(d.hdrRd(RAM_OFF_INT_PENDING, 4) & INTERRUPT_IO_CMD).isEqualTo(INTERRUPT_IO_CMD);
        d.irqHandler();
        d.out(IO_FLUSH_SURFACES_ASYNC, 0);
        d.out(IO_FLUSH_SURFACES_ASYNC, 0);
        assertThat(d.dev.inErrorState()).isTrue();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("async started before last"));
        d.out(IO_ATTACH_PRIMARY, 0); // ignored in the error state
        d.out(IO_RESET, 0);
        d.out(IO_ATTACH_PRIMARY, 0); // not handled by QEMU's switch: guest bug
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("unexpected ioport=0xb"));
    }

    @Test
    void oversizedPrimaryIsRejected() {
        QxlTestDriver d = new QxlTestDriver();
        d.probe();
        d.createPrimary(4096, 4096, 0); // 64 MiB > vgamem 16 MiB
        assertThat(d.dev.hasPrimary()).isFalse();
        assertThat(d.dev.guestErrors()).anySatisfy(e -> assertThat(e).contains("larger than framebuffer"));
    }

    @Test
    void thePrimarySurfaceIsTheFirstScanout() {
        QxlTestDriver d = new QxlTestDriver();
        d.probe();
        assertThat(d.dev.scanouts()).extracting(Scanout::name).containsExactly("primary");
        Scanout s = d.dev.scanouts().get(0);
        assertThat(s.active()).isFalse();
        d.createPrimary(1024, 768, 0);
        d.wr(1, (5L * 1024 + 7) * 4, 4, 0x00C0FFEE);
        assertThat(s.active()).isTrue();
        assertThat(s.width()).isEqualTo(1024);
        assertThat(s.height()).isEqualTo(768);
        assertThat(s.bitsPerPixel()).isEqualTo(32);
        assertThat(s.pixel(7, 5)).isEqualTo(0xC0FFEE);
        int[] row = new int[1024];
        s.readRow(5, row);
        assertThat(row[7]).isEqualTo(0xC0FFEE);
        assertThat(row[6]).isZero();
        assertThat(s.pixel(1024, 0)).as("outside").isZero();
    }

    @Test
    void qxlVgaAlsoScansOutTheVbeFramebuffer() {
        QxlDevice vga = new QxlTestDriver(QxlDevice.QXL_VGA, null).dev;
        assertThat(vga.scanouts()).extracting(Scanout::name).containsExactly("primary", "vbe");
        Scanout v = vga.scanouts().get(1);
        assertThat(v.active()).isFalse();
        Access x = new Access();
        int[][] regs = {{BochsVbe.INDEX_XRES, 800}, {BochsVbe.INDEX_YRES, 600}, {BochsVbe.INDEX_BPP, 32},
            {BochsVbe.INDEX_ENABLE, BochsVbe.ENABLED | BochsVbe.LFB_ENABLED}};
        for (int[] iv : regs) {
            vga.legacyIoAccess(0x1CE, x.write(0x1CE, 2, iv[0]));
            vga.legacyIoAccess(0x1D0, x.write(0x1D0, 2, iv[1]));
        }
        vga.ramMemory().writeInt((3L * 800 + 2) * 4, 0x00ABCDEF);
        assertThat(v.active()).isTrue();
        assertThat(v.width()).isEqualTo(800);
        assertThat(v.height()).isEqualTo(600);
        assertThat(v.bitsPerPixel()).isEqualTo(32);
        assertThat(v.pixel(2, 3)).isEqualTo(0xABCDEF);
        assertThat(v.pixel(3, 3)).isZero();
    }

    @Test
    void theDeviceOwnsItsThreeMemories() {
        QxlDevice q = new QxlTestDriver().dev;
        assertThat(q.memories()).extracting(DeviceMemory::name).containsExactly("ram", "vram", "rom");
        assertThat(q.memories().get(0).memory()).isSameAs(q.ramMemory());
        assertThat(q.memories().get(2).memory()).isSameAs(q.romMemory());
    }

    @Test
    void configFromQemuProperties() {
        QxlConfig c = QxlConfig.defaults();
        assertThat(c.ramSize).isEqualTo(64L << 20);
        assertThat(c.vram32Size).isEqualTo(64L << 20);
        assertThat(c.vgamemSize).isEqualTo(16L << 20);
        assertThat(c.revision).isEqualTo(5);
        assertThat(c.ramHeaderOffset()).isEqualTo(0x3FFE000L);
        QxlConfig big = QxlConfig.fromProps(Map.of("vgamem_mb", "64", "vram64_size_mb", "256", "ram_size_mb", "100"));
        assertThat(big.ramSize).isEqualTo(128L << 20); // >= 2 x vgamem, pow2ceil
        assertThat(big.hasVram64Bar()).isTrue();
        assertThat(QxlConfig.fromProps(Map.of("vgamem_mb", "4")).vgamemSize).isEqualTo(8L << 20);
        assertThatThrownBy(() -> QxlConfig.fromProps(Map.of("revision", "6"))).hasMessageContaining("Invalid revision");
        assertThatThrownBy(() -> QxlConfig.fromProps(Map.of("ram_size", "lots"))).hasMessageContaining("ram_size");
        QxlConfig old = QxlConfig.fromProps(Map.of("revision", "3"));
        QxlDevice dev = new QxlDevice(QxlDevice.QXL, old, new dev.gvsim.simcore.EventKernel().scheduler("q"), null, null, null);
        assertThat(dev.configRead(PciFunction.REVISION_ID, 1)).isEqualTo(3);
        assertThat(dev.bar(4)).isNull();
        QxlDevice dev64 = new QxlDevice(QxlDevice.QXL, big, new dev.gvsim.simcore.EventKernel().scheduler("q64"), null, null, null);
        assertThat(dev64.bar(4).size).isEqualTo(256L << 20);
    }

    @Test
    void extremeCoordinatesAndHostileRandomGuestNeverThrow() {
        Params p = new Params();
        p.declareAll(QxlDevice.PARAMS);
        p.set("qxl.max_image_bytes", "1048576");
        p.set("qxl.max_chunks", "1000");
        QxlTestDriver d = new QxlTestDriver(QxlDevice.QXL, p);
        d.probe();
        d.createPrimary(1024, 768, 0);
        // a copy with a bbox spanning the whole int range: clipped to the surface, scaled, no overflow
        long img = DRAW_AREA + 0x1000;
        d.bitmapImage(img, 2, 2, new int[] {0x010101, 0x020202, 0x030303, 0x040404});
        long dr = DRAW_AREA;
        d.drawable(dr, 9, DRAW_COPY, Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, CLIP_TYPE_NONE, 0);
        d.wr(0, dr + COPY_SRC_BITMAP, 8, QxlTestDriver.phys(1, img));
        d.wr(0, dr + COPY_SRC_AREA + RECT_BOTTOM, 4, 2);
        d.wr(0, dr + COPY_SRC_AREA + RECT_RIGHT, 4, 2);
        d.wr(0, dr + COPY_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        d.settle();
        assertThat(d.dev.primaryPixel(0, 0)).isEqualTo(0x040404); // the bitmap's bottom-right, scaled up

        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 30_000; i++) {
            if (i % 500 == 0) {
                d.probe();
                d.createPrimary(1024, 768, 0);
            }
            int k = r.nextInt(16);
            if (k < 1 && r.nextBoolean()) {
                d.hdrWr(r.nextInt(RAM_STRUCT_SIZE - 8), 1 << r.nextInt(4), r.nextLong());
            } else if (k < 8) {
                long v = r.nextInt(4) == 0 ? r.nextLong() : QxlTestDriver.phys(r.nextInt(3), DRAW_AREA + r.nextInt(0x4000));
                d.wr(0, DRAW_AREA + r.nextInt(0x4000), 1 << r.nextInt(4), v);
            } else if (k < 13) {
                if ((int) d.hdrRd(RAM_OFF_CMD_RING + RING_PROD, 4) - (int) d.hdrRd(RAM_OFF_CMD_RING + RING_CONS, 4) >= 32) {
                    d.settle();
                }
                d.pushCommand(QxlTestDriver.phys(1 + r.nextInt(2), DRAW_AREA + r.nextInt(0x4000)), r.nextInt(7));
            } else if (k < 14) {
                int[] usual = {IO_NOTIFY_CMD, IO_UPDATE_IRQ, IO_FLUSH_RELEASE, IO_NOTIFY_OOM, IO_NOTIFY_CURSOR};
                int port = r.nextInt(8) == 0 ? r.nextInt(32) : usual[r.nextInt(usual.length)];
                d.out(port, r.nextInt(4));
            } else {
                d.settle();
            }
        }
        d.settle();
        assertThat(d.dev.report()).containsKeys("error_state", "guest_errors", "memslots", "commands");
        assertThat(d.stats.get("qxl.io.notify_cmd")).isPositive();
        assertThat(d.stats.get("qxl.commands")).isGreaterThan(300);
        assertThat(d.stats.get("qxl.draws.rendered")).isPositive();
        assertThat(d.stats.get("qxl.guest_bugs")).isPositive();
    }
}
