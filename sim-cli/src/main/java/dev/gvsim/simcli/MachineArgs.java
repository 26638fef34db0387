package dev.gvsim.simcli;

import java.nio.file.Path;
import java.util.List;

import dev.gvsim.machine.MachineFile;
import picocli.CommandLine.Option;

/** Joins command-line -M/-device options into one QEMU-style machine string, or null if none. */
final class MachineArgs {
    private MachineArgs() {
    }

    /**
     * Checks every {@code --set NAME=VALUE} against the declared parameters before anything runs, so
     * that a bad one is reported as the command-line option it is (not as the trace record at which
     * the machine happened to be built). IllegalArgumentException (exit 2) naming the option.
     */
    static void checkSets(List<String> sets) {
        dev.gvsim.simcore.Params p = dev.gvsim.machine.MachineBuilder.declaredParams();
        for (String s : sets) {
            try {
                p.set(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--set " + s + ": " + e.getMessage(), e);
            }
        }
    }

    static String join(String machineType, List<String> devices) {
        if (machineType == null && (devices == null || devices.isEmpty())) {
            return null;
        }
        StringBuilder sb = new StringBuilder("-M ").append(machineType == null ? "virt" : machineType);
        if (devices != null) {
            for (String d : devices) {
                sb.append(" -device ").append(d);
            }
        }
        return sb.toString();
    }

    /**
     * {@code -machine-file FILE}, shared by every command that takes {@code -device} (a picocli mixin).
     * The rule (docs/machine-files.md): the file gives the machine type, its devices and parameters;
     * {@code -device} options given with it are added after the file's devices (as QEMU adds
     * {@code -device} after {@code -readconfig}); {@code --set} values come after the file's {@code set}
     * (the command line wins); {@code -M} with it is an error (the type is given in one place).
     */
    static final class FileOption {
        @Option(names = "-machine-file", paramLabel = "FILE",
                description = "The machine from a machine file (JSON, the shape 'gvsim lspci --json' prints; docs/machine-files.md). "
                        + "-device options are added after its devices, --set values after its 'set' (they win); not with -M.")
        Path file;
    }

    /** Resolves -M/-device/-machine-file by the rule of {@link FileOption} ({@link MachineFile#resolve}); IllegalArgumentException (exit 2). */
    static MachineFile.Resolved resolve(String machineType, List<String> devices, FileOption file, List<String> sets) {
        return MachineFile.resolve(machineType, devices, file == null ? null : file.file, sets);
    }
}
