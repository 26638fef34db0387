package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The scenarios on the class path: every {@link Scenario} registered with {@link ServiceLoader}
 * ({@code META-INF/services/dev.gvsim.machine.scenario.Scenario}) by this module, a device module or
 * a downstream project, in id order, the order {@code gvsim scenarios} runs them. Two scenarios
 * with one id are an error, not a silent choice.
 */
public final class Scenarios {
    private Scenarios() {
    }

    public static List<Scenario> all() {
        List<Scenario> out = new ArrayList<>();
        for (Scenario s : ServiceLoader.load(Scenario.class, Scenarios.class.getClassLoader())) {
            for (Scenario o : out) {
                if (o.id().equals(s.id())) {
                    throw new IllegalStateException("scenario id '" + s.id() + "' is registered twice: by " + o.getClass().getName()
                            + " and " + s.getClass().getName());
                }
            }
            out.add(s);
        }
        out.sort(Comparator.comparing(Scenario::id));
        return out;
    }

    public static Scenario byId(String id) {
        List<Scenario> all = all();
        for (Scenario s : all) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + id + "' (known: "
                + String.join(", ", all.stream().map(Scenario::id).toList()) + ")");
    }
}
