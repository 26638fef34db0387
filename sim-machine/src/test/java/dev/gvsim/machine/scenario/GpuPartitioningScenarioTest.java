package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GpuPartitioningScenarioTest {
    @Test
    void fourVmsOnVfsAreIsolatedAndDeviceS2FaultsOnUnalignedVramStores() throws Exception {
        ScenarioResult r = new GpuPartitioningScenario().run();
        assertThat(r.checks()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(r.pass()).as(r.observedSummary()).isTrue();
        // the VMs together on the PF's link: every VF slower than alone; the flood is served in turn
        assertThat(r.checks()).anySatisfy(c -> assertThat(c.name()).contains("contends on the PF's upstream link"));
        assertThat(r.checks()).anySatisfy(c -> assertThat(c.name()).contains("does not starve"));
        assertThat(r.figures()).containsKeys("normal-nc.pf_link", "device.pf_link");
    }
}
