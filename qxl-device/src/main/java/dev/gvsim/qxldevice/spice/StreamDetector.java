package dev.gvsim.qxldevice.spice;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SPICE's video-stream detection (spice-server video-stream.c; docs/facts/qxl.md §7.2): a copy
 * drawable of at least {@code qxl.spice.stream_min_size} in both directions that lands on exactly
 * the box of the previous one, within {@code qxl.spice.stream_max_delta} of it, counts one more
 * frame of a candidate; after {@code qxl.spice.stream_frames_start} frames, of which at least
 * {@code qxl.spice.stream_gradual_fraction} were photographic (graduality HIGH), the box becomes a
 * stream. A stream sends at most {@code qxl.spice.stream_max_fps} frames per second (a frame closer
 * than 0.9 of the interval to the last one sent is dropped) and is destroyed after {@code qxl.spice.stream_timeout} without a frame.
 */
final class StreamDetector {
    /** What to do with a frame. */
    static final int NOT_STREAM = 0;
    static final int CREATE_AND_SEND = 1;
    static final int SEND = 2;
    static final int DROP = 3;

    private static final class Candidate {
        int frames;
        int gradual;
        long lastPs;
        boolean streaming;
        long lastSentPs;
    }

    private final SpiceParams prm;
    private final Map<Box, Candidate> candidates = new LinkedHashMap<>();
    long created;
    long destroyed;

    StreamDetector(SpiceParams prm) {
        this.prm = prm;
    }

    /** True if {@code b} is large enough to be a stream. */
    boolean eligible(Box b) {
        return b.width() >= prm.streamMinSize && b.height() >= prm.streamMinSize;
    }

    /** Whether the box is a stream now (before this frame is counted). */
    boolean streaming(Box b) {
        Candidate c = candidates.get(b);
        return c != null && c.streaming;
    }

    /** A copy drawable of box {@code b} at {@code t}; {@code gradual} = its graduality is HIGH. */
    int frame(Box b, long t, boolean gradual) {
        Candidate c = candidates.get(b);
        if (c == null) {
            c = new Candidate();
            candidates.put(b, c);
        } else if (!c.streaming && t - c.lastPs > prm.streamMaxDeltaPs) {
            c.frames = 0;
            c.gradual = 0;
        }
        c.lastPs = t;
        if (c.streaming) {
            // a tenth of the interval of slack, so frames at exactly MAX_FPS are not dropped for a rounding picosecond (gvsim)
            if (t - c.lastSentPs >= prm.streamMinIntervalPs - prm.streamMinIntervalPs / 10) {
                c.lastSentPs = t;
                return SEND;
            }
            return DROP;
        }
        c.frames++;
        if (gradual) {
            c.gradual++;
        }
        if (c.frames >= prm.streamFrames && c.gradual >= prm.streamGradual * c.frames) {
            c.streaming = true;
            c.lastSentPs = t;
            created++;
            return CREATE_AND_SEND;
        }
        return NOT_STREAM;
    }

    /** Ends the streams and forgets the candidates idle at {@code t}; returns the streams destroyed. */
    int expire(long t) {
        int n = 0;
        for (Iterator<Candidate> it = candidates.values().iterator(); it.hasNext();) {
            Candidate c = it.next();
            if (c.streaming && t - c.lastPs > prm.streamTimeoutPs) {
                it.remove();
                destroyed++;
                n++;
            } else if (!c.streaming && t - c.lastPs > prm.streamMaxDeltaPs) {
                it.remove();
            }
        }
        return n;
    }

    /** Streams running now. */
    int active() {
        int n = 0;
        for (Candidate c : candidates.values()) {
            if (c.streaming) {
                n++;
            }
        }
        return n;
    }
}
