package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.simcore.InputException;

import java.io.IOException;

/**
 * PCI configuration accesses of a QEMU {@code log} import: the {@code pci_cfg_read/write} events
 * (QEMU hw/pci/trace-events, emitted by hw/pci/pci_host.c) and the ECAM {@code memory_region_ops_*}
 * lines ({@code pcie-mmcfg-mmio}, hw/pci/pcie_host.c) that {@link QemuDeviceEvents} hands over.
 *
 * <p>QEMU emits both for one access: the {@code pci_cfg_read} line before the ECAM read line, the
 * {@code pci_cfg_write} line after the ECAM write line. The first half of a pair is held here
 * ({@code pend*}) until the next line shows whether its other half follows; a pair becomes one
 * {@code cfgrd expect=} / {@code cfgwr val=} at the first line's time with the ECAM line's size. A
 * half without its partner is written on its own by {@link #flush}: a {@code pci_cfg_*} line with a
 * size inferred from its offset and value, marked {@code x-size=inferred}. Every handler that writes
 * a record flushes first, so records stay in line order.
 *
 * <p>QEMU before 6.1 prints no region name, so an unnamed write at an address that can be an ECAM
 * offset is held as ambiguous: it pairs with a following {@code pci_cfg_write} (and teaches
 * {@link QemuPciState} the ECAM MemoryRegion pointer), or is flushed as a platform/BAR write.
 *
 * <p>The {@code pci_cfg_*} fields are {@code "%s %02x:%02x.%x @0x%x -> 0x%x"} (bus:slot.func, QEMU
 * 7.1 and later) or {@code "%s %02u:%u @0x%x -> 0x%x"} (slot:func, before); a write has {@code <-}.
 */
final class QemuCfgPairing {
    /** Config space of one function, 4 KiB (PCIe Base Spec 7.2.2). */
    static final int CFG_SPACE = 0x1000;

    private static final int PEND_NONE = 0, PEND_CFG_READ = 1, PEND_ECAM_WRITE = 2, PEND_AMBIG_WRITE = 3;

    private final Emitter em;
    private final Cursor cur;
    private final QemuLogLine ln;
    private final QemuPciState pci;
    private final QemuLogCounters counts;
    private final boolean keepPlatform;

    // the pending half of a pci_cfg_* / ECAM pair
    private int pend = PEND_NONE;
    private boolean pendHasT;
    private long pendT;
    private int pendBdf;
    private boolean pendBusKnown;
    private int pendOff;
    private long pendVal;
    private int pendSize;
    private int pendCpu;
    private long pendAddr;
    private long pendMr;

    QemuCfgPairing(Emitter em, Cursor cur, QemuLogLine ln, QemuPciState pci, QemuLogCounters counts, boolean keepPlatform) {
        this.em = em;
        this.cur = cur;
        this.ln = ln;
        this.pci = pci;
        this.counts = counts;
        this.keepPlatform = keepPlatform;
    }

    /** True if no half of a pair is held. */
    boolean idle() {
        return pend == PEND_NONE;
    }

    /** True if a pci_cfg_read is held that describes a read of {@code value} at ECAM offset {@code ecamOff}. */
    boolean heldReadMatches(long ecamOff, long value) {
        return pend == PEND_CFG_READ && matchesPending(ecamOff) && pendVal == value;
    }

    /**
     * Holds an unnamed write (QEMU before 6.1) at an address that can be an ECAM offset: an ECAM write
     * if a pci_cfg_write follows, else a platform device or BAR write.
     */
    void holdAmbiguousWrite(long addr, int size, long value, int cpu, long mr) throws IOException, InputException {
        flush();
        ln.applyTime(em);
        pend = PEND_AMBIG_WRITE;
        pendHasT = em.lineHasT;
        pendT = em.lineT;
        pendAddr = addr;
        pendSize = size;
        pendVal = value;
        pendCpu = cpu;
        pendMr = mr;
    }

    private boolean matchesPending(long ecamOff) {
        int bdf = (int) (ecamOff >>> VirtMap.ECAM_DEVFN_SHIFT) & 0xffff;
        int off = (int) (ecamOff & VirtMap.ECAM_REG_MASK);
        boolean bdfMatch = pendBusKnown ? bdf == pendBdf : (bdf & 0xff) == (pendBdf & 0xff);
        return bdfMatch && off == pendOff;
    }

    // ---- ECAM memory_region_ops lines

    /** An ECAM access at {@code ecamOff} (bus, devfn and register from the ECAM layout). */
    void ecam(long ecamOff, int size, long value, int cpu, boolean write) throws IOException, InputException {
        int bdf = (int) (ecamOff >>> VirtMap.ECAM_DEVFN_SHIFT) & 0xffff;
        int off = (int) (ecamOff & VirtMap.ECAM_REG_MASK);
        if (size > 4 || off + size > CFG_SPACE) {
            throw new Cursor.Bad("an ECAM access of 1, 2 or 4 bytes inside one function's 4 KiB");
        }
        if (!write) {
            if (heldReadMatches(ecamOff, value)) {
                // the pci_cfg_read line before this one described this access: one record at its time
                pend = PEND_NONE;
                counts.paired++;
                em.beginAt(Op.CFGRD, pendHasT, pendT);
                cfg(em.r, bdf, off, size, cpu);
                em.r.hasExpect = true;
                em.r.expect = value;
                em.emit();
                ln.applyTime(em);
                return;
            }
            flush();
            ln.applyTime(em);
            cfg(em.begin(Op.CFGRD), bdf, off, size, cpu);
            em.r.hasExpect = true;
            em.r.expect = value;
            em.emit();
            return;
        }
        flush();
        ln.applyTime(em);
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

    private static void cfg(TraceRecord r, int bdf, int off, int size, int cpu) {
        r.bdf = bdf;
        r.off = off;
        r.size = size;
        r.cpu = cpu;
    }

    /** Writes the held half of a pair on its own. */
    void flush() throws IOException {
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
                counts.inferred++;
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
                    pci.access(pendAddr, pendSize, pendVal, pendCpu, true);
                } else {
                    counts.filter(region);
                }
            }
        } finally {
            em.lineHasT = saveHas;
            em.lineT = saveT;
        }
    }

    // ---- pci_cfg_read/write

    /** A {@code pci_cfg_read} / {@code pci_cfg_write} line whose fields start at {@code from}. */
    void pciCfg(String line, int from, boolean write) throws IOException, InputException {
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
        if (busKnown) {
            pci.noteDevice(bdf, dev);
        }
        if (!write) {
            flush();
            ln.applyTime(em);
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
            pci.learnQxlBaseFromConfig(dev, bdf, (int) off, val);
        }
        if (pend == PEND_ECAM_WRITE && pendOff == off
                && (busKnown ? pendBdf == bdf : (pendBdf & 0xff) == bdf) && (pendVal & QemuLogImporter.mask(pendSize)) == val) {
            pend = PEND_NONE;
            counts.paired++;
            emitCfgWrite(pendHasT, pendT, pendBdf, pendOff, pendSize, pendVal, pendCpu, false);
            ln.applyTime(em);
            return;
        }
        if (pend == PEND_AMBIG_WRITE && pendSize <= 4) {
            long eo = VirtMap.ecamOffset(pendAddr);
            int ebdf = (int) (eo >>> VirtMap.ECAM_DEVFN_SHIFT) & 0xffff;
            if ((eo & VirtMap.ECAM_REG_MASK) == off && (busKnown ? ebdf == bdf : (ebdf & 0xff) == bdf)
                    && (pendVal & QemuLogImporter.mask(pendSize)) == val && (eo & VirtMap.ECAM_REG_MASK) + pendSize <= CFG_SPACE) {
                pend = PEND_NONE;
                counts.paired++;
                pci.learnEcamMr(pendMr);
                emitCfgWrite(pendHasT, pendT, ebdf, (int) off, pendSize, pendVal, pendCpu, false);
                ln.applyTime(em);
                return;
            }
        }
        flush();
        ln.applyTime(em);
        counts.inferred++;
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
    private static int inferSize(int off, long val) {
        if ((off & 3) == 0) {
            return 4;
        }
        if ((off & 1) == 0 && val <= 0xffff) {
            return 2;
        }
        return val <= 0xff ? 1 : (off & 1) == 0 ? 2 : 1;
    }
}
