package dev.gvsim.qxldevice.spice;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client-side image cache the optimized algorithm keeps a mirror of (SPICE's pixmap cache:
 * an image sent once with CACHE_ME is referenced afterwards as SPICE_IMAGE_TYPE_FROM_CACHE;
 * docs/facts/qxl.md §7.3), keyed by a 64-bit hash of the image's size and pixels rather than by the
 * guest's image id (the Linux driver sends id 0 and no cache flag). Least recently used images are
 * evicted when the raw bytes held would exceed the capacity.
 */
public final class ImageCache {
    private final long capacity;
    private final LinkedHashMap<Long, Long> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long held;
    private long lookups;
    private long hits;
    private long evictions;

    public ImageCache(long capacityBytes) {
        this.capacity = Math.max(0, capacityBytes);
    }

    /** 64-bit content hash of {@code w x h} pixels (size mixed in, so a 2x8 and an 8x2 image differ). */
    public static long hash(int[] px, int w, int h) {
        long x = 0x9E3779B97F4A7C15L ^ ((long) w << 32 | (h & 0xFFFF_FFFFL));
        int n = w * h;
        for (int i = 0; i < n; i++) {
            x = (x ^ (px[i] & 0xFFFFFFFFL)) * 0xFF51AFD7ED558CCDL;
            x ^= x >>> 29;
        }
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return x;
    }

    /** True if the image is cached (counted as a hit and made most recent); otherwise false (a miss). */
    public boolean lookup(long key) {
        lookups++;
        if (entries.get(key) != null) {
            hits++;
            return true;
        }
        return false;
    }

    /** Adds an image of {@code bytes} raw bytes; false if it is larger than the whole cache. */
    public boolean insert(long key, long bytes) {
        if (bytes > capacity) {
            return false;
        }
        Long old = entries.put(key, bytes);
        held += bytes - (old == null ? 0 : old);
        Iterator<Map.Entry<Long, Long>> it = entries.entrySet().iterator();
        while (held > capacity && it.hasNext()) {
            Map.Entry<Long, Long> e = it.next();
            if (e.getKey() == key) {
                continue;
            }
            held -= e.getValue();
            it.remove();
            evictions++;
        }
        return true;
    }

    public long lookups() {
        return lookups;
    }

    public long hits() {
        return hits;
    }

    public long evictions() {
        return evictions;
    }

    public int size() {
        return entries.size();
    }

    public long heldBytes() {
        return held;
    }
}
