package dev.gvsim.machine.forwarding;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One named component of a forwarding pipeline: where it runs ({@link #resource}), which link its
 * bytes cross when it is a copy ({@link #link}), and what it did in a run: jobs, bytes, busy time.
 * Mutable counters, no allocation per job.
 */
public final class Stage {
    /** Links a copy can cross (docs/facts/sharing-passthrough.md §3.3). */
    public static final String PCIE = "pcie";
    public static final String DRAM = "dram";
    public static final String HOST_GPU = "host-gpu";
    /** Not a copy. */
    public static final String NONE = "-";

    public final String name;
    public final String resource;
    public final String link;
    public final String doc;
    /** A copy of its bytes across {@link #link}; false for a read that crosses the link without making a copy (a dma-buf import). */
    private final boolean copy;
    long jobs;
    long bytes;
    long busyPs;

    Stage(String name, String resource, String link, String doc) {
        this(name, resource, link, !NONE.equals(link), doc);
    }

    Stage(String name, String resource, String link, boolean copy, String doc) {
        this.name = name;
        this.resource = resource;
        this.link = link;
        this.copy = copy;
        this.doc = doc;
    }

    public boolean copy() {
        return copy;
    }

    /** Its bytes cross {@link #link} (as a copy or as a read). */
    public boolean crossesLink() {
        return !NONE.equals(link);
    }

    void add(long b, long ps) {
        jobs++;
        bytes += b;
        busyPs += ps;
    }

    public long jobs() {
        return jobs;
    }

    public long bytes() {
        return bytes;
    }

    public long busyPs() {
        return busyPs;
    }

    Map<String, Object> report(long frames) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("on", resource);
        m.put("link", link);
        if (!copy && crossesLink()) {
            m.put("copy", false);
        }
        m.put("jobs", jobs);
        m.put("bytesPerFrame", frames == 0 ? null : Math.round((double) bytes / frames));
        m.put("msPerFrame", frames == 0 ? null : Math.round(busyPs / 1e6 / frames) / 1000.0);
        m.put("what", doc);
        return m;
    }
}
