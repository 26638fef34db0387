package dev.gvsim.pciefabric;

import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rsvdP;
import static dev.gvsim.simcore.regs.Field.rsvdZ;
import static dev.gvsim.simcore.regs.Field.rw;
import static dev.gvsim.simcore.regs.Field.rw1c;

import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;

/**
 * The type 1 (PCI-to-PCI bridge) part of the configuration header, 0x10-0x3F without the common
 * registers (PCI-to-PCI Bridge Architecture 1.2 §3.2; PCIe Base 4.0 §7.5.1.3), with the masks and
 * reset values of QEMU's hw/pci/pci.c pci_init_mask_bridge: bus numbers and secondary latency timer
 * writable, base/limit windows in their granules with read-only addressing-capability nibbles,
 * Bridge Control, Secondary Status error bits write-one-to-clear.
 */
final class Type1Header {
    private Type1Header() {
    }

    static final String QEMU_BRIDGE = "QEMU hw/pci/pci.c pci_init_mask_bridge";

    static void declare(RegisterFile r, boolean io32, boolean pref64) {
        r.declare(Type0Header.unimplementedBar(0));
        r.declare(Type0Header.unimplementedBar(1));
        r.declare(Register.whole("PRIMARY_BUS", PciBridgeBase.PRIMARY_BUS, 1, FieldKind.RW, 0, "PCI-to-PCI Bridge 1.2 §3.2.5.2; " + QEMU_BRIDGE));
        r.declare(Register.whole("SECONDARY_BUS", PciBridgeBase.SECONDARY_BUS, 1, FieldKind.RW, 0, "PCI-to-PCI Bridge 1.2 §3.2.5.3; " + QEMU_BRIDGE));
        r.declare(Register.whole("SUBORDINATE_BUS", PciBridgeBase.SUBORDINATE_BUS, 1, FieldKind.RW, 0,
                "PCI-to-PCI Bridge 1.2 §3.2.5.4; " + QEMU_BRIDGE));
        r.declare(Register.whole("SEC_LATENCY_TIMER", PciBridgeBase.SEC_LATENCY_TIMER, 1, FieldKind.RW, 0,
                "PCI-to-PCI Bridge 1.2 §3.2.5.5; writable as " + QEMU_BRIDGE + " (PCIe Base 4.0 §7.5.1.3.4 hardwires it to 0)"));
        int ioType = io32 ? PciBridgeBase.IO_RANGE_TYPE_32 : PciBridgeBase.IO_RANGE_TYPE_16;
        String ioSource = "PCI-to-PCI Bridge 1.2 §3.2.5.6: 4 KiB granules, " + (io32 ? "32" : "16") + "-bit decode; " + QEMU_BRIDGE;
        r.declare(Register.of("IO_BASE", PciBridgeBase.IO_BASE, 1, ioType, ioSource, ro("addressing", 3, 0), rw("base_15_12", 7, 4)));
        r.declare(Register.of("IO_LIMIT", PciBridgeBase.IO_LIMIT, 1, ioType, ioSource, ro("addressing", 3, 0), rw("limit_15_12", 7, 4)));
        r.declare(Register.of("SEC_STATUS", PciBridgeBase.SEC_STATUS, 2, 0, "PCI-to-PCI Bridge 1.2 §3.2.5.7; RW1C as " + QEMU_BRIDGE,
                rsvdZ(4, 0), ro("66mhz_capable", 5), rsvdZ(6, 6), ro("fast_back_to_back_capable", 7), rw1c("master_data_parity_error", 8),
                ro("devsel_timing", 10, 9), rw1c("signaled_target_abort", 11), rw1c("received_target_abort", 12),
                rw1c("received_master_abort", 13), rw1c("received_system_error", 14), rw1c("detected_parity_error", 15)));
        String memSource = "PCI-to-PCI Bridge 1.2 §3.2.5.8: 1 MiB granules; " + QEMU_BRIDGE;
        r.declare(Register.of("MEMORY_BASE", PciBridgeBase.MEMORY_BASE, 2, 0, memSource, ro("reserved_zero", 3, 0), rw("base_31_20", 15, 4)));
        r.declare(Register.of("MEMORY_LIMIT", PciBridgeBase.MEMORY_LIMIT, 2, 0, memSource, ro("reserved_zero", 3, 0), rw("limit_31_20", 15, 4)));
        int prefType = pref64 ? PciBridgeBase.PREF_RANGE_TYPE_64 : 0;
        String prefSource = "PCI-to-PCI Bridge 1.2 §3.2.5.9: 1 MiB granules, " + (pref64 ? "64" : "32") + "-bit; " + QEMU_BRIDGE;
        r.declare(Register.of("PREF_MEMORY_BASE", PciBridgeBase.PREF_MEMORY_BASE, 2, prefType, prefSource, ro("addressing", 3, 0),
                rw("base_31_20", 15, 4)));
        r.declare(Register.of("PREF_MEMORY_LIMIT", PciBridgeBase.PREF_MEMORY_LIMIT, 2, prefType, prefSource, ro("addressing", 3, 0),
                rw("limit_31_20", 15, 4)));
        FieldKind upper32 = pref64 ? FieldKind.RW : FieldKind.RO;
        String upperSource = "PCI-to-PCI Bridge 1.2 §3.2.5.10: " + (pref64 ? "writable (64-bit prefetchable window)" : "hardwired to 0 (32-bit window)");
        r.declare(Register.whole("PREF_BASE_UPPER32", PciBridgeBase.PREF_BASE_UPPER32, 4, upper32, 0, upperSource));
        r.declare(Register.whole("PREF_LIMIT_UPPER32", PciBridgeBase.PREF_LIMIT_UPPER32, 4, upper32, 0, upperSource));
        FieldKind upper16 = io32 ? FieldKind.RW : FieldKind.RO;
        String ioUpperSource = "PCI-to-PCI Bridge 1.2 §3.2.5.11: " + (io32 ? "writable (32-bit I/O decode)" : "hardwired to 0 (16-bit I/O decode)");
        r.declare(Register.whole("IO_BASE_UPPER16", PciBridgeBase.IO_BASE_UPPER16, 2, upper16, 0, ioUpperSource));
        r.declare(Register.whole("IO_LIMIT_UPPER16", PciBridgeBase.IO_LIMIT_UPPER16, 2, upper16, 0, ioUpperSource));
        r.declare(Type0Header.unimplementedRom(PciFunction.EXPANSION_ROM_TYPE1));
        r.declare(Register.of("BRIDGE_CONTROL", PciBridgeBase.BRIDGE_CONTROL, 2, 0,
                "PCI-to-PCI Bridge 1.2 §3.2.5.18; " + QEMU_BRIDGE + " (Discard Timer Status RW1C, never set by the model)",
                rw("parity_error_response", 0), rw("serr_enable", 1), rw("isa_enable", 2), rw("vga_enable", 3), rw("vga_16bit_decode", 4),
                rw("master_abort_mode", 5), rw("secondary_bus_reset", 6), rw("fast_back_to_back_enable", 7),
                rw("primary_discard_timeout", 8), rw("secondary_discard_timeout", 9), rw1c("discard_timer_status", 10),
                rw("discard_timer_serr_enable", 11), rsvdP(15, 12)));
    }
}
