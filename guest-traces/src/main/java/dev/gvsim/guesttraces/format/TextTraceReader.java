package dev.gvsim.guesttraces.format;

import static dev.gvsim.guesttraces.format.TextCodec.*;

import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Streaming parser of the text form (docs/trace-format.md). Lines are parsed in place from a byte
 * buffer; numbers are decoded from the bytes and strings are interned by their bytes, so a steady
 * state of repeated symbols and x- values allocates nothing per record. Errors read
 * "line N: expected ... but found ...".
 */
public final class TextTraceReader implements TraceReader {
    /** Longest accepted line (bounds memory on hostile input). */
    public static final int MAX_LINE = 1 << 20;

    private final InputStream in;
    private byte[] buf = new byte[1 << 16];
    private int pos;
    private int lim;
    private boolean eof;
    private long lineNo;
    private long records;
    private boolean header;
    private long lastT;
    private InputException failure;
    private final Interner strings = new Interner();
    private byte[] scratch = new byte[256];
    // current value token
    private byte[] vb;
    private int vo;
    private int vl;
    // 128-bit number result
    private long numHi;

    /** Whether a missing or wrong end line is an error (trace verify) or only {@link #endWarning}. */
    private final boolean requireEnd;
    /** Line of the end line, 0 until it is read. */
    private long endLine;
    private String endWarning;

    /** A reader that accepts traces without an end line (reporting it in {@link #endWarning}). */
    public TextTraceReader(InputStream in) {
        this(in, false);
    }

    /**
     * @param requireEnd a missing end line ({@code end records=N}) or one whose count differs from the
     *     records read is an InputException rather than a warning
     */
    public TextTraceReader(InputStream in, boolean requireEnd) {
        this.in = in;
        this.requireEnd = requireEnd;
    }

    @Override
    public String endWarning() {
        return endWarning;
    }

    /** Line number of the last line read. */
    public long lineNumber() {
        return lineNo;
    }

    @Override
    public boolean next(TraceRecord r) throws InputException {
        if (failure != null) {
            throw failure;
        }
        try {
            return read(r);
        } catch (InputException e) {
            failure = e;
            throw e;
        }
    }

    private boolean read(TraceRecord r) throws InputException {
        while (true) {
            int start = nextLine();
            if (start < 0) {
                if (!header) {
                    throw err("expected header 'gvsim-trace 1' but found end of file");
                }
                if (endLine == 0 && endWarning == null) {
                    String why = "(the trace is truncated, or was written before end lines existed; docs/trace-format.md \"End line\")";
                    if (requireEnd) {
                        throw err("expected the end line 'end records=N' but found the end of the file after " + records + " records " + why);
                    }
                    endWarning = "no end line 'end records=N' after " + records + " records " + why;
                }
                return false;
            }
            int end = lineEnd;
            if (end > start && buf[end - 1] == '\r') {
                end--;
            }
            int p = skipWs(start, end);
            if (p == end || buf[p] == '#') {
                continue;
            }
            if (!header) {
                if (lineNo == 1 && end - p >= 3 && buf[p] == (byte) 0xef && buf[p + 1] == (byte) 0xbb && buf[p + 2] == (byte) 0xbf) {
                    p = skipWs(p + 3, end); // UTF-8 byte order mark from some editors
                    if (p == end || buf[p] == '#') {
                        continue;
                    }
                }
                parseHeader(p, end);
                header = true;
                continue;
            }
            if (endLine != 0) {
                throw err("expected nothing after the end line (line " + endLine + ") but found " + found(buf, p, end - p));
            }
            if (buf[p] == 'e') { // no op starts with 'e': one compare per record before looking for the end line
                int te = tokenEnd(p, end);
                if (te - p == END_BYTES.length && equalBytes(END_BYTES, buf, p, te - p)) {
                    parseEnd(te, end);
                    continue;
                }
            }
            r.clear();
            parseRecord(r, p, end);
            r.line = lineNo;
            r.index = ++records;
            String bad = RecordRules.check(r, lastT);
            if (bad != null) {
                throw err(bad);
            }
            if (r.hasT) {
                lastT = r.t;
            }
            return true;
        }
    }

    private int lineEnd;
    private static final String CR_MSG = "expected a line break only at the end of a line but found a carriage return inside it";

    /** Start of the next line in buf (its end in lineEnd), or -1 at end of input. */
    private int nextLine() throws InputException {
        int scanFrom = pos;
        while (true) {
            for (int i = scanFrom; i < lim; i++) {
                if (buf[i] == '\n') {
                    int s = pos;
                    lineEnd = i;
                    pos = i + 1;
                    lineNo++;
                    return s;
                }
            }
            if (eof) {
                if (pos < lim) {
                    int s = pos;
                    lineEnd = lim;
                    pos = lim;
                    lineNo++;
                    return s;
                }
                return -1;
            }
            int have = lim - pos;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, have);
                pos = 0;
                lim = have;
            }
            if (lim == buf.length) {
                if (buf.length >= MAX_LINE) {
                    lineNo++;
                    throw err("expected a line of at most " + MAX_LINE + " bytes but found a longer one");
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            scanFrom = lim;
            int n;
            try {
                n = in.read(buf, lim, buf.length - lim);
            } catch (IOException e) {
                throw new InputException("line " + (lineNo + 1) + ": read error: " + e.getMessage(), e);
            }
            if (n < 0) {
                eof = true;
            } else {
                lim += n;
            }
        }
    }

    private InputException err(String msg) {
        return new InputException("line " + lineNo + ": " + msg);
    }

    private int skipWs(int p, int end) {
        while (p < end && (buf[p] == ' ' || buf[p] == '\t')) {
            p++;
        }
        return p;
    }

    private int tokenEnd(int p, int end) {
        while (p < end && buf[p] != ' ' && buf[p] != '\t' && buf[p] != '#') {
            p++;
        }
        return p;
    }

    private void parseHeader(int p, int end) throws InputException {
        int e1 = tokenEnd(p, end);
        if (!equalBytes(HEADER_BYTES, buf, p, e1 - p)) {
            throw err("expected header 'gvsim-trace 1' but found " + found(buf, p, end - p));
        }
        int v = skipWs(e1, end);
        int e2 = tokenEnd(v, end);
        if (e2 == v) {
            throw err("expected a version after 'gvsim-trace' but found end of line");
        }
        vb = buf;
        vo = v;
        vl = e2 - v;
        long ver = number("version", false);
        if (ver != VERSION) {
            throw err("expected version " + VERSION + " (the version this reader knows) but found " + found(buf, v, e2 - v));
        }
        int rest = skipWs(e2, end);
        if (rest < end && buf[rest] != '#') {
            throw err("expected end of header line but found " + found(buf, rest, end - rest));
        }
    }

    private static final byte[] HEADER_BYTES = HEADER_WORD.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] END_BYTES = END_WORD.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] END_KEY_BYTES = (END_KEY + "=").getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The end line after its first word: {@code records=N}, then nothing but a comment; N checked against the count. */
    private void parseEnd(int p, int end) throws InputException {
        p = skipWs(p, end);
        int te = tokenEnd(p, end);
        if (te - p <= END_KEY_BYTES.length || !equalBytes(END_KEY_BYTES, buf, p, END_KEY_BYTES.length)) {
            throw err("expected 'end records=N' (the end line) but found " + (p == end ? "'end' alone" : found(buf, p, te - p)));
        }
        vb = buf;
        vo = p + END_KEY_BYTES.length;
        vl = te - vo;
        long said = number(END_KEY, false);
        int rest = skipWs(te, end);
        if (rest < end && buf[rest] != '#') {
            throw err("expected the end of the end line but found " + found(buf, rest, end - rest));
        }
        endLine = lineNo;
        if (said != records) {
            InputException e = err("the end line says " + said + " records but the trace has " + records
                    + " (records were lost or added after it was written)");
            if (requireEnd) {
                throw e;
            }
            endWarning = e.getMessage();
        }
    }

    private void parseRecord(TraceRecord r, int p, int end) throws InputException {
        int oe = tokenEnd(p, end);
        Op op = Op.fromBytes(buf, p, oe - p);
        if (op == null) {
            throw err("expected an op (meta, machine, map, s2map, unmap, rd, wr, memcpy, memset, cfgrd, cfgwr, iord, iowr, "
                    + "delay, mark) but found " + found(buf, p, oe - p));
        }
        r.op = op;
        int allowed = ALLOWED[op.ordinal()];
        int seen = 0;
        p = oe;
        while (true) {
            p = skipWs(p, end);
            if (p == end || buf[p] == '#') {
                break;
            }
            // key
            int ks = p;
            while (p < end && buf[p] != '=' && buf[p] != ' ' && buf[p] != '\t' && buf[p] != '#' && buf[p] != '"') {
                if ((buf[p] & 0xff) < 0x20 || buf[p] == 0x7f) {
                    throw err("expected a key without control characters but found byte 0x"
                            + Integer.toHexString(buf[p] & 0xff) + " in " + found(buf, ks, tokenEnd(ks, end) - ks));
                }
                p++;
            }
            if (p == end || buf[p] != '=') {
                int te = tokenEnd(ks, end);
                throw err("expected key=value but found " + found(buf, ks, Math.max(te - ks, 1)));
            }
            int kl = p - ks;
            if (kl == 0) {
                throw err("expected a key before '=' but found " + found(buf, ks, tokenEnd(ks, end) - ks));
            }
            p++; // '='
            p = parseValue(p, end, ks, kl);
            boolean isX = kl > 2 && buf[ks] == 'x' && buf[ks + 1] == '-';
            if (isX) {
                if (r.xCount() == TraceRecord.MAX_X_KEYS) {
                    throw err("expected at most " + TraceRecord.MAX_X_KEYS + " x- keys but found more");
                }
                String key = strings.intern(buf, ks, kl);
                for (int i = 0; i < r.xCount(); i++) {
                    if (r.xKey(i) == key) {
                        throw err("expected each key once but found " + key + " twice");
                    }
                }
                r.addX(key, strings.intern(vb, vo, vl));
                continue;
            }
            int k = keyId(buf, ks, kl);
            if (op == Op.META && k != K_T && k != K_CPU) {
                if (r.metaCount() == TraceRecord.MAX_META) {
                    throw err("expected at most " + TraceRecord.MAX_META + " meta keys but found more");
                }
                String key = strings.intern(buf, ks, kl);
                for (int i = 0; i < r.metaCount(); i++) {
                    if (r.metaKey(i) == key) {
                        throw err("expected each key once but found " + key + " twice");
                    }
                }
                r.addMeta(key, strings.intern(vb, vo, vl));
                continue;
            }
            if (k < 0 || (allowed & (1 << k)) == 0) {
                throw err("expected a key of " + op.word() + " (" + keyList(allowed) + ") but found "
                        + found(buf, ks, kl));
            }
            if ((seen & (1 << k)) != 0) {
                throw err("expected each key once but found " + KEY_NAMES[k] + " twice");
            }
            seen |= 1 << k;
            setField(r, k);
        }
        int required = REQUIRED[op.ordinal()];
        if (op == Op.UNMAP) {
            if (r.stage == 2) {
                if ((seen & (1 << K_VA)) != 0) {
                    throw err("expected ipa= (not va=) on unmap stage=2 but found va=");
                }
                required |= 1 << K_IPA;
            } else {
                if ((seen & (1 << K_IPA)) != 0) {
                    throw err("expected va= (ipa= needs stage=2) on unmap but found ipa=");
                }
                required |= 1 << K_VA;
            }
        }
        int missing = required & ~seen;
        if (missing != 0) {
            int k = Integer.numberOfTrailingZeros(missing);
            throw err("expected key " + KEY_NAMES[k] + "= on " + op.word() + " but found none");
        }
    }

    /** Parses a value starting at p into vb/vo/vl (unescaping quoted values); returns the position after it. */
    private int parseValue(int p, int end, int ks, int kl) throws InputException {
        if (p == end || buf[p] == ' ' || buf[p] == '\t' || buf[p] == '#') {
            throw err("expected a value after " + new String(buf, ks, kl, java.nio.charset.StandardCharsets.UTF_8)
                    + "= but found " + (p == end ? "end of line" : "'" + (char) buf[p] + "'"));
        }
        if (buf[p] != '"') {
            int s = p;
            while (p < end && buf[p] != ' ' && buf[p] != '\t' && buf[p] != '#') {
                if (buf[p] == '"') {
                    throw err("expected a quoted value to start with '\"' but found " + found(buf, s, tokenEnd(s, end) - s));
                }
                if (buf[p] == '\r') {
                    throw err(CR_MSG);
                }
                p++;
            }
            vb = buf;
            vo = s;
            vl = p - s;
            return p;
        }
        int qs = p;
        p++;
        int q = p;
        while (q < end && buf[q] != '"' && buf[q] != '\\') {
            if (buf[q] == '\r') {
                throw err(CR_MSG);
            }
            q++;
        }
        if (q < end && buf[q] == '"') { // no escapes: the value is the bytes between the quotes
            if (q + 1 < end && buf[q + 1] != ' ' && buf[q + 1] != '\t' && buf[q + 1] != '#') {
                throw err("expected a space after the closing '\"' but found " + found(buf, q + 1, tokenEnd(q + 1, end) - q - 1));
            }
            vb = buf;
            vo = p;
            vl = q - p;
            return q + 1;
        }
        int n = 0;
        while (true) {
            if (p == end) {
                throw err("expected a closing '\"' but found end of line in " + found(buf, qs, end - qs));
            }
            byte c = buf[p];
            if (c == '"') {
                p++;
                break;
            }
            if (c == '\r') {
                throw err(CR_MSG);
            }
            if (c == '\\') {
                if (p + 1 == end || (buf[p + 1] != '"' && buf[p + 1] != '\\')) {
                    throw err("expected \\\" or \\\\ after a backslash but found "
                            + (p + 1 == end ? "end of line" : found(buf, p, 2)));
                }
                c = buf[p + 1];
                p += 2;
            } else {
                p++;
            }
            if (n == scratch.length) {
                scratch = Arrays.copyOf(scratch, n * 2);
            }
            scratch[n++] = c;
        }
        if (p < end && buf[p] != ' ' && buf[p] != '\t' && buf[p] != '#') {
            throw err("expected a space after the closing '\"' but found " + found(buf, p, tokenEnd(p, end) - p));
        }
        vb = scratch;
        vo = 0;
        vl = n;
        return p;
    }

    private void setField(TraceRecord r, int k) throws InputException {
        switch (k) {
            case K_T: r.hasT = true; r.t = signed("t"); break;
            case K_CPU: r.cpu = (int) bounded("cpu", RecordRules.MAX_CPU); break;
            case K_VA: r.va = number("va", false); break;
            case K_PA: r.pa = number("pa", false); break;
            case K_IPA: r.ipa = number("ipa", false); break;
            case K_SIZE: r.size = number("size", false); break;
            case K_ATTR: r.attr = attr(); break;
            case K_FWB: r.fwb = (int) bounded("fwb", 1); break;
            case K_STAGE: {
                long s = number("stage", false);
                if (s != 1 && s != 2) {
                    throw err("expected stage=1 or stage=2 but found " + found(vb, vo, vl));
                }
                r.stage = (int) s;
                break;
            }
            case K_EXPECT: r.hasExpect = true; r.expect = number("expect", true); r.expectHi = numHi; break;
            case K_VAL: r.hasVal = true; r.val = number("val", true); r.valHi = numHi; break;
            case K_FLAGS: r.flags = flags(); break;
            case K_PC: r.hasPc = true; r.pc = number("pc", false); break;
            case K_SYM: r.sym = strings.intern(vb, vo, vl); break;
            case K_DST: r.dst = number("dst", false); break;
            case K_SRC: r.src = number("src", false); break;
            case K_LEN: r.len = number("len", false); break;
            case K_IMPL: r.setImpl(strings.intern(vb, vo, vl)); break;
            case K_BDF: r.bdf = bdf(); break;
            case K_OFF: r.off = (int) bounded("off", RecordRules.CFG_SPACE - 1); break;
            case K_PORT: r.port = bounded("port", RecordRules.MAX_PORT); break;
            case K_PS: r.ps = signed("ps"); break;
            case K_NAME: r.name = strings.intern(vb, vo, vl); break;
            case K_ARGS: r.machineArgs = strings.intern(vb, vo, vl); break;
            default: throw new AssertionError(k);
        }
    }

    private long signed(String key) throws InputException {
        long v = number(key, false);
        if (v < 0) {
            throw err("expected " + key + " at most " + Long.MAX_VALUE + " but found " + found(vb, vo, vl));
        }
        return v;
    }

    private long bounded(String key, long max) throws InputException {
        long v = number(key, false);
        if (Long.compareUnsigned(v, max) > 0) {
            throw err("expected " + key + " 0.." + max + " but found " + found(vb, vo, vl));
        }
        return v;
    }

    /**
     * Parses vb[vo..vo+vl) as hex (0x...) or decimal, unsigned, up to 64 bits (or 128 if wide, high
     * half in numHi).
     */
    private long number(String key, boolean wide) throws InputException {
        byte[] b = vb;
        int p = vo;
        int end = vo + vl;
        long lo = 0;
        long hi = 0;
        boolean hex = vl > 2 && b[p] == '0' && (b[p + 1] == 'x' || b[p + 1] == 'X');
        if (hex) {
            p += 2;
            for (; p < end; p++) {
                int d = HEX[b[p] & 0xff];
                if (d < 0) {
                    throw badNumber(key);
                }
                if ((hi >>> 60) != 0) {
                    throw tooBig(key, wide);
                }
                hi = hi << 4 | lo >>> 60;
                lo = lo << 4 | d;
            }
        } else {
            if (vl == 0) {
                throw badNumber(key);
            }
            for (; p < end; p++) {
                int d = b[p] - '0';
                if (d < 0 || d > 9) {
                    throw badNumber(key);
                }
                // (hi:lo) * 10 + d, unsigned 128-bit
                long mh = Math.multiplyHigh(lo, 10) + ((lo >> 63) & 10);
                long nlo = lo * 10;
                if (Long.compareUnsigned(hi, 0x1999_9999_9999_9999L) > 0) {
                    throw tooBig(key, wide);
                }
                long nhi = hi * 10 + mh;
                if (Long.compareUnsigned(nhi, hi * 10) < 0) {
                    throw tooBig(key, wide);
                }
                long s = nlo + d;
                if (Long.compareUnsigned(s, nlo) < 0) {
                    nhi++;
                    if (nhi == 0) {
                        throw tooBig(key, wide);
                    }
                }
                lo = s;
                hi = nhi;
            }
        }
        if (hi != 0 && !wide) {
            throw tooBig(key, false);
        }
        numHi = hi;
        return lo;
    }

    /** Hex digit values by byte, -1 for non-digits. */
    private static final byte[] HEX = new byte[256];

    static {
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX['a' + i] = (byte) (10 + i);
            HEX['A' + i] = (byte) (10 + i);
        }
    }

    private InputException badNumber(String key) {
        return err("expected a number (0x hex or decimal) for " + key + " but found " + found(vb, vo, vl));
    }

    private InputException tooBig(String key, boolean wide) {
        return err("expected " + key + " to fit in " + (wide ? 128 : 64) + " bits but found " + found(vb, vo, vl));
    }

    private int attr() throws InputException {
        for (int i = 0; i < ATTR_BYTES.length; i++) {
            if (equalBytes(ATTR_BYTES[i], vb, vo, vl)) {
                return i;
            }
        }
        throw err("expected attr one of " + String.join(", ", TraceRecord.ATTR_NAMES) + " but found " + found(vb, vo, vl));
    }

    private int flags() throws InputException {
        int f = 0;
        int p = vo;
        int end = vo + vl;
        while (true) {
            int s = p;
            while (p < end && vb[p] != ',') {
                p++;
            }
            int bit = -1;
            for (int i = 0; i < FLAG_BYTES.length; i++) {
                if (equalBytes(FLAG_BYTES[i], vb, s, p - s)) {
                    bit = i;
                }
            }
            if (bit < 0) {
                throw err("expected flags from excl, acq, rel, atomic, pair, zva but found "
                        + (p == s ? "an empty item in " + found(vb, vo, vl) : found(vb, s, p - s)));
            }
            f |= 1 << bit;
            if (p == end) {
                return f;
            }
            p++; // ','
        }
    }

    /** BB:DD.F in hex: bus 00-ff, device 00-1f, function 0-7 (PCI Local Bus Spec 3.0, 3.2.2.3.1). */
    private int bdf() throws InputException {
        int p = vo;
        int end = vo + vl;
        int bus = 0;
        int dev = 0;
        int fn = 0;
        int nb = 0;
        while (p < end && nb < 3 && Character.digit(vb[p], 16) >= 0 && vb[p] > 0) {
            bus = bus * 16 + Character.digit(vb[p++], 16);
            nb++;
        }
        boolean ok = nb >= 1 && nb <= 2 && p < end && vb[p++] == ':';
        int nd = 0;
        while (ok && p < end && nd < 3 && Character.digit(vb[p], 16) >= 0 && vb[p] > 0) {
            dev = dev * 16 + Character.digit(vb[p++], 16);
            nd++;
        }
        ok = ok && nd >= 1 && nd <= 2 && p < end && vb[p++] == '.';
        if (ok && p + 1 == end && vb[p] >= '0' && vb[p] <= '7') {
            fn = vb[p] - '0';
        } else {
            ok = false;
        }
        if (!ok || dev > 0x1f) {
            throw err("expected bdf as BB:DD.F (hex bus 00-ff, device 00-1f, function 0-7) but found " + found(vb, vo, vl));
        }
        return bus << 8 | dev << 3 | fn;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
