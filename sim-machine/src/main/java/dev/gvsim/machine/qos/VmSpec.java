package dev.gvsim.machine.qos;

/**
 * One guest of a multi-VM machine: its name ({@code vm=}), workload, scheduling weight and cap
 * ({@code weight=}, {@code cap=} percent, 0 = uncapped as Xen's credit scheduler), frame-rate target
 * or limit ({@code fps=}, 0 = none) and the GPU cost of one of its frames, split into
 * {@code batches} command batches.
 *
 * @param deviceArgs the machine arguments of the VM's own machine ({@code -M virt -device virtio-gpu-pci,...})
 * @param trace the host GPU jobs its trace gave on its own machine (each job one frame: its cost, and
 *        its time under {@link Workload#RECORDED}); null for a VM without a trace, whose frames all cost
 *        {@code frameCostPs}
 */
public record VmSpec(String name, Workload workload, long weight, long capPercent, double fps, long frameCostPs, int batches, String deviceArgs,
        TraceWork trace) {
    public VmSpec {
        if (frameCostPs <= 0) {
            throw new IllegalArgumentException("vm=" + name + ": a frame's GPU cost must be positive, got " + frameCostPs + " ps");
        }
        if (batches < 1) {
            throw new IllegalArgumentException("vm=" + name + ": batches must be >= 1, got " + batches);
        }
        if (workload == Workload.RECORDED && trace == null) {
            throw new IllegalArgumentException("vm=" + name + ": workload recorded needs a trace (trace=FILE)");
        }
    }

    /** A VM without a trace. */
    public VmSpec(String name, Workload workload, long weight, long capPercent, double fps, long frameCostPs, int batches, String deviceArgs) {
        this(name, workload, weight, capPercent, fps, frameCostPs, batches, deviceArgs, null);
    }

    /** The same VM with another frame cost. */
    public VmSpec withFrameCost(long ps) {
        return new VmSpec(name, workload, weight, capPercent, fps, ps, batches, deviceArgs, trace);
    }
}
