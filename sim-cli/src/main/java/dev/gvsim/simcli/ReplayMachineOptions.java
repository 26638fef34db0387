package dev.gvsim.simcli;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineFile;
import dev.gvsim.machine.replay.ReplayOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options that say what machine a trace is replayed on and how faults are taken, shared by
 * {@code replay} and {@code view} (a picocli mixin): {@code --attr}, {@code --set}, {@code --continue},
 * {@code --stage2}, {@code -M}, {@code -device} and {@code -machine-file}. {@link #replayOptions}
 * checks them and turns them into the {@link ReplayOptions} both commands start from.
 */
final class ReplayMachineOptions {
    @Option(names = "--continue", description = "Record faults and keep going (default: a fault ends that CPU's stream, as an oops would).")
    boolean continueAfterFault;

    @Option(names = "--attr", paramLabel = "PA=ATTR",
            description = "Change the attribute of every map record whose pa is PA (e.g. 0x13ffe000=device-ngnre). Repeatable.")
    List<String> attrs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Set a model parameter (see 'gvsim params'). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--stage2", paramLabel = "MODE",
            description = "Install a host stage 2 before replaying: none, kvm (KVM without FEAT_S2FWB: RAM and RAM-backed BARs Normal-WB), kvm-fwb (with FWB). "
                    + "Accesses to regions the VMM emulates (I/O space, register BARs, ECAM) then trap: the vCPU waits for them, stores included.")
    String stage2;

    @Option(names = "-M", paramLabel = "MACHINE", description = "Machine type (overrides the trace's machine record; only 'virt').")
    String machineType;

    @Option(names = "-device", paramLabel = "DEV", description = "QEMU-style device (overrides the trace's machine record). Repeatable.")
    List<String> devices = new ArrayList<>();

    @Mixin
    MachineArgs.FileOption machineFile = new MachineArgs.FileOption();

    /**
     * The replay options these give: faults, attribute overrides, the machine (-M/-device/-machine-file
     * by {@link MachineArgs#resolve}'s rule, the file's {@code set} before {@code --set}) and the stage
     * 2. IllegalArgumentException (exit 2) naming the option for a bad value, including a {@code --set}
     * the model does not declare ({@link MachineArgs#checkSets}).
     */
    ReplayOptions replayOptions() {
        ReplayOptions opts = new ReplayOptions();
        opts.continueAfterFault = continueAfterFault;
        for (String a : attrs) {
            opts.addAttrOverride(a);
        }
        MachineFile.Resolved machine = MachineArgs.resolve(machineType, devices, machineFile, sets);
        opts.paramSets.addAll(machine.sets());
        opts.machineOverride = machine.args();
        if (stage2 != null && !Machine.STAGE2_MODES.contains(stage2)) {
            throw new IllegalArgumentException("--stage2 must be one of " + Machine.STAGE2_MODES + ", got '" + stage2 + "'");
        }
        opts.stage2 = stage2;
        MachineArgs.checkSets(sets);
        return opts;
    }
}
