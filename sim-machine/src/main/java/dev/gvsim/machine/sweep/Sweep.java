package dev.gvsim.machine.sweep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.simcore.InputException;

/**
 * A parameter sweep: one trace replayed at every point of a list of parameter points, each point an
 * independent machine (its own {@link Replayer} with the point's {@code NAME=VALUE} sets added to
 * {@link ReplayOptions#paramSets}), run on {@code jobs} threads with {@link ParallelRuns}. The result
 * is one JSON document ({@link #document}): {@code {"sweep": header, "points": [...]}} with the points
 * in index order; a shard ({@link SweepPoints#shard}) adds {@code "shard"} and holds only its points,
 * and {@link SweepMerge} joins shards back into the unsharded document, byte for byte.
 */
public final class Sweep {
    private Sweep() {
    }

    /** What every point shares: the trace and the replay options besides the point's parameters. */
    public record Base(Path trace, String machineOverride, String stage2, boolean continueAfterFault, List<String> attrOverrides) {
        public Base {
            attrOverrides = List.copyOf(attrOverrides);
        }

        ReplayOptions options(Map<String, String> params) {
            ReplayOptions o = new ReplayOptions();
            o.continueAfterFault = continueAfterFault;
            o.machineOverride = machineOverride;
            o.stage2 = stage2;
            o.maxListed = 1;
            for (String a : attrOverrides) {
                o.addAttrOverride(a);
            }
            for (Map.Entry<String, String> e : params.entrySet()) {
                o.paramSets.add(e.getKey() + "=" + e.getValue());
            }
            return o;
        }
    }

    /**
     * The header every shard of one sweep carries identically: trace file name and SHA-256 (shards run
     * on other machines find the trace at other paths), the shared options, how the points were given
     * ({@code how}, e.g. the axes) and how many there are.
     */
    public static Map<String, Object> header(Base base, Object how, int pointCount) throws IOException {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("trace", base.trace().getFileName().toString());
        h.put("traceSha256", sha256(base.trace()));
        h.put("machine", base.machineOverride());
        h.put("stage2", base.stage2());
        h.put("continueAfterFault", base.continueAfterFault());
        h.put("attr", base.attrOverrides());
        h.put("points", how);
        h.put("pointCount", pointCount);
        return h;
    }

    /** Runs {@code points} (index, params) on {@code jobs} threads; the summaries come back in the order given. */
    public static List<Map<String, Object>> run(Base base, List<SweepPoints.Point> points, int jobs) throws Exception {
        return run(base, points, jobs, new java.util.concurrent.atomic.AtomicLong());
    }

    /** As {@link #run(Base, List, int)}, counting in {@code done} the points whose summary is in (for a progress line). */
    public static List<Map<String, Object>> run(Base base, List<SweepPoints.Point> points, int jobs, java.util.concurrent.atomic.AtomicLong done)
            throws Exception {
        List<Map<String, Object>> out = new ArrayList<>(points.size());
        try (ParallelRuns<SweepPoints.Point, Map<String, Object>> runs = new ParallelRuns<>(points, p -> runPoint(base, p), jobs)) {
            for (int i = 0; i < points.size(); i++) {
                out.add(runs.get(i));
                done.incrementAndGet();
            }
        }
        return out;
    }

    /** One point: its own machine replays the trace; the summary numbers of the replay. */
    static Map<String, Object> runPoint(Base base, SweepPoints.Point p) throws IOException, InputException {
        ReplayOptions o;
        try {
            o = base.options(p.params());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("point " + p.index() + " " + p.params() + ": " + e.getMessage(), e);
        }
        Replayer replayer;
        try {
            replayer = new Replayer(o, base.trace().toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("point " + p.index() + " " + p.params() + ": " + e.getMessage(), e);
        }
        ReplayResult r;
        try (TraceReader reader = TraceFiles.open(base.trace())) {
            r = replayer.run(reader);
        }
        return summary(p, r);
    }

    /** The numbers a point reports (the keys documented in the README's "Sweeps"). */
    static Map<String, Object> summary(SweepPoints.Point p, ReplayResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", p.index());
        m.put("params", p.params());
        m.put("outcome", r.faultCount > 0 ? "fault" : r.mismatchCount > 0 ? "mismatch" : "clean");
        m.put("records", r.records);
        m.put("accesses", r.accesses);
        m.put("simulatedTimePs", r.simulatedTimePs);
        m.put("faultCount", r.faultCount);
        m.put("firstFault", r.firstFault());
        m.put("mismatchCount", r.mismatchCount);
        m.put("masterAbortCount", r.masterAbortCount);
        m.put("unaligned", r.unaligned);
        m.put("devices", r.devices);
        return m;
    }

    /** The sweep's JSON document; {@code shard} is null for an unsharded run (and for a merge). */
    public static Map<String, Object> document(Object header, Object shard, List<?> points) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("sweep", header);
        if (shard != null) {
            d.put("shard", shard);
        }
        d.put("points", points);
        return d;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
