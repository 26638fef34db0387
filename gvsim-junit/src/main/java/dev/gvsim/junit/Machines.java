package dev.gvsim.junit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.gvsim.machine.MachineFile;
import dev.gvsim.pciefabric.DeviceOptions;

/**
 * The machine of a run as a test gives it: QEMU-style options ({@code -device qxl-vga,bus=rp1}, with
 * or without {@code -M virt}) and/or a machine file (docs/machine-files.md), by the CLI's rule
 * ({@link MachineFile#resolve}). Null args when neither was given (a replay then uses the trace's machine record).
 */
final class Machines {
    private Machines() {
    }

    static MachineFile.Resolved resolve(String options, Path machineFile, List<String> sets) {
        String type = null;
        List<String> devices = new ArrayList<>();
        if (options != null) {
            DeviceOptions o = DeviceOptions.parse(options);
            String t = " " + options.strip() + " ";
            if (t.contains(" -M ") || t.contains(" -machine ") || t.contains(" --machine ")) {
                type = MachineFile.qemuOpts(o.machine(), o.machineProps());
            }
            for (DeviceOptions.DeviceSpec d : o.devices()) {
                devices.add(MachineFile.qemuOpts(d.driver(), d.props()));
            }
            if (type == null && machineFile == null) {
                type = "virt";
            }
        }
        return MachineFile.resolve(type, devices, machineFile, sets);
    }
}
