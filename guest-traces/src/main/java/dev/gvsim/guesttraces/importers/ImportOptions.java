package dev.gvsim.guesttraces.importers;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an importer cannot learn from the input: the machine to build ({@code -M}, {@code -device}),
 * the QEMU version if the log does not name it, which regions to keep and which events to keep as marks.
 * Mutable, fluent; not shared between threads.
 */
public final class ImportOptions {
    /** The machine QEMU emulated in the reference runs (docs/facts/qemu-reference-runs.md §1.3). */
    public static final String DEFAULT_MACHINE = "-M virt";

    private String machine = DEFAULT_MACHINE;
    private final List<String> devices = new ArrayList<>();
    private boolean keepPlatformRegions;
    private String qemuVersion;
    private String source;
    private final List<String> markPrefixes = new ArrayList<>(List.of("virtio_"));
    private boolean requireEvents;

    /** The {@code -M ...} part of the machine record (default {@value #DEFAULT_MACHINE}). */
    public ImportOptions machine(String m) {
        this.machine = Objects.requireNonNull(m);
        return this;
    }

    /** Adds a {@code -device} argument (without "-device"), e.g. {@code "qxl,bus=rp1"}. */
    public ImportOptions device(String d) {
        devices.add(Objects.requireNonNull(d));
        return this;
    }

    /**
     * Keep accesses to regions that are not device registers (PL011 UART, GIC, flash, fw_cfg, PL031 RTC,
     * PL061 GPIO, virtio-mmio): default false, they are filtered and counted per region.
     */
    public ImportOptions keepPlatformRegions(boolean keep) {
        this.keepPlatformRegions = keep;
        return this;
    }

    /** QEMU version to state when the log does not name it (null: "unknown"). */
    public ImportOptions qemuVersion(String v) {
        this.qemuVersion = v;
        return this;
    }

    /**
     * An input in which no line is an event the importer translates is an InputException naming the
     * events expected and how to record them (what {@code gvsim import} wants: random bytes or another
     * tool's log are not an empty recording). Default false: a fragment of a log imports to a trace
     * with only its header records.
     */
    public ImportOptions requireEvents(boolean require) {
        this.requireEvents = require;
        return this;
    }

    /** See {@link #requireEvents(boolean)}. */
    public boolean requireEvents() {
        return requireEvents;
    }

    /** The {@code source=} meta value (default: the input's file name). */
    public ImportOptions source(String s) {
        this.source = s;
        return this;
    }

    /** Adds an event-name prefix whose events become {@code mark} records (default just "virtio_"). */
    public ImportOptions markPrefix(String prefix) {
        markPrefixes.add(Objects.requireNonNull(prefix));
        return this;
    }

    /** Removes all mark prefixes (then only those added afterwards apply). */
    public ImportOptions clearMarkPrefixes() {
        markPrefixes.clear();
        return this;
    }

    public String machine() {
        return machine;
    }

    public List<String> devices() {
        return List.copyOf(devices);
    }

    public boolean keepPlatformRegions() {
        return keepPlatformRegions;
    }

    public String qemuVersion() {
        return qemuVersion;
    }

    public String source() {
        return source;
    }

    public List<String> markPrefixes() {
        return List.copyOf(markPrefixes);
    }

    /** The machine {@code args=} value: machine, then each device as {@code -device D}. */
    String machineArgs(List<String> fallbackDevices) {
        StringBuilder sb = new StringBuilder(machine);
        for (String d : devices.isEmpty() ? fallbackDevices : devices) {
            sb.append(" -device ").append(d);
        }
        return sb.toString();
    }
}
