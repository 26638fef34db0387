package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.TestDevices.cfgRead;
import static dev.gvsim.pciefabric.TestDevices.cfgWrite;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.SimTime;
import dev.gvsim.simcore.Status;

/** SR-IOV (PCIe Base 4.0 §9.3.3, §9.3.4): the PF's capability registers, VF creation, routing IDs, VF BARs, per-VF FLR. */
class SriovTest {
    static final int CAP = 0x100;
    static final int VF_DEV = 0x5679;

    /** A PF with FLR, a 64-bit prefetchable VF BAR0 of 1 MiB and a 32-bit VF BAR2 of 16 KiB per VF. */
    static final class Pf extends TestDevices.Recording {
        Pf(int total, int offset, int stride) {
            super("test-pf", 0x1234, 0x5678, 0x030000, 1);
            declareBar(new Bar(0, BarKind.MEM64, 1 << 20, true, AccessRules.ANY, "vram"));
            addPmCapability(0x40, false);
            addExpressCapability(0x60, EXP_TYPE_ENDPOINT, true, 3, 16);
            addSriovCapability(CAP, new SriovCapability.Spec(total, offset, stride, VF_DEV,
                    List.of(new SriovCapability.VfBar(0, BarKind.MEM64, 1 << 20, true, "vram"),
                            new SriovCapability.VfBar(2, BarKind.MEM32, 16 << 10, false, "regs"))));
            sealResetImage();
        }

        @Override
        protected VirtualFunction createVirtualFunction(SriovCapability cap, int n) {
            return new Vf(cap, n);
        }
    }

    /** A VF that remembers the last value written per BAR. */
    static final class Vf extends VirtualFunction {
        final long[] last = new long[6];
        int resets;

        Vf(SriovCapability cap, int n) {
            super("test-vf", cap, n);
            declareVfBar(new Bar(0, BarKind.MEM64, 1 << 20, true, AccessRules.ANY, "vram"));
            declareVfBar(new Bar(2, BarKind.MEM32, 16 << 10, false, AccessRules.ANY, "regs"));
            sealResetImage();
        }

        @Override
        public void barAccess(Bar bar, long offset, Access a) {
            if (a.isWrite()) {
                last[bar.index] = a.data;
            } else {
                a.data = last[bar.index];
            }
        }

        @Override
        protected void deviceReset(ResetKind kind) {
            resets++;
            java.util.Arrays.fill(last, 0);
        }
    }

    /** PF at 01:00.0 below a root port (ARI Forwarding enabled, as Linux does for an ARI device), allocated the Linux way. */
    static PciHost host(Pf pf) {
        PciHost h = TestDevices.host();
        h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
        h.add(pf, "rp1", 0, 0);
        LinuxAllocator.assign(h, new Apertures());
        PciFunction rp = h.byId("rp1");
        cfgWrite(h, rp.bdf(), rp.expressCapability() + PciFunction.EXP_DEVCTL2, 2, PciBridgeBase.ARI_FORWARDING_ENABLE);
        return h;
    }

    static int pfBdf(Pf pf) {
        return pf.bdf();
    }

    @Test
    void capabilityRegistersAreReadOnlyWhereTheSpecSaysAndNumVfsIsBounded() {
        Pf pf = new Pf(8, 1, 1);
        PciHost h = host(pf);
        int b = pfBdf(pf);
        assertThat(cfgRead(h, b, CAP, 4) & 0xFFFF).as("extended capability ID").isEqualTo(SriovCapability.EXT_CAP_ID);
        assertThat(cfgRead(h, b, CAP + SriovCapability.TOTAL_VFS, 2)).isEqualTo(8);
        assertThat(cfgRead(h, b, CAP + SriovCapability.INITIAL_VFS, 2)).isEqualTo(8);
        for (int reg : new int[] {SriovCapability.TOTAL_VFS, SriovCapability.INITIAL_VFS, SriovCapability.FIRST_VF_OFFSET,
            SriovCapability.VF_STRIDE, SriovCapability.VF_DEVICE_ID}) {
            long before = cfgRead(h, b, CAP + reg, 2);
            cfgWrite(h, b, CAP + reg, 2, 0xABCD);
            assertThat(cfgRead(h, b, CAP + reg, 2)).as("RO at +0x%x", reg).isEqualTo(before);
        }
        assertThat(cfgRead(h, b, CAP + SriovCapability.VF_DEVICE_ID, 2)).isEqualTo(VF_DEV);
        assertThat(cfgRead(h, b, CAP + SriovCapability.SUPPORTED_PAGE_SIZES, 4)).isEqualTo(SriovCapability.REQUIRED_PAGE_SIZES);
        // Control: VF Enable, VF MSE, ARI Capable Hierarchy writable; migration bits RO 0; the rest RsvdP
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, 0xFFFE);
        assertThat(cfgRead(h, b, CAP + SriovCapability.CONTROL, 2)).isEqualTo(SriovCapability.CTRL_VF_MSE | SriovCapability.CTRL_ARI_CAPABLE);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, 0);
        // NumVFs: RW up to TotalVFs; above it the write is refused
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 3);
        assertThat(cfgRead(h, b, CAP + SriovCapability.NUM_VFS, 2)).isEqualTo(3);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 9);
        assertThat(cfgRead(h, b, CAP + SriovCapability.NUM_VFS, 2)).as("NumVFs > TotalVFs refused").isEqualTo(3);
        // while VF Enable is set NumVFs does not change
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 5);
        assertThat(cfgRead(h, b, CAP + SriovCapability.NUM_VFS, 2)).isEqualTo(3);
        assertThat(pf.sriov().virtualFunctions()).hasSize(3);
        assertThat(h.stats().get("pcie.sriov.num_vfs_refused")).isEqualTo(2);
        // System Page Size RW
        cfgWrite(h, b, CAP + SriovCapability.SYSTEM_PAGE_SIZE, 4, 0x10);
        assertThat(cfgRead(h, b, CAP + SriovCapability.SYSTEM_PAGE_SIZE, 4)).isEqualTo(0x10);
    }

    @Test
    void vfEnableWithNumVfsZeroCreatesNoneAndVfDisableRemovesThem() {
        Pf pf = new Pf(4, 1, 1);
        PciHost h = host(pf);
        int b = pfBdf(pf);
        int before = h.functions().size();
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE);
        assertThat(h.functions()).hasSize(before);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, 0);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 4);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE);
        assertThat(h.functions()).hasSize(before + 4);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, 0);
        assertThat(h.functions()).hasSize(before);
        TestDevices.setTime(h, SimTime.ms(200));
        assertThat(cfgRead(h, b + 1, 0, 4)).as("VF 1 gone: no function").isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void routingIdsFollowOffsetAndStrideAndVfsReadFfffAndNeedAriBelowAPort() {
        Pf pf = new Pf(6, 4, 2);
        PciHost h = host(pf);
        int b = pfBdf(pf);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 6);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE);
        List<VirtualFunction> vfs = pf.sriov().virtualFunctions();
        assertThat(vfs).hasSize(6);
        for (VirtualFunction vf : vfs) {
            int n = vf.vfNumber();
            assertThat(vf.bdf()).as("VF %d RID = PF + 4 + 2 (n - 1)", n).isEqualTo(b + 4 + 2 * (n - 1));
            assertThat(h.find(vf.bdf())).isSameAs(vf);
            assertThat(vf.vfDeviceId()).isEqualTo(VF_DEV);
        }
        // during the VF Enable time the VFs answer CRS (all ones), then Vendor and Device ID read FFFFh (§9.3.4.1.1-2)
        assertThat(cfgRead(h, b + 4, 0x2C, 4)).isEqualTo(0xFFFF_FFFFL);
        TestDevices.setTime(h, SimTime.ms(100));
        assertThat(cfgRead(h, b + 4, 0, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(cfgRead(h, b + 4, PciFunction.SUBSYSTEM_VENDOR_ID, 2)).as("the VF answers: its class").isEqualTo(0);
        assertThat(cfgRead(h, b + 4, PciFunction.CLASS_PROG + 1, 2)).isEqualTo(0x0300);
        // VF 3 at devfn 8 (device 1): below a root port only with ARI Forwarding Enable
        PciFunction rp = h.byId("rp1");
        cfgWrite(h, rp.bdf(), rp.expressCapability() + PciFunction.EXP_DEVCTL2, 2, 0);
        assertThat(h.find(b + 8)).isNull();
        cfgWrite(h, rp.bdf(), rp.expressCapability() + PciFunction.EXP_DEVCTL2, 2, PciBridgeBase.ARI_FORWARDING_ENABLE);
        assertThat(h.find(b + 8)).isSameAs(vfs.get(2));
    }

    @Test
    void vfBarsAreSizedAssignedAndDecodedPerVfWithVfMse() {
        Pf pf = new Pf(4, 1, 1);
        PciHost h = host(pf);
        int b = pfBdf(pf);
        // sizing: all ones reads back the per-VF size mask (Linux sriov_init through __pci_read_base)
        long assigned = cfgRead(h, b, CAP + SriovCapability.VF_BAR0, 4) | cfgRead(h, b, CAP + SriovCapability.VF_BAR0 + 4, 4) << 32;
        assertThat(assigned & ~0xFL).as("the Linux allocator assigned the IOV resource").isNotZero();
        assertThat(assigned & ((1L << 20) - 1) & ~0xFL).as("aligned to one VF BAR").isZero();
        cfgWrite(h, b, CAP + SriovCapability.VF_BAR0 + 8, 4, 0xFFFF_FFFFL);
        assertThat(cfgRead(h, b, CAP + SriovCapability.VF_BAR0 + 8, 4)).as("16 KiB 32-bit VF BAR2").isEqualTo(0xFFFF_C000L);
        cfgWrite(h, b, CAP + SriovCapability.VF_BAR0 + 8, 4, 0);
        assertThat(cfgRead(h, b, CAP + SriovCapability.VF_BAR0, 4) & 0xF).as("64-bit prefetchable type bits").isEqualTo(0xC);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 4);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE);
        List<VirtualFunction> vfs = pf.sriov().virtualFunctions();
        long base = pf.sriov().vfBarBase(0);
        TestDevices.setTime(h, SimTime.ms(100));
        assertThat(base).isEqualTo(assigned & ~0xFL);
        for (VirtualFunction vf : vfs) {
            assertThat(vf.barAddress(0)).isEqualTo(base + (vf.vfNumber() - 1) * (1L << 20));
            assertThat(cfgRead(h, vf.bdf() , PciFunction.BAR0, 4)).as("header BAR RO 0").isZero();
        }
        long vf2 = vfs.get(1).barAddress(0);
        Access w = new Access().write(vf2 + 8, 8, 0x1122_3344_5566_7788L);
        h.memAccess(w);
        assertThat(w.status).as("VF MSE clear: no decode").isNotEqualTo(Status.OK);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE | SriovCapability.CTRL_VF_MSE);
        w = new Access().write(vf2 + 8, 8, 0x1122_3344_5566_7788L);
        h.memAccess(w);
        assertThat(w.status).isEqualTo(Status.OK);
        assertThat(((Vf) vfs.get(1)).last[0]).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(((Vf) vfs.get(0)).last[0]).isZero();
        assertThat(((Vf) vfs.get(2)).last[0]).isZero();
        // the VF's own Command register: Memory Space Enable RO 0, Bus Master RW
        cfgWrite(h, vfs.get(0).bdf(), PciFunction.COMMAND, 2, 0xFFFF);
        assertThat(cfgRead(h, vfs.get(0).bdf(), PciFunction.COMMAND, 2)).isEqualTo(PciFunction.CMD_MASTER);
    }

    @Test
    void vfFlrResetsOnlyThatVfAndPfFlrRemovesAllVfs() {
        Pf pf = new Pf(4, 1, 1);
        PciHost h = host(pf);
        int b = pfBdf(pf);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 3);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE | SriovCapability.CTRL_VF_MSE);
        cfgWrite(h, b, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY | PciFunction.CMD_MASTER);
        TestDevices.setTime(h, SimTime.ms(100));
        List<VirtualFunction> vfs = pf.sriov().virtualFunctions();
        for (VirtualFunction vf : vfs) {
            cfgWrite(h, vf.bdf(), PciFunction.COMMAND, 2, PciFunction.CMD_MASTER);
            h.memAccess(new Access().write(vf.barAddress(0), 8, 0x100 + vf.vfNumber()));
        }
        VirtualFunction vf2 = vfs.get(1);
        cfgWrite(h, vf2.bdf(), vf2.expressCapability() + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        assertThat(((Vf) vf2).resets).isEqualTo(1);
        assertThat(((Vf) vf2).last[0]).isZero();
        assertThat(cfgRead(h, vf2.bdf(), PciFunction.COMMAND, 2)).as("VF 2 in FLR: CRS").isEqualTo(0xFFFF);
        TestDevices.setTime(h, SimTime.ms(200) + 1);
        assertThat(cfgRead(h, vf2.bdf(), PciFunction.COMMAND, 2)).as("VF 2's Bus Master cleared").isZero();
        for (VirtualFunction other : List.of(vfs.get(0), vfs.get(2))) {
            assertThat(((Vf) other).resets).isZero();
            assertThat(((Vf) other).last[0]).isEqualTo(0x100 + other.vfNumber());
            assertThat(cfgRead(h, other.bdf(), PciFunction.COMMAND, 2)).isEqualTo(PciFunction.CMD_MASTER);
        }
        assertThat(cfgRead(h, b, PciFunction.COMMAND, 2)).as("PF untouched").isEqualTo(PciFunction.CMD_MEMORY | PciFunction.CMD_MASTER);
        assertThat(pf.sriov().vfEnabled()).isTrue();
        // an FLR of the PF clears VF Enable: every VF is removed
        cfgWrite(h, b, pf.expressCapability() + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        assertThat(pf.sriov().virtualFunctions()).isEmpty();
        assertThat(h.find(vf2.bdf())).isNull();
    }

    @Test
    void checkpointRoundTripRecreatesTheVfs() throws Exception {
        Pf pf = new Pf(4, 1, 1);
        PciHost h = host(pf);
        int b = pfBdf(pf);
        cfgWrite(h, b, CAP + SriovCapability.NUM_VFS, 2, 2);
        cfgWrite(h, b, CAP + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE | SriovCapability.CTRL_VF_MSE);
        dev.gvsim.simcore.state.StateWriter w = new dev.gvsim.simcore.state.StateWriter("test");
        w.save(pf);
        Pf pf2 = new Pf(4, 1, 1);
        PciHost h2 = host(pf2);
        assertThat(pf2.sriov().virtualFunctions()).isEmpty();
        dev.gvsim.simcore.state.StateReader r = new dev.gvsim.simcore.state.StateReader(w.toBytes());
        r.restore(pf2);
        assertThat(pf2.sriov().virtualFunctions()).hasSize(2);
        assertThat(pf2.sriov().virtualFunctions().get(1).bdf()).isEqualTo(b + 2);
        assertThat(h2.find(b + 2)).isSameAs(pf2.sriov().virtualFunctions().get(1));
    }

}
