package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.GpuHarness.RESP;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The same GPU commands over a split and over a packed controlq ({@code packed=on}, the driver
 * accepting VIRTIO_F_RING_PACKED or not): the same responses byte for byte, the same used lengths,
 * the same simulated times and the same device report but for the features the driver accepted and
 * the ring kind. The packed run goes more than twice round its 64-entry ring (two entries a command).
 */
class PackedRingDifferentialTest {

    /** One run: per command, its response bytes, used length and the simulated time after it. */
    private static List<String> run(GpuHarness g) {
        List<String> log = new ArrayList<>();
        g.eventEachCommand = true;
        g.probe();
        assertThat(g.d.vqs[0].kind()).isEqualTo(g.packedRing != null ? "packed" : "split");
        for (int frame = 0; frame < 40; frame++) {
            if (frame == 0) {
                log(g, log, g.req(CMD_GET_EDID).i32(0).i32(0).send());
                log(g, log, g.req(CMD_GET_DISPLAY_INFO).send());
                log(g, log, g.create2d(2, FORMAT_B8G8R8X8_UNORM, 64, 32));
                for (int k = 0; k < 64 * 32; k++) {
                    g.poke(PAGES + 4L * k, k * 0x01_0203);
                }
                log(g, log, g.attach(2, PAGES, 4096, PAGES + 4096, 64 * 32 * 4 - 4096));
                log(g, log, g.setScanout(0, 2, 0, 0, 64, 32));
                log(g, log, g.create2d(2, FORMAT_B8G8R8X8_UNORM, 8, 8)); // an error: resource already exists
            }
            g.poke(PAGES + 4L * frame, 0xFF00_0000 | frame);
            log(g, log, g.transfer(2, frame % 8, 0, 64 - frame % 8, 32, 4L * (frame % 8)));
            log(g, log, g.flush(2, 0, 0, 64, 32));
        }
        log(g, log, g.transfer(9, 0, 0, 8, 8, 0)); // an error: no such resource
        return log;
    }

    private static void log(GpuHarness g, List<String> log, int type) {
        StringBuilder b = new StringBuilder(Integer.toHexString(type)).append(' ').append(g.usedLen).append(' ').append(g.kernel.now()).append(' ');
        for (int k = 0; k < g.usedLen; k += 4) {
            b.append(Long.toHexString(g.ring.r(RESP + k, 4))).append(',');
        }
        log.add(b.toString());
    }

    private static Map<String, Object> comparable(Map<String, Object> report) {
        Map<String, Object> m = new LinkedHashMap<>(report);
        m.remove("driver_features");
        m.remove("negotiated_features");
        m.remove("rings");
        return m;
    }

    @Test
    void splitAndPackedRingsGiveTheSameResponsesTimesAndReport() {
        GpuHarness split = new GpuHarness(Map.of("packed", "on"), Map.of());
        GpuHarness packed = new GpuHarness(Map.of("packed", "on"), Map.of()).packed();
        List<String> a = run(split);
        List<String> b = run(packed);
        assertThat(b).hasSize(a.size()).isEqualTo(a);
        assertThat(a.get(0)).startsWith(Integer.toHexString(RESP_OK_EDID));
        assertThat(packed.packedRing.usedWrapCounter()).as("laps of the packed ring").isTrue();
        assertThat(packed.packedRing.nextAvail()).isEqualTo(2 * a.size() % 64);
        assertThat(a.size() * 2).isGreaterThan(2 * 64);
        assertThat(comparable(packed.d.report())).isEqualTo(comparable(split.d.report()));
        assertThat(packed.d.report().get("rings")).isEqualTo(List.of("packed", "split"));
        assertThat(split.d.report().get("rings")).isEqualTo(List.of("split", "split"));
        assertThat((String) packed.d.report().get("negotiated_features")).isEqualTo("0x" + Long.toHexString(
                Long.decode((String) split.d.report().get("negotiated_features")) | 1L << F_RING_PACKED));
        assertThat(packed.kernel.now()).isEqualTo(split.kernel.now());
        assertThat(packed.d.report().get("queue_interrupts")).isEqualTo((long) a.size());
    }

    @Test
    void withoutThePropertyTheFeatureIsNotOfferedAndTheRingStaysSplit() {
        GpuHarness g = new GpuHarness().packed().probe();
        assertThat(Long.decode((String) g.d.report().get("device_features")) & 1L << F_RING_PACKED).isZero();
        assertThat(g.d.vqs[0].packed()).isFalse();
        assertThat(VirtioGpuConfig.fromProps(Map.of("packed", "on")).packed()).isTrue();
        assertThat(VirtioGpuConfig.defaults().packed()).isFalse();
    }

    @Test
    void checkpointWithACommandInFlightKeepsThePackedRing() throws Exception {
        GpuHarness g = new GpuHarness(Map.of("packed", "on"), Map.of()).packed().probe();
        for (int k = 0; k < 5; k++) {
            assertThat(g.req(CMD_GET_DISPLAY_INFO).send()).isEqualTo(RESP_OK_DISPLAY_INFO);
        }
        for (int k = 0; k < HDR_SIZE; k += 4) {
            g.ring.w(GpuHarness.REQ + k, 4, k == 0 ? CMD_GET_DISPLAY_INFO : 0);
        }
        g.packedRing.add(7, GpuHarness.REQ, HDR_SIZE, RESP, GpuHarness.RESP_MAX_LEN);
        g.wr(0x3000, 2, 0);
        while (g.d.vqs[0].inUse() == 0) {
            g.kernel.runUntil(g.kernel.now() + 1000);
        }
        assertThat(g.packedRing.hasUsed()).isFalse();
        StateWriter w = new StateWriter("m");
        w.save(g.kernel);
        w.save(g.d);
        Map<String, Object> report = g.d.report();
        EventKernel k2 = new EventKernel();
        GpuHarness h = new GpuHarness(Map.of("packed", "on"), Map.of(), k2, g.ring);
        StateReader r = new StateReader(w.toBytes());
        r.restore(k2);
        r.restore(h.d);
        assertThat(h.d.report()).isEqualTo(report);
        assertThat(h.d.vqs[0].packed()).isTrue();
        k2.runUntilEmpty();
        assertThat(g.packedRing.takeUsed()).isTrue();
        assertThat(g.packedRing.lastId).isEqualTo(7);
        assertThat(g.packedRing.lastLen).as("struct virtio_gpu_resp_display_info").isEqualTo(408);
        assertThat(h.d.vqs[0].inUse()).isZero();
    }

    @Test
    void aHostilePackedRingBreaksTheDeviceAndAResetBringsBackASplitRing() {
        GpuHarness g = new GpuHarness(Map.of("packed", "on"), Map.of()).packed().probe();
        assertThat(g.req(CMD_GET_DISPLAY_INFO).send()).isEqualTo(RESP_OK_DISPLAY_INFO);
        // every entry chains on to the next, round the ring: QEMU's "Looped descriptor"
        for (int i = 0; i < 64; i++) {
            g.packedRing.desc(g.packedRing.desc, i, GpuHarness.REQ, 24, 1,
                    VIRTQ_DESC_F_NEXT | dev.gvsim.virtiogpudevice.virtqueue.GuestPackedRing.availBits(i >= 2));
        }
        g.wr(0x3000, 2, 0);
        g.kernel.runUntilEmpty();
        Map<String, Object> rep = g.d.report();
        assertThat(rep.get("queue_errors")).isEqualTo(List.of("queue 0: Looped descriptor"));
        assertThat(Integer.decode((String) rep.get("status")) & S_NEEDS_RESET).isNotZero();
        assertThat(g.d.vqs[0].broken()).isTrue();
        g.wr(COMMON_STATUS, 1, 0); // reset
        assertThat(g.d.vqs[0].packed()).as("no features after a reset").isFalse();
        g.packedRing = null;
        g.probe();
        assertThat(g.d.vqs[0].packed()).isFalse();
        assertThat(g.req(CMD_GET_DISPLAY_INFO).send()).isEqualTo(RESP_OK_DISPLAY_INFO);
    }
}
