package dev.gvsim.simcore;

import java.util.Arrays;

/**
 * Discrete-event kernel: a calendar queue (R. Brown, "Calendar queues: a fast O(1) priority queue
 * implementation for the simulation event set problem", CACM 31(10), 1988) over pooled event slots
 * whose keys and links live in primitive arrays.
 *
 * <p>Events at the same time run in the order they were scheduled (the sequence number breaks
 * ties), so a run is deterministic. A scheduled event is named by a {@code long} handle (slot
 * index in the low 32 bits, the slot's generation in the high 32 bits), so a handle that was
 * already run or cancelled is recognised as stale and never cancels a later event that reuses the
 * slot. Once the arrays have grown to the peak number of pending events, scheduling, cancelling
 * and dispatching allocate nothing.
 *
 * <p>Calendar: {@code nb} buckets (a power of two), each {@code 2^shift} ps wide; an event at time
 * {@code t} lives in bucket {@code (t >>> shift) & (nb - 1)}, in a doubly-linked list (circular
 * through a sentinel per bucket) sorted by (time, sequence). {@code curVb} is a "virtual bucket" ({@code t >>> shift}) such that no pending
 * event lies before it, so the minimum is the head of the first bucket, from {@code curVb} on, whose
 * head falls in the current virtual bucket. The bucket count follows the number of pending events
 * and the width follows their spacing; both are chosen only from the sequence of calls (never wall
 * time), and neither changes which event runs when: they affect speed only. Buckets double when
 * more than {@code nb / 2} events are pending and halve below {@code nb / 8} (not below
 * {@link #MIN_BUCKETS}), so most buckets hold at most one event; the width is re-estimated then,
 * and whenever the work per operation (empty buckets stepped over plus insertion steps) gets too
 * high (see {@link #checkWidth}).
 */
public final class EventKernel implements Clock, dev.gvsim.simcore.state.Checkpointable {
    /** A handle that names no event. */
    public static final long NO_EVENT = -1L;

    /** Fewest buckets (Brown keeps the bucket count within a factor of two of the event count). */
    static final int MIN_BUCKETS = 16;
    /** {@code next[slot]} of a free slot. */
    private static final int FREE = -1;
    /** A sentinel's time: ends every backward walk, and its {@code >>> shift} is no reachable virtual bucket. */
    private static final long SENTINEL_TIME = -1L;
    /** Bucket width before any estimate: 2^10 ps = 1.024 ns. */
    static final int INITIAL_SHIFT = 10;
    /** Widest bucket: 2^62 ps, so {@code t >>> shift} stays meaningful for every non-negative time. */
    static final int MAX_SHIFT = 62;
    /** Operations between checks of the average work (bucket steps + insertion steps) per operation. */
    static final int CHECK_PERIOD = 4096;
    /** Longest check period after repeated failed checks (backoff). */
    static final int MAX_CHECK_PERIOD = 1 << 22;
    /** Average work per operation above which the width is estimated again. */
    static final int WORK_LIMIT = 8;
    /**
     * A bucket is this many times narrower than the mean separation of the events (rounded to a power
     * of two), so an insertion rarely walks past another event in its bucket; see {@link #estimateShift}.
     */
    static final int WIDTH_DIVISOR = 4;
    /** Gaps between the next events to run that the second width estimate looks at. */
    static final int FRONT_SAMPLE = 64;

    private long now;
    private long nextSeq;
    private long dispatched;

    // per slot
    private long[] time; // [capacity + buckets]: the bucket sentinels' entries are SENTINEL_TIME
    private long[] seq;
    private long[] arg;
    private int[] generation;
    /**
     * The slot's handler; left in place when the slot is freed, so rescheduling the same handler into
     * it (the hold pattern) stores nothing and pays no GC write barrier. Free = {@code next[slot] == FREE}.
     */
    private EventHandler[] handler;
    /**
     * Links, over slots {@code [0, capacity)} then one sentinel per bucket at {@code capacity + b}:
     * each bucket is a circular list through its sentinel (sentinel.next = head, sentinel.prev =
     * tail; an empty bucket's sentinel points to itself), so linking and unlinking take no branch.
     * {@code next[slot] == FREE} marks a free slot.
     */
    private int[] next;
    private int[] prev;
    /** Slots in the pool = index of bucket 0's sentinel. */
    private int capacity;
    private int buckets;
    private int[] freeSlots;
    private int freeCount;
    private int size;

    // the calendar
    private int mask;
    private int shift = INITIAL_SHIFT;
    private long curVb;

    // width control: work counted since the last check
    private int ops;
    private long scanWork;
    private long walkWork;
    private int checkPeriod = CHECK_PERIOD;

    // scratch for rebuilds, sized to the capacity
    private int[] order;
    private int[] scratch;

    public EventKernel() {
        this(64);
    }

    public EventKernel(int initialCapacity) {
        int cap = Math.max(4, initialCapacity);
        capacity = cap;
        buckets = MIN_BUCKETS;
        time = new long[cap + MIN_BUCKETS];
        seq = new long[cap];
        arg = new long[cap];
        generation = new int[cap];
        handler = new EventHandler[cap];
        next = new int[cap + MIN_BUCKETS];
        prev = new int[cap + MIN_BUCKETS];
        Arrays.fill(next, FREE);
        emptyBuckets();
        order = new int[cap];
        scratch = new int[cap];
        freeSlots = new int[cap];
        for (int i = 0; i < cap; i++) {
            freeSlots[i] = cap - 1 - i;
        }
        freeCount = cap;
        mask = MIN_BUCKETS - 1;
    }

    /** The current simulated time in ps. */
    @Override
    public long now() {
        return now;
    }

    /** Events scheduled and not yet run or cancelled. */
    public int pending() {
        return size;
    }

    /** Events dispatched so far. */
    public long dispatched() {
        return dispatched;
    }

    /** Buckets in the calendar (for tests: the layout affects speed only). */
    int bucketCount() {
        return buckets;
    }

    /** log2 of the bucket width in ps (for tests). */
    int bucketShift() {
        return shift;
    }

    /** Time of the next event, or {@link #NO_EVENT} if none is pending. */
    public long nextEventTime() {
        int s = findMin();
        return s < 0 ? NO_EVENT : time[s];
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
        seq[slot] = nextSeq++;
        if (handler[slot] != h) {
            handler[slot] = h; // skip the GC write barrier when the slot's last handler is the same
        }
        link(slot);
        size++;
        if (size > buckets >>> 1) {
            rebuild(buckets * 2, -1);
        } else if (++ops >= checkPeriod) {
            checkWidth();
        }
        return ((long) generation[slot] << 32) | slot;
    }

    /** Schedules {@code h} after {@code delay} ps from now. */
    public long scheduleIn(long delay, EventHandler h, long a) {
        return schedule(Math.addExact(now, delay), h, a);
    }

    /** Cancels a pending event; returns false if the handle is stale (already run or cancelled). */
    public boolean cancel(long handle) {
        if (!isPending(handle)) {
            return false;
        }
        remove((int) handle);
        return true;
    }

    /** True if the handle names an event that has not run and was not cancelled. */
    public boolean isPending(long handle) {
        if (handle == NO_EVENT) {
            return false;
        }
        int slot = (int) handle;
        return slot >= 0 && slot < capacity && generation[slot] == (int) (handle >>> 32) && next[slot] != FREE;
    }

    /** Runs the next event; returns false when there is none. */
    public boolean step() {
        int s = findMin();
        if (s < 0) {
            return false;
        }
        dispatch(s);
        return true;
    }

    /** Runs every event at or before {@code until}, then sets the time to {@code until}. */
    public void runUntil(long until) {
        int s;
        while ((s = findMin()) >= 0 && time[s] <= until) {
            dispatch(s);
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

    /** Removes the minimum event {@code s}, frees its slot (its handler's first schedule() reuses it), runs it. */
    private void dispatch(int s) {
        long t = time[s];
        long a = arg[s];
        EventHandler h = handler[s];
        remove(s);
        if (++ops >= checkPeriod) {
            checkWidth();
        }
        now = t;
        dispatched++;
        h.onEvent(t, a);
    }

    private void remove(int s) {
        unlink(s);
        size--;
        next[s] = FREE;
        generation[s]++;
        freeSlots[freeCount++] = s;
        if (size < (buckets >>> 3) && buckets > MIN_BUCKETS) {
            rebuild(buckets >>> 1, -1);
        }
    }

    // ------------------------------------------------------------------ the calendar

    /** The slot of the earliest pending event (by time, then sequence), or -1; moves {@code curVb} to it. */
    private int findMin() {
        if (size == 0) {
            return -1;
        }
        final long[] tm = time;
        final int[] nx = next;
        final int sh = shift;
        final int m = mask;
        final int sent = capacity;
        long vb = curVb;
        for (int i = 0; i <= m; i++) {
            int s = nx[sent + ((int) vb & m)]; // a sentinel's time never matches
            if ((tm[s] >>> sh) == vb) {
                curVb = vb;
                scanWork += i;
                return s;
            }
            vb++;
        }
        // a whole year without an event of it: search the bucket heads directly
        int best = -1;
        for (int b = 0; b <= m; b++) {
            int s = nx[sent + b];
            if (s < sent && (best < 0 || tm[s] < tm[best] || (tm[s] == tm[best] && seq[s] < seq[best]))) {
                best = s;
            }
        }
        scanWork += 2L * (m + 1);
        curVb = tm[best] >>> sh;
        return best;
    }

    /**
     * Inserts a slot into its bucket, walking from the tail (new events usually sort last). Comparing
     * times is enough: a scheduled event has the largest sequence number of all pending ones, so it
     * goes after every event at its time, and a rebuild links events in ascending (time, sequence).
     */
    private void link(int s) {
        long t = time[s];
        long vb = t >>> shift;
        int p = prev[capacity + ((int) vb & mask)]; // the bucket's tail
        int steps = 0;
        while (time[p] > t) { // stops at the sentinel at the latest
            p = prev[p];
            steps++;
        }
        walkWork += steps;
        int n = next[p];
        prev[s] = p;
        next[s] = n;
        next[p] = s;
        prev[n] = s;
        if (vb < curVb) {
            curVb = vb; // an event at now after nextEventTime() moved curVb past it
        }
    }

    private void unlink(int s) {
        int p = prev[s];
        int n = next[s];
        next[p] = n;
        prev[n] = p;
    }

    /** Points every bucket's sentinel at itself. */
    private void emptyBuckets() {
        for (int b = capacity; b < capacity + buckets; b++) {
            next[b] = b;
            prev[b] = b;
            time[b] = SENTINEL_TIME;
        }
    }

    /**
     * Every {@link #checkPeriod} operations: if the average work per operation exceeded
     * {@link #WORK_LIMIT}, estimate the width again; if that is the width in use, take the spacing of
     * the next {@link #FRONT_SAMPLE} events to run instead (Brown's own sample: it suits the region
     * dequeues work in when the middle half does not, e.g. a dense near cluster plus a dense far one);
     * if that too is the width in use, move it one step toward less work (narrower when insertions
     * walked, wider when dequeues scanned). Failed checks double the period (up to
     * {@link #MAX_CHECK_PERIOD}) so a distribution no width suits cannot make rebuilds dominate; a
     * passing check resets it.
     */
    private void checkWidth() {
        long work = scanWork + walkWork;
        boolean bad = work > (long) WORK_LIMIT * ops;
        boolean walks = walkWork > scanWork;
        ops = 0;
        scanWork = 0;
        walkWork = 0;
        if (!bad) {
            checkPeriod = CHECK_PERIOD;
            return;
        }
        checkPeriod = Math.min(checkPeriod * 2, MAX_CHECK_PERIOD);
        sortPending();
        int ns = estimateShift();
        if (ns == shift) {
            ns = frontShift();
        }
        if (ns == shift) {
            ns = walks ? Math.max(0, shift - 1) : Math.min(MAX_SHIFT, shift + 1);
        }
        if (ns != shift) {
            relink(buckets, ns);
        }
    }

    /**
     * Re-links every pending event into {@code nb} buckets; {@code newShift} < 0 estimates the width
     * from the pending events. Resets the work guard.
     */
    private void rebuild(int nb, int newShift) {
        sortPending();
        int ns = newShift >= 0 ? newShift : estimateShift();
        relink(nb, ns);
        ops = 0;
        scanWork = 0;
        walkWork = 0;
        checkPeriod = CHECK_PERIOD;
    }

    private void relink(int nb, int newShift) {
        if (time.length != capacity + nb) {
            time = Arrays.copyOf(time, capacity + nb);
            next = Arrays.copyOf(next, capacity + nb);
            prev = Arrays.copyOf(prev, capacity + nb);
        }
        buckets = nb;
        emptyBuckets();
        mask = nb - 1;
        shift = newShift;
        curVb = now >>> shift;
        for (int i = 0; i < size; i++) {
            link(order[i]); // ascending (time, sequence): each goes to its bucket's tail in one step
        }
        walkWork = 0;
        if (size > 0) {
            curVb = time[order[0]] >>> shift;
        }
    }

    /**
     * Bucket width from the sorted pending times: the mean separation of the middle half (the middle
     * half ignores a few far-future timeouts; below 8 events the whole range) divided by
     * {@link #WIDTH_DIVISOR}, rounded up to a power of two, at least 1 ps. Fewer than two events keep
     * the width. Brown uses three times the mean separation; here insertion walks a bucket from its
     * tail (a dependent load per step and a mispredicted loop exit) while dequeue only steps over
     * empty buckets (sequential loads), so narrow buckets measured faster. Hold model at 64 pending
     * (uniform delays, best of 15 x 2 M events, three runs each): three separations ~2.0 x
     * PriorityQueue, one separation with {@code nb >= size / 2} 2.14-2.18 x, a quarter separation
     * with {@code nb >= 2 size} 2.52-2.65 x (an eighth: 2.33-2.40 x); at 4096 pending 3.7 x -> 5.0 x.
     */
    private int estimateShift() {
        int n = size;
        if (n < 2) {
            return shift;
        }
        long span;
        long gaps;
        if (n < 8) {
            span = time[order[n - 1]] - time[order[0]];
            gaps = n - 1;
        } else {
            span = time[order[3 * n / 4]] - time[order[n / 4]];
            gaps = n / 2;
        }
        return shiftFor(span, gaps);
    }

    /** Bucket width from the spacing of the next events to run (at most {@link #FRONT_SAMPLE} gaps). */
    private int frontShift() {
        int k = Math.min(size - 1, FRONT_SAMPLE);
        if (k < 1) {
            return shift;
        }
        return shiftFor(time[order[k]] - time[order[0]], k);
    }

    /**
     * log2 of the power of two at least {@code span / (gaps * WIDTH_DIVISOR)} (rounded up), at least 0,
     * at most {@link #MAX_SHIFT}.
     */
    private static int shiftFor(long span, long gaps) {
        long d = gaps * WIDTH_DIVISOR; // gaps < 2^31
        long w = span / d + (span % d != 0 ? 1 : 0);
        int s = w <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(w - 1);
        return Math.min(s, MAX_SHIFT);
    }

    /** Fills {@code order[0, size)} with the pending slots in ascending (time, sequence): a bottom-up merge sort. */
    private void sortPending() {
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            if (next[s] != FREE) {
                order[n++] = s;
            }
        }
        int[] a = order;
        int[] b = scratch;
        for (int run = 1; run < n; run <<= 1) {
            for (int lo = 0; lo < n; lo += 2 * run) {
                int mid = Math.min(lo + run, n);
                int hi = Math.min(lo + 2 * run, n);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    int x = a[i];
                    int y = a[j];
                    if (time[y] < time[x] || (time[y] == time[x] && seq[y] < seq[x])) {
                        b[k++] = y;
                        j++;
                    } else {
                        b[k++] = x;
                        i++;
                    }
                }
                while (i < mid) {
                    b[k++] = a[i++];
                }
                while (j < hi) {
                    b[k++] = a[j++];
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        if (a != order) {
            System.arraycopy(a, 0, order, 0, n);
        }
    }

    /** Doubles the slot pool; the sentinels move up, so every pending event is linked again. */
    private void grow() {
        int old = capacity;
        int cap = old * 2;
        time = Arrays.copyOf(time, cap + buckets);
        seq = Arrays.copyOf(seq, cap);
        arg = Arrays.copyOf(arg, cap);
        generation = Arrays.copyOf(generation, cap);
        handler = Arrays.copyOf(handler, cap);
        Arrays.fill(time, old, cap, 0L); // the old sentinels' place: fresh slots, as a new pool's
        next = Arrays.copyOf(next, cap + buckets);
        Arrays.fill(next, old, cap, FREE);
        prev = Arrays.copyOf(prev, cap + buckets);
        order = new int[cap];
        scratch = new int[cap];
        freeSlots = Arrays.copyOf(freeSlots, cap);
        for (int i = cap - 1; i >= old; i--) {
            freeSlots[freeCount++] = i;
        }
        capacity = cap;
        sortPending();
        relink(buckets, shift);
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

    /**
     * A {@link Scheduler} for one owner (a device id): its handlers are registered as
     * {@code <owner>.<name>}. Several schedulers may share the kernel; each names only its own handlers.
     */
    public Scheduler scheduler(String owner) {
        if (owner == null || owner.isEmpty()) {
            throw new IllegalArgumentException("a scheduler needs an owner name");
        }
        EventKernel k = this;
        return new Scheduler() {
            @Override
            public String owner() {
                return owner;
            }

            @Override
            public long now() {
                return k.now;
            }

            @Override
            public EventHandler handler(String name, EventHandler h) {
                k.register(owner + "." + name, h);
                return h;
            }

            @Override
            public long schedule(long at, EventHandler h, long arg) {
                return k.schedule(at, h, arg);
            }

            @Override
            public long scheduleIn(long delay, EventHandler h, long arg) {
                return k.scheduleIn(delay, h, arg);
            }

            @Override
            public boolean cancel(long handle) {
                return k.cancel(handle);
            }

            @Override
            public boolean isPending(long handle) {
                return k.isPending(handle);
            }
        };
    }

    @Override
    public String stateName() {
        return "kernel";
    }

    /**
     * Time, sequence and dispatch counters, then the slot pool exactly (time, argument, sequence,
     * generation, handler name or null for a free slot) and the free-slot stack, so event handles
     * models hold stay valid and later schedules get the same slots after a restore. The calendar's
     * buckets are not saved: they only affect speed and are rebuilt on restore.
     */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putLong(now).putLong(nextSeq).putLong(dispatched);
        int cap = capacity;
        w.putInt(cap).putInt(size).putInt(freeCount);
        for (int slot = 0; slot < cap; slot++) {
            w.putLong(time[slot]).putLong(arg[slot]).putLong(seq[slot]).putInt(generation[slot]);
            String name = null;
            if (next[slot] != FREE) {
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
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws InputException {
        long n = r.getLong();
        long sq = r.getLong();
        long disp = r.getLong();
        if (n < 0 || sq < 0 || disp < 0) {
            throw new InputException("checkpoint kernel: negative counter (now " + n + " ps, sequence " + sq + ", dispatched " + disp + ")");
        }
        int cap = r.getInt();
        int sz = r.getInt();
        int free = r.getInt();
        if (cap < 4 || cap > 1 << 24 || sz < 0 || free < 0 || sz + free != cap) {
            throw new InputException("checkpoint kernel: inconsistent pool (capacity " + cap + ", pending " + sz + ", free " + free + ")");
        }
        long[] t = new long[cap];
        long[] a = new long[cap];
        long[] q = new long[cap];
        int[] g = new int[cap];
        EventHandler[] h = new EventHandler[cap];
        long[] pendingSeqs = new long[sz];
        int pend = 0;
        for (int slot = 0; slot < cap; slot++) {
            t[slot] = r.getLong();
            a[slot] = r.getLong();
            q[slot] = r.getLong();
            g[slot] = r.getInt();
            String name = r.getString();
            if (name != null) {
                h[slot] = handlersByName.get(name);
                if (h[slot] == null) {
                    throw new InputException("checkpoint kernel: a pending event uses handler '" + name + "', which this machine does not have");
                }
                if (t[slot] < n) {
                    throw new InputException("checkpoint kernel: pending event in slot " + slot + " at " + t[slot] + " ps is before now (" + n + " ps)");
                }
                if (q[slot] < 0 || q[slot] >= sq) {
                    throw new InputException("checkpoint kernel: pending event in slot " + slot + " has sequence " + q[slot]
                            + " outside [0, " + sq + ")");
                }
                if (pend == sz) {
                    throw new InputException("checkpoint kernel: more pending events than the " + sz + " stated");
                }
                pendingSeqs[pend++] = q[slot];
            }
        }
        if (pend != sz) {
            throw new InputException("checkpoint kernel: " + pend + " pending events, " + sz + " stated");
        }
        Arrays.sort(pendingSeqs);
        for (int i = 1; i < sz; i++) {
            if (pendingSeqs[i] == pendingSeqs[i - 1]) {
                throw new InputException("checkpoint kernel: two pending events share sequence " + pendingSeqs[i]);
            }
        }
        int[] fs = new int[cap];
        boolean[] listed = new boolean[cap];
        for (int i = 0; i < free; i++) {
            fs[i] = r.getInt();
            if (fs[i] < 0 || fs[i] >= cap) {
                throw new InputException("checkpoint kernel: free slot " + fs[i] + " out of range");
            }
            if (h[fs[i]] != null) {
                throw new InputException("checkpoint kernel: free slot " + fs[i] + " holds a pending event");
            }
            if (listed[fs[i]]) {
                throw new InputException("checkpoint kernel: free slot " + fs[i] + " listed twice");
            }
            listed[fs[i]] = true;
        }
        // free entries are distinct, non-pending and number cap - sz: exactly the non-pending slots
        now = n;
        nextSeq = sq;
        dispatched = disp;
        capacity = cap;
        time = t; // relink below appends the sentinels
        arg = a;
        seq = q;
        generation = g;
        handler = h;
        next = new int[cap];
        for (int slot = 0; slot < cap; slot++) {
            next[slot] = h[slot] != null ? 0 : FREE; // relink links the pending ones
        }
        prev = new int[cap];
        order = new int[cap];
        scratch = new int[cap];
        freeSlots = fs;
        freeCount = free;
        size = sz;
        int nb = MIN_BUCKETS;
        while (sz > 2 * nb) {
            nb *= 2;
        }
        shift = INITIAL_SHIFT; // the width after a restore depends on the checkpoint only
        rebuild(nb, -1);
    }
}
