package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The writing side shared by the importers: one reused record, the time base (t= in picoseconds
 * relative to the first timestamp, clamped so it never goes backwards), identity mappings emitted
 * once before first use, and the counters of the report.
 */
final class Emitter {
    static final long PS_PER_US = 1_000_000L;
    /** Smallest VMSAv8-64 translation granule, 4 KiB (ARM DDI 0487 D8.2); map records are aligned to it. */
    static final long PAGE = 0x1000;
    /** Index of device-ngnre in {@link TraceRecord#ATTR_NAMES}: what ioremap gives on arm64. */
    static final int ATTR_DEVICE_NGNRE = attrIndex("device-ngnre");
    /** Largest t: about 106 days of trace time; later times are an error, not an overflow. */
    private static final long MAX_US = Long.MAX_VALUE / PS_PER_US;

    final TraceWriter out;
    final TraceRecord r = new TraceRecord();
    long written;
    long clamped;
    long notes;
    long lineNo;

    private boolean haveBase;
    private long baseUs;
    private long lastPs;
    boolean lineHasT;
    long lineT;
    /**
     * Identity (or mmiotrace) mapped VA ranges: start -> end (exclusive), non-overlapping, ordered as
     * unsigned addresses (kernel VAs are negative as signed longs).
     */
    private final TreeMap<Long, Long> mapped = new TreeMap<>(Long::compareUnsigned);

    Emitter(TraceWriter out) {
        this.out = out;
    }

    private static int attrIndex(String name) {
        for (int i = 0; i < TraceRecord.ATTR_NAMES.length; i++) {
            if (TraceRecord.ATTR_NAMES[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no attr " + name);
    }

    /** Records the first timestamp of the input (the zero of t=). */
    void observeTime(long us) {
        if (!haveBase) {
            haveBase = true;
            baseUs = us;
        }
    }

    /** Sets the time of the records made from the current line, clamping (and counting) backward steps. */
    void lineTime(long us) throws InputException {
        observeTime(us);
        long d = us - baseUs;
        if (d > MAX_US) {
            throw new InputException("line " + lineNo + ": timestamp more than " + MAX_US / 1_000_000 / 86400
                    + " days after the first");
        }
        long ps = d < 0 ? -1 : d * PS_PER_US;
        if (ps < lastPs) {
            clamped++;
            ps = lastPs;
        }
        lastPs = ps;
        lineHasT = true;
        lineT = ps;
    }

    void noLineTime() {
        lineHasT = false;
    }

    /** Clears the record, sets op and the current line's time. */
    TraceRecord begin(Op op) {
        r.clear();
        r.op = op;
        r.line = lineNo;
        if (lineHasT) {
            r.hasT = true;
            r.t = lineT;
        }
        return r;
    }

    /** Like {@link #begin} with an explicit time (for the held half of a pair). */
    TraceRecord beginAt(Op op, boolean hasT, long t) {
        r.clear();
        r.op = op;
        r.line = lineNo;
        if (hasT) {
            r.hasT = true;
            r.t = t;
        }
        return r;
    }

    void emit() throws IOException {
        out.write(r);
        written++;
    }

    /** True if [va, va+size) lies inside one mapped range. */
    boolean covered(long va, long size) {
        Map.Entry<Long, Long> e = mapped.floorEntry(va);
        return e != null && Long.compareUnsigned(va + size, e.getValue()) <= 0 && Long.compareUnsigned(va, e.getValue()) < 0;
    }

    /**
     * Emits identity {@code map va=pa} records (Device-nGnRE) for the parts of the page-aligned range
     * [start, end) that no earlier map covers. Records get the current line's time.
     */
    void mapIdentity(long start, long end) throws IOException {
        long pos = start & -PAGE;
        long stop = (end + PAGE - 1) & -PAGE;
        while (Long.compareUnsigned(pos, stop) < 0) {
            Map.Entry<Long, Long> e = mapped.floorEntry(pos);
            if (e != null && Long.compareUnsigned(e.getValue(), pos) > 0) {
                pos = e.getValue();
                continue;
            }
            Long next = mapped.ceilingKey(pos);
            long segEnd = next != null && Long.compareUnsigned(next, stop) < 0 ? next : stop;
            begin(Op.MAP);
            r.va = pos;
            r.pa = pos;
            r.size = segEnd - pos;
            r.attr = ATTR_DEVICE_NGNRE;
            emit();
            mapped.put(pos, segEnd);
            pos = segEnd;
        }
    }

    /** Notes a mapping made elsewhere (mmiotrace MAP) so coverage checks see it. */
    void noteMapped(long va, long size) {
        mapped.put(va, va + size);
    }

    void noteUnmapped(long va) {
        mapped.remove(va);
    }

    /** Writes {@code meta note="text"}. */
    void note(String text) throws IOException {
        begin(Op.META);
        r.addMeta("note", text);
        emit();
        notes++;
    }
}
