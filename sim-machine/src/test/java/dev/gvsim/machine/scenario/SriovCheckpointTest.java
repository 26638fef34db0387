package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.linux.GpuVfLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.pciefabric.PciBridgeBase;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.SriovCapability;
import dev.gvsim.pciefabric.VirtualFunction;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** Checkpoint format 6: a machine whose SR-IOV PF has VFs enabled, with a VM's data in a VF, restored into a fresh machine. */
class SriovCheckpointTest {
    @Test
    void theVfsTheirStateAndTheirVramComeBackWithThePf() throws Exception {
        assertThat(StateWriter.VERSION).as("VF sections are format 6").isEqualTo(6);
        String args = String.format(GpuPartitioningScenario.MACHINE, GpuPartitioningScenario.PROFILE, "normal-nc");
        Machine m = MachineBuilder.build(args, List.of());
        MachineGuestCpu cpu = new MachineGuestCpu(m, new ReplayOptions(), null, null, "cp");
        PciFunction pf = m.device("gpu-passthrough");
        PciFunction rp = m.pci().byId("rp1");
        cpu.configWrite(rp.bdf(), rp.expressCapability() + PciFunction.EXP_DEVCTL2, 2, PciBridgeBase.ARI_FORWARDING_ENABLE);
        int cap = pf.sriov().offset();
        cpu.configWrite(pf.bdf(), cap + SriovCapability.NUM_VFS, 2, 3);
        cpu.configWrite(pf.bdf(), cap + SriovCapability.CONTROL, 2, SriovCapability.CTRL_VF_ENABLE | SriovCapability.CTRL_VF_MSE);
        cpu.delay(m.params().getDuration(SriovCapability.VF_ENABLE_TIME));
        VirtualFunction vf2 = pf.sriov().virtualFunctions().get(1);
        GpuVfLinuxDriver d = new GpuVfLinuxDriver(cpu, (long) vf2.vfDeviceId() << 16 | 0x1002, vf2.barAddress(GpuPartitioningScenario.barIndex(vf2, "registers")),
                vf2.barAddress(GpuPartitioningScenario.barIndex(vf2, "vram")), vf2.barAddress(GpuPartitioningScenario.barIndex(vf2, "doorbell")),
                GpuPartitioningScenario.STAGING_PA, 0x5A);
        d.map();
        assertThat(d.init()).isNull();
        d.uploadAll();
        long fence = d.ringDoorbell();
        StateWriter w = new StateWriter(args);
        m.saveState(w);
        byte[] cp = w.toBytes();

        Machine m2 = MachineBuilder.build(args, List.of());
        assertThat(m2.device("gpu-passthrough").sriov().virtualFunctions()).isEmpty();
        m2.restoreState(new StateReader(cp));
        PciFunction pf2 = m2.device("gpu-passthrough");
        List<VirtualFunction> vfs = pf2.sriov().virtualFunctions();
        assertThat(vfs).hasSize(3);
        VirtualFunction r2 = vfs.get(1);
        assertThat(r2.bdf()).isEqualTo(vf2.bdf());
        assertThat(m2.pci().find(r2.bdf())).isSameAs(r2);
        assertThat(r2.report()).isEqualTo(vf2.report());
        assertThat(((Number) r2.report().get("fence")).longValue()).isEqualTo(fence).isNotZero();
        assertThat(GpuPartitioningScenario.digests(vfs)).isEqualTo(GpuPartitioningScenario.digests(pf.sriov().virtualFunctions()));
        assertThat(GpuPartitioningScenario.nonZeroBytes(r2)).isPositive();
        assertThat(m2.pci().report()).as("fabric counters, the VFs' included").isEqualTo(m.pci().report());
        StateWriter w2 = new StateWriter(args);
        m2.saveState(w2);
        assertThat(w2.toBytes()).as("save -> restore -> save").isEqualTo(cp);
    }
}
