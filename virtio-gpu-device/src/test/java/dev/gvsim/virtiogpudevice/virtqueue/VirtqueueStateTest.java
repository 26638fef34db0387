package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** Checkpoints of a queue, and no allocation on the pop/push/flush path. */
class VirtqueueStateTest {
    private static byte[] save(SplitVirtqueue q) {
        StateWriter w = new StateWriter("test");
        w.begin("vq");
        q.saveState(w);
        w.end();
        return w.toBytes();
    }

    private static void restore(SplitVirtqueue q, byte[] b) throws InputException {
        StateReader r = new StateReader(b);
        r.open("vq");
        q.restoreState(r);
    }

    @Test
    void checkpointRoundTripContinuesExactly() throws InputException {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC);
        for (int i = 0; i < 8; i++) {
            g.desc(i, BUFFERS + 0x100L * i, 16 + i, i % 2 == 0 ? VIRTQ_DESC_F_WRITE : 0, 0);
        }
        Chain c = new Chain();
        for (int n = 0; n < 13; n++) {
            g.offer(n % 8);
            q.pop(c);
            q.push(c.head(), n);
            if (n % 3 == 0) {
                q.flush();
                q.needsInterrupt();
            }
        }
        g.offer(5);
        g.offer(6);
        assertThat(q.pop(c)).isEqualTo(CHAIN); // one in use, one available, two pushed unflushed
        q.setNotification(false);
        byte[] first = save(q);

        SplitVirtqueue fresh = new SplitVirtqueue(g.dma);
        restore(fresh, first);
        assertThat(save(fresh)).isEqualTo(first);
        assertThat(fresh.lastAvailIdx()).isEqualTo(q.lastAvailIdx());
        assertThat(fresh.usedIdx()).isEqualTo(q.usedIdx());
        assertThat(fresh.inUse()).isEqualTo(1);
        assertThat(fresh.pendingUsed()).isEqualTo(q.pendingUsed());
        assertThat(fresh.notificationEnabled()).isFalse();

        // both continue the same way (the rings are the same guest RAM)
        Chain c2 = new Chain();
        assertThat(fresh.pop(c2)).isEqualTo(CHAIN);
        assertThat(c2.head()).isEqualTo(6);
        assertThat(c2.length(0)).isEqualTo(22);
        fresh.push(c2.head(), 1);
        fresh.flush();
        assertThat(q.pendingUsed()).as("the 13th push was flushed").isZero();
        assertThat(fresh.inUse()).as("the chain popped before the checkpoint is still in use").isEqualTo(1);
        assertThat(fresh.usedIdx()).isEqualTo((q.usedIdx() + 1) & 0xFFFF);
        assertThat(g.usedIdx()).isEqualTo(fresh.usedIdx());
    }

    @Test
    void brokenQueueStateRoundTrips() throws InputException {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.desc(0, BUFFERS, 16, VIRTQ_DESC_F_NEXT, 9);
        g.offer(0);
        assertThat(q.pop(new Chain())).isEqualTo(FAILED);
        byte[] b = save(q);
        SplitVirtqueue fresh = new SplitVirtqueue(g.dma);
        restore(fresh, b);
        assertThat(fresh.broken()).isTrue();
        assertThat(fresh.errorMessage()).isEqualTo("Desc next is 9");
        assertThat(save(fresh)).isEqualTo(b);
    }

    @Test
    void restoreRefusesForeignStateBeforeChangingAnything() throws InputException {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        StateWriter w = new StateWriter("test");
        w.begin("vq");
        w.putBoolean(true).putInt(3).putLong(g.desc).putLong(g.avail).putLong(g.used); // size 3
        w.putBoolean(false).putBoolean(false).putBoolean(false);
        w.putInt(0).putInt(0).putInt(0).putInt(0).putBoolean(false).putBoolean(true).putInt(0).putInt(0);
        w.putBoolean(false).putInt(0).putInt(0).putInt(0);
        w.end();
        byte[] bad = w.toBytes();
        byte[] before = save(q);
        assertThatThrownBy(() -> restore(q, bad)).isInstanceOf(InputException.class).hasMessageContaining("queue size 3");
        assertThat(save(q)).isEqualTo(before);
    }

    @Test
    void popPushFlushAndNeedsInterruptDoNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean tb = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(tb.isThreadAllocatedMemorySupported());
        GuestRing g = new GuestRing(64);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC);
        long table = BUFFERS + 0x10000;
        g.desc(table, 0, BUFFERS, 24, VIRTQ_DESC_F_NEXT, 1);
        g.desc(table, 1, BUFFERS + 0x100, 24, VIRTQ_DESC_F_WRITE, 0);
        for (int i = 0; i < 64; i++) {
            if (i % 2 == 0) {
                g.desc(i, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
            } else {
                g.desc(i, BUFFERS, 24, VIRTQ_DESC_F_NEXT, (i + 1) % 64);
                g.desc((i + 1) % 64, BUFFERS + 0x100, 24, VIRTQ_DESC_F_WRITE, 0);
            }
        }
        for (int i = 0; i < 64; i++) {
            g.offer(i);
        }
        Chain c = new Chain();
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            long before = tb.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int n = 0; n < 100_000; n++) {
                g.setAvailIdx(q.lastAvailIdx() + 1);
                if (q.pop(c) == CHAIN) {
                    sink += c.readableBytes() + c.writableBytes();
                    q.push(c.head(), 24);
                    q.flush();
                    if (q.needsInterrupt()) {
                        sink++;
                    }
                }
            }
            long allocated = tb.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            if (round == 2) {
                assertThat(allocated).as("bytes allocated by 100k pop/push/flush/needsInterrupt").isLessThan(4096);
            }
        }
        assertThat(q.broken()).isFalse();
        assertThat(sink).isPositive();
    }
}
