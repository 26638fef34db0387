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
 */
public record ImportReport(String format, long recordsWritten, long linesRead, SortedMap<String, Long> skippedByEvent,
        SortedMap<String, Long> filteredRegions, long clampedTimestamps, long pairedLines, long inferredSizes,
        long notes) {
    /** Key of {@link #skippedByEvent} for lines that carry no event name. */
    public static final String NOT_AN_EVENT = "(not an event)";

    public ImportReport {
        skippedByEvent = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(skippedByEvent));
        filteredRegions = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(filteredRegions));
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
