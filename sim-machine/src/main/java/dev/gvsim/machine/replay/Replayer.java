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
        while (true) {
            boolean more;
            try {
                more = reader.next(r);
            } catch (InputException e) {
                closeRun();
                throw e;
            }
            if (!more) {
                break;
            }
            result.records++;
            if (!batch || !runRecord(r)) {
                current = r;
                try {
                    step(r);
                } catch (IllegalArgumentException e) {
                    throw new InputException(where(r) + ": " + e.getMessage());
                }
            }
            if (result.records >= boundary) {
                // the state at this record boundary, before finish() drains buffers and settles time
                closeRun();
                stoppedCheckpoint = checkpoint();
                break;
            }
        }
        closeRun();
        finish();
        return result;
    }

    /**
     * The record count at which {@link #run} stops ({@link ReplayOptions#stopAfterRecords}). An open
     * run of stores is closed there ({@link #closeRun}), so a checkpoint sees what the general path
     * leaves. A per-record hook (a sampler of counters every N records or at a simulated time) does
     * the same: its compare sits next to this one and closes the run before it reads any counter; a
     * hook on simulated time may instead lower {@link #runLimit}, as the next kernel event does.
     */
    private long recordBoundary() {
        return options.stopAfterRecords > 0 ? options.stopAfterRecords : Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------ runs of stores (issue 29)

    /** A run of stores is open ({@link Machine#openRun}): its records go through {@link #runRecord}. */
    private boolean runOpen;
    private int runCpu;
    private int runSize;
    private int runFlags;
    private boolean runHasVal;
    /** Stores done in the open run; the VA the next one must have; the end of its page. */
    private int runCount;
    private long runNextVa;
    private long runPageEnd;
    /** The open run's stores must issue before this time (the next kernel event when it opened). */
    private long runLimit;
    private long runLastIssue;
    /** Stores done in runs so far (not part of the result: the general path gives the same result). */
    private long runStores;

    /** Stores this replayer did in runs ({@link #runRecord}) rather than one by one; for tests and benchmarks. */
    public long runStores() {
        return runStores;
    }

    /** Failed attempts to open a run in page {@link #runFailPage} (two at most per page: a TLB miss fills the TLB). */
    private long runFailPage = -1;
    private int runFails;

    /**
     * Executes {@code r} as a store of the open run, or of a run it opens; false (nothing done) when
     * it cannot be (the caller takes the general path). A run holds consecutive {@code wr} records of
     * one CPU with the same size and flags, each at the address after the previous one's last byte,
     * in one 4 KiB page, none with {@code t=}, all with a value or all without, issued while no kernel
     * event is due: each is issued when the previous one completed, and nothing but these stores
     * reaches the machine while the run is open, so the short paths the machine checked when it
     * opened hold for every one of them ({@link Machine#openRun}). Everything the general path does
     * per record is done here per record or, for counters nobody reads while the run is open, once
     * when it closes ({@link #closeRun}). ReplayBatchDifferentialTest compares both paths.
     */
    private boolean runRecord(TraceRecord r) {
        if (runOpen) {
            long issue = cpuClock[runCpu];
            if (r.va == runNextVa && r.op == Op.WR && r.cpu == runCpu && r.size == runSize && r.flags == runFlags && !r.hasT
                    && r.hasVal == runHasVal && r.va < runPageEnd && issue < runLimit) {
                long done = issue + machine.runStore(runCount, runHasVal, r.val, issue);
                runCount++;
                runNextVa += runSize;
                runLastIssue = issue;
                cpuClock[runCpu] = done;
                currentIssue = done;
                return true;
            }
            closeRun();
        }
        return r.op == Op.WR && openRun(r) && runRecord(r);
    }

    /** Opens a run that starts with store {@code r}, if the machine takes it; true when it did. */
    private boolean openRun(TraceRecord r) {
        int cpu = r.cpu;
        long size = r.size;
        if (r.hasT || machine == null || cpu < 0 || cpu >= MAX_CPUS || cpuStopped[cpu] || size < 1 || size > 8 || (r.va & (size - 1)) != 0
                || (r.flags & Access.F_NO_DATA) != 0) {
            return false;
        }
        long page = r.va >>> 12;
        if (page == runFailPage && runFails >= 2) {
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
            if (page != runFailPage) {
                runFailPage = page;
                runFails = 0;
            }
            runFails++;
            return false;
        }
        runOpen = true;
        runCpu = cpu;
        runSize = (int) size;
        runFlags = r.flags;
        runHasVal = r.hasVal;
        runCount = 0;
        runNextVa = r.va;
        runPageEnd = (r.va | 0xFFF) + 1;
        runLimit = next == dev.gvsim.simcore.EventKernel.NO_EVENT ? Long.MAX_VALUE : next;
        return true;
    }

    /**
     * Closes the open run, if any: counts its stores as the general path counts each (the replay's
     * accesses and stores without value; the machine's MMU, PCI and timing counters) and brings the
     * kernel's clock to the last store's issue time, as the general path's runUntil leaves it.
     */
    private void closeRun() {
        if (!runOpen) {
            return;
        }
        runOpen = false;
        int n = runCount;
        runStores += n;
        machine.closeRun(n);
        if (n > 0) {
            result.accesses += n;
            if (!runHasVal) {
                result.storesWithoutValue += n;
            }
            machine.kernel().runUntil(runLastIssue);
        }
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
        result.memoryTypes = machine.memoryTypeReport();
        result.mmu = machine.mmuReport();
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
