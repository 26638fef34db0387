package dev.gvsim.junit;

import java.util.List;
import java.util.Map;

import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.report.Outcome;
import dev.gvsim.machine.report.ReplayReport;

/** A finished replay: the model's {@link ReplayResult}, its JSON report (docs/replay-json.md) and its outcome sentence. */
public final class ReplayRun implements GvsimRun, org.assertj.core.api.AssertProvider<ReplayRunAssert> {
    private final String name;
    private final ReplayResult result;
    private final Machine machine;
    private Map<String, Object> json;

    ReplayRun(String name, ReplayResult result, Machine machine) {
        this.name = name;
        this.result = result;
        this.machine = machine;
    }

    @Override
    public String name() {
        return name;
    }

    /** Everything the replay observed. */
    public ReplayResult result() {
        return result;
    }

    /** The machine the replay ran on (its devices, PCI tree, scanouts), or null if the trace built none. */
    public Machine machine() {
        return machine;
    }

    /** The replay's JSON report as a map (docs/replay-json.md). */
    public Map<String, Object> json() {
        if (json == null) {
            json = result.toJson();
        }
        return json;
    }

    /** The outcome in one sentence, as the CLI and the HTML report say it. */
    public String outcome() {
        return Outcome.of(json());
    }

    /** The listed faults (index, type, esr, far, sym, ...), in the order they were taken. */
    public List<Map<String, Object>> faults() {
        return result.faults;
    }

    @Override
    public String html() {
        return ReplayReport.html(json(), MachineBuilder.allParamDefs(), machine == null ? Map.of() : Scanouts.pngs(machine.devices()));
    }

    @Override
    public ReplayRunAssert assertThat() {
        return new ReplayRunAssert(this);
    }

    @Override
    public String toString() {
        return name + ": " + outcome();
    }
}
