package dev.gvsim.machine.qos;

import java.util.List;

import dev.gvsim.machine.display.Server;
import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.Params;

/**
 * One host GPU engine shared by several VMs' virtio-gpu contexts (docs/qos.md). Each VM submits
 * frames of command batches ({@link Workload}); the engine ({@link Server}, one job at a time) runs
 * batches non-preemptively, or in pieces of {@code qos.preemption_granularity}, and the
 * {@link Policy} decides, whenever the engine is free, which VM's oldest batch runs next. Everything
 * happens in simulated time on an {@link EventKernel}; a run is deterministic. After the rings and
 * the kernel have grown, dispatching allocates nothing.
 *
 * <p>Decision points: a piece of a batch ends; work arrives while the engine is idle (GVT-g: at its
 * next timer tick); a held slot ends (equal/fixed share); a balance period begins (weighted, when
 * every VM with work is out of credit).
 */
public final class SharedGpu {
    /** Batches one VM may have queued. */
    static final int QUEUE = 1 << 12;
    private static final int QMASK = QUEUE - 1;
    private static final long NONE = EventKernel.NO_EVENT;

    final Policy policy;
    final int n;
    final List<VmSpec> vms;
    final long durationPs;
    private final long timeSlice;
    private final boolean strictRr;
    private final long slotBase;
    private final long averaging;
    private final int slots;
    private final boolean holdIdleSlots;
    private final long tick;
    private final long balance;
    private final long stages;
    private final long granularity;
    private final long switchCost;
    private final int heavyDepth;
    private final long burstOn;
    private final long burstOff;

    private final EventKernel kernel = new EventKernel();
    final Server engine = new Server("gpu");
    final QosMetrics metrics;
    private final EventHandler doneH;
    private final EventHandler submitH;
    private final EventHandler wakeH;
    private DispatchListener listener = DispatchListener.NONE;

    // per-VM queue of batches (ring)
    private final long[][] qArrive;
    private final long[][] qLeft;
    private final long[][] qDue;
    private final boolean[][] qLast;
    private final boolean[][] qStarted;
    private final int[] qHead;
    private final int[] qSize;
    // per-VM workload state
    private final long[] period;
    private final long[] lastVsync;
    private final int[] outstanding;
    private final int[] depth;
    private final long[] submitEvent;
    private final long[] weight;
    private final long[] capPercent;
    // VMs with a trace (TraceWork): their jobs' costs in order, and under RECORDED their times
    private final long[][] traceCost;
    private final long[][] traceAt;
    private final long[] tracePeriod;
    private final int[] costIdx;
    private final int[] recIdx;
    private final long[] recPass;

    // the engine
    private boolean busy;
    private int running = -1;
    private long runningPiece;
    private long wakeEvent = NONE;
    private long wakeAt = -1;

    // best effort
    private int cur = -1;
    private long sliceStart;
    // strict round robin (equal / fixed share)
    private int slot = -1;
    private long slotEnd;
    private long lastRunEnd;
    private int lastRunVm = -1;
    private final long[] accrued;
    // weighted (GVT-g)
    private final long[] leftTs;
    private final long[] capLeft;
    private final int[] lru;
    private long lastPeriod = -1;
    private long tickEnd;
    private final long weightSum;

    /** A machine of {@code vms} on one GPU under {@code params} ({@link QosParams}), run for {@code durationPs}. */
    public SharedGpu(List<VmSpec> vms, Params params, long durationPs) {
        if (vms.isEmpty()) {
            throw new IllegalArgumentException("a shared GPU needs at least one VM");
        }
        if (durationPs <= 0) {
            throw new IllegalArgumentException("duration must be positive, got " + durationPs + " ps");
        }
        this.vms = List.copyOf(vms);
        this.n = vms.size();
        this.durationPs = durationPs;
        this.policy = Policy.of(params.getString(QosParams.POLICY));
        this.timeSlice = params.getDuration(QosParams.TIME_SLICE);
        if (timeSlice < 1_000_000_000L || timeSlice > 30_000_000_000L) {
            throw new IllegalArgumentException("qos.time_slice must be 1-30 ms (NVIDIA's TT range), got " + timeSlice / 1e9 + " ms");
        }
        this.strictRr = params.getBoolean(QosParams.STRICT_RR);
        long freq = params.getLong(QosParams.FREQUENCY);
        if (freq == 0) {
            freq = n < 8 ? 480 : 960;
        }
        if (freq < 63 || freq > 960) {
            throw new IllegalArgumentException("qos.frequency must be 0 (NVIDIA's default) or 63-960 Hz, got " + freq);
        }
        this.slotBase = strictRr ? Math.round(1e12 / freq) : timeSlice;
        this.averaging = params.getLong(QosParams.AVERAGING_FACTOR);
        if (averaging < 1 || averaging > 60) {
            throw new IllegalArgumentException("qos.averaging_factor must be 1-60, got " + averaging);
        }
        long max = params.getLong(QosParams.MAX_VGPUS);
        if (policy == Policy.FIXED_SHARE && (max < n || max > 64)) {
            throw new IllegalArgumentException("qos.max_vgpus must be at least the number of VMs (" + n + ") and at most 64 under fixed share, got " + max);
        }
        this.slots = policy == Policy.FIXED_SHARE ? (int) max : n;
        this.holdIdleSlots = params.getBoolean(QosParams.HOLD_IDLE_SLOTS);
        this.tick = params.getDuration(QosParams.GVT_TICK);
        this.balance = params.getDuration(QosParams.GVT_BALANCE);
        this.stages = params.getLong(QosParams.GVT_STAGES);
        if (tick <= 0 || balance < tick || stages < 1) {
            throw new IllegalArgumentException("qos.gvt_tick must be positive, qos.gvt_balance at least the tick, qos.gvt_stages >= 1");
        }
        this.granularity = params.getDuration(QosParams.PREEMPTION);
        if (granularity < 0) {
            throw new IllegalArgumentException("qos.preemption_granularity must be >= 0, got " + granularity);
        }
        this.switchCost = params.getDuration(QosParams.SWITCH_COST);
        if (switchCost < 0 || switchCost > 100_000_000_000L) {
            throw new IllegalArgumentException("qos.switch_cost must be 0-100 ms, got " + switchCost / 1e9 + " ms");
        }
        long d = params.getLong(QosParams.HEAVY_QUEUE_DEPTH);
        if (d < 1 || d > 64) {
            throw new IllegalArgumentException("qos.heavy_queue_depth must be 1-64, got " + d);
        }
        this.heavyDepth = (int) d;
        this.burstOn = params.getDuration(QosParams.BURST_ON);
        this.burstOff = params.getDuration(QosParams.BURST_OFF);
        if (burstOn <= 0 || burstOff < 0) {
            throw new IllegalArgumentException("qos.burst_on must be positive and qos.burst_off >= 0");
        }
        qArrive = new long[n][QUEUE];
        qLeft = new long[n][QUEUE];
        qDue = new long[n][QUEUE];
        qLast = new boolean[n][QUEUE];
        qStarted = new boolean[n][QUEUE];
        qHead = new int[n];
        qSize = new int[n];
        period = new long[n];
        lastVsync = new long[n];
        outstanding = new int[n];
        depth = new int[n];
        submitEvent = new long[n];
        weight = new long[n];
        capPercent = new long[n];
        accrued = new long[n];
        leftTs = new long[n];
        capLeft = new long[n];
        lru = new int[n];
        traceCost = new long[n][];
        traceAt = new long[n][];
        tracePeriod = new long[n];
        costIdx = new int[n];
        recIdx = new int[n];
        recPass = new long[n];
        long ws = 0;
        for (int v = 0; v < n; v++) {
            VmSpec s = vms.get(v);
            if (s.trace() != null) {
                traceCost[v] = s.trace().costPs().clone();
                traceAt[v] = s.trace().atPs().clone();
                tracePeriod[v] = s.trace().periodPs();
            }
            boolean recorded = s.workload() == Workload.RECORDED;
            boolean limited = !recorded && s.fps() > 0 && (s.workload() == Workload.INTERACTIVE || policy.frameRateLimiter());
            period[v] = limited ? Math.round(1e12 / s.fps()) : 0;
            lastVsync[v] = -1;
            depth[v] = s.workload() == Workload.INTERACTIVE ? 1 : heavyDepth;
            submitEvent[v] = NONE;
            weight[v] = s.weight();
            capPercent[v] = s.capPercent();
            lru[v] = v;
            ws += s.weight();
        }
        this.weightSum = ws;
        this.metrics = new QosMetrics(this.vms, policy, slots, holdIdleSlots, durationPs);
        this.doneH = (now, arg) -> done(now, (int) arg);
        this.submitH = (now, arg) -> {
            submitEvent[(int) arg] = NONE;
            refill((int) arg, now);
        };
        this.wakeH = (now, arg) -> {
            wakeEvent = NONE;
            dispatch(now);
        };
        kernel.register("qos.done", doneH);
        kernel.register("qos.submit", submitH);
        kernel.register("qos.wake", wakeH);
    }

    /** Who is told of every piece the engine runs (tests, traces); must not allocate. */
    public interface DispatchListener {
        DispatchListener NONE = (vm, start, end) -> {
        };

        void ran(int vm, long startPs, long endPs);
    }

    public SharedGpu onDispatch(DispatchListener l) {
        this.listener = l;
        return this;
    }

    /** Every VM submits its first frames at time 0 (then {@link #step()} one event at a time, or {@link #run()}). */
    public SharedGpu start() {
        for (int v = 0; v < n; v++) {
            refill(v, 0);
        }
        return this;
    }

    /** Runs the next event (a piece ending, a submission, a wake-up); false when none is left. For benchmarks. */
    public boolean step() {
        return kernel.step();
    }

    /** Runs the machine for its duration; returns the metrics. */
    public QosMetrics run() {
        start();
        kernel.runUntil(durationPs);
        metrics.finish(durationPs, engine.busyPs());
        return metrics;
    }

    // ---------------------------------------------------------------- workloads

    /** Submits frames until the VM has its {@code depth} outstanding, or schedules the next allowed submission. */
    private void refill(int v, long now) {
        VmSpec s = vms.get(v);
        if (s.workload() == Workload.RECORDED) {
            refillRecorded(v, now, s);
            return;
        }
        while (outstanding[v] < depth[v] && now < durationPs) {
            long at = now;
            long vsync = -1;
            if (period[v] > 0) {
                vsync = Math.max(lastVsync[v] + 1, (now + period[v] - 1) / period[v]);
                at = vsync * period[v];
            }
            if (s.workload() == Workload.BURSTY) {
                long cycle = burstOn + burstOff;
                long phase = at % cycle;
                if (phase >= burstOn) {
                    at += cycle - phase;
                }
            }
            if (at > now) {
                if (submitEvent[v] == NONE && at < durationPs) {
                    submitEvent[v] = kernel.schedule(at, submitH, v);
                }
                return;
            }
            if (vsync >= 0) {
                lastVsync[v] = vsync;
            }
            submitFrame(v, now, period[v] > 0 ? now + period[v] : -1);
        }
    }

    /** A VM with a trace under RECORDED: every job whose recorded time has come, then the next job's submission event. */
    private void refillRecorded(int v, long now, VmSpec s) {
        long[] at = traceAt[v];
        long limit = s.fps() > 0 ? Math.round(1e12 / s.fps()) : 0;
        while (true) {
            long t = recPass[v] * tracePeriod[v] + at[recIdx[v]];
            if (t >= durationPs) {
                return;
            }
            if (t > now) {
                if (submitEvent[v] == NONE) {
                    submitEvent[v] = kernel.schedule(t, submitH, v);
                }
                return;
            }
            submitFrame(v, now, limit > 0 ? now + limit : -1);
            if (++recIdx[v] == at.length) {
                recIdx[v] = 0;
                recPass[v]++;
            }
        }
    }

    private void submitFrame(int v, long now, long due) {
        VmSpec s = vms.get(v);
        int b = s.batches();
        long cost = s.frameCostPs();
        long[] tc = traceCost[v];
        if (tc != null) {
            cost = tc[costIdx[v]];
            costIdx[v] = costIdx[v] + 1 == tc.length ? 0 : costIdx[v] + 1;
        }
        long each = cost / b;
        if (qSize[v] + b > QUEUE) {
            throw new IllegalStateException("vm=" + s.name() + ": more than " + QUEUE + " batches queued");
        }
        boolean wasEmpty = qSize[v] == 0;
        for (int i = 0; i < b; i++) {
            int at = (qHead[v] + qSize[v]) & QMASK;
            qArrive[v][at] = now;
            qLeft[v][at] = i == b - 1 ? cost - each * (b - 1) : each;
            qDue[v][at] = due;
            qLast[v][at] = i == b - 1;
            qStarted[v][at] = false;
            qSize[v]++;
        }
        outstanding[v]++;
        metrics.frameSubmitted(v, now);
        if (wasEmpty) {
            metrics.queueBusy(v, now);
        }
        if (!busy) {
            if (metrics.idleWithWorkSince < 0) {
                metrics.idleWithWorkSince = now;
            }
            if (policy == Policy.WEIGHTED) {
                wakeAt((now + tick - 1) / tick * tick); // GVT-g notices new work at its next timer tick
            } else {
                dispatch(now);
            }
        }
    }

    // ---------------------------------------------------------------- the engine

    private boolean hasWork(int v) {
        return v >= 0 && v < n && qSize[v] > 0;
    }

    private boolean anyWork() {
        for (int v = 0; v < n; v++) {
            if (qSize[v] > 0) {
                return true;
            }
        }
        return false;
    }

    private void wakeAt(long at) {
        if (wakeEvent != NONE) {
            if (wakeAt <= at) {
                return;
            }
            kernel.cancel(wakeEvent);
        }
        wakeAt = at;
        wakeEvent = kernel.schedule(at, wakeH, 0);
    }

    /** The engine is free at {@code now}: the policy picks a VM and its oldest batch runs (a piece of it). */
    void dispatch(long now) {
        if (busy || now >= durationPs) {
            return;
        }
        int v = switch (policy) {
            case BEST_EFFORT -> pickBestEffort(now);
            case EQUAL_SHARE, FIXED_SHARE -> pickStrict(now);
            case WEIGHTED -> pickWeighted(now);
        };
        if (v < 0) {
            return;
        }
        if (wakeEvent != NONE) {
            kernel.cancel(wakeEvent);
            wakeEvent = NONE;
        }
        int h = qHead[v];
        // a switch to another VM's context costs qos.switch_cost of engine time before the piece (none for the first context)
        long sw = lastRunVm >= 0 && lastRunVm != v ? switchCost : 0;
        if (!qStarted[v][h]) {
            qStarted[v][h] = true;
            metrics.schedulingLatency(v, now + sw - qArrive[v][h]);
        }
        long left = qLeft[v][h];
        long piece = granularity > 0 ? Math.min(granularity, left) : left;
        long end = engine.run(now, sw + piece);
        busy = true;
        running = v;
        runningPiece = piece;
        if (metrics.idleWithWorkSince >= 0) {
            metrics.idleWithWork += now - metrics.idleWithWorkSince;
            metrics.idleWithWorkSince = -1;
        }
        if (sw > 0) {
            metrics.switched(now, now + sw);
        }
        metrics.ran(v, now + sw, end);
        listener.ran(v, now + sw, end);
        if (policy == Policy.WEIGHTED) {
            leftTs[v] -= sw + piece;
            capLeft[v] -= sw + piece;
        }
        kernel.schedule(end, doneH, v);
    }

    private void done(long now, int v) {
        busy = false;
        running = -1;
        lastRunEnd = now;
        lastRunVm = v;
        int h = qHead[v];
        qLeft[v][h] -= runningPiece;
        if (qLeft[v][h] == 0) {
            boolean last = qLast[v][h];
            long due = qDue[v][h];
            qHead[v] = (h + 1) & QMASK;
            qSize[v]--;
            if (qSize[v] == 0) {
                metrics.queueEmpty(v, now);
            }
            if (last) {
                outstanding[v]--;
                metrics.frameDone(v, now, due);
                refill(v, now);
            }
        }
        if (!busy && anyWork() && metrics.idleWithWorkSince < 0) {
            metrics.idleWithWorkSince = now;
        }
        dispatch(now);
    }

    // ---------------------------------------------------------------- policies

    /** Best effort: the current VM keeps the engine until its slice is used or it has no work; then the next VM with work, round robin. */
    private int pickBestEffort(long now) {
        if (hasWork(cur) && now - sliceStart < timeSlice) {
            return cur;
        }
        for (int i = 1; i <= n; i++) {
            int c = ((cur < 0 ? n - 1 : cur) + i) % n;
            if (qSize[c] > 0) {
                cur = c;
                sliceStart = now;
                return c;
            }
        }
        return -1;
    }

    /**
     * Strict round robin: slot owners in turn, each slot 1/frequency shortened by the owner's accrued
     * overshoot / AA (NVIDIA's averaging factor), or a plain time slice without strict RR. A slot whose
     * owner has no work is held (the engine idles to its end: fixed share always, equal share with
     * {@code qos.hold_idle_slots}) or passed on.
     */
    private int pickStrict(long now) {
        for (int guard = 0; guard <= 2 * slots; guard++) {
            if (slot < 0 || now >= slotEnd) {
                advanceSlot(now);
                continue;
            }
            int owner = slot < n ? slot : -1;
            if (hasWork(owner)) {
                return owner;
            }
            boolean hold = owner < 0 || policy == Policy.FIXED_SHARE || holdIdleSlots;
            if (hold) {
                wakeAt(slotEnd);
                return -1;
            }
            if (!anyWork()) {
                return -1; // nothing to run: the round stands still until work arrives
            }
            slotEnd = now; // pass the slot on
        }
        return -1;
    }

    private void advanceSlot(long now) {
        if (slot >= 0 && slot < n && lastRunVm == slot && lastRunEnd > slotEnd) {
            accrued[slot] += lastRunEnd - slotEnd; // the owner's last batch ran past its slot
        }
        slot = (slot + 1) % slots;
        long len = slotBase;
        if (strictRr && slot < n) {
            long cut = accrued[slot] / averaging;
            accrued[slot] -= cut;
            len = Math.max(0, slotBase - cut);
        }
        slotEnd = now + len;
    }

    /** GVT-g: at each timer tick the first VM in LRU order with work and time left runs, and goes to the tail. */
    private int pickWeighted(long now) {
        replenish(now);
        if (hasWork(cur) && eligible(cur) && now < tickEnd) {
            return cur;
        }
        for (int i = 0; i < n; i++) {
            int c = lru[i];
            if (qSize[c] > 0 && eligible(c)) {
                System.arraycopy(lru, i + 1, lru, i, n - i - 1);
                lru[n - 1] = c;
                cur = c;
                tickEnd = (now / tick + 1) * tick;
                return c;
            }
        }
        cur = -1;
        if (anyWork()) {
            wakeAt((now / balance + 1) * balance); // everyone with work is out of time until the next balance period
        }
        return -1;
    }

    private boolean eligible(int v) {
        return leftTs[v] > 0 && (capPercent[v] == 0 || capLeft[v] > 0);
    }

    /** GVT-g's balance: each period every VM gets period x weight / sum; debt or credit carries, reset every {@code stages} periods. */
    private void replenish(long now) {
        long p = now / balance;
        while (lastPeriod < p) {
            lastPeriod++;
            boolean reset = lastPeriod % stages == 0;
            for (int v = 0; v < n; v++) {
                long share = (long) ((double) balance * weight[v] / weightSum);
                leftTs[v] = reset ? share : leftTs[v] + share;
                capLeft[v] = capPercent[v] == 0 ? Long.MAX_VALUE : balance * capPercent[v] / 100;
            }
        }
    }

    /** The slot length strict round robin uses (1/frequency, or the time slice). */
    public long slotBasePs() {
        return slotBase;
    }
}
