package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Imports Linux mmiotrace text (kernel/trace/trace_mmiotrace.c, Documentation/trace/mmiotrace.rst;
 * docs/facts/simulators-and-formats.md §3.5):
 * <ul>
 * <li>{@code VERSION n}: meta {@code mmiotrace_version}.</li>
 * <li>{@code PCIDEV BBDF VVVVDDDD irq start|flags×7 size×7 [driver]}: a meta record per device; devices
 * gvsim models (1b36:0100 QXL, 1af4:1050 virtio-gpu-pci) become {@code -device} arguments of the
 * machine record unless the options name devices.</li>
 * <li>{@code MAP ts id 0xPHYS 0xVIRT 0xLEN 0xPC pid}: {@code map va pa size attr=device-ngnre}
 * (ioremap's attributes on arm64), widened to whole 4 KiB pages.</li>
 * <li>{@code UNMAP ts id 0xPC pid}: {@code unmap} of that map.</li>
 * <li>{@code R|W width ts id 0xPHYS 0xVALUE 0xPC pid}: {@code rd expect=} / {@code wr val=} at the
 * mapped VA (map VIRT + PHYS − map PHYS), {@code pc=} when recorded. An access whose map is unknown
 * (lost events) goes through an identity map of its page and is counted as a note.</li>
 * <li>{@code MARK ts text}: {@code mark name=text}. {@code UNKNOWN ts id 0xPHYS b2,b1,b0 0xPC pid}
 * (an access whose instruction mmiotrace could not decode): a {@code mark}.</li>
 * </ul>
 * Other keywords are skipped and counted; a malformed known line is an InputException with its line
 * number. Timestamps {@code secs.usecs} become {@code t=} relative to the first.
 */
public final class MmiotraceImporter {
    public static final String FORMAT = "mmiotrace";

    /** Most maps alive at once (bounds hostile input; a driver has a handful). */
    static final int MAX_LIVE_MAPS = 1 << 16;
    /** Number of resources in a PCIDEV line: 6 BARs + expansion ROM (trace_mmiotrace.c, PCI_ROM_RESOURCE + 1). */
    static final int PCIDEV_RESOURCES = 7;
    /** Largest ioremap length accepted (the 64-bit address space minus a page; bounds the map record). */
    static final long MAX_MAP_LEN = 1L << 48;

    /** PCI vendor:device ids of the devices gvsim models, and their QEMU -device names. */
    static final Map<String, String> KNOWN_DEVICES = Map.of(
            "1b36:0100", "qxl", // Red Hat QXL (QEMU hw/display/qxl.c, PCI_DEVICE_ID_QXL)
            "1af4:1050", "virtio-gpu-pci"); // virtio 1.0 GPU, 0x1040 + device id 16 (VIRTIO 1.1 §4.1.2.1)

    private final ImportOptions opts;

    public MmiotraceImporter(ImportOptions opts) {
        this.opts = opts;
    }

    /** Reads a whole mmiotrace and writes the records; the writer is not closed. */
    public ImportReport importFrom(Reader in, String sourceName, TraceWriter out) throws IOException, InputException {
        return new Run(new LineReader(in), out, opts.source() != null ? opts.source() : sourceName).run();
    }

    private final class Run {
        final LineReader lines;
        final Emitter em;
        final String source;
        final Cursor cur = new Cursor();
        final TreeMap<String, Long> skipped = new TreeMap<>();
        final List<String> devices = new ArrayList<>();
        /** map_id -> {virt, phys, len, vaPage, sizePage}. */
        final Map<Long, long[]> maps = new HashMap<>();
        boolean machineWritten;
        /** Lines of a keyword this importer knows. */
        long recognised;

        Run(LineReader lines, TraceWriter out, String source) {
            this.lines = lines;
            this.em = new Emitter(out);
            this.source = source;
        }

        ImportReport run() throws IOException, InputException {
            TraceRecord r = em.begin(Op.META);
            r.addMeta("source", source);
            r.addMeta("format", FORMAT);
            em.emit();
            String l;
            while ((l = lines.next()) != null) {
                em.lineNo++;
                line(l);
            }
            machine();
            if (opts.requireEvents() && recognised == 0) {
                StringBuilder held = new StringBuilder();
                skipped.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(4)
                        .forEach(e -> held.append(held.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()));
                throw new InputException("no mmiotrace event in " + em.lineNo + " lines" + (held.length() == 0 ? "" : " (" + held + ")")
                        + ": expected lines starting with VERSION, PCIDEV, MAP, UNMAP, R, W, MARK or UNKNOWN, as Linux's mmiotrace writes them"
                        + " to /sys/kernel/debug/tracing/trace_pipe after 'echo mmiotrace > /sys/kernel/debug/tracing/current_tracer'"
                        + " (Documentation/trace/mmiotrace.rst)");
            }
            return new ImportReport(FORMAT, em.written, em.lineNo, skipped, new TreeMap<>(), em.clamped, 0, 0, em.notes, new TreeMap<>());
        }

        private void machine() throws IOException {
            if (!machineWritten) {
                machineWritten = true;
                em.noLineTime();
                TraceRecord r = em.begin(Op.MACHINE);
                r.machineArgs = opts.machineArgs(devices);
                em.emit();
            }
        }

        private void line(String line) throws IOException, InputException {
            String s = line.strip();
            if (s.isEmpty() || s.charAt(0) == '#') {
                return;
            }
            int sp = s.indexOf(' ');
            String kw = sp < 0 ? s : s.substring(0, sp);
            Cursor c = cur.reset(s, kw.length());
            recognised++;
            try {
                switch (kw) {
                    case "VERSION": {
                        String v = c.token();
                        c.endOfLine();
                        em.noLineTime();
                        TraceRecord r = em.begin(Op.META);
                        r.addMeta("mmiotrace_version", v);
                        em.emit();
                        return;
                    }
                    case "PCIDEV":
                        pcidev(c);
                        return;
                    case "MAP":
                        map(c);
                        return;
                    case "UNMAP":
                        unmap(c);
                        return;
                    case "R":
                    case "W":
                        access(c, kw.equals("W"));
                        return;
                    case "MARK": {
                        time(c);
                        c.spaces();
                        String text = c.p < s.length() ? s.substring(c.p) : "";
                        machine();
                        setTimeAgain();
                        TraceRecord r = em.begin(Op.MARK);
                        r.name = text;
                        em.emit();
                        return;
                    }
                    case "UNKNOWN":
                        unknown(c, s);
                        return;
                    default:
                        recognised--;
                        skipped.merge(kw.length() > 64 ? kw.substring(0, 64) : kw, 1L, Long::sum);
                        if (skipped.size() > QemuLogImporter.MAX_COUNTED_NAMES) {
                            throw new InputException("line " + em.lineNo + ": more than " + QemuLogImporter.MAX_COUNTED_NAMES
                                    + " distinct unknown keywords: not an mmiotrace");
                        }
                }
            } catch (Cursor.Bad b) {
                throw new InputException("line " + em.lineNo + ": malformed " + kw + " line: expected " + b.getMessage()
                        + " at column " + (c.p + 1) + " in: " + (s.length() > 200 ? s.substring(0, 200) + "..." : s));
            }
        }

        /** Reads "secs.usecs" and makes it the line's time. */
        private void time(Cursor c) throws InputException {
            long sec = c.dec();
            c.ch('.');
            int a = c.p;
            long usec = c.dec();
            int digits = c.p - a;
            if (digits > 6) {
                throw new Cursor.Bad("at most 6 digits of microseconds");
            }
            for (int k = digits; k < 6; k++) {
                usec *= 10;
            }
            if (sec > 1L << 40) {
                throw new Cursor.Bad("seconds below 2^40");
            }
            em.lineTime(sec * 1_000_000L + usec);
        }

        /** After machine() cleared the time, restore it for this line. */
        private void setTimeAgain() {
            em.lineHasT = true;
        }

        private void pcidev(Cursor c) throws IOException {
            c.spaces();
            int a = c.p;
            long bbdf = c.hexDigits();
            if (c.p - a != 4) {
                throw new Cursor.Bad("BBDF as 4 hex digits");
            }
            c.spaces();
            a = c.p;
            long vd = c.hexDigits();
            if (c.p - a != 8) {
                throw new Cursor.Bad("VVVVDDDD as 8 hex digits");
            }
            c.spaces();
            long irq = c.hexDigits();
            StringBuilder res = new StringBuilder();
            long[] start = new long[PCIDEV_RESOURCES];
            for (int i = 0; i < 2 * PCIDEV_RESOURCES; i++) {
                c.spaces();
                long v = c.hexDigits();
                if (i < PCIDEV_RESOURCES) {
                    start[i] = v;
                } else if (v != 0) {
                    int bar = i - PCIDEV_RESOURCES;
                    if (res.length() > 0) {
                        res.append(' ');
                    }
                    res.append(bar == 6 ? "rom" : "bar" + bar).append("=0x").append(Long.toHexString(start[bar]))
                            .append("+0x").append(Long.toHexString(v));
                }
            }
            c.spaces();
            String driver = c.atEnd() ? null : c.token();
            c.endOfLine();
            String bdf = String.format("%02x:%02x.%x", bbdf >>> 8, (bbdf >>> 3) & 0x1f, bbdf & 7);
            String ids = String.format("%04x:%04x", vd >>> 16, vd & 0xffff);
            em.noLineTime();
            TraceRecord r = em.begin(Op.META);
            r.addMeta("pcidev", bdf);
            r.addMeta("ids", ids);
            r.addMeta("irq", Long.toString(irq));
            if (res.length() > 0) {
                r.addMeta("resources", res.toString());
            }
            if (driver != null) {
                r.addMeta("driver", driver);
            }
            em.emit();
            String dev = KNOWN_DEVICES.get(ids);
            if (dev != null && devices.size() < 64) {
                devices.add(dev);
            }
        }

        private void map(Cursor c) throws IOException, InputException {
            time(c);
            long id = c.sdec();
            long phys = c.hex();
            long virt = c.hex();
            long len = c.hex();
            c.hex(); // pc (0: not recorded)
            c.sdec(); // pid
            c.endOfLine();
            if (len == 0 || Long.compareUnsigned(len, MAX_MAP_LEN) > 0) {
                throw new Cursor.Bad("a MAP length 1.." + MAX_MAP_LEN);
            }
            if ((phys & (Emitter.PAGE - 1)) != (virt & (Emitter.PAGE - 1))) {
                throw new Cursor.Bad("VIRT and PHYS with the same offset in the page (ioremap keeps it)");
            }
            long vaPage = virt & -Emitter.PAGE;
            long end = (virt + len + Emitter.PAGE - 1) & -Emitter.PAGE;
            if (Long.compareUnsigned(end, vaPage) <= 0 || Long.compareUnsigned(phys + len - 1, phys) < 0) {
                throw new Cursor.Bad("a MAP range inside the 64-bit address space");
            }
            if (maps.size() >= MAX_LIVE_MAPS && !maps.containsKey(id)) {
                throw new InputException("line " + em.lineNo + ": more than " + MAX_LIVE_MAPS + " live maps");
            }
            machine();
            setTimeAgain();
            TraceRecord r = em.begin(Op.MAP);
            r.va = vaPage;
            r.pa = phys & -Emitter.PAGE;
            r.size = end - vaPage;
            r.attr = Emitter.ATTR_DEVICE_NGNRE;
            em.emit();
            em.noteMapped(vaPage, end - vaPage);
            maps.put(id, new long[] {virt, phys, len, vaPage, end - vaPage});
        }

        private void unmap(Cursor c) throws IOException, InputException {
            time(c);
            long id = c.sdec();
            c.hex();
            c.sdec();
            c.endOfLine();
            long[] m = maps.remove(id);
            if (m == null) {
                skipped.merge("UNMAP (unknown map id)", 1L, Long::sum);
                return;
            }
            machine();
            setTimeAgain();
            TraceRecord r = em.begin(Op.UNMAP);
            r.va = m[3];
            r.size = m[4];
            em.emit();
            em.noteUnmapped(m[3]);
        }

        private void access(Cursor c, boolean write) throws IOException, InputException {
            long width = c.dec();
            time(c);
            long id = c.sdec();
            long phys = c.hex();
            long value = c.hex();
            long pc = c.hex();
            c.sdec();
            c.endOfLine();
            if (width != 1 && width != 2 && width != 4 && width != 8) {
                throw new Cursor.Bad("width 1, 2, 4 or 8");
            }
            if (width < 8 && (value >>> (8 * width)) != 0) {
                throw new Cursor.Bad("a value that fits in " + width + " bytes");
            }
            machine();
            setTimeAgain();
            long va;
            long[] m = maps.get(id);
            if (m == null || Long.compareUnsigned(phys - m[1], m[2]) >= 0 || Long.compareUnsigned(phys - m[1] + width, m[2]) > 0) {
                m = null;
                for (long[] o : maps.values()) {
                    if (Long.compareUnsigned(phys - o[1], o[2]) < 0 && Long.compareUnsigned(phys - o[1] + width, o[2]) <= 0) {
                        m = o;
                        break;
                    }
                }
            }
            if (m != null) {
                va = m[0] + (phys - m[1]);
            } else {
                // no MAP for it (events lost, or mapped before tracing started): identity map of its page
                if (!em.covered(phys, width)) {
                    em.note("mmiotrace access without a MAP at line " + em.lineNo + ": identity-mapped 0x"
                            + Long.toHexString(phys & -Emitter.PAGE));
                    setTimeAgain();
                    em.mapIdentity(phys, phys + width);
                }
                va = phys;
            }
            TraceRecord r = em.begin(write ? Op.WR : Op.RD);
            r.va = va;
            r.size = width;
            r.setData(write, value);
            if (pc != 0) {
                r.hasPc = true;
                r.pc = pc;
            }
            em.emit();
        }

        private void unknown(Cursor c, String s) throws IOException, InputException {
            time(c);
            long id = c.sdec();
            long phys = c.hex();
            c.spaces();
            int a = c.p;
            for (int i = 0; i < 3; i++) {
                if (i > 0) {
                    c.ch(',');
                }
                c.hexDigits();
            }
            String bytes = s.substring(a, c.p);
            long pc = c.hex();
            c.sdec();
            c.endOfLine();
            machine();
            setTimeAgain();
            TraceRecord r = em.begin(Op.MARK);
            r.name = "mmiotrace UNKNOWN map " + id + " phys 0x" + Long.toHexString(phys) + " opcode " + bytes + " pc 0x"
                    + Long.toHexString(pc);
            em.emit();
        }
    }
}
