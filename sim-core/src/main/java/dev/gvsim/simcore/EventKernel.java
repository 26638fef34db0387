package dev.gvsim.simcore;

import java.util.Arrays;

/**
 * Discrete-event kernel: an indexed binary min-heap of (time, sequence) keys over pooled event
 * slots held in parallel primitive arrays.
 *
 * <p>Events at the same time run in the order they were scheduled (the sequence number breaks
 * ties), so a run is deterministic. A scheduled event is named by a {@code long} handle (slot
 * index in the low 32 bits, the slot's generation in the high 32 bits), so a handle that was
 * already run or cancelled is recognised as stale and never cancels a later event that reuses the
 * slot. Once the arrays have grown to the peak number of pending events, scheduling, cancelling
 * and dispatching allocate nothing.
 */
public final class EventKernel {
    /** A handle that names no event. */
    public static final long NO_EVENT = -1L;

    private long now;
    private long nextSeq;
    private long dispatched;

    // per slot
    private long[] time;
    private long[] seq;
    private long[] arg;
    private int[] generation;
    private int[] heapPos; // -1 when the slot is free
    private EventHandler[] handler;
    private int[] freeSlots;
    private int freeCount;

    // heap of slot indexes
    private int[] heap;
    private int size;

    public EventKernel() {
        this(64);
    }

    public EventKernel(int initialCapacity) {
        int cap = Math.max(4, initialCapacity);
        time = new long[cap];
        seq = new long[cap];
        arg = new long[cap];
        generation = new int[cap];
        heapPos = new int[cap];
        handler = new EventHandler[cap];
        freeSlots = new int[cap];
        heap = new int[cap];
        Arrays.fill(heapPos, -1);
        for (int i = 0; i < cap; i++) {
            freeSlots[i] = cap - 1 - i;
        }
        freeCount = cap;
    }

    /** The current simulated time in ps. */
    public long now() {
        return now;
    }

    /** Number of events waiting. */
    public int pending() {
        return size;
    }

    /** Number of events run since construction. */
    public long dispatched() {
        return dispatched;
    }

    /** Time of the next event, or {@link Long#MAX_VALUE} when there is none. */
    public long nextEventTime() {
        return size == 0 ? Long.MAX_VALUE : time[heap[0]];
    }

    /**
     * Schedules {@code h} at absolute time {@code at} (ps). Scheduling in the past is an error in
     * the model, not in the guest, and is rejected.
     *
     * @return a handle for {@link #cancel(long)}
     */
    public long schedule(long at, EventHandler h, long a) {
        if (at < now) {
            throw new IllegalArgumentException("event scheduled in the past: at " + at + " ps, now " + now + " ps");
        }
        if (h == null) {
            throw new IllegalArgumentException("null event handler");
        }
        if (freeCount == 0) {
            grow();
        }
        int slot = freeSlots[--freeCount];
        time[slot] = at;
        seq[slot] = nextSeq++;
        arg[slot] = a;
        handler[slot] = h;
        heap[size] = slot;
        heapPos[slot] = size;
        size++;
        siftUp(size - 1);
        return ((long) generation[slot] << 32) | slot;
    }

    /** Schedules {@code h} after {@code delay} ps from now. */
    public long scheduleIn(long delay, EventHandler h, long a) {
        return schedule(Math.addExact(now, delay), h, a);
    }

    /** Cancels a pending event; returns false if the handle is stale (already run or cancelled). */
    public boolean cancel(long handle) {
        if (handle == NO_EVENT) {
            return false;
        }
        int slot = (int) handle;
        int gen = (int) (handle >>> 32);
        if (slot < 0 || slot >= heapPos.length || generation[slot] != gen || heapPos[slot] < 0) {
            return false;
        }
        int pos = heapPos[slot];
        removeAt(pos);
        release(slot);
        return true;
    }

    /** True if the handle names an event that has not run and was not cancelled. */
    public boolean isPending(long handle) {
        if (handle == NO_EVENT) {
            return false;
        }
        int slot = (int) handle;
        return slot >= 0 && slot < heapPos.length && generation[slot] == (int) (handle >>> 32) && heapPos[slot] >= 0;
    }

    /** Runs the next event; returns false when there is none. */
    public boolean step() {
        if (size == 0) {
            return false;
        }
        int slot = heap[0];
        removeAt(0);
        long t = time[slot];
        long a = arg[slot];
        EventHandler h = handler[slot];
        release(slot);
        now = t;
        dispatched++;
        h.onEvent(t, a);
        return true;
    }

    /** Runs every event at or before {@code until}, then sets the time to {@code until}. */
    public void runUntil(long until) {
        while (size > 0 && time[heap[0]] <= until) {
            step();
        }
        if (until > now) {
            now = until;
        }
    }

    /** Runs until no event is left. */
    public void runUntilEmpty() {
        while (step()) {
            // keep going
        }
    }

    /**
     * Runs at most {@code limit} events; returns how many ran. A guard for models that could
     * otherwise keep rescheduling themselves forever.
     */
    public long runAtMost(long limit) {
        long n = 0;
        while (n < limit && step()) {
            n++;
        }
        return n;
    }

    /** Advances time without running events past it (time never goes backwards). */
    public void advanceTo(long t) {
        if (t < now) {
            throw new IllegalArgumentException("time cannot go backwards: " + t + " < " + now);
        }
        runUntil(t);
    }

    private void release(int slot) {
        handler[slot] = null;
        heapPos[slot] = -1;
        generation[slot]++;
        freeSlots[freeCount++] = slot;
    }

    private boolean less(int slotA, int slotB) {
        long ta = time[slotA];
        long tb = time[slotB];
        return ta < tb || (ta == tb && seq[slotA] < seq[slotB]);
    }

    private void removeAt(int pos) {
        size--;
        int last = heap[size];
        if (pos == size) {
            return;
        }
        heap[pos] = last;
        heapPos[last] = pos;
        siftDown(pos);
        siftUp(heapPos[last]);
    }

    private void siftUp(int pos) {
        int slot = heap[pos];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            int ps = heap[parent];
            if (!less(slot, ps)) {
                break;
            }
            heap[pos] = ps;
            heapPos[ps] = pos;
            pos = parent;
        }
        heap[pos] = slot;
        heapPos[slot] = pos;
    }

    private void siftDown(int pos) {
        int slot = heap[pos];
        int half = size >>> 1;
        while (pos < half) {
            int child = 2 * pos + 1;
            int cs = heap[child];
            int right = child + 1;
            if (right < size && less(heap[right], cs)) {
                child = right;
                cs = heap[child];
            }
            if (!less(cs, slot)) {
                break;
            }
            heap[pos] = cs;
            heapPos[cs] = pos;
            pos = child;
        }
        heap[pos] = slot;
        heapPos[slot] = pos;
    }

    private void grow() {
        int old = time.length;
        int cap = old * 2;
        time = Arrays.copyOf(time, cap);
        seq = Arrays.copyOf(seq, cap);
        arg = Arrays.copyOf(arg, cap);
        generation = Arrays.copyOf(generation, cap);
        heapPos = Arrays.copyOf(heapPos, cap);
        Arrays.fill(heapPos, old, cap, -1);
        handler = Arrays.copyOf(handler, cap);
        heap = Arrays.copyOf(heap, cap);
        freeSlots = Arrays.copyOf(freeSlots, cap);
        for (int i = cap - 1; i >= old; i--) {
            freeSlots[freeCount++] = i;
        }
    }
}
