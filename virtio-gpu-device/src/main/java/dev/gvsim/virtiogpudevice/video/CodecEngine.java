package dev.gvsim.virtiogpudevice.video;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The host's hardware video codec engine in simulated time (docs/facts/virtio-gpu.md §4.4's model):
 * a frame of P pixels and B bits occupies an instance for {@code frame_setup + max(P / pixel rate,
 * B / bitrate cap)}, the pixel rate being the engine's for that codec and direction; frames queue
 * FIFO for the first free instance, so concurrent sessions share the engine's rate; decode and
 * encode use one set of instances when the engine shares them ({@code shared_decode_encode}), else
 * one set each. Busy time, frames, pixels and bits are kept per direction; utilisation is busy time
 * over elapsed time and instances. No allocation per frame.
 */
public final class CodecEngine {
    private final EngineProfile p;
    /** When each instance is next free: decode instances, then encode ones (the same when shared). */
    private final long[] decFree;
    private final long[] encFree;

    long decodeFrames;
    long encodeFrames;
    long decodePixels;
    long encodePixels;
    long decodeBits;
    long encodeBits;
    long decodeBusyPs;
    long encodeBusyPs;
    /** Frames whose time was set by the bitrate cap rather than the pixel rate. */
    long bitrateBound;
    /** Time frames waited for a free instance (another session's frames ahead of them). */
    long queuedPs;
    long firstStartPs = -1;
    long lastDonePs;

    public CodecEngine(EngineProfile profile) {
        p = profile;
        decFree = new long[profile.instances()];
        encFree = profile.sharedDecodeEncode() ? decFree : new long[profile.instances()];
    }

    public EngineProfile profile() {
        return p;
    }

    /** How long one frame occupies an instance, in ps. */
    public long serviceTime(boolean encode, boolean hevc, long pixels, long bits) {
        double rate = encode ? (hevc ? p.encodeH265() : p.encodeH264()) : (hevc ? p.decodeH265() : p.decodeH264());
        double pixelPs = pixels / rate * 1e12;
        double bitPs = bits / p.bitrateCap() * 1e12;
        return p.frameSetupPs() + (long) Math.ceil(Math.max(pixelPs, bitPs));
    }

    /**
     * A frame submitted at {@code now}: queued for the first free instance; returns when it is done.
     */
    public long submit(long now, boolean encode, boolean hevc, long pixels, long bits) {
        long[] free = encode ? encFree : decFree;
        int best = 0;
        for (int i = 1; i < free.length; i++) {
            if (free[i] < free[best]) {
                best = i;
            }
        }
        long start = Math.max(now, free[best]);
        long t = serviceTime(encode, hevc, pixels, bits);
        double rate = encode ? (hevc ? p.encodeH265() : p.encodeH264()) : (hevc ? p.decodeH265() : p.decodeH264());
        if (bits / p.bitrateCap() > pixels / rate) {
            bitrateBound++;
        }
        long done = start + t;
        free[best] = done;
        queuedPs += start - now;
        if (firstStartPs < 0) {
            firstStartPs = start;
        }
        lastDonePs = Math.max(lastDonePs, done);
        if (encode) {
            encodeFrames++;
            encodePixels += pixels;
            encodeBits += bits;
            encodeBusyPs += t;
        } else {
            decodeFrames++;
            decodePixels += pixels;
            decodeBits += bits;
            decodeBusyPs += t;
        }
        return done;
    }

    /** When every frame submitted so far is done. */
    public long idleAt() {
        return lastDonePs;
    }

    public long decodeFrames() {
        return decodeFrames;
    }

    public long encodeFrames() {
        return encodeFrames;
    }

    /** Busy time of one direction's instances over {@code elapsedPs}, in percent of their capacity. */
    public double utilisation(boolean encode, long elapsedPs) {
        int n = p.instances();
        long busy = encode ? encodeBusyPs : decodeBusyPs;
        if (p.sharedDecodeEncode()) {
            busy = encodeBusyPs + decodeBusyPs;
        }
        return elapsedPs <= 0 ? 0 : 100.0 * busy / ((double) elapsedPs * n);
    }

    public Map<String, Object> report(long nowPs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", p.name());
        m.put("instances", p.instances());
        m.put("shared_decode_encode", p.sharedDecodeEncode());
        m.put("decode_frames", decodeFrames);
        m.put("encode_frames", encodeFrames);
        m.put("decode_pixels", decodePixels);
        m.put("encode_pixels", encodePixels);
        m.put("decode_bits", decodeBits);
        m.put("encode_bits", encodeBits);
        m.put("decode_busy_ps", decodeBusyPs);
        m.put("encode_busy_ps", encodeBusyPs);
        m.put("bitrate_bound_frames", bitrateBound);
        m.put("queued_ps", queuedPs);
        m.put("first_start_ps", firstStartPs);
        m.put("last_done_ps", lastDonePs);
        long span = Math.max(nowPs, lastDonePs) - Math.max(0, firstStartPs);
        m.put("decode_utilisation_pct", Math.round(utilisation(false, span) * 100) / 100.0);
        m.put("encode_utilisation_pct", Math.round(utilisation(true, span) * 100) / 100.0);
        return m;
    }

    public void save(StateWriter w) {
        w.putInt(decFree.length);
        for (long f : decFree) {
            w.putLong(f);
        }
        for (long f : encFree) {
            w.putLong(f);
        }
        w.putLong(decodeFrames).putLong(encodeFrames).putLong(decodePixels).putLong(encodePixels).putLong(decodeBits).putLong(encodeBits)
                .putLong(decodeBusyPs).putLong(encodeBusyPs).putLong(bitrateBound).putLong(queuedPs).putLong(firstStartPs).putLong(lastDonePs);
    }

    public void restore(StateReader r) throws InputException {
        int n = r.getInt();
        if (n != decFree.length) {
            throw new InputException("checkpoint video engine: " + n + " instances, this engine has " + decFree.length);
        }
        long[] d = new long[n];
        long[] e = new long[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.getLong();
        }
        for (int i = 0; i < n; i++) {
            e[i] = r.getLong();
        }
        long[] v = new long[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.getLong();
        }
        System.arraycopy(d, 0, decFree, 0, n);
        System.arraycopy(e, 0, encFree, 0, n);
        decodeFrames = v[0];
        encodeFrames = v[1];
        decodePixels = v[2];
        encodePixels = v[3];
        decodeBits = v[4];
        encodeBits = v[5];
        decodeBusyPs = v[6];
        encodeBusyPs = v[7];
        bitrateBound = v[8];
        queuedPs = v[9];
        firstStartPs = v[10];
        lastDonePs = v[11];
    }
}
