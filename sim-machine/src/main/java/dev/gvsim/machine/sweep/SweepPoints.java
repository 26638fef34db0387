package dev.gvsim.machine.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The points of a sweep and their indexes. Axes ({@code --set NAME=a,b,c}, several) give the
 * cartesian product in nested-loop order: the first axis varies slowest, the last fastest, values in
 * the order given. A points file gives one point per line ({@code NAME=VALUE ...}, blank lines and
 * {@code #} comments skipped), in file order. Errors are {@link IllegalArgumentException}s naming
 * the option or file and line and what was expected.
 */
public final class SweepPoints {
    private SweepPoints() {
    }

    /** Point {@code index} of the sweep, with its parameters in axis (or file) order. */
    public record Point(int index, Map<String, String> params) {
        public Point {
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }
    }

    /** One axis: a parameter and its values. */
    public record Axis(String name, List<String> values) {
        public Axis {
            values = List.copyOf(values);
        }

        /** Parses {@code NAME=a,b,c} (values separated by commas, none empty). */
        public static Axis parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--set expects NAME=VALUE[,VALUE...] (e.g. qxl.io_latency=1us,2us), got '" + spec + "'");
            }
            String name = spec.substring(0, eq).trim();
            List<String> values = new ArrayList<>();
            for (String v : spec.substring(eq + 1).split(",", -1)) {
                if (v.isBlank()) {
                    throw new IllegalArgumentException("--set " + spec + ": an empty value (expected NAME=VALUE[,VALUE...], no empty items)");
                }
                values.add(v.trim());
            }
            return new Axis(name, values);
        }
    }

    /** Most points a sweep may have (a guard against a typo multiplying axes into billions). */
    public static final int MAX_POINTS = 1_000_000;

    /** The cartesian product of {@code axes}; one empty point when there are none. */
    public static List<Point> cartesian(List<Axis> axes) {
        long count = 1;
        for (int a = 0; a < axes.size(); a++) {
            for (int b = 0; b < a; b++) {
                if (axes.get(b).name().equals(axes.get(a).name())) {
                    throw new IllegalArgumentException("--set " + axes.get(a).name() + " is given twice (one axis per parameter)");
                }
            }
            count *= axes.get(a).values().size();
            if (count > MAX_POINTS) {
                throw new IllegalArgumentException("the axes give more than " + MAX_POINTS + " points");
            }
        }
        List<Point> out = new ArrayList<>((int) count);
        int[] at = new int[axes.size()];
        for (int i = 0; i < count; i++) {
            Map<String, String> p = new LinkedHashMap<>();
            for (int a = 0; a < axes.size(); a++) {
                p.put(axes.get(a).name(), axes.get(a).values().get(at[a]));
            }
            out.add(new Point(i, p));
            for (int a = axes.size() - 1; a >= 0; a--) {
                if (++at[a] < axes.get(a).values().size()) {
                    break;
                }
                at[a] = 0;
            }
        }
        return out;
    }

    /** The points of a points file's lines ({@code file} names it in errors). */
    public static List<Point> parseFile(String file, List<String> lines) {
        List<Point> out = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Map<String, String> p = new LinkedHashMap<>();
            for (String item : line.split("\\s+")) {
                int eq = item.indexOf('=');
                if (eq <= 0 || eq == item.length() - 1) {
                    throw new IllegalArgumentException(file + ":" + (n + 1) + ": expected NAME=VALUE items separated by spaces, got '" + item + "'");
                }
                if (p.put(item.substring(0, eq), item.substring(eq + 1)) != null) {
                    throw new IllegalArgumentException(file + ":" + (n + 1) + ": parameter " + item.substring(0, eq) + " is given twice");
                }
            }
            out.add(new Point(out.size(), p));
            if (out.size() > MAX_POINTS) {
                throw new IllegalArgumentException(file + ": more than " + MAX_POINTS + " points");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no points (expected one line of NAME=VALUE items per point)");
        }
        return out;
    }

    /** A shard spec {@code i/n}: shard {@code i} (0-based) of {@code n}. */
    public record Shard(int index, int count) {
        public static Shard parse(String spec) {
            String[] parts = spec.split("/", -1);
            try {
                if (parts.length == 2) {
                    int i = Integer.parseInt(parts[0].trim());
                    int n = Integer.parseInt(parts[1].trim());
                    if (n >= 1 && i >= 0 && i < n) {
                        return new Shard(i, n);
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--shard expects I/N with 0 <= I < N (shard I of N, counted from 0), got '" + spec + "'");
        }

        /** The rule, as written into shard files. */
        public static final String RULE = "point index mod count == shard index";

        public boolean holds(int pointIndex) {
            return pointIndex % count == index;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", index);
            m.put("count", count);
            m.put("rule", RULE);
            return m;
        }
    }

    /** The points of {@code all} that {@code shard} runs (round-robin: index mod n, so slow neighbours spread). */
    public static List<Point> shard(List<Point> all, Shard shard) {
        List<Point> out = new ArrayList<>();
        for (Point p : all) {
            if (shard.holds(p.index())) {
                out.add(p);
            }
        }
        return out;
    }
}
