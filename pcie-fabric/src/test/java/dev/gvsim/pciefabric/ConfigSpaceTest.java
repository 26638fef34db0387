package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.TestDevices.bdf;
import static dev.gvsim.pciefabric.TestDevices.cfgRead;
import static dev.gvsim.pciefabric.TestDevices.cfgWrite;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.SimTime;
import dev.gvsim.simcore.Status;

class ConfigSpaceTest {
    @Test
    void qxlBarSizingReadsBackTheMasksOfTheReferenceRun() {
        PciHost h = TestDevices.host();
        h.add(new TestDevices.QxlLike(), "pcie.0", -1, 0);
        int q = bdf(0, 1, 0);
        // docs/facts/qemu-reference-runs.md §5.1: @0x10 -> 0xfc000000, @0x14 -> 0xfc000000, @0x18 -> 0xffffe000, @0x1c -> 0xffffffe1
        long[] expect = {0xFC00_0000L, 0xFC00_0000L, 0xFFFF_E000L, 0xFFFF_FFE1L, 0, 0};
        for (int i = 0; i < 6; i++) {
            int off = 0x10 + 4 * i;
            cfgWrite(h, q, off, 4, 0xFFFF_FFFFL);
            assertThat(cfgRead(h, q, off, 4)).as("BAR%d", i).isEqualTo(expect[i]);
        }
        cfgWrite(h, q, 0x1C, 4, 0x1);
        assertThat(cfgRead(h, q, 0x1C, 4)).isEqualTo(0x1);
        // No expansion ROM: sizing reads 0.
        cfgWrite(h, q, 0x30, 4, 0xFFFF_F800L);
        assertThat(cfgRead(h, q, 0x30, 4)).isZero();
        assertThat(cfgRead(h, q, 0x08, 4)).isEqualTo(0x0380_0005L);
        assertThat(cfgRead(h, q, 0x2C, 2)).isEqualTo(0x1AF4);
    }

    @Test
    void sixtyFourBitBarAndRomSizing() {
        PciHost h = TestDevices.host();
        h.add(new TestDevices.ExpressDevice(false), "pcie.0", 3, 0);
        int d = bdf(0, 3, 0);
        assertThat(cfgRead(h, d, 0x10, 4)).isEqualTo(0xC); // 64-bit, prefetchable
        cfgWrite(h, d, 0x10, 4, 0xFFFF_FFFFL);
        cfgWrite(h, d, 0x14, 4, 0xFFFF_FFFFL);
        assertThat(cfgRead(h, d, 0x10, 4)).isEqualTo(0xFFFF_C00CL);
        assertThat(cfgRead(h, d, 0x14, 4)).isEqualTo(0xFFFF_FFFFL);
        cfgWrite(h, d, 0x20, 4, 0xFFFF_FFFFL);
        assertThat(cfgRead(h, d, 0x20, 4)).isEqualTo(0xFFFF_FF01L); // 256 B I/O
        cfgWrite(h, d, 0x30, 4, 0xFFFF_FFFFL);
        assertThat(cfgRead(h, d, 0x30, 4)).isEqualTo(0xFFFF_0001L); // 64 KiB ROM + enable bit
        // Program the 64-bit BAR above 4 GiB and check the decoded address.
        cfgWrite(h, d, 0x10, 4, 0x0000_4000L);
        cfgWrite(h, d, 0x14, 4, 0x80);
        assertThat(h.find(d).barAddress(0)).isEqualTo(0x80_0000_4000L);
    }

    @Test
    void nonExistentFunctionReadsAllOnesAndIsCounted() {
        PciHost h = TestDevices.host();
        Access a = new Access().read(0, 4);
        h.configAccess(a, bdf(0, 5, 0), 0);
        assertThat(a.data).isEqualTo(0xFFFF_FFFFL);
        assertThat(a.status).isEqualTo(Status.MASTER_ABORT);
        Access b = new Access().read(0, 2);
        h.configAccess(b, bdf(7, 0, 0), 0);
        assertThat(b.data).isEqualTo(0xFFFF);
        assertThat(h.report().get("config_no_function")).isEqualTo(2L);
        // Through the ECAM window: offset = bus << 20 | dev << 15 | fn << 12 | reg.
        Access c = new Access().read(0, 4);
        h.ecam().access(c, 0);
        assertThat(c.data).isEqualTo(0x0008_1B36L);
        Access e = new Access().read(0, 4);
        h.ecam().access(e, (0L << 20) | (9L << 15) | 8);
        assertThat(e.data).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void registerSemanticsRoRwRw1c() {
        PciHost h = TestDevices.host();
        TestDevices.ExpressDevice dev = new TestDevices.ExpressDevice(false);
        h.add(dev, "pcie.0", 2, 0);
        int d = bdf(0, 2, 0);
        cfgWrite(h, d, 0x00, 4, 0);
        assertThat(cfgRead(h, d, 0x00, 4)).isEqualTo(0x5678_1234L); // RO
        cfgWrite(h, d, 0x04, 2, 0xFFFF);
        assertThat(cfgRead(h, d, 0x04, 2)).isEqualTo(0x0507); // only IO/MEM/MASTER/SERR/INTx-disable writable
        assertThat(cfgRead(h, d, 0x06, 2) & 0x10).isEqualTo(0x10); // capability list bit, RO
        // MSI-X: Table Size RO (4 vectors -> 3), Enable and Function Mask RW.
        int mx = dev.msixCapability();
        cfgWrite(h, d, mx + 2, 2, 0xFFFF);
        assertThat(cfgRead(h, d, mx + 2, 2)).isEqualTo(0xC003);
        assertThat(cfgRead(h, d, mx + 4, 4)).isEqualTo(0x802); // table at BAR2 + 0x800
        assertThat(cfgRead(h, d, mx + 8, 4)).isEqualTo(0xC02);
        // Express DevSta error bits are RW1C: set one by hand, clear by writing 1.
        int exp = dev.expressCapability();
        dev.setWord(exp + PciFunction.EXP_DEVSTA, 0x0004);
        cfgWrite(h, d, exp + PciFunction.EXP_DEVSTA, 2, 0x0000);
        assertThat(cfgRead(h, d, exp + PciFunction.EXP_DEVSTA, 2)).isEqualTo(4);
        cfgWrite(h, d, exp + PciFunction.EXP_DEVSTA, 2, 0x0004);
        assertThat(cfgRead(h, d, exp + PciFunction.EXP_DEVSTA, 2)).isZero();
        assertThat(dev.findCapability(PciFunction.CAP_ID_VENDOR)).isEqualTo(0xA0);
        assertThat(cfgRead(h, d, 0xA2, 1)).isEqualTo(6);
        // Express functions have 4 KiB of config space; a conventional one reads ~0 above 0xFF.
        h.add(new TestDevices.QxlLike(), "pcie.0", 4, 0);
        assertThat(cfgRead(h, bdf(0, 4, 0), 0x100, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(cfgRead(h, d, 0x100, 4)).isZero();
    }

    @Test
    void flrResetsTheFunctionAndAnswersCrsForItsDuration() {
        PciHost h = TestDevices.host();
        TestDevices.ExpressDevice dev = new TestDevices.ExpressDevice(false);
        h.add(dev, "pcie.0", 2, 0);
        int d = bdf(0, 2, 0);
        cfgWrite(h, d, 0x18, 4, 0x1000_0000L);
        cfgWrite(h, d, 0x04, 2, 0x6);
        int exp = dev.expressCapability();
        assertThat(cfgRead(h, d, exp + PciFunction.EXP_DEVCAP, 4) & PciFunction.DEVCAP_FLR).isNotZero();
        TestDevices.setTime(h, SimTime.ms(5));
        cfgWrite(h, d, exp + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        // During the 100 ms the function answers CRS: all ones, counted.
        assertThat(cfgRead(h, d, 0x00, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(h.report().get("config_crs")).isEqualTo(1L);
        TestDevices.setTime(h, SimTime.ms(105));
        assertThat(cfgRead(h, d, 0x00, 4)).isEqualTo(0x5678_1234L);
        assertThat(cfgRead(h, d, 0x18, 4)).isZero();
        assertThat(cfgRead(h, d, 0x04, 2)).isZero();
        assertThat(cfgRead(h, d, exp + PciFunction.EXP_DEVCTL, 2) & PciFunction.DEVCTL_BCR_FLR).isZero();
    }

    @Test
    void d3hotToD0ResetsUnlessNoSoftReset() {
        for (boolean nsr : new boolean[] {false, true}) {
            PciHost h = TestDevices.host();
            TestDevices.ExpressDevice dev = new TestDevices.ExpressDevice(nsr);
            h.add(dev, "pcie.0", 2, 0);
            int d = bdf(0, 2, 0);
            int pm = dev.pmCapability();
            cfgWrite(h, d, 0x18, 4, 0x1000_0000L);
            cfgWrite(h, d, 0x04, 2, 0x2);
            assertThat(dev.barDecodes(2)).isTrue();
            cfgWrite(h, d, pm + PciFunction.PM_PMCSR, 2, PciFunction.PM_D3HOT);
            assertThat(dev.powerState()).isEqualTo(3);
            assertThat(dev.barDecodes(2)).as("no memory decode in D3hot").isFalse();
            // D1 is not supported: the write is ignored.
            cfgWrite(h, d, pm + PciFunction.PM_PMCSR, 2, 1);
            assertThat(dev.powerState()).isEqualTo(3);
            cfgWrite(h, d, pm + PciFunction.PM_PMCSR, 2, PciFunction.PM_D0);
            assertThat(dev.powerState()).isZero();
            if (nsr) {
                assertThat(cfgRead(h, d, 0x18, 4)).isEqualTo(0x1000_0000L);
                assertThat(dev.barDecodes(2)).isTrue();
            } else {
                TestDevices.setTime(h, SimTime.ms(11));
                assertThat(cfgRead(h, d, 0x18, 4)).as("D0uninitialized after D3hot").isZero();
                assertThat(dev.command()).isZero();
            }
        }
    }
}
