package dev.gvsim.machine.testdevice;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.machine.scenario.Scenario;
import dev.gvsim.machine.scenario.ScenarioResult;

/** A scenario registered only in this test module (src/test/resources/META-INF/services), as a device module would add one. */
public final class TestCounterScenario implements Scenario {
    public TestCounterScenario() {
    }

    @Override
    public String id() {
        return "test-counter-doorbell";
    }

    @Override
    public String title() {
        return "gvsim-test-counter counts a doorbell after its delay";
    }

    @Override
    public String expected() {
        return "COUNT reads 0 right after the doorbell and 5 after 2 us; no mismatch";
    }

    @Override
    public ScenarioResult run() throws Exception {
        Replayer rp = new Replayer(new ReplayOptions(), id());
        ReplayResult r;
        try (TraceReader in = TraceFiles.open(new ByteArrayInputStream(DeviceContractTest.trace().getBytes(StandardCharsets.UTF_8)))) {
            r = rp.run(in);
        }
        Object count = rp.machine().device(TestCounterDevice.DRIVER).report().get("count");
        return new ScenarioResult().check("doorbell", expected(), "mismatches " + r.mismatchCount + ", count " + count,
                r.mismatchCount == 0 && Long.valueOf(5).equals(count));
    }
}
