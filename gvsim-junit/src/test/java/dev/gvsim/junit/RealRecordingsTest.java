package dev.gvsim.junit;

import static dev.gvsim.junit.GvsimAssertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.MachineFile;
import dev.gvsim.machine.scenario.QxlArm64IoremapScenario;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;
import dev.gvsim.simcore.Json;

/** The extension and assertions on gvsim's bundled real recordings, as the scenarios use them. */
@GvsimTest
class RealRecordingsTest {
    static final String DEVICE_NGNRE_ROM = "0x" + Long.toHexString(BundledTraces.QXL_ROM_PA) + "=device-ngnre";
    static final String DEVICE_NGNRE_RAM_HEADER = "0x" + Long.toHexString(BundledTraces.QXL_RAM_HEADER_PA) + "=device-ngnre";
    /** The recorded guest's VAs of the ROM and RAM-header mappings (the trace's map records), 8 KiB each. */
    static final long VA_ROM = 0xffff_8000_1800_0000L;
    static final long VA_RAM_HEADER = 0xffff_8000_1801_0000L;

    /** Independent of the model: the index of the first unaligned load or store inside the two remapped ranges. */
    static long firstUnalignedInRemappedRanges() throws Exception {
        long index = 0;
        try (TraceReader r = TraceFiles.openResource(QxlArm64IoremapScenario.REAL_TRACE)) {
            TraceRecord rec = new TraceRecord();
            while (r.next(rec)) {
                index++;
                boolean access = rec.op == Op.RD || rec.op == Op.WR;
                boolean inside = rec.va - VA_ROM >= 0 && rec.va - VA_ROM < 0x2000 || rec.va - VA_RAM_HEADER >= 0 && rec.va - VA_RAM_HEADER < 0x2000;
                if (access && inside && (rec.va & (rec.size - 1)) != 0) {
                    return index;
                }
            }
        }
        throw new AssertionError("the recording has no unaligned access in the remapped ranges");
    }

    @Test
    void theQxlIoremapMappingFaultsAtTheFirstUnalignedStoreWithTheAlignmentEsr(Gvsim gvsim) throws Exception {
        ReplayRun pre = gvsim.replay(BundledTraces.QXL_LINUX61_ARM64_WC).attr(DEVICE_NGNRE_ROM).attr(DEVICE_NGNRE_RAM_HEADER).run();
        assertThat(pre).faultsAt(firstUnalignedInRemappedRanges()).withEsr(0x96000061L).withType("alignment-fault")
                .inSymbol(QxlArm64IoremapScenario.FAULT_SYM).withFar(QxlArm64IoremapScenario.FAULT_VA).atVa(QxlArm64IoremapScenario.FAULT_VA)
                .withMemoryType("device-ngnre").and().hasFaultCount(1).outcome().startsWith("FAULT: alignment-fault").contains("ESR 0x96000061");
        assertThat(pre).firstFault().withEsr(QxlArm64IoremapScenario.FAULT_ESR).withEsr(0x96000061);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertThat(pre).firstFault().withEsr(0x96000021))
                .hasMessageContaining("to have ESR 0x96000021, but it has 0x96000061");
    }

    @Test
    void theIoremapWcFixAsRecordedRunsWithoutAFaultThroughNormalNc(Gvsim gvsim) {
        ReplayRun post = gvsim.replay(BundledTraces.QXL_LINUX61_ARM64_WC).run();
        assertThat(post).hasNoFaults().outcome().startsWith("completed");
        assertThat(post).accessesByMemoryType().containsKey("normal-nc");
        assertThat(post).unalignedByMemoryType().containsKey("normal-nc").doesNotContainKey("device-ngnre");
        assertThat(post).accessesByFunction().hasEntrySatisfying("qxl0", n -> org.assertj.core.api.Assertions.assertThat(n).isPositive());
        assertThat(post).mmuCounter("mmu.attr_mismatch").isZero();
        assertThat(post).simulatedTimePs().isPositive();
    }

    static Stream<Arguments> topologies() {
        return QxlUefiBehindBridgeScenario.TOPOLOGIES.stream().map(t -> Arguments.of(t.name(), t.devices(), t.expectConsole()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topologies")
    void uefiBehindBridgesBootsWithAGopExactlyWhereTheScenarioSays(String name, String devices, boolean console, Gvsim gvsim) {
        BootRun boot = gvsim.bootEdk2(devices);
        if (console) {
            assertThat(boot).hasGop().withGopDriver("QemuVideoDxe");
        } else {
            assertThat(boot).hasNoGop().failure().contains("EFI_DEVICE_ERROR", "BochsID mismatch");
            assertThat(boot).diagnosis().isNotEmpty();
        }
    }

    @Test
    void aMachineFileBootsAsItsOptionsDo(Gvsim gvsim, @TempDir Path dir) throws Exception {
        String failing = QxlUefiBehindBridgeScenario.TOPOLOGIES.get(2).devices();
        Path f = dir.resolve("two-ports.json");
        Files.writeString(f, Json.write(MachineFile.lspciJson(MachineBuilder.build("-M virt " + failing, List.of()))));
        BootRun viaFile = gvsim.bootEdk2(f);
        BootRun viaOptions = gvsim.bootEdk2(failing);
        assertThat(viaFile).hasNoGop();
        org.assertj.core.api.Assertions.assertThat(viaFile.outcome().toMap()).isEqualTo(viaOptions.outcome().toMap());
        // the file's root ports plus qxl-vga given as options: a file and options together, the CLI's rule
        Path ports = dir.resolve("ports.json");
        Files.writeString(ports, Json.write(MachineFile.lspciJson(MachineBuilder.build("-M virt -device pcie-root-port,id=rp1,chassis=1,slot=0", List.of()))));
        assertThat(gvsim.boot().machineFile(ports).machine("-device qxl-vga,bus=rp1").run()).hasGop();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gvsim.boot().machineFile(ports).machine("-M virt -device qxl-vga").run())
                .hasMessageContaining("both give the machine type");
    }

    @Test
    void aReplayTakesAMachineFileInPlaceOfTheTracesMachine(Gvsim gvsim, @TempDir Path dir) throws Exception {
        String trace = Gvsim.CLASSPATH + "/dev/gvsim/guesttraces/traces/regress/qxl-destroyed-primary.gvt.txt";
        ReplayRun asRecorded = gvsim.replay(trace).run();
        Path f = dir.resolve("recorded.json");
        Files.writeString(f, Json.write(MachineFile.lspciJson(MachineBuilder.build(asRecorded.result().machine, List.of()))));
        ReplayRun viaFile = gvsim.replay(trace).machineFile(f).run();
        org.assertj.core.api.Assertions.assertThat(Json.write(viaFile.json())).isEqualTo(Json.write(asRecorded.json()));
        // a parameter in the file holds, a set() given with it wins
        Path slow = dir.resolve("slow.json");
        Files.writeString(slow, "{\"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"qxl\"}], \"set\": {\"qxl.io_latency\": \"30us\"}}}");
        ReplayRun slower = gvsim.replay(trace).machineFile(slow).run();
        ReplayRun faster = gvsim.replay(trace).machineFile(slow).set("qxl.io_latency=1us").run();
        org.assertj.core.api.Assertions.assertThat(slower.result().paramOverrides).containsEntry("qxl.io_latency", "30us");
        org.assertj.core.api.Assertions.assertThat(faster.result().paramOverrides).containsEntry("qxl.io_latency", "1us");
        org.assertj.core.api.Assertions.assertThat(slower.machine().params().overrides()).containsEntry("qxl.io_latency", "30us");
        org.assertj.core.api.Assertions.assertThat(faster.machine().params().overrides()).containsEntry("qxl.io_latency", "1us");
    }

    @Test
    void badInputIsAnErrorNamingTheFile(Gvsim gvsim, @TempDir Path dir) throws Exception {
        Path t = dir.resolve("bad.gvt.txt");
        Files.writeString(t, "not a trace\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gvsim.replay(t).run()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(t.toString());
        Path m = dir.resolve("m.json");
        Files.writeString(m, "{\"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"nosuchdev\"}]}}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gvsim.bootEdk2(m)).hasMessageContaining("machine file " + m + ": key 'machine.devices[0]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gvsim.replay(t).stage2("sometimes")).hasMessageContaining("kvm-fwb");
    }
}
