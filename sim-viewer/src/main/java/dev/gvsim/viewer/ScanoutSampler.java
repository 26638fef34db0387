package dev.gvsim.viewer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;

/**
 * Simulation thread: reads what each display device shows and publishes a {@link Frame} for every
 * output whose picture changed since it was last published. The outputs are those
 * {@code replay --dump-scanout} writes: per device its first active 32-bit {@link Scanout} (QXL's
 * primary surface before its VBE framebuffer), plus each further active {@code scanout<k>} head.
 * Each output keeps one screen slot, in order of first appearance; an output that goes dark is
 * published once as an empty (0x0) frame.
 *
 * <p>A sample reads every output into a shadow copy (allocated when an output first appears or
 * grows) and compares; no per-sample allocation otherwise.
 */
public final class ScanoutSampler {
    private final FrameExchange exchange;
    private final Map<String, Output> outputs = new HashMap<>();
    private final List<Output> bySlot = new ArrayList<>();
    private int[] row = new int[0];
    private long samples;

    private static final class Output {
        final String key;
        final int slot;
        String caption = "";
        int width;
        int height;
        int[] shadow = new int[0];
        boolean published; // the shadow's content has reached the exchange
        boolean seenThisSample;

        Output(String key, int slot) {
            this.key = key;
            this.slot = slot;
        }
    }

    public ScanoutSampler(FrameExchange exchange) {
        this.exchange = exchange;
    }

    /** Samples taken so far. */
    public long samples() {
        return samples;
    }

    /** Screen slots assigned so far (one per output ever seen). */
    public int slots() {
        return bySlot.size();
    }

    /**
     * Reads every output; publishes those that changed (all of them, changed or not, when
     * {@code last}, flagged as the final picture).
     */
    public void sample(List<PciFunction> devices, long record, long timePs, boolean last) {
        samples++;
        for (Output o : bySlot) {
            o.seenThisSample = false;
        }
        for (PciFunction f : devices) {
            Scanout first = null;
            for (Scanout s : f.scanouts()) {
                if (s.active()) {
                    first = s;
                    break;
                }
            }
            if (first == null || !drawable(first)) {
                continue;
            }
            read(f.id(), f.id(), first, record, timePs, last);
            for (Scanout o : f.scanouts()) {
                if (o != first && o.active() && drawable(o) && isHead(o.name())) {
                    read(f.id() + " " + o.name(), f.id(), o, record, timePs, last);
                }
            }
        }
        for (Output o : bySlot) {
            if (!o.seenThisSample && (o.width != 0 || !o.published || last)) {
                o.width = 0;
                o.height = 0;
                o.caption = o.key + " (no active output)";
                publish(o, record, timePs, last);
            }
        }
    }

    private static boolean drawable(Scanout s) {
        return s.bitsPerPixel() == 32 && s.width() > 0 && s.height() > 0;
    }

    /** {@code scanout<digits>}: a further head of a multi-output device (not an alternative view). */
    private static boolean isHead(String name) {
        if (!name.startsWith("scanout") || name.length() == "scanout".length()) {
            return false;
        }
        for (int i = "scanout".length(); i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private void read(String key, String device, Scanout s, long record, long timePs, boolean last) {
        Output o = outputs.get(key);
        if (o == null) {
            o = new Output(key, bySlot.size());
            outputs.put(key, o);
            bySlot.add(o);
        }
        o.seenThisSample = true;
        int w = s.width();
        int h = s.height();
        boolean changed = !o.published || w != o.width || h != o.height;
        if (o.shadow.length < w * h) {
            o.shadow = new int[w * h];
        }
        if (row.length < w) {
            row = new int[w];
        }
        o.width = w;
        o.height = h;
        int[] sh = o.shadow;
        for (int y = 0; y < h; y++) {
            s.readRow(y, row);
            int base = y * w;
            if (!changed) {
                for (int x = 0; x < w; x++) {
                    if (sh[base + x] != row[x]) {
                        changed = true;
                        break;
                    }
                }
            }
            System.arraycopy(row, 0, sh, base, w);
        }
        if (changed) {
            o.published = false;
            o.caption = device + " " + s.name() + " (" + w + "x" + h + ")";
        }
        if (!o.published || last) {
            publish(o, record, timePs, last);
        }
    }

    private void publish(Output o, long record, long timePs, boolean last) {
        Frame f = last ? exchange.acquireLast() : exchange.acquire();
        if (f == null) {
            return; // dropped (counted by the exchange); o.published stays false: the next sample retries
        }
        f.size(o.width, o.height);
        System.arraycopy(o.shadow, 0, f.pixels, 0, o.width * o.height);
        f.source = o.caption;
        f.slot = o.slot;
        f.record = record;
        f.timePs = timePs;
        f.last = last;
        exchange.publish(f);
        o.published = true;
    }
}
