package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A hostile driver that changes the device's state while a command is in the device's hands: the
 * device models a command's time (virtio_gpu.cmd_cost, memcpy bandwidth) by pushing its used
 * element when that time has passed, a window QEMU 7.2 does not have (its bottom half pops,
 * processes and pushes in one go). Whatever the driver does in the window, the device must not act
 * as a bus master once Bus Master Enable is clear (PCI: no DMA with BME = 0; QEMU: virtqueue_fill and
 * virtqueue_flush return early on a disabled device, virtio_write_config).
 */
class HostileTimingTest {
    /** A 64 x 64 resource with 16 KiB of backing, then a full TRANSFER_TO_HOST_2D offered and notified; returns the request's head. */
    static void transferInFlight(HostileGuest g) {
        long req = HostileGuest.BUFFERS;
        long resp = HostileGuest.BUFFERS + 0x1000;
        long backing = HostileGuest.BASE + 0x8_0000;
        // RESOURCE_CREATE_2D id 1, then ATTACH_BACKING, answered normally
        g.raw.write(req, 4, CMD_RESOURCE_CREATE_2D);
        g.raw.write(req + CREATE_2D_RESOURCE_ID, 4, 1);
        g.raw.write(req + CREATE_2D_FORMAT, 4, FORMAT_B8G8R8X8_UNORM);
        g.raw.write(req + CREATE_2D_WIDTH, 4, 64);
        g.raw.write(req + CREATE_2D_HEIGHT, 4, 64);
        g.desc(HostileGuest.DESC, 0, req, CREATE_2D_SIZE, VIRTQ_DESC_F_NEXT, 1);
        g.desc(HostileGuest.DESC, 1, resp, HDR_SIZE, VIRTQ_DESC_F_WRITE, 0);
        g.offer(0);
        g.notifyAndRun();
        assertThat(g.raw.read(resp, 4)).isEqualTo(RESP_OK_NODATA);
        long a = req + 0x100;
        g.raw.write(a, 4, CMD_RESOURCE_ATTACH_BACKING);
        g.raw.write(a + ATTACH_RESOURCE_ID, 4, 1);
        g.raw.write(a + ATTACH_NR_ENTRIES, 4, 1);
        g.raw.write(a + ATTACH_SIZE + MEM_ENTRY_ADDR, 8, backing);
        g.raw.write(a + ATTACH_SIZE + MEM_ENTRY_LENGTH, 4, 0x4000);
        g.desc(HostileGuest.DESC, 2, a, ATTACH_SIZE + MEM_ENTRY_SIZE, VIRTQ_DESC_F_NEXT, 3);
        g.desc(HostileGuest.DESC, 3, resp + 0x100, HDR_SIZE, VIRTQ_DESC_F_WRITE, 0);
        g.offer(2);
        g.notifyAndRun();
        assertThat(g.raw.read(resp + 0x100, 4)).isEqualTo(RESP_OK_NODATA);
        // TRANSFER_TO_HOST_2D of the whole image: offered, notified, and the device's first event run (pop + process)
        long t = req + 0x200;
        g.raw.write(t, 4, CMD_TRANSFER_TO_HOST_2D);
        g.raw.write(t + XFER_2D_RECT + RECT_WIDTH, 4, 64);
        g.raw.write(t + XFER_2D_RECT + RECT_HEIGHT, 4, 64);
        g.raw.write(t + XFER_2D_RESOURCE_ID, 4, 1);
        g.desc(HostileGuest.DESC, 4, t, XFER_2D_SIZE, VIRTQ_DESC_F_NEXT, 5);
        g.desc(HostileGuest.DESC, 5, resp + 0x200, HDR_SIZE, VIRTQ_DESC_F_WRITE, 0);
        g.offer(4);
        g.notifyOnly();
        assertThat(g.kernel.step()).as("the queue's pass").isTrue();
        assertThat(g.d.chains[0]).as("the transfer was popped").isEqualTo(3);
        assertThat(g.usedIdx()).as("its used element is not pushed yet (the command's time)").isEqualTo(2);
    }

    /**
     * Finding (docs/fuzzing.md): VirtioGpuPciDevice.processQueue pushes the pending used element (used.ring id and len,
     * used.idx: 3 DMA writes) without checking Bus Master Enable; QEMU drops fill/flush on a disabled device.
     */
    @Test
    void noDmaOnceBusMasterIsClearedWhileACommandIsInFlight() {
        HostileGuest g = new HostileGuest(0, 64);
        transferInFlight(g);
        g.d.configWrite(0x04, 2, 0x2); // Bus Master Enable cleared (the driver's pci_clear_master, or a hostile one)
        long writes = g.writes;
        g.kernel.runUntilEmpty();
        assertThat(g.writes - writes).as("device DMA writes after Bus Master Enable was cleared").isZero();
        assertThat(g.usedIdx()).isEqualTo(2);
    }

    @Test
    void aDeviceResetWhileACommandIsInFlightReturnsNothingAndHeals() {
        HostileGuest g = new HostileGuest(0, 64);
        transferInFlight(g);
        g.wr(COMMON_STATUS, 1, 0);
        long writes = g.writes;
        g.kernel.runUntilEmpty();
        assertThat(g.writes - writes).as("nothing written after the reset").isZero();
        assertThat(g.d.report()).containsEntry("resources", 0);
        assertThat(g.resetAndAskDisplayInfo(0)).isEqualTo(RESP_OK_DISPLAY_INFO);
    }
    /**
     * Finding (docs/fuzzing.md): queue_enable written with a value other than 1 is QEMU 7.2's virtio_error("wrong value
     * for queue_enable"), which sets DEVICE_NEEDS_RESET, notifies the configuration change and marks the device broken
     * (vdev->broken: virtio_queue_empty_rcu answers empty, nothing is popped until reset). gvsim's
     * VirtioGpuPciDevice.deviceError sets DEVICE_NEEDS_RESET only; the queues go on answering.
     */
    @Test
    void aWrongQueueEnableValueStopsEveryQueueAsVirtioErrorDoes() {
        HostileGuest g = new HostileGuest(0, 64);
        g.wr(COMMON_Q_SELECT, 2, 0);
        g.wr(COMMON_Q_ENABLE, 2, 0); // virtio_error "wrong value for queue_enable 0"
        assertThat(g.status() & S_NEEDS_RESET).as("DEVICE_NEEDS_RESET").isEqualTo(S_NEEDS_RESET);
        long req = HostileGuest.BUFFERS;
        long resp = HostileGuest.BUFFERS + 0x1000;
        g.raw.write(req, 4, CMD_GET_DISPLAY_INFO);
        g.desc(HostileGuest.DESC, 0, req, HDR_SIZE, VIRTQ_DESC_F_NEXT, 1);
        g.desc(HostileGuest.DESC, 1, resp, RESP_DISPLAY_INFO_SIZE, VIRTQ_DESC_F_WRITE, 0);
        g.offer(0);
        g.notifyAndRun();
        assertThat(g.d.chains[0]).as("chains popped by a broken device").isZero();
        assertThat(g.usedIdx()).isZero();
        assertThat(g.resetAndAskDisplayInfo(0)).as("a reset heals").isEqualTo(RESP_OK_DISPLAY_INFO);
    }
}
