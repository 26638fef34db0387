package dev.gvsim.qxldevice.spice;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * The remote-display (SPICE display channel) parameters: which update algorithms run, the update
 * period, the codecs' settings and throughputs, SPICE's stream-detection thresholds
 * (docs/facts/qxl.md §7.2) and the image cache. Read once when the pipeline is built.
 */
public final class SpiceParams {
    public static final String FULL_FRAME = "full-frame";
    public static final String DIRTY_RECTS = "dirty-rects";
    public static final String OPTIMIZED = "optimized";
    /** Every algorithm, in report order. */
    public static final List<String> ALGORITHMS = List.of(FULL_FRAME, DIRTY_RECTS, OPTIMIZED);

    public static final ParamDef P_ALGORITHMS = ParamDef.string("qxl.spice.algorithms", "none",
            "gvsim (issue 24): the remote-display side is off unless asked for, so QXL runs stay as they were",
            "Remote-display update algorithms fed from the worker's drawables: none, all, or a comma list of full-frame, dirty-rects, optimized.");
    public static final ParamDef P_UPDATE_PERIOD = ParamDef.duration("qxl.spice.update_period", "33ms",
            "gvsim choice: one display-channel update per 1/30 s, spice-server's stream MAX_FPS (docs/facts/qxl.md §7.2)",
            "Interval at which full-frame and optimized send what the drawables of the interval changed; also the report's time-series bucket.");
    public static final ParamDef P_LZ_LEVEL = ParamDef.longParam("qxl.spice.lz_level", 1, "level",
            "gvsim choice: java.util.zip.Deflater level 1, the fastest LZ77 setting, standing for spice-server's LZ/GLZ (fast LZ, no entropy stage)",
            "Compression level (1..9) of the lossless LZ-family codec used for synthetic content.");
    public static final ParamDef P_JPEG_QUALITY = ParamDef.longParam("qxl.spice.jpeg_quality", 85, "percent",
            "gvsim choice: a high still-image quality for spice-server's jpeg-wan-compression path (docs/facts/qxl.md §7.3); not a spice-server constant",
            "javax.imageio JPEG quality (1..100) for photographic still images.");
    public static final ParamDef P_STREAM_QUALITY = ParamDef.longParam("qxl.spice.stream_jpeg_quality", 70, "percent",
            "gvsim choice: spice-server's MJPEG encoder adapts quality to the bit rate (mjpeg-encoder.c); a fixed mid quality here",
            "JPEG quality (1..100) of each stream frame (MJPEG).");
    public static final ParamDef P_LZ_BANDWIDTH = ParamDef.doubleParam("qxl.spice.lz_encode_bandwidth", 170.0, "MB/s",
            "measured (low authority: a shared 2-core x86 VM, not the server): Deflater level 1 on a 256x256 synthetic image, "
                    + "SpiceEncoderBenchmark.lossless, benchmarks/RESULTS.md issue 24 (47 MB/s on a photographic one)",
            "Raw pixel bytes per second the server's lossless encoder takes in; gives the simulated encode time.");
    public static final ParamDef P_JPEG_BANDWIDTH = ParamDef.doubleParam("qxl.spice.jpeg_encode_bandwidth", 100.0, "MB/s",
            "measured (low authority: a shared 2-core x86 VM, not the server): javax.imageio JPEG quality 85 on a 256x256 photographic "
                    + "image, SpiceEncoderBenchmark.jpeg, benchmarks/RESULTS.md issue 24",
            "Raw pixel bytes per second the server's JPEG/MJPEG encoder takes in; gives the simulated encode time.");
    public static final ParamDef P_STREAM_FRAMES = ParamDef.longParam("qxl.spice.stream_frames_start", 20, "frames",
            "spice-server RED_STREAM_FRAMES_START_CONDITION (docs/facts/qxl.md §7.2)",
            "Frames of the same size and place, each within qxl.spice.stream_max_delta of the last, before a region becomes a stream.");
    public static final ParamDef P_STREAM_MAX_DELTA = ParamDef.duration("qxl.spice.stream_max_delta", "200ms",
            "spice-server RED_STREAM_DETECTION_MAX_DELTA (docs/facts/qxl.md §7.2)",
            "Largest gap between two frames of a stream candidate.");
    public static final ParamDef P_STREAM_MIN_SIZE = ParamDef.longParam("qxl.spice.stream_min_size", 96, "pixels",
            "spice-server RED_STREAM_MIN_SIZE 96x96 (docs/facts/qxl.md §7.2)",
            "Smallest width and height of a stream.");
    public static final ParamDef P_STREAM_GRADUAL = ParamDef.doubleParam("qxl.spice.stream_gradual_fraction", 0.2, "fraction",
            "spice-server GRADUAL_FRAMES_START_CONDITION (docs/facts/qxl.md §7.2)",
            "Fraction of a candidate's frames that must be photographic (graduality HIGH) for it to become a stream.");
    public static final ParamDef P_STREAM_MAX_FPS = ParamDef.longParam("qxl.spice.stream_max_fps", 30, "fps",
            "spice-server MAX_FPS (docs/facts/qxl.md §7.2)",
            "Most frames per second a stream sends; frames coming faster are dropped.");
    public static final ParamDef P_STREAM_TIMEOUT = ParamDef.duration("qxl.spice.stream_timeout", "1s",
            "spice-server stream timeout (docs/facts/qxl.md §7.2)",
            "A stream with no frame for this long is destroyed.");
    public static final ParamDef P_CACHE_BYTES = ParamDef.longParam("qxl.spice.image_cache_bytes", 64L << 20, "bytes",
            "gvsim choice: the client announces its cache size in SpiceMsgcClientInfo.cache_size (spice.proto main channel); 64 MiB here",
            "Raw pixel bytes the optimized algorithm's content-hash image cache may hold (least recently used evicted).");
    public static final ParamDef P_MERGE_BPP = ParamDef.doubleParam("qxl.spice.merge_bytes_per_pixel", 0.5, "bytes/pixel",
            "estimate (low authority): encoded bytes per pixel of UI content under the lossless codec, the order the scenario's workloads measure",
            "Cost the optimized algorithm assumes per pixel when it decides whether merging two rectangles pays off against a message.");
    public static final ParamDef P_SERIES_MAX = ParamDef.longParam("qxl.spice.series_max_buckets", 4096, "buckets",
            "gvsim bound on report size",
            "Most update periods kept in the bytes-over-time series of the report; later ones are summed into the last.");

    public static final List<ParamDef> ALL = List.of(P_ALGORITHMS, P_UPDATE_PERIOD, P_LZ_LEVEL, P_JPEG_QUALITY, P_STREAM_QUALITY,
            P_LZ_BANDWIDTH, P_JPEG_BANDWIDTH, P_STREAM_FRAMES, P_STREAM_MAX_DELTA, P_STREAM_MIN_SIZE, P_STREAM_GRADUAL, P_STREAM_MAX_FPS,
            P_STREAM_TIMEOUT, P_CACHE_BYTES, P_MERGE_BPP, P_SERIES_MAX);

    public final List<String> algorithms;
    public final long updatePeriodPs;
    public final int lzLevel;
    public final int jpegQuality;
    public final int streamQuality;
    public final double lzBytesPerPs;
    public final double jpegBytesPerPs;
    public final int streamFrames;
    public final long streamMaxDeltaPs;
    public final int streamMinSize;
    public final double streamGradual;
    public final long streamMinIntervalPs;
    public final long streamTimeoutPs;
    public final long cacheBytes;
    public final double mergeBytesPerPixel;
    public final int seriesMax;

    private SpiceParams(Params p) {
        algorithms = parseAlgorithms(p.getString(P_ALGORITHMS));
        updatePeriodPs = p.getDuration(P_UPDATE_PERIOD);
        if (updatePeriodPs < 1_000_000L) {
            throw new IllegalArgumentException("parameter 'qxl.spice.update_period': must be at least 1us, got " + p.getString(P_UPDATE_PERIOD));
        }
        lzLevel = (int) range(p, P_LZ_LEVEL, 1, 9);
        jpegQuality = (int) range(p, P_JPEG_QUALITY, 1, 100);
        streamQuality = (int) range(p, P_STREAM_QUALITY, 1, 100);
        lzBytesPerPs = positive(p, P_LZ_BANDWIDTH) * 1e6 / 1e12;
        jpegBytesPerPs = positive(p, P_JPEG_BANDWIDTH) * 1e6 / 1e12;
        streamFrames = (int) range(p, P_STREAM_FRAMES, 1, 1_000_000);
        streamMaxDeltaPs = p.getDuration(P_STREAM_MAX_DELTA);
        streamMinSize = (int) range(p, P_STREAM_MIN_SIZE, 1, 65536);
        double g = p.getDouble(P_STREAM_GRADUAL);
        if (!(g >= 0 && g <= 1)) {
            throw new IllegalArgumentException("parameter 'qxl.spice.stream_gradual_fraction': must be in 0..1, got " + g);
        }
        streamGradual = g;
        streamMinIntervalPs = 1_000_000_000_000L / range(p, P_STREAM_MAX_FPS, 1, 1000);
        streamTimeoutPs = p.getDuration(P_STREAM_TIMEOUT);
        cacheBytes = range(p, P_CACHE_BYTES, 0, 1L << 40);
        mergeBytesPerPixel = positive(p, P_MERGE_BPP);
        seriesMax = (int) range(p, P_SERIES_MAX, 1, 1 << 20);
    }

    /** Reads the parameters; a value out of range is an {@link IllegalArgumentException} naming it. */
    public static SpiceParams from(Params p) {
        p.declareAll(ALL);
        return new SpiceParams(p);
    }

    /** The algorithms named by {@code qxl.spice.algorithms}, in report order; empty for none. */
    public static List<String> parseAlgorithms(String text) {
        String t = text == null ? "" : text.trim();
        if (t.equals("none") || t.isEmpty()) {
            return List.of();
        }
        if (t.equals("all")) {
            return ALGORITHMS;
        }
        List<String> want = new ArrayList<>();
        for (String s : t.split(",")) {
            String a = s.trim();
            if (!ALGORITHMS.contains(a)) {
                throw new IllegalArgumentException("parameter 'qxl.spice.algorithms': unknown algorithm '" + a
                        + "' (expected none, all, or a comma list of " + String.join(", ", ALGORITHMS) + ")");
            }
            if (!want.contains(a)) {
                want.add(a);
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String a : ALGORITHMS) {
            if (want.contains(a)) {
                ordered.add(a);
            }
        }
        return List.copyOf(ordered);
    }

    private static long range(Params p, ParamDef d, long lo, long hi) {
        long v = p.getLong(d);
        if (v < lo || v > hi) {
            throw new IllegalArgumentException("parameter '" + d.name() + "': must be in " + lo + ".." + hi + ", got " + v);
        }
        return v;
    }

    private static double positive(Params p, ParamDef d) {
        double v = p.getDouble(d);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("parameter '" + d.name() + "': must be a positive number, got " + v);
        }
        return v;
    }
}
