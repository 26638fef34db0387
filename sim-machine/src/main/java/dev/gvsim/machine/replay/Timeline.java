package dev.gvsim.machine.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.arm64mmu.MemoryTiming;
import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.machine.Machine;
import dev.gvsim.pciefabric.FunctionCounters;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.PciHost;
import dev.gvsim.simcore.InputException;

/**
 * The replay's counters over simulated time, for the report's plots (issue 22): per memory type the
 * CPU accesses and the bus transactions after write gathering ({@link MemoryTiming}'s counters), and
 * per PCI function the memory and I/O accesses and the configuration accesses the fabric delivered
 * ({@link FunctionCounters}). Simulated time is cut into buckets of equal width; each bucket
 * holds what the counters gained in it.
 *
 * <p>Cost on the replay's path: the replayer compares the simulated time after each record with
 * {@link #nextPs} and calls {@link #sample} when a bucket boundary has passed; a sample reads the
 * counters (no allocation unless a series or a bucket array grows). What the counters gained since the
 * previous sample goes to the bucket that sample was in (the record that crossed the boundary counts
 * in the bucket it started in).
 *
 * <p>Bounded: at most {@link #MAX_BUCKETS} buckets whatever the run's length. Widths go 1 ns, 2 ns,
 * 10 ns, 20 ns, 100 ns, ... (alternately x2 and x5, so that a bucket is always a whole number of the
 * previous ones, and widths stay round); when the time reaches the end of the last bucket, adjacent
 * buckets are merged into the next width. The result depends only on the records and the model:
 * identical runs give identical series, and a run restored from a checkpoint continues the saved series
 * ({@link #state}/{@link #restore}).
 *
 * <p>Every series sums to its counter's value at the end of the run (the counters start at zero with
 * the machine), so the plots cannot drift from the totals the report prints.
 */
public final class Timeline {
    /** The most buckets a series holds (fewer than the plot's pixel columns, so each step is visible). */
    public static final int MAX_BUCKETS = 400;
    /** The width of the first buckets: 1 ns. */
    public static final long FIRST_WIDTH_PS = 1_000;

    private static final MemoryType[] TYPES = MemoryType.values();

    /** Simulated time from which the next sample is due (the replayer's one compare per record). */
    long nextPs;
    private long widthPs = FIRST_WIDTH_PS;
    /** The bucket of the last sample: what the counters gain until the next goes there. */
    private int bucket;
    /** Buckets the run spans (set by {@link #finish}). */
    private int buckets;

    /** One counter's series: counts per bucket (grown as needed) and the counter's value at the last sample. */
    static final class Track {
        long[] counts = new long[8];
        long last;

        void add(int b, long v) {
            if (b >= counts.length) {
                counts = Arrays.copyOf(counts, Math.min(MAX_BUCKETS, Math.max(counts.length * 2, b + 1)));
            }
            counts[b] += v;
        }

        long sum() {
            long s = 0;
            for (long c : counts) {
                s += c;
            }
            return s;
        }
    }

    private final Track[] typeAccesses = new Track[TYPES.length];
    private final Track[] typeTransactions = new Track[TYPES.length];
    /** By function id (stable across bus renumbering and checkpoints). */
    private final Map<String, Track> fnAccesses = new TreeMap<>();
    private final Map<String, Track> fnConfig = new TreeMap<>();
    /** Series names of the functions at the end of the run, as the report's {@code devices.pci.functions} keys. */
    private final Map<String, String> fnNames = new TreeMap<>();

    // the machine the counters are read from (bound at the first sample; not state)
    private Machine machine;
    private int functionsVersion;
    private PciFunction[] functions = new PciFunction[0];
    private Track[] functionAccessTracks = new Track[0];
    private Track[] functionConfigTracks = new Track[0];

    public Timeline() {
        for (int t = 0; t < TYPES.length; t++) {
            typeAccesses[t] = new Track();
            typeTransactions[t] = new Track();
        }
    }

    /** Bucket width in picoseconds (it grows as the run goes on). */
    public long widthPs() {
        return widthPs;
    }

    /**
     * Called by the replayer when simulated time {@code nowPs} has reached {@link #nextPs}: what the
     * counters gained since the last sample goes to the last sample's bucket, and the next boundary is
     * set. Nothing happens before the machine exists ({@code m} null).
     */
    void sample(Machine m, long nowPs) {
        if (m == null) {
            return;
        }
        collect(m);
        long b = nowPs / widthPs;
        while (b >= MAX_BUCKETS) {
            widen();
            b = nowPs / widthPs;
        }
        bucket = (int) Math.max(bucket, b);
        long next = bucket + 1L;
        nextPs = next > Long.MAX_VALUE / widthPs ? Long.MAX_VALUE : next * widthPs;
    }

    /** Ends the series at {@code endPs} (after the machine drained its write buffers): the last counts, the span, the functions' names. */
    void finish(Machine m, long endPs) {
        sample(m, endPs);
        buckets = bucket + 1;
        if (m != null) {
            for (PciFunction f : m.pci().functions()) {
                fnNames.put(f.id(), PciFunction.formatBdf(f.bdf()) + " " + f.id());
            }
        }
    }

    private void collect(Machine m) {
        MemoryTiming timing = m.memoryTiming();
        for (int t = 0; t < TYPES.length; t++) {
            gain(typeAccesses[t], timing.accesses(TYPES[t]));
            gain(typeTransactions[t], timing.transactions(TYPES[t]));
        }
        PciHost host = m.pci();
        if (m != machine || FunctionCounters.version(host) != functionsVersion) {
            bind(m);
        }
        for (int i = 0; i < functions.length; i++) {
            PciFunction f = functions[i];
            gain(functionAccessTracks[i], FunctionCounters.get(host, f, FunctionCounters.MEM) + FunctionCounters.get(host, f, FunctionCounters.IO));
            gain(functionConfigTracks[i], FunctionCounters.get(host, f, FunctionCounters.CONFIG_READS)
                    + FunctionCounters.get(host, f, FunctionCounters.CONFIG_WRITES));
        }
    }

    private void gain(Track k, long value) {
        long d = value - k.last;
        if (d != 0) {
            k.add(bucket, d);
            k.last = value;
        }
    }

    /** Reads the functions placed now (at the first sample, and after functions came or went). */
    private void bind(Machine m) {
        machine = m;
        functionsVersion = FunctionCounters.version(m.pci());
        List<PciFunction> fs = m.pci().functions();
        functions = fs.toArray(new PciFunction[0]);
        functionAccessTracks = new Track[functions.length];
        functionConfigTracks = new Track[functions.length];
        for (int i = 0; i < functions.length; i++) {
            functionAccessTracks[i] = fnAccesses.computeIfAbsent(functions[i].id(), k -> new Track());
            functionConfigTracks[i] = fnConfig.computeIfAbsent(functions[i].id(), k -> new Track());
        }
    }

    /** The next width: x2 from a width starting with 1, else x5 (1, 2, 10, 20, 100, ...); buckets merge accordingly. */
    private void widen() {
        int factor = leadingDigit(widthPs) == 1 ? 2 : 5;
        widthPs *= factor;
        bucket /= factor;
        for (Track k : allTracks()) {
            long[] c = k.counts;
            int n = (c.length + factor - 1) / factor;
            for (int i = 0; i < n; i++) {
                long s = 0;
                for (int j = i * factor; j < Math.min(c.length, i * factor + factor); j++) {
                    s += c[j];
                }
                c[i] = s;
            }
            Arrays.fill(c, n, c.length, 0);
        }
    }

    private static int leadingDigit(long v) {
        while (v >= 10) {
            v /= 10;
        }
        return (int) v;
    }

    private List<Track> allTracks() {
        List<Track> all = new ArrayList<>(List.of(typeAccesses));
        all.addAll(List.of(typeTransactions));
        all.addAll(fnAccesses.values());
        all.addAll(fnConfig.values());
        return all;
    }

    // ------------------------------------------------------------------ report

    /**
     * The series as the replay JSON's {@code timeline} (docs/replay-json.md): the bucket width, the
     * number of buckets, and per group the series whose counter is not zero, each a list of one count
     * per bucket (bucket i covers [i, i+1) x width of simulated time).
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bucketPs", widthPs);
        m.put("buckets", buckets);
        Map<String, Object> acc = new TreeMap<>();
        Map<String, Object> tx = new TreeMap<>();
        for (int t = 0; t < TYPES.length; t++) {
            put(acc, TYPES[t].traceName(), typeAccesses[t]);
            put(tx, TYPES[t].traceName(), typeTransactions[t]);
        }
        m.put("accessesByMemoryType", acc);
        m.put("transactionsByMemoryType", tx);
        Map<String, Object> fa = new TreeMap<>();
        Map<String, Object> fc = new TreeMap<>();
        fnAccesses.forEach((id, k) -> put(fa, fnNames.getOrDefault(id, id), k));
        fnConfig.forEach((id, k) -> put(fc, fnNames.getOrDefault(id, id), k));
        m.put("accessesByPciFunction", fa);
        m.put("configByPciFunction", fc);
        return m;
    }

    private void put(Map<String, Object> group, String name, Track k) {
        if (k.sum() == 0) {
            return;
        }
        List<Long> l = new ArrayList<>(buckets);
        for (int i = 0; i < buckets; i++) {
            l.add(i < k.counts.length ? k.counts[i] : 0L);
        }
        group.put(name, l);
    }

    // ------------------------------------------------------------------ checkpoints

    /** Everything needed to continue the series after a restore, as JSON-ready values. */
    Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("widthPs", widthPs);
        m.put("bucket", bucket);
        m.put("nextPs", nextPs);
        Map<String, Object> tracks = new TreeMap<>();
        for (int t = 0; t < TYPES.length; t++) {
            saveTrack(tracks, "accesses " + TYPES[t].traceName(), typeAccesses[t]);
            saveTrack(tracks, "transactions " + TYPES[t].traceName(), typeTransactions[t]);
        }
        fnAccesses.forEach((id, k) -> saveTrack(tracks, "function " + id, k));
        fnConfig.forEach((id, k) -> saveTrack(tracks, "config " + id, k));
        m.put("tracks", tracks);
        return m;
    }

    private static void saveTrack(Map<String, Object> tracks, String key, Track k) {
        if (k.last == 0 && k.sum() == 0) {
            return;
        }
        List<Long> counts = new ArrayList<>();
        for (long c : k.counts) {
            counts.add(c);
        }
        while (!counts.isEmpty() && counts.get(counts.size() - 1) == 0) {
            counts.remove(counts.size() - 1);
        }
        tracks.put(key, Map.of("last", k.last, "counts", counts));
    }

    /** Continues the series saved by {@link #state} (null: a checkpoint from before timelines; the series start afresh). */
    void restore(Object saved) throws InputException {
        if (saved == null) {
            return;
        }
        try {
            Map<?, ?> m = (Map<?, ?>) saved;
            long w = ((Number) m.get("widthPs")).longValue();
            int b = ((Number) m.get("bucket")).intValue();
            if (w < FIRST_WIDTH_PS || b < 0 || b >= MAX_BUCKETS) {
                throw new IllegalArgumentException("width " + w + " ps, bucket " + b);
            }
            widthPs = w;
            bucket = b;
            nextPs = ((Number) m.get("nextPs")).longValue();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) m.get("tracks")).entrySet()) {
                String key = String.valueOf(e.getKey());
                Track k = track(key);
                Map<?, ?> v = (Map<?, ?>) e.getValue();
                k.last = ((Number) v.get("last")).longValue();
                List<?> counts = (List<?>) v.get("counts");
                if (counts.size() > MAX_BUCKETS) {
                    throw new IllegalArgumentException(key + ": " + counts.size() + " buckets");
                }
                for (int i = 0; i < counts.size(); i++) {
                    k.add(i, ((Number) counts.get(i)).longValue());
                }
            }
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new InputException("checkpoint replay section: timeline: " + e.getMessage(), e);
        }
    }

    private Track track(String key) {
        int sp = key.indexOf(' ');
        String kind = sp > 0 ? key.substring(0, sp) : key;
        String name = key.substring(sp + 1);
        switch (kind) {
            case "accesses":
                return typeAccesses[MemoryType.fromTraceName(name).ordinal()];
            case "transactions":
                return typeTransactions[MemoryType.fromTraceName(name).ordinal()];
            case "function":
                return fnAccesses.computeIfAbsent(name, n -> new Track());
            case "config":
                return fnConfig.computeIfAbsent(name, n -> new Track());
            default:
                throw new IllegalArgumentException("unknown series '" + key + "'");
        }
    }
}
