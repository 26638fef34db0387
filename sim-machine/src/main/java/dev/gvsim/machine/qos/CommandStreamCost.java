package dev.gvsim.machine.qos;

import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
import dev.gvsim.machine.display.DisplayParams;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.scenario.VirtioGpuDriverRun;

/**
 * The host GPU cost of one frame of a VM, derived from its virtio-gpu command stream: the Linux
 * virtio-gpu driver model ({@link VirtioGpuDriverRun}) draws {@link #FRAMES} frames on the VM's own
 * machine ({@code -device virtio-gpu-pci,...}); its TRANSFER_TO_HOST_2D + RESOURCE_FLUSH commands go
 * through the device into the host display model with a refresh per window
 * ({@code display.pipeline=per-window}), whose GPU composes each presented frame by sampling the
 * captured surface at {@code display.gpu_sample_bandwidth} ({@link DisplayParams}). The GPU time per
 * presented frame is the frame's cost on the shared engine. An interactive VM draws the driver
 * model's partial-damage desktop, a heavy or bursty one the full-screen workload; with
 * {@code display.capture=full} (the default, as QEMU) the cost is the surface's bytes over the
 * sampling bandwidth either way.
 */
public final class CommandStreamCost {
    /** Frames the driver model draws to measure the cost (at 60 Hz, each presented on its own vblank). */
    public static final int FRAMES = 2;
    static final long PERIOD_PS = Math.round(1e12 / 60);

    private CommandStreamCost() {
    }

    /** What the run showed: frames presented, GPU time, commands the device executed, and the cost per frame. */
    public record Derivation(long presentedFrames, long gpuBusyPs, Object commands, long gpuPsPerFrame) {
    }

    public static Derivation derive(String machineArgs, Workload workload) throws Exception {
        return derive(machineArgs, workload, List.of());
    }

    /** With parameter settings (NAME=VALUE) for the VM's machine; the display pipeline is always per-window. */
    public static Derivation derive(String machineArgs, Workload workload, List<String> sets) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.paramSets.addAll(sets);
        o.paramSets.add(DisplayParams.PIPELINE.name() + "=per-window");
        boolean blob = machineArgs.contains("blob=on") || machineArgs.contains("blob=true");
        VirtioGpuWorkload wl = workload == Workload.INTERACTIVE ? VirtioGpuWorkload.PARTIAL : VirtioGpuWorkload.FULL;
        VirtioGpuDriverRun r = VirtioGpuDriverRun.run(machineArgs, blob, wl, FRAMES, PERIOD_PS, null, o);
        if (!r.probed || !r.framebuffer || r.fault != null) {
            throw new IllegalStateException(machineArgs + ": the virtio-gpu driver model did not come up: " + r.summary());
        }
        Map<String, Object> d = r.machine.displays().report();
        long gpu = ((Number) d.get("gpuBusyPs")).longValue();
        long frames = ((Number) d.get("deliveredFrames")).longValue();
        if (frames == 0 || gpu == 0) {
            throw new IllegalStateException(machineArgs + ": the host display model presented no frame, so no GPU cost per frame");
        }
        return new Derivation(frames, gpu, r.deviceState.get("commands"), gpu / frames);
    }

    /** The parameters the derivation uses (for reports). */
    public static List<String> sources() {
        return List.of(DisplayParams.GPU_SAMPLE_BANDWIDTH.name() + " (" + DisplayParams.GPU_SAMPLE_BANDWIDTH.source() + ")",
                DisplayParams.CAPTURE.name() + " (" + DisplayParams.CAPTURE.source() + ")");
    }
}
