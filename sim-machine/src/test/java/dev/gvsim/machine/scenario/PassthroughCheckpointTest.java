package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.linux.GpuPassthroughLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** A machine with the passthrough card checkpointed after driver init and a stale-making bus reset, restored into a fresh machine. */
class PassthroughCheckpointTest {
    @Test
    void theCardsStateAndVramComeBackWithTheMachine() throws Exception {
        String args = PassthroughResetOnRebootScenario.machine("amd-rx580", true);
        Machine m = MachineBuilder.build(args, List.of());
        PciFunction gpu = m.device("gpu-passthrough");
        MachineGuestCpu cpu = new MachineGuestCpu(m, new ReplayOptions(), m.irq(gpu), null, "cp");
        GpuPassthroughLinuxDriver d = new GpuPassthroughLinuxDriver(cpu, "amd-rx580", gpu.bdf(), PassthroughResetOnRebootScenario.STAGING_PA);
        assertThat(d.probe() && d.init()).isTrue();
        d.uploadAll();
        new PassthroughResets(m, cpu, "amd-rx580", gpu).reset("bus");
        StateWriter w = new StateWriter(args);
        m.saveState(w);
        byte[] cp = w.toBytes();

        Machine m2 = MachineBuilder.build(args, List.of());
        m2.restoreState(new StateReader(cp));
        PciFunction gpu2 = m2.device("gpu-passthrough");
        assertThat(gpu2.report()).isEqualTo(gpu.report());
        assertThat(gpu2.report().get("firmware_state")).isEqualTo("running");
        assertThat((Long) gpu2.report().get("vram_pages")).isPositive();
        assertThat(m2.device("gpu-passthrough-audio").report()).isEqualTo(m.device("gpu-passthrough-audio").report());
        // the restored card behaves as the original: the next driver init fails the same way (the reset bug)
        MachineGuestCpu cpu2 = new MachineGuestCpu(m2, new ReplayOptions(), m2.irq(gpu2), null, "cp2");
        GpuPassthroughLinuxDriver d2 = new GpuPassthroughLinuxDriver(cpu2, "amd-rx580", gpu2.bdf(), PassthroughResetOnRebootScenario.STAGING_PA);
        cpu2.delay(m.kernel().now());
        assertThat(d2.probe() && d2.init()).isFalse();
        assertThat(d2.failure()).startsWith("init: firmware already running");
    }
}
