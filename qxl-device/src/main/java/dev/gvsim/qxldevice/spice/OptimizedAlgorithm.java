package dev.gvsim.qxldevice.spice;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code optimized}: the drawables of one update period are held and, at its end,
 * <ol>
 * <li>each loses what later opaque drawables of the period cover (SPICE's drawable tree drops
 * covered drawables before sending; docs/facts/qxl.md §7.1); wholly covered ones cost nothing;</li>
 * <li>a copy of a box that is a video stream (or becomes one: {@link StreamDetector}) goes out as
 * an MJPEG stream frame, rate-limited;</li>
 * <li>a wholly visible fill is a draw_fill; a wholly visible copy is looked up by content hash in
 * the client's image cache ({@link ImageCache}): a hit is a FROM_CACHE reference, a miss is encoded
 * and cached;</li>
 * <li>what is left (partly covered copies, non-opaque drawables) is coalesced greedily: two boxes
 * are merged while one message for their bounding box costs less than two
 * ({@code qxl.spice.merge_bytes_per_pixel} per pixel plus the message overhead);</li>
 * <li>every image sent is classified by SPICE's graduality ({@link Graduality}): photographic
 * (HIGH) goes through the lossy JPEG path, the rest through the lossless LZ-family codec.</li>
 * </ol>
 * Boxes carry the surface's pixels at the end of the period, so the client ends each update with
 * the server's surface (streams excepted: a dropped stream frame is a lossy choice, as in SPICE).
 */
final class OptimizedAlgorithm extends UpdateAlgorithm {
    /** Most pieces one drawable's visible region is split into before its whole box is kept instead. */
    static final int MAX_PIECES = 64;
    /** Most boxes the coalescing pass considers pairwise; beyond, the rest are merged into their bounding box. */
    static final int MAX_MERGE = 128;

    private record Item(long t, int kind, boolean opaque, Box box, int color) {
    }

    /** Side of the tiles compared against what the client shows (gvsim choice). */
    static final int TILE = 16;
    /** A client pixel the server does not know exactly (sent lossy); never equal to a 0x00RRGGBB pixel. */
    static final int UNKNOWN = -1;

    private final List<Item> pending = new ArrayList<>();
    /** What the client shows, as far as the server knows (UNKNOWN where it sent lossy pixels or nothing yet). */
    private int[] mirror = new int[0];
    private int mirrorW;
    private int mirrorH;
    private final ImageCache cache;
    private final StreamDetector streams;
    long dropped;
    long partlyCovered;
    long merges;
    long streamFrames;
    long streamDropped;
    long unchanged;
    long tilesSkipped;

    OptimizedAlgorithm(SpiceParams prm, FrameSource src) {
        super(SpiceParams.OPTIMIZED, prm, src);
        cache = new ImageCache(prm.cacheBytes);
        streams = new StreamDetector(prm);
    }

    @Override
    void drawn(long nowPs, int bucket, int kind, boolean opaque, Box box, int color) {
        pending.add(new Item(nowPs, kind, opaque, box, color));
    }

    @Override
    void flush(int bucket, long endPs) {
        int w = src.width();
        int h = src.height();
        int n = pending.size();
        if (w != mirrorW || h != mirrorH) {
            mirrorW = w;
            mirrorH = h;
            mirror = new int[Math.max(0, w) * Math.max(0, h)];
            java.util.Arrays.fill(mirror, UNKNOWN);
        }
        // 1. visible region of each drawable against the opaque drawables after it
        List<List<Box>> visible = new ArrayList<>(n);
        List<Box> covers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            visible.add(null);
        }
        for (int i = n - 1; i >= 0; i--) {
            Item it = pending.get(i);
            Box b = it.box.clip(w, h);
            List<Box> pieces = new ArrayList<>();
            if (b != null) {
                pieces.add(b);
                for (int c = covers.size() - 1; c >= 0 && !pieces.isEmpty(); c--) {
                    Box cut = covers.get(c);
                    List<Box> next = new ArrayList<>();
                    for (Box p : pieces) {
                        p.subtract(cut, next);
                    }
                    pieces = next.size() > MAX_PIECES ? List.of(bound(next)) : next;
                }
                if (it.opaque) {
                    covers.add(b);
                }
            }
            visible.set(i, pieces);
        }
        // 2-3. streams, fills, cached copies; the rest to coalesce
        List<Box> rest = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Item it = pending.get(i);
            List<Box> pieces = visible.get(i);
            if (pieces.isEmpty()) {
                dropped++;
                continue;
            }
            Box b = it.box.clip(w, h);
            boolean whole = pieces.size() == 1 && pieces.get(0).equals(b);
            if (it.kind == DrawableListener.KIND_COPY && streams.eligible(b)) {
                int[] px = read(b);
                boolean gradual = streams.streaming(b) || Graduality.level(px, b.width(), b.height()) == Graduality.HIGH;
                int s = streams.frame(b, it.t, gradual);
                if (s != StreamDetector.NOT_STREAM) {
                    if (s == StreamDetector.CREATE_AND_SEND) {
                        send(bucket, SpiceWire.MINI_HEADER + SpiceWire.STREAM_CREATE);
                    }
                    if (s == StreamDetector.DROP) {
                        streamDropped++;
                    } else {
                        streamFrames++;
                        int size = jpegSize(px, b.width(), b.height(), prm.streamQuality);
                        send(bucket, SpiceWire.MINI_HEADER + SpiceWire.STREAM_DATA + size);
                        forget(b);
                    }
                    continue;
                }
            }
            if (!whole) {
                partlyCovered++;
                rest.addAll(pieces);
                continue;
            }
            if (it.kind == DrawableListener.KIND_FILL) {
                int[] px = read(b);
                if (shown(px, b)) {
                    unchanged++;
                    continue;
                }
                sendFill(bucket);
                remember(px, b);
                continue;
            }
            if (!it.opaque) {
                rest.add(b);
                continue;
            }
            int[] px = read(b);
            if (shown(px, b)) {
                unchanged++;
                continue;
            }
            long key = ImageCache.hash(px, b.width(), b.height());
            if (cache.lookup(key)) {
                send(bucket, SpiceWire.drawCopyFromCacheBytes());
                remember(px, b);
                continue;
            }
            List<Box> changed = changedParts(px, b);
            if (changed.size() == 1 && changed.get(0).equals(b)) {
                sendClassified(bucket, px, b);
                cache.insert(key, b.area() * 4);
            } else {
                rest.addAll(changed);
            }
        }
        // 4. coalesce the rest by cost, then 5. encode what differs from what the client shows
        List<Box> parts = new ArrayList<>();
        for (Box b : coalesce(rest)) {
            int[] px = read(b);
            if (shown(px, b)) {
                unchanged++;
                continue;
            }
            parts.addAll(changedParts(px, b));
        }
        for (Box b : parts.size() > 1 ? coalesce(parts) : parts) {
            sendClassified(bucket, read(b), b);
        }
        for (int k = streams.expire(endPs); k > 0; k--) {
            send(bucket, SpiceWire.MINI_HEADER + SpiceWire.STREAM_DESTROY);
        }
        pending.clear();
    }

    /** Sends a draw_copy of the pixels of {@code b}: JPEG if photographic (graduality HIGH), else lossless; the mirror follows. */
    private void sendClassified(int bucket, int[] px, Box b) {
        int w = b.width();
        int h = b.height();
        if (w * h * 4 >= SpiceWire.MIN_COMPRESS_BYTES && Graduality.level(px, w, h) == Graduality.HIGH) {
            imagesJpeg++;
            send(bucket, SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA + jpegSize(px, w, h, prm.jpegQuality)));
            forget(b);
            return;
        }
        send(bucket, encodeLossless(px, w, h));
        remember(px, b);
    }

    /** True if the client already shows exactly {@code px} at {@code b}. */
    private boolean shown(int[] px, Box b) {
        int w = b.width();
        for (int y = 0; y < b.height(); y++) {
            int m = (b.top() + y) * mirrorW + b.left();
            if (!java.util.Arrays.equals(px, y * w, y * w + w, mirror, m, m + w)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The parts of {@code b} that differ from what the client shows: {@value #TILE}-pixel tiles
     * from the box's corner, a row of changed tiles run together, rows of the same runs stacked;
     * {@code b} itself when half of its tiles or more changed.
     */
    private List<Box> changedParts(int[] px, Box b) {
        int w = b.width();
        int h = b.height();
        int tw = (w + TILE - 1) / TILE;
        int th = (h + TILE - 1) / TILE;
        boolean[] changed = new boolean[tw * th];
        int count = 0;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw; tx++) {
                int x0 = tx * TILE;
                int x1 = Math.min(w, x0 + TILE);
                boolean diff = false;
                for (int y = ty * TILE; y < Math.min(h, ty * TILE + TILE) && !diff; y++) {
                    int m = (b.top() + y) * mirrorW + b.left();
                    diff = !java.util.Arrays.equals(px, y * w + x0, y * w + x1, mirror, m + x0, m + x1);
                }
                changed[ty * tw + tx] = diff;
                count += diff ? 1 : 0;
            }
        }
        List<Box> out = new ArrayList<>();
        if (2 * count >= tw * th) {
            out.add(b);
            tilesSkipped += tw * th - count;
            return out;
        }
        tilesSkipped += tw * th - count;
        for (int ty = 0; ty < th; ty++) {
            for (int tx = 0; tx < tw;) {
                if (!changed[ty * tw + tx]) {
                    tx++;
                    continue;
                }
                int start = tx;
                while (tx < tw && changed[ty * tw + tx]) {
                    tx++;
                }
                Box r = new Box(b.left() + start * TILE, b.top() + ty * TILE, Math.min(b.right(), b.left() + tx * TILE),
                        Math.min(b.bottom(), b.top() + ty * TILE + TILE));
                int last = out.size() - 1;
                if (last >= 0 && out.get(last).left() == r.left() && out.get(last).right() == r.right() && out.get(last).bottom() == r.top()) {
                    out.set(last, out.get(last).union(r));
                } else {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** The client now shows {@code px} at {@code b}. */
    private void remember(int[] px, Box b) {
        int w = b.width();
        for (int y = 0; y < b.height(); y++) {
            System.arraycopy(px, y * w, mirror, (b.top() + y) * mirrorW + b.left(), w);
        }
    }

    /** The client shows lossy pixels at {@code b}: nothing there is known exactly. */
    private void forget(Box b) {
        for (int y = b.top(); y < b.bottom(); y++) {
            java.util.Arrays.fill(mirror, y * mirrorW + b.left(), y * mirrorW + b.right(), UNKNOWN);
        }
    }

    private double cost(Box b) {
        return SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA) + b.area() * prm.mergeBytesPerPixel;
    }

    /** Greedy pairwise merging while one message for the union costs less than two. */
    List<Box> coalesce(List<Box> in) {
        List<Box> boxes = new ArrayList<>(in);
        if (boxes.size() > MAX_MERGE) {
            List<Box> tail = boxes.subList(MAX_MERGE - 1, boxes.size());
            Box b = bound(tail);
            tail.clear();
            boxes.add(b);
        }
        while (boxes.size() > 1) {
            int bi = -1;
            int bj = -1;
            double best = 0;
            for (int i = 0; i < boxes.size(); i++) {
                for (int j = i + 1; j < boxes.size(); j++) {
                    Box a = boxes.get(i);
                    Box c = boxes.get(j);
                    double gain = cost(a) + cost(c) - cost(a.union(c));
                    if (gain > best) {
                        best = gain;
                        bi = i;
                        bj = j;
                    }
                }
            }
            if (bi < 0) {
                break;
            }
            Box u = boxes.get(bi).union(boxes.get(bj));
            boxes.remove(bj);
            boxes.set(bi, u);
            merges++;
        }
        return boxes;
    }

    private static Box bound(List<Box> l) {
        Box b = l.get(0);
        for (Box x : l) {
            b = b.union(x);
        }
        return b;
    }

    @Override
    void reportMore(Map<String, Object> out) {
        out.put("drawables_dropped_covered", dropped);
        out.put("drawables_partly_covered", partlyCovered);
        out.put("rects_merged", merges);
        out.put("drawables_unchanged", unchanged);
        out.put("tiles_unchanged", tilesSkipped);
        out.put("cache_lookups", cache.lookups());
        out.put("cache_hits", cache.hits());
        out.put("cache_hit_rate", cache.lookups() == 0 ? 0.0 : Math.round(1000.0 * cache.hits() / cache.lookups()) / 1000.0);
        out.put("cache_evictions", cache.evictions());
        out.put("streams_created", streams.created);
        out.put("streams_destroyed", streams.destroyed);
        out.put("stream_frames", streamFrames);
        out.put("stream_frames_dropped", streamDropped);
    }
}
