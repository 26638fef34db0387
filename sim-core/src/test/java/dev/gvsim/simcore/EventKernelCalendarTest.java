package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.state.Checkpointable;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The calendar-queue kernel against a reference: a {@link PriorityQueue} of (time, sequence, id)
 * for the dispatch order and a LIFO slot pool with generations for the handles (the handle values
 * the kernel has always given for a sequence of calls).
 */
class EventKernelCalendarTest {
    static final String MACHINE = "kernel-test";

    /** Reference: ordering by a priority queue with lazy deletion, handles by a LIFO slot pool. */
    static final class Reference {
        record E(long time, long seq, int id) { }

        final PriorityQueue<E> q = new PriorityQueue<>((x, y) -> x.time != y.time ? Long.compare(x.time, y.time) : Long.compare(x.seq, y.seq));
        final BitSet live = new BitSet();
        long now;
        long seq;
        int pending;
        // slot pool
        int[] gen;
        int[] free;
        int freeCount;
        int[] slotOfId = new int[1024];

        Reference(int initialCapacity) {
            int cap = Math.max(4, initialCapacity);
            gen = new int[cap];
            free = new int[cap];
            for (int i = 0; i < cap; i++) {
                free[i] = cap - 1 - i;
            }
            freeCount = cap;
        }

        long schedule(long at, int id) {
            if (freeCount == 0) {
                int old = gen.length;
                int cap = old * 2;
                gen = Arrays.copyOf(gen, cap);
                free = Arrays.copyOf(free, cap);
                for (int i = cap - 1; i >= old; i--) {
                    free[freeCount++] = i;
                }
            }
            int slot = free[--freeCount];
            if (id >= slotOfId.length) {
                slotOfId = Arrays.copyOf(slotOfId, Math.max(id + 1, slotOfId.length * 2));
            }
            slotOfId[id] = slot;
            q.add(new E(at, seq++, id));
            live.set(id);
            pending++;
            return ((long) gen[slot] << 32) | slot;
        }

        void release(int id) {
            live.clear(id);
            pending--;
            int slot = slotOfId[id];
            gen[slot]++;
            free[freeCount++] = slot;
        }

        E peek() {
            while (!q.isEmpty() && !live.get(q.peek().id)) {
                q.poll();
            }
            return q.peek();
        }

        /** Removes and frees the next event; the caller runs it. */
        E pop() {
            E e = peek();
            q.poll();
            release(e.id);
            now = e.time;
            return e;
        }
    }

    /** The kernel side: the handler logs each dispatch and some events schedule a successor. */
    static final class Model {
        final EventKernel k;
        final Reference ref;
        final List<Long> log = new ArrayList<>();
        long[] handleOfId = new long[1024];
        int nextId;
        boolean successors = true;
        final EventHandler h = this::onEvent;

        Model(int capacity, Reference ref) {
            k = new EventKernel(capacity);
            this.ref = ref;
            k.register("model.tick", h);
        }

        /** Deterministic from the event: every third event schedules a successor (the hold pattern). */
        static long successorDelay(long arg) {
            return arg % 3 == 0 ? (arg * 7919) % 20_000 : -1;
        }

        long schedule(long at) {
            int id = nextId++;
            long handle = k.schedule(at, h, id);
            if (id >= handleOfId.length) {
                handleOfId = Arrays.copyOf(handleOfId, handleOfId.length * 2);
            }
            handleOfId[id] = handle;
            if (ref != null) {
                assertThat(handle).as("handle of event %d", id).isEqualTo(ref.schedule(at, id));
            }
            return handle;
        }

        void onEvent(long now, long arg) {
            log.add(now);
            log.add(arg);
            if (ref != null) {
                Reference.E e = ref.pop();
                assertThat(arg).as("event dispatched at %d", now).isEqualTo(e.id);
                assertThat(now).isEqualTo(e.time);
                assertThat(k.now()).isEqualTo(now);
                assertThat(k.pending()).isEqualTo(ref.pending);
                assertThat(k.isPending(handleOfId[(int) arg])).as("a running event is no longer pending").isFalse();
            }
            long d = successors ? successorDelay(arg) : -1;
            if (d >= 0) {
                long before = handleOfId[(int) arg];
                long handle = schedule(now + d);
                assertThat((int) handle).as("the first schedule of a handler reuses the dispatched event's slot").isEqualTo((int) before);
            }
        }
    }

    /** A delay from one of several distributions: small, hold-like, zero, tight clusters, far future. */
    static long delay(SplittableRandom r, long now) {
        int kind = r.nextInt(100);
        if (kind < 30) {
            return 1 + r.nextLong(10_000);
        } else if (kind < 45) {
            return r.nextLong(50);
        } else if (kind < 55) {
            return 0;
        } else if (kind < 70) {
            return (1000 - now % 1000) + 1000 * r.nextLong(4); // a few shared absolute times
        } else if (kind < 80) {
            return r.nextLong(1_000_000);
        } else if (kind < 83) {
            return 1_000_000_000_000L + r.nextLong(1_000_000_000L); // far-future timeouts
        } else {
            return 1 + r.nextLong(200);
        }
    }

    /** Mixed operations on the model and the reference; asserts they agree after each one. */
    static void drive(Model m, SplittableRandom r, int ops) {
        Reference ref = m.ref;
        EventKernel k = m.k;
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 40) {
                m.schedule(k.now() + delay(r, k.now()));
            } else if (kind < 42) {
                long at = k.now() + delay(r, k.now());
                int burst = 1 + r.nextInt(300);
                for (int i = 0; i < burst; i++) {
                    m.schedule(at);
                }
            } else if (kind < 55) {
                if (m.nextId > 0) {
                    int id = r.nextInt(m.nextId);
                    boolean wasLive = ref.live.get(id);
                    assertThat(k.isPending(m.handleOfId[id])).isEqualTo(wasLive);
                    assertThat(k.cancel(m.handleOfId[id])).as("cancel of event %d", id).isEqualTo(wasLive);
                    if (wasLive) {
                        ref.release(id);
                    }
                    assertThat(k.cancel(m.handleOfId[id])).as("a second cancel").isFalse();
                }
            } else if (kind < 85) {
                boolean expected = ref.pending > 0;
                assertThat(k.step()).isEqualTo(expected);
            } else if (kind < 93) {
                long until = k.now() + r.nextLong(r.nextBoolean() ? 2_000 : 200_000);
                k.runUntil(until);
                Reference.E e = ref.peek();
                assertThat(e == null || e.time > until).as("runUntil left nothing at or before %d", until).isTrue();
                ref.now = until;
            } else {
                Reference.E e = ref.peek();
                assertThat(k.nextEventTime()).isEqualTo(e == null ? EventKernel.NO_EVENT : e.time);
            }
            assertThat(k.pending()).isEqualTo(ref.pending);
            assertThat(k.now()).isEqualTo(ref.now);
        }
    }

    @Test
    void matchesReferenceOverMixedOperations() {
        for (long seed = 1; seed <= 3; seed++) {
            Reference ref = new Reference(4);
            Model m = new Model(4, ref);
            SplittableRandom r = new SplittableRandom(seed);
            drive(m, r, 60_000);
            // drain, including the far-future timeouts
            m.k.runUntilEmpty();
            assertThat(ref.peek()).isNull();
            assertThat(m.k.pending()).isZero();
            assertThat(m.k.now()).isEqualTo(ref.now);
            assertThat(m.k.dispatched()).isEqualTo(m.log.size() / 2);
        }
    }

    @Test
    void growsFromFourSlotsPastAHundredThousandAndShrinksBack() {
        Reference ref = new Reference(4);
        Model m = new Model(4, ref);
        SplittableRandom r = new SplittableRandom(99);
        for (int i = 0; i < 120_000; i++) {
            m.schedule(r.nextLong(i % 2 == 0 ? 1_000_000 : 1_000_000_000L));
        }
        assertThat(m.k.pending()).isEqualTo(120_000);
        assertThat(m.k.bucketCount()).isEqualTo(262_144); // pending <= buckets / 2
        drive(m, r, 20_000);
        // drain most, then keep working with a handful of events after the calendar has shrunk
        while (m.k.pending() > 3) {
            assertThat(m.k.step()).isTrue();
        }
        assertThat(m.k.bucketCount()).isEqualTo(EventKernel.MIN_BUCKETS);
        drive(m, r, 20_000);
        m.k.runUntilEmpty();
        assertThat(ref.peek()).isNull();
        assertThat(m.k.nextEventTime()).isEqualTo(EventKernel.NO_EVENT);
        assertThat(m.k.step()).isFalse();
    }

    @Test
    void equalTimesRunInSchedulingOrderAcrossWidthChanges() {
        EventKernel k = new EventKernel(4);
        List<Long> seen = new ArrayList<>();
        EventHandler h = (now, arg) -> seen.add(arg);
        // spread events first so the width is estimated wide, then a large burst at one time
        for (long i = 0; i < 1000; i++) {
            k.schedule(i * 1_000_000, h, -1);
        }
        for (long i = 0; i < 50_000; i++) {
            k.schedule(500, h, i);
        }
        k.runUntil(500);
        assertThat(seen).hasSize(50_001);
        assertThat(seen.get(0)).isEqualTo(-1L);
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(i - 1L);
        }
    }

    @Test
    void scheduleAtNowAfterLookingFarAheadStillRunsFirst() {
        EventKernel k = new EventKernel(4);
        List<Long> seen = new ArrayList<>();
        EventHandler h = (now, arg) -> seen.add(now);
        k.schedule(1_000_000_000_000L, h, 0);
        assertThat(k.nextEventTime()).isEqualTo(1_000_000_000_000L);
        k.schedule(3, h, 0);
        k.schedule(0, h, 0);
        assertThat(k.nextEventTime()).isZero();
        k.runUntilEmpty();
        assertThat(seen).containsExactly(0L, 3L, 1_000_000_000_000L);
    }

    /** The work guard: the width follows the spacing even when the event count does not change. */
    @Test
    void widthFollowsTheSpacingWithoutASizeChange() {
        SplittableRandom r = new SplittableRandom(3);
        long[] range = {10_000_000};
        long[] handles = new long[1000];
        EventKernel k = new EventKernel(4);
        EventHandler[] self = new EventHandler[1];
        self[0] = (now, arg) -> handles[(int) arg] = k.schedule(now + 1 + r.nextLong(range[0]), self[0], arg);
        for (int i = 0; i < handles.length; i++) {
            handles[i] = k.schedule(1 + r.nextLong(range[0]), self[0], i);
        }
        k.runAtMost(20_000);
        assertThat(k.bucketShift()).as("~1000 events over 10 us: ~10 ns apart, a bucket a quarter of that").isBetween(10, 13);
        assertThat(k.bucketCount()).isEqualTo(2048);
        range[0] = 100; // replace every event by one within 100 ps: one wide bucket would hold them all
        for (int i = 0; i < handles.length; i++) {
            assertThat(k.cancel(handles[i])).isTrue();
            handles[i] = k.schedule(k.now() + 1 + r.nextLong(range[0]), self[0], i);
        }
        k.runAtMost(50_000);
        assertThat(k.bucketShift()).as("narrowed to the new spacing").isLessThanOrEqualTo(1);
        assertThat(k.bucketCount()).as("no resize: the guard did it").isEqualTo(2048);
        range[0] = 10_000_000; // and back: narrow buckets would be scanned empty by the thousand
        k.runAtMost(50_000);
        assertThat(k.bucketShift()).as("widened again").isBetween(10, 13);
        assertThat(k.pending()).isEqualTo(1000);
    }

    /** Two dense clusters far apart: the estimate from the middle half is poor; the guard must still cope and order must hold. */
    @Test
    void twoDistantClustersStayOrdered() {
        EventKernel k = new EventKernel(4);
        long[] last = {-1};
        long[] count = {0};
        EventHandler[] self = new EventHandler[1];
        SplittableRandom r = new SplittableRandom(11);
        self[0] = (now, arg) -> {
            assertThat(now).isGreaterThanOrEqualTo(last[0]);
            last[0] = now;
            count[0]++;
            k.schedule(now + (arg % 2 == 0 ? 1 + r.nextLong(64) : 1_000_000_000_000L + r.nextLong(64)), self[0], arg);
        };
        for (int i = 0; i < 2000; i++) {
            k.schedule(i % 2 == 0 ? r.nextLong(64) : 1_000_000_000_000L + r.nextLong(64), self[0], i);
        }
        k.runAtMost(200_000);
        assertThat(count[0]).isEqualTo(200_000);
        assertThat(k.pending()).isEqualTo(2000);
        assertThat(k.bucketShift()).as("buckets narrow enough for the near cluster").isLessThanOrEqualTo(8);
    }

    // ------------------------------------------------------------------ checkpoints

    static byte[] save(Checkpointable c) {
        return new StateWriter(MACHINE).save(c).toBytes();
    }

    /** Continuation workload without a reference: logs everything observable. */
    static List<Long> continueRun(Model m, long seed, long[] oldHandles) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Long> out = new ArrayList<>();
        EventKernel k = m.k;
        for (int op = 0; op < 30_000; op++) {
            int kind = r.nextInt(10);
            if (kind < 4) {
                out.add(m.schedule(k.now() + delay(r, k.now())));
            } else if (kind < 5) {
                long h = oldHandles[r.nextInt(oldHandles.length)];
                out.add(k.isPending(h) ? 1L : 0L);
                out.add(k.cancel(h) ? 1L : 0L);
            } else if (kind < 6) {
                long h = m.handleOfId[r.nextInt(m.nextId)];
                out.add(k.cancel(h) ? 1L : 0L);
            } else if (kind < 9) {
                out.add(k.step() ? 1L : 0L);
            } else {
                k.runUntil(k.now() + r.nextLong(50_000));
                out.add(k.nextEventTime());
            }
            out.add(k.now());
            out.add((long) k.pending());
        }
        k.runUntilEmpty();
        out.add(k.now());
        out.add(k.dispatched());
        out.addAll(m.log);
        return out;
    }

    @Test
    void restoredKernelContinuesIdenticallyAndSavesTheSameBytes() throws Exception {
        Model a = new Model(4, null);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 20_000; i++) {
            a.schedule(a.k.now() + delay(r, a.k.now()));
            if (i % 3 == 0) {
                a.k.step();
            }
            if (i % 11 == 0) {
                a.k.cancel(a.handleOfId[r.nextInt(a.nextId)]);
            }
        }
        a.k.runUntil(a.k.now() + 5_000);
        byte[] cp = save(a.k);
        long[] oldHandles = Arrays.copyOf(a.handleOfId, a.nextId);

        Model b = new Model(64, null);
        b.schedule(7); // state of the fresh machine that the checkpoint must override
        b.k.step();
        new StateReader(cp).restore(b.k);
        assertThat(save(b.k)).as("save-restore-save").isEqualTo(cp);
        assertThat(b.k.now()).isEqualTo(a.k.now());
        assertThat(b.k.pending()).isEqualTo(a.k.pending());
        assertThat(b.k.dispatched()).isEqualTo(a.k.dispatched());
        assertThat(b.k.nextEventTime()).isEqualTo(a.k.nextEventTime());
        for (long h : oldHandles) {
            assertThat(b.k.isPending(h)).isEqualTo(a.k.isPending(h));
        }
        b.nextId = a.nextId;
        b.handleOfId = a.handleOfId.clone();
        b.log.clear();
        a.log.clear();
        assertThat(continueRun(b, 17, oldHandles)).isEqualTo(continueRun(a, 17, oldHandles));
    }

    /** A hand-written kernel section: now 100, nextSeq 3, two pending events in slots 0 and 1, free stack [3, 2]. */
    static final class Image implements Checkpointable {
        long now = 100;
        long nextSeq = 3;
        long dispatched = 1;
        int cap = 4;
        int pending = 2;
        int free = 2;
        long[] time = {200, 300, 0, 50};
        long[] seq = {1, 2, 0, 0};
        int[] gen = {0, 5, 1, 0};
        String[] name = {"model.tick", "model.tick", null, null};
        int[] freeStack = {3, 2};

        @Override
        public String stateName() {
            return "kernel";
        }

        @Override
        public void saveState(StateWriter w) {
            w.putLong(now).putLong(nextSeq).putLong(dispatched).putInt(cap).putInt(pending).putInt(free);
            for (int s = 0; s < time.length; s++) {
                w.putLong(time[s]).putLong(10 + s).putLong(seq[s]).putInt(gen[s]).putString(name[s]);
            }
            for (int f : freeStack) {
                w.putInt(f);
            }
        }

        @Override
        public void restoreState(StateReader r) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void handWrittenImageRestoresWithItsHandlesAndFreeStack() throws Exception {
        Model m = new Model(4, null);
        m.successors = false;
        byte[] cp = save(new Image());
        new StateReader(cp).restore(m.k);
        assertThat(save(m.k)).isEqualTo(cp);
        assertThat(m.k.isPending(0L)).isTrue();
        assertThat(m.k.isPending((5L << 32) | 1)).isTrue();
        assertThat(m.k.isPending(1L)).as("wrong generation").isFalse();
        assertThat(m.k.pending()).isEqualTo(2);
        long h = m.k.schedule(150, m.h, 99);
        assertThat(h).as("the top of the free stack: slot 2, generation 1").isEqualTo((1L << 32) | 2);
        assertThat(m.k.schedule(150, m.h, 98)).isEqualTo(3L);
        m.k.runUntilEmpty();
        assertThat(m.log).containsExactly(150L, 99L, 150L, 98L, 200L, 10L, 300L, 11L);
    }

    interface Damage {
        void apply(Image i);
    }

    @Test
    void corruptImagesAreRefusedAndChangeNothing() throws Exception {
        Object[][] cases = {
            {(Damage) i -> i.pending = 3, "inconsistent pool"},
            {(Damage) i -> { i.pending = 3; i.free = 1; i.freeStack = new int[] {3}; }, "2 pending events, 3 stated"},
            {(Damage) i -> { i.pending = 1; i.free = 3; i.freeStack = new int[] {3, 2, 1}; }, "more pending events"},
            {(Damage) i -> i.cap = 3, "inconsistent pool"},
            {(Damage) i -> i.time[1] = 99, "before now"},
            {(Damage) i -> i.seq[1] = 3, "sequence 3"},
            {(Damage) i -> i.seq[1] = -1, "sequence -1"},
            {(Damage) i -> i.seq[1] = 1, "share sequence 1"},
            {(Damage) i -> i.freeStack = new int[] {3, 4}, "free slot 4 out of range"},
            {(Damage) i -> i.freeStack = new int[] {3, -1}, "free slot -1 out of range"},
            {(Damage) i -> i.freeStack = new int[] {3, 3}, "free slot 3 listed twice"},
            {(Damage) i -> i.freeStack = new int[] {3, 0}, "free slot 0 holds a pending event"},
            {(Damage) i -> i.name[1] = "other.tick", "other.tick"},
            {(Damage) i -> i.now = -5, "negative counter"},
            {(Damage) i -> i.freeStack = new int[] {3}, "needs 4 more bytes"},
        };
        for (Object[] c : cases) {
            Image img = new Image();
            ((Damage) c[0]).apply(img);
            byte[] bad = save(img);
            Model m = new Model(4, null);
            m.successors = false;
            long h = m.schedule(40);
            m.k.runUntil(20);
            byte[] before = save(m.k);
            assertThatThrownBy(() -> new StateReader(bad).restore(m.k)).as("%s", c[1]).isInstanceOf(InputException.class)
                    .hasMessageContaining((String) c[1]);
            assertThat(save(m.k)).as("kernel unchanged after refusing: %s", c[1]).isEqualTo(before);
            assertThat(m.k.isPending(h)).isTrue();
            assertThat(m.k.now()).isEqualTo(20);
            m.k.runUntilEmpty();
            assertThat(m.log).containsExactly(40L, 0L);
        }
    }
}
