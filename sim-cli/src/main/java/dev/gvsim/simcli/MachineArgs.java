package dev.gvsim.simcli;

import java.util.List;

/** Joins command-line -M/-device options into one QEMU-style machine string, or null if none. */
final class MachineArgs {
    private MachineArgs() {
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
}
