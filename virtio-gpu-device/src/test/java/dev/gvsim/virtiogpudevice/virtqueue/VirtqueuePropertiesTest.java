package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BASE;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import dev.gvsim.pciefabric.Dma;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties: random descriptor tables and rings never make the queue throw or loop (bounded guest
 * memory reads per pop) and give either a valid chain or an error; needsInterrupt agrees with a
 * direct transcription of the spec's vring_need_event.
 */
class VirtqueuePropertiesTest {
    private static final long RAM = 64L << 20;
    private static final long END = BASE + RAM;
    /** Reads one pop may make: avail idx and ring entry, head and indirect descriptors, then 4 per segment (1024 + 1). */
    private static final long MAX_READS_PER_POP = 2 + 4 + 4 + 4L * (Chain.MAX_SEGMENTS + 1);

    /** A Dma that counts reads, to bound the work of one pop. */
    static final class CountingDma implements Dma {
        final Dma inner;
        long reads;

        CountingDma(Dma inner) {
            this.inner = inner;
        }

        @Override
        public boolean reachable(long pa, long len) {
            return inner.reachable(pa, len);
        }

        @Override
        public long read(long pa, int size) {
            reads++;
            return inner.read(pa, size);
        }

        @Override
        public void write(long pa, int size, long value) {
            inner.write(pa, size, value);
        }

        @Override
        public void read(long pa, MutableDirectBuffer dst, int dstOff, int len) {
            inner.read(pa, dst, dstOff, len);
        }

        @Override
        public void write(long pa, DirectBuffer src, int srcOff, int len) {
            inner.write(pa, src, srcOff, len);
        }
    }

    private static long pick(Random r, long... choices) {
        return choices[r.nextInt(choices.length)];
    }

    @Property(tries = 300)
    void randomRingsNeverThrowNeverLoopAndGiveAValidChainOrAnError(@ForAll long seed, @ForAll boolean specChecks,
            @ForAll @IntRange(min = 0, max = 6) int sizeLog) {
        Random r = new Random(seed);
        int size = new int[] {1, 2, 4, 16, 64, 256, 1024}[sizeLog];
        GuestRing g = new GuestRing(size, RAM);
        CountingDma dma = new CountingDma(g.dma);
        SplitVirtqueue q = new SplitVirtqueue(dma, specChecks);
        long features = r.nextLong() & (VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_NOTIFY_ON_EMPTY);
        assertThat(q.configure(size, g.desc, g.avail, g.used, features)).isEqualTo(VirtqueueError.NONE);
        long[] tables = {g.desc, BUFFERS + 0x4000, BUFFERS + 0x8000};
        int[] tableEntries = {size, 64, 2048};
        int hostility = r.nextInt(5); // 0: well-formed rings ... 4: a quarter of all fields hostile
        for (int t = 0; t < tables.length; t++) {
            for (int i = 0; i < tableEntries[t]; i++) {
                boolean toTable = t == 0 && r.nextInt(4) == 0;
                long addr = toTable ? tables[1 + r.nextInt(2)] : BUFFERS + r.nextInt(1 << 20);
                long len = toTable ? 16L * (1 + r.nextInt(tableEntries[1])) : 1 + r.nextInt(4096);
                int flags = (toTable ? VIRTQ_DESC_F_INDIRECT : 0) | (i >= tableEntries[t] / 2 ? VIRTQ_DESC_F_WRITE : 0);
                int next = 0;
                if (!toTable && i + 1 < tableEntries[t] && r.nextBoolean()) {
                    flags |= VIRTQ_DESC_F_NEXT;
                    next = i + 1 + r.nextInt(Math.min(4, tableEntries[t] - i - 1));
                }
                if (r.nextInt(16) < hostility) {
                    addr = pick(r, END - r.nextInt(64), 0, -16L - r.nextInt(64), tables[r.nextInt(3)],
                            BUFFERS + 0x4000 + 16L * r.nextInt(64), r.nextLong());
                }
                if (r.nextInt(16) < hostility) {
                    len = pick(r, 0, 16, 32, 48, 16L * r.nextInt(80), r.nextInt(4096), 0xFFFF_FFF0L, r.nextInt() & 0xFFFF_FFFFL);
                }
                if (r.nextInt(16) < hostility) {
                    flags = r.nextInt(8) | (r.nextInt(16) == 0 ? r.nextInt(0x10000) : 0);
                }
                if (r.nextInt(16) < hostility) {
                    next = r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(tableEntries[t] + 2);
                }
                if (r.nextInt(32) < hostility) {
                    next = (i + 1) % tableEntries[t]; // long chains and loops
                    flags |= VIRTQ_DESC_F_NEXT;
                }
                g.desc(tables[t], i, addr, len, flags, next);
            }
        }
        for (int i = 0; i < size; i++) {
            g.offer(r.nextInt(16) < hostility ? r.nextInt(0x10000) : r.nextInt(size));
        }
        g.setAvailIdx(r.nextInt(16) < hostility ? r.nextInt(0x10000) : g.availIdx);
        g.setUsedEvent(r.nextInt(0x10000));
        g.setAvailFlags(r.nextInt(2));

        Chain c = new Chain();
        for (int pops = 0; pops < 300; pops++) {
            long before = dma.reads;
            int rc = q.pop(c);
            if (pops == 0) {
                Statistics.label("first pop").collect(rc == CHAIN ? "chain" : rc == EMPTY ? "empty" : q.error().name());
            }
            assertThat(dma.reads - before).as("guest memory reads by one pop").isLessThanOrEqualTo(MAX_READS_PER_POP);
            if (rc == EMPTY) {
                assertThat(q.broken()).isFalse();
                break;
            }
            if (rc == FAILED) {
                assertThat(q.broken()).isTrue();
                assertThat(q.error()).isNotEqualTo(VirtqueueError.NONE);
                assertThat(specChecks || q.error().raisedByQemu()).isTrue();
                assertThat(c.segments()).isZero();
                assertThat(q.errorMessage()).doesNotContain("%u");
                assertThat(q.pop(c)).isEqualTo(FAILED);
                break;
            }
            assertThat(rc).isEqualTo(CHAIN);
            assertThat(c.head()).isBetween(0, size - 1);
            assertThat(c.segments()).isBetween(1, Chain.MAX_SEGMENTS);
            long rb = 0;
            long wb = 0;
            for (int i = 0; i < c.segments(); i++) {
                assertThat(c.length(i)).isPositive();
                assertThat(dma.reachable(c.address(i), c.length(i))).isTrue();
                assertThat(c.writable(i)).isEqualTo(i >= c.readableSegments());
                if (c.writable(i)) {
                    wb += c.length(i);
                } else {
                    rb += c.length(i);
                }
            }
            assertThat(c.readableBytes()).isEqualTo(rb);
            assertThat(c.writableBytes()).isEqualTo(wb);
            if (specChecks) {
                assertThat(rb + wb).isLessThanOrEqualTo(0xFFFF_FFFFL);
            }
            if (r.nextBoolean()) {
                q.push(c.head(), r.nextInt());
                if (r.nextBoolean()) {
                    q.flush();
                    q.needsInterrupt();
                }
            }
        }
    }

    /** VIRTIO 1.2 §2.7.10.1, transcribed as written: (u16)(new_idx - event_idx - 1) &lt; (u16)(new_idx - old). */
    private static boolean specVringNeedEvent(int eventIdx, int newIdx, int old) {
        return (char) (newIdx - eventIdx - 1) < (char) (newIdx - old);
    }

    @Property(tries = 200)
    void needsInterruptWithEventIdxIsTheSpecFormula(@ForAll @IntRange(min = 0, max = 65535) int start,
            @ForAll @IntRange(min = 0, max = 32767) int k, @ForAll @IntRange(min = 0, max = 65535) int usedEvent,
            @ForAll @IntRange(min = 0, max = 3) int batches) {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(VIRTIO_F_EVENT_IDX);
        for (int i = 0; i < start; i++) {
            q.push(0, 0);
        }
        q.flush();
        assertThat(q.usedIdx()).isEqualTo(start);
        g.setUsedEvent(usedEvent);
        assertThat(q.needsInterrupt()).as("the first signal is always sent").isTrue();
        // k more used elements, published in one or more flushes
        int left = k;
        for (int b = 0; b <= batches; b++) {
            int n = b == batches ? left : left / 2;
            for (int i = 0; i < n; i++) {
                q.push(0, 0);
            }
            q.flush();
            left -= n;
        }
        int now = (start + k) & 0xFFFF;
        assertThat(q.usedIdx()).isEqualTo(now);
        assertThat(q.needsInterrupt()).isEqualTo(specVringNeedEvent(usedEvent, now, start));
        assertThat(needEvent(usedEvent, now, start)).isEqualTo(specVringNeedEvent(usedEvent, now, start));
    }

    @Property(tries = 100)
    void needsInterruptWithoutEventIdxIsTheNoInterruptFlag(@ForAll @IntRange(min = 0, max = 65535) int flags) {
        GuestRing g = new GuestRing(8);
        SplitVirtqueue q = g.queue(0);
        g.setAvailFlags(flags);
        assertThat(q.needsInterrupt()).isEqualTo((flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0);
    }
}
