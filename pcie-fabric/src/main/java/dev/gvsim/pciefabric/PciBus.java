package dev.gvsim.pciefabric;

import java.util.ArrayList;
import java.util.List;

/**
 * One PCI bus segment: the root bus ({@code pcie.0}) or the secondary bus of a bridge. Holds up to
 * 32 devices × 8 functions by devfn. Its number is the bridge's Secondary Bus Number register
 * (software-assigned during enumeration), or 0 for the root bus.
 */
public final class PciBus {
    private final String id;
    private final PciBridgeBase bridge;
    final PciFunction[] devfn = new PciFunction[256];
    /** Downstream ports and root ports have exactly one device (device 0) on their link (PCIe Base 4.0 §7.3.1). */
    private final boolean singleDevice;

    PciBus(String id, PciBridgeBase bridge, boolean singleDevice) {
        this.id = id;
        this.bridge = bridge;
        this.singleDevice = singleDevice;
    }

    public String id() {
        return id;
    }

    /** The bridge whose secondary bus this is, or null for the root bus. */
    public PciBridgeBase bridge() {
        return bridge;
    }

    public boolean isRoot() {
        return bridge == null;
    }

    /**
     * True if this is a PCI Express bus below a port (QEMU {@code pci_bus_is_express(bus) &&
     * !pci_bus_is_root(bus)}): the secondary bus of a root port or of a switch's upstream or
     * downstream port. The root bus and the secondary bus of a PCI or PCIe-to-PCI bridge are not.
     */
    public boolean isExpressBelowPort() {
        return bridge instanceof RootPort || bridge instanceof SwitchUpstreamPort;
    }

    public boolean singleDevice() {
        return singleDevice;
    }

    /** Bus number: 0 for the root bus, else the bridge's Secondary Bus Number. */
    public int number() {
        return bridge == null ? 0 : bridge.secondaryBus();
    }

    public PciFunction function(int devfnIndex) {
        return devfnIndex >= 0 && devfnIndex < 256 ? devfn[devfnIndex] : null;
    }

    /** Functions on this bus in devfn order. */
    public List<PciFunction> functions() {
        List<PciFunction> out = new ArrayList<>();
        for (PciFunction f : devfn) {
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    /** devfn of {@code f} on this bus, or -1. */
    public int devfnOf(PciFunction f) {
        for (int i = 0; i < 256; i++) {
            if (devfn[i] == f) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return id;
    }
}
