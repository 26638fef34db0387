package dev.gvsim.gpupassthroughmodel;

import static dev.gvsim.gpupassthroughmodel.layout.GpuRegs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.gvsim.gpupassthroughmodel.GpuPassthroughDevice.HostS2;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.SimTime;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** The passthrough GPU function alone: configuration space from the profile, stage-2 policy, registers, resets, checkpoints. */
class GpuPassthroughDeviceTest {
    final EventKernel clock = new EventKernel();

    GpuPassthroughDevice dev(String profile, HostS2 s2) {
        return new GpuPassthroughDevice(GpuPassthroughDevice.GPU, GpuProfiles.get(profile), s2, clock, new Stats(), "gpu");
    }

    static long reg(GpuPassthroughDevice d, Bar b, long off, int size) {
        Access a = new Access().read(off, size);
        d.barAccess(b, off, a);
        return a.data;
    }

    static void wreg(GpuPassthroughDevice d, Bar b, long off, int size, long v) {
        d.barAccess(b, off, new Access().write(off, size, v));
    }

    static Bar barOf(PciFunction f, String role) {
        for (int i = 0; i < 6; i++) {
            if (f.bar(i) != null && f.bar(i).name.equals(role)) {
                return f.bar(i);
            }
        }
        throw new AssertionError(role);
    }

    @Test
    void configurationSpaceIsTheProfilesWithCapabilitiesInItsOrder() {
        GpuPassthroughDevice amd = dev("amd-rx580", HostS2.NORMAL_NC);
        assertThat(amd.configRead(PciFunction.VENDOR_ID, 4)).isEqualTo(0x67df1002L);
        assertThat(amd.configRead(PciFunction.CLASS_PROG, 1) | amd.configRead(0x0A, 2) << 8).isEqualTo(0x030000L);
        assertThat(amd.configRead(PciFunction.HEADER_TYPE, 1)).isEqualTo(0x80L); // multi-function: the audio function at .1
        // the list from 0x34: PM 0x50, PCIe 0x58, MSI 0xa0
        int p = (int) amd.configRead(PciFunction.CAPABILITY_LIST, 1);
        StringBuilder order = new StringBuilder();
        for (int n = 0; p != 0 && n < 8; n++) {
            order.append(String.format("%02x@%02x ", amd.configRead(p, 1), p));
            p = (int) amd.configRead(p + 1, 1);
        }
        assertThat(order.toString().trim()).isEqualTo("01@50 10@58 05@a0");
        assertThat(amd.configRead(0x58 + PciFunction.EXP_DEVCAP, 4) & PciFunction.DEVCAP_FLR).isZero();
        GpuPassthroughDevice t4 = dev("nvidia-t4", HostS2.NORMAL_NC);
        // the T4 is not FLR capable (DevCap FLReset- in an lspci -vv dump) and sets No_Soft_Reset (NoSoftRst+)
        assertThat(t4.configRead(0x78 + PciFunction.EXP_DEVCAP, 4) & PciFunction.DEVCAP_FLR).isZero();
        assertThat(t4.configRead(0x60 + PciFunction.PM_PMCSR, 2) & PciFunction.PMCSR_NO_SOFT_RESET).isNotZero();
        assertThat(t4.configRead(0xc8 + 2, 2) & 0x7FF).isEqualTo(5L); // MSI-X table size 6
        assertThat(t4.configRead(PciFunction.SUBSYSTEM_ID, 2)).isEqualTo(0x12a2L);
        GpuPassthroughDevice mtt = dev("mtt-s80", HostS2.NORMAL_NC);
        assertThat(mtt.configRead(0x40 + PciFunction.PM_PMCSR, 2) & PciFunction.PMCSR_NO_SOFT_RESET).isNotZero();
        assertThat(mtt.configRead(0x70 + PciFunction.EXP_DEVCAP, 4) & PciFunction.DEVCAP_FLR).isNotZero();
        assertThat(amd.undeclaredConfigBytes()).isEmpty();
        assertThat(t4.undeclaredConfigBytes()).isEmpty();
    }

    @Test
    void stage2TypePerBarFollowsThePolicy() {
        for (HostS2 s2 : HostS2.values()) {
            GpuPassthroughDevice amd = dev("amd-rx580", s2);
            String regs = amd.stage2MemoryType(barOf(amd, "registers"));
            String vram = amd.stage2MemoryType(barOf(amd, "vram"));
            String db = amd.stage2MemoryType(barOf(amd, "doorbell"));
            switch (s2) {
                case DEVICE -> assertThat(new String[] {regs, vram, db}).containsOnly("device-ngnre");
                case NORMAL_NC -> assertThat(new String[] {regs, vram, db}).containsOnly("normal-nc");
                case ADAPTIVE -> {
                    assertThat(regs).isEqualTo("device-ngnre");
                    assertThat(vram).isEqualTo("normal-nc");
                    assertThat(db).isEqualTo("normal-nc"); // prefetchable
                }
            }
            assertThat(amd.stage2MemoryType(barOf(amd, "io"))).isNull();
        }
    }

    @Test
    void firmwareLoadsInTheProfilesTimeAndAResetTheQuirkIgnoresLeavesItRunning() {
        GpuPassthroughDevice amd = dev("amd-rx580", HostS2.NORMAL_NC);
        amd.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        Bar regs = barOf(amd, "registers");
        assertThat(reg(amd, regs, ID, 4)).isEqualTo(0x67df1002L);
        wreg(amd, regs, FW_LOAD, 4, FW_LOAD_KEY);
        assertThat(reg(amd, regs, FW_STATE, 4)).isEqualTo(FW_LOADING);
        clock.runUntil(SimTime.ms(50)); // firmware_init_time unknown in the profile: the 50 ms default
        assertThat(reg(amd, regs, FW_STATE, 4)).isEqualTo(FW_RUNNING);
        wreg(amd, barOf(amd, "vram"), 0x100, 8, 0x1122334455667788L);
        amd.reset(PciFunction.ResetKind.SECONDARY_BUS);
        amd.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        assertThat(reg(amd, regs, FW_STATE, 4)).as("the reset bug").isEqualTo(FW_RUNNING);
        assertThat(reg(amd, barOf(amd, "vram"), 0x100, 8)).as("stale VRAM").isEqualTo(0x1122334455667788L);
        wreg(amd, regs, VENDOR_RESET, 4, VENDOR_RESET_KEY);
        assertThat(reg(amd, regs, FW_STATE, 4)).isEqualTo(FW_POST);
        assertThat(reg(amd, barOf(amd, "vram"), 0x100, 8)).isZero();
        assertThat(amd.readyAtPs()).isEqualTo(SimTime.ms(50) + SimTime.ms(100));

        // the FLR-capable card of the bundled profiles is mtt-s80 (its FLR is an assumption of that profile)
        GpuPassthroughDevice mtt = dev("mtt-s80", HostS2.NORMAL_NC);
        mtt.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        Bar mregs = barOf(mtt, "registers");
        wreg(mtt, mregs, 0x100000, 4, 0xfee00000L); // MSI-X entry 0 address
        wreg(mtt, mregs, FW_LOAD, 4, FW_LOAD_KEY);
        mtt.configWrite(0x70 + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        mtt.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        assertThat(reg(mtt, mregs, FW_STATE, 4)).isEqualTo(FW_POST);
        assertThat(reg(mtt, mregs, 0x100000, 4)).as("MSI-X table cleared by FLR").isZero();
        wreg(mtt, mregs, VENDOR_RESET, 4, VENDOR_RESET_KEY); // no vendor reset on this card: refused, counted
        assertThat(mtt.report().get("refused_commands")).isEqualTo(1L);
    }

    @Test
    void hostileRegisterAccessesNeverThrowAndLeaveTheIdentity() {
        GpuPassthroughDevice t4 = dev("nvidia-t4", HostS2.DEVICE);
        Random rnd = new Random(25);
        int[] sizes = {1, 2, 4, 8};
        for (int i = 0; i < 20000; i++) {
            int bi = rnd.nextInt(6);
            Bar b = t4.bar(bi);
            if (b == null) {
                t4.configWrite(rnd.nextInt(0x40, 0x100) & ~3, 4, rnd.nextInt());
                continue;
            }
            int size = sizes[rnd.nextInt(4)];
            long off = rnd.nextBoolean() ? rnd.nextInt(0x40) & ~(size - 1) : (rnd.nextLong(b.size) & ~(size - 1));
            off = Math.min(off, b.size - size);
            Access a = rnd.nextBoolean() ? new Access().read(off, size) : new Access().write(off, size, rnd.nextLong());
            t4.barAccess(b, off, a);
        }
        assertThat(t4.configRead(PciFunction.VENDOR_ID, 4)).isEqualTo(0x1eb810deL);
        assertThat(reg(t4, barOf(t4, "registers"), ID, 4)).isEqualTo(0x1eb810deL);
        assertThat((Long) t4.report().get("unmodelled_register_accesses")).isPositive();
    }

    @Test
    void checkpointRoundTripsTheCardState() throws Exception {
        GpuPassthroughDevice a = dev("amd-rx580", HostS2.ADAPTIVE);
        a.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        wreg(a, barOf(a, "registers"), FW_LOAD, 4, FW_LOAD_KEY);
        wreg(a, barOf(a, "registers"), SCRATCH, 4, 0x5a5a);
        a.reset(PciFunction.ResetKind.FLR);
        StateWriter w = new StateWriter("m");
        w.begin("pci.x");
        a.saveState(w);
        w.end();
        GpuPassthroughDevice b = dev("amd-rx580", HostS2.ADAPTIVE);
        StateReader r = new StateReader(w.toBytes());
        r.open("pci.x");
        b.restoreState(r);
        assertThat(b.report()).isEqualTo(a.report());
        GpuPassthroughDevice other = dev("nvidia-t4", HostS2.ADAPTIVE);
        StateReader r2 = new StateReader(w.toBytes());
        r2.open("pci.x");
        long id = other.configRead(PciFunction.VENDOR_ID, 4);
        assertThatThrownBy(() -> other.restoreState(r2)).hasMessageEndingWith("holds profile amd-rx580, this machine has nvidia-t4");
        assertThat(other.configRead(PciFunction.VENDOR_ID, 4)).as("a refused restore changes nothing").isEqualTo(id);
    }

    @Test
    void anAudioFunctionNeedsAProfileWithOne() {
        assertThatThrownBy(() -> new GpuPassthroughDevice(GpuPassthroughDevice.AUDIO, GpuProfiles.get("nvidia-t4"), HostS2.DEVICE, clock, new Stats(), "a"))
                .hasMessage("profile 'nvidia-t4' has no audio function (gpu-passthrough-audio needs one)");
    }
}
