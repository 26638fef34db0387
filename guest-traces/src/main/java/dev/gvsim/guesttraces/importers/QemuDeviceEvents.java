package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.simcore.InputException;

import java.io.IOException;

/**
 * The device-side event handlers of a QEMU {@code log} import.
 *
 * <ul>
 * <li>{@code memory_region_ops_read/write} (QEMU memory.c, system/memory.c in current trees; with or
 * without {@code cpu}, with or without the 6.1+ {@code name '…'}): classified by region name, or by
 * MemoryRegion pointer and the {@link VirtMap} address map when the name is missing. ECAM accesses go
 * to {@link QemuCfgPairing}; I/O-window (and I/O BAR behind a bridge) accesses become
 * {@code iord}/{@code iowr}; BAR and aperture accesses become {@code rd}/{@code wr} through
 * {@link QemuPciState#access}; platform regions are counted and dropped unless
 * {@link ImportOptions#keepPlatformRegions}.</li>
 * <li>{@code qxl_io_write} (QEMU hw/display/trace-events, hw/display/qxl.c {@code ioport_write}):
 * folded into the I/O-window write just written when it describes it, else an {@code iowr} at the
 * QXL I/O BAR base that {@link QemuPciState} knows, else a {@code meta note=}.</li>
 * <li>Events with a mark prefix (default {@code virtio_}, QEMU hw/virtio/trace-events): a
 * {@code mark} with host pointers removed ({@link #normalizeMark}).</li>
 * </ul>
 */
final class QemuDeviceEvents {
    private final Emitter em;
    private final Cursor cur;
    private final QemuLogLine ln;
    private final QemuPciState pci;
    private final QemuCfgPairing cfg;
    private final QemuLogCounters counts;
    private final String[] markPrefixes;
    private final boolean keepPlatform;

    // the last I/O-window write, for folding the qxl_io_write that follows it
    private long lastIoWritten = -1;
    private long lastIoPort;
    private long lastIoVal;
    private int lastIoSize;

    QemuDeviceEvents(Emitter em, Cursor cur, QemuLogLine ln, QemuPciState pci, QemuCfgPairing cfg, QemuLogCounters counts,
            ImportOptions opts) {
        this.em = em;
        this.cur = cur;
        this.ln = ln;
        this.pci = pci;
        this.cfg = cfg;
        this.counts = counts;
        this.markPrefixes = opts.markPrefixes().toArray(new String[0]);
        this.keepPlatform = opts.keepPlatformRegions();
    }

    // ---- memory_region_ops_read/write

    /** A {@code memory_region_ops_read/write} line whose fields start at {@code from}. */
    void memoryRegionOps(String line, int from, boolean write) throws IOException, InputException {
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
        value &= QemuLogImporter.mask((int) size);
        int sz = (int) size;
        if (name != null) {
            if (name.equals(VirtMap.ECAM_REGION)) {
                long off = VirtMap.ecamOffset(addr);
                if (off < 0) {
                    throw new Cursor.Bad("an ECAM offset below 0x10000000");
                }
                cfg.ecam(off, sz, value, cpu, write);
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
        if (pci.isEcamMr(mr) || VirtMap.inHighEcam(addr)) {
            long off = VirtMap.ecamOffset(addr);
            if (off < 0) {
                throw new Cursor.Bad("an ECAM offset below 0x10000000");
            }
            cfg.ecam(off, sz, value, cpu, write);
        } else if (VirtMap.inIoWindow(addr)) {
            io(addr - VirtMap.PCIE_PIO, sz, value, cpu, write);
        } else if (addr < VirtMap.PCIE_PIO_SIZE && pci.barContaining(addr, sz) != null) {
            io(addr, sz, value, cpu, write); // an I/O BAR behind a bridge, see the named case
        } else if (VirtMap.inPciMmio(addr)) {
            mmio(addr, sz, value, cpu, write);
        } else if (!write && sz <= 4 && cfg.heldReadMatches(addr, value)) {
            pci.learnEcamMr(mr);
            cfg.ecam(addr, sz, value, cpu, false);
        } else if (write && sz <= 4 && VirtMap.ecamOffset(addr) >= 0) {
            // an ECAM write (if a pci_cfg_write follows) or a platform device write
            cfg.holdAmbiguousWrite(addr, sz, value, cpu, mr);
        } else {
            String region = VirtMap.platformByAddress(addr);
            if (region == null) {
                mmio(addr, sz, value, cpu, write);
            } else {
                platform(region, addr, sz, value, cpu, write);
            }
        }
    }

    private void io(long port, int size, long value, int cpu, boolean write) throws IOException, InputException {
        if (size > 4) {
            throw new Cursor.Bad("an I/O access of 1, 2 or 4 bytes");
        }
        cfg.flush();
        ln.applyTime(em);
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
        cfg.flush();
        ln.applyTime(em);
        pci.access(addr, size, value, cpu, write);
    }

    private void platform(String region, long addr, int size, long value, int cpu, boolean write)
            throws IOException, InputException {
        if (keepPlatform) {
            mmio(addr, size, value, cpu, write);
        } else {
            counts.filter(region);
        }
    }

    // ---- qxl_io_write

    /** A {@code qxl_io_write} line whose fields start at {@code from}. */
    void qxlIoWrite(String line, int from) throws IOException, InputException {
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
        if ((val & ~QemuLogImporter.mask((int) size)) != 0) {
            throw new Cursor.Bad("a val= that fits in size=" + size);
        }
        if (addr > 0xffff) {
            throw new Cursor.Bad("an I/O BAR offset addr= below 65536");
        }
        if (lastIoWritten == em.written && cfg.idle() && lastIoVal == val && lastIoSize == size
                && lastIoPort >= addr) {
            long base = lastIoPort - addr;
            if (pci.mayBeQxlIoBase(base)) {
                // the I/O-window write just written is this access (qxl.c ioport_write traces after dispatch)
                counts.paired++;
                lastIoWritten = -1;
                return;
            }
        }
        cfg.flush();
        ln.applyTime(em);
        Long base = pci.uniqueQxlIoBase();
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

    /** True if the event at {@code at} starts with one of the mark prefixes. */
    boolean isMarkEvent(String line, int at) {
        for (String p : markPrefixes) {
            if (line.startsWith(p, at)) {
                return true;
            }
        }
        return false;
    }

    /** A mark event: a {@code mark} named by the event text from {@code at}, host pointers removed. */
    void mark(String line, int at) throws IOException, InputException {
        cfg.flush();
        ln.applyTime(em);
        TraceRecord r = em.begin(Op.MARK);
        r.name = normalizeMark(line.substring(at));
        em.emit();
    }

    /** Host pointers (vdev, vq, elem, mr) differ in every run (docs/facts/qemu-reference-runs.md §8): dropped from mark names. */
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
}
