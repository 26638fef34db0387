package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Figures print the same in every JVM (scenarios -v is compared byte for byte between runs). */
class ScenarioResultTest {
    @Test
    void unorderedMapsAreSortedByKeyAtAnyDepthOrderedOnesKeepTheirOrder() {
        Map<String, Object> inner = new HashMap<>();
        for (String k : new String[] {"zeta", "alpha", "mu", "beta", "omega", "kappa"}) {
            inner.put(k, k.length());
        }
        Map<String, Object> linked = new LinkedHashMap<>();
        linked.put("z", 1);
        linked.put("a", Map.of("y", 2, "b", 3, "m", 4));
        ScenarioResult r = new ScenarioResult()
                .figure("of", Map.of("unsupported_requests_io", 0, "unclaimed_recent", List.of("io 0x1ce", "io 0x1d0"), "b", 1))
                .figure("nested", List.of(Map.of("k2", inner, "k1", 1)))
                .figure("linked", linked);
        assertThat(String.valueOf(r.figures().get("of"))).isEqualTo("{b=1, unclaimed_recent=[io 0x1ce, io 0x1d0], unsupported_requests_io=0}");
        assertThat(String.valueOf(r.figures().get("nested"))).isEqualTo("[{k1=1, k2={alpha=5, beta=4, kappa=5, mu=2, omega=5, zeta=4}}]");
        assertThat(String.valueOf(r.figures().get("linked"))).isEqualTo("{z=1, a={b=3, m=4, y=2}}");
    }
}
