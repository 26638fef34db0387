package dev.gvsim.viewer;

import java.util.concurrent.atomic.AtomicLong;

import org.jctools.queues.SpscArrayQueue;

/**
 * The hand-over of scanout frames from the simulation thread (the one producer) to the render
 * thread (the one consumer), two jctools single-producer single-consumer queues of a fixed pool of
 * {@link Frame}s:
 * <ul>
 * <li>{@code free}: frames the render thread is done with; the simulation thread takes one to fill
 * ({@link #acquire}). When none is free (the screen is behind) the snapshot is <b>dropped</b> and
 * counted: the simulation never waits for the screen.</li>
 * <li>{@code ready}: filled frames in order; the render thread drains them all at each redraw
 * ({@link #drain}) and keeps only the newest per output: older ones are <b>coalesced</b> (counted)
 * and go straight back to {@code free}.</li>
 * </ul>
 * Neither side blocks and, once the pool is allocated, neither allocates.
 */
public final class FrameExchange {
    /** Room in the ready queue for final frames made outside the pool ({@link #acquireLast}): one per output. */
    static final int LAST_FRAMES = 64;

    private final SpscArrayQueue<Frame> free;
    private final SpscArrayQueue<Frame> ready;
    private final int poolSize;
    private int allocated; // producer side only

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong coalesced = new AtomicLong();
    private final AtomicLong shown = new AtomicLong();

    /** @param poolSize frames in circulation (at least 2: one on screen, one being filled) */
    public FrameExchange(int poolSize) {
        if (poolSize < 2) {
            throw new IllegalArgumentException("a frame pool needs at least 2 frames, got " + poolSize);
        }
        this.poolSize = poolSize;
        // both queues can hold every frame of the pool, so offer() on them never fails
        this.free = new SpscArrayQueue<>(poolSize);
        this.ready = new SpscArrayQueue<>(poolSize + LAST_FRAMES);
    }

    /**
     * Simulation thread: a frame to fill, or null when the whole pool is queued or on screen (then
     * the snapshot is dropped and counted; the caller goes on simulating).
     */
    public Frame acquire() {
        Frame f = free.poll();
        if (f == null && allocated < poolSize) {
            allocated++;
            f = new Frame();
        }
        if (f == null) {
            dropped.incrementAndGet();
        }
        return f;
    }

    /**
     * Simulation thread: the final picture, which must reach the screen: from the pool if a frame is
     * free, else a new frame outside the pool (once per output at the end of a run).
     */
    public Frame acquireLast() {
        Frame f = free.poll();
        if (f == null) {
            f = new Frame();
        }
        return f;
    }

    /** Simulation thread: hands a filled frame to the render thread. */
    public void publish(Frame f) {
        published.incrementAndGet();
        if (!ready.offer(f)) {
            // only frames from acquireLast beyond the pool can fill it (more than LAST_FRAMES outputs)
            published.decrementAndGet();
            dropped.incrementAndGet();
        }
    }

    /**
     * Render thread: takes every ready frame; {@code onScreen[slot]} keeps the newest per output
     * slot, the frame it replaces returns to the pool (counted as coalesced if it was never shown).
     *
     * @param onScreen the frames the render thread holds, by slot (grown by the caller)
     * @param shownFlags per slot, true once the frame held there has been drawn
     * @return the number of frames taken
     */
    public int drain(Frame[] onScreen, boolean[] shownFlags) {
        int n = 0;
        Frame f;
        while ((f = ready.poll()) != null) {
            n++;
            int s = f.slot;
            if (s < 0 || s >= onScreen.length) {
                release(f); // no place for it: the caller's slot array is too small
                coalesced.incrementAndGet();
                continue;
            }
            Frame old = onScreen[s];
            if (old != null) {
                if (!shownFlags[s]) {
                    coalesced.incrementAndGet();
                }
                release(old);
            }
            onScreen[s] = f;
            shownFlags[s] = false;
        }
        return n;
    }

    /** Render thread: a frame has been drawn. */
    public void countShown() {
        shown.incrementAndGet();
    }

    /** Render thread: gives a frame back to the pool. */
    public void release(Frame f) {
        free.offer(f); // never full: at most poolSize pooled frames exist (extra last frames are let go)
    }

    public long published() {
        return published.get();
    }

    /** Snapshots not taken because no frame was free (the screen was behind). */
    public long dropped() {
        return dropped.get();
    }

    /** Frames replaced by a newer one of the same output before they were drawn. */
    public long coalesced() {
        return coalesced.get();
    }

    public long shown() {
        return shown.get();
    }

    /** {@code frames: N published, N shown, N coalesced, N dropped}. */
    public String counts() {
        return String.format("frames: %,d published, %,d shown, %,d coalesced, %,d dropped", published(), shown(), coalesced(), dropped());
    }
}
