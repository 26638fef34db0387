package dev.gvsim.simcli.scenario;

import java.util.List;

/** The registry of bundled scenarios, in the order {@code gvsim scenarios} runs them. */
public final class Scenarios {
    private Scenarios() {
    }

    public static List<Scenario> all() {
        return List.of(new QxlArm64IoremapScenario(), new QxlUefiBehindBridgeScenario());
    }

    public static Scenario byId(String id) {
        for (Scenario s : all()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + id + "' (known: "
                + String.join(", ", all().stream().map(Scenario::id).toList()) + ")");
    }
}
