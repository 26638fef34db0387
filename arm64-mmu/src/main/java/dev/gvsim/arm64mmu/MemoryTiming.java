package dev.gvsim.arm64mmu;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/**
 * CPU-visible latency of an access by its effective memory type, and the interconnect transactions
 * (PCIe TLPs) it costs (docs/facts/arm64-memory.md sections 1 and 7):
 * <ul>
 * <li>Device-nGnRnE write: no early acknowledgement, the CPU waits for completion: path occupancy +
 * round trip + the target's latency.</li>
 * <li>Device-nGnRE / nGRE write: posted, acknowledged early; the CPU still cannot issue faster than
 * the path accepts transactions (one per access: no gathering). Cortex-A53/A55 treat nGRE as
 * nGnRE inside the core.</li>
 * <li>Reads of any uncached type: non-posted round trips.</li>
 * <li>Device-GRE / Normal-NC writes: through a per-CPU write-combining buffer of one line
 * ({@code mem.wc.line_bytes}); contiguous stores in the same line merge into one transaction; the
 * line goes out on a barrier (F_BARRIER_AFTER, acquire/release), when full, on a store that is
 * not adjacent, or after {@code mem.wc.timeout} idle. A store waits only if the buffer is still
 * waiting for the path.</li>
 * <li>Normal-WT / WB: a cache hit, no bus transaction.</li>
 * <li>Under a host stage 2 ({@link #setTrapsEmulated}), an access to a region the VMM emulates
 * ({@link Access#F_EMULATED}) traps: the vCPU waits until the VMM returns, so a store to it is not
 * posted either; it costs what a Device-nGnRnE store costs, the target's latency (the device's
 * trap cost, e.g. {@code qxl.io_latency}) included.</li>
 * </ul>
 * One shared path (the CPU-to-root-complex link) serves transactions in order: each occupies it for
 * {@code mem.uc.txn_overhead + bytes / mem.link.bytes_per_ns}. No allocation per access.
 */
public final class MemoryTiming implements dev.gvsim.simcore.state.Checkpointable {
    private static final int TYPES = MemoryType.count();
    private static final int NGNRNE = MemoryType.DEVICE_NGNRNE.ordinal();
    private static final int NC = MemoryType.NORMAL_NC.ordinal();

    private final long lineBytes;
    private final long timeoutPs;
    private final long wcStorePs;
    private final long roundTripPs;
    private final long postedAckPs;
    private final long txnOverheadPs;
    private final double psPerByte;
    private final long cacheHitPs;
    private final int maxCpus;
    private final long bulkElement;

    /** One CPU's write-combining line: [start, end) of memory type {@code type}, last store at {@code last}. */
    private static final class WcLine {
        long start;
        long end;
        int type;
        long last;
        /** The buffer is handed to the path at this time; a new store before it waits. */
        long busyUntil;

        boolean holds() {
            return end > start;
        }
    }

    private final WcLine[] wc;
    /** Accesses to VMM-emulated regions trap ({@link #setTrapsEmulated}). */
    private boolean trapsEmulated;
    /** Off only in tests, which check the store fast path in {@link #complete} against {@link #gather}. */
    boolean openLineFastPath = true;
    private long pathFreeAt;
    /** {@link #occupancy} of 0..lineBytes bytes (every gathered line and single access), computed once. */
    private final long[] occupancyOf;

    private final Counter[] transactions = new Counter[TYPES];
    private final Counter[] bytes = new Counter[TYPES];
    private final Counter[] accesses = new Counter[TYPES];
    private final Counter flushBarrier;
    private final Counter flushFull;
    private final Counter flushNonAdjacent;
    private final Counter flushTimeout;
    private final Counter flushEnd;
    private final Counter initiatorWrapped;
    private final Counter untyped;
    private final Counter stallPs;
    private final Counter trappedAccesses;
    private final Counter trappedPs;

    public MemoryTiming(Params params, Stats stats) {
        lineBytes = params.getLong(MmuParams.WC_LINE_BYTES);
        if (lineBytes < 8 || lineBytes > 4096 || Long.bitCount(lineBytes) != 1) {
            throw new IllegalArgumentException("mem.wc.line_bytes=" + lineBytes + " must be a power of two in [8, 4096]");
        }
        timeoutPs = nonNegative(params.getDuration(MmuParams.WC_TIMEOUT), "mem.wc.timeout");
        wcStorePs = nonNegative(params.getDuration(MmuParams.WC_STORE), "mem.wc.store");
        roundTripPs = nonNegative(params.getDuration(MmuParams.UC_ROUND_TRIP), "mem.uc.round_trip");
        postedAckPs = nonNegative(params.getDuration(MmuParams.UC_POSTED_ACK), "mem.uc.posted_ack");
        txnOverheadPs = nonNegative(params.getDuration(MmuParams.UC_TXN_OVERHEAD), "mem.uc.txn_overhead");
        double bpns = params.getDouble(MmuParams.LINK_BYTES_PER_NS);
        if (!(bpns > 0) || Double.isInfinite(bpns)) {
            throw new IllegalArgumentException("mem.link.bytes_per_ns=" + bpns + " must be positive");
        }
        psPerByte = 1000.0 / bpns;
        cacheHitPs = nonNegative(params.getDuration(MmuParams.CACHE_HIT), "mem.cache.hit");
        long cpus = params.getLong(MmuParams.MAX_CPUS);
        if (cpus < 1 || cpus > 4096) {
            throw new IllegalArgumentException("mem.max_cpus=" + cpus + " outside 1..4096");
        }
        maxCpus = (int) cpus;
        bulkElement = params.getLong(MmuParams.BULK_DEVICE_ELEMENT);
        if (bulkElement < 1 || bulkElement > 4096) {
            throw new IllegalArgumentException("mem.bulk.device_element_bytes=" + bulkElement + " outside 1..4096");
        }
        wc = new WcLine[maxCpus];
        for (int c = 0; c < maxCpus; c++) {
            wc[c] = new WcLine();
        }
        occupancyOf = new long[(int) Math.max(lineBytes, 16) + 1];
        for (int n = 0; n < occupancyOf.length; n++) {
            occupancyOf[n] = txnOverheadPs + (long) Math.ceil(n * psPerByte);
        }
        for (MemoryType t : MemoryType.values()) {
            String p = "mem." + t.traceName().replace('-', '_') + ".";
            transactions[t.ordinal()] = stats.counter(p + "transactions");
            bytes[t.ordinal()] = stats.counter(p + "bytes");
            accesses[t.ordinal()] = stats.counter(p + "accesses");
        }
        flushBarrier = stats.counter("mem.wc.flush.barrier");
        flushFull = stats.counter("mem.wc.flush.full_line");
        flushNonAdjacent = stats.counter("mem.wc.flush.non_adjacent");
        flushTimeout = stats.counter("mem.wc.flush.timeout");
        flushEnd = stats.counter("mem.wc.flush.end_of_run");
        initiatorWrapped = stats.counter("mem.initiator_wrapped");
        untyped = stats.counter("mem.untyped");
        stallPs = stats.counter("mem.wc.stall_ps");
        trappedAccesses = stats.counter("mem.trapped.accesses");
        trappedPs = stats.counter("mem.trapped.latency_ps");
    }

    private static long nonNegative(long v, String name) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
        return v;
    }

    private long occupancy(long n) {
        return n < occupancyOf.length ? occupancyOf[(int) n] : txnOverheadPs + (long) Math.ceil(n * psPerByte);
    }

    /** Occupies the path with one transaction of {@code n} bytes at {@code addr} ready at {@code at}; returns when it starts. */
    private long issue(int type, long addr, long at, long n) {
        long start = Math.max(at, pathFreeAt);
        pathFreeAt = start + occupancy(n);
        transactions[type].inc();
        bytes[type].add(n);
        if (observer != null) {
            observer.transaction(type, addr, n);
        }
        return start;
    }

    /** Sees every interconnect transaction as it is issued (after write gathering); must not allocate. */
    @FunctionalInterface
    public interface TransactionObserver {
        /** One transaction of {@code bytes} bytes at physical address {@code address}, of {@link MemoryType} ordinal {@code type}. */
        void transaction(int type, long address, long bytes);
    }

    private TransactionObserver observer;

    /** Installs (or with null removes) the one transaction observer: a study counting transactions per address range (per BAR). */
    public void setObserver(TransactionObserver o) {
        observer = o;
    }

    private int cpu(int initiator) {
        if (initiator >= 0 && initiator < maxCpus) {
            return initiator;
        }
        initiatorWrapped.inc();
        return Math.floorMod(initiator, maxCpus);
    }

    /** Emits the CPU's WC line at {@code at}. */
    private void flushLine(WcLine w, long at, Counter reason) {
        long len = w.end - w.start;
        if (len <= 0) {
            return;
        }
        w.busyUntil = issue(w.type, w.start, at, len);
        w.end = w.start;
        reason.inc();
    }

    /**
     * Whether a host stage 2 is installed ({@code --stage2 kvm}, {@code kvm-fwb}): then an access that
     * reached a region the VMM emulates ({@link Access#F_EMULATED}: KVM has no memslot for it) is a
     * stage-2 abort handled by the VMM (arch/arm64/kvm/mmio.c io_mem_abort, KVM_EXIT_MMIO), and the
     * vCPU runs on only when the VMM has completed it: its store is not posted. Off (no hypervisor
     * modelled) by default, as before.
     */
    public void setTrapsEmulated(boolean on) {
        trapsEmulated = on;
    }

    /** See {@link #setTrapsEmulated}. */
    public boolean trapsEmulated() {
        return trapsEmulated;
    }

    /**
     * The CPU loads and stores that trapped to the VMM ({@link #setTrapsEmulated}) and the latency
     * the CPU saw for them in total: {@code accesses}, {@code latencyPs}.
     */
    public Map<String, Object> trappedReport() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accesses", trappedAccesses.get());
        m.put("latencyPs", trappedPs.get());
        return m;
    }

    /** See the class comment. */
    public void complete(Access a, long now) {
        if (!openLineFastPath || !openLineStore(a, now)) {
            completeGeneral(a, now);
        }
    }

    private static final int GRE = MemoryType.DEVICE_GRE.ordinal();
    /** Flags after which the line is flushed ({@link #completeGeneral}). */
    private static final int FLUSH_AFTER = Access.F_BARRIER_AFTER | Access.F_ACQ | Access.F_REL;

    /**
     * The common store on its own short path (issue 9; a memcpy_toio into a BAR): a Device-GRE or
     * Normal-NC store that continues its CPU's open line without filling it, with the line not timed
     * out, the buffer not waiting for the path and no barrier after it. {@link #completeGeneral} would
     * count it, find no flush, no stall and one piece, and give it {@code wcStorePs}; this is that
     * outcome (MemoryTimingTest's differential test). Returns false, having changed nothing, otherwise.
     */
    private boolean openLineStore(Access a, long now) {
        int t = a.memType;
        int c = a.initiator;
        if (a.kind != Access.WRITE || (t != NC && t != GRE) || !a.ok() || c < 0 || c >= maxCpus || (a.flags & FLUSH_AFTER) != 0) {
            return false;
        }
        WcLine w = wc[c];
        long addr = a.address;
        long n = a.size;
        if (!continuesOpenLine(w, t, addr, n, now) || now - w.last > timeoutPs) {
            return false;
        }
        accesses[t].inc();
        a.latencyPs = continueOpenLine(w, addr, n, now);
        return true;
    }

    /**
     * A run of stores (issue 29): true when plain stores of {@code size} bytes by CPU {@code
     * initiator} of type {@code t} with {@code flags}, starting at {@code addr}, each at the address
     * after the previous one, may be completed with {@link #runStore} and counted with {@link
     * #countRun}: Device-GRE or Normal-NC (gathered) stores, a CPU with its own buffer, no barrier or
     * acquire/release flag, an aligned power-of-two size of at most a line (so a store is one piece),
     * and no transaction observer (which could act on the kernel between them). Changes nothing.
     */
    public boolean acceptsRun(int initiator, int t, long addr, int size, int flags) {
        return (t == NC || t == GRE) && initiator >= 0 && initiator < maxCpus && (flags & FLUSH_AFTER) == 0 && observer == null
                && size > 0 && size <= lineBytes && (size & (size - 1)) == 0 && (addr & (size - 1)) == 0;
    }

    /**
     * One store of a run {@link #acceptsRun} accepted, issued at {@code now}: what {@link #complete}
     * does with it (its general path: a timeout flush if due, then {@link #gather}; {@link
     * #openLineStore} is that outcome) except counting the access, which {@link #countRun} does for
     * the whole run. Returns its latency. MemoryTimingRunTest compares it with {@link #complete}.
     */
    public long runStore(int initiator, int t, long addr, int size, long now) {
        WcLine w = wc[initiator];
        if (continuesOpenLine(w, t, addr, size, now) && now - w.last <= timeoutPs) {
            return continueOpenLine(w, addr, size, now); // what gather gives it (openLineStore's case)
        }
        return runStoreGeneral(w, t, addr, size, now);
    }

    /** {@link #runStore} for a store that does not continue the open line (out of line, so that runStore inlines). */
    private long runStoreGeneral(WcLine w, int t, long addr, int size, long now) {
        if (w.holds() && now - w.last > timeoutPs) {
            flushLine(w, w.last + timeoutPs, flushTimeout);
        }
        return gather(w, t, addr, size, now);
    }

    /** Counts {@code n} accesses of type {@code t}: the stores of a run done with {@link #runStore}. */
    public void countRun(int t, long n) {
        accesses[t].add(n);
    }

    /** A store of {@code n} bytes of type {@code t} at {@code addr} continues {@code w}'s open line without filling it, and the buffer is free. */
    private boolean continuesOpenLine(WcLine w, int t, long addr, long n, long now) {
        return addr == w.end && w.holds() && w.type == t && addr + n - (w.start & -lineBytes) < lineBytes && w.busyUntil <= now;
    }

    /** Appends the store {@link #continuesOpenLine} accepted; returns its latency. */
    private long continueOpenLine(WcLine w, long addr, long n, long now) {
        w.end = addr + n;
        w.last = now + wcStorePs;
        return wcStorePs;
    }

    private void completeGeneral(Access a, long now) {
        if (!a.ok()) {
            return;
        }
        int t = a.memType;
        if (t < 0 || t >= TYPES) {
            untyped.inc(); // not translated by the MMU (e.g. device DMA): latency left as the target gave it
            return;
        }
        WcLine w = wc[cpu(a.initiator)];
        if (w.holds() && now - w.last > timeoutPs) {
            flushLine(w, w.last + timeoutPs, flushTimeout);
        }
        long n = a.size;
        boolean write = a.kind == Access.WRITE;
        accesses[t].inc();
        long lat;
        if (t > NC) {
            lat = cacheHit(n);
        } else if (write && (t == NC || t == GRE)) {
            lat = gatheredStore(w, t, a.address, n, now);
        } else {
            boolean trapped = trapsEmulated && (a.flags & Access.F_EMULATED) != 0;
            lat = write ? uncachedWrite(t, a.address, n, a.buffer != null, a.latencyPs, now, trapped)
                    : uncachedRead(w, t, a.address, n, a.buffer != null, a.latencyPs, now);
            if (trapped) {
                trappedAccesses.inc();
                trappedPs.add(lat);
            }
        }
        if ((a.flags & FLUSH_AFTER) != 0 && w.holds()) {
            flushLine(w, now + lat, flushBarrier);
        }
        a.latencyPs = lat;
    }

    /** Normal-WT/WB: a cache hit per line touched. */
    private long cacheHit(long n) {
        return cacheHitPs * Math.max(1, (n + lineBytes - 1) / lineBytes);
    }

    /** A Device-GRE / Normal-NC store of {@code n} bytes: gathered line by line (a bulk store walks its lines). */
    private long gatheredStore(WcLine w, int t, long addr, long n, long now) {
        long lat = 0;
        long left = n;
        while (left > 0) {
            long piece = Math.min(left, lineBytes - (addr & (lineBytes - 1)));
            lat += gather(w, t, addr, piece, now + lat);
            addr += piece;
            left -= piece;
        }
        return lat;
    }

    /**
     * A Device-nGnRnE / nGnRE / nGRE store: one transaction per access (per element for a bulk
     * copy); nGnRnE waits for each completion, the others are acknowledged early, unless the store
     * {@code trapped} to the VMM (then it completes only when the VMM has done it).
     */
    private long uncachedWrite(int t, long addr, long n, boolean bulk, long target, long now, boolean trapped) {
        long elems = elements(n, bulk);
        long each = elementBytes(n, bulk);
        long start = issueElements(t, addr, now, elems, each);
        if (t == NGNRNE || trapped) {
            return (pathFreeAt - now) + elems * roundTripPs + target; // each write waits for its completion
        }
        return (elems == 1 ? start - now : pathFreeAt - now - occupancy(each)) + postedAckPs; // early acknowledgement
    }

    /** A read of any uncached type: non-posted round trips, after a buffered store to the same bytes. */
    private long uncachedRead(WcLine w, int t, long addr, long n, boolean bulk, long target, long now) {
        if (w.holds() && addr < w.end && addr + n > w.start) {
            flushLine(w, now, flushBarrier);
        }
        long elems = elements(n, bulk);
        issueElements(t, addr, now, elems, elementBytes(n, bulk));
        return (pathFreeAt - now) + elems * roundTripPs + target;
    }

    /** Transactions an uncached access takes: one, or one per {@code mem.bulk.device_element_bytes} of a bulk copy. */
    private long elements(long n, boolean bulk) {
        return bulk ? Math.max(1, (n + bulkElement - 1) / bulkElement) : 1;
    }

    /** Bytes in each of those transactions. */
    private long elementBytes(long n, boolean bulk) {
        return bulk ? Math.min(n, bulkElement) : n;
    }

    /** Issues {@code elems} transactions of {@code each} bytes back to back from {@code now}; returns when the first started. */
    private long issueElements(int t, long addr, long now, long elems, long each) {
        long start = issue(t, addr, now, each);
        for (long i = 1; i < elems; i++) {
            issue(t, addr + i * each, pathFreeAt, each);
        }
        return start;
    }

    /** One store piece inside a line; returns its CPU-visible latency. */
    private long gather(WcLine w, int t, long addr, long n, long now) {
        long stall = 0;
        if (w.holds()) {
            boolean sameLine = (addr & -lineBytes) == (w.start & -lineBytes);
            boolean touches = addr <= w.end && addr + n >= w.start;
            if (w.type != t || !sameLine || !touches) {
                flushLine(w, now, flushNonAdjacent);
            }
        }
        if (w.busyUntil > now) {
            stall = w.busyUntil - now; // the one line buffer is still waiting for the path
            stallPs.add(stall);
        }
        if (w.holds()) {
            w.start = Math.min(w.start, addr);
            w.end = Math.max(w.end, addr + n);
        } else {
            w.start = addr;
            w.end = addr + n;
            w.type = t;
        }
        long lat = stall + wcStorePs;
        w.last = now + lat;
        if (w.end - w.start >= lineBytes) {
            flushLine(w, now + lat, flushFull);
        }
        return lat;
    }

    /** A barrier (DMB/DSB) on one CPU at {@code now}: its write-combining line goes out. */
    public void barrier(int initiator, long now) {
        flushLine(wc[cpu(initiator)], now, flushBarrier);
    }

    /** End of run: drains every write-combining line (at its timeout if that comes first). */
    public void flush(long now) {
        for (WcLine w : wc) {
            if (w.holds()) {
                flushLine(w, Math.min(now, w.last + timeoutPs), flushEnd);
            }
        }
    }

    /** When the path has served every transaction issued so far. */
    public long pathBusyUntil() {
        return pathFreeAt;
    }

    public long transactions(MemoryType t) {
        return transactions[t.ordinal()].get();
    }

    public long bytes(MemoryType t) {
        return bytes[t.ordinal()].get();
    }

    public long accesses(MemoryType t) {
        return accesses[t.ordinal()].get();
    }

    /** Per memory type traceName -&gt; {accesses, bytes, transactions}, sorted by name. */
    public Map<String, Object> report() {
        Map<String, Object> out = new TreeMap<>();
        for (MemoryType t : MemoryType.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accesses", accesses[t.ordinal()].get());
            m.put("bytes", bytes[t.ordinal()].get());
            m.put("transactions", transactions[t.ordinal()].get());
            out.put(t.traceName(), m);
        }
        return out;
    }

    /** Write-combining flush reasons and stall time, sorted. */
    public Map<String, Object> wcReport() {
        Map<String, Object> wc = new TreeMap<>();
        for (Counter k : new Counter[] {flushBarrier, flushFull, flushNonAdjacent, flushTimeout, flushEnd, stallPs}) {
            wc.put(k.name().substring("mem.wc.".length()), k.get());
        }
        return wc;
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String stateName() {
        return "memory-timing";
    }

    /** The per-CPU write-combining lines and the path's busy time (counters ride in Stats). */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putInt(wc.length).putLong(pathFreeAt);
        for (WcLine l : wc) {
            w.putLong(l.start).putLong(l.end).putInt(l.type).putLong(l.last).putLong(l.busyUntil);
        }
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        int n = r.getInt();
        if (n != wc.length) {
            throw new dev.gvsim.simcore.InputException("checkpoint memory-timing: " + n + " CPUs, this machine " + wc.length
                    + " (mem.max_cpus differs)");
        }
        pathFreeAt = r.getLong();
        for (WcLine l : wc) {
            l.start = r.getLong();
            l.end = r.getLong();
            l.type = r.getInt();
            l.last = r.getLong();
            l.busyUntil = r.getLong();
        }
    }
}
