package dev.gvsim.machine.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.arm64mmu.MemoryType;

/**
 * Everything a replay observed. Serialised as the replay JSON (schema: docs/replay-json.md); every
 * number here was counted while the model ran.
 */
public final class ReplayResult {
    public String trace;
    public final Map<String, String> meta = new LinkedHashMap<>();
    public String machine;
    public final Map<String, String> attrOverrides = new TreeMap<>();
    public final Map<String, String> paramOverrides = new TreeMap<>();
    /** The {@code --stage2} mode, or null. */
    public String stage2;

    public long records;
    public long accesses;
    public long storesWithoutValue;
    public long skippedAfterFault;
    public long unaligned;
    /**
     * Unaligned accesses per final memory type, indexed by {@link MemoryType} ordinal: counted in an
     * array on the replay's hot path (no map lookup and no boxed Long per unaligned access);
     * {@link #unalignedByType()} is the report's view.
     */
    final long[] unalignedByTypeCount = new long[MemoryType.count()];
    public long simulatedTimePs;

    public long faultCount;
    public final List<Map<String, Object>> faults = new ArrayList<>();
    public long mismatchCount;
    public final List<Map<String, Object>> mismatches = new ArrayList<>();
    public final Map<String, Long> mismatchesPerDevice = new TreeMap<>();
    /** Reads of placeholders for devices gvsim does not model ({@code -device unmodelled,of=...}): not compared. */
    public long notModelledReads;
    public final Map<String, Long> notModelledPerDevice = new TreeMap<>();
    public long masterAbortCount;
    public final List<Map<String, Object>> masterAborts = new ArrayList<>();
    public final List<Map<String, Object>> marks = new ArrayList<>();
    public Map<String, Object> memoryTypes = new TreeMap<>();
    public Map<String, Object> devices = new TreeMap<>();
    public Map<String, Object> mmu = new TreeMap<>();
    /** Under a host stage 2: the loads and stores that trapped to the VMM ({@code accesses}, {@code latencyPs}); else null. */
    public Map<String, Object> trapped;
    /** Accesses and bus transactions over simulated time (the report's plots); sampled by the replayer. */
    public final Timeline timeline = new Timeline();
    /** The latency distributions the machine collected ({@link LatencyHistograms}), set at the end of the run. */
    public Map<String, Object> latencyHistograms = new TreeMap<>();
    /** The checkpoint this run continued from, or null (provenance for branched runs). */
    public String restoredFrom;

    /** True if the replay stopped early because every CPU's stream ended with a fault. */
    public boolean stoppedByFault;

    /** Exit code per the CLI contract: 0 clean, 1 faults or mismatches. */
    public int exitCode() {
        return faultCount > 0 || mismatchCount > 0 ? 1 : 0;
    }

    /** Unaligned accesses per memory type name, types with none left out. */
    public Map<String, Long> unalignedByType() {
        Map<String, Long> m = new TreeMap<>();
        for (int t = 0; t < unalignedByTypeCount.length; t++) {
            if (unalignedByTypeCount[t] != 0) {
                m.put(MemoryType.of(t).traceName(), unalignedByTypeCount[t]);
            }
        }
        return m;
    }

    /** The first fault, or null. */
    public Map<String, Object> firstFault() {
        return faults.isEmpty() ? null : faults.get(0);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trace", trace);
        m.put("meta", meta);
        m.put("machine", machine);
        Map<String, Object> ov = new LinkedHashMap<>();
        ov.put("attr", attrOverrides);
        ov.put("set", paramOverrides);
        ov.put("stage2", stage2);
        m.put("overrides", ov);
        m.put("checkpoint", restoredFrom);
        m.put("records", records);
        m.put("accesses", accesses);
        m.put("storesWithoutValue", storesWithoutValue);
        m.put("skippedAfterFault", skippedAfterFault);
        m.put("unaligned", unaligned);
        m.put("unalignedByType", unalignedByType());
        m.put("simulatedTimePs", simulatedTimePs);
        m.put("faultCount", faultCount);
        m.put("faults", faults);
        m.put("mismatchCount", mismatchCount);
        m.put("mismatchesPerDevice", mismatchesPerDevice);
        m.put("mismatches", mismatches);
        if (notModelledReads > 0) {
            m.put("notModelledReads", notModelledReads);
            m.put("notModelledPerDevice", notModelledPerDevice);
        }
        m.put("masterAbortCount", masterAbortCount);
        m.put("masterAborts", masterAborts);
        m.put("marks", marks);
        m.put("memoryTypes", memoryTypes);
        m.put("mmu", mmu);
        if (trapped != null) {
            m.put("trapped", trapped);
        }
        m.put("devices", devices);
        m.put("stoppedByFault", stoppedByFault);
        m.put("timeline", timeline.toJson());
        m.put("latencyHistograms", latencyHistograms);
        return m;
    }

    // ------------------------------------------------------------------ checkpoints

    /** The counts and lists observed so far (not the run's own trace name, machine or overrides). */
    @SuppressWarnings("unchecked")
    void saveState(dev.gvsim.simcore.state.StateWriter w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("meta", meta);
        m.put("records", records);
        m.put("accesses", accesses);
        m.put("storesWithoutValue", storesWithoutValue);
        m.put("skippedAfterFault", skippedAfterFault);
        m.put("unaligned", unaligned);
        m.put("unalignedByType", unalignedByType());
        m.put("faultCount", faultCount);
        m.put("faults", faults);
        m.put("mismatchCount", mismatchCount);
        m.put("mismatches", mismatches);
        m.put("mismatchesPerDevice", mismatchesPerDevice);
        m.put("notModelledReads", notModelledReads);
        m.put("notModelledPerDevice", notModelledPerDevice);
        m.put("masterAbortCount", masterAbortCount);
        m.put("masterAborts", masterAborts);
        m.put("marks", marks);
        m.put("timeline", timeline.state());
        w.putString(dev.gvsim.simcore.Json.write(m));
    }

    @SuppressWarnings("unchecked")
    void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        Map<String, Object> m;
        try {
            m = dev.gvsim.simcore.Json.mapper().readValue(r.getString(), LinkedHashMap.class);
        } catch (java.io.IOException | RuntimeException e) {
            throw new dev.gvsim.simcore.InputException("checkpoint replay section does not parse: " + e.getMessage(), e);
        }
        ((Map<String, Object>) m.get("meta")).forEach((k, v) -> meta.put(k, String.valueOf(v)));
        records = ((Number) m.get("records")).longValue();
        accesses = ((Number) m.get("accesses")).longValue();
        storesWithoutValue = ((Number) m.get("storesWithoutValue")).longValue();
        skippedAfterFault = ((Number) m.get("skippedAfterFault")).longValue();
        unaligned = ((Number) m.get("unaligned")).longValue();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m.get("unalignedByType")).entrySet()) {
            try {
                unalignedByTypeCount[MemoryType.fromTraceName(e.getKey()).ordinal()] = ((Number) e.getValue()).longValue();
            } catch (IllegalArgumentException | ClassCastException bad) {
                throw new dev.gvsim.simcore.InputException("checkpoint replay section: unalignedByType: " + bad.getMessage(), bad);
            }
        }
        faultCount = ((Number) m.get("faultCount")).longValue();
        faults.addAll((List<Map<String, Object>>) m.get("faults"));
        mismatchCount = ((Number) m.get("mismatchCount")).longValue();
        mismatches.addAll((List<Map<String, Object>>) m.get("mismatches"));
        ((Map<String, Object>) m.get("mismatchesPerDevice")).forEach((k, v) -> mismatchesPerDevice.put(k, ((Number) v).longValue()));
        notModelledReads = ((Number) m.getOrDefault("notModelledReads", 0)).longValue();
        ((Map<String, Object>) m.getOrDefault("notModelledPerDevice", Map.of())).forEach((k, v) -> notModelledPerDevice.put(k, ((Number) v).longValue()));
        masterAbortCount = ((Number) m.get("masterAbortCount")).longValue();
        masterAborts.addAll((List<Map<String, Object>>) m.get("masterAborts"));
        marks.addAll((List<Map<String, Object>>) m.get("marks"));
        timeline.restore(m.get("timeline"));
    }
}
