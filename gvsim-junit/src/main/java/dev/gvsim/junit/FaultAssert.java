package dev.gvsim.junit;

import java.util.Map;

import org.assertj.core.api.AbstractAssert;

/** One fault of a replay (docs/replay-json.md {@code faults}): its ESR, FAR, type, symbol, address, memory type. */
public final class FaultAssert extends AbstractAssert<FaultAssert, Map<String, Object>> {
    private final ReplayRunAssert run;

    FaultAssert(Map<String, Object> fault, ReplayRunAssert run) {
        super(fault, FaultAssert.class);
        this.run = run;
    }

    static String describe(Map<String, Object> f) {
        return String.format("record %s: %s on a %s-byte %s of %s, ESR %s, FAR %s, in %s, memory type %s", f.get("index"), f.get("type"), f.get("size"),
                f.get("kind"), f.get("va"), f.get("esr"), f.get("far"), f.get("sym"), f.get("memType"));
    }

    private FaultAssert field(String key, String what, Object expected, String expectedText) {
        Object v = actual.get(key);
        if (!String.valueOf(expected).equals(String.valueOf(v))) {
            failWithMessage("expected the fault at record %s to have %s %s, but it has %s\n  fault %s%s", actual.get("index"), what, expectedText,
                    v, describe(actual), run.context());
        }
        return this;
    }

    /** ESR (ESR_EL1, or ESR_EL2 for a stage-2 fault), e.g. {@code 0x96000061}. */
    public FaultAssert withEsr(long esr) {
        return field("esr", "ESR", String.format("0x%08x", esr), String.format("0x%08x", esr));
    }

    /**
     * ESR given as a 32-bit literal ({@code withEsr(0x96000061)}, which Java reads as a negative int):
     * taken as unsigned, the architected ESR_ELx[31:0] with the upper half zero.
     */
    public FaultAssert withEsr(int esr) {
        return withEsr(Integer.toUnsignedLong(esr));
    }

    /** FAR: the faulting virtual address. */
    public FaultAssert withFar(long far) {
        return field("far", "FAR", "0x" + Long.toHexString(far), "0x" + Long.toHexString(far));
    }

    /** The access's virtual address. */
    public FaultAssert atVa(long va) {
        return field("va", "va", "0x" + Long.toHexString(va), "0x" + Long.toHexString(va));
    }

    /** {@code alignment-fault}, {@code translation-fault}, {@code permission-fault}, {@code external-abort}, ... */
    public FaultAssert withType(String type) {
        return field("type", "type", type, type);
    }

    /** The symbol of the faulting instruction ({@code setup_slot+0x38}), from the trace's symbol records. */
    public FaultAssert inSymbol(String sym) {
        return field("sym", "symbol", sym, sym);
    }

    /** The memory type as far as translation got ({@code device-ngnre}, ...). */
    public FaultAssert withMemoryType(String memType) {
        return field("memType", "memory type", memType, memType);
    }

    /** Back to the run. */
    public ReplayRunAssert and() {
        return run;
    }
}
