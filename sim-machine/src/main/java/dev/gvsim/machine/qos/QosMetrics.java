package dev.gvsim.machine.qos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What a shared-GPU run measured, the way docs/facts/sharing-passthrough.md §1.4 says the
 * literature measures isolation: each VM's GPU time per 100 ms and 1 s window against what the
 * policy entitles it to (share deviation), Jain's fairness index over those ratios, work
 * conservation (the engine idle while some VM had work), frame times and deadline misses
 * (HdrHistogram), and scheduling latency (a batch's submission to its first execution).
 *
 * <p>Entitlement in a window: a VM that had work queued for the whole window ("backlogged") is
 * entitled to its policy share; one that did not asked for no more than it got. Work-conserving
 * policies (best effort; equal share passing idle slots on) hand what VMs do not use to the others
 * (weighted max-min fair, equal weights); the others do not (fixed share, equal share holding idle
 * slots: 1/slots each; weighted: weight / sum of weights, at most the cap).
 */
public final class QosMetrics {
    /** The finer share window (the coarser is {@link #COARSE} of them). */
    public static final long WINDOW_PS = 100_000_000_000L;
    public static final int COARSE = 10;
    /** Histograms' highest trackable value: 100 s in ps. */
    static final long MAX_PS = 100_000_000_000_000L;

    private final List<VmSpec> vms;
    private final int n;
    private final Policy policy;
    private final int slots;
    private final boolean holdIdleSlots;
    private final long durationPs;
    private final int windows;
    private final long[][] busy;
    private final long[][] empty;
    private final long[] emptySince;
    private final long[] lastDone;
    private final long[] framesSubmitted;
    private final long[] framesDone;
    private final long[] misses;
    private final long[] gpuPs;
    final Histogram[] frameTime;
    final Histogram[] schedLatency;
    long idleWithWork;
    long idleWithWorkSince = -1;
    /** Engine time spent switching between VMs' contexts ({@code qos.switch_cost}), and how many switches. */
    long switchPs;
    long switches;
    private long engineBusy;

    QosMetrics(List<VmSpec> vms, Policy policy, int slots, boolean holdIdleSlots, long durationPs) {
        this.vms = vms;
        this.n = vms.size();
        this.policy = policy;
        this.slots = slots;
        this.holdIdleSlots = holdIdleSlots;
        this.durationPs = durationPs;
        this.windows = (int) ((durationPs + WINDOW_PS - 1) / WINDOW_PS);
        busy = new long[n][windows];
        empty = new long[n][windows];
        emptySince = new long[n];
        lastDone = new long[n];
        java.util.Arrays.fill(lastDone, -1);
        framesSubmitted = new long[n];
        framesDone = new long[n];
        misses = new long[n];
        gpuPs = new long[n];
        frameTime = new Histogram[n];
        schedLatency = new Histogram[n];
        for (int v = 0; v < n; v++) {
            frameTime[v] = new Histogram(MAX_PS, 3);
            schedLatency[v] = new Histogram(MAX_PS, 3);
        }
    }

    /** Adds the interval [from, to) to per-window totals {@code acc}, clipped at the run's end. */
    private void spread(long[] acc, long from, long to) {
        to = Math.min(to, durationPs);
        while (from < to) {
            int w = (int) (from / WINDOW_PS);
            long end = Math.min(to, (w + 1) * WINDOW_PS);
            acc[w] += end - from;
            from = end;
        }
    }

    void frameSubmitted(int v, long now) {
        framesSubmitted[v]++;
    }

    void queueBusy(int v, long now) {
        spread(empty[v], emptySince[v], now);
        emptySince[v] = -1;
    }

    void queueEmpty(int v, long now) {
        emptySince[v] = now;
    }

    void ran(int v, long start, long end) {
        spread(busy[v], start, end);
        gpuPs[v] += Math.min(end, durationPs) - Math.min(start, durationPs);
    }

    /** The engine switched context over [start, end): busy, but with nobody's work. */
    void switched(long start, long end) {
        switches++;
        switchPs += Math.min(end, durationPs) - Math.min(start, durationPs);
    }

    void schedulingLatency(int v, long ps) {
        schedLatency[v].recordValue(Math.min(ps, MAX_PS));
    }

    /** A frame's last batch completed at {@code now}; {@code due} its deadline (-1: none). */
    void frameDone(int v, long now, long due) {
        if (now > durationPs) {
            return;
        }
        if (lastDone[v] >= 0) {
            frameTime[v].recordValue(Math.min(now - lastDone[v], MAX_PS));
        }
        lastDone[v] = now;
        framesDone[v]++;
        if (due >= 0 && now > due) {
            misses[v]++;
        }
    }

    void finish(long end, long engineBusyPs) {
        for (int v = 0; v < n; v++) {
            if (emptySince[v] >= 0) {
                spread(empty[v], emptySince[v], end);
                emptySince[v] = -1;
            }
        }
        if (idleWithWorkSince >= 0 && idleWithWorkSince < end) {
            idleWithWork += end - idleWithWorkSince;
            idleWithWorkSince = -1;
        }
        long b = 0;
        for (int v = 0; v < n; v++) {
            b += gpuPs[v];
        }
        engineBusy = b;
    }

    // ---------------------------------------------------------------- shares

    /** Jain's fairness index (Σx)² / (n Σx²) of {@code x}; 1 = all equal, 1/n = one takes all. NaN for no values. */
    public static double jain(double[] x) {
        if (x.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        double s2 = 0;
        for (double v : x) {
            s += v;
            s2 += v * v;
        }
        return s2 == 0 ? 1.0 : s * s / (x.length * s2);
    }

    /**
     * Weighted max-min fair split of {@code capacity} among claimants wanting at most {@code limit}
     * each (water-filling): nobody gets more than it wants, what it leaves is shared by weight.
     */
    public static double[] waterFill(double capacity, double[] limit, double[] weights) {
        int k = limit.length;
        double[] e = new double[k];
        boolean[] done = new boolean[k];
        double left = capacity;
        while (true) {
            double sw = 0;
            for (int i = 0; i < k; i++) {
                if (!done[i]) {
                    sw += weights[i];
                }
            }
            if (sw == 0) {
                return e;
            }
            boolean changed = false;
            for (int i = 0; i < k; i++) {
                if (!done[i] && limit[i] <= left * weights[i] / sw) {
                    e[i] = limit[i];
                    done[i] = true;
                    changed = true;
                }
            }
            if (!changed) {
                for (int i = 0; i < k; i++) {
                    if (!done[i]) {
                        e[i] = left * weights[i] / sw;
                    }
                }
                return e;
            }
            left = capacity;
            for (int i = 0; i < k; i++) {
                if (done[i]) {
                    left -= e[i];
                }
            }
        }
    }

    /** What each VM is entitled to in a window of {@code w} ps, given what it used and whether it was backlogged. */
    double[] entitled(double w, double[] used, boolean[] backlogged) {
        double[] limit = new double[n];
        for (int v = 0; v < n; v++) {
            limit[v] = backlogged[v] ? Double.POSITIVE_INFINITY : used[v];
        }
        double[] e = new double[n];
        switch (policy) {
            case BEST_EFFORT -> e = waterFill(w, limit, ones());
            case EQUAL_SHARE -> {
                if (holdIdleSlots) {
                    for (int v = 0; v < n; v++) {
                        e[v] = Math.min(limit[v], w / n);
                    }
                } else {
                    e = waterFill(w, limit, ones());
                }
            }
            case FIXED_SHARE -> {
                for (int v = 0; v < n; v++) {
                    e[v] = Math.min(limit[v], w / slots);
                }
            }
            case WEIGHTED -> {
                long sum = 0;
                for (VmSpec s : vms) {
                    sum += s.weight();
                }
                for (int v = 0; v < n; v++) {
                    VmSpec s = vms.get(v);
                    double share = w * s.weight() / sum;
                    if (s.capPercent() > 0) {
                        share = Math.min(share, w * s.capPercent() / 100.0);
                    }
                    e[v] = Math.min(limit[v], share);
                }
            }
            default -> throw new IllegalStateException();
        }
        return e;
    }

    private double[] ones() {
        double[] o = new double[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    /** Share deviation and Jain's index over windows of {@code k} fine windows: max and mean deviation (% of the window), min and mean Jain. */
    Map<String, Object> shares(int k) {
        int count = windows / k;
        double maxDev = 0;
        double sumDev = 0;
        int devs = 0;
        double minJain = 1;
        double sumJain = 0;
        int jains = 0;
        List<Double> devSeries = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            long w = k * WINDOW_PS;
            if ((long) (c + 1) * w > durationPs) {
                break;
            }
            double[] used = new double[n];
            boolean[] back = new boolean[n];
            for (int v = 0; v < n; v++) {
                long e = 0;
                for (int i = c * k; i < (c + 1) * k; i++) {
                    used[v] += busy[v][i];
                    e += empty[v][i];
                }
                back[v] = e == 0;
            }
            double[] ent = entitled(w, used, back);
            double windowMax = 0;
            List<Double> ratios = new ArrayList<>();
            for (int v = 0; v < n; v++) {
                double dev = 100.0 * Math.abs(used[v] - ent[v]) / w;
                windowMax = Math.max(windowMax, dev);
                sumDev += dev;
                devs++;
                if (ent[v] > 0) {
                    ratios.add(used[v] / ent[v]);
                }
            }
            devSeries.add(round3(windowMax));
            maxDev = Math.max(maxDev, windowMax);
            double j = jain(ratios.stream().mapToDouble(Double::doubleValue).toArray());
            if (!Double.isNaN(j)) {
                minJain = Math.min(minJain, j);
                sumJain += j;
                jains++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("windows", devSeries.size());
        m.put("maxDeviationPercent", round3(maxDev));
        m.put("meanDeviationPercent", devs == 0 ? null : round3(sumDev / devs));
        m.put("minJain", jains == 0 ? null : round4(minJain));
        m.put("meanJain", jains == 0 ? null : round4(sumJain / jains));
        return m;
    }

    // ---------------------------------------------------------------- report

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static double round4(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    static double ms(long ps) {
        return round3(ps / 1e9);
    }

    /** Frame time (ms) at percentile {@code p} of VM {@code v}; NaN without frames. */
    public double frameTimeMs(int v, double p) {
        return frameTime[v].getTotalCount() == 0 ? Double.NaN : ms(frameTime[v].getValueAtPercentile(p));
    }

    public List<VmSpec> vms() {
        return vms;
    }

    public long deadlineMisses(int v) {
        return misses[v];
    }

    public long framesDone(int v) {
        return framesDone[v];
    }

    /** The VM's GPU time over the run, % of the run. */
    public double sharePercent(int v) {
        return round3(100.0 * gpuPs[v] / durationPs);
    }

    /** VMs' work / (their work + context switches + idle while some VM had work), %. */
    public double workConservationPercent() {
        long lost = idleWithWork + switchPs;
        return engineBusy + lost == 0 ? 100.0 : round3(100.0 * engineBusy / (engineBusy + lost));
    }

    /** Engine time spent switching contexts, ms. */
    public double switchOverheadMs() {
        return ms(switchPs);
    }

    public double utilisationPercent() {
        return round3(100.0 * engineBusy / durationPs);
    }

    /** Max share deviation (% of the window) over 100 ms ({@code k} = 1) or 1 s ({@code k} = 10) windows. */
    public double maxShareDeviationPercent(int k) {
        return ((Number) shares(k).get("maxDeviationPercent")).doubleValue();
    }

    /** The frame-time CDF of VM {@code v}: frame time (ms) against the fraction of frames at most that long. */
    public Map<String, Object> frameTimeCdf(int v) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        if (frameTime[v].getTotalCount() > 0) {
            double[] ps = {0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 99.5, 99.9, 100};
            for (double p : ps) {
                x.add(ms(frameTime[v].getValueAtPercentile(p)));
                y.add(p / 100);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("frame time (ms)", x);
        m.put("fraction of frames", y);
        return m;
    }

    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", policy.option);
        m.put("durationMs", ms(durationPs));
        m.put("utilisationPercent", utilisationPercent());
        m.put("workConservationPercent", workConservationPercent());
        m.put("idleWithWorkMs", ms(idleWithWork));
        m.put("contextSwitches", switches);
        m.put("switchOverheadMs", ms(switchPs));
        m.put("shares100ms", shares(1));
        m.put("shares1s", shares(COARSE));
        Map<String, Object> per = new LinkedHashMap<>();
        for (int v = 0; v < n; v++) {
            VmSpec s = vms.get(v);
            Map<String, Object> vm = new LinkedHashMap<>();
            vm.put("workload", s.workload().option);
            vm.put("weight", s.weight());
            vm.put("capPercent", s.capPercent());
            vm.put("fps", s.fps());
            vm.put("frameCostUs", round3(s.frameCostPs() / 1e6));
            if (s.trace() != null) {
                vm.put("trace", s.trace().source());
                vm.put("traceJobs", s.trace().jobs());
                vm.put("tracePeriodMs", ms(s.trace().periodPs()));
            }
            vm.put("sharePercent", sharePercent(v));
            vm.put("framesSubmitted", framesSubmitted[v]);
            vm.put("framesDone", framesDone[v]);
            vm.put("frameTimeP50Ms", nullIfNaN(frameTimeMs(v, 50)));
            vm.put("frameTimeP95Ms", nullIfNaN(frameTimeMs(v, 95)));
            vm.put("frameTimeP99Ms", nullIfNaN(frameTimeMs(v, 99)));
            vm.put("deadlineMisses", misses[v]);
            Histogram h = schedLatency[v];
            vm.put("schedLatencyP50Us", h.getTotalCount() == 0 ? null : round3(h.getValueAtPercentile(50) / 1e6));
            vm.put("schedLatencyP99Us", h.getTotalCount() == 0 ? null : round3(h.getValueAtPercentile(99) / 1e6));
            vm.put("schedLatencyMaxUs", h.getTotalCount() == 0 ? null : round3(h.getMaxValue() / 1e6));
            per.put(s.name(), vm);
        }
        m.put("vms", per);
        return m;
    }

    private static Object nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
