package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Imports a QEMU {@code log} trace-backend file (facts/simulators-and-formats.md §3.2-3.3) into gvsim
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
 * <li>Other events are skipped and counted by name. A malformed line of a translated event is an
 * {@link InputException} naming the line.</li>
 * </ul>
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

    /** QXL's I/O port BAR (QEMU hw/display/qxl.c: pci_register_bar(..., QXL_IO_RANGE_INDEX = 3, ...)). */
    static final int QXL_IO_BAR = 3;
    /** Config offset of BAR n: 0x10 + 4n (PCI Local Bus Spec 3.0 §6.2.5.1). */
    static final int CFG_BAR0 = 0x10;
    /** BAR bit 0: I/O space indicator; bits [1:0] are not address bits for I/O BARs (§6.2.5.1). */
    static final long BAR_IO_SPACE = 0x1, BAR_IO_ADDR_MASK = ~0x3L;
    /** Lines read ahead to look for the QEMU version before the header records are written. */
    static final int VERSION_LOOKAHEAD = 4096;
    /** Text that names the QEMU version (qemu --version, also printed by some wrappers into logs). */
    static final String VERSION_TEXT = "QEMU emulator version ";
    /** Config space of one function, 4 KiB (PCIe Base Spec 7.2.2). */
    static final int CFG_SPACE = 0x1000;
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

    private static final int PEND_NONE = 0, PEND_CFG_READ = 1, PEND_ECAM_WRITE = 2, PEND_AMBIG_WRITE = 3;

    private final class Run {
        final LineReader lines;
        final Emitter em;
        final String source;
        final Cursor cur = new Cursor();
        final Map<String, long[]> skipped = new HashMap<>();
        final Map<String, long[]> filtered = new HashMap<>();
        final String[] markPrefixes = opts.markPrefixes().toArray(new String[0]);
        final boolean keepPlatform = opts.keepPlatformRegions();
        long paired;
        long inferred;

        // timestamp of the current line
        boolean hasTs;
        long tsUs;

        // the pending half of a pci_cfg_* / ECAM pair
        int pend = PEND_NONE;
        boolean pendHasT;
        long pendT;
        int pendBdf;
        boolean pendBusKnown;
        int pendOff;
        long pendVal;
        int pendSize;
        int pendCpu;
        long pendAddr;
        long pendMr;

        /** ECAM MemoryRegion pointers learnt from pairing unnamed lines with pci_cfg_* (QEMU before 6.1). */
        final Set<Long> ecamMrs = new HashSet<>();
        /** PCI device names by bdf from pci_cfg_* and pci_update_mappings_* lines. */
        final TreeMap<Integer, String> devNames = new TreeMap<>();
        /** BAR placements from pci_update_mappings_add: key bdf << 3 | bar, value {addr, size}. */
        final TreeMap<Integer, long[]> bars = new TreeMap<>();
        /** bdfs whose BARs pci_update_mappings_* described (config-write guesses then stay out). */
        final Set<Integer> mappingsSeen = new HashSet<>();
        /** QXL I/O BAR base port by bdf. */
        final TreeMap<Integer, Long> qxlIoBase = new TreeMap<>();

        // the last I/O-window write, for folding the qxl_io_write that follows it
        long lastIoWritten = -1;
        long lastIoPort;
        long lastIoVal;
        int lastIoSize;

        Run(LineReader lines, TraceWriter out, String source) {
            this.lines = lines;
            this.em = new Emitter(out);
            this.source = source;
        }

        ImportReport run() throws IOException, InputException {
            List<String> ahead = new ArrayList<>();
            String version = null;
            String l;
            while (ahead.size() < VERSION_LOOKAHEAD && (l = lines.next()) != null) {
                ahead.add(l);
                if (version == null) {
                    version = findVersion(l);
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
            flushPending();
            if (!devNames.isEmpty()) {
                StringBuilder sb = new StringBuilder();
                for (Map.Entry<Integer, String> e : devNames.entrySet()) {
                    if (sb.length() > 0) {
                        sb.append(' ');
                    }
                    sb.append(bdfText(e.getKey())).append('=').append(e.getValue());
                }
                r = em.begin(Op.META);
                r.addMeta("pci_devices", sb.toString());
                em.emit();
            }
            return new ImportReport(FORMAT, em.written, em.lineNo, counts(skipped), counts(filtered), em.clamped, paired,
                    inferred, em.notes);
        }

        private void line(String line) throws IOException, InputException {
            em.lineNo++;
            int at = prefix(line);
            if (at < 0) {
                count(skipped, ImportReport.NOT_AN_EVENT);
                return;
            }
            int e = at;
            int n = line.length();
            while (e < n && isNameChar(line.charAt(e))) {
                e++;
            }
            if (e == at || e < n && line.charAt(e) != ' ') {
                count(skipped, ImportReport.NOT_AN_EVENT);
                return;
            }
            if (hasTs) {
                em.observeTime(tsUs);
            }
            try {
                if (is(line, at, e, MR_READ)) {
                    memoryRegionOps(line, e, false);
                } else if (is(line, at, e, MR_WRITE)) {
                    memoryRegionOps(line, e, true);
                } else if (is(line, at, e, CFG_READ)) {
                    pciCfg(line, e, false);
                } else if (is(line, at, e, CFG_WRITE)) {
                    pciCfg(line, e, true);
                } else if (is(line, at, e, MAPPINGS_ADD)) {
                    mappings(line, at, e, true);
                } else if (is(line, at, e, MAPPINGS_DEL)) {
                    mappings(line, at, e, false);
                } else if (is(line, at, e, QXL_IO_WRITE)) {
                    qxlIoWrite(line, e);
                } else if (isMarkEvent(line, at)) {
                    mark(line, at, e);
                } else {
                    count(skipped, line.substring(at, e));
                }
            } catch (Cursor.Bad b) {
                throw new InputException("line " + em.lineNo + ": malformed " + line.substring(at, e) + " line: expected "
                        + b.getMessage() + " at column " + (cur.p + 1) + " in: " + shorten(line));
            }
        }

        // ---- prefixes and time

        /** Index of the event name, -1 if the line has a prefix that does not parse; sets hasTs/tsUs. */
        private int prefix(String s) {
            hasTs = false;
            int n = s.length();
            if (n == 0) {
                return -1;
            }
            if (!isDigit(s.charAt(0))) {
                return 0; // style 3: bare
            }
            int i = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i < n && s.charAt(i) == '@') {
                // style 1: PID@SEC.USEC: (QEMU scripts/tracetool/backend/log.py "%d@%zu.%06zu:")
                int p = i + 1;
                int a = p;
                long sec = 0;
                while (p < n && isDigit(s.charAt(p)) && p - a < 12) {
                    sec = sec * 10 + (s.charAt(p++) - '0');
                }
                if (p == a || p >= n || s.charAt(p) != '.') {
                    return -1;
                }
                p++;
                a = p;
                long usec = 0;
                while (p < n && isDigit(s.charAt(p)) && p - a < 6) {
                    usec = usec * 10 + (s.charAt(p++) - '0');
                }
                if (p == a || p >= n || s.charAt(p) != ':') {
                    return -1;
                }
                for (int k = p - a; k < 6; k++) {
                    usec *= 10;
                }
                hasTs = true;
                tsUs = sec * 1_000_000L + usec;
                return p + 1;
            }
            if (i == 4 && i < n && s.charAt(i) == '-') {
                // style 2: ISO-8601 UTC timestamp and a space (QEMU util/log.c, g_date_time_format_iso8601)
                int sp = s.indexOf(' ');
                if (sp < 0) {
                    return -1;
                }
                long us = iso8601Micros(s, 0, sp);
                if (us == Long.MIN_VALUE) {
                    return -1;
                }
                hasTs = true;
                tsUs = us;
                return sp + 1;
            }
            return 0; // a bare line starting with a digit: not an event name, counted by the caller
        }

        private void setTime() throws InputException {
            if (hasTs) {
                em.lineTime(tsUs);
            } else {
                em.noLineTime();
            }
        }

        // ---- memory_region_ops_read/write

        private void memoryRegionOps(String line, int from, boolean write) throws IOException, InputException {
            Cursor c = cur.reset(line, from);
            int cpu = 0;
            if (c.tryWord("cpu")) {
                cpu = (int) Math.max(0, Math.min(c.sdec(), 4095)); // -1: no vCPU (device context)
            }
            c.word("mr");
            long mr = c.pointer();
            c.word("addr");
            long addr = c.hex();
            c.word("value");
            long value = c.hex();
            c.word("size");
            long size = c.dec();
            String name = null;
            if (c.tryWord("name")) {
                c.spaces();
                int q1 = c.p;
                int q2 = line.lastIndexOf('\'');
                if (q1 >= line.length() || line.charAt(q1) != '\'' || q2 <= q1) {
                    throw new Cursor.Bad("name '...'");
                }
                name = line.substring(q1 + 1, q2);
                c.p = q2 + 1;
            }
            c.endOfLine();
            if (size != 1 && size != 2 && size != 4 && size != 8) {
                c.p = from;
                throw new Cursor.Bad("size 1, 2, 4 or 8");
            }
            // QEMU traces the callback's 64-bit result before applying the access mask (system/memory.c
            // memory_region_read_accessor: "*value |= (tmp & mask) << shift" after the trace), e.g. ~0 for
            // a config read of an absent function: the CPU sees the low size bytes.
            value &= mask((int) size);
            int sz = (int) size;
            if (name != null) {
                if (name.equals(VirtMap.ECAM_REGION)) {
                    long off = VirtMap.ecamOffset(addr);
                    if (off < 0) {
                        throw new Cursor.Bad("an ECAM offset below 0x10000000");
                    }
                    ecam(off, sz, value, cpu, write);
                } else if (VirtMap.isPlatformName(name)) {
                    platform(name, addr, sz, value, cpu, write);
                } else if (VirtMap.inIoWindow(addr)) {
                    io(addr - VirtMap.PCIE_PIO, sz, value, cpu, write);
                } else if (addr < VirtMap.PCIE_PIO_SIZE) {
                    // an I/O BAR behind a bridge: QEMU prints the address inside the bridge's I/O space
                    // (reached through an alias), i.e. the port number (qxl_rp: addr 0x1005 'qxl-ioports')
                    io(addr, sz, value, cpu, write);
                } else {
                    mmio(addr, sz, value, cpu, write);
                }
                return;
            }
            // QEMU before 6.1: no region name; classify by MemoryRegion pointer and the virt address map
            if (ecamMrs.contains(mr) || VirtMap.inHighEcam(addr)) {
                long off = VirtMap.ecamOffset(addr);
                if (off < 0) {
                    throw new Cursor.Bad("an ECAM offset below 0x10000000");
                }
                ecam(off, sz, value, cpu, write);
            } else if (VirtMap.inIoWindow(addr)) {
                io(addr - VirtMap.PCIE_PIO, sz, value, cpu, write);
            } else if (addr < VirtMap.PCIE_PIO_SIZE && barContaining(addr, sz) != null) {
                io(addr, sz, value, cpu, write); // an I/O BAR behind a bridge, see the named case
            } else if (VirtMap.inPciMmio(addr)) {
                mmio(addr, sz, value, cpu, write);
            } else if (!write && pend == PEND_CFG_READ && sz <= 4 && matchesPending(addr) && pendVal == value) {
                ecamMrs.add(mr);
                ecam(addr, sz, value, cpu, false);
            } else if (write && sz <= 4 && VirtMap.ecamOffset(addr) >= 0) {
                // an ECAM write (if a pci_cfg_write follows) or a platform device write
                flushPending();
                setTime();
                pend = PEND_AMBIG_WRITE;
                pendHasT = em.lineHasT;
                pendT = em.lineT;
                pendAddr = addr;
                pendSize = sz;
                pendVal = value;
                pendCpu = cpu;
                pendMr = mr;
            } else {
                String region = VirtMap.platformByAddress(addr);
                if (region == null) {
                    mmio(addr, sz, value, cpu, write);
                } else {
                    platform(region, addr, sz, value, cpu, write);
                }
            }
        }

        private boolean matchesPending(long ecamOff) {
            int bdf = (int) (ecamOff >>> VirtMap.ECAM_DEVFN_SHIFT) & 0xffff;
            int off = (int) (ecamOff & VirtMap.ECAM_REG_MASK);
            boolean bdfMatch = pendBusKnown ? bdf == pendBdf : (bdf & 0xff) == (pendBdf & 0xff);
            return bdfMatch && off == pendOff;
        }

        private void ecam(long ecamOff, int size, long value, int cpu, boolean write) throws IOException, InputException {
            int bdf = (int) (ecamOff >>> VirtMap.ECAM_DEVFN_SHIFT) & 0xffff;
            int off = (int) (ecamOff & VirtMap.ECAM_REG_MASK);
            if (size > 4 || off + size > CFG_SPACE) {
                throw new Cursor.Bad("an ECAM access of 1, 2 or 4 bytes inside one function's 4 KiB");
            }
            if (!write) {
                if (pend == PEND_CFG_READ && matchesPending(ecamOff) && pendVal == value) {
                    // the pci_cfg_read line before this one described this access: one record at its time
                    pend = PEND_NONE;
                    paired++;
                    em.beginAt(Op.CFGRD, pendHasT, pendT);
                    cfg(em.r, bdf, off, size, cpu);
                    em.r.hasExpect = true;
                    em.r.expect = value;
                    em.emit();
                    setTime();
                    return;
                }
                flushPending();
                setTime();
                cfg(em.begin(Op.CFGRD), bdf, off, size, cpu);
                em.r.hasExpect = true;
                em.r.expect = value;
                em.emit();
                return;
            }
            flushPending();
            setTime();
            pend = PEND_ECAM_WRITE;
            pendHasT = em.lineHasT;
            pendT = em.lineT;
            pendBdf = bdf;
            pendBusKnown = true;
            pendOff = off;
            pendSize = size;
            pendVal = value;
            pendCpu = cpu;
        }

        private void cfg(TraceRecord r, int bdf, int off, int size, int cpu) {
            r.bdf = bdf;
            r.off = off;
            r.size = size;
            r.cpu = cpu;
        }

        private void io(long port, int size, long value, int cpu, boolean write) throws IOException, InputException {
            if (size > 4) {
                throw new Cursor.Bad("an I/O access of 1, 2 or 4 bytes");
            }
            flushPending();
            setTime();
            TraceRecord r = em.begin(write ? Op.IOWR : Op.IORD);
            r.port = port;
            r.size = size;
            r.cpu = cpu;
            r.setData(write, value);
            em.emit();
            if (write) {
                lastIoWritten = em.written;
                lastIoPort = port;
                lastIoVal = value;
                lastIoSize = size;
            }
        }

        private void mmio(long addr, int size, long value, int cpu, boolean write) throws IOException, InputException {
            flushPending();
            setTime();
            access(addr, size, value, cpu, write);
        }

        private void access(long addr, int size, long value, int cpu, boolean write) throws IOException {
            if (!em.covered(addr, size)) {
                long[] bar = barContaining(addr, size);
                if (bar != null) {
                    em.mapIdentity(bar[0], bar[0] + bar[1]);
                } else {
                    em.mapIdentity(addr, addr + size);
                }
            }
            TraceRecord r = em.begin(write ? Op.WR : Op.RD);
            r.va = addr;
            r.size = size;
            r.cpu = cpu;
            r.setData(write, value);
            em.emit();
        }

        private long[] barContaining(long addr, int size) {
            for (long[] b : bars.values()) {
                if (b[1] > 0 && Long.compareUnsigned(addr, b[0]) >= 0
                        && Long.compareUnsigned(addr + size, b[0] + b[1]) <= 0 && Long.compareUnsigned(b[0] + b[1], b[0]) > 0) {
                    return b;
                }
            }
            return null;
        }

        private void platform(String region, long addr, int size, long value, int cpu, boolean write)
                throws IOException, InputException {
            if (keepPlatform) {
                mmio(addr, size, value, cpu, write);
            } else {
                count(filtered, region);
            }
        }

        /** Writes the held half of a pair on its own. */
        private void flushPending() throws IOException {
            int p = pend;
            if (p == PEND_NONE) {
                return;
            }
            pend = PEND_NONE;
            boolean saveHas = em.lineHasT;
            long saveT = em.lineT;
            em.lineHasT = pendHasT;
            em.lineT = pendT;
            try {
                if (p == PEND_CFG_READ) {
                    TraceRecord r = em.begin(Op.CFGRD);
                    cfg(r, pendBusKnown ? pendBdf : pendBdf & 0xff, pendOff, inferSize(pendOff, pendVal), pendCpu);
                    r.hasExpect = true;
                    r.expect = pendVal;
                    r.addX("x-size", "inferred");
                    inferred++;
                    em.emit();
                } else if (p == PEND_ECAM_WRITE) {
                    TraceRecord r = em.begin(Op.CFGWR);
                    cfg(r, pendBdf, pendOff, pendSize, pendCpu);
                    r.hasVal = true;
                    r.val = pendVal;
                    em.emit();
                } else {
                    String region = VirtMap.platformByAddress(pendAddr);
                    if (keepPlatform || region == null) {
                        access(pendAddr, pendSize, pendVal, pendCpu, true);
                    } else {
                        count(filtered, region);
                    }
                }
            } finally {
                em.lineHasT = saveHas;
                em.lineT = saveT;
            }
        }

        // ---- pci_cfg_read/write

        private void pciCfg(String line, int from, boolean write) throws IOException, InputException {
            Cursor c = cur.reset(line, from);
            String dev = c.token();
            c.spaces();
            int bdf;
            boolean busKnown;
            // QEMU >= 7.1: "%02x:%02x.%x" (bus:slot.func, hex); before: "%02u:%u" (slot:func, decimal)
            int save = c.p;
            long a = c.hexDigits();
            c.ch(':');
            long b = c.hexDigits();
            if (c.tryCh('.')) {
                long f = c.hexDigits();
                if (a > 0xff || b > 0x1f || f > 7) {
                    throw new Cursor.Bad("bus:slot.func within ff:1f.7");
                }
                bdf = (int) (a << 8 | b << 3 | f);
                busKnown = true;
            } else {
                c.p = save;
                long slot = c.dec();
                c.ch(':');
                long f = c.dec();
                if (slot > 0x1f || f > 7) {
                    throw new Cursor.Bad("slot:func within 31:7");
                }
                bdf = (int) (slot << 3 | f);
                busKnown = false;
            }
            c.spaces();
            c.ch('@');
            long off = c.hex();
            c.word(write ? "<-" : "->");
            long val = c.hex();
            c.endOfLine();
            if (off >= CFG_SPACE || val > 0xffff_ffffL) {
                throw new Cursor.Bad("offset < 0x1000 and a 32-bit value");
            }
            // a config access is naturally aligned inside its dword (PCI 3.0 §3.2.2.3.2): the widest
            // one at this offset bounds the value QEMU can have printed (found by ImporterFuzzTest)
            int widest = (off & 3) == 0 ? 4 : (off & 1) == 0 ? 2 : 1;
            if (widest < 4 && val >> (8 * widest) != 0) {
                throw new Cursor.Bad("a value that fits a " + widest + "-byte config access at offset 0x" + Long.toHexString(off)
                        + " (found 0x" + Long.toHexString(val) + ")");
            }
            if (busKnown && devNames.size() < MAX_COUNTED_NAMES) {
                devNames.putIfAbsent(bdf, dev);
            }
            if (!write) {
                flushPending();
                setTime();
                pend = PEND_CFG_READ;
                pendHasT = em.lineHasT;
                pendT = em.lineT;
                pendBdf = bdf;
                pendBusKnown = busKnown;
                pendOff = (int) off;
                pendVal = val;
                pendCpu = 0;
                return;
            }
            if (busKnown) {
                learnQxlBaseFromConfig(dev, bdf, (int) off, val);
            }
            if (pend == PEND_ECAM_WRITE && pendOff == off
                    && (busKnown ? pendBdf == bdf : (pendBdf & 0xff) == bdf) && (pendVal & mask(pendSize)) == val) {
                pend = PEND_NONE;
                paired++;
                emitCfgWrite(pendHasT, pendT, pendBdf, pendOff, pendSize, pendVal, pendCpu, false);
                setTime();
                return;
            }
            if (pend == PEND_AMBIG_WRITE && pendSize <= 4) {
                long eo = VirtMap.ecamOffset(pendAddr);
                int ebdf = (int) (eo >>> VirtMap.ECAM_DEVFN_SHIFT) & 0xffff;
                if ((eo & VirtMap.ECAM_REG_MASK) == off && (busKnown ? ebdf == bdf : (ebdf & 0xff) == bdf)
                        && (pendVal & mask(pendSize)) == val && (eo & VirtMap.ECAM_REG_MASK) + pendSize <= CFG_SPACE) {
                    pend = PEND_NONE;
                    paired++;
                    ecamMrs.add(pendMr);
                    emitCfgWrite(pendHasT, pendT, ebdf, (int) off, pendSize, pendVal, pendCpu, false);
                    setTime();
                    return;
                }
            }
            flushPending();
            setTime();
            inferred++;
            emitCfgWrite(em.lineHasT, em.lineT, bdf, (int) off, inferSize((int) off, val), val, 0, true);
        }

        private void emitCfgWrite(boolean hasT, long t, int bdf, int off, int size, long val, int cpu, boolean inferredSize)
                throws IOException {
            TraceRecord r = em.beginAt(Op.CFGWR, hasT, t);
            cfg(r, bdf, off, size, cpu);
            r.hasVal = true;
            r.val = val;
            if (inferredSize) {
                r.addX("x-size", "inferred");
            }
            em.emit();
        }

        /**
         * Size of a config access whose ECAM line is missing: the widest naturally aligned access at
         * {@code off} (4, 2, 1) that stays inside the dword; the trace does not say, so it is marked.
         */
        private int inferSize(int off, long val) {
            if ((off & 3) == 0) {
                return 4;
            }
            if ((off & 1) == 0 && val <= 0xffff) {
                return 2;
            }
            return val <= 0xff ? 1 : (off & 1) == 0 ? 2 : 1;
        }

        private void learnQxlBaseFromConfig(String dev, int bdf, int off, long val) {
            if (!isQxl(dev) || mappingsSeen.contains(bdf) || off != CFG_BAR0 + 4 * QXL_IO_BAR) {
                return;
            }
            if ((val & BAR_IO_SPACE) != 0 && val != 0xffff_ffffL) {
                qxlIoBase.put(bdf, val & BAR_IO_ADDR_MASK & 0xffff_ffffL);
            }
        }

        // ---- pci_update_mappings_add/del

        private void mappings(String line, int at, int e, boolean add) throws IOException, InputException {
            Cursor c = cur.reset(line, e);
            String dev = c.token();
            c.spaces();
            long bus = c.hexDigits();
            c.ch(':');
            long slot = c.hexDigits();
            c.ch('.');
            long fn = c.hexDigits();
            if (bus > 0xff || slot > 0x1f || fn > 7) {
                throw new Cursor.Bad("bus:slot.func within ff:1f.7");
            }
            long bar = c.sdec();
            c.ch(',');
            long addr = c.hex();
            c.ch('+');
            long size = c.hex();
            c.endOfLine();
            if (bar < 0 || bar > 6) {
                throw new Cursor.Bad("a BAR index 0..6");
            }
            int bdf = (int) (bus << 8 | slot << 3 | fn);
            int key = bdf << 3 | (int) bar;
            if (!dev.startsWith("d=") && devNames.size() < MAX_COUNTED_NAMES) {
                devNames.putIfAbsent(bdf, dev);
            }
            mappingsSeen.add(bdf);
            if (add) {
                bars.put(key, new long[] {addr, size});
                if (bar == QXL_IO_BAR && isQxl(dev)) {
                    qxlIoBase.put(bdf, addr);
                }
            } else {
                bars.remove(key);
                if (bar == QXL_IO_BAR && isQxl(dev)) {
                    qxlIoBase.remove(bdf);
                }
            }
            flushPending();
            setTime();
            TraceRecord r = em.begin(Op.MARK);
            r.name = line.substring(at);
            em.emit();
        }

        // ---- qxl_io_write

        private void qxlIoWrite(String line, int from) throws IOException, InputException {
            // "%d %s addr=%llu (%s) val=%llu size=%u async=%d" (QEMU hw/display/trace-events)
            Cursor c = cur.reset(line, from);
            long qid = c.sdec();
            c.token(); // mode: undefined, native, vga, compat
            c.word("addr=");
            long addr = c.dec();
            c.word("(");
            int close = line.indexOf(')', c.p);
            if (close < 0) {
                throw new Cursor.Bad("(io name)");
            }
            String ioName = line.substring(c.p, close);
            c.p = close + 1;
            c.word("val=");
            long val = c.dec();
            c.word("size=");
            long size = c.dec();
            c.word("async=");
            c.sdec();
            c.endOfLine();
            if (size != 1 && size != 2 && size != 4) {
                throw new Cursor.Bad("size=1, 2 or 4");
            }
            if ((val & ~mask((int) size)) != 0) {
                throw new Cursor.Bad("a val= that fits in size=" + size);
            }
            if (addr > 0xffff) {
                throw new Cursor.Bad("an I/O BAR offset addr= below 65536");
            }
            if (lastIoWritten == em.written && pend == PEND_NONE && lastIoVal == val && lastIoSize == size
                    && lastIoPort >= addr) {
                long base = lastIoPort - addr;
                if (qxlIoBase.isEmpty() || qxlIoBase.containsValue(base)) {
                    // the I/O-window write just written is this access (qxl.c ioport_write traces after dispatch)
                    paired++;
                    lastIoWritten = -1;
                    return;
                }
            }
            flushPending();
            setTime();
            Long base = null;
            if (new TreeSet<>(qxlIoBase.values()).size() == 1) {
                base = qxlIoBase.firstEntry().getValue();
            }
            if (base == null) {
                em.note("qxl_io_write without a known QXL I/O BAR base: qxl " + qid + " addr=" + addr + " (" + ioName
                        + ") val=" + val + " size=" + size);
                return;
            }
            TraceRecord r = em.begin(Op.IOWR);
            r.port = base + addr;
            r.size = size;
            r.hasVal = true;
            r.val = val;
            em.emit();
        }

        // ---- marks

        private boolean isMarkEvent(String line, int at) {
            for (String p : markPrefixes) {
                if (line.startsWith(p, at)) {
                    return true;
                }
            }
            return false;
        }

        private void mark(String line, int at, int e) throws IOException, InputException {
            flushPending();
            setTime();
            TraceRecord r = em.begin(Op.MARK);
            r.name = normalizeMark(line.substring(at));
            em.emit();
        }

        private void count(Map<String, long[]> m, String key) {
            long[] c = m.get(key);
            if (c == null) {
                if (m.size() >= MAX_COUNTED_NAMES) {
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
    }

    /** Host pointers (vdev, vq, elem, mr) differ in every run (qemu-reference-runs.md §8): dropped from mark names. */
    static String normalizeMark(String text) {
        String[] t = text.split(" ");
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < t.length; i++) {
            if (t[i].isEmpty()) {
                continue;
            }
            if (i + 1 < t.length && isPointerKey(t[i]) && (t[i + 1].startsWith("0x") || t[i + 1].equals("(nil)"))) {
                i++;
                continue;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(t[i]);
        }
        return sb.toString();
    }

    private static boolean isPointerKey(String k) {
        return k.equals("vdev") || k.equals("vq") || k.equals("elem") || k.equals("mr");
    }

    static boolean isQxl(String dev) {
        return dev.equals("qxl") || dev.equals("qxl-vga");
    }

    static String findVersion(String line) {
        int i = line.indexOf(VERSION_TEXT);
        if (i < 0) {
            return null;
        }
        int a = i + VERSION_TEXT.length();
        int b = a;
        while (b < line.length() && line.charAt(b) != ' ' && line.charAt(b) != '"' && b - a < 64) {
            b++;
        }
        return b > a ? line.substring(a, b) : null;
    }

    static String bdfText(int bdf) {
        return String.format("%02x:%02x.%x", bdf >>> 8, (bdf >>> 3) & 0x1f, bdf & 7);
    }

    static long mask(int size) {
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }

    private static boolean is(String line, int at, int e, String name) {
        return e - at == name.length() && line.startsWith(name, at);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    private static String shorten(String line) {
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    private static <K> TreeMap<K, Long> counts(Map<K, long[]> m) {
        TreeMap<K, Long> out = new TreeMap<>();
        for (Map.Entry<K, long[]> e : m.entrySet()) {
            out.put(e.getKey(), e.getValue()[0]);
        }
        return out;
    }

    /**
     * Microseconds since the Unix epoch of an ISO-8601 timestamp {@code YYYY-MM-DDTHH:MM:SS[.frac]}
     * with {@code Z} or {@code ±HH:MM}/{@code ±HHMM}; Long.MIN_VALUE if it does not parse.
     */
    static long iso8601Micros(String s, int from, int to) {
        int[] p = {from};
        long y = digits(s, p, to, 4);
        if (y < 0 || !at(s, p, to, '-')) {
            return Long.MIN_VALUE;
        }
        long mo = digits(s, p, to, 2);
        if (mo < 1 || mo > 12 || !at(s, p, to, '-')) {
            return Long.MIN_VALUE;
        }
        long d = digits(s, p, to, 2);
        if (d < 1 || d > 31 || !(at(s, p, to, 'T') || at(s, p, to, 't') || at(s, p, to, ' '))) {
            return Long.MIN_VALUE;
        }
        long h = digits(s, p, to, 2);
        if (h < 0 || h > 23 || !at(s, p, to, ':')) {
            return Long.MIN_VALUE;
        }
        long mi = digits(s, p, to, 2);
        if (mi < 0 || mi > 59 || !at(s, p, to, ':')) {
            return Long.MIN_VALUE;
        }
        long se = digits(s, p, to, 2);
        if (se < 0 || se > 60) {
            return Long.MIN_VALUE;
        }
        long us = 0;
        if (at(s, p, to, '.') || at(s, p, to, ',')) {
            int a = p[0];
            while (p[0] < to && isDigit(s.charAt(p[0]))) {
                if (p[0] - a < 6) {
                    us = us * 10 + (s.charAt(p[0]) - '0');
                }
                p[0]++;
            }
            if (p[0] == a) {
                return Long.MIN_VALUE;
            }
            for (int k = p[0] - a; k < 6; k++) {
                us *= 10;
            }
        }
        long offsetMin = 0;
        if (at(s, p, to, 'Z') || at(s, p, to, 'z')) {
            offsetMin = 0;
        } else if (p[0] < to && (s.charAt(p[0]) == '+' || s.charAt(p[0]) == '-')) {
            int sign = s.charAt(p[0]) == '-' ? -1 : 1;
            p[0]++;
            long oh = digits(s, p, to, 2);
            at(s, p, to, ':');
            long om = digits(s, p, to, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetMin = sign * (oh * 60 + om);
        }
        if (p[0] != to) {
            return Long.MIN_VALUE;
        }
        long days = daysFromCivil(y, mo, d);
        long secs = days * 86400 + h * 3600 + mi * 60 + se - offsetMin * 60;
        return secs * 1_000_000L + us;
    }

    private static long digits(String s, int[] p, int to, int n) {
        if (p[0] + n > to) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(p[0] + i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        p[0] += n;
        return v;
    }

    private static boolean at(String s, int[] p, int to, char c) {
        if (p[0] < to && s.charAt(p[0]) == c) {
            p[0]++;
            return true;
        }
        return false;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
    static long daysFromCivil(long y, long m, long d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
