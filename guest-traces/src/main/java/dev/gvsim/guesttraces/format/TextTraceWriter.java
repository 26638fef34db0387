package dev.gvsim.guesttraces.format;

import static dev.gvsim.guesttraces.format.TextCodec.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * Writes the text form: header, then one line per record with addresses and values in hex, so that
 * {@link TextTraceReader} gives back the same records. Strings that need it are quoted with
 * {@code \"} and {@code \\} escapes. Records that break a rule are refused with an IOException.
 * {@link #close} ends the trace with its end line, {@code end records=N}.
 */
public final class TextTraceWriter implements TraceWriter {
    private static final int FLUSH_AT = 1 << 16;
    private static final int MAX_CACHED = 1 << 16;

    private final OutputStream out;
    private final Writer charOut;
    private byte[] b = new byte[FLUSH_AT + 4096];
    private int n;
    private long lastT;
    private boolean closed;
    /** Records written, for the end line. */
    private long written;
    /** Encoded (quoted if needed) bytes of strings seen before, by identity: interned strings cost a lookup. */
    private final IdentityHashMap<String, byte[]> valueCache = new IdentityHashMap<>();
    private final IdentityHashMap<String, byte[]> keyCache = new IdentityHashMap<>();

    public TextTraceWriter(OutputStream out) {
        this(out, null);
    }

    /** Writes characters (for {@code gvsim trace cat}); lines are flushed whole, so UTF-8 is never split. */
    public TextTraceWriter(Writer out) {
        this(null, out);
    }

    private TextTraceWriter(OutputStream out, Writer charOut) {
        this.out = out;
        this.charOut = charOut;
        put(HEADER_WORD);
        put(' ');
        dec(VERSION);
        put('\n');
    }

    /** One record as a text line without the newline (allocates; for messages). */
    static String format(TraceRecord r) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        TextTraceWriter w = new TextTraceWriter(bo);
        w.n = 0;
        w.lastT = Long.MIN_VALUE;
        w.record(r);
        return new String(w.b, 0, w.n - 1, StandardCharsets.UTF_8);
    }

    @Override
    public void write(TraceRecord r) throws IOException {
        if (closed) {
            throw new IOException("writer closed");
        }
        String bad = RecordRules.check(r, lastT);
        if (bad != null) {
            throw new IOException("record " + r.index + " not writable: " + bad);
        }
        int mark = n;
        try {
            record(r);
        } catch (IOException e) {
            n = mark;
            throw e;
        }
        if (r.hasT) {
            lastT = r.t;
        }
        written++;
        if (n >= FLUSH_AT) {
            drain();
        }
    }

    private void record(TraceRecord r) throws IOException {
        Op op = r.op;
        put(op.wordBytes);
        if (r.hasT) {
            key(K_T);
            dec(r.t);
        }
        if (r.cpu != 0) {
            key(K_CPU);
            dec(r.cpu);
        }
        switch (op) {
            case META:
                for (int i = 0; i < r.metaCount(); i++) {
                    put(' ');
                    String k = r.metaKey(i);
                    put(keyBytes(k));
                    put('=');
                    put(valueBytes(r.metaValue(i)));
                }
                break;
            case MACHINE:
                str(K_ARGS, r.machineArgs);
                break;
            case MAP:
                hex(K_VA, r.va);
                hex(K_PA, r.pa);
                hex(K_SIZE, r.size);
                attr(r.attr);
                break;
            case S2MAP:
                hex(K_IPA, r.ipa);
                hex(K_PA, r.pa);
                hex(K_SIZE, r.size);
                attr(r.attr);
                if (r.fwb >= 0) {
                    key(K_FWB);
                    dec(r.fwb);
                }
                break;
            case UNMAP:
                if (r.stage == 2) {
                    hex(K_IPA, r.ipa);
                    hex(K_SIZE, r.size);
                    key(K_STAGE);
                    dec(2);
                } else {
                    hex(K_VA, r.va);
                    hex(K_SIZE, r.size);
                }
                break;
            case RD:
            case WR:
                hex(K_VA, r.va);
                key(K_SIZE);
                dec(r.size);
                if (r.hasExpect) {
                    hex128(K_EXPECT, r.expectHi, r.expect);
                }
                if (r.hasVal) {
                    hex128(K_VAL, r.valHi, r.val);
                }
                if (r.flags != 0) {
                    key(K_FLAGS);
                    boolean first = true;
                    for (int i = 0; i < FLAG_BYTES.length; i++) {
                        if ((r.flags & (1 << i)) != 0) {
                            if (!first) {
                                put(',');
                            }
                            put(FLAG_BYTES[i]);
                            first = false;
                        }
                    }
                }
                break;
            case MEMCPY:
                hex(K_DST, r.dst);
                hex(K_SRC, r.src);
                hex(K_LEN, r.len);
                break;
            case MEMSET:
                hex(K_DST, r.dst);
                hex(K_LEN, r.len);
                hex(K_VAL, r.val);
                break;
            case CFGRD:
            case CFGWR:
                key(K_BDF);
                hexDigits(r.bdf >>> 8, 2);
                put(':');
                hexDigits((r.bdf >>> 3) & 0x1f, 2);
                put('.');
                hexDigits(r.bdf & 7, 1);
                hex(K_OFF, r.off);
                sizeAndData32(r);
                break;
            case IORD:
            case IOWR:
                hex(K_PORT, r.port);
                sizeAndData32(r);
                break;
            case DELAY:
                key(K_PS);
                dec(r.ps);
                break;
            case MARK:
                str(K_NAME, r.name);
                break;
            default:
                throw new IOException("unknown op " + op);
        }
        if (r.implName() != null) {
            str(K_IMPL, r.implName());
        }
        if (r.hasPc) {
            hex(K_PC, r.pc);
        }
        if (r.sym != null) {
            str(K_SYM, r.sym);
        }
        for (int i = 0; i < r.xCount(); i++) {
            put(' ');
            put(keyBytes(r.xKey(i)));
            put('=');
            put(valueBytes(r.xValue(i)));
        }
        put('\n');
    }

    private void key(int k) {
        put(' ');
        put(KEY_BYTES[k]);
        put('=');
    }

    /** {@code size=} and the data of a config or I/O access (at most 4 bytes, so one 64-bit half). */
    private void sizeAndData32(TraceRecord r) {
        key(K_SIZE);
        dec(r.size);
        if (r.hasExpect) {
            hex(K_EXPECT, r.expect);
        }
        if (r.hasVal) {
            hex(K_VAL, r.val);
        }
    }

    private void hex(int k, long v) {
        key(k);
        put('0');
        put('x');
        int digits = Math.max(1, (67 - Long.numberOfLeadingZeros(v)) / 4);
        hexDigits(v, digits);
    }

    private void hex128(int k, long hi, long lo) {
        if (hi == 0) {
            hex(k, lo);
            return;
        }
        hex(k, hi);
        hexDigits(lo, 16);
    }

    private void hexDigits(long v, int digits) {
        ensure(digits);
        for (int i = digits - 1; i >= 0; i--) {
            b[n + i] = (byte) "0123456789abcdef".charAt((int) (v & 15));
            v >>>= 4;
        }
        n += digits;
    }

    private void dec(long v) {
        ensure(20);
        if (v == 0) {
            b[n++] = '0';
            return;
        }
        int start = n;
        while (v != 0) {
            b[n++] = (byte) ('0' + Long.remainderUnsigned(v, 10));
            v = Long.divideUnsigned(v, 10);
        }
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
    }

    private void attr(int a) {
        key(K_ATTR);
        put(ATTR_BYTES[a]);
    }

    private void str(int k, String s) throws IOException {
        key(k);
        put(valueBytes(s));
    }

    private byte[] valueBytes(String s) throws IOException {
        byte[] e = valueCache.get(s);
        if (e == null) {
            e = encodeValue(s);
            if (valueCache.size() < MAX_CACHED) {
                valueCache.put(s, e);
            }
        }
        return e;
    }

    private byte[] keyBytes(String s) throws IOException {
        byte[] e = keyCache.get(s);
        if (e == null) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c <= ' ' || c == '=' || c == '"' || c == '#' || c == 0x7f) {
                    throw new IOException("key " + s + " not writable: contains '" + c + "'");
                }
            }
            if (s.isEmpty()) {
                throw new IOException("empty key not writable");
            }
            e = s.getBytes(StandardCharsets.UTF_8);
            if (keyCache.size() < MAX_CACHED) {
                keyCache.put(s, e);
            }
        }
        return e;
    }

    /** The value as written: bare if it has no space, tab, quote, backslash or '#', else quoted with escapes. */
    static byte[] encodeValue(String s) throws IOException {
        boolean quote = s.isEmpty();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                throw new IOException("value not writable in the text form (contains a line break): " + s);
            }
            if (c == ' ' || c == '\t' || c == '"' || c == '\\' || c == '#') {
                quote = true;
            }
        }
        if (!quote) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(s.length() + 4).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }

    private void put(String ascii) {
        ensure(ascii.length());
        for (int i = 0; i < ascii.length(); i++) {
            b[n++] = (byte) ascii.charAt(i);
        }
    }

    private void put(byte[] x) {
        ensure(x.length);
        System.arraycopy(x, 0, b, n, x.length);
        n += x.length;
    }

    private void put(char c) {
        ensure(1);
        b[n++] = (byte) c;
    }

    private void ensure(int more) {
        if (n + more > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
        }
    }

    private void drain() throws IOException {
        if (n == 0) {
            return;
        }
        if (out != null) {
            out.write(b, 0, n);
        } else {
            charOut.write(new String(b, 0, n, StandardCharsets.UTF_8));
        }
        n = 0;
        if (b.length > 4 * FLUSH_AT) {
            b = new byte[FLUSH_AT + 4096];
        }
    }

    /** Writes buffered lines through to the underlying stream. */
    public void flush() throws IOException {
        drain();
        if (out != null) {
            out.flush();
        } else {
            charOut.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        put(END_WORD);
        put(' ');
        put(END_KEY);
        put('=');
        dec(written);
        put('\n');
        drain();
        if (out != null) {
            out.close();
        } else {
            charOut.close();
        }
    }
}
