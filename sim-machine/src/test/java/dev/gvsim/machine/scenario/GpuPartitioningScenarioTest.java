package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GpuPartitioningScenarioTest {
    @Test
    void fourVmsOnVfsAreIsolatedAndDeviceS2FaultsOnUnalignedVramStores() throws Exception {
        ScenarioResult r = new GpuPartitioningScenario().run();
        r.figures().forEach((k, v) -> System.out.println(k + " = " + v));
        r.checks().forEach(c -> System.out.println(c));
        assertThat(r.checks()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(r.pass()).as(r.observedSummary()).isTrue();
    }
}
