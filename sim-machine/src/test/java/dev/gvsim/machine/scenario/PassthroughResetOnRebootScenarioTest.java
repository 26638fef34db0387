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

    @Test
    void theT4QuirkKernelLeavesTheT4WithoutAResetAndTheNextDriverInitFails() throws Exception {
        var r = PassthroughResetOnRebootScenario.run("nvidia-t4", "naive", PassthroughResetOnRebootScenario.T4_QUIRK_KERNEL);
        assertThat(r.log()).anySatisfy(l -> assertThat(l).startsWith("bus: refused: ").contains("PCI_DEV_FLAGS_NO_BUS_RESET").contains("d5af729dc207"));
        assertThat(r.log()).anySatisfy(l -> assertThat(l).startsWith("no reset method accepted"));
        assertThat(r.bootsUp()).isEqualTo(1);
        assertThat(r.failingStep()).startsWith("boot 2: driver init trace: gpu_fw_check rd").endsWith("expected 0x0, read 0x2");
    }

    @Test
    void onTodaysKernelsTheT4IsResetOnItsBusEveryBoot() throws Exception {
        var r = PassthroughResetOnRebootScenario.run("nvidia-t4", "naive");
        assertThat(r.bootsUp()).isEqualTo(PassthroughResetOnRebootScenario.BOOTS);
        assertThat(r.log()).filteredOn(l -> l.startsWith("bus done")).hasSize(PassthroughResetOnRebootScenario.BOOTS - 1);
        assertThat(r.log()).noneSatisfy(l -> assertThat(l).contains("refused"));
    }
}
