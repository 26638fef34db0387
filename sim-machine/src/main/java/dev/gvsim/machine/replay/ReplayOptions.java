package dev.gvsim.machine.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a replay run may override and how it reports. */
public final class ReplayOptions {
    /** Keep going after a fault (record it) instead of stopping that CPU's stream. */
    public boolean continueAfterFault;
    /** {@code --attr PA=ATTR}: the attribute of every {@code map} record whose pa is PA. */
    public final Map<Long, String> attrOverrides = new TreeMap<>();
    /** {@code --set NAME=VALUE} model parameter overrides, in the order given. */
    public final List<String> paramSets = new ArrayList<>();
    /** A machine given on the command line ({@code -M}/{@code -device}), replacing the trace's. */
    public String machineOverride;
    /** How many faults, mismatches and master aborts are listed individually (all are counted). */
    public int maxListed = 1000;
    /**
     * A host stage 2 installed before the first record ({@code --stage2}): null or "none" for no
     * stage 2 (IPA = PA), "kvm" for KVM's stage 2 without FEAT_S2FWB, "kvm-fwb" with it. See
     * {@link dev.gvsim.machine.Machine#applyStage2}.
     */
    public String stage2;
    /** Stop after this many records (0 = all); used by checkpoints and tests. */
    public long stopAfterRecords;
    /**
     * Runs of store records go through the machine in one go ({@code Machine.storeRun}, issue 29)
     * where it can; false forces the general path for every record ({@code --general-path}). The
     * outcome is the same either way (ReplayBatchDifferentialTest).
     */
    public boolean batchRuns = true;

    /** Parses {@code PA=ATTR}; throws IllegalArgumentException with a one-line reason. */
    public void addAttrOverride(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--attr expects PA=ATTR (e.g. 0x13ffe000=device-ngnre), got '" + spec + "'");
        }
        String pa = spec.substring(0, eq).trim();
        String attr = spec.substring(eq + 1).trim();
        long p;
        try {
            p = pa.startsWith("0x") || pa.startsWith("0X") ? Long.parseUnsignedLong(pa.substring(2), 16) : Long.parseLong(pa);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--attr: '" + pa + "' is not an address (hex with 0x or decimal)");
        }
        dev.gvsim.arm64mmu.MemoryType.fromTraceName(attr); // validates, lists the names on error
        attrOverrides.put(p, attr);
    }
}
