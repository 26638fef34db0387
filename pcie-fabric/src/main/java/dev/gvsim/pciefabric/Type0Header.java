package dev.gvsim.pciefabric;

import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rsvdP;
import static dev.gvsim.simcore.regs.Field.rsvdZ;
import static dev.gvsim.simcore.regs.Field.rw;
import static dev.gvsim.simcore.regs.Field.rw1c;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.simcore.regs.Field;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;

/**
 * The registers of the configuration header every function has (PCI Local Bus 3.0 §6.1, §6.2;
 * PCIe Base 4.0 §7.5.1.1), the type 0 (endpoint) layout of the rest of the first 64 bytes
 * (§6.2.4-6.2.5; PCIe Base 4.0 §7.5.1.2), and the BAR and expansion ROM registers a function
 * declares. Writable and write-one-to-clear bits are QEMU's (hw/pci/pci.c pci_init_wmask,
 * pci_init_w1cmask). Bits the specification defines as writable but the model does not implement
 * are left out of the fields, so a guest write to them is reported as unimplemented.
 */
final class Type0Header {
    private Type0Header() {
    }

    static final String QEMU_WMASK = "QEMU hw/pci/pci.c pci_init_wmask";

    /** The registers common to type 0 and type 1 headers: 0x00-0x0F, 0x34, 0x3C-0x3D. */
    static void declareCommon(RegisterFile r, int vendorId, int deviceId, int classCode, int revision, boolean bridge) {
        r.declare(Register.whole("VENDOR_ID", PciFunction.VENDOR_ID, 2, FieldKind.RO, vendorId & 0xFFFF, "PCI Local Bus 3.0 §6.2.1"));
        r.declare(Register.whole("DEVICE_ID", PciFunction.DEVICE_ID, 2, FieldKind.RO, deviceId & 0xFFFF, "PCI Local Bus 3.0 §6.2.1"));
        r.declare(Register.of("COMMAND", PciFunction.COMMAND, 2, 0,
                "PCI Local Bus 3.0 §6.2.2, PCIe Base 4.0 §7.5.1.1.3; writable bits " + QEMU_WMASK + " (Parity Error Response not implemented)",
                rw("io_space", 0), rw("memory_space", 1), rw("bus_master", 2), ro("special_cycles", 3), ro("mwi_enable", 4),
                ro("vga_palette_snoop", 5), ro("idsel_stepping", 7), rw("serr_enable", 8), ro("fast_back_to_back_enable", 9),
                rw("interrupt_disable", 10), rsvdP(15, 11)));
        r.declare(Register.of("STATUS", PciFunction.STATUS, 2, 0,
                "PCI Local Bus 3.0 §6.2.3, PCIe Base 4.0 §7.5.1.1.4; RW1C bits QEMU hw/pci/pci.c pci_init_w1cmask",
                rsvdZ(2, 0), ro("interrupt_status", 3), ro("capabilities_list", 4), ro("66mhz_capable", 5), rsvdZ(6, 6),
                ro("fast_back_to_back_capable", 7), rw1c("master_data_parity_error", 8), ro("devsel_timing", 10, 9),
                rw1c("signaled_target_abort", 11), rw1c("received_target_abort", 12), rw1c("received_master_abort", 13),
                rw1c("signaled_system_error", 14), rw1c("detected_parity_error", 15)));
        r.declare(Register.whole("REVISION_ID", PciFunction.REVISION_ID, 1, FieldKind.RO, revision & 0xFF, "PCI Local Bus 3.0 §6.2.1"));
        r.declare(Register.whole("PROG_IF", PciFunction.CLASS_PROG, 1, FieldKind.RO, classCode & 0xFF, "PCI Local Bus 3.0 §6.2.1 Class Code, byte 0"));
        r.declare(Register.whole("SUBCLASS", PciFunction.CLASS_PROG + 1, 1, FieldKind.RO, (classCode >> 8) & 0xFF,
                "PCI Local Bus 3.0 §6.2.1 Class Code, byte 1"));
        r.declare(Register.whole("BASE_CLASS", PciFunction.CLASS_PROG + 2, 1, FieldKind.RO, (classCode >> 16) & 0xFF,
                "PCI Local Bus 3.0 §6.2.1 Class Code, byte 2"));
        r.declare(Register.whole("CACHE_LINE_SIZE", PciFunction.CACHE_LINE_SIZE, 1, FieldKind.RW, 0, "PCI Local Bus 3.0 §6.2.4; " + QEMU_WMASK));
        r.declare(Register.whole("LATENCY_TIMER", PciFunction.LATENCY_TIMER, 1, FieldKind.RO, 0,
                "PCIe Base 4.0 §7.5.1.1.8: hardwired to 0 (QEMU leaves it read-only)"));
        r.declare(Register.of("HEADER_TYPE", PciFunction.HEADER_TYPE, 1, bridge ? 1 : 0, "PCI Local Bus 3.0 §6.2.1",
                ro("header_layout", 6, 0), ro("multi_function", 7)));
        r.declare(Register.whole("BIST", 0x0F, 1, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4: BIST not supported, hardwired to 0"));
        r.declare(Register.whole("CAPABILITIES_PTR", PciFunction.CAPABILITY_LIST, 1, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.7"));
        r.declare(Register.of("RESERVED_35", 0x35, 1, 0, "PCI Local Bus 3.0 §6.1 (reserved)", rsvdP(7, 0)));
        r.declare(Register.of("RESERVED_36", 0x36, 2, 0, "PCI Local Bus 3.0 §6.1 (reserved)", rsvdP(15, 0)));
        r.declare(Register.whole("INTERRUPT_LINE", PciFunction.INTERRUPT_LINE, 1, FieldKind.RW, 0, "PCI Local Bus 3.0 §6.2.4; " + QEMU_WMASK));
        r.declare(Register.whole("INTERRUPT_PIN", PciFunction.INTERRUPT_PIN, 1, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4"));
    }

    /** The rest of a type 0 header: BARs and expansion ROM not implemented until declared, subsystem IDs, Min_Gnt, Max_Lat. */
    static void declare(RegisterFile r) {
        for (int i = 0; i < 6; i++) {
            r.declare(unimplementedBar(i));
        }
        r.declare(Register.whole("CARDBUS_CIS", 0x28, 4, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4: CardBus CIS Pointer, not implemented (0)"));
        r.declare(Register.whole("SUBSYSTEM_VENDOR_ID", PciFunction.SUBSYSTEM_VENDOR_ID, 2, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4"));
        r.declare(Register.whole("SUBSYSTEM_ID", PciFunction.SUBSYSTEM_ID, 2, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4"));
        r.declare(unimplementedRom(PciFunction.EXPANSION_ROM));
        r.declare(Register.of("RESERVED_38", 0x38, 4, 0, "PCI Local Bus 3.0 §6.1 (reserved)", rsvdP(31, 0)));
        r.declare(Register.whole("MIN_GNT", 0x3E, 1, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4; PCIe Base 4.0 §7.5.1.2: hardwired to 0"));
        r.declare(Register.whole("MAX_LAT", 0x3F, 1, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.2.4; PCIe Base 4.0 §7.5.1.2: hardwired to 0"));
    }

    /** A BAR slot the function does not implement: hardwired to 0, so sizing reads 0 (PCI Local Bus 3.0 §6.2.5.1). */
    static Register unimplementedBar(int index) {
        return Register.whole("BAR" + index, PciFunction.BAR0 + 4 * index, 4, FieldKind.RO, 0,
                "PCI Local Bus 3.0 §6.2.5.1: BAR not implemented, hardwired to 0");
    }

    static Register unimplementedRom(int offset) {
        return Register.whole("EXPANSION_ROM", offset, 4, FieldKind.RO, 0,
                "PCI Local Bus 3.0 §6.2.5.2: no expansion ROM, hardwired to 0");
    }

    /**
     * The register(s) of a declared BAR (PCI Local Bus 3.0 §6.2.5.1): the space and type bits read
     * only, the address bits below the size read 0 (that is how software sizes a BAR), the rest
     * writable. A 64-bit BAR has a second register for the upper address bits.
     */
    static List<Register> bar(Bar bar) {
        int off = PciFunction.BAR0 + 4 * bar.index;
        int sizeBits = Long.numberOfTrailingZeros(bar.size);
        String source = "PCI Local Bus 3.0 §6.2.5.1: " + bar.size + "-byte " + bar.kind + (bar.prefetchable ? " prefetchable" : "") + " BAR '"
                + bar.name + "'";
        List<Field> low = new ArrayList<>();
        long reset;
        if (bar.isIo()) {
            low.add(ro("io_space", 0));
            low.add(rsvdP(1, 1));
            addAddress(low, 2, sizeBits, 31);
            reset = 0x1;
        } else {
            low.add(ro("memory_space", 0));
            low.add(ro("type", 2, 1));
            low.add(ro("prefetchable", 3));
            addAddress(low, 4, sizeBits, 31);
            reset = (bar.is64() ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
        }
        List<Register> out = new ArrayList<>();
        out.add(new Register("BAR" + bar.index, off, 4, reset, source, low));
        if (bar.is64()) {
            List<Field> high = new ArrayList<>();
            addAddress(high, 0, sizeBits - 32, 31);
            out.add(new Register("BAR" + (bar.index + 1), off + 4, 4, 0, source + ", upper 32 address bits", high));
        }
        return out;
    }

    /** Address bits {@code lo..31}: read-only zero below {@code sizeBits} (the size), writable from there. */
    private static void addAddress(List<Field> fields, int lo, int sizeBits, int hi) {
        int split = Math.max(lo, Math.min(sizeBits, hi + 1));
        if (split > lo) {
            fields.add(ro("size_alignment", split - 1, lo));
        }
        if (split <= hi) {
            fields.add(rw("address", hi, split));
        }
    }

    /** The expansion ROM BAR of a {@code size}-byte ROM (PCI Local Bus 3.0 §6.2.5.2; at 0x38 in a type 1 header). */
    static Register rom(int offset, long size) {
        int sizeBits = Long.numberOfTrailingZeros(size);
        List<Field> f = new ArrayList<>();
        f.add(rw("rom_enable", 0));
        f.add(rsvdP(10, 1));
        addAddress(f, 11, sizeBits, 31);
        return new Register("EXPANSION_ROM", offset, 4, 0, "PCI Local Bus 3.0 §6.2.5.2: " + size + "-byte expansion ROM", f);
    }
}
