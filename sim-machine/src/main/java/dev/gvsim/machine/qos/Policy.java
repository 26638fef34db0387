package dev.gvsim.machine.qos;

/** The shared GPU's scheduling policies ({@code qos.policy}; docs/qos.md, docs/facts/sharing-passthrough.md §1). */
public enum Policy {
    /** NVIDIA best effort: time-sliced round robin over VMs with work; idle VMs are skipped (work-conserving). */
    BEST_EFFORT("best-effort"),
    /** NVIDIA equal share: strict round robin, one slot per running VM. */
    EQUAL_SHARE("equal-share"),
    /** NVIDIA fixed share: strict round robin over max-vGPUs slots, a share of 1/max whether or not the others run. */
    FIXED_SHARE("fixed-share"),
    /** Intel GVT-g's weighted scheduler, credit-style (weights per balance period, debt carried, reset every stage 0), with per-VM caps. */
    WEIGHTED("weighted");

    public final String option;

    Policy(String option) {
        this.option = option;
    }

    public static Policy of(String option) {
        for (Policy p : values()) {
            if (p.option.equals(option)) {
                return p;
            }
        }
        throw new IllegalArgumentException("qos.policy must be best-effort, equal-share, fixed-share or weighted, got '" + option + "'");
    }

    /** NVIDIA's frame-rate limiter is off under equal and fixed share (NV-VGPU); a VM's fps limit applies under the others. */
    public boolean frameRateLimiter() {
        return this == BEST_EFFORT || this == WEIGHTED;
    }
}
