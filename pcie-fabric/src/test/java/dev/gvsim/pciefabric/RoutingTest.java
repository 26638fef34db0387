package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.TestDevices.bdf;
import static dev.gvsim.pciefabric.TestDevices.cfgRead;
import static dev.gvsim.pciefabric.TestDevices.cfgWrite;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SimTime;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.Status;

class RoutingTest {
    private static final long PIO = Apertures.VIRT_PIO_BASE;

    private static PciHost qxlRp(TestDevices.QxlLike q) {
        PciHost h = TestDevices.specHost();
        h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        h.add(q, "rp1", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        return h;
    }

    /**
     * {@link PciHost#mmio32Access} gives what {@link PciHost#memAccess} gives: on virt's apertures by
     * skipping the PIO/ECAM tests, on apertures where the PIO window lies inside MMIO32 by the full
     * test (a PIO address there is I/O, not memory).
     */
    @Test
    void mmio32AccessMatchesMemAccessWithDisjointAndOverlappingApertures() {
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        PciHost h = qxlRp(q);
        for (long pa : new long[] {0x1000_0000L + 0x3FF_F49CL, 0x1800_0004L, 0x3EFF_0000L, 0x3EFE_FFF0L}) {
            Access viaMem = new Access().read(pa, 4);
            Access viaMmio32 = new Access().read(pa, 4);
            h.memAccess(viaMem);
            h.mmio32Access(viaMmio32);
            assertThat(viaMmio32.status).as("0x%x", pa).isEqualTo(viaMem.status);
            assertThat(viaMmio32.data).as("0x%x", pa).isEqualTo(viaMem.data);
            assertThat(viaMmio32.latencyPs).as("0x%x", pa).isEqualTo(viaMem.latencyPs);
        }
        // PIO window inside the MMIO32 aperture: an address in it is routed as I/O either way
        Stats stats = new Stats();
        PciHost odd = new PciHost(new Params(), stats,
                new Apertures(0x1000_0000L, 0x3000_0000L, 0x3EFF_0000L, 0x1_0000L, Apertures.VIRT_ECAM_BASE, Apertures.VIRT_ECAM_SIZE, 0, 0),
                new TestDevices.TestClock());
        odd.mmio32Access(new Access().read(0x3EFF_0010L, 4));
        assertThat(stats.get("pcie.master_abort.io")).as("I/O, as memAccess routes it").isEqualTo(1);
        assertThat(stats.get("pcie.master_abort.mem")).isZero();
        odd.mmio32Access(new Access().read(0x2000_0000L, 4));
        assertThat(stats.get("pcie.master_abort.mem")).isEqualTo(1);
    }

    @Test
    void memoryAndIoRouteThroughRootPortWindowsToTheBar() {
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        PciHost h = qxlRp(q);
        Access a = new Access().write(0x1000_0000L + 0x3FF_F49CL, 8, 0x1234);
        h.memAccess(a);
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(q.lastBar.index).isZero();
        assertThat(q.lastOffset).isEqualTo(0x3FF_F49CL);
        Access r = new Access().read(0x1800_0004L, 4);
        h.memAccess(r);
        assertThat(q.lastBar.index).isEqualTo(2);
        assertThat(r.data).isEqualTo(0x5A5A_0004L);
        Access io = new Access().write(PIO + 0x1005, 1, 0);
        h.memAccess(io); // the PIO window CPU address
        assertThat(q.lastBar.index).isEqualTo(3);
        assertThat(q.lastOffset).isEqualTo(5);
        Access io2 = new Access().write(0, 1, 0x11);
        h.ioAccess(io2, 0x1011);
        assertThat(q.lastOffset).isEqualTo(0x11);
        assertThat(q.lastData).isEqualTo(0x11);
        // Turning off the root port's memory decode stops forwarding.
        cfgWrite(h, bdf(0, 1, 0), 0x04, 2, 0x1);
        Access m = new Access().read(0x1000_0000L, 4);
        h.memAccess(m);
        assertThat(m.status).isEqualTo(Status.MASTER_ABORT);
        assertThat(m.data).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void hopLatencyIsAddedPerBridgeEachWay() {
        Params p = new Params();
        p.declareAll(PciHost.PARAMS);
        p.set("pcie.hop_latency", "150ns");
        PciHost h = new PciHost(p, new Stats(), new TestDevices.TestClock());
        h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        h.add(new TestDevices.QxlLike(), "rp1", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        Access a = new Access().read(0x1400_0000L, 4);
        h.memAccess(a);
        assertThat(a.latencyPs).isEqualTo(SimTime.ns(300));
    }

    @Test
    @SuppressWarnings("unchecked")
    void masterAbortOutsideWindowsReadsAllOnesAndIsCountedWithItsAddress() {
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        PciHost h = qxlRp(q);
        int before = q.accesses;
        Access r = new Access().read(0x2000_0000L, 4); // in MMIO32, outside every window
        h.memAccess(r);
        assertThat(r.status).isEqualTo(Status.MASTER_ABORT);
        assertThat(r.data).isEqualTo(0xFFFF_FFFFL);
        Access w = new Access().write(0x80_1000_0000L, 8, 42); // MMIO64, outside the pref window
        h.memAccess(w);
        assertThat(w.status).isEqualTo(Status.MASTER_ABORT);
        Access io = new Access().read(0, 2);
        h.ioAccess(io, 0x3000);
        assertThat(io.data).isEqualTo(0xFFFF);
        // Inside the root port's memory window but above every BAR below it: UR from below.
        Access ur = new Access().read(0x1900_0000L, 4);
        h.memAccess(ur);
        assertThat(ur.data).isEqualTo(0xFFFF_FFFFL);
        assertThat(q.accesses).isEqualTo(before);
        Map<String, Object> rep = h.report();
        assertThat(rep.get("master_aborts_mem")).isEqualTo(2L);
        assertThat(rep.get("master_aborts_io")).isEqualTo(1L);
        assertThat(rep.get("unsupported_requests_mem")).isEqualTo(1L);
        assertThat((List<Object>) rep.get("unclaimed_recent")).containsExactly("mem master-abort 0x20000000", "mem master-abort 0x8010000000",
                "io master-abort 0x3000", "mem UR below bridge 0x19000000");
    }

    /** A device with a 4 KiB I/O BAR at 0x1000 behind a root port whose I/O window is 0x1000-0x1fff. */
    private static PciHost bigIo(TestDevices.Recording[] out) {
        PciHost h = TestDevices.specHost();
        h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        TestDevices.Recording d = new TestDevices.Recording("big-io", 0x1234, 0x9, 0x058000, 0) {
            {
                declareBar(new Bar(0, BarKind.IO, 0x1000, false, dev.gvsim.simcore.AccessRules.ANY, "io"));
                sealResetImage();
            }
        };
        h.add(d, "rp1", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        out[0] = d;
        return h;
    }

    @Test
    void isaEnableBlocksTheTop768BytesOfEach1KiB() {
        TestDevices.Recording[] d = new TestDevices.Recording[1];
        PciHost h = bigIo(d);
        assertThat(d[0].barAddress(0)).isEqualTo(0x1000);
        long[] ports = {0x1000, 0x10FF, 0x1100, 0x11CE, 0x13FF, 0x1400, 0x14FF, 0x1500, 0x1FFF};
        boolean[] passWithIsa = {true, true, false, false, false, true, true, false, false};
        for (int i = 0; i < ports.length; i++) {
            Access a = new Access().read(0, 1);
            h.ioAccess(a, ports[i]);
            assertThat(a.status).as("port 0x%x without ISA Enable", ports[i]).isEqualTo(Status.OK);
        }
        int rp = bdf(0, 1, 0);
        cfgWrite(h, rp, PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_SERR | PciBridgeBase.BRIDGE_CTL_ISA);
        for (int i = 0; i < ports.length; i++) {
            Access a = new Access().read(0, 1);
            h.ioAccess(a, ports[i]);
            assertThat(a.status == Status.OK).as("port 0x%x with ISA Enable", ports[i]).isEqualTo(passWithIsa[i]);
            if (!passWithIsa[i]) {
                assertThat(a.data).isEqualTo(0xFF);
            }
        }
    }

    @Test
    void vgaEnableForwardsOnlyTheLegacyVgaRanges() {
        PciHost h = TestDevices.specHost();
        RootPort rp = AllocatorTest.rootPort("rp1", 1, 0);
        h.add(rp, "pcie.0", -1, 0);
        // Windows stay closed (reset state); enable decode and VGA forwarding.
        cfgWrite(h, bdf(0, 1, 0), 0x04, 2, 0x3);
        assertThat(rp.ioWindowOpen()).isFalse();
        assertThat(rp.memWindowOpen()).isFalse();
        cfgWrite(h, bdf(0, 1, 0), PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_VGA | PciBridgeBase.BRIDGE_CTL_VGA_16BIT);
        long[] in = {0x3B0, 0x3BB, 0x3C0, 0x3DF};
        long[] out = {0x3AF, 0x3BC, 0x3BF, 0x3E0, 0x1CE, 0x1CF, 0x1D0, 0x7B0};
        for (long p : in) {
            assertThat(rp.forwardsIo(p, true, false)).as("port 0x%x", p).isTrue();
        }
        for (long p : out) {
            assertThat(rp.forwardsIo(p, true, false)).as("port 0x%x", p).isFalse();
        }
        assertThat(rp.forwardsMem(0xA0000)).isTrue();
        assertThat(rp.forwardsMem(0xBFFFF)).isTrue();
        assertThat(rp.forwardsMem(0x9FFFF)).isFalse();
        assertThat(rp.forwardsMem(0xC0000)).isFalse();
        // Through the host: a forwarded VGA port with nothing below is a UR, the Bochs DISPI port a master abort.
        Access a = new Access().read(0, 1);
        h.ioAccess(a, 0x3C0);
        Access b = new Access().read(0, 2);
        h.ioAccess(b, 0x1CE);
        assertThat(h.report().get("unsupported_requests_io")).isEqualTo(1L);
        assertThat(h.report().get("master_aborts_io")).isEqualTo(1L);
        // 10-bit decode (VGA 16-bit decode clear) forwards the aliases when the model is asked to.
        cfgWrite(h, bdf(0, 1, 0), PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_VGA);
        assertThat(rp.forwardsIo(0x7B0, true, true)).isTrue();
        assertThat(rp.forwardsIo(0x7B0, true, false)).isFalse();
    }

    @Test
    void sixteenVersusThirtyTwoBitIoBridges() {
        PciHost h = TestDevices.specHost();
        RootPort rp = AllocatorTest.rootPort("rp1", 1, 0);
        TestDevices.Io32Bridge b32 = new TestDevices.Io32Bridge();
        b32.setId("b32");
        h.add(rp, "pcie.0", 1, 0);
        h.add(b32, "pcie.0", 2, 0);
        int r16 = bdf(0, 1, 0);
        int r32 = bdf(0, 2, 0);
        // 16-bit: low nibble 0, upper-16 registers read-only zero (qemu trace: 0x1c <- 0xff reads 0xf0).
        cfgWrite(h, r16, 0x1C, 2, 0xFFFF);
        assertThat(cfgRead(h, r16, 0x1C, 2)).isEqualTo(0xF0F0);
        cfgWrite(h, r16, 0x30, 4, 0xFFFF_FFFFL);
        assertThat(cfgRead(h, r16, 0x30, 4)).isZero();
        assertThat(rp.ioLimit()).isEqualTo(0xFFFF);
        // 32-bit: low nibble 1, upper-16 registers writable and part of the window.
        cfgWrite(h, r32, 0x1C, 2, 0x2010);
        cfgWrite(h, r32, 0x30, 4, 0x0001_0001L);
        assertThat(cfgRead(h, r32, 0x1C, 2)).isEqualTo(0x2111);
        assertThat(b32.ioBase()).isEqualTo(0x1_1000L);
        assertThat(b32.ioLimit()).isEqualTo(0x1_2FFFL);
        cfgWrite(h, r32, 0x04, 2, 0x1);
        assertThat(b32.forwardsIo(0x1_1800L, true, false)).isTrue();
        assertThat(b32.forwardsIo(0x1800, true, false)).isFalse();
    }

    @Test
    void secondaryBusResetResetsEverythingBelow() {
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        PciHost h = qxlRp(q);
        int rp = bdf(0, 1, 0);
        int qb = bdf(1, 0, 0);
        assertThat(cfgRead(h, qb, 0x10, 4)).isEqualTo(0x1000_0000L);
        TestDevices.setTime(h, SimTime.ms(1));
        cfgWrite(h, rp, PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_SERR | PciBridgeBase.BRIDGE_CTL_BUS_RESET);
        // While reset is asserted nothing below answers.
        assertThat(cfgRead(h, qb, 0x00, 4)).isEqualTo(0xFFFF_FFFFL);
        TestDevices.setTime(h, SimTime.ms(3));
        cfgWrite(h, rp, PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_SERR);
        // Until the recovery time has passed the device answers CRS (all ones).
        assertThat(cfgRead(h, qb, 0x00, 4)).isEqualTo(0xFFFF_FFFFL);
        TestDevices.setTime(h, SimTime.ms(104));
        assertThat(cfgRead(h, qb, 0x00, 4)).isEqualTo(0x0100_1B36L);
        assertThat(cfgRead(h, qb, 0x10, 4)).isZero();
        assertThat(cfgRead(h, qb, 0x1C, 4)).isEqualTo(0x1);
        assertThat(q.command()).isZero();
        // The bridge itself keeps its configuration.
        assertThat(cfgRead(h, rp, 0x20, 4)).isEqualTo(0x19F0_1000L);
        Access a = new Access().read(0x1000_0000L, 4);
        h.memAccess(a);
        assertThat(a.data).isEqualTo(0xFFFF_FFFFL);
        assertThat(h.report().get("sbr_short_pulses")).isEqualTo(0L);
    }

    @Test
    void placementRulesFollowQemu() {
        PciHost h = TestDevices.specHost();
        h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.add(new TestDevices.QxlLike(), "rp1", 2, 0))
                .hasMessageContaining("only allows plugging into slot 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.add(new TestDevices.QxlLike(), "nope", -1, 0))
                .hasMessageContaining("Bus 'nope' not found");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.add(AllocatorTest.rootPort("rp2", 1, 0), "pcie.0", -1, 0))
                .hasMessageContaining("Can't add chassis slot");
        h.add(new TestDevices.QxlLike(), "pcie.0", -1, 0);
        assertThat(h.find(bdf(0, 2, 0))).isNotNull();
        String tree = h.lspci(true);
        assertThat(tree).contains("01.0-[00]--").contains("02.0  Red Hat, Inc. QXL paravirtual graphic card [1b36:0100]");
    }

    @Test
    void switchBehindRootPortIsNumberedSizedAndRouted() {
        DeviceOptions o = DeviceOptions.parse("-M virt -device pcie-root-port,id=rp1,chassis=1 -device x3130-upstream,id=up,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up,chassis=2,slot=0 -device xio3130-downstream,id=dn2,bus=up,chassis=2,slot=1,addr=1");
        PciHost h = TestDevices.specHost();
        for (DeviceOptions.DeviceSpec s : o.devices()) {
            h.add(FabricDevices.standalone(s), s.bus() == null ? "pcie.0" : s.bus(), s.slot(), s.fn());
        }
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        h.add(q, "dn2", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        assertThat(h.allocationFailures()).isEmpty();
        assertThat(h.byId("up").bdf()).isEqualTo(bdf(1, 0, 0));
        assertThat(h.byId("dn1").bdf()).isEqualTo(bdf(2, 0, 0));
        assertThat(h.byId("dn2").bdf()).isEqualTo(bdf(2, 1, 0));
        assertThat(q.bdf()).isEqualTo(bdf(4, 0, 0));
        assertThat(((PciBridgeBase) h.byId("rp1")).subordinateBus()).isEqualTo(4);
        assertThat(cfgRead(h, bdf(2, 1, 0), 0, 4)).isEqualTo(0x8233_104CL);
        // Only device 0 exists on a downstream port's link.
        assertThat(cfgRead(h, bdf(4, 1, 0), 0, 4)).isEqualTo(0xFFFF_FFFFL);
        Access a = new Access().read(q.barAddress(1) + 0x40, 4);
        h.memAccess(a);
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(q.lastBar.index).isEqualTo(1);
        Access io = new Access().write(0, 1, 7);
        h.ioAccess(io, q.barAddress(3) + 3);
        assertThat(io.status).isEqualTo(Status.OK);
        assertThat(q.lastOffset).isEqualTo(3);
        assertThat(h.lspci(false)).contains("-[01-04]--").contains("QXL paravirtual graphic card");
    }

    @Test
    void edk2VgaAttributeSetsVgaEnableAlongThePathOnce() {
        PciHost h = TestDevices.specHost();
        RootPort rp1 = AllocatorTest.rootPort("rp1", 1, 0);
        RootPort rp2 = AllocatorTest.rootPort("rp2", 2, 1);
        h.add(rp1, "pcie.0", -1, 0);
        h.add(rp2, "pcie.0", -1, 0);
        TestDevices.QxlLike q1 = new TestDevices.QxlLike();
        TestDevices.QxlLike q2 = new TestDevices.QxlLike();
        h.add(q1, "rp1", -1, 0);
        h.add(q2, "rp2", -1, 0);
        Edk2Allocator.assign(h, new Apertures());
        assertThat(Edk2Allocator.enableVgaPath(h, q2)).isTrue();
        assertThat(rp2.bridgeControl() & 0x18).isEqualTo(0x18);
        assertThat(rp2.forwardsIo(0x3C0, true, false)).isTrue();
        // The Bochs DISPI index port is not a VGA port: it only passes inside the I/O window.
        assertThat(rp2.ioBase()).isZero();
        assertThat(rp2.forwardsIo(0x1CE, true, false)).isTrue();
        assertThat(rp1.forwardsIo(0x1CE, true, false)).isFalse();
        assertThat(Edk2Allocator.enableVgaPath(h, q1)).isFalse();
        assertThat(rp1.bridgeControl() & PciBridgeBase.BRIDGE_CTL_VGA).isZero();
        assertThat(h.allocationFailures()).singleElement().asString().contains("one active VGA device per segment");
    }

    @Test
    void qemuDefaultsIgnoreIsaEnableAndLetWindowHolesFallThrough() {
        // default parameters follow QEMU (pci_bridge.c: no ISA filtering; memory API: a hole in a
        // bridge window is transparent); RoutingTest's other cases pin the specification's behaviour
        PciHost h = TestDevices.host();
        RootPort rp = AllocatorTest.rootPort("rp1", 1, 0);
        h.add(rp, "pcie.0", -1, 0);
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        h.add(q, "rp1", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        rp.configWrite(PciBridgeBase.BRIDGE_CONTROL, 2, rp.bridgeControl() | PciBridgeBase.BRIDGE_CTL_ISA);
        long ioBar = q.barAddress(3);
        assertThat(ioBar & 0x300).as("QXL's I/O BAR sits in an ISA-aliased quarter").isZero();
        Access a = new Access().read(0, 1);
        h.ioAccess(a, ioBar + 5);
        assertThat(a.status).as("ISA Enable does not block under QEMU").isNotEqualTo(Status.MASTER_ABORT);
        Access hole = new Access().read(0, 4);
        h.ioAccess(hole, rp.ioBase() + 0x800); // inside rp1's window, nothing below decodes it
        assertThat(hole.data & 0xFFFF_FFFFL).isEqualTo(0xFFFF_FFFFL);
        assertThat(hole.status).isEqualTo(Status.MASTER_ABORT);
    }
}
