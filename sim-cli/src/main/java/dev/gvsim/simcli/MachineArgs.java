package dev.gvsim.simcli;

import java.util.List;

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
}
