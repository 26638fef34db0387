package dev.gvsim.virtiogpudevice.virtqueue;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BASE;
import static dev.gvsim.virtiogpudevice.virtqueue.GuestRing.BUFFERS;
import static dev.gvsim.virtiogpudevice.virtqueue.Virtqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the packed ring: random well-formed buffers (direct chains that may straddle the end
 * of the ring, indirect tables, any queue size) pop exactly as the driver wrote them and come back
 * used with their ids in push order, over several laps, buffers completed out of order; random ring
 * contents never make a pop throw or read without bound.
 */
class PackedRingPropertiesTest {
    private static final long RAM = 64L << 20;
    private static final long END = BASE + RAM;
    private static final long SPLIT_EVENT_IDX = SplitVirtqueue.VIRTIO_F_EVENT_IDX;
    private static final long SPLIT_INDIRECT = SplitVirtqueue.VIRTIO_F_INDIRECT_DESC;

    private record Buffer(int id, long[] addr, long[] len, boolean[] writable, boolean indirect) {
        int entries() {
            return indirect ? 1 : addr.length;
        }
    }

    @Property(tries = 200)
    void wellFormedBuffersPopAsWrittenAndComeBackInPushOrder(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int size) {
        Random r = new Random(seed);
        GuestPackedRing g = new GuestPackedRing(new GuestRing(size, RAM));
        PackedVirtqueue q = g.queue(SPLIT_INDIRECT | (r.nextBoolean() ? SPLIT_EVENT_IDX : 0));
        Chain c = new Chain();
        ArrayDeque<Integer> freeIds = new ArrayDeque<>();
        for (int id = 0; id < size; id++) {
            freeIds.add(id);
        }
        List<Buffer> inFlight = new ArrayList<>();
        int entriesInFlight = 0;
        int total = 0;
        long tables = BUFFERS + 0x80_0000;
        for (int step = 0; step < 6 * size + 10; step++) {
            boolean add = inFlight.isEmpty() || r.nextInt(3) != 0;
            if (add && !freeIds.isEmpty()) {
                boolean indirect = r.nextInt(3) == 0;
                int room = size - entriesInFlight;
                int segs = room == 0 ? 0 : 1 + r.nextInt(indirect ? 6 : Math.min(room, 4));
                if (room == 0) {
                    add = false;
                } else {
                    int readable = r.nextInt(segs + 1);
                    long[] a = new long[segs];
                    long[] l = new long[segs];
                    boolean[] w = new boolean[segs];
                    for (int k = 0; k < segs; k++) {
                        a[k] = BUFFERS + 0x1000L * r.nextInt(1024) + r.nextInt(64);
                        l[k] = 1 + r.nextInt(4096);
                        w[k] = k >= readable;
                    }
                    int id = freeIds.poll();
                    Buffer b = new Buffer(id, a, l, w, indirect);
                    if (indirect) {
                        g.addIndirect(id, tables + 0x100L * id, a, l, w);
                    } else {
                        g.add(id, a, l, w);
                    }
                    assertThat(q.pop(c)).isEqualTo(CHAIN);
                    assertThat(c.head()).isEqualTo(id);
                    assertThat(c.indirect()).isEqualTo(indirect);
                    assertThat(c.segments()).isEqualTo(segs);
                    assertThat(c.readableSegments()).isEqualTo(readable);
                    for (int k = 0; k < segs; k++) {
                        assertThat(c.address(k)).isEqualTo(a[k]);
                        assertThat(c.length(k)).isEqualTo(l[k]);
                        assertThat(c.writable(k)).isEqualTo(w[k]);
                    }
                    assertThat(q.pop(c)).isEqualTo(EMPTY);
                    inFlight.add(b);
                    entriesInFlight += b.entries();
                    total++;
                    Statistics.label("kind").collect(indirect ? "indirect" : segs > 1 ? "chain" : "single");
                    continue;
                }
            }
            // complete 1..3 buffers in a random order, flushed together
            int n = 1 + r.nextInt(Math.min(3, inFlight.size()));
            List<Buffer> done = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Buffer b = inFlight.remove(r.nextInt(inFlight.size()));
                done.add(b);
                q.push(b.id(), (int) b.id() * 7);
            }
            assertThat(g.hasUsed()).isFalse();
            q.flush();
            for (Buffer b : done) {
                assertThat(g.takeUsed()).isTrue();
                assertThat(g.lastId).isEqualTo(b.id());
                assertThat(g.lastLen).isEqualTo(b.id() * 7);
                entriesInFlight -= b.entries();
                freeIds.add(b.id());
            }
            assertThat(g.hasUsed()).isFalse();
            assertThat(q.inUse()).isEqualTo(entriesInFlight);
        }
        assertThat(q.broken()).isFalse();
        Statistics.label("laps").collect(Math.min(total / size, 5));
    }

    @Property(tries = 300)
    void randomRingsNeverThrowAndGiveAValidChainOrAnError(@ForAll long seed, @ForAll boolean specChecks,
            @ForAll @IntRange(min = 0, max = 5) int sizeLog) {
        Random r = new Random(seed);
        int size = new int[] {1, 3, 16, 64, 1000, 2048}[sizeLog];
        GuestRing mem = new GuestRing(size, RAM);
        VirtqueuePropertiesTest.CountingDma dma = new VirtqueuePropertiesTest.CountingDma(mem.dma);
        GuestPackedRing g = new GuestPackedRing(mem);
        PackedVirtqueue q = new PackedVirtqueue(dma, specChecks);
        assertThat(q.configure(size, g.desc, g.driverArea, g.deviceArea, r.nextLong() & (SPLIT_INDIRECT | SPLIT_EVENT_IDX)))
                .isEqualTo(VirtqueueError.NONE);
        long table = BUFFERS + 0x40_0000;
        int[] flagChoices = {0, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT};
        for (int i = 0; i < size; i++) {
            int f = flagChoices[r.nextInt(4)] | flagChoices[r.nextInt(4)] | (r.nextInt(8) != 0 ? VIRTQ_DESC_F_AVAIL : 0)
                    | (r.nextInt(8) == 0 ? VIRTQ_DESC_F_USED : 0);
            long addr = r.nextInt(10) == 0 ? END - r.nextInt(64) : r.nextInt(6) == 0 ? table : BUFFERS + r.nextInt(1 << 20);
            long len = r.nextInt(12) == 0 ? 0 : r.nextInt(5) == 0 ? 16L * r.nextInt(40) + r.nextInt(3) : 1 + r.nextInt(512);
            g.desc(g.desc, i, addr, len, r.nextInt(size), f);
        }
        for (int i = 0; i < 40; i++) {
            g.desc(table, i, BUFFERS + r.nextInt(1 << 20), r.nextInt(20) == 0 ? 0 : 1 + r.nextInt(64), 0,
                    flagChoices[r.nextInt(4)] | flagChoices[r.nextInt(4)]);
        }
        Chain c = new Chain();
        String first = null;
        for (int round = 0; round < 4; round++) {
            long before = dma.reads;
            int rc = q.pop(c);
            assertThat(dma.reads - before).as("reads of one pop").isLessThanOrEqualTo(4 + 4L * (Chain.MAX_SEGMENTS + 1) + 4);
            if (rc == CHAIN) {
                assertThat(c.segments()).isBetween(1, Chain.MAX_SEGMENTS);
                for (int k = 0; k < c.segments(); k++) {
                    assertThat(c.writable(k)).isEqualTo(k >= c.readableSegments());
                    assertThat(c.length(k)).isPositive();
                }
                q.push(c.head(), 0);
                q.flush();
                q.needsInterrupt();
            } else if (rc == FAILED) {
                assertThat(q.error()).isNotEqualTo(VirtqueueError.NONE);
                assertThat(q.error().raisedByQemu() || specChecks).isTrue();
            }
            if (first == null) {
                first = rc == CHAIN ? "chain" : rc == EMPTY ? "empty" : q.error().name();
            }
        }
        Statistics.label("first pop").collect(first);
    }
}
