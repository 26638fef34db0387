package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import dev.gvsim.arm64mmu.MmuParams;
import dev.gvsim.simcore.Params;

/**
 * The VFs of one card share the PF's upstream PCIe link (docs/gpu-partitioning.md "Concurrent VMs").
 * Each VM's interconnect transactions to its VF are recorded as the functional model issues them
 * ({@link Stream}: when the VM's CPU issued each, relative to the VM's start, and its bytes); then the
 * VMs are run together on one simulated time base: every VM starts at 0 and the recorded streams are
 * merged onto one link that serves one transaction at a time, in the order they become ready (ties to
 * the lower VF), each occupying it {@code mem.uc.txn_overhead + bytes / mem.link.bytes_per_ns}, the
 * occupancy arm64-mmu's {@code MemoryTiming} gives a transaction on its path.
 *
 * <p>Closed loop: a VM's CPU is held up by the link (an uncached read waits for its completion, a
 * store waits while the write buffer cannot drain), so when one of its transactions starts later than
 * it did when the VM ran alone, every later one of that VM becomes ready that much later too; and a
 * VM issues in order, one transaction at a time: its next is never ready before its last has started
 * (so a VM cannot queue an unbounded backlog ahead of the others; the link serves the oldest ready).
 * Reported per VF: transactions, bytes, the time from the VM's start to its last transaction's end,
 * the bandwidth that makes, and the wait of its transactions for the link (p50/p99/max), alone and
 * together. No allocation per transaction in the merge.
 */
public final class VfLinkContention {
    /** One VM's transactions to its VF, in issue order (growable primitive arrays). */
    public static final class Stream {
        final String name;
        long[] ready = new long[256];
        long[] bytes = new long[256];
        int n;

        public Stream(String name) {
            this.name = name;
        }

        /** A transaction of {@code b} bytes issued at {@code atPs} (relative to the VM's start; never earlier than the last). */
        public void add(long atPs, long b) {
            if (n == ready.length) {
                ready = Arrays.copyOf(ready, n * 2);
                bytes = Arrays.copyOf(bytes, n * 2);
            }
            ready[n] = n > 0 ? Math.max(atPs, ready[n - 1]) : Math.max(0, atPs);
            bytes[n++] = b;
        }

        public int size() {
            return n;
        }

        public long totalBytes() {
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += bytes[i];
            }
            return s;
        }
    }

    /** What one stream saw in one run: when it ended, and its waits for the link. */
    public static final class Result {
        public final String name;
        public final long transactions;
        public final long bytes;
        public long endPs;
        /** Sum of every transaction's wait for the link (start minus ready). */
        public long waitPs;
        final Histogram waits = new Histogram(1, 1_000_000_000_000L, 3);
        public long maxWaitPs;

        Result(Stream s) {
            this.name = s.name;
            this.transactions = s.n;
            this.bytes = s.totalBytes();
        }

        /** Bytes per microsecond of simulated time (MB/s), start to last end. */
        public double mbPerS() {
            return endPs == 0 ? 0 : bytes * 1e6 / endPs;
        }

        public long waitPercentilePs(double p) {
            return waits.getTotalCount() == 0 ? 0 : waits.getValueAtPercentile(p);
        }

        Map<String, Object> report() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("transactions", transactions);
            m.put("bytes", bytes);
            m.put("end_us", Math.round(endPs / 1e3) / 1000.0);
            m.put("mb_per_s", Math.round(mbPerS() * 10) / 10.0);
            m.put("link_wait_p50_ns", Math.round(waitPercentilePs(50) / 100.0) / 10.0);
            m.put("link_wait_p99_ns", Math.round(waitPercentilePs(99) / 100.0) / 10.0);
            m.put("link_wait_max_ns", Math.round(maxWaitPs / 100.0) / 10.0);
            m.put("link_wait_total_us", Math.round(waitPs / 1e3) / 1000.0);
            return m;
        }
    }

    private final long txnOverheadPs;
    private final double psPerByte;

    /** The link's per-transaction costs from the machine's parameters (mem.uc.txn_overhead, mem.link.bytes_per_ns). */
    public VfLinkContention(Params p) {
        this.txnOverheadPs = p.getDuration(MmuParams.UC_TXN_OVERHEAD);
        double bpns = p.getDouble(MmuParams.LINK_BYTES_PER_NS);
        if (!(bpns > 0) || txnOverheadPs < 0) {
            throw new IllegalArgumentException("mem.link.bytes_per_ns must be positive and mem.uc.txn_overhead not negative");
        }
        this.psPerByte = 1000.0 / bpns;
    }

    long occupancy(long bytes) {
        return txnOverheadPs + (long) Math.ceil(bytes * psPerByte);
    }

    /** Each stream alone on the link. */
    public List<Result> alone(List<Stream> streams) {
        List<Result> out = new ArrayList<>();
        for (Stream s : streams) {
            out.add(run(List.of(s)).get(0));
        }
        return out;
    }

    /** The streams together on the link, from time 0 (closed loop; see the class comment). */
    public List<Result> together(List<Stream> streams) {
        return run(streams);
    }

    private List<Result> run(List<Stream> streams) {
        int k = streams.size();
        // each stream's start times alone: the closed loop's reference
        long[][] solo = new long[k][];
        for (int i = 0; i < k; i++) {
            Stream s = streams.get(i);
            solo[i] = new long[s.n];
            long free = 0;
            for (int j = 0; j < s.n; j++) {
                long start = Math.max(s.ready[j], free);
                solo[i][j] = start;
                free = start + occupancy(s.bytes[j]);
            }
        }
        List<Result> res = new ArrayList<>();
        for (Stream s : streams) {
            res.add(new Result(s));
        }
        int[] idx = new int[k];
        long[] lag = new long[k];
        long[] lastStart = new long[k];
        long free = 0;
        while (true) {
            int pick = -1;
            long best = Long.MAX_VALUE;
            for (int i = 0; i < k; i++) {
                Stream s = streams.get(i);
                if (idx[i] < s.n) {
                    long r = Math.max(s.ready[idx[i]] + lag[i], lastStart[i]);
                    if (r < best) {
                        best = r;
                        pick = i;
                    }
                }
            }
            if (pick < 0) {
                break;
            }
            Stream s = streams.get(pick);
            int j = idx[pick]++;
            long start = Math.max(best, free);
            long occ = occupancy(s.bytes[j]);
            free = start + occ;
            Result r = res.get(pick);
            long wait = start - best;
            r.waitPs += wait;
            r.waits.recordValue(Math.max(1, wait));
            r.maxWaitPs = Math.max(r.maxWaitPs, wait);
            r.endPs = free;
            lag[pick] = Math.max(0, start - solo[pick][j]);
            lastStart[pick] = start;
        }
        return res;
    }

    /** Per VF: alone, together, and the slowdown (end together / end alone). */
    public static Map<String, Object> report(List<Result> alone, List<Result> together) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < alone.size(); i++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("alone", alone.get(i).report());
            v.put("together", together.get(i).report());
            v.put("slowdown", alone.get(i).endPs == 0 ? null : Math.round(100.0 * together.get(i).endPs / alone.get(i).endPs) / 100.0);
            m.put(alone.get(i).name, v);
        }
        return m;
    }
}
