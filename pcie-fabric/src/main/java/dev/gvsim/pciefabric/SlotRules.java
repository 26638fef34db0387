package dev.gvsim.pciefabric;

import java.util.List;

/**
 * The rules {@link PciHost#add} places a function by, as QEMU applies them: the next free slot when
 * none is given (hw/pci/pci.c do_pci_register_device's devfn search) and the chassis/slot numbers of
 * hot-plug ports being unique (hw/pci/pcie.c pcie_chassis_add_slot).
 */
final class SlotRules {
    private SlotRules() {
    }

    /** The first slot of {@code bus} where function {@code fn} is free (function 0: the whole slot); refused when there is none. */
    static int freeSlot(PciBus bus, int fn, PciFunction f) {
        for (int s = 0; s < 32; s++) {
            if (bus.devfn[s << 3 | fn] == null && (fn != 0 || emptySlot(bus, s))) {
                return s;
            }
            if (bus.singleDevice()) {
                break;
            }
        }
        throw new IllegalArgumentException("PCI: no slot/function available for " + f.typeName() + ", all in use or reserved");
    }

    private static boolean emptySlot(PciBus bus, int s) {
        for (int i = 0; i < 8; i++) {
            if (bus.devfn[s << 3 | i] != null) {
                return false;
            }
        }
        return true;
    }

    /** A root or downstream port's chassis and slot must not be taken by a port already placed ({@code all}). */
    static void checkChassisSlot(PciFunction f, List<PciFunction> all) {
    if (f instanceof RootPort || f instanceof SwitchDownstreamPort) {
        int ch = f instanceof RootPort r ? r.chassis() : ((SwitchDownstreamPort) f).chassis();
        int sl = f instanceof RootPort r ? r.slot() : ((SwitchDownstreamPort) f).slot();
        for (PciFunction o : all) {
            int och = o instanceof RootPort r ? r.chassis() : o instanceof SwitchDownstreamPort d ? d.chassis() : -1;
            int osl = o instanceof RootPort r ? r.slot() : o instanceof SwitchDownstreamPort d ? d.slot() : -1;
            if (och == ch && osl == sl) {
                PciFunction q = o;
                // hw/pci/pcie.c pcie_chassis_add_slot returns -EBUSY; pcie_cap_slot_init reports it.
                throw new IllegalArgumentException(f.id() + ": Can't add chassis slot, error -16 (chassis " + ch + " slot "
                        + sl + " already used by " + q.id() + ")");
            }
        }
    }
    }
}
