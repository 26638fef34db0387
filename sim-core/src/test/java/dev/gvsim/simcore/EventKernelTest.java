package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class EventKernelTest {

    @Test
    void runsEventsInTimeOrder() {
        EventKernel k = new EventKernel(4);
        List<Long> seen = new ArrayList<>();
        EventHandler h = (now, arg) -> seen.add(arg);
        k.schedule(300, h, 3);
        k.schedule(100, h, 1);
        k.schedule(200, h, 2);
        k.runUntilEmpty();
        assertThat(seen).containsExactly(1L, 2L, 3L);
        assertThat(k.now()).isEqualTo(300);
    }

    @Test
    void sameTimeEventsRunInSchedulingOrder() {
        EventKernel k = new EventKernel(2);
        List<Long> seen = new ArrayList<>();
        EventHandler h = (now, arg) -> seen.add(arg);
        for (long i = 0; i < 100; i++) {
            k.schedule(50, h, i);
        }
        k.runUntilEmpty();
        for (int i = 0; i < 100; i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
    }

    @Test
    void cancelRemovesOnlyThatEventAndStaleHandlesAreRejected() {
        EventKernel k = new EventKernel();
        List<Long> seen = new ArrayList<>();
        EventHandler h = (now, arg) -> seen.add(arg);
        long a = k.schedule(10, h, 1);
        long b = k.schedule(20, h, 2);
        k.schedule(30, h, 3);
        assertThat(k.cancel(b)).isTrue();
        assertThat(k.cancel(b)).isFalse();
        assertThat(k.isPending(a)).isTrue();
        k.runUntilEmpty();
        assertThat(seen).containsExactly(1L, 3L);
        assertThat(k.cancel(a)).as("already ran").isFalse();
        // slot reuse must not let the old handle cancel the new event
        long c = k.schedule(40, h, 4);
        assertThat(k.cancel(a)).isFalse();
        assertThat(k.isPending(c)).isTrue();
        assertThat(k.cancel(EventKernel.NO_EVENT)).isFalse();
    }

    @Test
    void runUntilStopsAtTheBoundaryAndAdvancesTime() {
        EventKernel k = new EventKernel();
        List<Long> seen = new ArrayList<>();
        EventHandler h = (now, arg) -> seen.add(now);
        k.schedule(100, h, 0);
        k.schedule(200, h, 0);
        k.schedule(201, h, 0);
        k.runUntil(200);
        assertThat(seen).containsExactly(100L, 200L);
        assertThat(k.now()).isEqualTo(200);
        assertThat(k.pending()).isEqualTo(1);
        k.runUntil(1000);
        assertThat(k.now()).isEqualTo(1000);
    }

    @Test
    void eventsMayScheduleEventsAndThePastIsRejected() {
        EventKernel k = new EventKernel();
        long[] count = {0};
        EventHandler[] self = new EventHandler[1];
        self[0] = (now, arg) -> {
            count[0]++;
            if (arg > 0) {
                k.scheduleIn(10, self[0], arg - 1);
            }
        };
        k.schedule(0, self[0], 5);
        k.runUntilEmpty();
        assertThat(count[0]).isEqualTo(6);
        assertThat(k.now()).isEqualTo(50);
        assertThatThrownBy(() -> k.schedule(49, self[0], 0)).hasMessageContaining("past");
        assertThat(k.runAtMost(3)).isZero();
    }

    /** The kernel must agree with a reference PriorityQueue on a random schedule/cancel mix. */
    @Test
    void matchesReferenceOnRandomScheduleWithCancels() {
        for (long seed = 1; seed <= 5; seed++) {
            assertThat(runRandom(seed)).isEqualTo(reference(seed));
        }
    }

    @Test
    void randomScheduleIsDeterministic() {
        assertThat(runRandom(42)).isEqualTo(runRandom(42));
    }

    private static List<String> runRandom(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        EventKernel k = new EventKernel(2);
        List<String> log = new ArrayList<>();
        long[] handles = new long[2000];
        EventHandler h = (now, arg) -> log.add(now + ":" + arg);
        for (int i = 0; i < handles.length; i++) {
            handles[i] = k.schedule(r.nextLong(1000), h, i);
        }
        for (int i = 0; i < handles.length; i += 7) {
            k.cancel(handles[i]);
        }
        k.runUntilEmpty();
        return log;
    }

    private static List<String> reference(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        record E(long t, long seq) { }
        PriorityQueue<E> q = new PriorityQueue<>((x, y) -> x.t != y.t ? Long.compare(x.t, y.t) : Long.compare(x.seq, y.seq));
        List<E> all = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            E e = new E(r.nextLong(1000), i);
            all.add(e);
            q.add(e);
        }
        for (int i = 0; i < 2000; i += 7) {
            q.remove(all.get(i));
        }
        List<String> log = new ArrayList<>();
        while (!q.isEmpty()) {
            E e = q.poll();
            log.add(e.t + ":" + e.seq);
        }
        return log;
    }

    @Test
    void handlersThatScheduleSeveralCancelAndQueryKeepOrderAndCounts() {
        EventKernel k = new EventKernel(4);
        java.util.List<String> log = new java.util.ArrayList<>();
        long[] victim = new long[1];
        k.schedule(10, (t, a) -> {
            log.add("a@" + t);
            assertThat(k.pending()).isEqualTo(3); // a2, b and the victim; a itself is no longer pending
            k.schedule(30, (t2, a2) -> log.add("c@" + t2), 0);   // replaces the root
            k.schedule(15, (t2, a2) -> log.add("d@" + t2), 0);   // an ordinary insertion
            assertThat(k.cancel(victim[0])).isTrue();
            assertThat(k.nextEventTime()).isEqualTo(10); // a2
        }, 0);
        k.schedule(20, (t, a) -> log.add("b@" + t), 0);
        victim[0] = k.schedule(25, (t, a) -> log.add("victim@" + t), 0);
        k.schedule(10, (t, a) -> log.add("a2@" + t), 0);         // same time as a: runs after it
        k.runUntilEmpty();
        assertThat(log).containsExactly("a@10", "a2@10", "d@15", "b@20", "c@30");
        assertThat(k.pending()).isZero();
        assertThat(k.dispatched()).isEqualTo(5);
    }
}
