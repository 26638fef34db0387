package dev.gvsim.machine.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Joins the shard files of one sweep into the document the unsharded run writes, byte for byte
 * (the same header, the points in index order, no {@code "shard"}). Refuses, with an
 * {@link IllegalArgumentException} naming the files: a file that is not a sweep result, shards of
 * different sweeps (headers differ: trace, its SHA-256, options, points), different shard counts,
 * a shard given twice, a missing shard, and a shard whose points are not the ones its spec selects.
 */
public final class SweepMerge {
    private SweepMerge() {
    }

    /** One parsed input: its name (for errors) and its JSON. */
    public record Input(String name, JsonNode json) {
    }

    /** The merged document (write it with {@code Json.write}). */
    public static Map<String, Object> merge(List<Input> inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("sweep merge: no shard files given");
        }
        Input first = inputs.get(0);
        JsonNode header = sweepHeader(first);
        int count = -1;
        Map<Integer, Input> byIndex = new TreeMap<>();
        List<JsonNode> points = new ArrayList<>();
        for (Input in : inputs) {
            JsonNode h = sweepHeader(in);
            if (!h.equals(header)) {
                throw new IllegalArgumentException("sweep merge: " + in.name() + " is a shard of another sweep than " + first.name()
                        + " (their \"sweep\" headers differ: trace, its SHA-256, options or points)");
            }
            JsonNode s = in.json().get("shard");
            int i;
            int n;
            if (s == null) {
                i = 0;
                n = 1;
            } else {
                if (!s.path("index").canConvertToInt() || !s.path("count").canConvertToInt() || !s.path("index").isIntegralNumber()
                        || !s.path("count").isIntegralNumber()) {
                    throw new IllegalArgumentException("sweep merge: " + in.name() + ": \"shard\" must hold integer index and count");
                }
                i = s.get("index").asInt();
                n = s.get("count").asInt();
                if (n < 1 || i < 0 || i >= n) {
                    throw new IllegalArgumentException("sweep merge: " + in.name() + ": shard " + i + "/" + n + " is not a valid shard");
                }
            }
            if (count == -1) {
                count = n;
            } else if (n != count) {
                throw new IllegalArgumentException("sweep merge: " + in.name() + " is shard " + i + "/" + n + " but " + first.name()
                        + " is one of " + count + " shards (all shards must come from one --shard I/N split)");
            }
            Input dup = byIndex.put(i, in);
            if (dup != null) {
                throw new IllegalArgumentException("sweep merge: shard " + i + "/" + n + " is given twice (" + dup.name() + " and " + in.name() + ")");
            }
            SweepPoints.Shard shard = new SweepPoints.Shard(i, n);
            JsonNode ps = in.json().get("points");
            if (ps == null || !ps.isArray()) {
                throw new IllegalArgumentException("sweep merge: " + in.name() + ": no \"points\" array");
            }
            for (JsonNode p : ps) {
                if (!p.path("index").isIntegralNumber() || !shard.holds(p.get("index").asInt()) || p.get("index").asInt() >= header.get("pointCount").asInt()) {
                    throw new IllegalArgumentException("sweep merge: " + in.name() + ": point " + p.path("index") + " does not belong to shard "
                            + i + "/" + n + " (" + SweepPoints.Shard.RULE + ")");
                }
                points.add(p);
            }
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!byIndex.containsKey(i)) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (int m : missing) {
                sb.append(sb.length() == 0 ? "" : ", ").append(m).append('/').append(count);
            }
            throw new IllegalArgumentException("sweep merge: missing shard(s) " + sb + " (every shard 0.." + (count - 1) + " of " + count + " is needed)");
        }
        points.sort(Comparator.comparingInt(p -> p.get("index").asInt()));
        int expected = header.get("pointCount").asInt();
        for (int k = 0; k < points.size(); k++) {
            if (points.get(k).get("index").asInt() != k) {
                throw new IllegalArgumentException("sweep merge: point " + k + " is missing or repeated in the shards (the sweep has " + expected + " points)");
            }
        }
        if (points.size() != expected) {
            throw new IllegalArgumentException("sweep merge: the shards hold " + points.size() + " points, the sweep has " + expected);
        }
        return Sweep.document(header, null, points);
    }

    private static JsonNode sweepHeader(Input in) {
        JsonNode h = in.json() == null ? null : in.json().get("sweep");
        if (h == null || !h.isObject() || !h.path("pointCount").isIntegralNumber()) {
            throw new IllegalArgumentException("sweep merge: " + in.name() + " is not a 'gvsim sweep' result (no \"sweep\" header with pointCount)");
        }
        return h;
    }
}
