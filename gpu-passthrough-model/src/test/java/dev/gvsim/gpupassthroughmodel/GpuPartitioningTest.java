package dev.gvsim.gpupassthroughmodel;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.FENCE;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.ID;
import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.SCRATCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.gpupassthroughmodel.GpuPassthroughDevice.HostS2;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.gpupassthroughmodel.layout.ProfileException;
import dev.gvsim.pciefabric.Apertures;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.LinuxAllocator;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.PciHost;
import dev.gvsim.pciefabric.RootPort;
import dev.gvsim.pciefabric.SriovCapability;
import dev.gvsim.pciefabric.VirtualFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/** Issue 26 on the device alone: the S7150's SR-IOV capability from its profile, its VFs, their FLR, stage-2 policy; mdev slices; hostile profiles. */
class GpuPartitioningTest {
    final EventKernel clock = new EventKernel();

    /** The S7150 PF below a root port, allocated the Linux way, with {@code n} VFs enabled (VF MSE set). */
    GpuPassthroughDevice card(HostS2 s2, int n, PciHost[] hostOut) {
        PciHost h = new PciHost(new Params(), new Stats(), clock);
        RootPort rp = new RootPort(1, 0);
        rp.setId("rp1");
        h.add(rp, "pcie.0", -1, 0);
        GpuPassthroughDevice pf = new GpuPassthroughDevice(GpuPassthroughDevice.GPU, GpuProfiles.get("amd-s7150"), s2, clock, new Stats(), "gpu");
        pf.setId("gpu");
        h.add(pf, "rp1", 0, 0);
        LinuxAllocator.assign(h, new Apertures());
        rp.configWrite(rp.expressCapability() + PciFunction.EXP_DEVCTL2, 2, 0x20); // ARI Forwarding Enable
        int cap = pf.sriov().offset();
        pf.configWrite(cap + SriovCapability.NUM_VFS, 2, n);
        pf.configWrite(cap + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE | SriovCapability.CTRL_VF_MSE);
        hostOut[0] = h;
        return pf;
    }

    static long rd(PciFunction f, Bar b, long off, int size) {
        Access a = new Access().read(off, size);
        f.barAccess(b, off, a);
        return a.data;
    }

    static void wr(PciFunction f, Bar b, long off, int size, long v) {
        f.barAccess(b, off, new Access().write(off, size, v));
    }

    @Test
    void theS7150sCapabilityCarriesItsProfileAndItsVfsAreGpuVfs() {
        PciHost[] h = new PciHost[1];
        GpuPassthroughDevice pf = card(HostS2.ADAPTIVE, 4, h);
        int cap = pf.findExtendedCapability(SriovCapability.EXT_CAP_ID);
        assertThat(cap).isEqualTo(0x100);
        assertThat(pf.configRead(cap + SriovCapability.TOTAL_VFS, 2)).isEqualTo(16);
        assertThat(pf.configRead(cap + SriovCapability.FIRST_VF_OFFSET, 2)).isEqualTo(16);
        assertThat(pf.configRead(cap + SriovCapability.VF_STRIDE, 2)).isEqualTo(1);
        assertThat(pf.configRead(cap + SriovCapability.VF_DEVICE_ID, 2)).isEqualTo(0x692f);
        assertThat(pf.findExtendedCapability(PciFunction.EXT_CAP_ID_ARI)).as("ARI after SR-IOV").isEqualTo(0x140);
        List<VirtualFunction> vfs = pf.sriov().virtualFunctions();
        assertThat(vfs).hasSize(4).allSatisfy(v -> assertThat(v).isInstanceOf(GpuVirtualFunction.class));
        for (VirtualFunction v : vfs) {
            assertThat(v.bdf()).isEqualTo(pf.bdf() + 16 + v.vfNumber() - 1);
            Bar regs = GpuPassthroughDeviceTest.barOf(v, "registers");
            assertThat(rd(v, regs, ID, 4)).isEqualTo(0x692f_1002L);
            Bar vram = GpuPassthroughDeviceTest.barOf(v, "vram");
            assertThat(v.stage2MemoryType(vram)).as("adaptive: prefetchable VRAM Normal-NC").isEqualTo("normal-nc");
            assertThat(v.stage2MemoryType(regs)).as("adaptive: registers Device").isEqualTo("device-ngnre");
            assertThat(v.memoryBehind(vram)).isNotNull();
            assertThat(v.barAddress(5)).isEqualTo(pf.sriov().vfBarBase(5) + (v.vfNumber() - 1) * (256L << 10));
        }
        Map<?, ?> sr = (Map<?, ?>) pf.report().get("sriov");
        assertThat(sr.get("num_vfs")).isEqualTo(4);
        assertThat(sr.get("vf_enable")).isEqualTo(true);
    }

    @Test
    void anFlrOfOneVfClearsItAloneAndAPfResetRemovesEveryVf() {
        PciHost[] h = new PciHost[1];
        GpuPassthroughDevice pf = card(HostS2.NORMAL_NC, 3, h);
        List<VirtualFunction> vfs = pf.sriov().virtualFunctions();
        Bar pfVram = GpuPassthroughDeviceTest.barOf(pf, "vram");
        wr(pf, pfVram, 0x100, 8, 0x1111);
        for (VirtualFunction v : vfs) {
            wr(v, GpuPassthroughDeviceTest.barOf(v, "vram"), 0x40, 8, 0xA0 + v.vfNumber());
            wr(v, GpuPassthroughDeviceTest.barOf(v, "registers"), SCRATCH, 4, 0x50 + v.vfNumber());
            wr(v, GpuPassthroughDeviceTest.barOf(v, "doorbell"), 0, 4, 0x70 + v.vfNumber());
        }
        VirtualFunction two = vfs.get(1);
        two.configWrite(two.expressCapability() + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        assertThat(rd(two, GpuPassthroughDeviceTest.barOf(two, "vram"), 0x40, 8)).isZero();
        assertThat(rd(two, GpuPassthroughDeviceTest.barOf(two, "registers"), SCRATCH, 4)).isZero();
        assertThat(rd(two, GpuPassthroughDeviceTest.barOf(two, "registers"), FENCE, 4)).isZero();
        assertThat(two.report().get("flrs")).isEqualTo(1L);
        for (VirtualFunction v : List.of(vfs.get(0), vfs.get(2))) {
            assertThat(rd(v, GpuPassthroughDeviceTest.barOf(v, "vram"), 0x40, 8)).isEqualTo(0xA0 + v.vfNumber());
            assertThat(rd(v, GpuPassthroughDeviceTest.barOf(v, "registers"), SCRATCH, 4)).isEqualTo(0x50 + v.vfNumber());
            assertThat(rd(v, GpuPassthroughDeviceTest.barOf(v, "registers"), FENCE, 4)).isEqualTo(0x70 + v.vfNumber());
        }
        assertThat(rd(pf, pfVram, 0x100, 8)).as("the PF's VRAM").isEqualTo(0x1111);
        assertThat(pf.sriov().vfEnabled()).isTrue();
        // the PF's own reset (here a conventional reset of the function) clears VF Enable: the VFs are gone
        pf.reset(PciFunction.ResetKind.SECONDARY_BUS);
        assertThat(pf.sriov().virtualFunctions()).isEmpty();
        assertThat(h[0].find(two.bdf())).isNull();
    }

    @Test
    void vfBarsFollowThePfsStage2Policy() {
        PciHost[] h = new PciHost[1];
        for (HostS2 s2 : HostS2.values()) {
            GpuPassthroughDevice pf = card(s2, 1, h);
            VirtualFunction v = pf.sriov().virtualFunctions().get(0);
            for (String role : List.of("vram", "registers", "doorbell")) {
                assertThat(v.stage2MemoryType(GpuPassthroughDeviceTest.barOf(v, role))).as("%s %s", s2, role)
                        .isEqualTo(pf.stage2MemoryType(GpuPassthroughDeviceTest.barOf(pf, role)));
            }
        }
    }

    @Test
    void mdevSlicesOfTheT4AndTheirFixedShareSchedule() {
        GpuPassthroughDevice t4 = new GpuPassthroughDevice(GpuPassthroughDevice.GPU, GpuProfiles.get("nvidia-t4"), HostS2.NORMAL_NC, clock, new Stats(),
                "gpu");
        MdevSlices s = t4.mdevSlices();
        assertThat(s.instances()).isEqualTo(4);
        assertThat(s.sliceBytes()).isEqualTo(64L << 20);
        assertThat(s.sliceOffset(3)).isEqualTo(192L << 20);
        long ms = 1_000_000_000L;
        // 5 ms job, 2 ms slices: slices 0, 4, 8 of 4 (fixed) -> ends 1 ms into the ninth slot = 17 ms; alone with equal share: 5 ms
        assertThat(MdevSlices.completionPs(5 * ms, 0, 4, 2 * ms)).isEqualTo(17 * ms);
        assertThat(MdevSlices.completionPs(5 * ms, 0, 1, 2 * ms)).isEqualTo(5 * ms);
        assertThat(MdevSlices.completionPs(2 * ms, 3, 4, 2 * ms)).isEqualTo(8 * ms);
        assertThat(((Map<?, ?>) t4.report().get("mdev")).get("vram_slice_bytes")).isEqualTo(64L << 20);
        assertThat(GpuProfiles.get("amd-s7150").partitioning().sriov()).isTrue();
        assertThat(GpuProfiles.get("amd-rx580").partitioning().sriov()).isFalse();
        assertThat(GpuProfiles.get("amd-rx580").partitioning().mdev()).isNull();
        assertThat(GpuProfiles.get("jingjia-jm7201").defaultsUsed()).anyMatch(d -> d.startsWith("partitioning.sriov unknown"));
    }

    @Test
    void hostileSriovAndPartitioningSectionsAreOneErrorNamingTheKey() throws IOException {
        String s7150 = GpuProfilesTest.bundledText("amd-s7150");
        String t4 = GpuProfilesTest.bundledText("nvidia-t4");
        assertThatThrownBy(() -> GpuProfilesTest.parse(s7150.replace("\"vf_stride\": {\"value\": 1,", "\"vf_stride\": {\"value\": 17,")))
                .isInstanceOf(ProfileException.class).hasMessageStartingWith("profile file test.json: key 'gpu.capabilities[3].total_vfs': expected VFs whose routing IDs");
        assertThatThrownBy(() -> GpuProfilesTest.parse(s7150.replace("\"role\": \"doorbell\", \"size\": \"2M\", \"bits\": 64, \"prefetchable\": true, \"source\": \"assumption: a doorbell",
                "\"role\": \"io\", \"size\": \"256\", \"bits\": 32, \"prefetchable\": false, \"source\": \"assumption: a doorbell")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.capabilities[3].vf_bars[1].role': expected registers, vram or doorbell");
        assertThatThrownBy(() -> GpuProfilesTest.parse(s7150.replace("\"first_vf_offset\": {\"value\": 16,", "\"first_vf_offset\": {\"value\": 0,")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.capabilities[3].first_vf_offset': expected a value in 0x1..0xff");
        assertThatThrownBy(() -> GpuProfilesTest.parse(s7150.replace("\"sriov\": {\"value\": true,", "\"sriov\": {\"value\": false,")))
                .hasMessageStartingWith("profile file test.json: key 'partitioning.sriov': expected true (it must agree with gpu.capabilities");
        assertThatThrownBy(() -> GpuProfilesTest.parse(t4.replace("\"max_instances\": {\"value\": 4,", "\"max_instances\": {\"value\": \"unknown\",")))
                .hasMessageStartingWith("profile file test.json: key 'partitioning.mdev.max_instances.value': expected a value (\"unknown\" has no model default");
        assertThatThrownBy(() -> GpuProfilesTest.parse(t4.replace("\"time_slice\": {\"value\": \"2ms\",", "\"time_slice\": {\"value\": \"31ms\",")))
                .hasMessageStartingWith("profile file test.json: key 'partitioning.mdev.time_slice': expected 1ms..30ms");
        assertThatThrownBy(() -> GpuProfilesTest.parse(t4.replace("\"partitioning\": {", "\"partitioning\": {\"vgpu\": 1,")))
                .hasMessageStartingWith("profile file test.json: key 'partitioning.vgpu': expected no such key");
        assertThatThrownBy(() -> GpuProfilesTest.parse(s7150.replace("\"vf_device_id\": {", "\"vf_devid\": 1, \"vf_device_id\": {")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.capabilities[3].vf_devid': expected no such key");
        GpuProfile ok = GpuProfilesTest.parse(s7150);
        assertThat(ok.gpu().capability("sriov").vfBars()).hasSize(3);
    }
}
