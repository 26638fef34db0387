package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.VirtioPciCommonConfig.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.virtqueue.GuestRing;

/**
 * The control queue end to end: a guest lays the queue out in RAM as Linux does ({@link GuestRing}),
 * drives the registers as the Linux probe does, sends commands and reads the used ring, the response
 * bytes, ISR and INTx.
 */
class ControlQueueTest {
    static final long REQ = GuestRing.BUFFERS;
    static final long RESP = GuestRing.BUFFERS + 0x1000;

    EventKernel kernel = new EventKernel();
    final IrqLine irq = new IrqLine("gpu.intx");
    final Access a = new Access();
    final GuestRing ring = new GuestRing(64);
    VirtioGpuPciDevice d;

    VirtioGpuPciDevice device(EventKernel k) {
        Params p = new Params();
        p.declareAll(VirtioGpuPciDevice.PARAMS);
        VirtioGpuPciDevice dev = new VirtioGpuPciDevice(VirtioGpuConfig.defaults(), k.scheduler("gpu"), irq, p, ring.dma);
        dev.build(false);
        return dev;
    }

    long rd(int off, int size) {
        a.read(off, size);
        d.barAccess(d.bar(4), off, a);
        return a.data;
    }

    void wr(int off, int size, long v) {
        a.write(off, size, v);
        d.barAccess(d.bar(4), off, a);
    }

    /** Linux virtio_pci_modern probe + virtio_gpu_init: features, controlq setup, DRIVER_OK; Bus Master on as pci_set_master does. */
    void probe(boolean busMaster) {
        d = device(kernel);
        d.configWrite(0x04, 2, busMaster ? 0x6 : 0x2);
        wr(COMMON_STATUS, 1, 1);
        wr(COMMON_STATUS, 1, 3);
        wr(COMMON_GFSELECT, 4, 0);
        wr(COMMON_GF, 4, 0x3000_0002L); // EVENT_IDX, INDIRECT_DESC, EDID
        wr(COMMON_GFSELECT, 4, 1);
        wr(COMMON_GF, 4, 0x1); // VERSION_1
        wr(COMMON_STATUS, 1, 0xb);
        wr(COMMON_Q_SELECT, 2, 0);
        assertThat(rd(COMMON_Q_SIZE, 2)).isEqualTo(64);
        wr(COMMON_Q_DESCLO, 4, ring.desc);
        wr(COMMON_Q_DESCHI, 4, 0);
        wr(COMMON_Q_AVAILLO, 4, ring.avail);
        wr(COMMON_Q_AVAILHI, 4, 0);
        wr(COMMON_Q_USEDLO, 4, ring.used);
        wr(COMMON_Q_USEDHI, 4, 0);
        wr(COMMON_Q_ENABLE, 2, 1);
        wr(COMMON_STATUS, 1, 0xf);
        assertThat(d.vqs[0].ready()).isTrue();
    }

    /** A request of {@code reqLen} bytes at REQ (descriptor 2i) and a response buffer of {@code respLen} at RESP (2i+1), offered. */
    void send(int i, int type, int flags, long fence, int reqLen, int respLen) {
        long req = REQ + 0x100L * i;
        ring.w(req, 4, type);
        ring.w(req + 4, 4, flags);
        ring.w(req + 8, 8, fence);
        ring.w(req + 16, 4, 0);
        ring.desc(2 * i, req, reqLen, VIRTQ_DESC_F_NEXT, 2 * i + 1);
        ring.desc(2 * i + 1, RESP + 0x1000L * i, respLen, VIRTQ_DESC_F_WRITE, 0);
        ring.offer(2 * i);
    }

    void notifyControl() {
        wr(0x3000, 2, 0);
    }

    @Test
    void getDisplayInfoIsAnsweredAfterTheCommandLatencyWithScanoutZeroEnabled() {
        probe(true);
        send(0, CMD_GET_DISPLAY_INFO, FLAG_FENCE, 0x1234_5678_9AL, 24, 408);
        notifyControl();
        assertThat(ring.usedIdx()).isZero(); // scheduled, not inline in the MMIO write
        kernel.runUntilEmpty();
        assertThat(kernel.now()).isEqualTo(6_000_000L); // virtio_gpu.cmd_latency 5us + virtio_gpu.cmd_cost 1us, in ps
        assertThat(ring.usedIdx()).isEqualTo(1);
        assertThat(ring.usedId(0)).isZero();
        assertThat(ring.usedLen(0)).isEqualTo(408);
        assertThat(ring.r(RESP, 4)).isEqualTo(0x1101); // OK_DISPLAY_INFO
        assertThat(ring.r(RESP + 4, 4)).isEqualTo(1); // FENCE echoed
        assertThat(ring.r(RESP + 8, 8)).isEqualTo(0x1234_5678_9AL);
        long pm0 = RESP + 24;
        assertThat(ring.r(pm0, 8)).isZero(); // x, y
        assertThat(ring.r(pm0 + 8, 4)).isEqualTo(1280);
        assertThat(ring.r(pm0 + 12, 4)).isEqualTo(800);
        assertThat(ring.r(pm0 + 16, 4)).isEqualTo(1);
        for (int s = 1; s < 16; s++) {
            assertThat(ring.r(RESP + 24 + 24L * s + 8, 8)).as("scanout %d", s).isZero();
            assertThat(ring.r(RESP + 24 + 24L * s + 16, 4)).as("scanout %d enabled", s).isZero();
        }
        assertThat(irq.level()).isTrue();
        assertThat(rd(0x1000, 1)).isEqualTo(1); // ISR: queue interrupt, read-to-clear
        assertThat(irq.level()).isFalse();
        assertThat(rd(0x1000, 1)).isZero();
        Map<String, Object> r = d.report();
        assertThat(r).containsEntry("commands", Map.of("GET_DISPLAY_INFO", 1L)).containsEntry("queue_interrupts", 1L)
                .containsEntry("fenced_commands", 1L).containsEntry("status", "0x0f").doesNotContainKey("queue_errors");
    }

    @Test
    void unknownAndUnimplementedCommandsGetErrUnspecAndNoFenceWithoutTheFlag() {
        probe(true);
        send(0, 0x0108, 0, 99, 32, 24); // GET_CAPSET_INFO: QEMU 7.2's 2D device has no case for it
        send(1, 0x9999, 0, 99, 24, 24);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(2);
        assertThat(ring.usedLen(0)).isEqualTo(24);
        assertThat(ring.usedLen(1)).isEqualTo(24);
        assertThat(ring.r(RESP, 4)).isEqualTo(0x1200);
        assertThat(ring.r(RESP + 4, 4)).isZero();
        assertThat(ring.r(RESP + 8, 8)).isZero();
        assertThat(ring.r(RESP + 0x1000, 4)).isEqualTo(0x1200);
        assertThat(d.report()).containsEntry("commands", Map.of("GET_CAPSET_INFO", 1L, "other", 1L));
    }

    @Test
    void aShortResponseBufferGetsWhatFitsAndAShortRequestIsNeverReturned() {
        probe(true);
        send(0, CMD_GET_DISPLAY_INFO, 0, 0, 24, 16); // virtio_gpu_ctrl_response: "response size incorrect"
        send(1, CMD_GET_DISPLAY_INFO, 0, 0, 8, 408); // VIRTIO_GPU_FILL_CMD: "command size incorrect", no response
        send(2, CMD_GET_DISPLAY_INFO, 0, 0, 24, 408);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(2);
        assertThat(ring.usedId(0)).isEqualTo(0);
        assertThat(ring.usedLen(0)).isEqualTo(16);
        assertThat(ring.r(RESP, 4)).isEqualTo(0x1101);
        assertThat(ring.usedId(1)).isEqualTo(4);
        assertThat(ring.usedLen(1)).isEqualTo(408);
        assertThat(d.report()).containsEntry("responses_short", 1L).containsEntry("requests_short", 1L)
                .containsEntry("chains", List.of(3L, 0L));
        assertThat(d.vqs[0].inUse()).isEqualTo(1); // the short request stays in flight, as QEMU's fenceq keeps it
    }

    @Test
    void withBusMasterOffNothingIsReadUntilItIsOnAndTheDriverNotifiesAgain() {
        probe(false);
        send(0, CMD_GET_DISPLAY_INFO, 0, 0, 24, 408);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isZero();
        assertThat(d.report()).containsEntry("bus_master_off", 1L);
        d.configWrite(0x04, 2, 0x6);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(1);
    }

    @Test
    void clearingBusMasterClearsDriverOkAsVirtioWriteConfigDoes() {
        probe(true);
        d.configWrite(0x04, 2, 0x2);
        assertThat(rd(COMMON_STATUS, 1)).isEqualTo(0xb);
        assertThat(d.report()).containsEntry("bus_master_cleared_driver_ok", 1L);
        send(0, CMD_GET_DISPLAY_INFO, 0, 0, 24, 408);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isZero();
        d.configWrite(0x04, 2, 0x6);
        wr(COMMON_STATUS, 1, 0xf);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(1);
    }

    @Test
    void aDescriptorLoopSetsNeedsResetIsReportedAndRegistersStillAnswer() {
        probe(true);
        ring.desc(0, REQ, 24, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(1, REQ + 0x100, 24, VIRTQ_DESC_F_NEXT, 0);
        ring.offer(0);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(rd(COMMON_STATUS, 1)).isEqualTo(0x4f);
        assertThat(d.report().get("queue_errors")).isEqualTo(List.of("queue 0: Looped descriptor"));
        assertThat(rd(0x1000, 1)).isEqualTo(2); // configuration change (virtio_error → virtio_notify_config)
        assertThat(rd(COMMON_NUMQ, 2)).isEqualTo(2);
        assertThat(rd(0x2008, 4)).isEqualTo(1);
        assertThat(ring.usedIdx()).isZero();
        // broken until reset: a good command is not processed (QEMU vdev->broken)
        send(5, CMD_GET_DISPLAY_INFO, 0, 0, 24, 408);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isZero();
        wr(COMMON_STATUS, 1, 0);
        assertThat(rd(COMMON_STATUS, 1)).isZero();
        assertThat(d.vqs[0].broken()).isFalse();
    }

    @Test
    void anOutOfRamDescriptorSetsNeedsResetWithQemusMessage() {
        probe(true);
        ring.desc(0, 0x7_0000_0000L, 24, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(1, RESP, 408, VIRTQ_DESC_F_WRITE, 0);
        ring.offer(0);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(rd(COMMON_STATUS, 1) & S_NEEDS_RESET).isEqualTo(S_NEEDS_RESET);
        assertThat(d.report()).containsEntry("queue_errors", List.of("queue 0: virtio: bogus descriptor or out of resources"))
                .containsEntry("queue_error_count", 1L);
    }

    @Test
    void ringsOutsideRamAtQueueEnableAreCannotMapDesc() {
        d = device(kernel);
        wr(COMMON_STATUS, 1, 3);
        wr(COMMON_GFSELECT, 4, 1);
        wr(COMMON_GF, 4, 0x1);
        wr(COMMON_STATUS, 1, 0xb);
        wr(COMMON_Q_DESCLO, 4, 0x1000); // below RAM
        wr(COMMON_Q_AVAILLO, 4, ring.avail);
        wr(COMMON_Q_USEDLO, 4, ring.used);
        wr(COMMON_Q_ENABLE, 2, 1);
        assertThat(rd(COMMON_STATUS, 1)).isEqualTo(0x4b);
        assertThat(d.report()).containsEntry("queue_errors", List.of("queue 0: Cannot map desc"));
    }

    @Test
    void aCommandInFlightSurvivesACheckpoint() throws Exception {
        probe(true);
        send(0, CMD_GET_DISPLAY_INFO, 0, 0, 24, 408);
        notifyControl();
        StateWriter w = new StateWriter("m");
        w.save(kernel);
        w.save(d);
        byte[] cp = w.toBytes();
        // a fresh machine: new kernel and device (the handler registered by name), same guest RAM
        EventKernel k2 = new EventKernel();
        VirtioGpuPciDevice d2 = device(k2);
        StateReader r = new StateReader(cp);
        r.restore(k2);
        r.restore(d2);
        d = d2;
        k2.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(1);
        assertThat(ring.usedLen(0)).isEqualTo(408);
        assertThat(ring.r(RESP, 4)).isEqualTo(0x1101);
        assertThat(d2.report()).containsEntry("commands", Map.of("GET_DISPLAY_INFO", 1L));
    }

    @Test
    void theCursorQueueIsPushedWithLengthZeroAndCounted() {
        probe(true);
        // the cursor queue (size 16) laid out by hand away from the control queue's rings
        long desc = GuestRing.BASE + 0x8000;
        long avail = desc + 16 * 16;
        long used = avail + 0x100;
        wr(COMMON_Q_SELECT, 2, 1);
        wr(COMMON_Q_DESCLO, 4, desc);
        wr(COMMON_Q_AVAILLO, 4, avail);
        wr(COMMON_Q_USEDLO, 4, used);
        wr(COMMON_Q_ENABLE, 2, 1);
        assertThat(d.vqs[1].ready()).isTrue();
        long req = REQ + 0x8000;
        ring.w(req, 4, CMD_UPDATE_CURSOR);
        ring.w(req + CURSOR_X, 4, 100);
        ring.w(req + CURSOR_Y, 4, 50);
        ring.w(req + CURSOR_RESOURCE_ID, 4, 7);
        ring.w(req + CURSOR_HOT_X, 4, 3);
        ring.w(req + CURSOR_HOT_Y, 4, 4);
        ring.desc(desc, 0, req, 56, 0, 0);
        ring.w(avail + 4, 2, 0); // ring[0] = 0
        ring.w(avail + 2, 2, 1); // avail.idx = 1
        wr(0x3004, 2, 1);
        kernel.runUntilEmpty();
        assertThat(ring.r(used + 2, 2)).isEqualTo(1);
        assertThat(ring.r(used + 4, 4)).isZero(); // id
        assertThat(ring.r(used + 8, 4)).isZero(); // len 0 (virtio_gpu_handle_cursor)
        assertThat(d.report()).containsEntry("commands", Map.of("UPDATE_CURSOR", 1L)).containsEntry("chains", List.of(0L, 1L));
        // update_cursor kept it: resource, position, hot spot
        assertThat(d.control.scanouts.outs[0].cursorResource).isEqualTo(7);
        assertThat(d.control.scanouts.outs[0].cursorX).isEqualTo(100);
        assertThat(d.control.scanouts.outs[0].cursorY).isEqualTo(50);
        assertThat(d.control.scanouts.outs[0].cursorHotY).isEqualTo(4);
        // MOVE_CURSOR moves only
        ring.w(req, 4, CMD_MOVE_CURSOR);
        ring.w(req + CURSOR_X, 4, 101);
        ring.w(req + CURSOR_RESOURCE_ID, 4, 9);
        ring.w(avail + 6, 2, 0); // ring[1] = 0
        ring.w(avail + 2, 2, 2);
        wr(0x3004, 2, 1);
        kernel.runUntilEmpty();
        assertThat(ring.r(used + 2, 2)).isEqualTo(2);
        assertThat(d.control.scanouts.outs[0].cursorX).isEqualTo(101);
        assertThat(d.control.scanouts.outs[0].cursorResource).isEqualTo(7);
        assertThat(d.control.scanouts.outs[0].cursorMoves).isEqualTo(1);
    }

    @Test
    void theCommandPathAllocatesNothing() {
        probe(true);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ring.w(REQ, 4, CMD_GET_DISPLAY_INFO);
        ring.w(REQ + 4, 4, FLAG_FENCE);
        ring.desc(0, REQ, 24, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(1, RESP, 408, VIRTQ_DESC_F_WRITE, 0);
        Runnable loop = () -> {
            for (int i = 0; i < 2000; i++) {
                ring.offer(0);
                notifyControl();
                kernel.runUntilEmpty();
                rd(0x1000, 1);
            }
        };
        loop.run();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        loop.run();
        long after = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        assertThat(ring.usedIdx()).isEqualTo(4000);
        // one object per command would be at least 16 B x 2000 = 32 000 B; what remains is the measurement and the kernel's constant overhead
        assertThat(after - before).as("bytes allocated by 2000 GET_DISPLAY_INFO round trips").isLessThan(4096);
    }

    /** Linux's virtqueue_add_sgs puts a 2-segment request in an indirect table when INDIRECT_DESC is negotiated. */
    @Test
    void getDisplayInfoThroughAnIndirectTableAsLinuxSendsIt() {
        probe(true);
        long table = GuestRing.BUFFERS + 0x8000;
        ring.w(REQ, 4, CMD_GET_DISPLAY_INFO);
        ring.desc(table, 0, REQ, 24, VIRTQ_DESC_F_NEXT, 1);
        ring.desc(table, 1, RESP, 408, VIRTQ_DESC_F_WRITE, 0);
        ring.desc(3, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
        ring.offer(3);
        notifyControl();
        kernel.runUntilEmpty();
        assertThat(ring.usedIdx()).isEqualTo(1);
        assertThat(ring.usedId(0)).isEqualTo(3);
        assertThat(ring.usedLen(0)).isEqualTo(408);
        assertThat(ring.r(RESP, 4)).isEqualTo(0x1101);
    }

    /** Random requests (type, flags, lengths, segment splits): never an exception, every complete header answered, the ring consistent. */
    @Test
    void randomRequestsAreAlwaysAnsweredOrLeftInFlightAsQemuDoes() {
        probe(true);
        java.util.Random rnd = new java.util.Random(20);
        int expectedUsed = 0;
        for (int n = 0; n < 500; n++) {
            int reqLen = 1 + rnd.nextInt(64);
            int respLen = 1 + rnd.nextInt(512);
            int type = rnd.nextBoolean() ? CMD_GET_DISPLAY_INFO : rnd.nextInt();
            long req = REQ + 0x100L * (n % 8);
            for (int b = 0; b < reqLen; b += 4) {
                ring.w(req + b, 4, rnd.nextInt());
            }
            ring.w(req, 4, type);
            int split = 1 + rnd.nextInt(reqLen); // request in one or two readable segments
            int head = (2 * n) % 60;
            if (split < reqLen) {
                ring.desc(head, req, split, VIRTQ_DESC_F_NEXT, head + 1);
                ring.desc(head + 1, req + split, reqLen - split, VIRTQ_DESC_F_NEXT, head + 2);
            } else {
                ring.desc(head, req, reqLen, VIRTQ_DESC_F_NEXT, head + 2);
            }
            ring.desc(head + 2, RESP, respLen, VIRTQ_DESC_F_WRITE, 0);
            ring.offer(head);
            notifyControl();
            kernel.runUntilEmpty();
            if (reqLen >= 24) {
                expectedUsed++;
                int slot = (expectedUsed - 1) % 64;
                int full = type == CMD_GET_DISPLAY_INFO ? 408 : 24;
                assertThat(ring.usedId(slot)).isEqualTo(head);
                assertThat(ring.usedLen(slot)).isEqualTo(Math.min(full, respLen));
            }
            assertThat(ring.usedIdx()).isEqualTo(expectedUsed & 0xFFFF);
            if (d.vqs[0].inUse() > 32) {
                break; // short requests stay in flight (QEMU's fenceq); stop before the queue fills
            }
        }
        assertThat(rd(COMMON_STATUS, 1)).isEqualTo(0xf);
        assertThat(d.report()).doesNotContainKey("queue_errors");
    }
}
