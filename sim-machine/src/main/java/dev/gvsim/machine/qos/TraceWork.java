package dev.gvsim.machine.qos;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import dev.gvsim.guesttraces.importers.VirtioGpuLogDamage;
import dev.gvsim.machine.display.DisplayParams;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.scenario.VirtioGpuDriverRun;
import dev.gvsim.simcore.InputException;

/**
 * A VM's work on the shared GPU taken from its own trace (docs/qos.md, "VMs with traces"): a QEMU log
 * of a virtio-gpu guest ({@code -trace 'virtio_gpu_cmd_*'}, as the bundled {@code vgpu_*} recordings
 * and the recorder's) is replayed on the VM's own machine ({@code -device virtio-gpu-pci,...} in the
 * recorded mode): the Linux driver model sends TRANSFER_TO_HOST_2D + RESOURCE_FLUSH for every logged
 * flush at the logged time divided by the speed-up ({@link VirtioGpuDriverRun#runLogged}), the device
 * executes them and the host display model ({@code display.pipeline=per-window}) composes the frames on
 * its GPU. Every job that GPU runs is one batch of the VM on the shared engine: its cost, and the time
 * it was ready (after the VM's own device and refresh-thread work) relative to the first job.
 *
 * <p>Under {@link Workload#RECORDED} the jobs are submitted at those times, open loop, and the
 * recording repeats every {@link #periodPs} (its span plus one mean interval between jobs; one 60 Hz
 * frame for a single job), because
 * virtio-gpu's 2D RESOURCE_FLUSH completes when QEMU has taken the update, not when the host GPU has
 * composed it (an assumption stated in docs/qos.md), so a guest does not wait for the shared engine.
 * Under the other workloads the jobs' costs are used in order, paced by the workload.
 *
 * @param source the trace file as given
 * @param atPs each job's ready time after the first job's
 * @param costPs each job's GPU time
 */
public record TraceWork(String source, String machineArgs, double speedup, long[] atPs, long[] costPs, long periodPs, int flushes) {
    /** The recording's jobs, at most this many (a longer trace is refused: it would not be a VM's loop but a run of its own). */
    public static final int MAX_JOBS = 1 << 16;
    /** How often a recording of a single job repeats: one 60 Hz frame. */
    public static final long ONE_JOB_PERIOD_PS = Math.round(1e12 / 60);
    /** The logged flushes one VM's replay takes at most. */
    public static final int MAX_FLUSHES = 1 << 18;

    public int jobs() {
        return costPs.length;
    }

    /** Mean GPU time per job (for reports). */
    public long meanCostPs() {
        return Arrays.stream(costPs).sum() / costPs.length;
    }

    /** The GPU's total over one pass of the recording. */
    public long totalCostPs() {
        return Arrays.stream(costPs).sum();
    }

    /**
     * Replays {@code trace} on {@code machineArgs} (without xres/yres: the trace's framebuffer sets
     * the mode) under the parameter settings {@code sets}. Bad files are an {@link InputException}
     * naming the file.
     */
    public static TraceWork derive(String machineArgs, Path trace, double speedup, List<String> sets) throws IOException, InputException {
        VirtioGpuLogDamage log;
        try (InputStream in = Files.newInputStream(trace)) {
            log = VirtioGpuLogDamage.read(in, trace.toString());
        } catch (NoSuchFileException e) {
            throw new InputException(trace + ": no such file (trace= expects a QEMU log of a virtio-gpu guest, plain, .xz or .gz)");
        } catch (IOException e) {
            throw new InputException(trace + ": cannot read: " + e.getMessage());
        }
        return derive(machineArgs, log, trace.toString(), speedup, sets);
    }

    /** The same from a read log ({@code source} names it in errors and reports). */
    public static TraceWork derive(String machineArgs, VirtioGpuLogDamage log, String source, double speedup, List<String> sets)
            throws IOException, InputException {
        if (log.framebuffer() == null) {
            throw new InputException(source + ": no virtio_gpu_cmd_res_create_2d of the resource scanout 0 shows (virtio_gpu_cmd_set_scanout "
                    + "id 0, res ...): the VM's mode is unknown");
        }
        if (log.flushes.size() > MAX_FLUSHES) {
            throw new InputException(source + ": " + log.flushes.size() + " flushes, at most " + MAX_FLUSHES + " are replayed for one VM; cut the trace");
        }
        ReplayOptions o = new ReplayOptions();
        o.paramSets.addAll(sets);
        o.paramSets.add(DisplayParams.PIPELINE.name() + "=per-window");
        boolean blob = machineArgs.contains("blob=on") || machineArgs.contains("blob=true");
        long[][] jobs = {new long[64], new long[64]};
        int[] n = {0};
        boolean[] overflow = {false};
        VirtioGpuDriverRun r;
        try {
            r = VirtioGpuDriverRun.runLogged(machineArgs, log, blob, speedup, null, o, (ready, start, work) -> {
            if (n[0] == MAX_JOBS) {
                overflow[0] = true;
                return;
            }
            if (n[0] == jobs[0].length) {
                jobs[0] = Arrays.copyOf(jobs[0], 2 * n[0]);
                jobs[1] = Arrays.copyOf(jobs[1], 2 * n[0]);
            }
            jobs[0][n[0]] = ready;
            jobs[1][n[0]] = work;
            n[0]++;
            });
        } catch (IllegalArgumentException e) {
            // e.g. a recorded mode the device refuses
            throw new InputException(source + ": replaying the trace on " + machineArgs + " (in the recorded mode): " + e.getMessage());
        }
        if (!r.probed || !r.framebuffer || r.fault != null) {
            throw new InputException(source + ": replaying the trace on " + machineArgs + ": the virtio-gpu driver model did not come up: "
                    + r.summary());
        }
        if (overflow[0]) {
            throw new InputException(source + ": the replay gave more than " + MAX_JOBS + " host GPU jobs; cut the trace");
        }
        if (n[0] == 0) {
            throw new InputException(source + ": replaying the trace's " + log.flushes.size() + " flushes gave no host GPU job");
        }
        long first = jobs[0][0];
        long[] at = new long[n[0]];
        long[] cost = Arrays.copyOf(jobs[1], n[0]);
        for (int i = 0; i < n[0]; i++) {
            at[i] = jobs[0][i] - first;
            if (cost[i] <= 0) {
                cost[i] = 1; // a job of no bytes: still a submission
            }
        }
        long span = at[n[0] - 1];
        // one job gives no interval: it repeats every 60 Hz frame (a modelling choice, docs/qos.md)
        long period = n[0] > 1 ? span + Math.max(1, span / (n[0] - 1)) : Math.max(ONE_JOB_PERIOD_PS, cost[0]);
        int fb = log.framebuffer().id();
        int flushes = (int) log.flushes.stream().filter(f -> f.resource() == fb).count();
        return new TraceWork(source, machineArgs, speedup, at, cost, period, flushes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceWork t && source.equals(t.source) && machineArgs.equals(t.machineArgs) && speedup == t.speedup
                && Arrays.equals(atPs, t.atPs) && Arrays.equals(costPs, t.costPs) && periodPs == t.periodPs && flushes == t.flushes;
    }

    @Override
    public int hashCode() {
        return 31 * source.hashCode() + Arrays.hashCode(costPs);
    }

    @Override
    public String toString() {
        return "TraceWork[" + source + ", " + jobs() + " jobs, period " + periodPs + " ps]";
    }
}
