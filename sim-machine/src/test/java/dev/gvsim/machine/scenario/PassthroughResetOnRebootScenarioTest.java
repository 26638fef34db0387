package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PassthroughResetOnRebootScenarioTest {
    @Test
    void naiveFailsAtTheSecondBootOnTheQuirkyCardLowPowerBootsAllTen() throws Exception {
        ScenarioResult r = new PassthroughResetOnRebootScenario().run();
        r.figures().forEach((k, v) -> System.out.println(k + " = " + v));
        r.checks().forEach(System.out::println);
        assertThat(r.pass()).as(r.observedSummary()).isTrue();
    }
}
