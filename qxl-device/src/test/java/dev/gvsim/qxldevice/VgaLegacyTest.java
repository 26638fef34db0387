package dev.gvsim.qxldevice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.Apertures;
import dev.gvsim.pciefabric.Edk2Allocator;
import dev.gvsim.pciefabric.PciBridgeBase;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.PciHost;
import dev.gvsim.pciefabric.RootPort;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/** qxl-vga's legacy VGA / Bochs VBE interface, reached through the fabric as firmware reaches it. */
class VgaLegacyTest {
    final EventKernel kernel = new EventKernel();
    final Params params = new Params();
    final Stats stats = new Stats();
    final PciHost host = new PciHost(params, stats, kernel);

    /**
     * What a driver's PciIo->Attributes(Enable) does before touching the device: the edk2 policy
     * leaves endpoint decode off, as AAVMF does (see Edk2Allocator).
     */
    static void driverEnables(PciHost h) {
        for (dev.gvsim.pciefabric.PciFunction f : h.functions()) {
            if (f instanceof QxlDevice) {
                f.configWrite(dev.gvsim.pciefabric.PciFunction.COMMAND, 2, f.command() | dev.gvsim.pciefabric.PciFunction.CMD_IO
                        | dev.gvsim.pciefabric.PciFunction.CMD_MEMORY);
            }
        }
    }

    private int built;

    QxlDevice qxl(String type, String bus) {
        QxlDevice q = new QxlDevice(type, QxlConfig.defaults(), kernel.scheduler(type + built++), null, params, stats);
        q.setId(type);
        host.add(q, bus, -1, 0);
        return q;
    }

    int io(long port, int size) {
        Access a = new Access().read(port, size);
        host.ioAccess(a, port);
        return (int) a.data;
    }

    void out(long port, int size, long v) {
        Access a = new Access().write(port, size, v);
        host.ioAccess(a, port);
    }

    int bochsRead(int reg) {
        out(BochsVbe.IOPORT_INDEX, 2, reg);
        return io(BochsVbe.IOPORT_DATA, 2);
    }

    void bochsWrite(int reg, int v) {
        out(BochsVbe.IOPORT_INDEX, 2, reg);
        out(BochsVbe.IOPORT_DATA, 2, v);
    }

    @Test
    void bochsIdAndModeSetOnTheRootBus() {
        QxlDevice q = qxl(QxlDevice.QXL_VGA, "pcie.0");
        Edk2Allocator.assign(host, new Apertures());
        driverEnables(host);
        assertThat(bochsRead(BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID5);
        assertThat(bochsRead(BochsVbe.INDEX_VIDEO_MEMORY_64K)).isEqualTo(256); // vgamem 16 MiB
        // QemuVideoDxe InitializeBochsGraphicsMode
        bochsWrite(BochsVbe.INDEX_ENABLE, 0);
        bochsWrite(BochsVbe.INDEX_BANK, 0);
        bochsWrite(BochsVbe.INDEX_X_OFFSET, 0);
        bochsWrite(BochsVbe.INDEX_Y_OFFSET, 0);
        bochsWrite(BochsVbe.INDEX_BPP, 32);
        bochsWrite(BochsVbe.INDEX_XRES, 1024);
        bochsWrite(BochsVbe.INDEX_VIRT_WIDTH, 1024);
        bochsWrite(BochsVbe.INDEX_YRES, 768);
        bochsWrite(BochsVbe.INDEX_VIRT_HEIGHT, 768);
        q.ramMemory().writeInt(0, 0x123456);
        bochsWrite(BochsVbe.INDEX_ENABLE, BochsVbe.ENABLED | BochsVbe.LFB_ENABLED);
        assertThat(q.vbe().enabled()).isTrue();
        assertThat(q.vbe().xres()).isEqualTo(1024);
        assertThat(q.vbe().yres()).isEqualTo(768);
        assertThat(q.vbe().bpp()).isEqualTo(32);
        assertThat(q.vbe().lineOffset()).isEqualTo(4096);
        assertThat(q.ramMemory().readInt(0)).as("enable without NOCLEARMEM clears the screen").isZero();
        // VIRT_HEIGHT is computed: vbe_size / line length
        assertThat(bochsRead(BochsVbe.INDEX_VIRT_HEIGHT)).isEqualTo((16 << 20) / 4096);
        // ID accepts only ID0..ID5
        bochsWrite(BochsVbe.INDEX_ID, 0x1234);
        assertThat(bochsRead(BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID5);
        bochsWrite(BochsVbe.INDEX_ID, BochsVbe.ID2);
        assertThat(bochsRead(BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID2);
        // GETCAPS reports the maxima
        bochsWrite(BochsVbe.INDEX_ENABLE, BochsVbe.GETCAPS);
        assertThat(bochsRead(BochsVbe.INDEX_XRES)).isEqualTo(BochsVbe.MAX_XRES);
        assertThat(bochsRead(BochsVbe.INDEX_BPP)).isEqualTo(BochsVbe.MAX_BPP);
    }

    @Test
    void fixupClampsBadModes() {
        QxlDevice q = qxl(QxlDevice.QXL_VGA, "pcie.0");
        Edk2Allocator.assign(host, new Apertures());
        driverEnables(host);
        bochsWrite(BochsVbe.INDEX_ENABLE, BochsVbe.ENABLED | BochsVbe.NOCLEARMEM);
        bochsWrite(BochsVbe.INDEX_BPP, 7); // not a depth: 8
        bochsWrite(BochsVbe.INDEX_XRES, 0xFFFF); // & ~7, clamped to 16000
        bochsWrite(BochsVbe.INDEX_YRES, 0xFFFF);
        assertThat(q.vbe().bpp()).isEqualTo(8);
        assertThat(q.vbe().xres()).isEqualTo(BochsVbe.MAX_XRES);
        assertThat(q.vbe().yres()).isEqualTo((int) ((16L << 20) / 16000)); // maxy = vbe_size / line length
    }

    @Test
    void portWidthsAndTheX86OnlyDataPort() {
        qxl(QxlDevice.QXL_VGA, "pcie.0");
        Edk2Allocator.assign(host, new Apertures());
        driverEnables(host);
        // 8-bit access to a size-2 portio entry: no handler, all ones
        assertThat(io(BochsVbe.IOPORT_DATA, 1)).isEqualTo(0xFF);
        // 0x1CF is data only on x86 QEMU: on aarch64 nothing decodes it (the QXL I/O BAR sits at 0x0-0x1f)
        long before = host.masterAborts();
        out(BochsVbe.IOPORT_INDEX, 2, BochsVbe.INDEX_ID);
        assertThat(io(BochsVbe.IOPORT_DATA_X86, 2)).isEqualTo(0xFFFF);
        assertThat(host.masterAborts()).isEqualTo(before + 1);
    }

    @Test
    void decodeFollowsTheCommandRegister() {
        QxlDevice q = qxl(QxlDevice.QXL_VGA, "pcie.0");
        // allocator none: COMMAND = 0 -> no legacy decode, the read master-aborts
        out(BochsVbe.IOPORT_INDEX, 2, 0);
        assertThat(io(BochsVbe.IOPORT_DATA, 2)).isEqualTo(0xFFFF);
        assertThat(host.masterAborts()).isEqualTo(2);
        q.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_IO);
        assertThat(bochsRead(BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID5);
        // VGA memory needs Memory Space
        Access m = new Access().read(0xA0000, 1);
        host.busMemAccess(m, 0xA0000);
        assertThat(m.data).isEqualTo(0xFF);
        assertThat(m.status).isEqualTo(dev.gvsim.simcore.Status.MASTER_ABORT);
    }

    @Test
    void plainQxlHasNoLegacyInterface() {
        QxlDevice q = qxl(QxlDevice.QXL, "pcie.0");
        Edk2Allocator.assign(host, new Apertures());
        driverEnables(host);
        assertThat(q.vbe()).isNull();
        assertThat(bochsRead(BochsVbe.INDEX_ID)).isEqualTo(0xFFFF);
        assertThat(io(VgaLegacy.MIS_R, 1)).isEqualTo(0xFF);
    }

    @Test
    void vgaRegistersReadBackAndMemoryWindowHitsBar0() {
        QxlDevice q = qxl(QxlDevice.QXL_VGA, "pcie.0");
        Edk2Allocator.assign(host, new Apertures());
        driverEnables(host);
        out(VgaLegacy.MIS_W, 1, 0x67);
        assertThat(io(VgaLegacy.MIS_R, 1)).isEqualTo(0x67);
        out(VgaLegacy.SEQ_I, 2, 0x0F02); // map mask = 0xF, one 16-bit write = two byte writes
        assertThat(q.vga().sequencer(VgaLegacy.SR_MAP_MASK)).isEqualTo(0x0F);
        out(VgaLegacy.SEQ_I, 1, 4);
        out(VgaLegacy.SEQ_D, 1, 0xFF);
        assertThat(io(VgaLegacy.SEQ_D, 1)).isEqualTo(0x0E); // sr_mask[4]
        out(VgaLegacy.GFX_I, 1, 6);
        out(VgaLegacy.GFX_D, 1, 0x05); // memory map 1: A0000-AFFFF
        assertThat(io(VgaLegacy.GFX_D, 1)).isEqualTo(0x05);
        out(VgaLegacy.CRT_IC, 1, 0x0C);
        out(VgaLegacy.CRT_DC, 1, 0x12);
        assertThat(io(VgaLegacy.CRT_DC, 1)).isEqualTo(0x12);
        // colour selected: the mono CRTC ports read 0xFF
        assertThat(io(VgaLegacy.CRT_DM, 1)).isEqualTo(0xFF);
        // attribute controller: index, then data; Input Status 1 resets the flip-flop
        io(VgaLegacy.IS1_RC, 1);
        out(VgaLegacy.ATT_W, 1, 0x10);
        out(VgaLegacy.ATT_W, 1, 0x41);
        io(VgaLegacy.IS1_RC, 1);
        out(VgaLegacy.ATT_W, 1, 0x10);
        assertThat(io(VgaLegacy.ATT_R, 1)).isEqualTo(0x41);
        // DAC
        out(VgaLegacy.DAC_WR_INDEX, 1, 5);
        out(VgaLegacy.PEL_D, 1, 0x3F);
        out(VgaLegacy.PEL_D, 1, 0x20);
        out(VgaLegacy.PEL_D, 1, 0x01);
        assertThat(q.vga().paletteEntry(5)).isEqualTo(0x3F2001);
        // chain-4 (sr4 bit 3 is within the mask) + bank 2 through the memory window
        bochsWrite(BochsVbe.INDEX_BANK, 2);
        out(VgaLegacy.SEQ_I, 1, 4);
        out(VgaLegacy.SEQ_D, 1, VgaLegacy.SR4_CHAIN4);
        Access w = new Access().write(0xA0010, 1, 0x5A);
        host.busMemAccess(w, 0xA0010);
        assertThat(q.ramMemory().readByte(0x20010)).isEqualTo((byte) 0x5A);
        // memory map 1 excludes B0000: reads 0xFF
        Access r = new Access().read(0xB0000, 1);
        host.busMemAccess(r, 0xB0000);
        assertThat(r.data).isEqualTo(0xFF);
    }

    @Test
    void aSiblingWindowOverTheVbePortsHidesThemUnlessHolesFallThrough() {
        for (boolean fallThrough : new boolean[] {false, true}) {
            Params p = new Params();
            p.declareAll(PciHost.PARAMS);
            p.set(PciHost.HOLES_FALL_THROUGH.name() + "=" + fallThrough);
            PciHost h = new PciHost(p, stats, new dev.gvsim.simcore.EventKernel());
            QxlDevice q = new QxlDevice(QxlDevice.QXL_VGA, QxlConfig.defaults(), new dev.gvsim.simcore.EventKernel().scheduler("v"), null,
                    params, stats);
            h.add(q, "pcie.0", -1, 0);
            RootPort rp = new RootPort(1, 0);
            rp.setId("rp1");
            h.add(rp, "pcie.0", -1, 0);
            Edk2Allocator.assign(h, new Apertures());
            driverEnables(h);
            assertThat(rp.ioBase()).as("the empty hot-plug port's 4 KiB window comes first").isZero();
            Access w = new Access().write(BochsVbe.IOPORT_INDEX, 2, BochsVbe.INDEX_ID);
            h.ioAccess(w, BochsVbe.IOPORT_INDEX);
            Access r = new Access().read(BochsVbe.IOPORT_DATA, 2);
            h.ioAccess(r, BochsVbe.IOPORT_DATA);
            // PCIe: rp1 claims 0x1d0 and answers UR; QEMU: the hole in its window alias falls through to qxl-vga
            assertThat(r.data).as("fall through = %s", fallThrough).isEqualTo(fallThrough ? BochsVbe.ID5 : 0xFFFF);
        }
    }

    @Test
    void behindARootPortOnlyTheIoWindowPassesTheVbePorts() {
        RootPort rp = new RootPort(1, 0);
        rp.setId("rp1");
        host.add(rp, "pcie.0", -1, 0);
        RootPort rp2 = new RootPort(2, 0);
        rp2.setId("rp2");
        host.add(rp2, "pcie.0", -1, 0);
        QxlDevice q = qxl(QxlDevice.QXL_VGA, "rp1");
        Edk2Allocator.assign(host, new Apertures());
        driverEnables(host);
        // edk2: equal 4 KiB windows, later-discovered first: rp2 at 0x0000, rp1 at 0x1000
        assertThat(rp2.ioBase()).isZero();
        assertThat(rp.ioBase()).isEqualTo(0x1000);
        assertThat(bochsRead(BochsVbe.INDEX_ID)).as("0x1CE lands in rp2's window: UR, all ones").isEqualTo(0xFFFF);
        Edk2Allocator.enableVgaPath(host, q);
        assertThat(rp.bridgeControl() & PciBridgeBase.BRIDGE_CTL_VGA).isNotZero();
        // VGA Enable forwards 0x3C0-0x3DF ...
        out(VgaLegacy.MIS_W, 1, 0x01);
        assertThat(io(VgaLegacy.MIS_R, 1)).isEqualTo(0x01);
        // ... but not the DISPI ports
        assertThat(bochsRead(BochsVbe.INDEX_ID)).isEqualTo(0xFFFF);
        assertThat(q.vbe().register(BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID5);
    }
}
