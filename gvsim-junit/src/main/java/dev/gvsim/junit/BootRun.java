package dev.gvsim.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.edk2.BootOutcome;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.report.Html;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;

/**
 * A finished boot of the EDK II firmware model (PciBusDxe + a QemuVideoDxe-style GOP, as {@code gvsim
 * boot}) on a machine: the console outcome, why there is no GOP, the resource assignment, and the
 * firmware's accesses as a replay.
 */
public final class BootRun implements GvsimRun, org.assertj.core.api.AssertProvider<BootRunAssert> {
    private final String name;
    private final QxlUefiBehindBridgeScenario.Run run;

    BootRun(String name, QxlUefiBehindBridgeScenario.Run run) {
        this.name = name;
        this.run = run;
    }

    @Override
    public String name() {
        return name;
    }

    /** The firmware's outcome: GOP or not, driver, mode, the failing access, the diagnosis. */
    public BootOutcome outcome() {
        return run.outcome;
    }

    /** True if the device itself shows the console (VBE mode or the QXL primary, and the console's marker pixel). */
    public boolean deviceShowsConsole() {
        return run.deviceShowsConsole;
    }

    public Machine machine() {
        return run.machine;
    }

    /** The firmware's accesses, replayed: a {@link ReplayRun} of the boot. */
    public ReplayRun firmwareAccesses() {
        return new ReplayRun(name + " (firmware accesses)", run.replay, run.machine);
    }

    @Override
    public String html() {
        Html h = new Html("gvsim boot (edk2): " + run.machine.args());
        h.p("outcome", run.outcome.summary());
        h.h2("Why");
        h.p("note", run.outcome.diagnosis.isEmpty() ? "nothing to explain" : String.join("; ", run.outcome.diagnosis));
        h.h2("Machine (PCI tree with the windows the firmware assigned)");
        h.pre(run.machine.pci().lspci(false));
        h.h2("Device state");
        h.p("note", (run.deviceShowsConsole ? "the device shows the console: " : "the device does not show the console: ") + run.deviceState);
        h.h2("Firmware log");
        h.pre(String.join("\n", run.outcome.log));
        List<List<Object>> rows = new ArrayList<>();
        for (Map.Entry<String, Object> e : run.outcome.toMap().entrySet()) {
            if (!e.getKey().equals("log") && !e.getKey().equals("diagnosis")) {
                rows.add(List.of(e.getKey(), String.valueOf(e.getValue())));
            }
        }
        h.h2("Outcome fields");
        h.table(List.of("field", "value"), rows);
        Map<String, byte[]> screens = Scanouts.pngs(run.machine.devices());
        h.h2("Scanouts");
        if (screens.isEmpty()) {
            h.p("note", "none (no display device shows a 32-bit output)");
        }
        screens.forEach(h::png);
        return h.render();
    }

    @Override
    public BootRunAssert assertThat() {
        return new BootRunAssert(this);
    }

    @Override
    public String toString() {
        return name + ": " + run.outcome.summary();
    }
}
