package dev.gvsim.simcli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim lspci -M virt -device …}: builds the machine, runs the allocator, prints the PCI tree. */
@Command(name = "lspci", mixinStandardHelpOptions = true,
        description = {"Build a machine from QEMU-style options, assign resources with the chosen policy (--set pci.allocator=linux|linux-acpi|edk2|none)",
                "and print the PCI tree with bus numbers, BARs and bridge windows, as lspci would show it in the guest."})
final class LspciCommand implements Callable<Integer> {
    @Option(names = "-M", paramLabel = "MACHINE", description = "Machine type (only 'virt', the default).")
    String machineType;

    @picocli.CommandLine.Mixin
    MachineArgs.FileOption machineFile = new MachineArgs.FileOption();

    @Option(names = "-device", paramLabel = "DEV", description = "QEMU-style device, e.g. pcie-root-port,id=rp1 or qxl,bus=rp1. Repeatable.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Set a model parameter. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--firmware", paramLabel = "POLICY",
            description = "Who enumerates and assigns resources: linux (Linux 6.1 on arm64, as with -kernel), linux-acpi (Linux 6.1 reassigning after UEFI, ACPI) or edk2 (EDK II PciBusDxe, AAVMF). Same as --set pci.allocator=POLICY.")
    String firmware;

    @Option(names = "--json", description = "The machine (a machine file: -machine-file reads it back) and, per function: bdf, ids, class, BARs, bridge bus numbers and windows (JSON).")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Config-space details (capabilities, windows, command/status).")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        MachineArgs.checkSets(sets);
        dev.gvsim.machine.MachineFile.Resolved machine = MachineArgs.resolve(machineType, devices, machineFile, sets);
        List<String> all = new ArrayList<>(machine.sets());
        if (firmware != null) {
            if (!firmware.equals("linux") && !firmware.equals("linux-acpi") && !firmware.equals("edk2")) {
                throw new IllegalArgumentException("--firmware must be linux, linux-acpi or edk2, got '" + firmware + "'");
            }
            all.add("pci.allocator=" + firmware);
        }
        Machine m = MachineBuilder.build(machine.args() == null ? "-M virt" : machine.args(), all);
        if (json) {
            spec.commandLine().getOut().print(dev.gvsim.simcore.Json.write(dev.gvsim.machine.MachineFile.lspciJson(m)));
        } else {
            spec.commandLine().getOut().print(m.pci().lspci(verbose));
        }
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
