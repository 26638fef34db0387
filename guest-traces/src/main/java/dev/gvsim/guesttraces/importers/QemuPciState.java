package dev.gvsim.guesttraces.importers;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;

import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a QEMU {@code log} import learns about the PCI devices, and the BAR-backed register accesses
 * made from it.
 *
 * <ul>
 * <li>{@code pci_update_mappings_add/del} (QEMU hw/pci/trace-events, emitted by hw/pci/pci.c
 * {@code pci_update_mappings}): device names by bdf and BAR placements. A placed BAR becomes one
 * identity {@code map} before its first register access ({@link #access}); the QXL I/O BAR (BAR 3,
 * QEMU hw/display/qxl.c) gives the port base that a lone {@code qxl_io_write} is placed at.</li>
 * <li>{@code pci_cfg_read/write} (hw/pci/pci_host.c): device names ({@link #noteDevice}); without
 * {@code pci_update_mappings_*} lines for the device, a config write of the QXL I/O BAR gives its
 * base ({@link #learnQxlBaseFromConfig}).</li>
 * <li>ECAM MemoryRegion pointers learnt by pairing unnamed {@code memory_region_ops_*} lines with
 * {@code pci_cfg_*} (QEMU before 6.1, which prints no region name).</li>
 * </ul>
 * The event handlers are {@link QemuCfgPairing} and {@link QemuDeviceEvents}; the final
 * {@code meta pci_devices=} text comes from {@link #devicesText}.
 */
final class QemuPciState {
    /** QXL's I/O port BAR (QEMU hw/display/qxl.c: pci_register_bar(..., QXL_IO_RANGE_INDEX = 3, ...)). */
    static final int QXL_IO_BAR = 3;
    /** Config offset of BAR n: 0x10 + 4n (PCI Local Bus Spec 3.0 §6.2.5.1). */
    static final int CFG_BAR0 = 0x10;
    /** BAR bit 0: I/O space indicator; bits [1:0] are not address bits for I/O BARs (§6.2.5.1). */
    static final long BAR_IO_SPACE = 0x1, BAR_IO_ADDR_MASK = ~0x3L;

    private final Emitter em;

    /** ECAM MemoryRegion pointers learnt from pairing unnamed lines with pci_cfg_* (QEMU before 6.1). */
    private final Set<Long> ecamMrs = new HashSet<>();
    /** PCI device names by bdf from pci_cfg_* and pci_update_mappings_* lines. */
    private final TreeMap<Integer, String> devNames = new TreeMap<>();
    /** BAR placements from pci_update_mappings_add: key bdf << 3 | bar, value {addr, size}. */
    private final TreeMap<Integer, long[]> bars = new TreeMap<>();
    /** bdfs whose BARs pci_update_mappings_* described (config-write guesses then stay out). */
    private final Set<Integer> mappingsSeen = new HashSet<>();
    /** QXL I/O BAR base port by bdf. */
    private final TreeMap<Integer, Long> qxlIoBase = new TreeMap<>();

    QemuPciState(Emitter em) {
        this.em = em;
    }

    // ---- pci_update_mappings_add/del

    /**
     * Reads the fields of a {@code pci_update_mappings_add/del} line ({@code "d=%p %02x:%02x.%x %d,0x%"PRIx64"+0x%"PRIx64}
     * with the device name in place of {@code d=%p}) from {@code c} and updates the names, BARs and
     * QXL I/O base. The caller writes the {@code mark}.
     */
    void mappings(Cursor c, boolean add) {
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
        if (!dev.startsWith("d=")) { // older QEMU prints "d=%p", a host pointer, in place of the name
            noteDevice(bdf, dev);
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
    }

    // ---- pci_cfg_read/write

    /** Remembers a device name for a bdf (the first one wins; at most MAX_COUNTED_NAMES devices). */
    void noteDevice(int bdf, String dev) {
        if (devNames.size() < QemuLogImporter.MAX_COUNTED_NAMES) {
            devNames.putIfAbsent(bdf, dev);
        }
    }

    /** A config write of a QXL's I/O BAR gives its base, unless pci_update_mappings_* described the device. */
    void learnQxlBaseFromConfig(String dev, int bdf, int off, long val) {
        if (!isQxl(dev) || mappingsSeen.contains(bdf) || off != CFG_BAR0 + 4 * QXL_IO_BAR) {
            return;
        }
        if ((val & BAR_IO_SPACE) != 0 && val != 0xffff_ffffL) {
            qxlIoBase.put(bdf, val & BAR_IO_ADDR_MASK & 0xffff_ffffL);
        }
    }

    // ---- ECAM MemoryRegion pointers (QEMU before 6.1)

    boolean isEcamMr(long mr) {
        return ecamMrs.contains(mr);
    }

    void learnEcamMr(long mr) {
        ecamMrs.add(mr);
    }

    // ---- QXL I/O BAR base

    /** True if {@code base} can be the QXL I/O BAR base: it is a known one, or none is known. */
    boolean mayBeQxlIoBase(long base) {
        return qxlIoBase.isEmpty() || qxlIoBase.containsValue(base);
    }

    /** The QXL I/O BAR base if exactly one distinct base is known, else null. */
    Long uniqueQxlIoBase() {
        if (new TreeSet<>(qxlIoBase.values()).size() == 1) {
            return qxlIoBase.firstEntry().getValue();
        }
        return null;
    }

    // ---- BAR-backed register accesses

    /**
     * Writes an {@code rd expect=} / {@code wr val=} at {@code va = addr}, preceded by an identity
     * {@code map} if the address is not mapped yet: the whole BAR that contains it, else the access.
     */
    void access(long addr, int size, long value, int cpu, boolean write) throws IOException {
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

    /** The placed BAR {addr, size} that contains [addr, addr+size), or null. */
    long[] barContaining(long addr, int size) {
        for (long[] b : bars.values()) {
            if (b[1] > 0 && Long.compareUnsigned(addr, b[0]) >= 0
                    && Long.compareUnsigned(addr + size, b[0] + b[1]) <= 0 && Long.compareUnsigned(b[0] + b[1], b[0]) > 0) {
                return b;
            }
        }
        return null;
    }

    // ---- the final meta

    /** {@code bb:dd.f=name ...} of the devices named, in bdf order; null if none. */
    String devicesText() {
        if (devNames.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, String> e : devNames.entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(bdfText(e.getKey())).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    static String bdfText(int bdf) {
        return String.format("%02x:%02x.%x", bdf >>> 8, (bdf >>> 3) & 0x1f, bdf & 7);
    }

    static boolean isQxl(String dev) {
        return dev.equals("qxl") || dev.equals("qxl-vga");
    }
}
