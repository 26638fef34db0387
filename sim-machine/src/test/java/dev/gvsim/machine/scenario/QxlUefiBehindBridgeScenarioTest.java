package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.edk2.Edk2Firmware.Fix;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.pciefabric.PciBridgeBase;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario.Run;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario.Topology;

/** The UEFI-behind-a-bridge reproduction: key rows of the topology table, the failing access, the fixes. */
class QxlUefiBehindBridgeScenarioTest {
    @TempDir
    Path dir;

    static Topology row(String name) {
        return QxlUefiBehindBridgeScenario.TOPOLOGIES.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void rootBusBootsAConsoleThroughTheBochsPorts() throws Exception {
        Run r = QxlUefiBehindBridgeScenario.boot("-device qxl-vga", Set.of(), null);
        assertThat(r.outcome.consoleUp).as(r.outcome.summary()).isTrue();
        assertThat(r.outcome.status).isEqualTo("EFI_SUCCESS");
        assertThat(r.outcome.width).isEqualTo(1024);
        assertThat(r.outcome.height).isEqualTo(768);
        assertThat(r.outcome.framebuffer).as("GOP framebuffer = BAR0 (edk2 put BAR1 below it, as in uefi_qxl_root)").isEqualTo(0x1400_0000L);
        assertThat(r.deviceShowsConsole).as(r.deviceState).isTrue();
    }

    @Test
    void behindTheFirstOfTwoRootPortsTheBochsIdReadsAllOnes() throws Exception {
        Run r = QxlUefiBehindBridgeScenario.boot(row("qxl-vga behind rp1, empty rp2 after it").devices(), Set.of(), null);
        assertThat(r.outcome.consoleUp).isFalse();
        assertThat(r.outcome.status).isEqualTo("EFI_DEVICE_ERROR");
        assertThat(r.outcome.reason).contains("BochsID mismatch (got 0xffff)");
        assertThat(r.outcome.failedPort).isEqualTo(0x1D0);
        assertThat(r.outcome.failedValue).isEqualTo(0xFFFF);
        // edk2 placement: the later-discovered rp2 got port 0, rp1 the next 4 KiB
        PciBridgeBase rp1 = (PciBridgeBase) r.machine.pci().byId("rp1");
        PciBridgeBase rp2 = (PciBridgeBase) r.machine.pci().byId("rp2");
        assertThat(rp1.ioBase()).isEqualTo(0x1000);
        assertThat(rp2.ioBase()).isZero();
        // the GOP's attribute request set VGA Enable on rp1: it forwards 0x3c0, not the DISPI ports
        assertThat(rp1.bridgeControl() & PciBridgeBase.BRIDGE_CTL_VGA).isNotZero();
        assertThat(String.join("\n", r.outcome.diagnosis))
                .contains("00:01.0 on the path does not pass 0x1d0: I/O window 0x1000-0x1fff does not contain it")
                .contains("VGA Enable set")
                .contains("0x1d0 falls in 00:02.0's I/O window 0x0000-0x0fff");
        // QEMU routing: the hole in rp2's window falls through; nobody on pcie.0 decodes 0x1d0: a master abort, all ones
        assertThat((Long) r.machine.pci().report().get("master_aborts_io")).isGreaterThan(0);
        assertThat(r.deviceShowsConsole).isFalse();
    }

    @Test
    void keyTopologyRows() throws Exception {
        Map<String, Boolean> expect = Map.of(
                "qxl-vga behind the only root port", true,
                "qxl-vga behind rp2, empty rp1 before it", true,
                "qxl-vga behind rp1 of 4 root ports", false,
                "qxl-vga behind rp4 of 4 root ports (the last)", true,
                "qxl-vga on pcie.0 next to an empty root port", true,
                "qxl-vga behind rp1 next to a secondary qxl behind rp2", false,
                "qxl-vga behind pcie-pci-bridge behind rp1, empty rp2", false);
        for (Map.Entry<String, Boolean> e : expect.entrySet()) {
            Run r = QxlUefiBehindBridgeScenario.boot(row(e.getKey()).devices(), Set.of(), null);
            assertThat(r.outcome.consoleUp).as(e.getKey() + ": " + r.outcome.summary()).isEqualTo(e.getValue());
            assertThat(r.deviceShowsConsole).as(e.getKey() + " device side").isEqualTo(e.getValue());
            if (!e.getValue()) {
                assertThat(r.outcome.failedValue).as(e.getKey()).isEqualTo(0xFFFF);
            }
        }
    }

    @Test
    void bothFixesBootTheFailingRowsAndMmioDispiDoesNotExistOnQxl() throws Exception {
        for (Topology t : QxlUefiBehindBridgeScenario.TOPOLOGIES) {
            if (t.expectConsole()) {
                continue;
            }
            for (Fix f : List.of(Fix.VGA_IO_WINDOW, Fix.GOP_QXL_NATIVE)) {
                Run r = QxlUefiBehindBridgeScenario.boot(t.devices(), EnumSet.of(f), null);
                assertThat(r.outcome.consoleUp).as(t.name() + " + " + f.option + ": " + r.outcome.summary()).isTrue();
                assertThat(r.deviceShowsConsole).as(t.name() + " + " + f.option + " device: " + r.deviceState).isTrue();
            }
        }
        Run mmio = QxlUefiBehindBridgeScenario.boot("-device qxl-vga", EnumSet.of(Fix.GOP_BOCHS_MMIO), null);
        assertThat(mmio.outcome.consoleUp).isFalse();
        assertThat(mmio.outcome.reason).contains("BochsID mismatch");
    }

    @Test
    void vgaIoWindowFixMovesThePathWindowToPortZero() throws Exception {
        Run r = QxlUefiBehindBridgeScenario.boot(row("qxl-vga behind rp1, empty rp2 after it").devices(), EnumSet.of(Fix.VGA_IO_WINDOW), null);
        PciBridgeBase rp1 = (PciBridgeBase) r.machine.pci().byId("rp1");
        PciBridgeBase rp2 = (PciBridgeBase) r.machine.pci().byId("rp2");
        assertThat(rp1.ioBase()).isZero();
        assertThat(rp2.ioBase()).isEqualTo(0x1000);
        assertThat(r.outcome.consoleUp).isTrue();
        // on pcie.0 next to a root port with PCIe hardware routing: the stock boot fails (the window claims 0x1d0, UR),
        // the fix moves the bridge window off the legacy ports
        String rootAndRp = row("qxl-vga on pcie.0 next to an empty root port").devices();
        Run hw = QxlUefiBehindBridgeScenario.boot(rootAndRp, Set.of(), null, null, QxlUefiBehindBridgeScenario.PARAMS_PCIE_UR);
        assertThat(hw.outcome.consoleUp).isFalse();
        assertThat(hw.outcome.failedValue).isEqualTo(0xFFFF);
        assertThat((Long) hw.machine.pci().report().get("unsupported_requests_io")).isGreaterThan(0);
        Run p = QxlUefiBehindBridgeScenario.boot(rootAndRp, EnumSet.of(Fix.VGA_IO_WINDOW), null, null, QxlUefiBehindBridgeScenario.PARAMS_PCIE_UR);
        assertThat(((PciBridgeBase) p.machine.pci().byId("rp1")).ioBase()).isEqualTo(0x1000);
        assertThat(p.outcome.consoleUp).as(p.outcome.summary()).isTrue();
    }

    @Test
    void isaEnableBlocksThePortsInsideTheWindow() throws Exception {
        String single = row("qxl-vga behind the only root port").devices();
        Run r = QxlUefiBehindBridgeScenario.boot(single, Set.of(), null, QxlUefiBehindBridgeScenario::setIsaEnableOnRp1,
                QxlUefiBehindBridgeScenario.PARAMS_ISA_SPEC);
        assertThat(r.outcome.consoleUp).isFalse();
        assertThat(r.outcome.failedValue).isEqualTo(0xFFFF);
        assertThat(String.join("\n", r.outcome.diagnosis)).contains("contains it but ISA Enable blocks");
        Run fixed = QxlUefiBehindBridgeScenario.boot(single, EnumSet.of(Fix.VGA_IO_WINDOW), null, QxlUefiBehindBridgeScenario::setIsaEnableOnRp1,
                QxlUefiBehindBridgeScenario.PARAMS_ISA_SPEC);
        Run qemu = QxlUefiBehindBridgeScenario.boot(single, Set.of(), null, QxlUefiBehindBridgeScenario::setIsaEnableOnRp1);
        assertThat(qemu.outcome.consoleUp).as("QEMU's bridge ignores ISA Enable: " + qemu.outcome.summary()).isTrue();
        assertThat(fixed.outcome.consoleUp).as(fixed.outcome.summary()).isTrue();
        assertThat(((PciBridgeBase) fixed.machine.pci().byId("rp1")).bridgeControl() & PciBridgeBase.BRIDGE_CTL_ISA).isZero();
    }

    @Test
    void secondaryQxlGetsNoVgaAttributesButTheNativeGopWorks() throws Exception {
        Run r = QxlUefiBehindBridgeScenario.boot("-device qxl", Set.of(), null);
        assertThat(r.outcome.status).isEqualTo("EFI_UNSUPPORTED");
        assertThat(r.outcome.reason).contains("Attributes(Enable");
        Run n = QxlUefiBehindBridgeScenario.boot("-device qxl", EnumSet.of(Fix.GOP_QXL_NATIVE), null);
        assertThat(n.outcome.consoleUp).as(n.outcome.summary()).isTrue();
        assertThat(n.deviceShowsConsole).isTrue();
    }

    @Test
    void recordedFirmwareTraceReplaysToTheSameAnswers() throws Exception {
        Path f = dir.resolve("edk2-bad.gvt.txt");
        Run r = QxlUefiBehindBridgeScenario.boot(row("qxl-vga behind rp1, empty rp2 after it").devices(), Set.of(), f);
        long ioReads = 0;
        try (TraceReader rd = TraceFiles.open(f)) {
            TraceRecord rec = new TraceRecord();
            while (rd.next(rec)) {
                if (rec.op == dev.gvsim.guesttraces.format.Op.IORD && rec.port == 0x1D0) {
                    ioReads++;
                    assertThat(rec.expect).isEqualTo(0xFFFF);
                }
            }
        }
        assertThat(ioReads).isEqualTo(1);
        ReplayOptions o = new ReplayOptions();
        o.paramSets.addAll(QxlUefiBehindBridgeScenario.PARAMS);
        try (TraceReader rd = TraceFiles.open(f)) {
            ReplayResult rr = new Replayer(o, "edk2-bad").run(rd);
            assertThat(rr.mismatchCount).as("replay of the recording answers as recorded").isZero();
        }
        assertThat(r.replay.records).isGreaterThan(100);
    }

    @Test
    void scenarioPasses() throws Exception {
        ScenarioResult res = new QxlUefiBehindBridgeScenario().run();
        assertThat(res.pass()).as(res.observedSummary()).isTrue();
    }
}
