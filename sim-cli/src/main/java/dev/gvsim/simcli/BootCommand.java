package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.edk2.Edk2Firmware.Fix;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim boot --firmware edk2 [--fix NAME]…}: runs the EDK II firmware model on a machine and reports the console outcome. */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = {"Boot the firmware model (EDK II PciBusDxe + a QemuVideoDxe-style GOP, as on ArmVirtQemu) on a machine",
                "and report: console up or no GOP, the resource assignment, and the failing access if any.",
                "Exit 0: console up; 1: no GOP; 2: bad input."})
final class BootCommand implements Callable<Integer> {
    @Option(names = "-M", paramLabel = "MACHINE", description = "Machine type (only 'virt', the default).")
    String machineType;

    @picocli.CommandLine.Mixin
    MachineArgs.FileOption machineFile = new MachineArgs.FileOption();

    @Option(names = "-device", paramLabel = "DEV", description = "QEMU-style device, repeatable (e.g. pcie-root-port,id=rp1,chassis=1 -device qxl-vga,bus=rp1).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--firmware", defaultValue = "edk2", description = "Firmware model: edk2 (the only one). Default ${DEFAULT-VALUE}.")
    String firmware;

    @Option(names = "--fix", paramLabel = "NAME", description = "Apply a candidate fix, repeatable: edk2-vga-io-window, gop-qxl-native, gop-bochs-mmio.")
    List<String> fixes = new ArrayList<>();

    @Option(names = "--routing", defaultValue = "qemu",
            description = "How an I/O access that falls in a bridge window's hole is treated: qemu (falls through to the bus's other decoders, as QEMU's memory API does) or pcie (the bridge completes it as an Unsupported Request). Default ${DEFAULT-VALUE}.")
    String routing;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Set a model parameter. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Record the firmware's trace to FILE.")
    Path output;

    @Option(names = "--json", description = "Print the outcome as JSON.")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write a self-contained HTML report (outcome, why, PCI tree after the firmware's assignment, parameters, firmware log).")
    Path report;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!"edk2".equals(firmware)) {
            throw new IllegalArgumentException("--firmware must be edk2 (the only firmware model), got '" + firmware + "'");
        }
        if (machineType != null && !"virt".equals(machineType)) {
            throw new IllegalArgumentException("machine '" + machineType + "' is not modelled (only -M virt)");
        }
        dev.gvsim.simcli.util.Files2.output("-o", output);
        dev.gvsim.simcli.util.Files2.output("--report", report, output);
        MachineArgs.checkSets(sets);
        List<String> params = new ArrayList<>(switch (routing) {
            case "qemu" -> QxlUefiBehindBridgeScenario.PARAMS;
            case "pcie" -> QxlUefiBehindBridgeScenario.PARAMS_PCIE_UR;
            default -> throw new IllegalArgumentException("--routing must be qemu or pcie, got '" + routing + "'");
        });
        dev.gvsim.machine.MachineFile.Resolved machine = MachineArgs.resolve(machineType, devices, machineFile, sets);
        params.addAll(machine.sets());
        Set<Fix> fx = EnumSet.noneOf(Fix.class);
        for (String f : fixes) {
            fx.add(Fix.byName(f));
        }
        String topology = machine.spec() != null ? machine.spec().deviceArgs()
                : String.join(" ", devices.stream().map(d -> "-device " + d).toList());
        QxlUefiBehindBridgeScenario.Run r = QxlUefiBehindBridgeScenario.boot(topology, fx, output, null, params);
        PrintWriter out = spec.commandLine().getOut();
        if (json || report != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("machine", r.machine.args());
            m.put("firmware", firmware);
            m.put("fixes", fixes);
            m.put("routing", routing);
            m.put("outcome", r.outcome.toMap());
            m.put("assigned", r.machine.pci().allocationLog());
            m.put("failures", r.machine.pci().allocationFailures());
            m.put("functions", r.machine.pci().describe());
            m.put("deviceShowsConsole", r.deviceShowsConsole);
            m.put("sets", sets);
            if (report != null) {
                dev.gvsim.simcli.util.Files2.writeAtomically(report,
                        dev.gvsim.machine.report.BootReport.html(ReportCommand.normalized(m), r.machine.pci().lspci(false)));
            }
            if (json) {
                out.print(Json.write(m));
            }
        }
        if (!json) {
            out.println(r.outcome.summary());
            for (String d : r.outcome.diagnosis) {
                out.println("  why: " + d);
            }
            for (String l : r.machine.pci().allocationLog()) {
                out.println("  " + l);
            }
            for (String l : r.machine.pci().allocationFailures()) {
                out.println("  FAILED " + l);
            }
            if (output != null) {
                out.println("trace written to " + output);
            }
        }
        out.flush();
        return r.outcome.consoleUp ? Main.EXIT_OK : Main.EXIT_MISBEHAVED;
    }
}
