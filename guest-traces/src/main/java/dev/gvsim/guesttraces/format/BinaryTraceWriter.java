package dev.gvsim.guesttraces.format;

import static dev.gvsim.guesttraces.format.BinaryFormat.*;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.zip.CRC32C;

/**
 * Writes the binary form (docs/trace-binary-format.md). Records are encoded into a chunk buffer;
 * each full chunk is written with its CRC32C. {@link #close()} writes the end chunk with the total
 * record count, so a reader can tell a complete file from one cut at a chunk boundary.
 */
public final class BinaryTraceWriter implements TraceWriter {
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private byte[] p = new byte[CHUNK_TARGET + 4096];
    private int n;
    private int chunkRecords;
    private long records;
    private long bytesWritten;
    private long lastT;
    private boolean closed;
    private boolean broken;

    // strings (§5)
    private final HashMap<String, Integer> stringIds = new HashMap<>();
    private long stringBytes;

    // templates (§4.2)
    private final HashMap<TemplateKey, Integer> templateIds = new HashMap<>();
    private final TemplateKey probe = new TemplateKey();
    private long[] tplLastVa = new long[256];
    private long[] tplStride = new long[256];
    private int[] tplSucc = new int[256];
    private int[] tplSize = new int[256];
    private int templates;
    private final int[] ctx = new int[1 << CTX_BITS];
    private int prev1 = -1;
    private int prev2 = -1;
    private long prevVa;
    private long prevSize;

    public BinaryTraceWriter(OutputStream out) throws IOException {
        this.out = out;
        Arrays.fill(ctx, -1);
        byte[] h = new byte[HEADER_LEN];
        System.arraycopy(MAGIC, 0, h, 0, MAGIC.length);
        h[8] = (byte) VERSION_MAJOR;
        h[9] = (byte) (VERSION_MAJOR >>> 8);
        h[10] = (byte) VERSION_MINOR;
        h[11] = (byte) (VERSION_MINOR >>> 8);
        out.write(h);
        bytesWritten = HEADER_LEN;
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    /** Templates defined so far (bounded by the format, §4.2). */
    int templateCount() {
        return templates;
    }

    /** Strings in the string table (bounded by the format, §5). */
    int stringCount() {
        return stringIds.size();
    }

    /** Bytes written to the stream so far (header and whole chunks). */
    public long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public void write(TraceRecord r) throws IOException {
        if (closed || broken) {
            throw new IOException(closed ? "writer closed" : "writer failed on an earlier record");
        }
        String bad = RecordRules.check(r, lastT);
        if (bad == null) {
            bad = checkStrings(r);
        }
        if (bad != null) {
            throw new IOException("record " + r.index + " not writable: " + bad);
        }
        int start = n;
        if (r.op == Op.RD || r.op == Op.WR) {
            templateRecord(r);
        } else {
            genericRecord(r);
        }
        if (n - start > MAX_PAYLOAD - CHUNK_TARGET) {
            // string/template tables already hold this record's entries: the stream cannot continue
            n = start;
            broken = true;
            throw new IOException("record " + r.index + " not writable: encodes to more than " + (MAX_PAYLOAD - CHUNK_TARGET)
                    + " bytes");
        }
        if (r.hasT) {
            lastT = r.t;
        }
        records++;
        chunkRecords++;
        if (n >= CHUNK_TARGET) {
            flushChunk();
        }
    }

    // ---- §4.2 template records (rd/wr)

    private void templateRecord(TraceRecord r) throws IOException {
        probe.set(r);
        int pred2 = ctx[ctxIndex(prev2, prev1)];
        int pred1 = prev1 >= 0 ? tplSucc[prev1] : -1;
        int id;
        int sel;
        if (pred2 >= 0 && probe.matches(pred2)) {
            id = pred2;
            sel = SEL_PRED2;
        } else if (pred1 >= 0 && probe.matches(pred1)) {
            id = pred1;
            sel = SEL_PRED1;
        } else {
            Integer known = templateIds.get(probe);
            if (known != null) {
                id = known;
                sel = SEL_REF;
            } else if (templates < MAX_TEMPLATES) {
                id = -1;
                sel = SEL_NEW;
            } else {
                genericRecord(r);
                return;
            }
        }
        int tagPos = n;
        u8(0); // patched below
        if (sel == SEL_REF) {
            varint(id);
        } else if (sel == SEL_NEW) {
            id = newTemplate(r);
        }
        long va = r.va;
        int vaMode;
        if (va == tplLastVa[id] + tplStride[id]) {
            vaMode = VA_STRIDE;
        } else if (va == prevVa + prevSize) {
            vaMode = VA_SEQUENTIAL;
        } else {
            long dt = zigzag(va - tplLastVa[id]);
            long dp = zigzag(va - prevVa);
            if (Long.compareUnsigned(dp, dt) < 0 && varintLen(dp) < varintLen(dt)) {
                vaMode = VA_DELTA_PREV;
                varint(dp);
            } else {
                vaMode = VA_DELTA_TPL;
                varint(dt);
            }
        }
        int tag = TAG_TEMPLATE | sel << SEL_SHIFT | vaMode << VA_SHIFT;
        boolean value = r.op == Op.RD ? r.hasExpect : r.hasVal;
        if (value) {
            tag |= TAG_VALUE;
            varint(r.op == Op.RD ? r.expect : r.val);
            if (r.size == 16) {
                varint(r.op == Op.RD ? r.expectHi : r.valHi);
            }
        }
        if (r.hasT) {
            tag |= TAG_T;
            varint(r.t - lastT);
        }
        if (r.cpu != 0) {
            tag |= TAG_CPU;
            varint(r.cpu);
        }
        p[tagPos] = (byte) tag;
        // state update, mirrored by the reader
        tplStride[id] = va - tplLastVa[id];
        tplLastVa[id] = va;
        prevVa = va;
        prevSize = r.size;
        ctx[ctxIndex(prev2, prev1)] = id;
        if (prev1 >= 0) {
            tplSucc[prev1] = id;
        }
        prev2 = prev1;
        prev1 = id;
    }

    private int newTemplate(TraceRecord r) throws IOException {
        int id = templates++;
        if (id == tplLastVa.length) {
            int m = id * 2;
            tplLastVa = Arrays.copyOf(tplLastVa, m);
            tplStride = Arrays.copyOf(tplStride, m);
            tplSucc = Arrays.copyOf(tplSucc, m);
            tplSize = Arrays.copyOf(tplSize, m);
        }
        tplLastVa[id] = prevVa;
        tplStride[id] = 0;
        tplSucc[id] = -1;
        tplSize[id] = (int) r.size;
        templateIds.put(probe.copy(), id);
        u8(r.op.ordinal());
        varint(r.size);
        varint(r.flags);
        u8((r.hasPc ? 1 : 0) | (r.sym != null ? 2 : 0));
        if (r.hasPc) {
            varint(r.pc);
        }
        if (r.sym != null) {
            str(r.sym);
        }
        xkeys(r);
        return id;
    }

    // ---- §4.1 generic records

    private void genericRecord(TraceRecord r) throws IOException {
        u8(r.op.ordinal());
        int pres = (r.hasT ? P_T : 0) | (r.cpu != 0 ? P_CPU : 0) | (r.hasPc ? P_PC : 0) | (r.sym != null ? P_SYM : 0)
                | (r.implName() != null ? P_IMPL : 0) | (r.xCount() != 0 ? P_X : 0) | (r.hasExpect ? P_EXPECT : 0)
                | (r.hasVal ? P_VAL : 0) | (r.flags != 0 ? P_FLAGS : 0) | (r.fwb >= 0 ? P_FWB : 0)
                | (r.stage == 2 ? P_STAGE2 : 0);
        varint(pres);
        switch (r.op) {
            case META:
                varint(r.metaCount());
                for (int i = 0; i < r.metaCount(); i++) {
                    str(r.metaKey(i));
                    str(r.metaValue(i));
                }
                break;
            case MACHINE:
                str(r.machineArgs);
                break;
            case MAP:
                varint(r.va);
                varint(r.pa);
                varint(r.size);
                u8(r.attr);
                break;
            case S2MAP:
                varint(r.ipa);
                varint(r.pa);
                varint(r.size);
                u8(r.attr);
                if (r.fwb >= 0) {
                    u8(r.fwb);
                }
                break;
            case UNMAP:
                varint(r.stage == 2 ? r.ipa : r.va);
                varint(r.size);
                break;
            case RD:
            case WR:
                varint(r.va);
                varint(r.size);
                break;
            case MEMCPY:
                varint(r.dst);
                varint(r.src);
                varint(r.len);
                break;
            case MEMSET:
                varint(r.dst);
                varint(r.len);
                break;
            case CFGRD:
            case CFGWR:
                varint(r.bdf);
                varint(r.off);
                varint(r.size);
                break;
            case IORD:
            case IOWR:
                varint(r.port);
                varint(r.size);
                break;
            case DELAY:
                varint(r.ps);
                break;
            case MARK:
                str(r.name);
                break;
            default:
                throw new IOException("unknown op " + r.op);
        }
        if (r.hasT) {
            varint(r.t - lastT);
        }
        if (r.cpu != 0) {
            varint(r.cpu);
        }
        if (r.hasPc) {
            varint(r.pc);
        }
        if (r.sym != null) {
            str(r.sym);
        }
        if (r.implName() != null) {
            str(r.implName());
        }
        if (r.xCount() != 0) {
            xkeys(r);
        }
        if (r.hasExpect) {
            varint(r.expect);
            varint(r.expectHi);
        }
        if (r.hasVal) {
            varint(r.val);
            varint(r.valHi);
        }
        if (r.flags != 0) {
            varint(r.flags);
        }
    }

    private void xkeys(TraceRecord r) {
        varint(r.xCount());
        for (int i = 0; i < r.xCount(); i++) {
            str(r.xKey(i));
            str(r.xValue(i));
        }
    }

    // ---- §5 strings

    private String checkStrings(TraceRecord r) {
        String bad = checkString(r.sym);
        if (bad == null) {
            bad = checkString(r.implName());
        }
        if (bad == null) {
            bad = checkString(r.name);
        }
        if (bad == null) {
            bad = checkString(r.machineArgs);
        }
        for (int i = 0; bad == null && i < r.metaCount(); i++) {
            bad = checkString(r.metaValue(i));
        }
        for (int i = 0; bad == null && i < r.xCount(); i++) {
            String k = r.xKey(i);
            if (!stringIds.containsKey(k) && !keySafe(k)) {
                return "expected an x- key without spaces, '=', '\"' or '#' but found '" + k + "'";
            }
            bad = checkString(r.xValue(i));
        }
        return bad;
    }

    private String checkString(String s) {
        if (s == null || stringIds.containsKey(s)) {
            return null;
        }
        if (!textSafe(s)) {
            return "expected a string without line breaks but found one in '" + s + "'";
        }
        if (s.length() > MAX_STRING_LEN / 4 && utf8(s).length > MAX_STRING_LEN) {
            return "expected a string of at most " + MAX_STRING_LEN + " bytes but found a longer one";
        }
        return null;
    }

    private void str(String s) {
        Integer id = stringIds.get(s);
        if (id != null) {
            varint(STR_BASE + (long) id);
            return;
        }
        byte[] b = utf8(s);
        if (stringIds.size() < MAX_STRINGS && stringBytes + b.length <= MAX_STRING_BYTES) {
            stringIds.put(s, stringIds.size());
            stringBytes += b.length;
            varint(STR_NEW);
        } else {
            varint(STR_LITERAL);
        }
        varint(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, p, n, b.length);
        n += b.length;
    }

    // ---- bytes

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static int varintLen(long v) {
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    private void u8(int v) {
        ensure(1);
        p[n++] = (byte) v;
    }

    private void varint(long v) {
        ensure(10);
        while ((v & ~0x7fL) != 0) {
            p[n++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        p[n++] = (byte) v;
    }

    private void ensure(int more) {
        if (n + more > p.length) {
            p = Arrays.copyOf(p, Math.max(p.length * 2, n + more));
        }
    }

    private void flushChunk() throws IOException {
        if (chunkRecords == 0) {
            return;
        }
        writeChunk(CHUNK_RECORDS, p, n, chunkRecords);
        n = 0;
        chunkRecords = 0;
        if (p.length > 4 * CHUNK_TARGET) {
            p = new byte[CHUNK_TARGET + 4096];
        }
    }

    private final byte[] head = new byte[CHUNK_HEADER_LEN];

    private void writeChunk(int type, byte[] payload, int len, int count) throws IOException {
        head[0] = (byte) type;
        putU32(head, 1, len);
        putU32(head, 5, count);
        crc.reset();
        crc.update(head, 0, 9);
        crc.update(payload, 0, len);
        putU32(head, 9, (int) crc.getValue());
        out.write(head);
        out.write(payload, 0, len);
        bytesWritten += CHUNK_HEADER_LEN + len;
    }

    static void putU32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /** Writes the last records chunk and the end chunk, then closes the stream. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flushChunk();
            byte[] total = new byte[8];
            putU32(total, 0, (int) records);
            putU32(total, 4, (int) (records >>> 32));
            writeChunk(CHUNK_END, total, 8, 0);
            out.flush();
        } finally {
            out.close();
        }
    }

    /** Template identity (§4.2): everything of an rd/wr record except va, value, t and cpu. */
    private final class TemplateKey {
        int op;
        long size;
        int flags;
        boolean hasPc;
        long pc;
        String sym;
        String[] x = new String[8];
        int xn;
        int hash;

        void set(TraceRecord r) {
            op = r.op.ordinal();
            size = r.size;
            flags = r.flags;
            hasPc = r.hasPc;
            pc = r.pc;
            sym = r.sym;
            xn = r.xCount() * 2;
            if (xn > x.length) {
                x = new String[xn];
            }
            int h = op * 31 + Long.hashCode(size);
            h = h * 31 + flags;
            h = h * 31 + (hasPc ? Long.hashCode(pc) : 7);
            h = h * 31 + (sym == null ? 0 : sym.hashCode());
            for (int i = 0; i < r.xCount(); i++) {
                x[2 * i] = r.xKey(i);
                x[2 * i + 1] = r.xValue(i);
                h = h * 31 + x[2 * i].hashCode();
                h = h * 31 + x[2 * i + 1].hashCode();
            }
            hash = h;
        }

        TemplateKey copy() {
            TemplateKey k = new TemplateKey();
            k.op = op;
            k.size = size;
            k.flags = flags;
            k.hasPc = hasPc;
            k.pc = pc;
            k.sym = sym;
            k.x = Arrays.copyOf(x, xn);
            k.xn = xn;
            k.hash = hash;
            keysById = keysById.length == templates ? Arrays.copyOf(keysById, templates * 2) : keysById;
            keysById[templates - 1] = k;
            return k;
        }

        boolean matches(int id) {
            return equals(keysById[id]);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof TemplateKey)) {
                return false;
            }
            TemplateKey k = (TemplateKey) o;
            if (k.hash != hash || k.op != op || k.size != size || k.flags != flags || k.hasPc != hasPc || k.pc != pc
                    || k.xn != xn || !java.util.Objects.equals(k.sym, sym)) {
                return false;
            }
            for (int i = 0; i < xn; i++) {
                if (!x[i].equals(k.x[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private TemplateKey[] keysById = new TemplateKey[256];
}
