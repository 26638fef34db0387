package dev.gvsim.guesttraces.format;

import static dev.gvsim.guesttraces.format.BinaryFormat.*;

import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads the binary form (docs/trace-binary-format.md). A chunk is read whole and its CRC32C checked
 * before any of its records is returned; a truncated or corrupt file yields every record of the
 * chunks before the bad one, then an InputException naming the byte offset, the chunk number and
 * the reason. Nothing after a bad chunk is read or guessed. Offsets count bytes of the
 * (decompressed) binary stream.
 *
 * <p>Why one class of about 900 lines: the chunk reader, the record decoder (§4, §5) and the short
 * paths for runs of stores ({@link #nextRunStore}, {@link #peekRunStores}, {@link
 * #commitRunStores}, issue 29) all work on the same state: the chunk's bytes, the position and
 * record counts, the template table and the predictor (§4.2). The short paths must leave that state
 * exactly as {@link #next} would (they share {@link #advance}), and they decode a record in a few
 * nanoseconds; in another object that state would sit behind a reference on every record.
 */
public final class BinaryTraceReader implements TraceReader {
    private final InputStream in;
    private final CRC32C crc = new CRC32C();
    private final byte[] head = new byte[CHUNK_HEADER_LEN];
    private byte[] p = new byte[CHUNK_TARGET + 4096];
    private int pos;
    private int end;
    private int left;
    private long chunkNo;
    private long chunkOffset;
    private long offset;
    private long records;
    private long lastT;
    private boolean ended;
    private InputException failure;

    private String[] strings = new String[1024];
    private boolean[] keyOk = new boolean[1024];
    private int stringCount;
    private long stringBytes;

    private Template[] tpl = new Template[256];
    private int templates;
    /** Second-order predictor (§4.2): the template that followed each hashed (previous-but-one, previous) pair. */
    private final Template[] ctx = new Template[1 << CTX_BITS];
    /** The id of the previous template-coded record's template, -1 before the first (an id, not a reference: see {@link #advance}). */
    private int prev1Id = -1;
    private int prev2Id = -1;
    private long prevVa;
    private long prevSize;

    /** Reads and checks the 16-byte header. */
    public BinaryTraceReader(InputStream in) throws InputException {
        this.in = in;
        byte[] h = new byte[HEADER_LEN];
        int got = readFully(h, 0, HEADER_LEN);
        if (got < HEADER_LEN) {
            throw new InputException("byte offset " + got + ": truncated binary trace header (" + HEADER_LEN
                    + " bytes expected, file ends)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (h[i] != MAGIC[i]) {
                throw new InputException("byte offset " + i + ": expected the binary trace magic but found other bytes");
            }
        }
        int major = (h[8] & 0xff) | (h[9] & 0xff) << 8;
        if (major != VERSION_MAJOR) {
            throw new InputException("byte offset 8: expected binary trace version " + VERSION_MAJOR + ".x but found "
                    + major + "." + ((h[10] & 0xff) | (h[11] & 0xff) << 8));
        }
        offset = HEADER_LEN;
    }

    /** Records returned so far. */
    public long records() {
        return records;
    }

    /** Chunks whose CRC checked so far. */
    public long chunks() {
        return chunkNo;
    }

    @Override
    public boolean next(TraceRecord r) throws InputException {
        if (failure != null) {
            throw failure;
        }
        peeked = 0;
        try {
            while (left == 0) {
                if (ended) {
                    return false;
                }
                loadChunk();
            }
            boolean known = decode(r);
            left--;
            if (left == 0 && pos != end) {
                throw corrupt((end - pos) + " bytes left after the chunk's last record");
            }
            r.index = ++records;
            // a record of an already-checked template only needs the checks of what varies per record
            String bad = known ? RecordRules.checkTemplated(r) : RecordRules.check(r, lastT);
            if (bad != null) {
                throw corrupt("record " + r.index + ": " + bad);
            }
            if (r.hasT) {
                lastT = r.t;
            }
            return true;
        } catch (InputException e) {
            failure = e;
            throw e;
        }
    }

    private InputException corrupt(String why) {
        return new InputException("byte offset " + chunkOffset + ", chunk " + chunkNo + ": corrupt chunk: " + why);
    }

    private int readFully(byte[] b, int off, int len) throws InputException {
        int got = 0;
        while (got < len) {
            int k;
            try {
                k = in.read(b, off + got, len - got);
            } catch (IOException e) {
                throw new InputException("byte offset " + (offset + got) + ": read error: " + e.getMessage(), e);
            }
            if (k < 0) {
                break;
            }
            got += k;
        }
        return got;
    }

    private void loadChunk() throws InputException {
        long no = chunkNo + 1;
        long at = offset;
        int got = readFully(head, 0, CHUNK_HEADER_LEN);
        if (got == 0) {
            throw new InputException("byte offset " + at + ", chunk " + no + ": file ends after " + chunkNo
                    + " chunks without the end chunk (truncated); " + records + " records read");
        }
        if (got < CHUNK_HEADER_LEN) {
            throw new InputException("byte offset " + at + ", chunk " + no + ": truncated chunk header (" + got + " of "
                    + CHUNK_HEADER_LEN + " bytes); " + records + " records read");
        }
        int type = head[0] & 0xff;
        long len = getU32(head, 1);
        long count = getU32(head, 5);
        int stored = (int) getU32(head, 9);
        if (type != CHUNK_RECORDS && type != CHUNK_END) {
            throw new InputException("byte offset " + at + ", chunk " + no + ": expected chunk type 0x01 or 0x7f but found 0x"
                    + Integer.toHexString(type) + " (corrupt)");
        }
        if (len > MAX_PAYLOAD || type == CHUNK_END && (len != 8 || count != 0) || type == CHUNK_RECORDS && (count == 0
                || count > len)) {
            throw new InputException("byte offset " + at + ", chunk " + no + ": implausible chunk header (type 0x"
                    + Integer.toHexString(type) + ", length " + len + ", records " + count + "): corrupt");
        }
        if (p.length < len) {
            p = new byte[(int) len];
        }
        int plen = (int) len;
        got = readFully(p, 0, plen);
        if (got < plen) {
            throw new InputException("byte offset " + at + ", chunk " + no + ": truncated chunk payload (" + got + " of " + plen
                    + " bytes); " + records + " records read");
        }
        crc.reset();
        crc.update(head, 0, 9);
        crc.update(p, 0, plen);
        int actual = (int) crc.getValue();
        if (actual != stored) {
            throw new InputException("byte offset " + at + ", chunk " + no + ": CRC32C mismatch (stored 0x"
                    + Integer.toHexString(stored) + ", computed 0x" + Integer.toHexString(actual) + "); " + records
                    + " records read");
        }
        offset = at + CHUNK_HEADER_LEN + plen;
        chunkNo = no;
        chunkOffset = at;
        if (type == CHUNK_END) {
            long total = getU32(p, 0) | getU32(p, 4) << 32;
            if (total != records) {
                throw new InputException("byte offset " + at + ", chunk " + no + ": end chunk says " + total
                        + " records but the chunks held " + records);
            }
            byte[] one = new byte[1];
            if (readFully(one, 0, 1) != 0) {
                throw new InputException("byte offset " + offset + ": expected end of file after the end chunk but found more bytes");
            }
            ended = true;
            return;
        }
        pos = 0;
        end = plen;
        left = (int) count;
    }

    static long getU32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    // ---- records

    /** Decodes one record; true if it is a record of a template an earlier record already used. */
    private boolean decode(TraceRecord r) throws InputException {
        int tag = u8();
        if ((tag & TAG_TEMPLATE) != 0) {
            if (readOnlyCaller && r == lastPlain) {
                // this reader filled r last, from a template, and nobody wrote to it since: only what
                // that record added beyond its template (value, time, CPU, x- keys) needs resetting
                if (lastPlainVaried) {
                    r.clearTemplateVarying();
                }
            } else {
                r.clearForTemplate();
            }
            if (lastPlain != r) {
                lastPlain = r; // a reference store only when it changes (see advance)
            }
            lastPlainVaried = keepX || (tag & (TAG_VALUE | TAG_T | TAG_CPU)) != 0;
            return templateRecord(r, tag);
        }
        lastPlain = null;
        r.clear();
        genericRecord(r, tag);
        return false;
    }

    /** {@link #callerOnlyReadsRecords()} was called. */
    private boolean readOnlyCaller;
    /** The record the last template record went into (only its template fields may be set), or null. */
    private TraceRecord lastPlain;
    /**
     * The last template record may have set fields beyond its template's (a value, time or CPU
     * follows its tag, or x- keys are kept); when false, lastPlain's other fields are still as
     * clearForTemplate left them, and next() sets its index.
     */
    private boolean lastPlainVaried;

    @Override
    public void callerOnlyReadsRecords() {
        readOnlyCaller = true;
    }

    /** False once the caller said it does not read x- keys ({@link #omitExtensions()}). */
    private boolean keepX = true;

    @Override
    public void omitExtensions() {
        keepX = false;
    }

    /**
     * A template (§4): the fields every record of it shares, validated when it was defined, and its
     * predictor state. One object per template keeps what a record reads on one or two cache lines.
     */
    private static final class Template {
        final Op op;
        final long size;
        final int flags;
        final boolean hasPc;
        final long pc;
        final String sym;
        final String[] x;
        final int id;
        long lastVa;
        long stride;
        Template succ;

        Template(int id, Op op, long size, int flags, boolean hasPc, long pc, String sym, String[] x, long lastVa) {
            this.id = id;
            this.op = op;
            this.size = size;
            this.flags = flags;
            this.hasPc = hasPc;
            this.pc = pc;
            this.sym = sym;
            this.x = x;
            this.lastVa = lastVa;
        }
    }

    /**
     * The hot path of a template record, kept small so the JIT inlines it into {@link #next}: the
     * predicted template with a predicted address; everything else is in out-of-line helpers.
     */
    private boolean templateRecord(TraceRecord r, int tag) throws InputException {
        int sel = (tag >>> SEL_SHIFT) & 3;
        int ci = ctxIndex(prev2Id, prev1Id);
        Template t = sel == SEL_PRED2 ? ctx[ci] : sel == SEL_PRED1 && prev1Id >= 0 ? tpl[prev1Id].succ : otherTemplate(sel);
        if (t == null) {
            throw corrupt("template reference to an undefined template");
        }
        int mode = (tag >>> VA_SHIFT) & 3;
        long va = mode == VA_STRIDE ? t.lastVa + t.stride : mode == VA_SEQUENTIAL ? prevVa + prevSize : deltaVa(mode, t);
        r.op = t.op;
        r.va = va;
        r.size = t.size;
        r.flags = t.flags;
        r.hasPc = t.hasPc;
        r.pc = t.pc;
        r.sym = t.sym;
        if (keepX) {
            templateX(r, t);
        }
        if ((tag & (TAG_VALUE | TAG_T | TAG_CPU)) != 0) {
            templateExtras(r, tag);
        }
        advance(t, ci, va);
        return sel != SEL_NEW;
    }

    /**
     * The decoder state after a template-coded record of {@code t} at {@code va}, in §4.2's order.
     * The predictor tables are written only when they change: a reference store costs the
     * collector's write barriers, and in a run the prediction that found {@code t} is already there.
     */
    private void advance(Template t, int ci, long va) {
        t.stride = va - t.lastVa;
        t.lastVa = va;
        prevVa = va;
        prevSize = t.size;
        if (ctx[ci] != t) {
            ctx[ci] = t;
        }
        if (prev1Id >= 0) {
            Template p = tpl[prev1Id];
            if (p.succ != t) {
                p.succ = t;
            }
        }
        prev2Id = prev1Id;
        prev1Id = t.id;
    }

    /** The template's x- keys into the record (validated when the template was read: xkeys()). */
    private static void templateX(TraceRecord r, Template t) {
        String[] x = t.x;
        for (int i = 0; i < x.length; i += 2) {
            r.addXTrusted(x[i], x[i + 1]);
        }
    }

    /** The value of the store {@link #nextRunStore} last took. */
    private long runValue;

    /**
     * The short path of a run of stores (TraceReader#nextRunStore): a template-coded record (§4.2)
     * of an already-defined template, decoded straight from the chunk without filling a record. It
     * decides before it changes anything: a record it does not take (another op, size, flags, CPU or
     * address, a time, a new template, the chunk's last record not ending the payload, bytes that do
     * not decode, a value that does not fit) leaves the reader as it was, and {@link #next} then
     * decodes it, or reports what is wrong with it, exactly as without this path. A record it takes
     * updates the predictor state as {@link #templateRecord} does and passes every check {@link #next}
     * makes of it ({@link RecordRules#checkTemplated}: the value fits the size; the template's own
     * fields were checked when it was defined).
     */
    @Override
    public boolean nextRunStore(long va, long size, int flags, int cpu, boolean hasValue) {
        peeked = 0;
        if (left == 0 || keepX || !readOnlyCaller || size > 8 || (flags & dev.gvsim.simcore.Access.F_ZVA) != 0) {
            return false; // a new chunk (next() loads and checks it), a caller that reads records, DC ZVA (its own rules)
        }
        int at = pos;
        if (at >= end) {
            return false;
        }
        int tag = p[at] & 0xff;
        if ((tag & (TAG_TEMPLATE | TAG_T)) != TAG_TEMPLATE || ((tag & TAG_VALUE) != 0) != hasValue) {
            return false;
        }
        int sel = (tag >>> SEL_SHIFT) & 3;
        int ci = ctxIndex(prev2Id, prev1Id);
        Template t;
        int mode = (tag >>> VA_SHIFT) & 3;
        long value = 0;
        try {
            pos = at + 1;
            if (sel == SEL_PRED2) {
                t = ctx[ci];
            } else if (sel == SEL_PRED1) {
                t = prev1Id < 0 ? null : tpl[prev1Id].succ;
            } else if (sel == SEL_REF) {
                long id = varint();
                t = id >= 0 && id < templates ? tpl[(int) id] : null;
            } else {
                t = null; // a definition: next() reads it
            }
            if (t == null || t.op != Op.WR || t.size != size || t.flags != flags) {
                pos = at;
                return false;
            }
            long got = mode == VA_STRIDE ? t.lastVa + t.stride : mode == VA_SEQUENTIAL ? prevVa + prevSize : deltaVa(mode, t);
            if (got != va) {
                pos = at;
                return false;
            }
            if (hasValue) {
                value = varint();
                if (size < 8 && (value >>> (size * 8)) != 0) {
                    pos = at; // next() reports it
                    return false;
                }
            }
            long c = (tag & TAG_CPU) != 0 ? varint() : 0;
            if (c != cpu || left == 1 && pos != end) {
                pos = at; // another CPU's store, or a chunk with bytes after its last record (next() reports it)
                return false;
            }
        } catch (InputException e) {
            pos = at; // does not decode: next() reports it
            return false;
        }
        left--;
        records++;
        runValue = value;
        advance(t, ci, va);
        return true;
    }

    @Override
    public long runStoreValue() {
        return runValue;
    }

    /** The tag of a template-coded record the second-order predictor names, at the address after the previous one, with nothing else (§4.2). */
    private static final byte CYCLE_TAG_SEQUENTIAL = (byte) (TAG_TEMPLATE | SEL_PRED2 << SEL_SHIFT | VA_SEQUENTIAL << VA_SHIFT);
    /** The same at its template's last address plus its stride (a loop: what a writer picks first). */
    private static final byte CYCLE_TAG_STRIDE = (byte) (TAG_TEMPLATE | SEL_PRED2 << SEL_SHIFT | VA_STRIDE << VA_SHIFT);
    /** Per place on the cycle, the first place with the same template (a loop of pair stores uses each twice). */
    private final int[] cycleSlot = new int[MAX_CYCLE];
    /** Per template of the cycle (by its first place), its last address and stride while {@link #peekRunStores} checks the first three rounds. */
    private final long[] cycleLastVa = new long[MAX_CYCLE];
    private final long[] cycleStride = new long[MAX_CYCLE];
    /** Per place, whether a stride record there lands at the next address once the rounds are steady (from the third). */
    private final boolean[] cycleStrideOk = new boolean[MAX_CYCLE];
    /** The longest cycle of templates {@link #peekRunStores} follows. */
    static final int MAX_CYCLE = 16;
    /** The templates {@link #peekRunStores} found, in the order the records use them; the cycle's length; how many records it peeked; the first one's address. */
    private final Template[] cycle = new Template[MAX_CYCLE];
    private int cycleLen;
    private int peeked;
    /** {@link #peekRunStores} does not follow the context again before this record count (see there). */
    private long peekAgainAt;
    /** Records to wait after the context led to no cycle of the run's stores. */
    private static final int PEEK_BACKOFF = 8;
    private long peekVa;

    /**
     * The run-at-a-time decode (TraceReader#peekRunStores). The predictor of §4.2 makes the bytes of
     * a {@code memcpy_toio} loop periodic: each record is one tag byte (the second-order context's
     * template, at the address after the previous record or at the template's last address plus its
     * stride), and the context names the templates in a fixed cycle (the loop's instructions). Such a
     * record writes to the context table exactly the template it read from it, so the table does not
     * change while they last and the cycle is known before they are decoded: from the current pair
     * of previous templates, follow the table until the pair comes back (at most {@link #MAX_CYCLE}
     * places, every template the run's store). The first three rounds are checked record by record
     * (a stride record must land at the next address). From the third on, a template's last address
     * and stride come from its last two uses, both inside the peeked records, so whether a stride
     * record at a place lands at the next address is the same in every round: the rest are counted
     * by comparing bytes. Nothing changes until {@link #commitRunStores} takes some of them.
     */
    @Override
    public int peekRunStores(long va, long size, int flags, int cpu, int max) {
        peeked = 0;
        if (records < peekAgainAt || max <= 0 || left == 0 || keepX || !readOnlyCaller || cpu != 0 || (flags & dev.gvsim.simcore.Access.F_ZVA) != 0 || prev1Id < 0
                || prev2Id < 0 || prevVa + prevSize != va || pos >= end) {
            return 0;
        }
        byte first = p[pos];
        if (first != CYCLE_TAG_SEQUENTIAL && first != CYCLE_TAG_STRIDE) {
            return 0;
        }
        int a = prev2Id;
        int b = prev1Id;
        int len = 0;
        do {
            Template t = ctx[ctxIndex(a, b)];
            if (len == MAX_CYCLE || t == null || t.op != Op.WR || t.size != size || t.flags != flags) {
                // not (yet) a cycle: at the start of a run the context still holds older successors
                // until the loop's first rounds rewrite them; following it costs up to MAX_CYCLE
                // lookups, so it is not tried again for a few records
                peekAgainAt = records + PEEK_BACKOFF;
                return 0;
            }
            int slot = len;
            for (int k = 0; k < len; k++) {
                if (cycle[k] == t) {
                    slot = cycleSlot[k];
                    break;
                }
            }
            cycleSlot[len] = slot;
            cycleLastVa[len] = t.lastVa;
            cycleStride[len] = t.stride;
            cycle[len++] = t;
            a = b;
            b = t.id;
        } while (a != prev2Id || b != prev1Id);
        int limit = Math.min(max, left);
        byte[] bytes = p;
        int at = pos;
        int m = 0;
        long expect = va;
        int checked = Math.min(limit, 3 * len);
        for (int c = 0; m < checked; m++) {
            byte tag = bytes[at + m];
            int slot = cycleSlot[c];
            boolean strideLands = cycleLastVa[slot] + cycleStride[slot] == expect;
            if (tag == CYCLE_TAG_STRIDE ? !strideLands : tag != CYCLE_TAG_SEQUENTIAL) {
                break;
            }
            cycleStrideOk[c] = strideLands; // the third round's outcome is every later round's
            cycleStride[slot] = expect - cycleLastVa[slot];
            cycleLastVa[slot] = expect;
            expect += size;
            if (++c == len) {
                c = 0;
            }
        }
        if (m == 3 * len) {
            for (int c = 0; m < limit; m++) {
                byte tag = bytes[at + m];
                if (tag != CYCLE_TAG_SEQUENTIAL && (tag != CYCLE_TAG_STRIDE || !cycleStrideOk[c])) {
                    break;
                }
                if (++c == len) {
                    c = 0;
                }
            }
        }
        if (m == left && at + m != end) {
            m--; // the chunk's last record must end its payload: next() reports the bytes after it
        }
        cycleLen = len;
        peekVa = va;
        peeked = m;
        return m;
    }

    /**
     * Takes the first {@code n} records {@link #peekRunStores} counted: the position and counts move
     * on, and the predictor state becomes what decoding them one by one leaves. Record i (from 1)
     * is {@code cycle[(i - 1) % P]} at {@code peekVa + (i - 1) * size}; only the last 2P of them are
     * replayed through {@link #advance}, since a template's last address and stride depend only on
     * its last two uses, and every template of the cycle is used at least twice in 2P records (the
     * first use in that window may compute a stride from an older address; the second overwrites it).
     */
    @Override
    public void commitRunStores(int n) {
        if (n < 0 || n > peeked) {
            throw new IllegalArgumentException("commitRunStores(" + n + ") after peekRunStores counted " + peeked);
        }
        peeked = 0;
        if (n == 0) {
            return;
        }
        int cl = cycleLen;
        long size = cycle[0].size;
        int from = Math.max(1, n - 2 * cl + 1);
        // the state before record `from`: the two records before it are on the cycle too (record 0 is
        // cycle[cl - 1] and record -1 cycle[cl - 2]: the cycle came back to the pair it started from)
        prev1Id = cycle[Math.floorMod(from - 2, cl)].id;
        prev2Id = cycle[Math.floorMod(from - 3, cl)].id;
        for (int i = from; i <= n; i++) {
            advance(cycle[(i - 1) % cl], ctxIndex(prev2Id, prev1Id), peekVa + (i - 1) * size);
        }
        pos += n;
        left -= n;
        records += n;
    }

    /** A template named by reference or defined here (the selectors the predictors did not cover). */
    private Template otherTemplate(int sel) throws InputException {
        switch (sel) {
            case SEL_PRED1:
                return null; // no previous record to predict from
            case SEL_REF: {
                long v = varint();
                return v >= 0 && v < templates ? tpl[(int) v] : null; // a varint is 64-bit: a huge reference reads as negative
            }
            default:
                return newTemplate();
        }
    }

    private long deltaVa(int mode, Template t) throws InputException {
        long d = unzigzag(varint());
        return mode == VA_DELTA_TPL ? t.lastVa + d : prevVa + d;
    }

    /** Value, time and CPU of a template record, when its tag says they follow. */
    private void templateExtras(TraceRecord r, int tag) throws InputException {
        if ((tag & TAG_VALUE) != 0) {
            long lo = varint();
            long hi = r.size == 16 ? varint() : 0;
            if (r.op == Op.RD) {
                r.hasExpect = true;
                r.expect = lo;
                r.expectHi = hi;
            } else {
                r.hasVal = true;
                r.val = lo;
                r.valHi = hi;
            }
        }
        if ((tag & TAG_T) != 0) {
            time(r);
        }
        if ((tag & TAG_CPU) != 0) {
            r.cpu = cpu();
        }
    }

    private Template newTemplate() throws InputException {
        if (templates >= MAX_TEMPLATES) {
            throw corrupt("more than " + MAX_TEMPLATES + " templates");
        }
        int op = u8();
        if (op != Op.RD.ordinal() && op != Op.WR.ordinal()) {
            throw corrupt("template op code " + op + " is not rd or wr");
        }
        long size = varint();
        long flags = varint();
        if (flags < 0 || flags > Integer.MAX_VALUE) {
            throw corrupt("template flags out of range");
        }
        int bits = u8();
        if ((bits & ~3) != 0) {
            throw corrupt("template presence bits 0x" + Integer.toHexString(bits));
        }
        long pc = (bits & 1) != 0 ? varint() : 0;
        String sym = (bits & 2) != 0 ? str() : null;
        String[] x = xkeys();
        int id = templates++;
        if (id == tpl.length) {
            tpl = Arrays.copyOf(tpl, id * 2);
        }
        Template t = new Template(id, op == Op.RD.ordinal() ? Op.RD : Op.WR, size, (int) flags, (bits & 1) != 0, pc, sym, x, prevVa);
        tpl[id] = t;
        return t;
    }

    private static final String[] NO_X = new String[0];

    private String[] xkeys() throws InputException {
        long count = varint();
        if (count < 0 || count > TraceRecord.MAX_X_KEYS) {
            throw corrupt(Long.toUnsignedString(count) + " x- keys (at most " + TraceRecord.MAX_X_KEYS + ")");
        }
        if (count == 0) {
            return NO_X;
        }
        String[] x = new String[(int) count * 2];
        for (int i = 0; i < count; i++) {
            x[2 * i] = xkey();
            x[2 * i + 1] = str();
        }
        return x;
    }

    private String xkey() throws InputException {
        String k = str();
        if (!lastKeyOk || !k.startsWith("x-") || k.length() < 3) {
            throw corrupt("x- key expected but found '" + k + "'");
        }
        return k;
    }

    private void genericRecord(TraceRecord r, int tag) throws InputException {
        Op op = Op.byCode(tag);
        if (op == null) {
            throw corrupt("unknown op code " + tag);
        }
        r.op = op;
        long pres = varint();
        if ((pres & ~P_ALL) != 0) {
            throw corrupt("unknown presence bits 0x" + Long.toHexString(pres));
        }
        switch (op) {
            case META: {
                long count = varint();
                if (count < 0 || count > TraceRecord.MAX_META) {
                    throw corrupt(Long.toUnsignedString(count) + " meta pairs (at most " + TraceRecord.MAX_META + ")");
                }
                for (int i = 0; i < count; i++) {
                    String k = str();
                    if (!lastKeyOk) {
                        throw corrupt("meta key '" + k + "' not usable as a key");
                    }
                    r.addMeta(k, str());
                }
                break;
            }
            case MACHINE:
                r.machineArgs = str();
                break;
            case MAP:
            case S2MAP:
                if (op == Op.MAP) {
                    r.va = varint();
                } else {
                    r.ipa = varint();
                }
                r.pa = varint();
                r.size = varint();
                r.attr = u8();
                if ((pres & P_FWB) != 0) {
                    r.fwb = u8();
                }
                break;
            case UNMAP:
                if ((pres & P_STAGE2) != 0) {
                    r.stage = 2;
                    r.ipa = varint();
                } else {
                    r.va = varint();
                }
                r.size = varint();
                break;
            case RD:
            case WR:
                r.va = varint();
                r.size = varint();
                break;
            case MEMCPY:
                r.dst = varint();
                r.src = varint();
                r.len = varint();
                break;
            case MEMSET:
                r.dst = varint();
                r.len = varint();
                break;
            case CFGRD:
            case CFGWR:
                r.bdf = (int) bounded(0xffff, "bdf");
                r.off = (int) bounded(0xffff, "off");
                r.size = varint();
                break;
            case IORD:
            case IOWR:
                r.port = varint();
                r.size = varint();
                break;
            case DELAY:
                r.ps = varint();
                break;
            case MARK:
                r.name = str();
                break;
            default:
                throw corrupt("unknown op " + op);
        }
        if ((pres & P_FWB) != 0 && op != Op.S2MAP || (pres & P_STAGE2) != 0 && op != Op.UNMAP) {
            throw corrupt("fwb/stage presence bit on " + op.word());
        }
        if ((pres & P_T) != 0) {
            time(r);
        }
        if ((pres & P_CPU) != 0) {
            r.cpu = cpu();
        }
        if ((pres & P_PC) != 0) {
            r.hasPc = true;
            r.pc = varint();
        }
        if ((pres & P_SYM) != 0) {
            r.sym = str();
        }
        if ((pres & P_IMPL) != 0) {
            r.setImpl(str());
        }
        if ((pres & P_X) != 0) {
            long count = varint();
            if (count < 0 || count > TraceRecord.MAX_X_KEYS) {
                throw corrupt(Long.toUnsignedString(count) + " x- keys (at most " + TraceRecord.MAX_X_KEYS + ")");
            }
            for (int i = 0; i < count; i++) {
                String k = xkey();
                String v = str();
                if (keepX) {
                    r.addX(k, v);
                }
            }
        }
        if ((pres & P_EXPECT) != 0) {
            r.hasExpect = true;
            r.expect = varint();
            r.expectHi = varint();
        }
        if ((pres & P_VAL) != 0) {
            r.hasVal = true;
            r.val = varint();
            r.valHi = varint();
        }
        if ((pres & P_FLAGS) != 0) {
            r.flags = (int) bounded(Integer.MAX_VALUE, "flags");
        }
    }

    private void time(TraceRecord r) throws InputException {
        long d = varint();
        long t = lastT + d;
        if (d < 0 || t < lastT) {
            throw corrupt("time delta overflows");
        }
        r.hasT = true;
        r.t = t;
    }

    private int cpu() throws InputException {
        return (int) bounded(RecordRules.MAX_CPU, "cpu");
    }

    private long bounded(long max, String what) throws InputException {
        long v = varint();
        if (Long.compareUnsigned(v, max) > 0) {
            throw corrupt(what + " out of range");
        }
        return v;
    }

    // ---- strings (§5)

    private boolean lastKeyOk;

    private String str() throws InputException {
        long ref = varint();
        if (ref < 0 || ref >= STR_BASE) {
            long id = ref - STR_BASE;
            if (ref < 0 || id >= stringCount) {
                throw corrupt("reference to undefined string " + Long.toUnsignedString(id));
            }
            lastKeyOk = keyOk[(int) id];
            return strings[(int) id];
        }
        long len = varint();
        // a varint is 64-bit: lengths >= 2^63 read as negative (found by TraceFormatFuzzTest)
        if (len < 0 || len > MAX_STRING_LEN || len > end - pos) {
            throw corrupt("string of " + Long.toUnsignedString(len) + " bytes overruns the chunk");
        }
        String s = new String(p, pos, (int) len, StandardCharsets.UTF_8);
        pos += (int) len;
        if (!textSafe(s)) {
            throw corrupt("string with a line break");
        }
        lastKeyOk = keySafe(s);
        if (ref == STR_NEW) {
            if (stringCount >= MAX_STRINGS || stringBytes + len > MAX_STRING_BYTES) {
                throw corrupt("string table exceeds its bounds");
            }
            if (stringCount == strings.length) {
                strings = Arrays.copyOf(strings, stringCount * 2);
                keyOk = Arrays.copyOf(keyOk, stringCount * 2);
            }
            strings[stringCount] = s;
            keyOk[stringCount++] = lastKeyOk;
            stringBytes += len;
        }
        return s;
    }

    // ---- bytes

    private int u8() throws InputException {
        if (pos >= end) {
            throw corrupt("record runs past the end of the chunk");
        }
        return p[pos++] & 0xff;
    }

    private long varint() throws InputException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw corrupt("record runs past the end of the chunk");
            }
            int b = p[pos++];
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                if (shift == 63 && (b & 0x7e) != 0) {
                    throw corrupt("varint longer than 64 bits");
                }
                return v;
            }
        }
        throw corrupt("varint longer than 10 bytes");
    }

    static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
