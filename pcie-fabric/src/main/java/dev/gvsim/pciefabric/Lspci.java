package dev.gvsim.pciefabric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Views of the enumerated tree: {@code lspci -tv}-like, the assignment lines, an {@code lspci -vv}-like
 * dump, and the tree as data for {@code --json} ({@link PciHost#describe}).
 */
final class Lspci {
    private static final Map<String, String> NAMES = new TreeMap<>();

    static {
        // pci.ids names of the devices QEMU's virt machine models.
        NAMES.put("1b36:0008", "Red Hat, Inc. QEMU PCIe Host bridge");
        NAMES.put("1b36:000c", "Red Hat, Inc. QEMU PCIe Root port");
        NAMES.put("1b36:000e", "Red Hat, Inc. QEMU PCIe-to-PCI bridge");
        NAMES.put("1b36:0001", "Red Hat, Inc. QEMU PCI-PCI bridge");
        NAMES.put("1b36:0100", "Red Hat, Inc. QXL paravirtual graphic card");
        NAMES.put("1af4:1050", "Red Hat, Inc. Virtio 1.0 GPU");
    }

    private Lspci() {
    }

    static String ids(PciFunction f) {
        return String.format("%04x:%04x", f.configRead(PciFunction.VENDOR_ID, 2), f.configRead(PciFunction.DEVICE_ID, 2));
    }

    static String name(PciFunction f) {
        String n = NAMES.get(ids(f));
        return (n != null ? n : "Device " + f.typeName()) + " [" + ids(f) + "]";
    }

    /** {@link PciHost#describe}: the enumerated tree as data, one map per function in depth-first order. */
    static List<Map<String, Object>> describe(PciHost h) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (PciFunction f : h.functions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bdf", PciFunction.formatBdf(f.bdf()));
            m.put("id", f.id());
            m.put("type", f.typeName());
            m.put("vendor", String.format("0x%04x", f.configRead(PciFunction.VENDOR_ID, 2)));
            m.put("device", String.format("0x%04x", f.configRead(PciFunction.DEVICE_ID, 2)));
            m.put("class", String.format("0x%06x", f.configRead(PciFunction.CLASS_PROG, 4) & 0xFF_FFFF));
            m.put("command", String.format("0x%04x", f.command()));
            List<Map<String, Object>> bars = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Bar b = f.bar(i);
                if (b == null) {
                    continue;
                }
                Map<String, Object> bm = new LinkedHashMap<>();
                bm.put("index", i);
                bm.put("kind", b.isIo() ? "io" : "mem");
                bm.put("64bit", b.is64());
                bm.put("prefetchable", b.prefetchable);
                bm.put("address", "0x" + Long.toHexString(f.barAddress(i)));
                bm.put("size", b.size);
                bm.put("decoding", f.barDecodes(i));
                bars.add(bm);
            }
            if (f.romSize() != 0) {
                Map<String, Object> bm = new LinkedHashMap<>();
                bm.put("index", "rom");
                bm.put("kind", "mem");
                bm.put("address", "0x" + Long.toHexString(f.romAddress()));
                bm.put("size", f.romSize());
                bm.put("decoding", f.romDecodes());
                bars.add(bm);
            }
            m.put("bars", bars);
            if (f instanceof PciBridgeBase br) {
                m.put("primary_bus", br.primaryBus());
                m.put("secondary_bus", br.secondaryBus());
                m.put("subordinate_bus", br.subordinateBus());
                m.put("io_window", br.ioWindowOpen() ? List.of("0x" + Long.toHexString(br.ioBase()), "0x" + Long.toHexString(br.ioLimit())) : null);
                m.put("mem_window", br.memWindowOpen() ? List.of("0x" + Long.toHexString(br.memBase()), "0x" + Long.toHexString(br.memLimit())) : null);
                m.put("pref_window", br.prefWindowOpen() ? List.of("0x" + Long.toHexString(br.prefBase()), "0x" + Long.toHexString(br.prefLimit()))
                        : null);
                m.put("pref_64bit", br.pref64());
                m.put("io_32bit", br.io32());
                m.put("bridge_control", String.format("0x%04x", br.bridgeControl()));
            }
            out.add(m);
        }
        return out;
    }

    static String render(PciHost h, boolean verbose) {
        StringBuilder sb = new StringBuilder();
        sb.append("-[0000:00]-");
        tree(sb, h.rootBus(), "           ");
        sb.append('\n');
        for (String l : h.allocationLog()) {
            sb.append(l).append('\n');
        }
        for (String l : h.allocationFailures()) {
            sb.append(l).append('\n');
        }
        if (verbose) {
            for (PciFunction f : h.functions()) {
                sb.append('\n');
                detail(sb, f);
            }
        }
        return sb.toString();
    }

    private static void tree(StringBuilder sb, PciBus bus, String indent) {
        List<PciFunction> fns = bus.functions();
        for (int i = 0; i < fns.size(); i++) {
            PciFunction f = fns.get(i);
            int devfn = bus.devfnOf(f);
            boolean last = i == fns.size() - 1;
            if (i > 0) {
                sb.append('\n').append(indent);
            }
            sb.append(fns.size() == 1 && !bus.isRoot() ? "--" : i == 0 ? "+-" : last ? "\\-" : "+-");
            String slot = String.format("%02x.%x", devfn >> 3, devfn & 7);
            if (f instanceof PciBridgeBase br) {
                String range = br.subordinateBus() > br.secondaryBus() ? String.format("[%02x-%02x]", br.secondaryBus(), br.subordinateBus())
                        : String.format("[%02x]", br.secondaryBus());
                String head = slot + "-" + range + "--";
                sb.append(head);
                PciBus sec = br.secondaryBusObject();
                if (sec.functions().isEmpty()) {
                    sb.append(" ").append(name(f));
                } else {
                    String childIndent = indent + (last || fns.size() == 1 ? "  " : "| ") + " ".repeat(head.length());
                    tree(sb, sec, childIndent);
                }
            } else {
                sb.append(slot).append("  ").append(name(f));
            }
        }
    }

    private static void detail(StringBuilder sb, PciFunction f) {
        long cls = f.configRead(PciFunction.CLASS_PROG, 4) & 0xFF_FFFF;
        sb.append(PciFunction.formatBdf(f.bdf())).append(' ').append(f.id()).append(String.format(" [%04x]: ", cls >> 8)).append(name(f))
                .append(String.format(" (rev %02x)", f.configRead(PciFunction.REVISION_ID, 1))).append('\n');
        int cmd = f.command();
        sb.append("\tControl: I/O").append(pm(cmd & PciFunction.CMD_IO)).append(" Mem").append(pm(cmd & PciFunction.CMD_MEMORY))
                .append(" BusMaster").append(pm(cmd & PciFunction.CMD_MASTER)).append(" DisINTx").append(pm(cmd & PciFunction.CMD_INTX_DISABLE))
                .append('\n');
        for (int i = 0; i < 6; i++) {
            Bar b = f.bar(i);
            if (b == null) {
                continue;
            }
            long a = f.barAddress(i);
            String where = a == 0 ? "<unassigned>" : Long.toHexString(a);
            if (b.isIo()) {
                sb.append("\tRegion ").append(i).append(": I/O ports at ").append(where);
            } else {
                sb.append("\tRegion ").append(i).append(": Memory at ").append(where).append(b.is64() ? " (64-bit, " : " (32-bit, ")
                        .append(b.prefetchable ? "prefetchable)" : "non-prefetchable)");
            }
            sb.append(f.barDecodes(i) ? "" : " [disabled]").append(" [size=").append(size(b.size)).append("]\n");
        }
        if (f.romSize() != 0) {
            sb.append("\tExpansion ROM at ").append(Long.toHexString(f.romAddress())).append(f.romDecodes() ? "" : " [disabled]").append(" [size=")
                    .append(size(f.romSize())).append("]\n");
        }
        if (f instanceof PciBridgeBase br) {
            sb.append(String.format("\tBus: primary=%02x, secondary=%02x, subordinate=%02x%n", br.primaryBus(), br.secondaryBus(), br.subordinateBus()));
            sb.append("\tI/O behind bridge: ").append(window(br.ioWindowOpen(), br.ioBase(), br.ioLimit())).append(br.io32() ? " [32-bit]" : " [16-bit]")
                    .append('\n');
            sb.append("\tMemory behind bridge: ").append(window(br.memWindowOpen(), br.memBase(), br.memLimit())).append(" [32-bit]\n");
            sb.append("\tPrefetchable memory behind bridge: ").append(window(br.prefWindowOpen(), br.prefBase(), br.prefLimit()))
                    .append(br.pref64() ? " [64-bit]" : " [32-bit]").append('\n');
            int c = br.bridgeControl();
            sb.append("\tBridgeCtl: Parity").append(pm(c & PciBridgeBase.BRIDGE_CTL_PARITY)).append(" SERR").append(pm(c & PciBridgeBase.BRIDGE_CTL_SERR))
                    .append(" NoISA").append(pm(c & PciBridgeBase.BRIDGE_CTL_ISA)).append(" VGA").append(pm(c & PciBridgeBase.BRIDGE_CTL_VGA))
                    .append(" VGA16").append(pm(c & PciBridgeBase.BRIDGE_CTL_VGA_16BIT)).append(" MAbort")
                    .append(pm(c & PciBridgeBase.BRIDGE_CTL_MASTER_ABORT)).append(" >Reset").append(pm(c & PciBridgeBase.BRIDGE_CTL_BUS_RESET))
                    .append('\n');
        }
        int off = (int) f.configRead(PciFunction.CAPABILITY_LIST, 1) & 0xFC;
        for (int n = 0; off >= 0x40 && n < 48; n++) {
            int id = (int) f.configRead(off, 1);
            sb.append(String.format("\tCapabilities: [%02x] %s%n", off, capName(id)));
            off = (int) f.configRead(off + 1, 1) & 0xFC;
        }
        if (f.configSpaceSize() > 0x100) {
            int e = 0x100;
            for (int n = 0; e >= 0x100 && n < 64; n++) {
                long hdr = f.configRead(e, 4);
                if (hdr == 0) {
                    break;
                }
                sb.append(String.format("\tCapabilities: [%03x v%d] %s%n", e, (hdr >> 16) & 0xF, extName((int) (hdr & 0xFFFF))));
                e = (int) (hdr >>> 20) & 0xFFC;
            }
        }
    }

    private static String window(boolean open, long base, long limit) {
        return open ? Long.toHexString(base) + "-" + Long.toHexString(limit) + " [size=" + size(limit - base + 1) + "]" : "[disabled]";
    }

    static String size(long s) {
        if (s >= (1L << 30) && s % (1L << 30) == 0) {
            return (s >> 30) + "G";
        }
        if (s >= (1L << 20) && s % (1L << 20) == 0) {
            return (s >> 20) + "M";
        }
        if (s >= 1024 && s % 1024 == 0) {
            return (s >> 10) + "K";
        }
        return Long.toString(s);
    }

    private static String pm(int bit) {
        return bit != 0 ? "+" : "-";
    }

    private static String capName(int id) {
        return switch (id) {
            case PciFunction.CAP_ID_PM -> "Power Management";
            case PciFunction.CAP_ID_MSI -> "MSI";
            case PciFunction.CAP_ID_VENDOR -> "Vendor Specific Information";
            case PciFunction.CAP_ID_SHPC -> "Hot-plug capable (SHPC)";
            case PciFunction.CAP_ID_SSVID -> "Subsystem";
            case PciFunction.CAP_ID_EXP -> "Express";
            case PciFunction.CAP_ID_MSIX -> "MSI-X";
            case 0x04 -> "Slot Identification";
            default -> String.format("capability %02x", id);
        };
    }

    private static String extName(int id) {
        return switch (id) {
            case PciFunction.EXT_CAP_ID_AER -> "Advanced Error Reporting";
            case PciFunction.EXT_CAP_ID_ACS -> "Access Control Services";
            case SriovCapability.EXT_CAP_ID -> "Single Root I/O Virtualization (SR-IOV)";
            case PciFunction.EXT_CAP_ID_ARI -> "Alternative Routing-ID Interpretation (ARI)";
            default -> String.format("extended capability %04x", id);
        };
    }
}
