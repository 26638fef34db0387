package dev.gvsim.guesttraces.importers;

import java.util.SortedMap;

/**
 * What an import did.
 *
 * @param format            "qemu-log" or "mmiotrace"
 * @param recordsWritten    records handed to the TraceWriter
 * @param linesRead         input lines read
 * @param skippedByEvent    lines of events the importer does not translate, per event name (sorted);
 *                          lines that are not events at all count under {@value #NOT_AN_EVENT}
 * @param filteredRegions   memory_region_ops lines dropped because the region is not a device register, per region
 * @param clampedTimestamps lines whose time was earlier than a previous line's and was clamped to it
 * @param pairedLines       trace lines folded into a record made from a neighbouring line (pci_cfg_* with its
 *                          ECAM access, qxl_io_write with its I/O-window access)
 * @param inferredSizes     config accesses whose size had to be inferred (no ECAM line to take it from)
 * @param notes             meta notes written for events that could not be placed (e.g. qxl_io_write
 *                          without a known I/O BAR base), or mmiotrace accesses without a MAP
 * @param virtioGpuCommands the log's {@code virtio_gpu_cmd_*} lines per command (event name without that
 *                          prefix, e.g. {@code res_flush}; sorted): the commands QEMU's virtio-gpu ran. A QEMU
 *                          log holds no guest RAM, so the descriptors and command structures they came from are
 *                          not in the imported trace (they become {@code mark} records with the default mark
 *                          prefixes); a replay's virtio-gpu finds its rings empty and processes none of them
 */
public record ImportReport(String format, long recordsWritten, long linesRead, SortedMap<String, Long> skippedByEvent,
        SortedMap<String, Long> filteredRegions, long clampedTimestamps, long pairedLines, long inferredSizes,
        long notes, SortedMap<String, Long> virtioGpuCommands) {
    /** Key of {@link #skippedByEvent} for lines that carry no event name. */
    public static final String NOT_AN_EVENT = "(not an event)";

    public ImportReport {
        skippedByEvent = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(skippedByEvent));
        filteredRegions = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(filteredRegions));
        virtioGpuCommands = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(virtioGpuCommands));
    }

    /** Event-name prefix of the virtio-gpu command trace events (QEMU hw/display/trace-events). */
    public static final String VIRTIO_GPU_CMD_PREFIX = "virtio_gpu_cmd_";

    /** Total of {@link #virtioGpuCommands}. */
    public long virtioGpuCommandCount() {
        return virtioGpuCommands.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Total of {@link #skippedByEvent}. */
    public long skippedLines() {
        return skippedByEvent.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Total of {@link #filteredRegions}. */
    public long filteredLines() {
        return filteredRegions.values().stream().mapToLong(Long::longValue).sum();
    }
}
