package dev.gvsim.guesttraces.edk2;

import java.util.ArrayList;
import java.util.List;

/**
 * One PCI function as the firmware's enumeration found it (EDK II PciBusDxe PCI_IO_DEVICE): what
 * config space said, the BAR sizes it measured and the addresses it read back.
 */
public final class PciNode {
    public final int bdf;
    public final int vendorId;
    public final int deviceId;
    /** Class code, 24 bits (base class, sub-class, programming interface). */
    public final int classCode;
    public final boolean bridge;
    public final PciNode parent;
    /** Discovery order (PciScanBus, depth first). */
    public final int order;
    public final List<PciNode> children = new ArrayList<>();
    final long[] barAddr = new long[6];
    final long[] barSize = new long[6];
    final boolean[] barIo = new boolean[6];
    final boolean[] bar64 = new boolean[6];
    int secondaryBus;
    boolean hotplug;

    PciNode(int bdf, int vendorId, int deviceId, int classCode, boolean bridge, PciNode parent, int order) {
        this.bdf = bdf;
        this.vendorId = vendorId;
        this.deviceId = deviceId;
        this.classCode = classCode;
        this.bridge = bridge;
        this.parent = parent;
        this.order = order;
    }

    public static String bdf(int bdf) {
        return String.format("%02x:%02x.%x", (bdf >> 8) & 0xFF, (bdf >> 3) & 0x1F, bdf & 7);
    }

    public String name() {
        return bdf(bdf) + (bridge ? " [bridge]" : String.format(" [%04x:%04x]", vendorId, deviceId));
    }

    /** Base class 0x03 (PCI Code and ID Assignment 1.11: display controller); EDK II IS_PCI_DISPLAY. */
    public boolean isDisplay() {
        return (classCode >>> 16) == 0x03;
    }

    /** Class 0x0300 (VGA-compatible); EDK II IS_PCI_VGA. */
    public boolean isVga() {
        return (classCode >>> 8) == 0x0300;
    }

    public long barAddress(int i) {
        return barAddr[i];
    }

    /** The measured size, 0 if the BAR is not implemented. */
    public long barSize(int i) {
        return barSize[i];
    }

    public boolean barIsIo(int i) {
        return barIo[i];
    }

    public int secondaryBus() {
        return secondaryBus;
    }

    public boolean hotplugCapable() {
        return hotplug;
    }

    /** Bridges from the root bus down to this function's bus, top first. */
    public List<PciNode> path() {
        List<PciNode> p = new ArrayList<>();
        for (PciNode n = parent; n != null && p.size() < 256; n = n.parent) {
            p.add(0, n);
        }
        return p;
    }
}
