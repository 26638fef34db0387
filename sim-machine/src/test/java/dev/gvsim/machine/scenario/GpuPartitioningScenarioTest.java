package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.machine.MachineBuilder;

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

    @Test
    void theRecordedVfTrafficContendsOnlyWhenTheVmsRunTogether() throws Exception {
        GpuPartitioningScenario.CardRun c = GpuPartitioningScenario.runSriov("normal-nc");
        VfLinkContention link = new VfLinkContention(MachineBuilder.declaredParams());
        assertThat(c.streams()).hasSize(GpuPartitioningScenario.VMS).allSatisfy(s -> assertThat(s.size()).isPositive());
        for (VfLinkContention.Stream s : c.streams()) {
            // one VM on the link: the same as alone, no wait caused by anyone else
            VfLinkContention.Result alone = link.alone(List.of(s)).get(0);
            VfLinkContention.Result together = link.together(List.of(s)).get(0);
            assertThat(together.endPs).isEqualTo(alone.endPs);
            assertThat(together.waitPs).isEqualTo(alone.waitPs);
        }
        assertThat(GpuPartitioningScenario.contended(c.alone(), c.together())).isTrue();
        // the flooder's stream is longer than a VM's workload, and the others still finish first
        int rogue = GpuPartitioningScenario.ROGUE;
        assertThat(c.withFlood().get(rogue).size()).isGreaterThan(c.streams().get(rogue).size());
        assertThat(GpuPartitioningScenario.floodDegradesNotStarves(c.floodAlone(), c.flooded())).isTrue();
        for (int i = 0; i < GpuPartitioningScenario.VMS; i++) {
            if (i != rogue) {
                assertThat(c.flooded().get(i).transactions).isEqualTo(c.streams().get(i).size());
                assertThat(c.flooded().get(i).endPs).isGreaterThan(c.floodAlone().get(i).endPs);
            }
        }
        // the same figures from a second run
        GpuPartitioningScenario.CardRun again = GpuPartitioningScenario.runSriov("normal-nc");
        assertThat(VfLinkContention.report(again.alone(), again.together()).toString())
                .isEqualTo(VfLinkContention.report(c.alone(), c.together()).toString());
    }
}
