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

    private final List<Item> pending = new ArrayList<>();
    private final ImageCache cache;
    private final StreamDetector streams;
    long dropped;
    long partlyCovered;
    long merges;
    long streamFrames;
    long streamDropped;

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
                sendFill(bucket);
                continue;
            }
            if (!it.opaque) {
                rest.add(b);
                continue;
            }
            int[] px = read(b);
            long key = ImageCache.hash(px, b.width(), b.height());
            if (cache.lookup(key)) {
                send(bucket, SpiceWire.drawCopyFromCacheBytes());
                continue;
            }
            send(bucket, encodeClassified(px, b.width(), b.height()));
            cache.insert(key, b.area() * 4);
        }
        // 4. coalesce the rest by cost, then 5. encode
        for (Box b : coalesce(rest)) {
            send(bucket, encodeClassified(read(b), b.width(), b.height()));
        }
        for (int k = streams.expire(endPs); k > 0; k--) {
            send(bucket, SpiceWire.MINI_HEADER + SpiceWire.STREAM_DESTROY);
        }
        pending.clear();
    }

    /** A draw_copy of the pixels: JPEG if photographic (graduality HIGH), else lossless. */
    private int encodeClassified(int[] px, int w, int h) {
        if (w * h * 4 >= SpiceWire.MIN_COMPRESS_BYTES && Graduality.level(px, w, h) == Graduality.HIGH) {
            imagesJpeg++;
            return SpiceWire.drawCopyBytes(SpiceWire.BINARY_DATA + jpegSize(px, w, h, prm.jpegQuality));
        }
        return encodeLossless(px, w, h);
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
