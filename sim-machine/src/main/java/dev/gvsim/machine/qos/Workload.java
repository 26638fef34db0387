package dev.gvsim.machine.qos;

/**
 * What a VM's guest submits to the shared GPU (docs/qos.md): frames of command batches, each frame's
 * GPU cost derived from the VM's virtio-gpu command stream ({@link CommandStreamCost}), or from its
 * trace ({@link TraceWork}: the trace's jobs in order, paced by the workload, or as recorded).
 */
public enum Workload {
    /** A desktop or game at its frame-rate target (60 fps by default): one frame per vblank, submitted when the previous one is done. */
    INTERACTIVE("interactive"),
    /** Saturating: keeps {@code qos.heavy_queue_depth} frames queued, a new one as soon as one completes. */
    HEAVY("heavy"),
    /** Saturating for {@code qos.burst_on}, then idle for {@code qos.burst_off}, over and over. */
    BURSTY("bursty"),
    /**
     * A VM with a trace ({@code trace=FILE}, {@link TraceWork}): its host GPU jobs submitted at the
     * times its own machine gave them when it replayed the trace (open loop: a late job does not
     * delay the VM's next one), the recording repeated for as long as the run lasts.
     */
    RECORDED("recorded");

    public final String option;

    Workload(String option) {
        this.option = option;
    }

    /** By option name; null if unknown. */
    public static Workload of(String option) {
        for (Workload w : values()) {
            if (w.option.equals(option)) {
                return w;
            }
        }
        return null;
    }
}
