package dev.gvsim.machine.qos;

import java.util.List;

import dev.gvsim.simcore.ParamDef;

/**
 * The shared host GPU's scheduler parameters (docs/qos.md). Sources: docs/facts/sharing-passthrough.md
 * §1.1 (NV-VGPU: NVIDIA vGPU user guide §7, "Changing Scheduling Behavior for Time-Sliced vGPUs"),
 * §1.2 (GVT-SCHED: Linux drivers/gpu/drm/i915/gvt/sched_policy.c), §1.3 (Xen credit). Values nobody
 * published are marked as assumptions.
 */
public final class QosParams {
    private QosParams() {
    }

    private static final String NV = "docs/facts/sharing-passthrough.md §1.1 (NVIDIA vGPU user guide §7, RmPVMRL)";
    private static final String GVT = "docs/facts/sharing-passthrough.md §1.2 (Linux i915/gvt/sched_policy.c)";

    public static final ParamDef POLICY = ParamDef.string("qos.policy", "best-effort",
            NV + ": best effort is NVIDIA's default; weighted is " + GVT + " with Xen-credit caps (§1.3)",
            "best-effort: time-sliced round robin over VMs with work, work-conserving; equal-share: strict round robin, one slot per "
                    + "running VM; fixed-share: strict round robin over qos.max_vgpus slots; weighted: GVT-g's credit scheduler "
                    + "(weight share per balance period, debt carried, per-VM cap)");
    public static final ParamDef TIME_SLICE = ParamDef.duration("qos.time_slice", "2ms",
            NV + ": TT 1-30 ms, default 2 ms with at most 8 vGPUs (applied to best effort too: assumption, NVIDIA does not state "
                    + "best effort's slice)",
            "slice of best effort, and of equal/fixed share without strict round robin (qos.strict_rr=false); 1-30 ms");
    public static final ParamDef STRICT_RR = ParamDef.bool("qos.strict_rr", true,
            NV + ": equal and fixed share use strict round robin by default since release 15.0",
            "equal/fixed share: slots of 1/qos.frequency shortened by the averaging factor (true) or plain qos.time_slice slots (false)");
    public static final ParamDef FREQUENCY = ParamDef.longParam("qos.frequency", 0, "Hz",
            NV + ": strict-RR scheduling frequency 63-960 Hz, default 480 Hz with fewer than 8 vGPUs, 960 Hz with 8 or more",
            "strict round robin's slot rate (a slot is 1/frequency); 0 = NVIDIA's default for the number of VMs");
    public static final ParamDef AVERAGING_FACTOR = ParamDef.longParam("qos.averaging_factor", 33, "",
            NV + ": AA 1-60, default 33; a slice overshoot accrues and the next slice is shortened by accrued / AA",
            "strict round robin: how fast a VM pays back the time its non-preemptive batches ran past its slots");
    public static final ParamDef HOLD_IDLE_SLOTS = ParamDef.bool("qos.hold_idle_slots", true,
            "assumption from " + NV + ": equal share splits the GPU among the *running* vGPUs and a vGPU's share changes only as "
                    + "vGPUs start or stop, so a running but idle VM keeps its slot (NVIDIA does not say so in as many words); fixed share "
                    + "holds slots in any case ('whether or not the others run')",
            "equal share: a slot whose VM has no work is held, the engine idles to its end (true), or passed to the next VM (false)");
    public static final ParamDef MAX_VGPUS = ParamDef.longParam("qos.max_vgpus", 4, "",
            NV + ": fixed share = 1 / (max vGPUs per GPU of the type); the guide's example T4-4C allows 4",
            "fixed share: slots in the round (VMs beyond the machine's count are empty slots the GPU idles through)");
    public static final ParamDef GVT_TICK = ParamDef.duration("qos.gvt_tick", "1ms",
            GVT + ": GVT_DEFAULT_TIME_SLICE = 1,000,000 ns, the timer that picks the next vGPU",
            "weighted: how often the scheduler may switch VM (at the end of the running batch)");
    public static final ParamDef GVT_BALANCE = ParamDef.duration("qos.gvt_balance", "100ms",
            GVT + ": balance period 100 ms, each vGPU gets 100 ms x weight / sum of weights as left_ts",
            "weighted: the period over which weights (and caps) are granted");
    public static final ParamDef GVT_STAGES = ParamDef.longParam("qos.gvt_stages", 10, "",
            GVT + ": debt or credit carries across 10 stages and resets at stage 0 (every ~1 s, commit 'guarantee weight ratio in "
                    + "second level')",
            "weighted: balance periods after which carried debt/credit is reset");
    public static final ParamDef PREEMPTION = ParamDef.duration("qos.preemption_granularity", "0ns",
            GVT + ": a switch happens only when the in-flight workload finishes (non-preemptive at workload granularity); 0 = that",
            "the engine may switch VM after every this much of a batch (0: only at batch ends); a modelling knob for mid-batch "
                    + "preemption (e.g. the GuC's, docs/facts/sharing-passthrough.md §1.3)");
    public static final ParamDef HEAVY_QUEUE_DEPTH = ParamDef.longParam("qos.heavy_queue_depth", 2, "batches",
            "assumption (gvsim, not measured): a saturating guest keeps two command batches queued (double buffering)",
            "heavy and bursty VMs: batches kept outstanding while they run");
    public static final ParamDef BURST_ON = ParamDef.duration("qos.burst_on", "50ms",
            "assumption (gvsim, not measured): a bursty VM saturates for 50 ms",
            "bursty VMs: length of a burst (they saturate like a heavy VM during it)");
    public static final ParamDef BURST_OFF = ParamDef.duration("qos.burst_off", "150ms",
            "assumption (gvsim, not measured): then idles 150 ms (25 % duty cycle)",
            "bursty VMs: idle time between bursts");

    public static final ParamDef SWITCH_COST = ParamDef.duration("qos.switch_cost", "0ns",
            "assumption (gvsim): no published figure found for the time a shared GPU engine spends switching from one VM's context to "
                    + "another's (searched: gVirt, USENIX ATC'14 'A Full GPU Virtualization Solution with Mediated Pass-Through'; NVIDIA vGPU "
                    + "user guide §7; the GVT-g commits in docs/facts/sharing-passthrough.md §1.2, where the switch saves and restores MMIO "
                    + "state per engine and a 2018 commit calls that save/restore 'time-consuming' without a figure); 0 = a free switch, "
                    + "the model's assumption until a measurement exists; gpu-qos-isolation prints the effect of nonzero values",
            "engine time spent on every switch to a different VM's context before its batch runs: neither VM's work, so it lowers "
                    + "work conservation and delays the incoming batch (charged to the incoming VM's GVT-g time, as sched_in to sched_out)");

    public static final List<ParamDef> ALL = List.of(POLICY, TIME_SLICE, STRICT_RR, FREQUENCY, AVERAGING_FACTOR, HOLD_IDLE_SLOTS, MAX_VGPUS, GVT_TICK, GVT_BALANCE,
            GVT_STAGES, PREEMPTION, HEAVY_QUEUE_DEPTH, BURST_ON, BURST_OFF, SWITCH_COST);
}
