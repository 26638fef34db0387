package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.TestDevices.bdf;
import static dev.gvsim.pciefabric.TestDevices.cfgRead;
import static dev.gvsim.pciefabric.TestDevices.cfgWrite;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * Configuration space is declared: every byte a function implements (a non-zero power-on value, a
 * writable or write-one-to-clear bit) lies in a declared register, every declaration cites its
 * source, and the declarations compile into the masks the model has always had (QEMU's).
 */
class ConfigRegistersTest {
    static List<PciFunction> everyFunctionType() {
        List<PciFunction> out = new ArrayList<>();
        out.add(TestDevices.host().hostBridge());
        out.add(new RootPort(1, 0));
        out.add(new PciBridge(3));
        out.add(new PciePciBridge());
        out.add(new SwitchUpstreamPort());
        out.add(new SwitchDownstreamPort(5, 2));
        out.add(new TestDevices.Io32Bridge());
        out.add(new TestDevices.QxlLike());
        out.add(new TestDevices.VirtioGpuLike());
        out.add(new TestDevices.ExpressDevice(false));
        out.add(new TestDevices.ExpressDevice(true));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyFunctionType")
    void everyImplementedConfigByteIsDeclaredWithItsSource(PciFunction f) {
        assertThat(f.undeclaredConfigBytes()).as("implemented but undeclared offsets of %s", f).isEmpty();
        for (Register r : f.registers()) {
            assertThat(r.source()).as("%s source", r.name()).isNotBlank();
            assertThat(r.name()).isNotBlank();
            assertThat(r.fields()).as("%s fields", r.name()).isNotEmpty();
            assertThat(r.reset()).as("%s reset value = power-on image", r.name()).isEqualTo(f.configRead(r.offset(), r.width()));
        }
        // the whole 64-byte header is declared, type 0 or type 1
        for (int o = 0; o < 0x40; o++) {
            int off = o;
            assertThat(f.registers()).as("header byte 0x%02x of %s", o, f).anyMatch(r -> r.offset() <= off && off < r.end());
        }
        // each capability in the list has its header declared
        int cap = (int) f.configRead(PciFunction.CAPABILITY_LIST, 1);
        for (int n = 0; cap != 0 && n < 48; n++) {
            int at = cap;
            assertThat(f.registers()).as("capability header at 0x%02x", at).anyMatch(r -> r.offset() == at && r.name().endsWith(".HEADER"));
            cap = (int) f.configRead(cap + 1, 1);
        }
    }

    static Register reg(PciFunction f, String name) {
        return f.registers().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + " not declared"));
    }

    @Test
    void theDeclarationsAreTheMasksOfQemusConfigSpace() {
        RootPort rp = new RootPort(1, 0);
        // QEMU pci_init_wmask / pci_init_w1cmask
        assertThat(rp.regs.writeMask(PciFunction.COMMAND, 2)).isEqualTo(0x0507);
        assertThat(rp.regs.clearMask(PciFunction.STATUS, 2)).isEqualTo(0xF900);
        // QEMU pci_init_mask_bridge
        assertThat(rp.regs.writeMask(PciBridgeBase.PRIMARY_BUS, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(rp.regs.writeMask(PciBridgeBase.BRIDGE_CONTROL, 2)).isEqualTo(0x0BFF);
        assertThat(rp.regs.clearMask(PciBridgeBase.BRIDGE_CONTROL, 2)).isEqualTo(0x0400);
        assertThat(rp.regs.writeMask(PciBridgeBase.PREF_BASE_UPPER32, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(rp.regs.writeMask(PciBridgeBase.IO_BASE_UPPER16, 2)).as("16-bit I/O decode").isZero();
        // the slot and root registers (pcie_cap_slot_init, pcie_cap_root_init)
        int exp = RootPort.CAP_EXP;
        assertThat(rp.regs.writeMask(exp + PciFunction.EXP_SLTCTL, 2)).isEqualTo(0x07F9);
        assertThat(rp.regs.clearMask(exp + PciFunction.EXP_SLTSTA, 2)).isEqualTo(RootPort.SLTSTA_W1C);
        assertThat(rp.regs.writeMask(exp + PciFunction.EXP_RTCTL, 2)).isEqualTo(0x0007);
        assertThat(rp.regs.writeMask(exp + PciFunction.EXP_DEVCTL2, 2)).isEqualTo(0x0430);
        assertThat(rp.regs.writeMask(exp + PciFunction.EXP_DEVCTL, 2)).isEqualTo(0x7CFF);
        assertThat(rp.regs.clearMask(RootPort.EXT_AER + 0x04, 4)).isEqualTo(0x03FF_F030L);
        // a declared BAR: sizing bits read-only, the address writable
        TestDevices.ExpressDevice ep = new TestDevices.ExpressDevice(false);
        assertThat(ep.regs.writeMask(PciFunction.BAR0, 8)).as("16 KiB 64-bit BAR").isEqualTo(0xFFFF_FFFF_FFFF_C000L);
        assertThat(ep.regs.writeMask(PciFunction.BAR0 + 16, 4)).as("256-byte I/O BAR").isEqualTo(0xFFFF_FF00L);
        assertThat(ep.regs.writeMask(PciFunction.EXPANSION_ROM, 4)).as("64 KiB ROM").isEqualTo(0xFFFF_0001L);
        assertThat(ep.regs.writeMask(PciFunction.BAR0 + 12, 4)).as("BAR3, not implemented").isZero();
        Register devctl = reg(ep, "EXP.DEVCTL");
        assertThat(devctl.field("initiate_flr").kind()).isEqualTo(FieldKind.WO);
        assertThat(reg(ep, "PM.PMCSR").field("pme_status").kind()).isEqualTo(FieldKind.RW1C);
        assertThat(reg(ep, "BAR0").source()).contains("§6.2.5.1");
    }

    @Test
    void writesToBitsTheModelDoesNotImplementAreReportedNotFatal() {
        PciHost h = TestDevices.host();
        RootPort rp = new RootPort(1, 0);
        rp.setId("rp1");
        h.add(rp, "pcie.0", 1, 0);
        int d = bdf(0, 1, 0);
        int sltctl = RootPort.CAP_EXP + PciFunction.EXP_SLTCTL;
        cfgWrite(h, d, sltctl, 2, 0x11F1); // Linux pciehp: DLL State Changed Enable, which QEMU does not implement
        assertThat(cfgRead(h, d, sltctl, 2)).isEqualTo(0x01F1);
        cfgWrite(h, d, RootPort.CAP_EXP + PciFunction.EXP_RTCTL, 2, 0x8); // PME Interrupt Enable: not implemented
        cfgWrite(h, d, RootPort.CAP_EXP + PciFunction.EXP_RTCTL, 2, 0x8);
        cfgWrite(h, d, 0x200, 4, 0x1234); // nobody's register
        cfgWrite(h, d, PciFunction.STATUS, 2, 0xFFFF); // RW1C and RO bits: declared, not reported
        assertThat(rp.unimplementedWrites()).containsExactly("0x06c EXP.SLTCTL bits 0x1000 (1 write)", "0x070 EXP.RTCTL bits 0x0008 (2 writes)",
                "0x200/4 undeclared bits 0x00001234 (1 write)");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> fns = (Map<String, Map<String, Object>>) h.report().get("functions");
        assertThat(fns.get("00:01.0 rp1").get("unimplemented_writes")).isEqualTo(rp.unimplementedWrites());
        assertThat(fns.get("00:00.0 gpex-root")).as("nothing to report: no key").doesNotContainKey("unimplemented_writes");
    }

    @Test
    void theRecordIsPartOfTheFunctionsCheckpoint() throws Exception {
        RootPort a = new RootPort(1, 0);
        a.configWrite(RootPort.CAP_EXP + PciFunction.EXP_RTCTL, 2, 0xF);
        StateWriter w = new StateWriter("m");
        w.save(a);
        RootPort b = new RootPort(1, 0);
        new StateReader(w.toBytes()).restore(b);
        assertThat(b.unimplementedWrites()).isEqualTo(a.unimplementedWrites()).hasSize(1);
        assertThat(b.configRead(RootPort.CAP_EXP + PciFunction.EXP_RTCTL, 2)).isEqualTo(0x7);
    }
}
