package dev.gvsim.machine.display;

/**
 * A resource several jobs use at once up to a capacity (the host's cores, DRAM bandwidth), in
 * simulated time slots of {@link #SLOT_PS}: each slot has {@code capacityPerSlot} units (core
 * picoseconds, bytes); a job that starts at {@code t} takes what is left of each slot from {@code t}
 * on, at most {@code jobRatePerSlot} per slot (a thread uses one core at a time), until it has its
 * amount. So a job is slowed only by jobs that overlap it in simulated time, whatever order they
 * were handed out in, and contention shows as the later end. Slots are kept in a ring of
 * {@link #SLOTS} (tagged by slot number, so a slot is reused when time has moved past it): jobs are
 * handed out within a few hundred milliseconds of the present. No allocation per job.
 */
public final class SharedCapacity {
    /** Slot width: 10 us (display jobs last 0.1-20 ms). */
    public static final long SLOT_PS = 10_000_000L;
    static final int SLOTS = 1 << 16;
    private static final int MASK = SLOTS - 1;

    private final long capacityPerSlot;
    private final long[] used = new long[SLOTS];
    private final long[] tag = new long[SLOTS];

    /** {@code capacityPerSlot} units per {@link #SLOT_PS}; must be positive. */
    public SharedCapacity(long capacityPerSlot) {
        if (capacityPerSlot <= 0) {
            throw new IllegalArgumentException("capacity per slot must be positive, got " + capacityPerSlot);
        }
        this.capacityPerSlot = capacityPerSlot;
        java.util.Arrays.fill(tag, -1);
    }

    private long usedIn(long slot) {
        int i = (int) (slot & MASK);
        if (tag[i] != slot) {
            tag[i] = slot;
            used[i] = 0;
        }
        return used[i];
    }

    /**
     * Takes {@code amount} units from {@code startPs} on, at most {@code jobRatePerSlot} units per
     * slot (and at most the capacity; scaled for a partial first slot); returns when the job has them all.
     */
    public long take(long startPs, long amount, long jobRatePerSlot) {
        if (amount <= 0) {
            return startPs;
        }
        long perSlot = Math.min(jobRatePerSlot, capacityPerSlot);
        long slot = Math.floorDiv(startPs, SLOT_PS);
        long t = startPs;
        long left = amount;
        while (true) {
            long slotEnd = (slot + 1) * SLOT_PS;
            long span = slotEnd - t; // of this slot, what is still ahead of the job
            long rate = Math.max(1, (long) ((double) perSlot * span / SLOT_PS));
            long free = capacityPerSlot - usedIn(slot);
            long got = Math.min(left, Math.min(rate, Math.max(0, free)));
            if (got > 0) {
                used[(int) (slot & MASK)] += got;
                left -= got;
                if (left == 0) {
                    // ends inside this slot, in proportion to what it could have had of it (its rate, or what was free)
                    return t + (long) Math.ceil((double) got * span / Math.min(rate, free));
                }
            }
            slot++;
            t = slotEnd;
        }
    }
}
