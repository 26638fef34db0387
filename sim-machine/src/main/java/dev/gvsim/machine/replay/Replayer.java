package dev.gvsim.machine.replay;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.linux.GuestStringOps;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Status;

/**
 * Drives every record of a trace through the real path: {@code map}/{@code s2map} through the MMU's
 * page-table builder, {@code rd}/{@code wr}/{@code memcpy}/{@code memset} through the MMU, the
 * write-gathering timing and the system bus, {@code cfgrd}/{@code cfgwr} through ECAM,
 * {@code iord}/{@code iowr} through the PCI I/O window. One {@link Access} is reused for every
 * access; nothing on the per-record path allocates except reports of faults and mismatches.
 *
 * <p>Time: a record with {@code t=} is issued at t; one without is issued when the same CPU's
 * previous access completed. Device events scheduled on the kernel run up to each issue time. A
 * fault ends that CPU's stream (as the kernel's oops would) unless {@link ReplayOptions#continueAfterFault}.
 */
public final class Replayer {
    /** CPUs a trace may name ({@code cpu=N}); a bound on guest-controlled input. */
    public static final int MAX_CPUS = 256;

    private final ReplayOptions options;
    private final ReplayResult result = new ReplayResult();
    /** The report's counters over simulated time: one compare per record against its next boundary. */
    private final Timeline timeline = result.timeline;
    private Machine machine;
    private final Access access = new Access();
    private final long[] cpuClock = new long[MAX_CPUS];
    private final boolean[] cpuStopped = new boolean[MAX_CPUS];
    private TraceRecord current;
    private long currentIssue;

    public Replayer(ReplayOptions options, String traceName) {
        this.options = options;
        this.result.trace = traceName;
        options.attrOverrides.forEach((pa, attr) -> result.attrOverrides.put(String.format("0x%x", pa), attr));
        for (String s : options.paramSets) {
            int eq = s.indexOf('=');
            result.paramOverrides.put(eq > 0 ? s.substring(0, eq) : s, eq > 0 ? s.substring(eq + 1) : "");
        }
    }

    /**
     * A replayer that drives an already built machine (executable guest models build the machine,
     * then issue records one by one with {@link #execute}).
     */
    public Replayer(ReplayOptions options, String traceName, Machine machine) {
        this(options, traceName);
        this.machine = machine;
        this.result.machine = machine.args();
        if (options.stage2 != null) {
            machine.applyStage2(options.stage2);
            result.stage2 = options.stage2;
        }
    }

    /**
     * Executes one record exactly as {@link #run} would and returns the Access of its last memory,
     * config or I/O access (reused: read it before the next call). Bad input throws
     * IllegalArgumentException with the reason.
     */
    public Access execute(TraceRecord r) {
        result.records++;
        r.index = result.records;
        current = r;
        access.reset();
        step(r);
        if (currentIssue >= timeline.nextPs) {
            timeline.sample(machine, currentIssue);
        }
        return access;
    }

    /** Ends a run driven by {@link #execute}: settles time and collects the reports. */
    public ReplayResult finishRun() {
        finish();
        return result;
    }

    /** The result so far. */
    public ReplayResult result() {
        return result;
    }

    /** Simulated time at which CPU {@code cpu}'s next record without {@code t=} issues. */
    public long cpuClock(int cpu) {
        return cpuClock[cpu];
    }

    /** The machine once built (after the first record that needs it). */
    public Machine machine() {
        return machine;
    }

    private byte[] stoppedCheckpoint;

    /** The checkpoint taken when {@link ReplayOptions#stopAfterRecords} stopped the run, or null. */
    public byte[] stoppedCheckpoint() {
        return stoppedCheckpoint;
    }

    /** Records already replayed by the run this one was restored from: skipped when reading the trace. */
    private long skipRecords;

    /**
     * The complete state after the records replayed so far, as checkpoint bytes: the machine, the
     * trace position, per-CPU clocks and stop flags, and everything counted (docs/checkpoint-format.md).
     */
    public byte[] checkpoint() {
        if (machine == null) {
            ensureMachine(null);
        }
        dev.gvsim.simcore.state.StateWriter w = new dev.gvsim.simcore.state.StateWriter(machine.args());
        machine.saveState(w);
        w.begin("replay");
        w.putLong(currentIssue);
        w.putInt(MAX_CPUS);
        for (int i = 0; i < MAX_CPUS; i++) {
            w.putLong(cpuClock[i]).putBoolean(cpuStopped[i]);
        }
        result.saveState(w);
        w.end();
        return w.toBytes();
    }

    /**
     * A replayer that continues from a checkpoint: the machine named in it is built (with this run's
     * {@code --set} and {@code --attr} overrides: a checkpoint can be branched), restored, and the
     * records already replayed are skipped when {@link #run} reads the trace.
     */
    public static Replayer restore(ReplayOptions options, String traceName, byte[] checkpoint, String checkpointName) throws InputException {
        dev.gvsim.simcore.state.StateReader r = new dev.gvsim.simcore.state.StateReader(checkpoint);
        if (options.machineOverride != null && !options.machineOverride.equals(r.machine())) {
            throw new InputException("checkpoint is for machine '" + r.machine() + "', not '" + options.machineOverride + "'");
        }
        Replayer rp = new Replayer(options, traceName);
        rp.ensureMachine(r.machine());
        rp.machine.restoreState(r);
        r.open("replay");
        rp.currentIssue = r.getLong();
        if (r.getInt() != MAX_CPUS) {
            throw new InputException("checkpoint replay section: CPU count differs");
        }
        for (int i = 0; i < MAX_CPUS; i++) {
            rp.cpuClock[i] = r.getLong();
            rp.cpuStopped[i] = r.getBoolean();
        }
        rp.result.restoreState(r);
        rp.skipRecords = rp.result.records;
        rp.result.restoredFrom = checkpointName;
        return rp;
    }

    /** Replays every record; bad input ends the run with an {@link InputException} naming the record. */
    public ReplayResult run(TraceReader reader) throws InputException {
        reader.omitExtensions(); // x- keys are for people; nothing here reads them
        reader.callerOnlyReadsRecords(); // step() reads the record, never writes it
        TraceRecord r = new TraceRecord();
        for (long i = 0; i < skipRecords; i++) {
            if (!reader.next(r)) {
                throw new InputException("the trace ends after " + i + " records but the checkpoint was taken after record " + skipRecords
                        + " (a different trace?)");
            }
        }
        boolean batch = options.batchRuns;
        long boundary = recordBoundary();
        boolean pendingRecord = false; // r holds a record read (and counted) but not yet executed
        while (true) {
            if (!pendingRecord) {
                if (!reader.next(r)) {
                    break;
                }
                result.records++;
            }
            pendingRecord = false;
            if (batch && r.op == Op.WR && openRun(r)) {
                int end = storeRun(reader, r, boundary);
                if (end == RUN_TRACE_END) {
                    break;
                }
                pendingRecord = end == RUN_PENDING;
            } else {
                current = r;
                try {
                    step(r);
                } catch (IllegalArgumentException e) {
                    throw new InputException(where(r) + ": " + e.getMessage());
                }
            }
            if (!pendingRecord && currentIssue >= timeline.nextPs) {
                // after the record that reached it (a run ends after the store that does: storeRun)
                timeline.sample(machine, currentIssue);
            }
            if (!pendingRecord && result.records >= boundary) {
                // the state at this record boundary, before finish() drains buffers and settles time
                stoppedCheckpoint = checkpoint();
                break;
            }
        }
        finish();
        return result;
    }

    /**
     * The record count at which {@link #run} stops ({@link ReplayOptions#stopAfterRecords}). A run of
     * stores ends there ({@link #storeRun}), so a checkpoint sees what the general path leaves. A
     * per-record hook (a sampler of counters every N records, or at a simulated time) fits the same
     * way: its compare sits next to this one in both loops, and a run ends before the hook reads
     * anything; a hook on simulated time may instead lower the run's time limit, as the next kernel
     * event does ({@link #openRun}). The report's {@link Timeline} is such a hook: a run ends after
     * the store whose completion reaches {@code timeline.nextPs}, and run() samples then, as after any record.
     */
    private long recordBoundary() {
        return options.stopAfterRecords > 0 ? options.stopAfterRecords : Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------ runs of stores (issue 29)

    /** {@link #storeRun} ended at the record boundary or after the store that reached the timeline's next sample, with no record read beyond the run. */
    private static final int RUN_BOUNDARY = 0;
    /** {@link #storeRun} read a record that does not continue the run: it is in the reader's record, counted, not executed. */
    private static final int RUN_PENDING = 1;
    /** {@link #storeRun} reached the end of the trace. */
    private static final int RUN_TRACE_END = 2;

    /** Stores done in runs so far (not part of the result: the general path gives the same result). */
    private long runStores;

    /** Stores this replayer did in runs ({@link #storeRun}) rather than one by one; for tests and benchmarks. */
    public long runStores() {
        return runStores;
    }

    /** Of {@link #runStores}, those the reader counted ahead rather than decoding each (TraceReader#peekRunStores). */
    private long peekedStores;

    /** Stores of runs the reader counted ahead (TraceReader#peekRunStores); for tests and benchmarks. */
    public long peekedStores() {
        return peekedStores;
    }

    /** The stores of the run {@link #openRun} opened must issue before this time (the next kernel event then). */
    private long runLimit;
    /**
     * Pages where opening a run failed, direct-mapped by page number (64 entries), with the number of
     * failures: two at most per page (the first may be a TLB miss that the general path then fills),
     * so that a trace whose stores cannot run (cacheable RAM, registers) pays the attempt rarely,
     * also when it alternates between pages.
     */
    private final long[] runFailPage = new long[64];
    private final byte[] runFails = new byte[64];

    /**
     * Replays a run of stores that starts with {@code r} ({@link #openRun} accepted it) and continues
     * with the records the reader gives while each is the next store of the run: a {@code wr} of the
     * same CPU, size and flags at the address after the previous one's last byte, in the same 4 KiB
     * page, without {@code t=}, with a value exactly when the first has one, issued (when the previous
     * one completed) before the next kernel event. Nothing but these stores reaches the machine while
     * the run lasts, so the short paths the machine checked when it opened hold for every one of them
     * ({@link Machine#openRun}); each store is its memory write and write-gathering step ({@link
     * Machine#runStore}), and what the general path counts per record is counted once at the end
     * ({@link #endRun}). The run's state lives in locals: the per-record work is the compare of the
     * record with the next store and that step. Returns how it ended (RUN_*).
     * ReplayBatchDifferentialTest compares it with the general path.
     */
    private int storeRun(TraceReader reader, TraceRecord r, long boundary) throws InputException {
        final int cpu = r.cpu;
        final long size = r.size;
        final int flags = r.flags;
        final boolean hasVal = r.hasVal;
        final long pageEnd = (r.va | 0xFFF) + 1;
        final long limit = runLimit;
        final long sampleAt = timeline.nextPs; // only run() samples, so it holds for the whole run
        long va = r.va;
        long clock = cpuClock[cpu];
        long lastIssue = clock;
        long records = result.records;
        long value = r.val;
        int n = 0;
        int end;
        boolean execute = true; // store n of the run (value) was read and is not yet executed
        while (true) {
            if (execute) {
                // store n of the run, issued at clock
                lastIssue = clock;
                clock += machine.runStore(n, hasVal, value, clock);
                n++;
                va += size;
                if (records >= boundary || clock >= sampleAt) {
                    // the record boundary, or the store after which the general path samples the timeline
                    end = RUN_BOUNDARY;
                    break;
                }
            }
            execute = true;
            if (va < pageEnd && clock < limit) {
                if (!hasVal) {
                    // the reader counts the stores that follow without decoding each (a memcpy_toio loop
                    // in the binary form); they are executed here, and it takes as many as were
                    int m = reader.peekRunStores(va, size, flags, cpu, (int) Math.min((pageEnd - va) / size, boundary - records));
                    if (m > 0) {
                        int taken = 0;
                        boolean stop = false;
                        while (taken < m && clock < limit) {
                            taken++;
                            records++;
                            lastIssue = clock;
                            clock += machine.runStore(n, false, 0, clock);
                            n++;
                            va += size;
                            if (records >= boundary || clock >= sampleAt) {
                                stop = true;
                                break;
                            }
                        }
                        reader.commitRunStores(taken);
                        peekedStores += taken;
                        if (stop) {
                            end = RUN_BOUNDARY;
                            break;
                        }
                        // all of them, or the clock reached the next kernel event: the next record ends the run
                        execute = false;
                        continue;
                    }
                }
                if (reader.nextRunStore(va, size, flags, cpu, hasVal)) {
                    // the reader's short path took the next store of the run without filling r
                    records++;
                    value = reader.runStoreValue();
                    continue;
                }
            }
            boolean more;
            try {
                more = reader.next(r);
            } catch (InputException e) {
                endRun(records, cpu, clock, lastIssue, n, hasVal);
                throw e;
            }
            if (!more) {
                end = RUN_TRACE_END;
                break;
            }
            records++;
            if (r.va != va || r.op != Op.WR || r.cpu != cpu || r.size != size || r.flags != flags || r.hasT || r.hasVal != hasVal
                    || va >= pageEnd || clock >= limit) {
                end = RUN_PENDING;
                break;
            }
            value = r.val;
        }
        endRun(records, cpu, clock, lastIssue, n, hasVal);
        return end;
    }

    /**
     * Ends a run of {@code n} stores: counts them as the general path counts each (records, the
     * replay's accesses and stores without value; the machine's MMU, PCI and timing counters), sets
     * the CPU's clock to the last store's completion and the kernel's clock to its issue time, as
     * the general path's runUntil leaves it (no event was due before it).
     */
    private void endRun(long records, int cpu, long clock, long lastIssue, int n, boolean hasVal) {
        result.records = records;
        cpuClock[cpu] = clock;
        currentIssue = clock;
        machine.closeRun(n);
        runStores += n;
        result.accesses += n;
        if (!hasVal) {
            result.storesWithoutValue += n;
        }
        machine.kernel().runUntil(lastIssue);
    }

    /**
     * Opens a run of stores that starts with store {@code r}, if the machine takes it ({@link
     * Machine#openRun}); true when it did (then {@link #storeRun} replays it).
     */
    private boolean openRun(TraceRecord r) {
        long page = r.va >>> 12;
        int slot = (int) page & 63;
        boolean known = runFailPage[slot] == page + 1; // +1: page 0 is a page too
        return (!known || runFails[slot] < 2) && tryOpenRun(r, page, slot, known);
    }

    /** {@link #openRun} past the table of refused pages (out of line: the refused case stays small). */
    private boolean tryOpenRun(TraceRecord r, long page, int slot, boolean known) {
        int cpu = r.cpu;
        long size = r.size;
        if (r.hasT || machine == null || cpu < 0 || cpu >= MAX_CPUS || cpuStopped[cpu] || size < 1 || size > 8 || (r.va & (size - 1)) != 0
                || (r.flags & Access.F_NO_DATA) != 0) {
            return false;
        }
        long next = machine.kernel().nextEventTime();
        long issue = cpuClock[cpu];
        if (next != dev.gvsim.simcore.EventKernel.NO_EVENT && issue >= next) {
            return false;
        }
        Access a = access.endedClean() ? access.nextCpu(Access.WRITE, r.va, (int) size, r.flags, cpu, r.hasPc ? r.pc : 0, r.sym)
                : access.cpu(Access.WRITE, r.va, (int) size, r.flags, cpu, r.hasPc ? r.pc : 0, r.sym);
        if (!r.hasVal) {
            a.flags |= Access.F_NO_DATA;
        }
        int max = (int) ((4096 - (r.va & 0xFFF)) / size);
        if (!machine.openRun(a, max)) {
            // the general path refills the Access
            if (!known) {
                runFailPage[slot] = page + 1;
                runFails[slot] = 0;
            }
            runFails[slot]++;
            return false;
        }
        runLimit = next == dev.gvsim.simcore.EventKernel.NO_EVENT ? Long.MAX_VALUE : next;
        return true;
    }

    private static String where(TraceRecord r) {
        return r.line >= 0 ? "line " + r.line + " (record " + r.index + ")" : "record " + r.index;
    }

    private void ensureMachine(String argsFromTrace) {
        if (machine != null) {
            return;
        }
        String args = options.machineOverride != null ? options.machineOverride : argsFromTrace != null ? argsFromTrace : "-M virt";
        machine = MachineBuilder.build(args, options.paramSets);
        result.machine = args;
        if (options.stage2 != null) {
            machine.applyStage2(options.stage2);
            result.stage2 = options.stage2;
        }
    }

    private void step(TraceRecord r) {
        Op op = r.op;
        if (op == Op.RD || op == Op.WR) {
            // the common record first: a compare instead of the switches below (JMH, issue 9)
            int cpu = startRecord(r);
            if (cpu >= 0) {
                cpuAccess(r, cpu);
            }
            return;
        }
        stepOther(r, op);
    }

    /** Every record other than rd/wr (kept out of {@link #step} so the rd/wr path stays small enough to inline). */
    private void stepOther(TraceRecord r, Op op) {
        switch (op) {
            case META:
                r.forEachMeta(result.meta::put);
                return;
            case MACHINE:
                if (machine != null) {
                    throw new IllegalArgumentException("a machine record after the machine was built (it must come before the first access)");
                }
                ensureMachine(r.machineArgs);
                return;
            case MARK: {
                ensureMachine(null);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", r.name);
                m.put("index", r.index);
                m.put("timePs", issueTime(r));
                result.marks.add(m);
                return;
            }
            case DELAY: {
                ensureMachine(null);
                int cpu = cpu(r);
                cpuClock[cpu] = Math.addExact(issueTime(r), r.ps);
                machine.kernel().runUntil(cpuClock[cpu]);
                return;
            }
            default:
                break;
        }
        int cpu = startRecord(r);
        if (cpu < 0) {
            return;
        }
        if (op == Op.MAP || op == Op.S2MAP || op == Op.UNMAP || op == Op.CFGWR) {
            java.util.Arrays.fill(runFailPage, 0); // what refused a run may have changed: try again
        }
        switch (op) {
            case MAP: {
                String attr = options.attrOverrides.getOrDefault(r.pa, TraceRecord.ATTR_NAMES[r.attr]);
                machine.mmu().map(r.va, r.pa, r.size, MemoryType.fromTraceName(attr));
                break;
            }
            case S2MAP:
                if (r.fwb >= 0) {
                    machine.mmu().setFwb(r.fwb == 1);
                }
                machine.mmu().s2map(r.ipa, r.pa, r.size, MemoryType.of(r.attr));
                break;
            case UNMAP:
                if (r.stage == 2) {
                    machine.mmu().s2unmap(r.ipa, r.size);
                } else {
                    machine.mmu().unmap(r.va, r.size);
                }
                break;
            case MEMCPY:
            case MEMSET:
                stringOp(r, cpu);
                break;
            case CFGRD:
            case CFGWR:
                configAccess(r, cpu);
                break;
            case IORD:
            case IOWR:
                ioAccess(r, cpu);
                break;
            default:
                throw new IllegalStateException("unhandled op " + r.op);
        }
    }

    /**
     * What every record that the machine executes starts with: the machine exists, the CPU has not
     * stopped on a fault, and simulated time has run up to the record's issue time. Returns the CPU,
     * or -1 when the record is skipped (its CPU stopped).
     */
    private int startRecord(TraceRecord r) {
        if (machine == null) {
            ensureMachine(null);
        }
        int cpu = cpu(r);
        if (cpuStopped[cpu]) {
            result.skippedAfterFault++;
            return -1;
        }
        long issue = issueTime(r, cpu);
        machine.kernel().runUntil(issue);
        currentIssue = issue;
        return cpu;
    }

    private int cpu(TraceRecord r) {
        if (r.cpu < 0 || r.cpu >= MAX_CPUS) {
            throw new IllegalArgumentException("cpu=" + r.cpu + " outside 0.." + (MAX_CPUS - 1));
        }
        return r.cpu;
    }

    private long issueTime(TraceRecord r) {
        return issueTime(r, cpu(r));
    }

    private long issueTime(TraceRecord r, int cpu) {
        return r.hasT ? Math.max(r.t, 0) : cpuClock[cpu];
    }

    // ------------------------------------------------------------------ CPU accesses

    private void cpuAccess(TraceRecord r, int cpu) {
        int kind = r.op == Op.WR ? Access.WRITE : Access.READ;
        long pc = r.hasPc ? r.pc : 0;
        Access a = access.endedClean() ? access.nextCpu(kind, r.va, (int) r.size, r.flags, cpu, pc, r.sym)
                : access.cpu(kind, r.va, (int) r.size, r.flags, cpu, pc, r.sym);
        if (a.kind == Access.WRITE) {
            if (r.hasVal) {
                a.data = r.val;
                a.dataHi = r.valHi;
            } else {
                a.flags |= Access.F_NO_DATA;
                result.storesWithoutValue++;
            }
        }
        issue(a, cpu);
        if (a.ok() && a.kind == Access.READ && r.hasExpect) {
            compare(r, a.address, a.size, r.expect, r.expectHi, a.data, a.dataHi);
        }
    }

    /** Sends a filled Access through MMU, timing and bus; accounts time, faults, alignment. */
    private void issue(Access a, int cpu) {
        result.accesses++;
        boolean unaligned = a.size > 0 && (a.va & (a.size - 1)) != 0;
        machine.cpuAccess(a, currentIssue);
        if (unaligned) {
            result.unaligned++;
            if (a.memType >= 0) {
                result.unalignedByTypeCount[a.memType]++;
            }
        }
        long done = currentIssue + a.latencyPs;
        cpuClock[cpu] = Math.max(cpuClock[cpu], done);
        currentIssue = cpuClock[cpu];
        if (a.status.isCpuFault()) {
            recordFault(a, cpu);
        } else if (a.status == Status.MASTER_ABORT) {
            recordMasterAbort(a);
        }
    }

    private void recordFault(Access a, int cpu) {
        result.faultCount++;
        if (result.faults.size() < options.maxListed) {
            TraceRecord r = current;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("index", r.index);
            if (r.line >= 0) {
                f.put("line", r.line);
            }
            f.put("op", r.op.word());
            f.put("va", hex(a.va));
            f.put("pa", a.faultStage == 0 && a.memType >= 0 ? hex(a.address) : null);
            f.put("size", a.size);
            f.put("kind", a.kind == Access.WRITE ? "write" : "read");
            f.put("flags", Flags.toText(a.flags & ~(Access.F_NO_DATA)));
            f.put("pc", a.pc != 0 ? hex(a.pc) : null);
            f.put("sym", a.sym);
            f.put("type", a.status.name().toLowerCase().replace('_', '-'));
            f.put("esr", String.format("0x%08x", a.detail));
            f.put("far", hex(a.faultAddress));
            if (a.faultStage == 2) {
                // taken to EL2: FAR_EL2 is the VA, HPFAR_EL2.FIPA (bits [43:4]) holds IPA[51:12]
                f.put("ipa", hex(a.faultIpa));
                f.put("hpfar", hex((a.faultIpa >>> 12) << 4));
            }
            f.put("level", a.faultLevel);
            f.put("stage", a.faultStage);
            f.put("memType", a.memType >= 0 ? MemoryType.of(a.memType).traceName() : null);
            f.put("timePs", currentIssue);
            result.faults.add(f);
        }
        if (!options.continueAfterFault) {
            cpuStopped[cpu] = true;
        }
    }

    private void recordMasterAbort(Access a) {
        result.masterAbortCount++;
        if (result.masterAborts.size() < options.maxListed) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", current.index);
            m.put("op", current.op.word());
            m.put("address", hex(a.address));
            m.put("size", a.size);
            m.put("kind", a.kind == Access.WRITE ? "write" : "read");
            result.masterAborts.add(m);
        }
    }

    private void compare(TraceRecord r, long addr, int size, long expect, long expectHi, long got, long gotHi) {
        long mask = Access.sizeMask(size);
        boolean same = (expect & mask) == (got & mask) && (size <= 8 || expectHi == gotHi);
        if (same) {
            return;
        }
        result.mismatchCount++;
        String device = machine.describeAddress(r.op, addr);
        result.mismatchesPerDevice.merge(device, 1L, Long::sum);
        if (result.mismatches.size() < options.maxListed) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", r.index);
            if (r.line >= 0) {
                m.put("line", r.line);
            }
            m.put("op", r.op.word());
            m.put("address", hex(addr));
            m.put("size", size);
            m.put("device", device);
            m.put("expected", size > 8 ? String.format("0x%016x%016x", expectHi, expect) : hex(expect & mask));
            m.put("actual", size > 8 ? String.format("0x%016x%016x", gotHi, got) : hex(got & mask));
            result.mismatches.add(m);
        }
    }

    // ------------------------------------------------------------------ memcpy / memset

    private final class StringEmitter implements GuestStringOps.Emitter {
        int cpu;
        boolean stopped;

        @Override
        public long load(long va, int size, int flags) {
            Access a = access.reset();
            fill(a, Access.READ, va, size, flags);
            issue(a, cpu);
            stopped = a.status.isCpuFault() && !options.continueAfterFault;
            return a.data;
        }

        @Override
        public void store(long va, int size, long value, int flags) {
            Access a = access.reset();
            fill(a, Access.WRITE, va, size, flags);
            a.data = value;
            issue(a, cpu);
            stopped = a.status.isCpuFault() && !options.continueAfterFault;
        }

        @Override
        public void zeroBlock(long va, int blockBytes) {
            // DC ZVA: modelled as one 16-byte-granular zeroing access per block, flagged zva
            for (int off = 0; off < blockBytes && !stopped; off += 16) {
                Access a = access.reset();
                fill(a, Access.WRITE, va + off, 16, Access.F_ZVA);
                issue(a, cpu);
                stopped = a.status.isCpuFault() && !options.continueAfterFault;
            }
        }

        @Override
        public boolean stopped() {
            return stopped;
        }

        private void fill(Access a, int kind, long va, int size, int flags) {
            a.kind = kind;
            a.va = va;
            a.address = va;
            a.size = size;
            a.flags = flags | (current.flags & ~Access.F_PAIR);
            a.initiator = cpu;
            a.pc = current.hasPc ? current.pc : 0;
            a.sym = current.sym;
        }
    }

    private final StringEmitter stringEmitter = new StringEmitter();
    private GuestStringOps stringOps;

    private void stringOp(TraceRecord r, int cpu) {
        if (r.len < 0 || r.len > MAX_STRING_OP_BYTES) {
            throw new IllegalArgumentException("len=" + r.len + " outside 0.." + MAX_STRING_OP_BYTES);
        }
        if (stringOps == null) {
            stringOps = new GuestStringOps(stringEmitter, machine.zvaBlockBytes());
        }
        stringEmitter.cpu = cpu;
        stringEmitter.stopped = false;
        String impl = r.implName();
        if (r.op == Op.MEMCPY) {
            if (GuestStringOps.MEMCPY_TOIO.equals(impl)) {
                stringOps.memcpyToio(r.dst, r.src, r.len);
            } else {
                stringOps.arm64Memcpy(r.dst, r.src, r.len);
            }
        } else {
            int v = (int) r.val;
            if (GuestStringOps.MEMSET_IO.equals(impl)) {
                stringOps.memsetIo(r.dst, v, r.len);
            } else {
                stringOps.arm64Memset(r.dst, v, r.len);
            }
        }
    }

    /** A bound on one memcpy/memset record (1 GiB: the size of the default guest RAM). */
    public static final long MAX_STRING_OP_BYTES = 1L << 30;

    // ------------------------------------------------------------------ config and I/O space

    private void configAccess(TraceRecord r, int cpu) {
        Access a = access.reset();
        a.kind = r.op == Op.CFGWR ? Access.WRITE : Access.READ;
        a.size = (int) r.size;
        a.data = r.hasVal ? r.val : 0;
        a.initiator = cpu;
        machine.configAccess(a, r.bdf, r.off);
        result.accesses++;
        cpuClock[cpu] = currentIssue + a.latencyPs;
        if (a.status == Status.MASTER_ABORT) {
            recordMasterAbort(a);
        }
        if (a.kind == Access.READ && r.hasExpect) {
            dev.gvsim.pciefabric.PciFunction f = machine.pci().find(r.bdf);
            if (f != null && !f.modelled()) {
                // a placeholder for a device gvsim does not model: what QEMU's device answered is not compared
                result.notModelledReads++;
                result.notModelledPerDevice.merge(f.id() + " config", 1L, Long::sum);
                return;
            }
            compare(r, a.address, a.size, r.expect, 0, a.data, 0);
        }
    }

    private void ioAccess(TraceRecord r, int cpu) {
        Access a = access.reset();
        a.kind = r.op == Op.IOWR ? Access.WRITE : Access.READ;
        a.size = (int) r.size;
        a.data = r.hasVal ? r.val : 0;
        a.initiator = cpu;
        machine.ioAccess(a, r.port);
        result.accesses++;
        cpuClock[cpu] = currentIssue + a.latencyPs;
        if (a.status.isCpuFault()) {
            recordFault(a, cpu);
        } else if (a.status == Status.MASTER_ABORT) {
            recordMasterAbort(a);
        }
        if (a.ok() && a.kind == Access.READ && r.hasExpect) {
            compare(r, a.address, a.size, r.expect, 0, a.data, 0);
        }
    }

    // ------------------------------------------------------------------ end

    private void finish() {
        if (machine == null) {
            ensureMachine(null);
        }
        long end = 0;
        for (long c : cpuClock) {
            end = Math.max(end, c);
        }
        machine.kernel().runUntil(end);
        machine.flushTiming(end);
        result.simulatedTimePs = Math.max(end, machine.kernel().now());
        timeline.finish(machine, result.simulatedTimePs);
        result.latencyHistograms = LatencyHistograms.of(machine.stats());
        result.memoryTypes = machine.memoryTypeReport();
        result.mmu = machine.mmuReport();
        result.trapped = machine.trappedReport();
        result.devices = machine.deviceReport();
        boolean allStopped = false;
        for (int i = 0; i < MAX_CPUS; i++) {
            allStopped |= cpuStopped[i];
        }
        result.stoppedByFault = allStopped;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
