package dev.gvsim.machine.qos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.machine.scenario.ScenarioResult;

class GpuQosIsolationScenarioTest {
    @Test
    void runs() throws Exception {
        long t0 = System.nanoTime();
        ScenarioResult r = new GpuQosIsolationScenario().run();
        System.out.println("wall ms " + (System.nanoTime() - t0) / 1e6);
        r.checks().forEach(System.out::println);
        r.figures().forEach((k, v) -> System.out.println(k + " = " + v));
        assertThat(r.checks()).hasSize(3);
    }
}
