package dev.gvsim.simcore;

import java.util.Arrays;

/**
 * Discrete-event kernel: an indexed binary min-heap whose (time, sequence) keys live inline in
 * primitive arrays, over pooled event slots; the event being dispatched stays at the root until its
 * handler has scheduled its successor, which then replaces it with a single sift-down.
 *
 * <p>Events at the same time run in the order they were scheduled (the sequence number breaks
 * ties), so a run is deterministic. A scheduled event is named by a {@code long} handle (slot
 * index in the low 32 bits, the slot's generation in the high 32 bits), so a handle that was
 * already run or cancelled is recognised as stale and never cancels a later event that reuses the
 * slot. Once the arrays have grown to the peak number of pending events, scheduling, cancelling
 * and dispatching allocate nothing.
 */
public final class EventKernel implements dev.gvsim.simcore.state.Checkpointable {
    /** A handle that names no event. */
    public static final long NO_EVENT = -1L;

    private long now;
    private long nextSeq;
    private long dispatched;

    // per slot
    private long[] time;
    private long[] arg;
    private int[] generation;
    private int[] heapPos; // -1 when the slot is free or its event is being dispatched
    private EventHandler[] handler;
    private int[] freeSlots;
    private int freeCount;

    // the heap, by position: keys inline (time, sequence) so sifting never leaves these arrays
    private long[] hTime;
    private long[] hSeq;
    private int[] hSlot;
    private int size;
    /**
     * The root's event is being dispatched and has not been removed yet: the first event its
     * handler schedules takes the root's place with one sift-down instead of a removal plus an
     * insertion (the "hold" pattern of discrete-event simulation); anything else removes it first.
     */
    private boolean rootPending;

    public EventKernel() {
        this(64);
    }

    public EventKernel(int initialCapacity) {
        int cap = Math.max(4, initialCapacity);
        time = new long[cap];
        arg = new long[cap];
        generation = new int[cap];
        heapPos = new int[cap];
        handler = new EventHandler[cap];
        freeSlots = new int[cap];
        hTime = new long[cap];
        hSeq = new long[cap];
        hSlot = new int[cap];
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

    /** Events scheduled and not yet run or cancelled. */
    public int pending() {
        return rootPending ? size - 1 : size;
    }

    /** Events dispatched so far. */
    public long dispatched() {
        return dispatched;
    }

    /** Time of the next event, or {@link #NO_EVENT} if none is pending. */
    public long nextEventTime() {
        settle();
        return size == 0 ? NO_EVENT : hTime[0];
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
        arg[slot] = a;
        handler[slot] = h;
        long sq = nextSeq++;
        if (rootPending) {
            rootPending = false;
            put(0, at, sq, slot);
            siftDown(0);
        } else {
            int pos = size++;
            put(pos, at, sq, slot);
            siftUp(pos);
        }
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
        settle();
        int slot = (int) handle;
        int gen = (int) (handle >>> 32);
        if (slot < 0 || slot >= heapPos.length || generation[slot] != gen || heapPos[slot] < 0) {
            return false;
        }
        removeAt(heapPos[slot]);
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
        settle();
        if (size == 0) {
            return false;
        }
        int slot = hSlot[0];
        long t = hTime[0];
        long a = arg[slot];
        EventHandler h = handler[slot];
        release(slot);
        rootPending = true;
        now = t;
        dispatched++;
        try {
            h.onEvent(t, a);
        } finally {
            settle();
        }
        return true;
    }

    /** Runs every event at or before {@code until}, then sets the time to {@code until}. */
    public void runUntil(long until) {
        settle();
        while (size > 0 && hTime[0] <= until) {
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

    /** Removes a dispatched root that no schedule() replaced. */
    private void settle() {
        if (rootPending) {
            rootPending = false;
            removeAt(0);
        }
    }

    private void release(int slot) {
        handler[slot] = null;
        heapPos[slot] = -1;
        generation[slot]++;
        freeSlots[freeCount++] = slot;
    }

    private void put(int pos, long t, long sq, int slot) {
        hTime[pos] = t;
        hSeq[pos] = sq;
        hSlot[pos] = slot;
        heapPos[slot] = pos;
    }

    private void removeAt(int pos) {
        size--;
        if (pos == size) {
            return;
        }
        put(pos, hTime[size], hSeq[size], hSlot[size]);
        int slot = hSlot[pos];
        siftDown(pos);
        siftUp(heapPos[slot]);
    }

    private void siftUp(int pos) {
        long t = hTime[pos];
        long sq = hSeq[pos];
        int slot = hSlot[pos];
        while (pos > 0) {
            int parent = (pos - 1) >>> 1;
            long pt = hTime[parent];
            if (pt < t || (pt == t && hSeq[parent] < sq)) {
                break;
            }
            put(pos, pt, hSeq[parent], hSlot[parent]);
            pos = parent;
        }
        put(pos, t, sq, slot);
    }

    private void siftDown(int pos) {
        long t = hTime[pos];
        long sq = hSeq[pos];
        int slot = hSlot[pos];
        int half = size >>> 1;
        while (pos < half) {
            int child = 2 * pos + 1;
            long ct = hTime[child];
            long cs = hSeq[child];
            int right = child + 1;
            if (right < size) {
                long rt = hTime[right];
                if (rt < ct || (rt == ct && hSeq[right] < cs)) {
                    child = right;
                    ct = rt;
                    cs = hSeq[right];
                }
            }
            if (t < ct || (t == ct && sq < cs)) {
                break;
            }
            put(pos, ct, cs, hSlot[child]);
            pos = child;
        }
        put(pos, t, sq, slot);
    }

    private void grow() {
        int old = time.length;
        int cap = old * 2;
        time = Arrays.copyOf(time, cap);
        arg = Arrays.copyOf(arg, cap);
        generation = Arrays.copyOf(generation, cap);
        heapPos = Arrays.copyOf(heapPos, cap);
        Arrays.fill(heapPos, old, cap, -1);
        handler = Arrays.copyOf(handler, cap);
        hTime = Arrays.copyOf(hTime, cap);
        hSeq = Arrays.copyOf(hSeq, cap);
        hSlot = Arrays.copyOf(hSlot, cap);
        freeSlots = Arrays.copyOf(freeSlots, cap);
        for (int i = cap - 1; i >= old; i--) {
            freeSlots[freeCount++] = i;
        }
    }

    // ------------------------------------------------------------------ checkpoints

    private final java.util.Map<String, EventHandler> handlersByName = new java.util.TreeMap<>();
    private final java.util.IdentityHashMap<EventHandler, String> namesByHandler = new java.util.IdentityHashMap<>();

    /**
     * Names a handler so pending events that use it can be saved in a checkpoint and bound again on
     * restore (a model registers each handler it schedules, once, at construction, with a name unique
     * in the machine such as {@code qxl0.async_complete}).
     */
    public void register(String name, EventHandler h) {
        EventHandler old = handlersByName.putIfAbsent(name, h);
        if (old != null && old != h) {
            throw new IllegalStateException("event handler name registered twice: " + name);
        }
        namesByHandler.put(h, name);
    }

    @Override
    public String stateName() {
        return "kernel";
    }

    /**
     * Time, sequence and dispatch counters, then the slot pool exactly (time, argument, generation,
     * heap position, handler name) and the heap order, so event handles models hold stay valid
     * after a restore.
     */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        settle();
        w.putLong(now).putLong(nextSeq).putLong(dispatched);
        int cap = time.length;
        w.putInt(cap).putInt(size).putInt(freeCount);
        for (int slot = 0; slot < cap; slot++) {
            w.putLong(time[slot]).putLong(arg[slot]).putInt(generation[slot]).putInt(heapPos[slot]);
            String name = null;
            if (handler[slot] != null) {
                name = namesByHandler.get(handler[slot]);
                if (name == null) {
                    throw new IllegalStateException("a pending event at " + time[slot] + " ps has a handler that was never registered: "
                            + "the model scheduling it does not take part in checkpoints yet");
                }
            }
            w.putString(name);
        }
        for (int i = 0; i < freeCount; i++) {
            w.putInt(freeSlots[i]);
        }
        for (int i = 0; i < size; i++) {
            w.putLong(hTime[i]).putLong(hSeq[i]).putInt(hSlot[i]);
        }
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws InputException {
        long n = r.getLong();
        long sq = r.getLong();
        long disp = r.getLong();
        int cap = r.getInt();
        int sz = r.getInt();
        int free = r.getInt();
        if (cap < 4 || cap > 1 << 24 || sz < 0 || free < 0 || sz + free != cap) {
            throw new InputException("checkpoint kernel: inconsistent pool (capacity " + cap + ", pending " + sz + ", free " + free + ")");
        }
        long[] t = new long[cap];
        long[] a = new long[cap];
        int[] g = new int[cap];
        int[] hp = new int[cap];
        EventHandler[] h = new EventHandler[cap];
        for (int slot = 0; slot < cap; slot++) {
            t[slot] = r.getLong();
            a[slot] = r.getLong();
            g[slot] = r.getInt();
            hp[slot] = r.getInt();
            String name = r.getString();
            if (name != null) {
                h[slot] = handlersByName.get(name);
                if (h[slot] == null) {
                    throw new InputException("checkpoint kernel: a pending event uses handler '" + name + "', which this machine does not have");
                }
            }
        }
        int[] fs = new int[cap];
        for (int i = 0; i < free; i++) {
            fs[i] = r.getInt();
            if (fs[i] < 0 || fs[i] >= cap) {
                throw new InputException("checkpoint kernel: free slot " + fs[i] + " out of range");
            }
        }
        long[] ht = new long[cap];
        long[] hs = new long[cap];
        int[] hsl = new int[cap];
        for (int i = 0; i < sz; i++) {
            ht[i] = r.getLong();
            hs[i] = r.getLong();
            hsl[i] = r.getInt();
            if (hsl[i] < 0 || hsl[i] >= cap || hp[hsl[i]] != i || h[hsl[i]] == null) {
                throw new InputException("checkpoint kernel: heap entry " + i + " inconsistent with its slot");
            }
        }
        now = n;
        nextSeq = sq;
        dispatched = disp;
        time = t;
        arg = a;
        generation = g;
        heapPos = hp;
        handler = h;
        freeSlots = fs;
        freeCount = free;
        hTime = ht;
        hSeq = hs;
        hSlot = hsl;
        size = sz;
        rootPending = false;
    }
}
