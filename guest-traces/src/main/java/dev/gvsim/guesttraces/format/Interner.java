package dev.gvsim.guesttraces.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bytes to String without allocation for strings seen before: an open-addressing table keyed by
 * the UTF-8 bytes. Bounded (entries and total bytes) so that hostile input cannot grow it without
 * limit; past the bound, strings are still returned, just not shared.
 */
final class Interner {
    static final int MAX_ENTRIES = 1 << 18;
    static final long MAX_BYTES = 16L << 20;
    /** Longer strings are not interned. */
    static final int MAX_INTERNED_LEN = 4096;

    private byte[][] keys = new byte[1024][];
    private String[] values = new String[1024];
    private int[] hashes = new int[1024];
    private int count;
    private long bytes;

    String intern(byte[] b, int off, int len) {
        if (len > MAX_INTERNED_LEN) {
            return new String(b, off, len, StandardCharsets.UTF_8);
        }
        int h = hash(b, off, len);
        int mask = keys.length - 1;
        int i = h & mask;
        while (keys[i] != null) {
            if (hashes[i] == h && TextCodec.equalBytes(keys[i], b, off, len)) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        String s = new String(b, off, len, StandardCharsets.UTF_8);
        if (count >= MAX_ENTRIES || bytes + len > MAX_BYTES) {
            return s;
        }
        keys[i] = Arrays.copyOfRange(b, off, off + len);
        values[i] = s;
        hashes[i] = h;
        count++;
        bytes += len;
        if (count * 2 > keys.length) {
            grow();
        }
        return s;
    }

    private void grow() {
        byte[][] ok = keys;
        String[] ov = values;
        int[] oh = hashes;
        int n = ok.length * 2;
        keys = new byte[n][];
        values = new String[n];
        hashes = new int[n];
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] != null) {
                int i = oh[j] & (n - 1);
                while (keys[i] != null) {
                    i = (i + 1) & (n - 1);
                }
                keys[i] = ok[j];
                values[i] = ov[j];
                hashes[i] = oh[j];
            }
        }
    }

    static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = 0; i < len; i++) {
            h = (h ^ b[off + i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
