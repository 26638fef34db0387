package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.GpuHarness.PAGES;
import static dev.gvsim.virtiogpudevice.GpuHarness.REQ;
import static dev.gvsim.virtiogpudevice.GpuHarness.RESP;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.virtqueue.GuestRing;

/** Commands in simulated time (cmd_latency, cmd_cost, memcpy bandwidth), checkpoints, allocation, hostile input. */
class CommandTimingTest {
    static final long US = 1_000_000L;

    /** A 256 × 256 B8G8R8X8 resource (256 KiB) backed at PAGES. */
    static void bigResource(GpuHarness g, int id) {
        assertThat(g.create2d(id, FORMAT_B8G8R8X8_UNORM, 256, 256)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(id, PAGES, 256 * 256 * 4)).isEqualTo(RESP_OK_NODATA);
    }

    @Test
    void aTransferIsAnsweredAfterLatencyCostAndItsBytesAtTheMemcpyBandwidth() {
        GpuHarness g = new GpuHarness().probe();
        bigResource(g, 1);
        long t0 = g.kernel.now();
        assertThat(g.transfer(1, 0, 0, 256, 256, 0)).isEqualTo(RESP_OK_NODATA);
        // 5us latency + 1us command + 262144 B at 8 B/ns = 32.768us
        assertThat(g.kernel.now() - t0).isEqualTo(5 * US + US + 32_768_000L);
        GpuHarness slow = new GpuHarness(Map.of(), Map.of("virtio_gpu.memcpy_bandwidth", "4", "virtio_gpu.cmd_cost", "2us")).probe();
        bigResource(slow, 1);
        t0 = slow.kernel.now();
        assertThat(slow.transfer(1, 0, 0, 256, 256, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(slow.kernel.now() - t0).isEqualTo(5 * US + 2 * US + 65_536_000L);
        @SuppressWarnings("unchecked")
        List<Long> busy = (List<Long>) slow.d.report().get("busy_ps");
        assertThat(busy.get(0)).isEqualTo(3 * 2 * US + 50_000L + 65_536_000L); // create, attach (one entry at 50ns), transfer
    }

    @Test
    void anAttachCostsMapEntryCostPerEntry() {
        GpuHarness g = new GpuHarness().probe();
        assertThat(g.create2d(1, FORMAT_B8G8R8X8_UNORM, 1024, 64)).isEqualTo(RESP_OK_NODATA);
        g.req(CMD_RESOURCE_ATTACH_BACKING).i32(1).i32(16384);
        for (int e = 0; e < 16384; e++) {
            g.i64(PAGES + 16L * e).i32(16).i32(0);
        }
        long t0 = g.kernel.now();
        assertThat(g.send()).isEqualTo(RESP_OK_NODATA);
        assertThat(g.kernel.now() - t0).isEqualTo(5 * US + US + 16384 * 50_000L);
    }

    @Test
    void commandsOfAQueueRunOneAfterTheOtherEachPushedWhenItsCostHasElapsed() {
        GpuHarness g = new GpuHarness().probe();
        bigResource(g, 1);
        // three chains offered at once: TRANSFER (32.768us of copy), GET_DISPLAY_INFO, RESOURCE_FLUSH
        for (int k = 0; k < 0x300; k += 4) {
            g.ring.w(REQ + k, 4, 0);
        }
        g.ring.w(REQ, 4, CMD_TRANSFER_TO_HOST_2D);
        g.ring.w(REQ + XFER_2D_RECT + RECT_WIDTH, 4, 256);
        g.ring.w(REQ + XFER_2D_RECT + RECT_HEIGHT, 4, 256);
        g.ring.w(REQ + XFER_2D_RESOURCE_ID, 4, 1);
        g.ring.w(REQ + 0x100, 4, CMD_GET_DISPLAY_INFO);
        g.ring.w(REQ + 0x200, 4, CMD_RESOURCE_FLUSH);
        g.ring.w(REQ + 0x200 + FLUSH_RESOURCE_ID, 4, 1);
        int[] lens = {XFER_2D_SIZE, HDR_SIZE, FLUSH_SIZE};
        for (int i = 0; i < 3; i++) {
            g.ring.desc(2 * i, REQ + 0x100L * i, lens[i], VIRTQ_DESC_F_NEXT, 2 * i + 1);
            g.ring.desc(2 * i + 1, RESP + 0x1000L * i, 408, VIRTQ_DESC_F_WRITE, 0);
            g.ring.offer(2 * i);
        }
        int base = g.ring.usedIdx();
        long t0 = g.kernel.now();
        g.wr(0x3000, 2, 0);
        long first = t0 + 6 * US + 32_768_000L;
        g.kernel.runUntil(first - 1);
        assertThat(g.ring.usedIdx()).isEqualTo(base);
        g.kernel.runUntil(first);
        assertThat(g.ring.usedIdx()).isEqualTo(base + 1);
        g.kernel.runUntil(first + US - 1);
        assertThat(g.ring.usedIdx()).isEqualTo(base + 1);
        g.kernel.runUntil(first + US);
        assertThat(g.ring.usedIdx()).isEqualTo(base + 2);
        assertThat(g.ring.r(RESP + 0x1000, 4)).isEqualTo(RESP_OK_DISPLAY_INFO);
        g.kernel.runUntilEmpty();
        assertThat(g.kernel.now()).isEqualTo(first + 2 * US);
        assertThat(g.ring.usedIdx()).isEqualTo(base + 3);
        assertThat(g.ring.r(RESP + 0x2000, 4)).isEqualTo(RESP_OK_NODATA);
    }

    @Test
    void aCheckpointRoundTripKeepsResourcesPixelsBackingAndScanouts() throws Exception {
        GuestRing ring = new GuestRing(64);
        GpuHarness g = new GpuHarness(Map.of("blob", "on", "max_outputs", "2"), Map.of(), new EventKernel(), ring).probe();
        for (int i = 0; i < 64 * 32; i++) {
            g.poke(PAGES + 4L * i, i * 0x10101);
        }
        assertThat(g.create2d(3, FORMAT_X8R8G8B8_UNORM, 64, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.attach(3, PAGES + 4096, 4096, PAGES, 4096)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.transfer(3, 0, 0, 64, 16, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanout(0, 3, 0, 0, 64, 32)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.createBlob(4, BLOB_MEM_GUEST, 0, 8192, PAGES + 0x10000, 8192)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.setScanoutBlob(1, 4, 0, 0, 32, 16, 32, 16, FORMAT_B8G8R8X8_UNORM, 128, 0)).isEqualTo(RESP_OK_NODATA);
        assertThat(g.flush(3, 0, 0, 8, 8)).isEqualTo(RESP_OK_NODATA);
        // a transfer in flight at the checkpoint: popped and copied, its response not yet pushed
        for (int k = 0; k < 56; k += 4) {
            ring.w(REQ + k, 4, 0);
        }
        ring.w(REQ, 4, CMD_TRANSFER_TO_HOST_2D);
        ring.w(REQ + XFER_2D_RECT + RECT_WIDTH, 4, 64);
        ring.w(REQ + XFER_2D_RECT + RECT_HEIGHT, 4, 32);
        ring.w(REQ + XFER_2D_RESOURCE_ID, 4, 3);
        ring.desc(0, REQ, XFER_2D_SIZE, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(1, RESP, 24, VIRTQ_DESC_F_WRITE, 0);
        ring.offer(0);
        int base = ring.usedIdx();
        long t0 = g.kernel.now();
        g.wr(0x3000, 2, 0);
        g.kernel.runUntil(t0 + 5 * US + 10);
        assertThat(ring.usedIdx()).isEqualTo(base);
        StateWriter w = new StateWriter("m");
        w.save(g.kernel);
        w.save(g.d);
        byte[] cp = w.toBytes();
        int[] before = new int[64 * 32];
        for (int i = 0; i < before.length; i++) {
            before[i] = g.d.scanouts().get(0).pixel(i % 64, i / 64);
        }
        Map<String, Object> report = g.d.report();

        EventKernel k2 = new EventKernel();
        GpuHarness g2 = new GpuHarness(Map.of("blob", "on", "max_outputs", "2"), Map.of(), k2, ring);
        StateReader r = new StateReader(cp);
        r.restore(k2);
        r.restore(g2.d);
        assertThat(g2.d.report()).isEqualTo(report);
        for (int i = 0; i < before.length; i++) {
            assertThat(g2.d.scanouts().get(0).pixel(i % 64, i / 64)).isEqualTo(before[i]);
        }
        // pixel (5, 20) is backing byte 5140, in the second entry (PAGES): guest word 261
        assertThat(before[64 * 20 + 5]).as("rows 16.. came with the transfer in flight")
                .isEqualTo(GpuResources.toRgb(FORMAT_X8R8G8B8_UNORM, 261 * 0x10101));
        ring.w(PAGES + 0x10000, 4, 0x00654321);
        assertThat(g2.d.scanouts().get(1).pixel(0, 0)).isEqualTo(0x654321);
        k2.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(base + 1);
        assertThat(k2.now()).isEqualTo(t0 + 6 * US + 1_024_000L); // 8 KiB at 8 B/ns
        assertThat(g2.d.control.resources.find(3).addr).containsExactly(PAGES + 4096, PAGES);
    }

    @Test
    void aCheckpointWithAnotherNumberOfScanoutsIsRefused() throws Exception {
        GpuHarness g = new GpuHarness().probe();
        StateWriter w = new StateWriter("m");
        w.save(g.d);
        GpuHarness g2 = new GpuHarness(Map.of("max_outputs", "2"), Map.of());
        StateReader r = new StateReader(w.toBytes());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.restore(g2.d)).hasMessageContaining("scanouts");
    }

    @Test
    void theTransferPathAllocatesNothing() {
        GpuHarness g = new GpuHarness().probe();
        bigResource(g, 1);
        assertThat(g.setScanout(0, 1, 0, 0, 256, 256)).isEqualTo(RESP_OK_NODATA);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        GuestRing ring = g.ring;
        for (int k = 0; k < 56; k += 4) {
            ring.w(REQ + k, 4, 0);
        }
        ring.w(REQ, 4, CMD_TRANSFER_TO_HOST_2D);
        ring.w(REQ + XFER_2D_RECT + RECT_X, 4, 3);
        ring.w(REQ + XFER_2D_RECT + RECT_WIDTH, 4, 100);
        ring.w(REQ + XFER_2D_RECT + RECT_HEIGHT, 4, 64);
        ring.w(REQ + XFER_2D_RESOURCE_ID, 4, 1);
        ring.desc(0, REQ, XFER_2D_SIZE, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(1, RESP, 24, VIRTQ_DESC_F_WRITE, 0);
        Runnable loop = () -> {
            for (int i = 0; i < 2000; i++) {
                ring.offer(0);
                g.wr(0x3000, 2, 0);
                g.kernel.runUntilEmpty();
                g.rd(0x1000, 1);
                g.d.scanouts().get(0).pixel(i & 255, 7);
            }
        };
        loop.run();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        loop.run();
        long after = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        assertThat(ring.r(RESP, 4)).isEqualTo(RESP_OK_NODATA);
        assertThat(after - before).as("bytes allocated by 2000 TRANSFER_TO_HOST_2D round trips").isLessThan(4096);
    }

    /** Hostile commands: random types among the 2D and blob ones, random fields and lengths: always a response, never an exception. */
    @Test
    void randomCommandsAreAlwaysAnswered() {
        GpuHarness g = new GpuHarness(Map.of("blob", "on", "max_outputs", "3", "max_hostmem", "4M", "hostmem", "1M"),
                Map.of("virtio_gpu.map_blob", "spec")).probe();
        java.util.Random rnd = new java.util.Random(11);
        int[] types = {CMD_RESOURCE_CREATE_2D, CMD_RESOURCE_UNREF, CMD_SET_SCANOUT, CMD_RESOURCE_FLUSH, CMD_TRANSFER_TO_HOST_2D,
            CMD_RESOURCE_ATTACH_BACKING, CMD_RESOURCE_DETACH_BACKING, CMD_RESOURCE_CREATE_BLOB, CMD_SET_SCANOUT_BLOB, CMD_RESOURCE_MAP_BLOB,
            CMD_RESOURCE_UNMAP_BLOB, CMD_GET_CAPSET_INFO};
        for (int n = 0; n < 3000; n++) {
            g.req(types[rnd.nextInt(types.length)]);
            int words = rnd.nextInt(26);
            for (int k = 0; k < words; k++) {
                int v = switch (rnd.nextInt(6)) {
                    case 0 -> rnd.nextInt();
                    case 1 -> rnd.nextInt(4); // small ids, scanouts
                    case 2 -> 16 + rnd.nextInt(64); // sizes
                    case 3 -> (int) (PAGES + 4096L * rnd.nextInt(64)); // guest addresses (low word)
                    case 4 -> 0;
                    default -> 4096 * rnd.nextInt(4);
                };
                g.i32(v);
            }
            int type = g.send();
            assertThat(type).isBetween(RESP_OK_NODATA, RESP_ERR_INVALID_PARAMETER);
            for (var s : g.d.scanouts()) {
                if (s.active() && s.width() > 0) {
                    s.pixel(rnd.nextInt(s.width()), rnd.nextInt(s.height()));
                }
            }
        }
        assertThat(g.rd(COMMON_STATUS, 1)).isEqualTo(0xf);
        assertThat(g.d.report()).doesNotContainKey("queue_errors");
    }
}
