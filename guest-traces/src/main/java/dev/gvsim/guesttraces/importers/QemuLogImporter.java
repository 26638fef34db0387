package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports a QEMU {@code log} trace-backend file (docs/facts/simulators-and-formats.md §3.2-3.3) into gvsim
 * trace records.
 *
 * <p>Line prefixes: {@code PID@SEC.USEC:} glued to the event name, an ISO-8601 timestamp and a space,
 * or none. Timestamps become {@code t=} in picoseconds relative to the first timestamp of the file; a
 * time earlier than the previous record's is clamped to it and counted.
 *
 * <p>Translation:
 * <ul>
 * <li>{@code memory_region_ops_read/write} (with or without {@code cpu}, with or without the 6.1+
 * {@code name '…'}): on the ECAM region ({@code pcie-mmcfg-mmio}) a {@code cfgrd expect=} /
 * {@code cfgwr val=} whose bdf and offset come from the ECAM offset; in the PCIe I/O window an
 * {@code iord}/{@code iowr} with port = address − 0x3eff0000 (an I/O BAR behind a bridge is printed
 * relative to the bridge's I/O space, i.e. as the port itself: addresses below 64 KiB of a named
 * device region are ports); elsewhere (BARs, apertures) an identity
 * {@code map va=pa attr=device-ngnre} emitted once before the first use (the whole BAR if
 * {@code pci_update_mappings_add} named it, else the touched 4 KiB pages) and {@code rd va=pa
 * expect=} / {@code wr va=pa val=}. Platform regions (UART, GIC, flash, fw_cfg, RTC, GPIO, virtio-mmio)
 * are filtered unless {@link ImportOptions#keepPlatformRegions}.</li>
 * <li>{@code pci_cfg_read/write}: QEMU emits them next to the ECAM access they describe (the read
 * event before the ECAM read line, the write event after the ECAM write line). The pair becomes one
 * record with the ECAM line's size; a {@code pci_cfg_*} line without its ECAM line becomes a record
 * with an inferred size and {@code x-size=inferred}. Device names go into a final {@code meta}.</li>
 * <li>{@code pci_update_mappings_add/del}: a {@code mark} with the event text; BAR placements feed the
 * identity maps and the QXL I/O BAR base.</li>
 * <li>{@code qxl_io_write} (decimal fields): folded into the preceding I/O-window write it describes;
 * alone, an {@code iowr} at the QXL I/O BAR base (from {@code pci_update_mappings_add} BAR 3 or a
 * config write to BAR 3) + addr, or a {@code meta note=} if the base is unknown.</li>
 * <li>Events whose name starts with a mark prefix (default {@code virtio_}): a {@code mark} whose
 * name is the event text with host pointers ({@code vdev}, {@code vq}, {@code elem}) removed.</li>
 * <li>{@code virtio_gpu_cmd_*} lines are also counted per command in
 * {@link ImportReport#virtioGpuCommands}: the log says which commands QEMU's virtio-gpu ran, but holds no
 * guest RAM (rings, descriptors, command structures), so nothing in the imported trace lets a replay's
 * device see them; the count is how many the replay cannot process.</li>
 * <li>Other events are skipped and counted by name. A malformed line of a translated event is an
 * {@link InputException} naming the line.</li>
 * </ul>
 *
 * <p>This class reads the version ahead, writes the header and trailer records and dispatches each
 * line by event name. The work is done by:
 * {@link QemuLogLine} (line prefix, timestamp and event name; {@link QemuLogTime} for ISO-8601),
 * {@link QemuDeviceEvents} ({@code memory_region_ops_*}, {@code qxl_io_write}, marks),
 * {@link QemuCfgPairing} ({@code pci_cfg_*} and their ECAM lines),
 * {@link QemuPciState} (device names, BAR placements from {@code pci_update_mappings_*}, the QXL I/O
 * BAR base, identity maps) and {@link QemuLogCounters} (the report's counts).
 */
public final class QemuLogImporter {
    public static final String FORMAT = "qemu-log";

    static final String MR_READ = "memory_region_ops_read";
    static final String MR_WRITE = "memory_region_ops_write";
    static final String CFG_READ = "pci_cfg_read";
    static final String CFG_WRITE = "pci_cfg_write";
    static final String MAPPINGS_ADD = "pci_update_mappings_add";
    static final String MAPPINGS_DEL = "pci_update_mappings_del";
    static final String QXL_IO_WRITE = "qxl_io_write";

    /** Lines read ahead to look for the QEMU version before the header records are written. */
    static final int VERSION_LOOKAHEAD = 4096;
    /** Most distinct skipped event names / filtered regions tracked (bounds hostile input). */
    static final int MAX_COUNTED_NAMES = 4096;

    private final ImportOptions opts;

    public QemuLogImporter(ImportOptions opts) {
        this.opts = opts;
    }

    /**
     * Reads a whole log and writes the records. {@code sourceName} is the {@code source=} meta value
     * unless the options set one. The writer is not closed.
     */
    public ImportReport importFrom(Reader in, String sourceName, TraceWriter out) throws IOException, InputException {
        return new Run(new LineReader(in), out, opts.source() != null ? opts.source() : sourceName).run();
    }

    /** The QEMU options that record what this importer translates (docs/facts/simulators-and-formats.md §3.2). */
    public static final String QEMU_TRACE_OPTIONS = "-trace \"memory_region_ops_*\" -trace \"pci_cfg_*\" -trace \"pci_update_mappings_*\" "
            + "-trace \"qxl_*\" -trace \"virtio_*\" -D LOGFILE";

    /**
     * A file in which no line is an event this importer translates (random bytes, another tool's
     * log, a log recorded without the right -trace options) is not a QEMU log to import: the error
     * names the events expected and the QEMU options that produce them, and what the file held.
     */
    private InputException noEvents(ImportReport rep) {
        StringBuilder held = new StringBuilder();
        rep.skippedByEvent().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(4)
                .forEach(e -> held.append(held.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()));
        return new InputException("no QEMU trace event that gvsim imports in " + rep.linesRead() + " lines"
                + (rep.linesRead() == 0 ? "" : " (" + held + ")")
                + ": expected lines of QEMU's log trace backend for " + MR_READ + "/" + MR_WRITE + ", " + CFG_READ + "/" + CFG_WRITE + ", "
                + MAPPINGS_ADD + "/" + MAPPINGS_DEL + ", " + QXL_IO_WRITE
                + opts.markPrefixes().stream().map(p -> ", " + p + "*").collect(java.util.stream.Collectors.joining())
                + " events, as QEMU writes them when run with " + QEMU_TRACE_OPTIONS);
    }

    /** See {@link QemuLogTime#iso8601Micros}. */
    static long iso8601Micros(String s, int from, int to) {
        return QemuLogTime.iso8601Micros(s, from, to);
    }

    /** The low {@code size} bytes. */
    static long mask(int size) {
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /** One import: the handlers and their shared state, wired together. */
    private final class Run {
        final LineReader lines;
        final Emitter em;
        final String source;
        final Cursor cur = new Cursor();
        final QemuLogLine ln = new QemuLogLine();
        final QemuLogCounters counts = new QemuLogCounters();
        final QemuPciState pci;
        final QemuCfgPairing cfg;
        final QemuDeviceEvents dev;

        Run(LineReader lines, TraceWriter out, String source) {
            this.lines = lines;
            this.em = new Emitter(out);
            this.source = source;
            this.pci = new QemuPciState(em);
            this.cfg = new QemuCfgPairing(em, cur, ln, pci, counts, opts.keepPlatformRegions());
            this.dev = new QemuDeviceEvents(em, cur, ln, pci, cfg, counts, opts);
        }

        ImportReport run() throws IOException, InputException {
            List<String> ahead = new ArrayList<>();
            String version = null;
            String l;
            while (ahead.size() < VERSION_LOOKAHEAD && (l = lines.next()) != null) {
                ahead.add(l);
                if (version == null) {
                    version = QemuLogLine.findVersion(l);
                }
            }
            if (version == null) {
                version = opts.qemuVersion() != null ? opts.qemuVersion() : "unknown";
            }
            TraceRecord r = em.begin(Op.META);
            r.addMeta("source", source);
            r.addMeta("format", FORMAT);
            r.addMeta("qemu_version", version);
            em.emit();
            r = em.begin(Op.MACHINE);
            r.machineArgs = opts.machineArgs(List.of());
            em.emit();
            for (String a : ahead) {
                line(a);
            }
            ahead = null;
            while ((l = lines.next()) != null) {
                line(l);
            }
            em.noLineTime();
            cfg.flush();
            String devices = pci.devicesText();
            if (devices != null) {
                r = em.begin(Op.META);
                r.addMeta("pci_devices", devices);
                em.emit();
            }
            ImportReport rep = counts.report(em);
            if (opts.requireEvents() && rep.skippedLines() == rep.linesRead()) {
                throw noEvents(rep);
            }
            return rep;
        }

        private void line(String line) throws IOException, InputException {
            em.lineNo++;
            int at = ln.prefix(line);
            if (at < 0) {
                counts.skip(ImportReport.NOT_AN_EVENT);
                return;
            }
            int e = QemuLogLine.nameEnd(line, at);
            if (e == at || e < line.length() && line.charAt(e) != ' ') {
                counts.skip(ImportReport.NOT_AN_EVENT);
                return;
            }
            if (ln.hasTs) {
                em.observeTime(ln.tsUs);
            }
            if (line.startsWith(ImportReport.VIRTIO_GPU_CMD_PREFIX, at)) {
                counts.virtioGpuCommand(line.substring(at + ImportReport.VIRTIO_GPU_CMD_PREFIX.length(), e));
            }
            try {
                if (QemuLogLine.is(line, at, e, MR_READ)) {
                    dev.memoryRegionOps(line, e, false);
                } else if (QemuLogLine.is(line, at, e, MR_WRITE)) {
                    dev.memoryRegionOps(line, e, true);
                } else if (QemuLogLine.is(line, at, e, CFG_READ)) {
                    cfg.pciCfg(line, e, false);
                } else if (QemuLogLine.is(line, at, e, CFG_WRITE)) {
                    cfg.pciCfg(line, e, true);
                } else if (QemuLogLine.is(line, at, e, MAPPINGS_ADD)) {
                    mappings(line, at, e, true);
                } else if (QemuLogLine.is(line, at, e, MAPPINGS_DEL)) {
                    mappings(line, at, e, false);
                } else if (QemuLogLine.is(line, at, e, QXL_IO_WRITE)) {
                    dev.qxlIoWrite(line, e);
                } else if (dev.isMarkEvent(line, at)) {
                    dev.mark(line, at);
                } else {
                    counts.skip(line.substring(at, e));
                }
            } catch (Cursor.Bad b) {
                throw new InputException("line " + em.lineNo + ": malformed " + line.substring(at, e) + " line: expected "
                        + b.getMessage() + " at column " + (cur.p + 1) + " in: " + QemuLogLine.shorten(line));
            }
        }

        /**
         * {@code pci_update_mappings_add/del}: the BAR state first (a held ECAM-or-BAR write is then
         * flushed against the new placements), then a {@code mark} with the event text.
         */
        private void mappings(String line, int at, int e, boolean add) throws IOException, InputException {
            pci.mappings(cur.reset(line, e), add);
            cfg.flush();
            ln.applyTime(em);
            TraceRecord r = em.begin(Op.MARK);
            r.name = line.substring(at);
            em.emit();
        }
    }
}
