package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.linux.QxlLinuxDriver;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/** The headline reproduction, on the real trace and on the driver model. */
class QxlArm64IoremapScenarioTest {
    @TempDir
    Path dir;

    @Test
    void realTraceWithDeviceMapsFaultsFirstAtSetupSlotStore() throws Exception {
        ReplayResult r = QxlArm64IoremapScenario.replayReal(QxlArm64IoremapScenario.deviceMaps(false));
        Map<String, Object> f = r.firstFault();
        assertThat(f).isNotNull();
        assertThat(f.get("type")).isEqualTo("alignment-fault");
        assertThat(f.get("kind")).isEqualTo("write");
        assertThat(f.get("va")).isEqualTo("0xffff80001801149c");
        assertThat(f.get("far")).isEqualTo("0xffff80001801149c");
        assertThat(f.get("esr")).isEqualTo("0x96000061");
        assertThat(f.get("sym")).isEqualTo("setup_slot+0x38");
        assertThat(f.get("size")).isEqualTo(8);
        assertThat(r.faultCount).isEqualTo(1);
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void realTraceAsRecordedCompletesWithoutFaultOrMismatch() throws Exception {
        ReplayResult r = QxlArm64IoremapScenario.replayReal(new ReplayOptions());
        assertThat(r.records).isEqualTo(1_983_807L);
        assertThat(r.accesses).isEqualTo(1_983_797L);
        assertThat(r.faultCount).isZero();
        assertThat(r.mismatches).as("first mismatches").isEmpty();
        assertThat(r.unaligned).isPositive();
        assertThat(r.exitCode()).isZero();
    }

    @Test
    void driverModelReproducesTheFaultAndTheFixAndItsRecordingReplaysIdentically() throws Exception {
        QxlDriverRun pre = QxlDriverRun.run(QxlLinuxDriver.Variant.IOREMAP, 1, null, null);
        assertThat(pre.fault).isNotNull();
        assertThat(pre.fault.esr()).isEqualTo(0x96000061L);
        assertThat(pre.faultSym).isEqualTo("setup_slot");

        Path rec = dir.resolve("post.gvt.txt");
        QxlDriverRun post = QxlDriverRun.run(QxlLinuxDriver.Variant.IOREMAP_WC, 3, rec, null);
        assertThat(post.fault).isNull();
        assertThat(post.probed).isTrue();
        assertThat(post.memslots).isEqualTo(2);
        assertThat(post.primaryWidth).isEqualTo(1024);
        assertThat(post.primaryHeight).isEqualTo(768);
        assertThat(post.primaryBpp).isEqualTo(32);
        assertThat(post.framesDrawn).isEqualTo(3);

        ReplayResult again;
        try (TraceReader r = TraceFiles.open(rec)) {
            again = new Replayer(new ReplayOptions(), rec.toString()).run(r);
        }
        assertThat(again.faultCount).isZero();
        assertThat(again.mismatches).isEmpty();
        assertThat(again.accesses).isEqualTo(post.replay.accesses);
        assertThat(again.simulatedTimePs).isEqualTo(post.replay.simulatedTimePs);
    }

    @Test
    void scenarioPasses() throws Exception {
        ScenarioResult r = new QxlArm64IoremapScenario().run();
        assertThat(r.checks()).allSatisfy(c -> assertThat(c.pass()).as(c.name() + ": " + c.observed()).isTrue());
        assertThat(r.pass()).isTrue();
    }
}
