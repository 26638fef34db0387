package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.TestDevices.bdf;
import static dev.gvsim.pciefabric.TestDevices.cfgRead;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Assignments compared with the kernel and firmware results of the reference runs (docs/facts/qemu-reference-runs.md §3, §6). */
class AllocatorTest {
    private static PciHost qxlRp() {
        PciHost h = TestDevices.host();
        h.add(rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        q.setId("gpu0");
        h.add(q, "rp1", -1, 0);
        return h;
    }

    static RootPort rootPort(String id, int chassis, int slot) {
        RootPort rp = new RootPort(chassis, slot);
        rp.setId(id);
        return rp;
    }

    @Test
    void linuxQxlOnRootBus() {
        PciHost h = TestDevices.host();
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        h.add(q, "pcie.0", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        assertThat(h.allocationLog()).containsExactly(
                "pci 0000:00:01.0: BAR 0 [mem 0x10000000-0x13ffffff]: assigned",
                "pci 0000:00:01.0: BAR 1 [mem 0x14000000-0x17ffffff]: assigned",
                "pci 0000:00:01.0: BAR 2 [mem 0x18000000-0x18001fff]: assigned",
                "pci 0000:00:01.0: BAR 3 [io  0x1000-0x101f]: assigned");
        assertThat(q.command()).isEqualTo(3); // "enabling device (0000 -> 0003)"
        assertThat(h.allocationFailures()).isEmpty();
    }

    @Test
    void linuxQxlBehindRootPortMatchesQxlRpConsole() {
        PciHost h = qxlRp();
        LinuxAllocator.assign(h, new Apertures());
        // qxl_rp.console (docs/facts/qemu-reference-runs.md §6.2), in the kernel's order.
        assertThat(h.allocationLog()).containsExactly(
                "pci 0000:00:01.0: bridge window [mem 0x10000000-0x19ffffff]: assigned",
                "pci 0000:00:01.0: bridge window [mem 0x8000000000-0x80001fffff 64bit pref]: assigned",
                "pci 0000:00:01.0: BAR 0 [mem 0x1a000000-0x1a000fff]: assigned",
                "pci 0000:00:01.0: bridge window [io  0x1000-0x1fff]: assigned",
                "pci 0000:01:00.0: BAR 0 [mem 0x10000000-0x13ffffff]: assigned",
                "pci 0000:01:00.0: BAR 1 [mem 0x14000000-0x17ffffff]: assigned",
                "pci 0000:01:00.0: BAR 2 [mem 0x18000000-0x18001fff]: assigned",
                "pci 0000:01:00.0: BAR 3 [io  0x1000-0x101f]: assigned",
                "pci 0000:00:01.0: PCI bridge to [bus 01]");
        int rp = bdf(0, 1, 0);
        // Register values as the trace reads them back at the end (qxl_rp trace, final dump).
        assertThat(cfgRead(h, rp, 0x10, 4)).isEqualTo(0x1A00_0000L);
        assertThat(cfgRead(h, rp, 0x18, 4)).isEqualTo(0x0001_0100L);
        assertThat(cfgRead(h, rp, 0x1C, 4)).isEqualTo(0x1010);
        assertThat(cfgRead(h, rp, 0x20, 4)).isEqualTo(0x19F0_1000L);
        assertThat(cfgRead(h, rp, 0x24, 4)).isEqualTo(0x0011_0001L);
        assertThat(cfgRead(h, rp, 0x28, 4)).isEqualTo(0x80);
        assertThat(cfgRead(h, rp, 0x2C, 4)).isEqualTo(0x80);
        assertThat(cfgRead(h, rp, 0x30, 4)).isZero();
        assertThat(cfgRead(h, rp, 0x3E, 2)).isEqualTo(0x2);
        int q = bdf(1, 0, 0);
        assertThat(cfgRead(h, q, 0x1C, 4)).isEqualTo(0x1001);
        assertThat(cfgRead(h, q, 0x04, 2)).isEqualTo(0x3);
        assertThat(h.find(q).id()).isEqualTo("gpu0");
        assertThat(h.byId("gpu0").bdf()).isEqualTo(q);
        java.util.Map<String, Object> rpDesc = h.describe().get(1);
        assertThat(rpDesc.get("mem_window")).isEqualTo(List.of("0x10000000", "0x19ffffff"));
        assertThat(rpDesc.get("pref_window")).isEqualTo(List.of("0x8000000000", "0x80001fffff"));
        assertThat(rpDesc.get("io_window")).isEqualTo(List.of("0x1000", "0x1fff"));
        assertThat(h.describe().get(2).get("bdf")).isEqualTo("01:00.0");
    }

    @Test
    void linuxTwoRootPortsMatchUefiVgpuQxlConsole() {
        PciHost h = TestDevices.host();
        h.add(rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        h.add(rootPort("rp2", 2, 1), "pcie.0", -1, 0);
        h.add(new TestDevices.VirtioGpuLike(), "rp1", -1, 0);
        h.add(new TestDevices.QxlLike(), "rp2", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        // uefi_vgpurp1_qxlrp2.console lines 191-212 (the kernel's reassignment).
        assertThat(h.allocationLog()).containsExactly(
                "pci 0000:00:02.0: bridge window [mem 0x10000000-0x19ffffff]: assigned",
                "pci 0000:00:01.0: bridge window [mem 0x1a000000-0x1a1fffff]: assigned",
                "pci 0000:00:01.0: bridge window [mem 0x8000000000-0x80001fffff 64bit pref]: assigned",
                "pci 0000:00:02.0: bridge window [mem 0x8000200000-0x80003fffff 64bit pref]: assigned",
                "pci 0000:00:01.0: BAR 0 [mem 0x1a200000-0x1a200fff]: assigned",
                "pci 0000:00:01.0: bridge window [io  0x1000-0x1fff]: assigned",
                "pci 0000:00:02.0: BAR 0 [mem 0x1a201000-0x1a201fff]: assigned",
                "pci 0000:00:02.0: bridge window [io  0x2000-0x2fff]: assigned",
                "pci 0000:01:00.0: BAR 4 [mem 0x8000000000-0x8000003fff 64bit pref]: assigned",
                "pci 0000:01:00.0: BAR 1 [mem 0x1a000000-0x1a000fff]: assigned",
                "pci 0000:00:01.0: PCI bridge to [bus 01]",
                "pci 0000:02:00.0: BAR 0 [mem 0x10000000-0x13ffffff]: assigned",
                "pci 0000:02:00.0: BAR 1 [mem 0x14000000-0x17ffffff]: assigned",
                "pci 0000:02:00.0: BAR 2 [mem 0x18000000-0x18001fff]: assigned",
                "pci 0000:02:00.0: BAR 3 [io  0x2000-0x201f]: assigned",
                "pci 0000:00:02.0: PCI bridge to [bus 02]");
    }

    @Test
    void linuxVirtioGpuOnRootBus() {
        PciHost h = TestDevices.host();
        PciFunction v = new TestDevices.VirtioGpuLike();
        h.add(v, "pcie.0", -1, 0);
        LinuxAllocator.assign(h, new Apertures());
        assertThat(v.barAddress(1)).isEqualTo(0x1000_0000L);
        assertThat(v.barAddress(4)).isEqualTo(0x80_0000_0000L);
    }

    @Test
    void edk2QxlOnRootBusMatchesUefiQxlRoot() {
        PciHost h = TestDevices.host();
        PciFunction q = new TestDevices.QxlLike();
        h.add(q, "pcie.0", -1, 0);
        Edk2Allocator.assign(h, new Apertures());
        // uefi_qxl_root.console: the firmware put BAR1 below BAR0 and the I/O BAR at port 0.
        assertThat(q.barAddress(0)).isEqualTo(0x1400_0000L);
        assertThat(q.barAddress(1)).isEqualTo(0x1000_0000L);
        assertThat(q.barAddress(2)).isEqualTo(0x1800_0000L);
        assertThat(q.barAddress(3)).isZero();
        // uefi_qxl_root.trace: the firmware's last Command write to the driverless QXL before the
        // kernel is 0x0000; only a driver's PciIo->Attributes enables an endpoint's decode.
        assertThat(q.command() & 7).isZero();
        // An I/O BAR at 0 does not decode (QEMU pci_bar_address), so a guest inb there master-aborts.
        assertThat(q.barDecodes(3)).isFalse();
    }

    @Test
    void edk2TwoRootPortsMatchUefiVgpuQxlTrace() {
        PciHost h = TestDevices.host();
        RootPort rp1 = rootPort("rp1", 1, 0);
        RootPort rp2 = rootPort("rp2", 2, 1);
        h.add(rp1, "pcie.0", -1, 0);
        h.add(rp2, "pcie.0", -1, 0);
        PciFunction v = new TestDevices.VirtioGpuLike();
        PciFunction q = new TestDevices.QxlLike();
        h.add(v, "rp1", -1, 0);
        h.add(q, "rp2", -1, 0);
        Edk2Allocator.assign(h, new Apertures());
        // The firmware's writes in uefi_vgpurp1_qxlrp2 (trace lines around the first "@0x14 <- 0x10000000").
        assertThat(q.barAddress(1)).isEqualTo(0x1000_0000L);
        assertThat(q.barAddress(0)).isEqualTo(0x1400_0000L);
        assertThat(q.barAddress(2)).isEqualTo(0x1800_0000L);
        assertThat(q.barAddress(3)).isZero();
        assertThat(rp2.memBase()).isEqualTo(0x1000_0000L);
        assertThat(rp2.memLimit()).isEqualTo(0x180F_FFFFL);
        assertThat(v.barAddress(1)).isEqualTo(0x1820_0000L);
        assertThat(rp1.memBase()).isEqualTo(0x1820_0000L);
        assertThat(rp1.memLimit()).isEqualTo(0x183F_FFFFL);
        assertThat(rp2.barAddress(0)).isEqualTo(0x1840_0000L);
        assertThat(rp1.barAddress(0)).isEqualTo(0x1840_1000L);
        assertThat(v.barAddress(4)).isEqualTo(0x80_0000_0000L);
        assertThat(rp1.prefBase()).isEqualTo(0x80_0000_0000L);
        assertThat(rp1.prefLimit()).isEqualTo(0x80_000F_FFFFL);
        assertThat(rp2.prefWindowOpen()).isFalse();
        assertThat(rp2.ioBase()).isZero();
        assertThat(rp2.ioLimit()).isEqualTo(0xFFF);
        assertThat(rp1.ioBase()).isEqualTo(0x1000);
        assertThat(rp1.ioLimit()).isEqualTo(0x1FFF);
        assertThat(rp1.secondaryBus()).isEqualTo(1);
        assertThat(rp2.secondaryBus()).isEqualTo(2);
    }

    /**
     * PciResourceSupport.c InsertResourceNode's tie rule: two root-port memory apertures of equal
     * alignment (64 MiB), rp1's 66 MiB (rest 2 MiB over its alignment) and rp2's 129 MiB (rest 1 MiB).
     * The later-discovered rp2 goes in at the head but moves past rp1 because its rest is non-zero and
     * smaller, so rp1 gets the lower window; "newest first" alone would put rp2 at 0x10000000.
     */
    @Test
    void edk2EqualAlignmentsOrderedByInsertResourceNodesRest() {
        PciHost h = TestDevices.host();
        RootPort rp1 = rootPort("rp1", 1, 0);
        RootPort rp2 = rootPort("rp2", 2, 1);
        h.add(rp1, "pcie.0", -1, 0);
        h.add(rp2, "pcie.0", -1, 0);
        h.add(new TestDevices.TwoMemBars(64L << 20, 2L << 20), "rp1", -1, 0);
        h.add(new TestDevices.QxlLike(), "rp2", -1, 0);
        Edk2Allocator.assign(h, new Apertures());
        assertThat(rp1.memBase()).isEqualTo(0x1000_0000L);
        assertThat(rp1.memLimit()).isEqualTo(0x1000_0000L + (66L << 20) - 1);
        assertThat(rp2.memBase()).isEqualTo(0x1800_0000L);
        assertThat(rp2.memLimit()).isEqualTo(0x1800_0000L + (129L << 20) - 1);
    }

    @Test
    void allocationFailureIsReportedNotSilent() {
        PciHost h = TestDevices.host();
        h.add(new TestDevices.QxlLike(), "pcie.0", -1, 0);
        // An MMIO32 aperture of 64 MiB cannot hold 64 + 64 MiB + 8 KiB.
        Apertures tiny = new Apertures(0x1000_0000L, 0x400_0000L, 0x3EFF_0000L, 0x1_0000L, 0x40_1000_0000L, 0x1000_0000L, 0, 0);
        LinuxAllocator.assign(h, tiny);
        List<String> f = h.allocationFailures();
        // setup-res.c pci_assign_resource: "can't assign; no space", then (no firmware address on arm64) "failed to assign"
        assertThat(f).hasSize(4);
        assertThat(f.get(0)).contains("BAR 1").contains("can't assign; no space");
        assertThat(f.get(1)).contains("BAR 1").contains("failed to assign");
        assertThat(h.report().get("allocation_failures")).isEqualTo(f);
        PciHost e = TestDevices.host();
        e.add(new TestDevices.QxlLike(), "pcie.0", -1, 0);
        Edk2Allocator.assign(e, tiny);
        assertThat(e.allocationFailures()).singleElement().asString().contains("Resource conflict").contains("MMIO32");
    }
}
