package dev.gvsim.machine.testdevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.machine.scenario.Scenario;
import dev.gvsim.machine.scenario.ScenarioResult;
import dev.gvsim.machine.scenario.Scenarios;
import dev.gvsim.pciefabric.DeviceRegistry;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Json;

/**
 * Issue 19's acceptance test of the device contract: a device defined only in this test package
 * ({@link TestCounterDevice}, registered in src/test/resources/META-INF/services) is built from
 * {@code -device gvsim-test-counter}, replayed, reported, checkpointed and restored, and scanned
 * out, with no edit outside this package.
 */
class DeviceContractTest {
    static final String MACHINE = "-M virt -device pcie-root-port,id=rp1,chassis=1 -device gvsim-test-counter,id=t0,bus=rp1";
    static final long REGS_VA = 0xffff_8000_2000_0000L;
    static final long BUF_VA = 0xffff_8000_2010_0000L;
    /** Record number (1-based) of the doorbell write: a checkpoint after it holds the pending completion. */
    static final int DOORBELL_RECORD = 7;

    @Test
    void theRegistryAndTheBuilderFindATypeDefinedOnlyInATestModule() {
        assertThat(DeviceRegistry.load().drivers()).contains(TestCounterDevice.DRIVER, "qxl", "pcie-root-port");
        assertThat(MachineBuilder.declaredParams().definitions()).containsKey("test_counter.delay");
        Machine m = MachineBuilder.build(MACHINE, List.of());
        PciFunction t = m.device(TestCounterDevice.DRIVER);
        assertThat(t).isNotNull();
        assertThat(t.id()).isEqualTo("t0");
        assertThat(t.bdf() >> 8).as("bus behind rp1").isEqualTo(1);
        assertThat(t.barAddress(0)).as("BAR0 assigned by the linux allocator").isNotZero();
        assertThat(m.irq(t)).isNotNull();
        assertThat(m.irq(t).name()).isEqualTo("t0.intx");
        assertThatThrownBy(() -> MachineBuilder.build("-M virt -device gvsim-test-counter,colour=blue", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Property 'gvsim-test-counter.colour' not found");
        assertThatThrownBy(() -> MachineBuilder.build("-M virt -device no-such-device", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown device 'no-such-device'")
                .hasMessageContaining(TestCounterDevice.DRIVER);
    }

    /** A guest that draws two pixels, rings the doorbell with 5, waits 2 us, checks COUNT and acknowledges the interrupt. */
    static String trace() {
        Machine m = MachineBuilder.build(MACHINE, List.of());
        PciFunction t = m.device(TestCounterDevice.DRIVER);
        long regs = t.barAddress(0);
        long buf = t.barAddress(2);
        return String.join("\n",
                "gvsim-trace 1",
                "machine args=\"" + MACHINE + "\"",
                String.format("map va=0x%x pa=0x%x size=0x1000 attr=device-ngnre", REGS_VA, regs),
                String.format("map va=0x%x pa=0x%x size=0x10000 attr=normal-nc", BUF_VA, buf),
                String.format("rd va=0x%x size=4 expect=0x%x", REGS_VA + TestCounterDevice.REG_ID, TestCounterDevice.ID_VALUE),
                String.format("wr va=0x%x size=4 val=0x00ff00", BUF_VA),
                String.format("wr va=0x%x size=4 val=0x123456", BUF_VA + 4L * (2 * TestCounterDevice.FB_SIDE + 3)),
                String.format("wr va=0x%x size=4 val=5", REGS_VA + TestCounterDevice.REG_DOORBELL), // record 7
                String.format("rd va=0x%x size=4 expect=0x0", REGS_VA + TestCounterDevice.REG_COUNT),
                "delay ps=2000000",
                String.format("rd va=0x%x size=4 expect=0x5", REGS_VA + TestCounterDevice.REG_COUNT),
                String.format("rd va=0x%x size=4 expect=0x1", REGS_VA + TestCounterDevice.REG_IRQ_STATUS),
                String.format("wr va=0x%x size=4 val=1", REGS_VA + TestCounterDevice.REG_IRQ_STATUS),
                String.format("rd va=0x%x size=4 expect=0x0", REGS_VA + TestCounterDevice.REG_IRQ_STATUS),
                "");
    }

    static TraceReader open(String text) throws Exception {
        return TraceFiles.open(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    static Replayer replayWhole(String text) throws Exception {
        Replayer rp = new Replayer(new ReplayOptions(), "test-counter");
        try (TraceReader in = open(text)) {
            rp.run(in);
        }
        return rp;
    }

    @Test
    void aReplayDrivesItAndTheReportShowsItsState() throws Exception {
        Replayer rp = replayWhole(trace());
        JsonNode r = new ObjectMapper().readTree(Json.write(rp.result().toJson()));
        assertThat(r.get("mismatchCount").asLong()).as(r.get("mismatches").toString()).isZero();
        assertThat(r.get("faultCount").asLong()).isZero();
        assertThat(r.get("records").asLong()).isEqualTo(13); // the machine record counts
        JsonNode dev = r.get("devices").get("t0");
        assertThat(dev).as("devices.t0 in " + r.get("devices")).isNotNull();
        assertThat(dev.get("count").asLong()).isEqualTo(5);
        assertThat(dev.get("doorbells").asLong()).isEqualTo(1);
        assertThat(dev.get("irq_status").asInt()).isZero();
        assertThat(dev.get("pending").asBoolean()).isFalse();
        assertThat(rp.machine().irq(rp.machine().device(TestCounterDevice.DRIVER)).risingEdges()).isEqualTo(1);
    }

    @Test
    void underKvmsStage2ItsRamBarIsAMemslotAndItsRegisterBarIsTrapped() throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.stage2 = "kvm";
        Replayer rp = new Replayer(o, "test-counter");
        try (TraceReader in = open(trace())) {
            rp.run(in);
        }
        JsonNode r = new ObjectMapper().readTree(Json.write(rp.result().toJson()));
        assertThat(r.get("faultCount").asLong()).as(r.get("faults").toString()).isZero();
        assertThat(r.get("mismatchCount").asLong()).isZero();
        PciFunction t = rp.machine().device(TestCounterDevice.DRIVER);
        // stage-2 descriptors: MemAttr Normal-WB (0b1111) for the memslot, Device-nGnRE (0b0001) for the register BAR
        long buf = rp.machine().mmu().s2Descriptor(t.barAddress(2));
        long regs = rp.machine().mmu().s2Descriptor(t.barAddress(0));
        assertThat((buf >>> 2) & 0xF).as("BAR2 stage-2 MemAttr").isEqualTo(0b1111);
        assertThat((regs >>> 2) & 0xF).as("BAR0 stage-2 MemAttr").isEqualTo(0b0001);
    }

    @Test
    void itsScanoutShowsWhatTheGuestDrew() throws Exception {
        Replayer rp = replayWhole(trace());
        Scanout s = rp.machine().device(TestCounterDevice.DRIVER).scanouts().get(0);
        assertThat(s.active()).isTrue();
        assertThat(s.pixel(0, 0)).isEqualTo(0x00FF00);
        assertThat(s.pixel(3, 2)).isEqualTo(0x123456);
        assertThat(s.pixel(4, 2)).isZero();
    }

    @Test
    void aCheckpointWithItsCompletionPendingRestoresAndContinuesIdentically() throws Exception {
        String text = trace();
        String whole = withoutProvenance(Json.write(replayWhole(text).result().toJson()));

        ReplayOptions stop = new ReplayOptions();
        stop.stopAfterRecords = DOORBELL_RECORD;
        Replayer first = new Replayer(stop, "test-counter");
        try (TraceReader in = open(text)) {
            first.run(in);
        }
        byte[] cp = first.stoppedCheckpoint();
        assertThat(cp).isNotNull();
        assertThat(first.machine().device(TestCounterDevice.DRIVER).report()).containsEntry("pending", true).containsEntry("count", 0L);

        Replayer second = Replayer.restore(new ReplayOptions(), "test-counter", cp, "cp");
        assertThat(second.machine().device(TestCounterDevice.DRIVER).report()).containsEntry("pending", true);
        try (TraceReader in = open(text)) {
            second.run(in);
        }
        assertThat(withoutProvenance(Json.write(second.result().toJson()))).isEqualTo(whole);
        assertThat(second.machine().device(TestCounterDevice.DRIVER).report()).containsEntry("count", 5L);
        // the device's memory came back with the checkpoint (devmem.t0.buf)
        assertThat(second.machine().device(TestCounterDevice.DRIVER).scanouts().get(0).pixel(3, 2)).isEqualTo(0x123456);
    }

    static String withoutProvenance(String json) throws Exception {
        ObjectNode n = (ObjectNode) new ObjectMapper().readTree(json);
        n.remove("checkpoint");
        return n.toString();
    }

    @Test
    void aScenarioRegisteredOnlyHereRunsWithTheBundledOnes() throws Exception {
        // the bundled ones and the test's own, in id order (whatever other scenarios the build bundles)
        assertThat(Scenarios.all()).extracting(Scenario::id).contains("qxl-arm64-ioremap", "qxl-uefi-behind-bridge", "test-counter-doorbell",
                "virtio-gpu-zero-copy", "qxl-window-update-bandwidth", "passthrough-reset-on-reboot", "passthrough-s2-attributes", "virtio-gpu-video",
                "gpu-qos-isolation").isSorted();
        ScenarioResult r = Scenarios.byId("test-counter-doorbell").run();
        assertThat(r.pass()).as(r.observedSummary()).isTrue();
    }

    @Test
    void theMachineKnowsItOnlyAsAPciFunction() {
        Machine m = MachineBuilder.build(MACHINE, List.of());
        Map<String, Object> devices = m.deviceReport();
        assertThat(devices).containsKeys("pci", "t0");
        assertThat(devices).doesNotContainKey("rp1"); // the fabric's ports report in "pci"
    }
}
