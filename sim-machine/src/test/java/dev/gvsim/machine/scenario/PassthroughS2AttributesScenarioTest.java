package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class PassthroughS2AttributesScenarioTest {
    @Test
    void deviceFaultsAndCrawlsNormalNcAndAdaptiveDoNot() throws Exception {
        ScenarioResult r = new PassthroughS2AttributesScenario().run();
        r.figures().forEach((k, v) -> System.out.println(k + " = " + v));
        r.checks().forEach(c -> System.out.println(c));
        assertThat(r.pass()).as(r.observedSummary()).isTrue();
    }
}
