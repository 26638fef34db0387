package dev.gvsim.machine.qos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * A multi-VM machine description: several guests, each its own {@code -device virtio-gpu-pci} (its
 * own machine, guest and trace), sharing one host GPU:
 *
 * <pre>
 * -device virtio-gpu-pci,vm=desk,workload=interactive,fps=60 -device virtio-gpu-pci,vm=bench,workload=heavy,weight=2,cap=50,xres=1920,yres=1080
 * </pre>
 *
 * The host-scheduler options are taken off each {@code -device} (they are the vGPU manager's
 * settings, not the device's): {@code vm=NAME} (required, unique), {@code workload=} interactive
 * (default), heavy or bursty, {@code weight=} 1-65535 (default 1), {@code cap=} 0-100 % (0 =
 * uncapped, as Xen's credit scheduler), {@code fps=} 0-1000 (the frame-rate target of an interactive
 * VM, default 60; for the others NVIDIA's frame-rate limiter, default 0 = none), {@code batches=}
 * 1-64 command batches per frame (default 1) and {@code frame_cost=} a duration (default: derived
 * from the VM's virtio-gpu command stream, {@link CommandStreamCost}); {@code trace=FILE} (a QEMU log
 * of a virtio-gpu guest) makes the VM's work its trace's, replayed on its own machine
 * ({@link TraceWork}; workload {@code recorded} by default, {@code speedup=} the replayed guest's pace
 * against the recording's, default 1). Everything else is the
 * device's own and is checked by building the VM's machine ({@link MachineBuilder}). Bad input is
 * an {@link IllegalArgumentException} naming the {@code -device} and the option.
 */
public final class QosMachine {
    private QosMachine() {
    }

    static final List<String> OWN = List.of("vm", "workload", "weight", "cap", "fps", "batches", "frame_cost", "trace", "speedup");
    private static final ParamDef COST = ParamDef.duration("frame_cost", "1ms", "the -device option", "parser only");

    /** One parsed {@code -device}: the scheduler options and the VM's own machine arguments; {@code frameCostPs} 0 = derive it. */
    public record Guest(String name, Workload workload, long weight, long cap, double fps, int batches, long frameCostPs, String machineArgs,
            String trace, double speedup) {
        /** A guest without a trace. */
        public Guest(String name, Workload workload, long weight, long cap, double fps, int batches, long frameCostPs, String machineArgs) {
            this(name, workload, weight, cap, fps, batches, frameCostPs, machineArgs, null, 1);
        }

        VmSpec spec(long cost, TraceWork work) {
            return new VmSpec(name, workload, weight, cap, fps, cost, batches, machineArgs, work);
        }
    }

    /** Parses and checks a description; builds every VM's machine once to check its device options. */
    public static List<Guest> parse(String description) {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("a multi-VM machine needs at least one -device virtio-gpu-pci,vm=NAME");
        }
        String[] t = description.trim().split("\\s+");
        List<Guest> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < t.length; i++) {
            if (t[i].equals("-M") && i + 1 < t.length) {
                if (!t[++i].equals("virt")) {
                    throw new IllegalArgumentException("-M " + t[i] + ": only -M virt is modelled");
                }
                continue;
            }
            if (!t[i].equals("-device") || i + 1 >= t.length) {
                throw new IllegalArgumentException("expected '-device virtio-gpu-pci,vm=NAME,...' at '" + t[i] + "'");
            }
            Guest g = guest(out.size() + 1, t[++i]);
            if (!names.add(g.name())) {
                throw new IllegalArgumentException("-device #" + (out.size() + 1) + ": vm=" + g.name() + " is used twice (a VM name must be unique)");
            }
            out.add(g);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("a multi-VM machine needs at least one -device virtio-gpu-pci,vm=NAME");
        }
        return out;
    }

    private static Guest guest(int index, String spec) {
        return guest(index, spec, "-M virt");
    }

    /**
     * One VM from its {@code virtio-gpu-pci,vm=NAME,...} options, its machine being {@code machinePrefix}
     * (the machine and the devices before the GPU, e.g. a root port it sits behind) plus that device.
     */
    static Guest guest(int index, String spec, String machinePrefix) {
        String[] parts = spec.split(",", -1);
        String where = "-device #" + index;
        if (!parts[0].equals("virtio-gpu-pci")) {
            throw new IllegalArgumentException(where + ": each VM of a shared GPU needs a virtio-gpu-pci device, got '" + parts[0] + "'");
        }
        Map<String, String> own = new LinkedHashMap<>();
        StringBuilder rest = new StringBuilder(machinePrefix).append(" -device virtio-gpu-pci");
        for (int k = 1; k < parts.length; k++) {
            String p = parts[k];
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            if (OWN.contains(key)) {
                if (eq < 0) {
                    throw new IllegalArgumentException(where + ": option " + key + " needs a value (" + key + "=...)");
                }
                if (own.put(key, p.substring(eq + 1)) != null) {
                    throw new IllegalArgumentException(where + ": option " + key + " given twice");
                }
            } else {
                rest.append(',').append(p);
            }
        }
        String name = own.get("vm");
        if (name == null) {
            throw new IllegalArgumentException(where + ": option vm=NAME is required (which guest the device belongs to)");
        }
        if (!name.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException(where + ": option vm must be 1-32 letters, digits, '-' or '_', got '" + name + "'");
        }
        where += " (vm=" + name + ")";
        String trace = own.get("trace");
        if (trace != null && trace.isEmpty()) {
            throw new IllegalArgumentException(where + ": option trace needs a file (trace=FILE, a QEMU log of a virtio-gpu guest)");
        }
        Workload w = Workload.of(own.getOrDefault("workload", trace != null ? "recorded" : "interactive"));
        if (w == null) {
            throw new IllegalArgumentException(where + ": option workload must be interactive, heavy, bursty or recorded, got '" + own.get("workload")
                    + "'");
        }
        if (w == Workload.RECORDED && trace == null) {
            throw new IllegalArgumentException(where + ": option workload=recorded needs trace=FILE (the jobs are the trace's)");
        }
        if (trace != null && (own.containsKey("frame_cost") || rest.indexOf(",xres=") >= 0 || rest.indexOf(",yres=") >= 0)) {
            throw new IllegalArgumentException(where + ": option trace= takes the frame costs and the mode (xres, yres) from the trace; "
                    + "frame_cost, xres and yres cannot be given with it");
        }
        double speedup = 1;
        if (own.containsKey("speedup")) {
            if (trace == null) {
                throw new IllegalArgumentException(where + ": option speedup applies to a trace (trace=FILE)");
            }
            try {
                speedup = Double.parseDouble(own.get("speedup"));
            } catch (NumberFormatException e) {
                speedup = Double.NaN;
            }
            if (!(speedup > 0 && speedup <= 1e6)) {
                throw new IllegalArgumentException(where + ": option speedup must be a number > 0 and <= 1e6 (the replayed guest's pace against "
                        + "the recording's), got '" + own.get("speedup") + "'");
            }
        }
        long weight = integer(where, own, "weight", 1, 1, 65535);
        long cap = integer(where, own, "cap", 0, 0, 100);
        int batches = (int) integer(where, own, "batches", 1, 1, 64);
        double fps = w == Workload.INTERACTIVE ? 60 : 0; // recorded: 0 = no deadline; fps= gives each job a deadline 1/fps after submission
        if (own.containsKey("fps")) {
            try {
                fps = Double.parseDouble(own.get("fps"));
            } catch (NumberFormatException e) {
                fps = Double.NaN;
            }
            if (!(fps >= 0 && fps <= 1000)) {
                throw new IllegalArgumentException(where + ": option fps must be a number 0-1000 (0 = no limit), got '" + own.get("fps") + "'");
            }
        }
        if (w == Workload.INTERACTIVE && fps == 0) {
            throw new IllegalArgumentException(where + ": option fps must be > 0 for an interactive VM (its frame-rate target)");
        }
        long cost = 0;
        if (own.containsKey("frame_cost")) {
            try {
                cost = new Params().declare(COST).set(COST.name(), own.get("frame_cost")).getDuration(COST);
            } catch (IllegalArgumentException e) {
                cost = -1;
            }
            if (cost <= 0 || cost > 1_000_000_000_000L) {
                throw new IllegalArgumentException(where + ": option frame_cost must be a duration 1ns-1s (e.g. 4ms), got '" + own.get("frame_cost") + "'");
            }
        }
        String machineArgs = rest.toString();
        try {
            MachineBuilder.build(machineArgs, List.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return new Guest(name, w, weight, cap, fps, batches, cost, machineArgs, trace, speedup);
    }

    private static long integer(String where, Map<String, String> own, String key, long def, long min, long max) {
        String v = own.get(key);
        if (v == null) {
            return def;
        }
        long x;
        try {
            x = Long.parseLong(v);
        } catch (NumberFormatException e) {
            x = Long.MIN_VALUE;
        }
        if (x < min || x > max) {
            throw new IllegalArgumentException(where + ": option " + key + " must be an integer " + min + "-" + max + ", got '" + v + "'");
        }
        return x;
    }

    /** The VMs of a description with their frame costs (given, or derived from each VM's command stream). */
    public static List<VmSpec> vms(String description) throws Exception {
        return vms(description, List.of());
    }

    /** The same, deriving costs under the parameter settings {@code sets} (NAME=VALUE: display.gpu_sample_bandwidth, ...). */
    public static List<VmSpec> vms(String description, List<String> sets) throws Exception {
        return vms(parse(description), sets, null);
    }

    /**
     * The VMs of parsed guests; a guest's relative {@code trace=} path is resolved against
     * {@code base} (null: the working directory); a bad trace is an IllegalArgumentException naming
     * the VM and the file.
     */
    public static List<VmSpec> vms(List<Guest> guests, List<String> sets, java.nio.file.Path base) throws Exception {
        List<VmSpec> out = new ArrayList<>();
        Map<String, Long> derived = new LinkedHashMap<>();
        Map<String, TraceWork> traced = new LinkedHashMap<>();
        for (Guest g : guests) {
            if (g.trace() != null) {
                java.nio.file.Path file = base != null ? base.resolve(g.trace()) : java.nio.file.Path.of(g.trace());
                String key = g.machineArgs() + "|" + file + "|" + g.speedup();
                TraceWork work = traced.get(key);
                if (work == null) {
                    try {
                        work = TraceWork.derive(g.machineArgs(), file, g.speedup(), sets);
                    } catch (dev.gvsim.simcore.InputException e) {
                        throw new IllegalArgumentException("vm=" + g.name() + ": trace=" + g.trace() + ": " + e.getMessage(), e);
                    }
                    traced.put(key, work);
                }
                out.add(g.spec(work.meanCostPs(), work));
                continue;
            }
            long cost = g.frameCostPs();
            if (cost == 0) {
                String key = g.machineArgs() + "|" + g.workload();
                Long c = derived.get(key);
                if (c == null) {
                    c = CommandStreamCost.derive(g.machineArgs(), g.workload(), sets).gpuPsPerFrame();
                    derived.put(key, c);
                }
                cost = c;
            }
            out.add(g.spec(cost, null));
        }
        return out;
    }
}
