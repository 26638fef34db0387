package dev.gvsim.guesttraces.format;

import dev.gvsim.simcore.Access;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * One trace record (docs/trace-format.md "Ops"), mutable and reused: a reader fills the same instance for
 * every record (after {@link #clear()}), so nothing is allocated per record. Which fields mean
 * something depends on {@link #op}; the others keep their {@link #clear()} defaults.
 */
public final class TraceRecord {
    /** {@code attr=} names; {@link #attr} is the index (docs/trace-format.md, map/s2map). */
    public static final String[] ATTR_NAMES = {"device-ngnrne", "device-ngnre", "device-ngre", "device-gre", "normal-nc",
        "normal-wt", "normal-wb"};

    /** {@code flags=} words, bit i = 1 << i, equal to {@link Access#F_EXCL} .. {@link Access#F_ZVA}. */
    static final String[] FLAG_NAMES = {"excl", "acq", "rel", "atomic", "pair", "zva"};
    /** The instruction-class flags a trace carries; other {@link Access} flag bits are model-internal. */
    public static final int TRACE_FLAGS = Access.F_EXCL | Access.F_ACQ | Access.F_REL | Access.F_ATOMIC | Access.F_PAIR
            | Access.F_ZVA;

    /** Most {@code x-} keys on one record, and most key/value pairs on one {@code meta} record (bounds hostile input). */
    public static final int MAX_X_KEYS = 64;
    public static final int MAX_META = 256;

    public Op op;
    /** 1-based among all records of the trace. */
    public long index;
    /** Text line number, -1 if the record came from a binary trace or from code. */
    public long line = -1;
    public boolean hasT;
    /** Issue time in picoseconds. */
    public long t;
    public int cpu;
    public long va, pa, ipa, size;
    /** Index into {@link #ATTR_NAMES}; -1 when absent. */
    public int attr = -1;
    /** s2map {@code fwb=}: -1 absent, 0, 1. */
    public int fwb = -1;
    /** unmap {@code stage=}: 1 (default) or 2. */
    public int stage = 1;
    public boolean hasExpect;
    /** Expected value; {@link #expectHi} holds bits 64..127 of 16-byte values. */
    public long expect, expectHi;
    public boolean hasVal;
    public long val, valHi;
    /** {@link Access} F_EXCL/F_ACQ/F_REL/F_ATOMIC/F_PAIR/F_ZVA bits. */
    public int flags;
    public boolean hasPc;
    public long pc;
    /** Symbol; readers intern it (the same String instance for the same symbol). */
    public String sym;
    public long dst, src, len;
    private String impl;
    /** PCI bus/device/function: bus << 8 | device << 3 | function. */
    public int bdf;
    /** Config space offset. */
    public int off;
    public long port;
    /** delay length in picoseconds. */
    public long ps;
    /** mark name. */
    public String name;
    /** machine {@code args=}. */
    public String machineArgs;

    private String[] metaKeys = new String[4];
    private String[] metaValues = new String[4];
    private int metaCount;
    private String[] xKeys = new String[2];
    private String[] xValues = new String[2];
    private int xCount;

    /** The memcpy/memset {@code impl=} name, or null if absent. */
    public String implName() {
        return impl;
    }

    public void setImpl(String implName) {
        this.impl = implName;
    }

    /** Calls {@code f} with each meta key and value in file order. */
    public void forEachMeta(BiConsumer<String, String> f) {
        for (int i = 0; i < metaCount; i++) {
            f.accept(metaKeys[i], metaValues[i]);
        }
    }

    public int metaCount() {
        return metaCount;
    }

    public String metaKey(int i) {
        Objects.checkIndex(i, metaCount);
        return metaKeys[i];
    }

    public String metaValue(int i) {
        Objects.checkIndex(i, metaCount);
        return metaValues[i];
    }

    /** Appends a meta pair (for {@link Op#META}). */
    public void addMeta(String key, String value) {
        if (metaCount == MAX_META) {
            throw new IllegalStateException("more than " + MAX_META + " meta keys on one record");
        }
        if (metaCount == metaKeys.length) {
            metaKeys = Arrays.copyOf(metaKeys, metaCount * 2);
            metaValues = Arrays.copyOf(metaValues, metaCount * 2);
        }
        metaKeys[metaCount] = Objects.requireNonNull(key);
        metaValues[metaCount++] = Objects.requireNonNull(value);
    }

    /** Number of {@code x-} keys (kept and round-tripped, ignored by the model). */
    public int xCount() {
        return xCount;
    }

    /** The i-th x- key name, including the {@code x-} prefix. */
    public String xKey(int i) {
        Objects.checkIndex(i, xCount);
        return xKeys[i];
    }

    public String xValue(int i) {
        Objects.checkIndex(i, xCount);
        return xValues[i];
    }

    /** The value of x- key {@code key} (e.g. "x-insn"), or null. */
    public String x(String key) {
        for (int i = 0; i < xCount; i++) {
            if (xKeys[i].equals(key)) {
                return xValues[i];
            }
        }
        return null;
    }

    /** Appends an {@code x-} key; the name must start with "x-". */
    public void addX(String key, String value) {
        if (!key.startsWith("x-") || key.length() < 3) {
            throw new IllegalArgumentException("x- key expected, got " + key);
        }
        if (xCount == MAX_X_KEYS) {
            throw new IllegalStateException("more than " + MAX_X_KEYS + " x- keys on one record");
        }
        if (xCount == xKeys.length) {
            xKeys = Arrays.copyOf(xKeys, xCount * 2);
            xValues = Arrays.copyOf(xValues, xCount * 2);
        }
        xKeys[xCount] = key;
        xValues[xCount++] = Objects.requireNonNull(value);
    }

    /**
     * {@link #addX} for keys and values a reader already validated (binary templates): no checks on
     * the per-record path. Package-private on purpose.
     */
    void addXTrusted(String key, String value) {
        if (xCount == xKeys.length) {
            xKeys = Arrays.copyOf(xKeys, Math.max(4, xCount * 2));
            xValues = Arrays.copyOf(xValues, Math.max(4, xCount * 2));
        }
        xKeys[xCount] = key;
        xValues[xCount++] = value;
    }

    /** The data of an access: {@code val=} for a store, {@code expect=} for a load (bits 0..63; bits 64..127 stay 0). */
    public void setData(boolean write, long value) {
        if (write) {
            hasVal = true;
            val = value;
        } else {
            hasExpect = true;
            expect = value;
        }
    }

    /** Back to the defaults: no op, line -1, cpu 0, attr -1, fwb -1, stage 1, nothing present. */
    public void clear() {
        op = null;
        index = 0;
        line = -1;
        hasT = false;
        t = 0;
        cpu = 0;
        va = pa = ipa = size = 0;
        attr = -1;
        fwb = -1;
        stage = 1;
        hasExpect = false;
        expect = expectHi = 0;
        hasVal = false;
        val = valHi = 0;
        flags = 0;
        hasPc = false;
        pc = 0;
        sym = null;
        dst = src = len = 0;
        impl = null;
        bdf = 0;
        off = 0;
        port = 0;
        ps = 0;
        name = null;
        machineArgs = null;
        for (int i = 0; i < metaCount; i++) {
            metaKeys[i] = null;
            metaValues[i] = null;
        }
        metaCount = 0;
        for (int i = 0; i < xCount; i++) {
            xKeys[i] = null;
            xValues[i] = null;
        }
        xCount = 0;
    }

    /**
     * {@link #clear()} for a record that the binary reader's template path fills next (an rd/wr): that
     * path always sets op, va, size, flags, hasPc, pc and sym, so those are left to it; the fields it
     * sets only sometimes are reset here; the fields no rd/wr record has are checked with loads
     * (cheaper than the ~20 stores of resetting them) and reset only if one was set. The result is
     * the same record as after {@link #clear()} plus the template's fields.
     */
    void clearForTemplate() {
        clearTemplateVarying();
        if ((pa | ipa | dst | src | len | port | ps | bdf | off | metaCount | (attr + 1) | (fwb + 1) | (stage - 1)) != 0
                || impl != null || name != null || machineArgs != null) {
            clear();
        }
    }

    /**
     * The part of {@link #clearForTemplate()} that does not look at the fields no rd/wr record has:
     * enough when the reader itself filled this record last, from a template, and the caller
     * promised not to write to it ({@link TraceReader#callerOnlyReadsRecords()}).
     */
    void clearTemplateVarying() {
        index = 0;
        line = -1;
        hasT = false;
        t = 0;
        cpu = 0;
        hasExpect = false;
        expect = expectHi = 0;
        hasVal = false;
        val = valHi = 0;
        for (int i = 0; i < xCount; i++) {
            xKeys[i] = null;
            xValues[i] = null;
        }
        xCount = 0;
    }

    /** Copies every field of {@code o} into this record. */
    public void copyFrom(TraceRecord o) {
        clear();
        op = o.op;
        index = o.index;
        line = o.line;
        hasT = o.hasT;
        t = o.t;
        cpu = o.cpu;
        va = o.va;
        pa = o.pa;
        ipa = o.ipa;
        size = o.size;
        attr = o.attr;
        fwb = o.fwb;
        stage = o.stage;
        hasExpect = o.hasExpect;
        expect = o.expect;
        expectHi = o.expectHi;
        hasVal = o.hasVal;
        val = o.val;
        valHi = o.valHi;
        flags = o.flags;
        hasPc = o.hasPc;
        pc = o.pc;
        sym = o.sym;
        dst = o.dst;
        src = o.src;
        len = o.len;
        impl = o.impl;
        bdf = o.bdf;
        off = o.off;
        port = o.port;
        ps = o.ps;
        name = o.name;
        machineArgs = o.machineArgs;
        for (int i = 0; i < o.metaCount; i++) {
            addMeta(o.metaKeys[i], o.metaValues[i]);
        }
        for (int i = 0; i < o.xCount; i++) {
            addX(o.xKeys[i], o.xValues[i]);
        }
    }

    /**
     * True if both records hold the same trace content: every field except {@link #index} and
     * {@link #line} (where the record came from), x- keys and meta pairs in order; t, pc, expect and
     * val count only when present.
     */
    public boolean sameContent(TraceRecord o) {
        if (op != o.op || hasT != o.hasT || hasT && t != o.t || cpu != o.cpu || va != o.va || pa != o.pa || ipa != o.ipa
                || size != o.size || attr != o.attr || fwb != o.fwb || stage != o.stage || hasExpect != o.hasExpect
                || hasExpect && (expect != o.expect || expectHi != o.expectHi) || hasVal != o.hasVal
                || hasVal && (val != o.val || valHi != o.valHi) || flags != o.flags || hasPc != o.hasPc || hasPc && pc != o.pc || !Objects.equals(sym, o.sym) || dst != o.dst
                || src != o.src || len != o.len || !Objects.equals(impl, o.impl) || bdf != o.bdf || off != o.off
                || port != o.port || ps != o.ps || !Objects.equals(name, o.name)
                || !Objects.equals(machineArgs, o.machineArgs) || metaCount != o.metaCount || xCount != o.xCount) {
            return false;
        }
        for (int i = 0; i < metaCount; i++) {
            if (!metaKeys[i].equals(o.metaKeys[i]) || !metaValues[i].equals(o.metaValues[i])) {
                return false;
            }
        }
        for (int i = 0; i < xCount; i++) {
            if (!xKeys[i].equals(o.xKeys[i]) || !xValues[i].equals(o.xValues[i])) {
                return false;
            }
        }
        return true;
    }

    /** The record as one line of the text form (allocates; for messages and tests). */
    @Override
    public String toString() {
        try {
            return TextTraceWriter.format(this);
        } catch (RuntimeException | java.io.IOException e) {
            return op + "(unwritable: " + e.getMessage() + ")";
        }
    }
}
