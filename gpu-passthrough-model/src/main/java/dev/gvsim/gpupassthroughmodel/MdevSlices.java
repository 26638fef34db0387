package dev.gvsim.gpupassthroughmodel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;

/**
 * mdev-style slices of a card without SR-IOV (issue 26, docs/gpu-partitioning.md): the vendor's host
 * driver gives each of at most {@code maxInstances} VMs a slice of the VRAM aperture, mapped into the VM
 * through the same stage-2 path as a passed-through BAR (the slice's pages, with the card's {@code host-s2}
 * policy), and a share of the engine's time. The engine share follows NVIDIA vGPU's fixed-share
 * time-sliced scheduler (docs/facts/sharing-passthrough.md §1.1): instance k owns every maxInstances-th
 * time slice whether or not the others have work (share = 1/maxInstances), so a job of J engine time
 * completes after ceil(J / slice) of its own slices. Equal share (the slices of idle instances go to
 * the busy ones) is computed for contrast. Deterministic functions of the profile and the job; no state.
 */
public final class MdevSlices {
    private final GpuProfile.Mdev mdev;
    private final long vramBarSize;

    MdevSlices(GpuProfile.Mdev mdev, long vramBarSize) {
        this.mdev = mdev;
        this.vramBarSize = vramBarSize;
    }

    public int instances() {
        return mdev.maxInstances();
    }

    /** Bytes of the VRAM aperture per instance: the aperture split evenly, page aligned. */
    public long sliceBytes() {
        return (vramBarSize / mdev.maxInstances()) & ~0xFFFL;
    }

    /** Offset of instance {@code k}'s slice (0-based) in the VRAM BAR. */
    public long sliceOffset(int k) {
        return k * sliceBytes();
    }

    /**
     * When a job of {@code jobPs} engine time submitted at the start of a scheduling period by
     * instance {@code k} (0-based) completes, with {@code slots} instances taking turns (fixed share:
     * every instance's turn, busy or idle; equal share: only the busy ones).
     */
    static long completionPs(long jobPs, int k, int slots, long slicePs) {
        long own = (jobPs + slicePs - 1) / slicePs; // slices the job needs
        long last = jobPs - (own - 1) * slicePs; // how much of the last slice it uses
        return ((own - 1) * slots + k) * slicePs + last;
    }

    /** The schedule of {@code busy} instances each submitting a job of {@code jobPs} at once, under both policies. */
    public Map<String, Object> schedule(long jobPs, int busy) {
        Map<String, Object> m = new LinkedHashMap<>();
        long slice = mdev.timeSlicePs();
        m.put("instances", mdev.maxInstances());
        m.put("busy_instances", busy);
        m.put("time_slice_ps", slice);
        m.put("job_ps", jobPs);
        m.put("fixed_share", 1.0 / mdev.maxInstances());
        m.put("equal_share", 1.0 / busy);
        List<Long> fixed = new ArrayList<>();
        List<Long> equal = new ArrayList<>();
        for (int k = 0; k < busy; k++) {
            fixed.add(completionPs(jobPs, k, mdev.maxInstances(), slice));
            equal.add(completionPs(jobPs, k, busy, slice));
        }
        m.put("fixed_share_completion_ps", fixed);
        m.put("equal_share_completion_ps", equal);
        return m;
    }
}
