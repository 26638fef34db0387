package dev.gvsim.junit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.gvsim.machine.MachineFile;

/**
 * The machine of a run as a test gives it: QEMU-style options ({@code -device qxl-vga,bus=rp1}, with
 * or without {@code -M virt}) and/or a machine file (docs/machine-files.md), by the CLI's rule: the
 * file's devices first, then the options' devices; the file's {@code set} before the run's own
 * {@code set}s. Null when neither was given (a replay then uses the trace's machine record).
 */
final class Machines {
    private Machines() {
    }

    record Resolved(String args, List<String> sets) {
    }

    static Resolved resolve(String options, Path machineFile, List<String> sets) {
        if (machineFile == null) {
            return new Resolved(options == null ? null : withType(options), new ArrayList<>(sets));
        }
        MachineFile.Spec spec = MachineFile.read(machineFile);
        if (options != null) {
            dev.gvsim.pciefabric.DeviceOptions extra = dev.gvsim.pciefabric.DeviceOptions.parse(options);
            if (options.contains("-M") || options.contains("-machine")) {
                throw new IllegalArgumentException("machine options '" + options + "' and machine file " + machineFile
                        + " both give the machine type: give it in one place (the file's machine.type)");
            }
            List<String> devs = new ArrayList<>();
            for (var d : extra.devices()) {
                devs.add(MachineFile.qemuOpts(d.driver(), d.props()));
            }
            spec = spec.plusDevices(devs);
        }
        List<String> all = new ArrayList<>(spec.sets());
        all.addAll(sets);
        return new Resolved(spec.args(), all);
    }

    /** {@code -M virt} in front of options that name no machine type. */
    static String withType(String options) {
        String t = options.strip();
        return t.startsWith("-M ") || t.startsWith("-machine ") || t.contains(" -M ") || t.contains(" -machine ") ? t : ("-M virt " + t).strip();
    }
}
