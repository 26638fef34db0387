package dev.gvsim.guesttraces.importers;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counters of a QEMU {@code log} import that the {@link Emitter} does not keep, and the
 * {@link ImportReport} made from both: lines skipped per event name (events not translated, and
 * {@link ImportReport#NOT_AN_EVENT}), {@code memory_region_ops_*} lines filtered per platform region
 * (UART, GIC, ... see {@link VirtMap}), lines folded into a neighbour's record ({@code pci_cfg_*} with
 * its ECAM line, {@code qxl_io_write} with its I/O-window line) and config accesses of inferred size.
 *
 * <p>At most {@link QemuLogImporter#MAX_COUNTED_NAMES} names per map; further names count under
 * {@code (other)}, so hostile input cannot grow the maps without bound.
 */
final class QemuLogCounters {
    private final Map<String, long[]> skipped = new HashMap<>();
    private final Map<String, long[]> filtered = new HashMap<>();
    private final Map<String, long[]> virtioGpuCommands = new HashMap<>();
    /** Lines folded into the record of a neighbouring line. */
    long paired;
    /** Config accesses whose size was inferred. */
    long inferred;

    /** Counts a line of an event that is not translated (or of no event). */
    void skip(String event) {
        count(skipped, event);
    }

    /** Counts a memory_region_ops line dropped because it touches a platform region. */
    void filter(String region) {
        count(filtered, region);
    }

    /** Counts a {@code virtio_gpu_cmd_*} line by its command (the event name after that prefix). */
    void virtioGpuCommand(String command) {
        count(virtioGpuCommands, command);
    }

    ImportReport report(Emitter em) {
        return new ImportReport(QemuLogImporter.FORMAT, em.written, em.lineNo, counts(skipped), counts(filtered), em.clamped,
                paired, inferred, em.notes, counts(virtioGpuCommands));
    }

    private static void count(Map<String, long[]> m, String key) {
        long[] c = m.get(key);
        if (c == null) {
            if (m.size() >= QemuLogImporter.MAX_COUNTED_NAMES) {
                key = "(other)";
                c = m.get(key);
            }
            if (c == null) {
                c = new long[1];
                m.put(key, c);
            }
        }
        c[0]++;
    }

    private static <K> TreeMap<K, Long> counts(Map<K, long[]> m) {
        TreeMap<K, Long> out = new TreeMap<>();
        for (Map.Entry<K, long[]> e : m.entrySet()) {
            out.put(e.getKey(), e.getValue()[0]);
        }
        return out;
    }
}
