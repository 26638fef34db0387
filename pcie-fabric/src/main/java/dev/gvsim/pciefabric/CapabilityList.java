package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.PciFunction.CAPABILITY_LIST;
import static dev.gvsim.pciefabric.PciFunction.CONFIG_SIZE;
import static dev.gvsim.pciefabric.PciFunction.EXT_CAP_START;

/**
 * One function's capability lists (PCI Local Bus 3.0 §6.7, PCIe Base 4.0 §7.6): linking a capability
 * into the list at 0x34 or appending an extended one from 0x100, the bounded walks that find them, and
 * where the capabilities the function itself acts on live (PM, PCI Express, MSI-X, SR-IOV). The
 * registers are declared by {@link Capabilities}; {@link PciFunction} keeps its protected
 * {@code add*Capability} methods as the device-facing API and delegates here.
 */
final class CapabilityList {
    private final PciFunction f;
    int pmCap;
    int expCap;
    int msixCap;
    private int lastExtCap;
    SriovCapability sriov;

    CapabilityList(PciFunction f) {
        this.f = f;
    }

    /**
     * Links a capability of {@code length} bytes at {@code offset} into the list at 0x34. Like
     * QEMU's pci_add_capability (hw/pci/pci.c), the newest capability becomes the head of the list.
     */
    int add(int capId, int offset, int length) {
        if (offset < 0x40 || offset + length > 0x100 || (offset & 3) != 0) {
            throw new IllegalArgumentException(f.typeName() + ": capability 0x" + Integer.toHexString(capId) + " at bad offset 0x"
                    + Integer.toHexString(offset));
        }
        Capabilities.link(f.regs, Capabilities.name(capId), capId, offset);
        return offset;
    }

    /** Finds a capability by ID in the list at 0x34 (bounded walk), or 0. */
    int find(int capId) {
        byte[] config = f.config;
        int off = config[CAPABILITY_LIST] & 0xFC;
        for (int n = 0; off >= 0x40 && n < 48; n++) {
            if ((config[off] & 0xFF) == capId) {
                return off;
            }
            off = config[off + 1] & 0xFC;
        }
        return 0;
    }

    /** Appends an extended capability header (PCIe Base 4.0 §7.6.2) at {@code offset} (0x100 first). */
    int addExtended(int capId, int version, int offset, int length) {
        if (offset < EXT_CAP_START || offset + length > CONFIG_SIZE || (offset & 3) != 0 || offset <= lastExtCap) {
            throw new IllegalArgumentException(f.typeName() + ": extended capability at bad offset 0x" + Integer.toHexString(offset));
        }
        if (lastExtCap == 0 && offset != EXT_CAP_START) {
            throw new IllegalArgumentException(f.typeName() + ": the first extended capability must be at 0x100");
        }
        Capabilities.extendedHeader(f.regs, capId, version, offset);
        if (lastExtCap != 0) {
            f.regs.set(lastExtCap, 4, f.long32(lastExtCap) | offset << 20);
        }
        lastExtCap = offset;
        return offset;
    }

    /** Finds an extended capability by ID (bounded walk from 0x100), or 0. */
    int findExtended(int capId) {
        int off = EXT_CAP_START;
        for (int n = 0; off >= EXT_CAP_START && n < 480; n++) {
            int h = f.long32(off);
            if (h == 0) {
                return 0;
            }
            if ((h & 0xFFFF) == capId) {
                return off;
            }
            off = (h >>> 20) & 0xFFC;
        }
        return 0;
    }
}
