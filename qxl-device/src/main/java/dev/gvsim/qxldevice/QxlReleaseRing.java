package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.Map;

import dev.gvsim.qxldevice.layout.QxlRamHeader;
import dev.gvsim.qxldevice.layout.QxlReleaseInfo;
import dev.gvsim.qxldevice.layout.QxlRing;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * Handing consumed guest structures back (QEMU hw/display/qxl.c, the device side of spice-server's
 * release_resource callback): interface_release_resource chains each structure's QXLReleaseInfo
 * into the current release-ring item, qxl_push_free_res publishes the item once
 * {@link #FREE_BUNCH_SIZE} are chained or on a flush (QXL_IO_FLUSH_RELEASE, QXL_IO_NOTIFY_OOM,
 * spice's flush_resources).
 */
final class QxlReleaseRing {
    /** QXL_FREE_BUNCH_SIZE (qxl.c qxl_push_free_res): releases collected before a release-ring push. */
    static final int FREE_BUNCH_SIZE = 32;

    private final QxlHost host;
    private final QxlMemslots memslots;
    private final QxlRing ring;
    private final QxlReleaseInfo releaseInfo = new QxlReleaseInfo();
    private final QxlReleaseInfo lastRelease = new QxlReleaseInfo();
    private final Counter releases;
    private final Counter pushes;

    /** qxl.c d->oom_running: a QXL_IO_NOTIFY_OOM is being served (releases are only pushed by its flush). */
    private boolean oomRunning;
    /** d->num_free_res: releases chained into the current item. */
    private int numFreeRes;
    /** d->last_release: the last structure chained (memory id, -1 = none, and offset). */
    private int lastReleaseMem = -1;
    private long lastReleaseOff;

    QxlReleaseRing(QxlHost host, QxlMemslots memslots, QxlRamHeader hdr, Counter releases, Counter pushes) {
        this.host = host;
        this.memslots = memslots;
        this.ring = hdr.releaseRing();
        this.releases = releases;
        this.pushes = pushes;
    }

    /** Part of qxl_hard_reset: nothing chained. */
    void reset() {
        numFreeRes = 0;
        lastReleaseMem = -1;
    }

    /** SPICE_RING_IS_EMPTY of the release ring. */
    boolean isEmpty() {
        return ring.prod() == ring.cons();
    }

    /** Releases the structure at QXLPHYSICAL {@code phys} (its release info must resolve). */
    void releasePhys(long phys) {
        long off = memslots.resolve(phys, RELEASE_INFO_SIZE, false);
        if (off >= 0) {
            release(memslots.resolvedMem(), off);
        }
    }

    /** interface_release_resource: chain the release_info at {@code off} of memory {@code memId} into the current release-ring item. */
    void release(int memId, long off) {
        QxlRing r = ring;
        int prod = r.prod();
        int numItems = r.numItems();
        int idx = prod & (numItems - 1);
        if (Integer.compareUnsigned(idx, RELEASE_RING_SIZE) >= 0) {
            host.setGuestBug("SPICE_RING_PROD_ITEM indices mismatch " + Integer.toUnsignedString(idx) + " >= " + RELEASE_RING_SIZE);
            return;
        }
        QxlReleaseInfo ri = releaseInfo.wrap(memslots.memory(memId), off);
        long id = ri.id();
        if (r.u64Item(idx) == 0 || lastReleaseMem < 0) {
            // stick head into the ring
            ri.next(0);
            r.u64Item(idx, id);
        } else {
            // append to the list: last_release->next = id
            lastRelease.wrap(memslots.memory(lastReleaseMem), lastReleaseOff).next(id);
            ri.next(0);
        }
        lastReleaseMem = memId;
        lastReleaseOff = off;
        numFreeRes++;
        releases.inc();
        push(false);
    }

    /** qxl_push_free_res: publish the current release item once 32 are collected, or on flush. */
    void push(boolean flush) {
        QxlRing r = ring;
        int prod = r.prod();
        int cons = r.cons();
        int numItems = r.numItems();
        if (prod - cons + 1 == numItems) {
            return; // ring full -- can't push
        }
        if (!flush && oomRunning) {
            return;
        }
        if (!flush && numFreeRes < FREE_BUNCH_SIZE) {
            return;
        }
        prod++;
        r.prod(prod);
        pushes.inc();
        if (prod == r.notifyOnProd()) {
            host.sendEvents(INTERRUPT_DISPLAY);
        }
        int idx = prod & (numItems - 1);
        if (Integer.compareUnsigned(idx, RELEASE_RING_SIZE) >= 0) {
            host.setGuestBug("SPICE_RING_PROD_ITEM indices mismatch " + Integer.toUnsignedString(idx) + " >= " + RELEASE_RING_SIZE);
            return;
        }
        r.u64Item(idx, 0);
        numFreeRes = 0;
        lastReleaseMem = -1;
    }

    /** interface_flush_resources: push what is chained, if anything. */
    void flushIfAny() {
        if (numFreeRes > 0) {
            push(true);
        }
    }

    /** QXL_IO_NOTIFY_OOM: with the ring empty, spice_qxl_oom frees what it can and flushes the collected releases. */
    void oom() {
        if (!isEmpty()) {
            return;
        }
        oomRunning = true;
        flushIfAny();
        oomRunning = false;
    }

    // ================================================================== report and checkpoint

    /** Report keys {@code releases} and {@code release_ring_pushes}. */
    void report(Map<String, Object> out) {
        out.put("releases", releases.get());
        out.put("release_ring_pushes", pushes.get());
    }

    void saveOomRunning(StateWriter w) {
        w.putBoolean(oomRunning);
    }

    /** num_free_res, last release memory and offset. */
    void saveChain(StateWriter w) {
        w.putInt(numFreeRes).putInt(lastReleaseMem).putLong(lastReleaseOff);
    }

    Runnable restoreOomRunning(StateReader r) throws InputException {
        boolean v = r.getBoolean();
        return () -> oomRunning = v;
    }

    /** Reads what {@link #saveChain} wrote; checked with the other counters ({@link QxlCheckpoint#COUNTERS}). */
    Runnable restoreChain(StateReader r, QxlCheckpoint ck) throws InputException {
        int nFree = r.getInt();
        int nLastMem = r.getInt();
        long nLastOff = r.getLong();
        ck.check(nFree >= 0 && nLastMem >= -1 && nLastMem <= 1, QxlCheckpoint.COUNTERS);
        return () -> {
            numFreeRes = nFree;
            lastReleaseMem = nLastMem;
            lastReleaseOff = nLastOff;
        };
    }
}
