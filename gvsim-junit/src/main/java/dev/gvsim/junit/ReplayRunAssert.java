package dev.gvsim.junit;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AbstractLongAssert;
import org.assertj.core.api.AbstractStringAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.MapAssert;

/**
 * AssertJ assertions on a {@link ReplayRun}: faults (at which record, with which ESR, FAR, symbol),
 * outcome, mismatches, accesses per memory type and per PCI function, MMU counters. Every failure
 * message carries the run's outcome sentence and its first faults.
 */
public final class ReplayRunAssert extends AbstractAssert<ReplayRunAssert, ReplayRun> {
    /** Faults listed in a failure message. */
    static final int SHOWN = 5;

    public ReplayRunAssert(ReplayRun actual) {
        super(actual, ReplayRunAssert.class);
    }

    String context() {
        StringBuilder sb = new StringBuilder("\n  run: ").append(actual.name()).append("\n  outcome: ").append(actual.outcome());
        List<Map<String, Object>> f = actual.faults();
        for (int i = 0; i < Math.min(SHOWN, f.size()); i++) {
            sb.append("\n  fault ").append(FaultAssert.describe(f.get(i)));
        }
        if (f.size() > SHOWN) {
            sb.append("\n  ... ").append(actual.result().faultCount - SHOWN).append(" more");
        }
        return sb.toString();
    }

    /** There is a fault at record {@code record} (1-based among all records of the trace); then its ESR, FAR, symbol... */
    public FaultAssert faultsAt(long record) {
        isNotNull();
        for (Map<String, Object> f : actual.faults()) {
            if (f.get("index") instanceof Number n && n.longValue() == record) {
                return new FaultAssert(f, this);
            }
        }
        failWithMessage("expected a fault at record %d, but there is none there%s", record, context());
        return null;
    }

    /** The first fault taken; fails if there was none. */
    public FaultAssert firstFault() {
        isNotNull();
        if (actual.faults().isEmpty()) {
            failWithMessage("expected a fault, but the run took none%s", context());
        }
        return new FaultAssert(actual.faults().get(0), this);
    }

    public ReplayRunAssert hasNoFaults() {
        isNotNull();
        if (actual.result().faultCount != 0) {
            failWithMessage("expected no fault, but the run took %d%s", actual.result().faultCount, context());
        }
        return this;
    }

    public ReplayRunAssert hasFaultCount(long n) {
        isNotNull();
        if (actual.result().faultCount != n) {
            failWithMessage("expected %d faults, but the run took %d%s", n, actual.result().faultCount, context());
        }
        return this;
    }

    public ReplayRunAssert hasNoMismatches() {
        return hasMismatchCount(0);
    }

    /** Reads whose value differed from the recorded system's ({@code expect=}). */
    public ReplayRunAssert hasMismatchCount(long n) {
        isNotNull();
        if (actual.result().mismatchCount != n) {
            failWithMessage("expected %d mismatches, but there were %d (per device: %s)%s", n, actual.result().mismatchCount,
                    actual.result().mismatchesPerDevice, context());
        }
        return this;
    }

    /** No fault and no mismatch (the CLI's exit 0). */
    public ReplayRunAssert completesCleanly() {
        isNotNull();
        if (actual.result().exitCode() != 0) {
            failWithMessage("expected a clean run (no fault, no mismatch)%s", context());
        }
        return this;
    }

    /** The outcome sentence ({@code FAULT: alignment-fault on a 8-byte write of 0x... at record N in sym, ESR 0x...}). */
    public AbstractStringAssert<?> outcome() {
        isNotNull();
        return Assertions.assertThat(actual.outcome()).as("outcome of %s", actual.name());
    }

    /** Accesses per effective memory type ({@code normal-nc}, {@code device-ngnre}, ...), types with none left out. */
    public MapAssert<String, Long> accessesByMemoryType() {
        isNotNull();
        Map<String, Long> m = new TreeMap<>();
        actual.result().memoryTypes.forEach((k, v) -> {
            long n = v instanceof Map<?, ?> t && t.get("accesses") instanceof Number a ? a.longValue() : 0;
            if (n > 0) {
                m.put(k, n);
            }
        });
        return Assertions.assertThat(m).as("accesses by memory type in %s", actual.name());
    }

    /** Memory and I/O accesses per PCI function id ({@code qxl0}, {@code rp1}, ...), as the report's per-function table. */
    public MapAssert<String, Long> accessesByFunction() {
        isNotNull();
        Map<String, Long> m = new TreeMap<>();
        if (actual.result().devices.get("pci") instanceof Map<?, ?> pci && pci.get("functions") instanceof Map<?, ?> fns) {
            fns.forEach((k, v) -> {
                if (v instanceof Map<?, ?> f) {
                    m.put(String.valueOf(f.get("id")), number(f.get("mem_accesses")) + number(f.get("io_accesses")));
                }
            });
        }
        return Assertions.assertThat(m).as("accesses by PCI function in %s", actual.name());
    }

    /** Unaligned accesses per memory type. */
    public MapAssert<String, Long> unalignedByMemoryType() {
        isNotNull();
        return Assertions.assertThat(actual.result().unalignedByType()).as("unaligned accesses by memory type in %s", actual.name());
    }

    /** An MMU counter ({@code mmu.attr_mismatch}, {@code mmu.tlb.hits}, ...); 0 if the run never counted it. */
    public AbstractLongAssert<?> mmuCounter(String name) {
        isNotNull();
        return Assertions.assertThat(number(actual.result().mmu.get(name))).as("%s in %s", name, actual.name());
    }

    /** Simulated time at the end of the run, in picoseconds. */
    public AbstractLongAssert<?> simulatedTimePs() {
        isNotNull();
        return Assertions.assertThat(actual.result().simulatedTimePs).as("simulated time (ps) of %s", actual.name());
    }

    static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
