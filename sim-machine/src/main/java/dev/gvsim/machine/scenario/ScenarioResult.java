package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a scenario observed: a set of named checks (each expected vs observed, pass or not) and the
 * figures the model produced. The scenario passes when every check passes.
 */
public final class ScenarioResult {
    /** One check: what was required and what the run showed. */
    public record Check(String name, String expected, String observed, boolean pass) {
    }

    private final List<Check> checks = new ArrayList<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();

    public ScenarioResult check(String name, String expected, Object observed, boolean pass) {
        checks.add(new Check(name, expected, String.valueOf(observed), pass));
        return this;
    }

    /**
     * Records a figure. A map whose iteration order is not defined ({@code Map.of}, {@code HashMap};
     * {@code Map.of} changes its order from one JVM to the next) is kept sorted by key, at any depth,
     * so that {@code scenarios -v} prints the same text in every run; ordered maps keep their order.
     */
    public ScenarioResult figure(String name, Object value) {
        figures.put(name, ordered(value));
        return this;
    }

    static Object ordered(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = m instanceof LinkedHashMap || m instanceof SortedMap ? new LinkedHashMap<>() : new TreeMap<>();
            m.forEach((k, v) -> out.put(k, ordered(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(ordered(v)));
            return out;
        }
        return value;
    }

    public boolean pass() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::pass);
    }

    public List<Check> checks() {
        return checks;
    }

    public Map<String, Object> figures() {
        return figures;
    }

    /** One line: the observed side of every check, failing ones marked. */
    public String observedSummary() {
        StringBuilder sb = new StringBuilder();
        for (Check c : checks) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(c.pass() ? "" : "FAILED ").append(c.name()).append(": ").append(c.observed());
        }
        return sb.toString();
    }
}
