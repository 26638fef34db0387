package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.AllocSupport.F_IO;
import static dev.gvsim.pciefabric.AllocSupport.F_MEM;
import static dev.gvsim.pciefabric.AllocSupport.F_MEM64;
import static dev.gvsim.pciefabric.AllocSupport.F_PREF;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.gvsim.pciefabric.AllocSupport.Res;
import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

/**
 * Linux 6.1.192's distribution of spare bridge-window space to hot-plug bridges, which
 * {@code pci_assign_unassigned_root_bus_resources} runs after sizing on the ACPI path (the device-tree path,
 * {@code pci_host_probe}, never calls it). In 6.1.y it arrived as the stable backport of "PCI: Distribute
 * available resources for root buses, too", with the 6.1.134 fix "PCI: Use downstream bridges for distributing
 * resources": from the root bus it descends until it meets a bridge below another bridge whose windows are not
 * yet assigned, and if that bridge is a hot-plug bridge, spreads that bridge's own windows over its
 * subordinate bridges ({@code pci_bus_distribute_available_resources}). A hot-plug root port sits on the root
 * bus, so it is passed over; a switch's upstream port is not a hot-plug bridge, so the descent stops there.
 * What it can change on a QEMU topology: the windows of bridges below a hot-plug bridge that is itself below
 * another bridge, when that hot-plug bridge's window is larger than what its bus needs (with the realloc list
 * its required size has no slack unless memory alignment rounds it up). On every recorded topology it changes
 * nothing.
 *
 * <p>Arithmetic on the kernel's own terms: an unassigned window's {@code start} is its alignment
 * (IORESOURCE_STARTALIGN) and its end {@code start + size - 1}; a window sized away (no flags) is
 * {@code [0, 0]}.
 */
final class LinuxDistribute {
    /** A struct resource passed by value: start, end, flags. */
    private static final class Span {
        long start;
        long end;
        int flags;

        Span(long start, long end, int flags) {
            this.start = start;
            this.end = end;
            this.flags = flags;
        }

        long size() {
            return end - start + 1;
        }
    }

    private final Map<PciBridgeBase, Res[]> windows;
    private final Function<PciFunction, List<Res>> bars;
    private final Predicate<PciBridgeBase> hotplug;
    private final List<Res> reallocList;

    @Helper("holds the sizing results it adjusts")
    LinuxDistribute(Map<PciBridgeBase, Res[]> windows, Function<PciFunction, List<Res>> bars, Predicate<PciBridgeBase> hotplug,
            List<Res> reallocList) {
        this.windows = windows;
        this.bars = bars;
        this.hotplug = hotplug;
        this.reallocList = reallocList;
    }

    @Follows("drivers/pci/setup-bus.c pci_root_bus_distribute_available_resources")
    void rootBus(PciBus bus) {
        PciBridgeBase bridge = bus.bridge();
        for (PciFunction f : bus.functions()) {
            if (!(f instanceof PciBridgeBase dev)) {
                continue;
            }
            if (bridge != null && notAssigned(dev)) {
                bridgeDistribute(dev);
            } else {
                rootBus(dev.secondaryBusObject());
            }
        }
    }

    @Follows(value = "drivers/pci/setup-bus.c pci_bridge_resources_not_assigned",
            note = "before assignment every window is unassigned (IORESOURCE_STARTALIGN from sizing, or no flags)")
    private boolean notAssigned(PciBridgeBase dev) {
        for (Res r : windows.get(dev)) {
            if (r != null && r.flags != 0 && r.parent != null) {
                return false;
            }
        }
        return true;
    }

    @Follows(value = "drivers/pci/setup-bus.c pci_bridge_distribute_available_resources",
            note = "is_hotplug_bridge: PCI_EXP_SLTCAP_HPC (drivers/pci/probe.c set_pcie_hotplug_bridge)")
    private void bridgeDistribute(PciBridgeBase bridge) {
        if (!hotplug.test(bridge)) {
            return;
        }
        Res[] w = windows.get(bridge);
        distribute(bridge.secondaryBusObject(), span(w[0]), span(w[1]), span(w[2]));
    }

    @Follows("drivers/pci/setup-bus.c pci_bus_distribute_available_resources")
    private void distribute(PciBus bus, Span io, Span mmio, Span pref) {
        PciBridgeBase bridge = bus.bridge();
        Res[] w = windows.get(bridge);
        alignStart(io, w[0]);
        alignStart(mmio, w[1]);
        alignStart(pref, w[2]);
        adjust(w[0], io.size());
        adjust(w[1], mmio.size());
        adjust(w[2], pref.size());
        int hot = 0;
        int normal = 0;
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridgeBase b) {
                if (hotplug.test(b)) {
                    hot++;
                } else {
                    normal++;
                }
            }
        }
        if (hot + normal == 0) {
            return;
        }
        for (PciFunction f : bus.functions()) {
            if (!(f instanceof VirtualFunction)) {
                removeDevResources(f, io, mmio, pref);
            }
        }
        int n = hot > 0 ? hot : normal;
        long ioPer = Math.max(0, io.size()) / n;
        long mmioPer = Math.max(0, mmio.size()) / n;
        long prefPer = Math.max(0, pref.size()) / n;
        for (PciFunction f : bus.functions()) {
            if (!(f instanceof PciBridgeBase dev) || hot > 0 && !hotplug.test(dev)) {
                continue;
            }
            Res[] dw = windows.get(dev);
            share(io, dw[0], ioPer);
            share(mmio, dw[1], mmioPer);
            share(pref, dw[2], prefPer);
            distribute(dev.secondaryBusObject(), copy(io), copy(mmio), copy(pref));
            io.start += io.end + 1;
            mmio.start += mmio.end + 1;
            pref.start += pref.end + 1;
        }
    }

    @Follows(value = "drivers/pci/setup-bus.c pci_bus_distribute_available_resources",
            note = "the split aligned down to the child window's alignment; start moved down by the child's own size")
    private static void share(Span s, Res child, long per) {
        long align = alignment(child);
        s.end = align != 0 ? s.start + (per & -align) - 1 : s.start + per - 1;
        s.start -= size(child);
    }

    @Follows("drivers/pci/setup-bus.c pci_bus_distribute_available_resources")
    private static void alignStart(Span s, Res r) {
        long align = alignment(r);
        if (r.parent == null && align != 0) {
            s.start = Math.min(AllocSupport.alignUp(s.start, align), s.end + 1);
        }
    }

    /** The window grows (or shrinks) to {@code newSize} and leaves the realloc list. */
    @Follows("drivers/pci/setup-bus.c adjust_bridge_window")
    private void adjust(Res r, long newSize) {
        if (r.parent != null || newSize <= 0 || r.flags == 0 || newSize == r.size) {
            return; // a window with no flags keeps none: it stays closed whatever its size
        }
        r.size = newSize;
        for (int i = 0; i < reallocList.size(); i++) {
            if (reallocList.get(i) == r) {
                reallocList.remove(i);
                r.add = 0;
                break;
            }
        }
    }

    @Follows("drivers/pci/setup-bus.c remove_dev_resources")
    private void removeDevResources(PciFunction dev, Span io, Span mmio, Span pref) {
        for (Res r : bars.apply(dev)) {
            remove(r, io, mmio, pref);
        }
        if (dev instanceof PciBridgeBase b) {
            for (Res r : windows.get(b)) {
                remove(r, io, mmio, pref);
            }
        }
    }

    @Follows(value = "drivers/pci/setup-bus.c remove_dev_resources",
            note = "prefetchable memory from the prefetchable span only when both are 64-bit or both are not")
    private static void remove(Res r, Span io, Span mmio, Span pref) {
        if ((r.flags & F_IO) != 0) {
            removeDevResource(io, r);
        } else if ((r.flags & F_MEM) != 0) {
            if ((r.flags & F_PREF) != 0 && (r.flags & F_MEM64) == (pref.flags & F_MEM64)) {
                removeDevResource(pref, r);
            } else {
                removeDevResource(mmio, r);
            }
        }
    }

    @Follows("drivers/pci/setup-bus.c remove_dev_resource")
    private static void removeDevResource(Span avail, Res r) {
        long size = size(r);
        if (size == 0) {
            return;
        }
        long align = alignment(r);
        long pad = align != 0 ? AllocSupport.alignUp(avail.start, align) - avail.start : 0;
        avail.start = Math.min(avail.start + pad + size, avail.end + 1);
    }

    /** resource_size of a resource as sizing left it: a window with no flags is [0, 0], one byte. */
    @Follows("include/linux/ioport.h resource_size")
    private static long size(Res r) {
        return r.flags == 0 ? 1 : r.size;
    }

    /** A BAR aligns to its size (IORESOURCE_SIZEALIGN), a window to its start (IORESOURCE_STARTALIGN), no flags: 0. */
    @Follows({"drivers/pci/pci.h pci_resource_alignment", "kernel/resource.c resource_alignment"})
    private static long alignment(Res r) {
        return r.flags == 0 ? 0 : r.align;
    }

    @Helper("a window as a struct resource value: start = alignment, end = start + size - 1")
    private static Span span(Res r) {
        return r.flags == 0 ? new Span(0, 0, 0) : new Span(r.align, r.align + r.size - 1, r.flags);
    }

    @Helper("pass by value")
    private static Span copy(Span s) {
        return new Span(s.start, s.end, s.flags);
    }
}
