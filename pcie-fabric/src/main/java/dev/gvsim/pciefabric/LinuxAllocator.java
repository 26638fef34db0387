package dev.gvsim.pciefabric;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import static dev.gvsim.pciefabric.AllocSupport.F_IO;
import static dev.gvsim.pciefabric.AllocSupport.F_MEM;
import static dev.gvsim.pciefabric.AllocSupport.F_MEM64;
import static dev.gvsim.pciefabric.AllocSupport.F_PREF;
import static dev.gvsim.pciefabric.AllocSupport.WIN_IO;
import static dev.gvsim.pciefabric.AllocSupport.WIN_MEM;
import static dev.gvsim.pciefabric.AllocSupport.WIN_PREF;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.pciefabric.AllocSupport.Res;
import dev.gvsim.pciefabric.AllocSupport.Space;

/**
 * Linux 6.1's assignment of everything on arm64 (pci-host-generic, DT), following the path 6.1 takes:
 * drivers/pci/controller/pci-host-common.c {@code pci_host_common_probe} sets
 * {@code PCI_REASSIGN_ALL_BUS} and calls drivers/pci/probe.c {@code pci_host_probe}, which (unless
 * {@code PCI_PROBE_ONLY}) runs {@code pci_bus_size_bridges(bus)} then {@code pci_bus_assign_resources(bus)}
 * (drivers/pci/setup-bus.c). Both pass a NULL {@code realloc_head}: there are no optional (add_size)
 * sizes and no realloc/retry/distribute pass in this path ({@code pci_assign_unassigned_root_bus_resources}
 * and its {@code pci_root_bus_distribute_available_resources} are not called by pci_host_probe in 6.1; a
 * later kernel's "PCI: Use preserve_config in place of pci_flags" switched pci_host_probe to them, and its
 * lone 6.6 stable backport was reverted).
 *
 * <ul>
 * <li>{@code pci_scan_child_bus} numbering (bridges left unconfigured by QEMU are reconfigured
 * depth-first);</li>
 * <li>{@code __pci_bus_size_bridges(bus, NULL)}: for a hot-plug bridge the hot-plug sizes
 * ({@code pci_hotplug_io_size} 256 B, {@code pci_hotplug_mmio_size} and
 * {@code pci_hotplug_mmio_pref_size} 2 MiB) are passed as {@code min_size} ("realloc_head ? 0 :
 * additional_..._size"), so a window is {@code max(children, min_size)}, not children plus optional
 * sizes: {@code pbus_size_io} with {@code calculate_iosize}, {@code pbus_size_mem} with
 * {@code calculate_mem_align} and {@code calculate_memsize};</li>
 * <li>{@code __pci_bus_assign_resources(bus, NULL, NULL)}: per bus {@code pbus_assign_resources_sorted}
 * ({@code pdev_sort_resources}: by alignment, stable; {@code __assign_resources_sorted} with no
 * realloc list goes straight to {@code assign_requested_resources_sorted}: each resource placed
 * first-fit from the bottom of the parent window by {@code __pci_assign_resource}'s three passes with
 * 64-bit resources above 4 GiB first, I/O from {@code PCIBIOS_MIN_IO} = 0x1000; a failure resets the
 * resource, with no retry), then the child buses, then {@code pci_setup_bridge} programs the windows;
 * drivers enable decode.</li>
 * </ul>
 *
 * <p>Checked against the recorded guests' consoles (sim-cli LspciAgainstConsoleTest), the PCIe switch
 * below a root port included (root port mem and pref windows 2 MiB each, I/O 8 KiB).
 *
 * <p>{@link #assignAcpi}: the path 6.1 takes when booted through UEFI with ACPI: arch/arm64/kernel/pci.c
 * {@code pci_acpi_scan_root} calls {@code pci_assign_unassigned_root_bus_resources} (drivers/acpi/pci_root.c
 * {@code acpi_pci_root_add} calls it only for a hot-added root bridge), with every resource reassigned
 * (preserve_config stays 0, as the recorded consoles show). With realloc off or undetected (the recorder's
 * boots) that is one pass with a realloc list: {@code __pci_bus_size_bridges} makes the hot-plug sizes optional
 * {@code add_size}s ({@code max(size, add_size) + children's add_size}),
 * {@code pci_root_bus_distribute_available_resources} runs (see {@link LinuxDistribute}), and
 * {@code __assign_resources_sorted} tries everything with its add size first and, when something does not fit,
 * releases the failed types and assigns required sizes before adding the optional ones in realloc-list order
 * (see {@link LinuxPlacement}; recorded: uefi_vgpu_16rp). With {@code pci=realloc}
 * ({@code pci.linux_realloc=on}) the first pass sizes without the realloc list (recorded: uefi_vgpu_dnrp_realloc,
 * uefi_vgpu_rprp_realloc, where the distribution pass widens a bridge below a hot-plug port); the release and
 * retry after a failed pass are not modelled. Every method cites the function it follows ({@code @Follows}).
 */
public final class LinuxAllocator {
    /**
     * drivers/pci/pci.c DEFAULT_HOTPLUG_IO_SIZE, DEFAULT_HOTPLUG_MMIO_SIZE, DEFAULT_HOTPLUG_MMIO_PREF_SIZE:
     * the {@code min_size} of a hot-plug bridge's windows in {@code pci_bus_size_bridges}.
     */
    public static final long HOTPLUG_IO_SIZE = 256;
    public static final long HOTPLUG_MMIO_SIZE = 2L << 20;
    public static final long HOTPLUG_MMIO_PREF_SIZE = 2L << 20;
    /** Bridge window granularity (drivers/pci/setup-bus.c window_alignment): I/O 4 KiB, memory 1 MiB. */
    public static final long IO_WINDOW_ALIGN = 0x1000;
    public static final long MEM_WINDOW_ALIGN = 0x10_0000;

    @Helper("no instances")
    private LinuxAllocator() {
    }

    /** Linux 6.1 booted with a device tree (pci-host-generic, {@code pci_host_probe}): no realloc list. */
    @Follows(value = {"drivers/pci/controller/pci-host-common.c pci_host_common_probe", "drivers/pci/probe.c pci_host_probe"},
            note = "pci_host_probe: pci_bus_size_bridges then pci_bus_assign_resources, no realloc list, no retry, no distribution (6.1.192)")
    public static void assign(PciHost h, Apertures ap) {
        new Run(h, ap, false, false).run();
    }

    /** Linux 6.1 booted through UEFI with ACPI, realloc detected as the Debian kernel does (no pci=realloc on its command line). */
    @Helper("assignAcpi with realloc 'auto'")
    public static void assignAcpi(PciHost h, Apertures ap) {
        assignAcpi(h, ap, "auto");
    }

    /**
     * Linux 6.1 booted through UEFI with ACPI ({@code pci_assign_unassigned_root_bus_resources}), {@code realloc} as
     * the kernel command line sets it: {@code off} (pci=realloc=off), {@code on} (pci=realloc) or {@code auto} (none:
     * CONFIG_PCI_REALLOC_ENABLE_AUTO=y in Debian's arm64 build turns it on when an SR-IOV VF BAR is unassigned).
     * Realloc on means {@code pci_bus_get_depth + 1} passes: every pass but the last sizes without the realloc list
     * (hot-plug sizes as minimum sizes) and the last with it; the first pass that places everything ends it.
     * The release-and-retry between passes (pci_bus_release_bridge_resources) is not modelled: a pass that fails
     * before the last ends the assignment with a line saying so.
     */
    @Follows(value = {"arch/arm64/kernel/pci.c pci_acpi_scan_root", "drivers/pci/setup-bus.c pci_assign_unassigned_root_bus_resources",
        "drivers/pci/setup-bus.c pci_realloc_get_opt", "drivers/pci/setup-bus.c pci_realloc_detect", "drivers/pci/setup-bus.c iov_resources_unassigned",
        "drivers/pci/setup-bus.c pci_bus_get_depth"},
            note = "the recorder boots without pci=realloc and no recorded device has SR-IOV, so the recordings take one pass with the realloc list; "
                    + "preserve_config stays 0 (the recorded consoles show every resource reassigned); recorded with pci=realloc: uefi_vgpu_dnrp_realloc")
    public static void assignAcpi(PciHost h, Apertures ap, String realloc) {
        int enable = switch (realloc) {
            case "off" -> USER_DISABLED;
            case "on" -> USER_ENABLED;
            case "auto" -> iovResourcesUnassigned(h) ? AUTO_ENABLED : UNDEFINED;
            default -> throw new IllegalArgumentException("pci.linux_realloc must be off, on or auto, got '" + realloc + "'");
        };
        int tryNum = enable >= USER_ENABLED ? busDepth(h.rootBus()) + 1 : 1;
        Run first = null;
        for (int tried = 0; tried < tryNum; tried++) {
            boolean last = tried + 1 == tryNum;
            Run r = new Run(h, ap, last, true);
            r.placement.failHead = new ArrayList<>();
            r.run();
            if (r.placement.failHead.isEmpty()) {
                return;
            }
            if (last) {
                if (enable == UNDEFINED) {
                    h.logFailure("pci_bus 0000:00: Some PCI device resources are unassigned, try booting with pci=realloc");
                } else if (enable == AUTO_ENABLED) {
                    h.logFailure("pci_bus 0000:00: Automatically enabled pci realloc, if you have problem, try booting with pci=realloc=off");
                }
                return;
            }
            h.logFailure("pci_bus 0000:00: No. " + (tried + 2) + " try to assign unassigned res: not modelled (gvsim stops after pass "
                    + (tried + 1) + "; pci_bus_release_bridge_resources and the retry are not modelled)");
            return;
        }
    }

    /** setup-bus.c enum enable_type. */
    static final int UNDEFINED = -1;
    static final int USER_DISABLED = 0;
    static final int USER_ENABLED = 2;
    static final int AUTO_ENABLED = 3;

    /** A VF BAR of an SR-IOV function that reads 0 (pcibios_resource_to_bus gives region.start 0). */
    @Follows("drivers/pci/setup-bus.c iov_resources_unassigned")
    static boolean iovResourcesUnassigned(PciHost h) {
        for (PciFunction f : h.functions()) {
            SriovCapability iov = f.sriov();
            if (iov == null) {
                continue;
            }
            for (SriovCapability.VfBar b : iov.spec().bars()) {
                int off = iov.offset() + SriovCapability.VF_BAR0 + 4 * b.index();
                long lo = f.configRead(off, 4) & ~0xFL;
                long hi = b.kind() == BarKind.MEM64 ? f.configRead(off + 4, 4) : 0;
                if (lo == 0 && hi == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    @Follows("drivers/pci/setup-bus.c pci_bus_get_depth")
    static int busDepth(PciBus bus) {
        int depth = 0;
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridgeBase br) {
                depth = Math.max(depth, busDepth(br.secondaryBusObject()) + 1);
            }
        }
        return depth;
    }

    /** PCI Express Capabilities register (PCIe Base 4.0 §7.5.3.2): Device/Port Type bits 7:4, Slot Implemented bit 8. */
    static final int EXP_FLAGS = 0x02;
    static final int EXP_FLAGS_SLOT = 0x100;
    /** Slot Capabilities (§7.5.3.9) and its Hot-Plug Capable bit. */
    static final int EXP_SLTCAP = 0x14;
    static final int SLTCAP_HPC = 0x40;
    /** Device/Port Types: root port, upstream and downstream switch ports, PCIe-to-PCI bridge. */
    static final int TYPE_ROOT_PORT = 0x4;
    static final int TYPE_UPSTREAM = 0x5;
    static final int TYPE_DOWNSTREAM = 0x6;
    static final int TYPE_PCIE_BRIDGE = 0x8;

    /**
     * Linux's is_hotplug_bridge for a PCIe port: Slot Capabilities Hot-Plug Capable, where Slot Capabilities
     * reads 0 unless the port type, as set_pcie_port_type corrected it, is a downstream-facing one with Slot
     * Implemented (pcie_capability_read_dword, pcie_cap_has_sltctl). The correction: a downstream port below
     * another downstream-facing port is taken for an upstream port, an upstream port below an upstream port
     * for a downstream one. Recorded: an xio3130-downstream on a root port's bus is "corrected" to an upstream
     * port and sized as a bridge without hot-plug sizes (uefi_vgpu_dnrp, uefi_vgpu_dnrp_realloc).
     */
    @Follows(value = {"drivers/pci/probe.c set_pcie_hotplug_bridge", "drivers/pci/probe.c set_pcie_port_type",
        "drivers/pci/access.c pcie_cap_has_sltctl", "drivers/pci/pci.h pcie_downstream_port"},
            note = "SHPC bridges are not hot-plug bridges at enumeration (only shpchp, later, drives them)")
    static boolean isHotplugBridge(PciHost h, PciBridgeBase br) {
        int exp = br.findCapability(PciFunction.CAP_ID_EXP);
        if (exp == 0) {
            return false;
        }
        int flags = (int) br.configRead(exp + EXP_FLAGS, 2);
        int type = portType(h, br);
        boolean downstreamFacing = type == TYPE_ROOT_PORT || type == TYPE_DOWNSTREAM || type == TYPE_PCIE_BRIDGE;
        return downstreamFacing && (flags & EXP_FLAGS_SLOT) != 0 && (br.configRead(exp + EXP_SLTCAP, 4) & SLTCAP_HPC) != 0;
    }

    /** The port type as set_pcie_port_type leaves it (-1: not PCIe). */
    @Follows("drivers/pci/probe.c set_pcie_port_type")
    static int portType(PciHost h, PciFunction f) {
        int exp = f.findCapability(PciFunction.CAP_ID_EXP);
        if (exp == 0) {
            return -1;
        }
        int type = (int) (f.configRead(exp + EXP_FLAGS, 2) >> 4) & 0xF;
        PciBus bus = h.busOf(f);
        PciBridgeBase parent = bus != null ? bus.bridge() : null;
        if (parent == null) {
            return type;
        }
        int pt = portType(h, parent);
        if (type == TYPE_DOWNSTREAM && (pt == TYPE_ROOT_PORT || pt == TYPE_DOWNSTREAM || pt == TYPE_PCIE_BRIDGE)) {
            return TYPE_UPSTREAM;
        }
        if (type == TYPE_UPSTREAM && pt == TYPE_UPSTREAM) {
            return TYPE_DOWNSTREAM;
        }
        return type;
    }

    private static final class Run {
        final PciHost h;
        final Apertures ap;
        final Map<PciBridgeBase, Res[]> windows = new IdentityHashMap<>();
        /** Each function's BAR/ROM resources, one object per resource for the whole run (struct resource). */
        final Map<PciFunction, List<Res>> bars = new IdentityHashMap<>();
        /** This pass sizes with a realloc list: hot-plug sizes as optional add sizes instead of minimum sizes. */
        final boolean realloc;
        /** The ACPI path (pci_assign_unassigned_root_bus_resources), which runs the distribution pass. */
        final boolean acpi;
        final LinuxPlacement placement;

        @Helper("holds one pass's state")
        Run(PciHost h, Apertures ap, boolean realloc, boolean acpi) {
            this.h = h;
            this.ap = ap;
            this.realloc = realloc;
            this.acpi = acpi;
            this.placement = new LinuxPlacement(h, realloc ? new ArrayList<>() : null);
        }

        @Follows(value = {"drivers/pci/probe.c pci_scan_child_bus_extend", "drivers/pci/setup-bus.c __pci_bus_size_bridges", "drivers/pci/setup-bus.c __pci_bus_assign_resources", "drivers/pci/of.c devm_of_pci_get_host_bridge_resources"},
                note = "bus numbers, sizing, then assignment from the host bridge windows; of.c drops IORESOURCE_MEM_64 from the DT windows")
        void run() {
            h.beginAllocation(acpi ? "linux-acpi" : "linux");
            AllocSupport.numberBuses(h.rootBus(), 0, 0);
            h.refreshBdfs();
            sizeBus(h.rootBus());
            if (acpi) {
                // pci_assign_unassigned_root_bus_resources: sizing, then the distribution pass, then assignment
                new LinuxDistribute(windows, f -> bars.computeIfAbsent(f, AllocSupport::barResources), br -> isHotplugBridge(h, br),
                        realloc ? placement.reallocList() : new ArrayList<>()).rootBus(h.rootBus());
            }
            List<Space> rootSpaces = new ArrayList<>();
            rootSpaces.add(new Space("io", F_IO, 0, Math.min(ap.pioSize, 0x1_0000L) - 1));
            rootSpaces.add(new Space("mem", F_MEM, ap.mmio32Base, ap.mmio32Base + ap.mmio32Size - 1));
            if (ap.mmio64Size > 0) {
                // The DT range is 64-bit, but drivers/pci/of.c drops IORESOURCE_MEM_64 from host windows
                // ("Memory resource size exceeds max for 32 bits" in the reference runs' console).
                rootSpaces.add(new Space("mem64", F_MEM, ap.mmio64Base, ap.mmio64Base + ap.mmio64Size - 1));
            }
            assignBus(h.rootBus(), rootSpaces);
        }

        // ------------------------------------------------------------ sizing (bottom-up)

        @Follows(value = {"drivers/pci/setup-bus.c __pci_bus_size_bridges"},
                note = "child buses first, depth first")
        private void sizeBus(PciBus bus) {
            for (PciFunction f : bus.functions()) {
                if (f instanceof PciBridgeBase br) {
                    sizeBus(br.secondaryBusObject());
                    sizeBridge(br);
                }
            }
        }

        /** Resources of the devices on {@code bus}: BARs, ROMs and the windows of bridges on it. */
        @Follows(value = {"drivers/pci/setup-bus.c __dev_sort_resources"},
                note = "host bridges are skipped")
        private List<Res> resourcesOn(PciBus bus) {
            List<Res> out = new ArrayList<>();
            for (PciFunction f : bus.functions()) {
                if (f instanceof HostBridge) {
                    continue; // pdev_sort_resources skips host bridges
                }
                out.addAll(bars.computeIfAbsent(f, AllocSupport::barResources));
                if (f instanceof PciBridgeBase br) {
                    for (Res w : windows.get(br)) {
                        if (w != null && w.flags != 0) {
                            out.add(w);
                        }
                    }
                }
            }
            return out;
        }

        /**
         * setup-bus.c {@code __pci_bus_size_bridges} for one PCI-to-PCI bridge with {@code realloc_head}
         * NULL: the hot-plug sizes become {@code min_size}. (Every bridge QEMU builds has a
         * prefetchable window, so the -ENOSPC branch that folds the prefetchable size into the
         * non-prefetchable one is not needed.)
         */
        @Follows(value = {"drivers/pci/setup-bus.c __pci_bus_size_bridges", "drivers/pci/probe.c set_pcie_hotplug_bridge", "drivers/pci/pci.c pci_setup"},
                note = "is_hotplug_bridge only from PCI_EXP_SLTCAP_HPC (SHPC bridges are not hot-plug bridges here); DEFAULT_HOTPLUG_IO_SIZE 256, MMIO and MMIO_PREF 2 MiB as min_size without a realloc list, as add_size with one")
        private void sizeBridge(PciBridgeBase br) {
            List<Res> child = resourcesOn(br.secondaryBusObject());
            boolean hp = isHotplugBridge(h, br);
            long io = hp ? HOTPLUG_IO_SIZE : 0;
            long mem = hp ? HOTPLUG_MMIO_SIZE : 0;
            long pref = hp ? HOTPLUG_MMIO_PREF_SIZE : 0;
            // "realloc_head ? 0 : additional_..._size" as min_size, the additional size as add_size
            long minIo = realloc ? 0 : io;
            long minMem = realloc ? 0 : mem;
            long minPref = realloc ? 0 : pref;
            long addIo = realloc ? io : 0;
            long addMem = realloc ? mem : 0;
            long addPref = realloc ? pref : 0;
            Res[] w = new Res[3];
            w[0] = sizeIo(br, child, minIo, addIo);
            int mask = F_MEM;
            int type2 = 0;
            int type3 = 0;
            int prefmask = F_MEM | F_PREF;
            if (br.pref64()) {
                prefmask |= F_MEM64;
                w[2] = sizeMem(br, WIN_PREF, child, prefmask, prefmask, prefmask, prefmask, minPref, addPref, F_MEM | F_PREF | F_MEM64);
                mask = prefmask;
                type2 = prefmask & ~F_MEM64;
                type3 = prefmask & ~F_PREF;
            }
            if (type2 == 0) {
                prefmask &= ~F_MEM64;
                w[2] = sizeMem(br, WIN_PREF, child, prefmask, prefmask, prefmask, prefmask, minPref, addPref, F_MEM | F_PREF);
                mask = prefmask;
                type2 = F_MEM;
                type3 = F_MEM;
            }
            w[1] = sizeMem(br, WIN_MEM, child, mask, F_MEM, type2, type3, minMem, addMem, F_MEM);
            windows.put(br, w);
        }

        /**
         * setup-bus.c {@code pbus_size_io} + {@code calculate_iosize} without a realloc list (no
         * CONFIG_ISA on arm64): {@code ALIGN(max(small, min_size) + large, align)}, where small are
         * resources under 0x400 bytes and large the others (child bridges' windows).
         */
        @Follows(value = {"drivers/pci/setup-bus.c pbus_size_io", "drivers/pci/setup-bus.c calculate_iosize", "drivers/pci/setup-bus.c window_alignment"},
                note = "old_size is 0: arm64 never reads the firmware windows into the bridge resources before sizing (no pcibios_fixup_bus calling pci_read_bridge_bases)")
        private Res sizeIo(PciBridgeBase br, List<Res> child, long minSize, long addSize) {
            long size = 0;
            long size1 = 0;
            long childrenAdd = 0;
            long minAlign = IO_WINDOW_ALIGN;
            for (Res r : child) {
                if (!r.io() || r.flags == 0) {
                    continue;
                }
                if (r.size < 0x400) {
                    size += r.size;
                } else {
                    size1 += r.size;
                }
                minAlign = Math.max(minAlign, r.align);
                childrenAdd += r.add;
            }
            long size0 = AllocSupport.alignUp(Math.max(size, minSize) + size1, minAlign);
            long sizeAdd = addSize == 0 && childrenAdd == 0 ? size0
                    : AllocSupport.alignUp(Math.max(Math.max(size, minSize) + size1, addSize) + childrenAdd, minAlign);
            Res w = new Res(br, WIN_IO, F_IO, size0, minAlign);
            if (size0 == 0 && sizeAdd == 0) {
                w.flags = 0;
            } else if (sizeAdd > size0) {
                w.add = sizeAdd - size0;
                w.addAlign = minAlign;
                placement.addToReallocList(w);
            }
            return w;
        }

        /**
         * setup-bus.c {@code pbus_size_mem} + {@code calculate_mem_align} + {@code calculate_memsize}
         * without a realloc list: {@code ALIGN(max(size, min_size), min_align)}.
         */
        @Follows({"drivers/pci/setup-bus.c pbus_size_mem", "drivers/pci/setup-bus.c calculate_memsize", "drivers/pci/setup-bus.c window_alignment"})
        private Res sizeMem(PciBridgeBase br, int index, List<Res> child, int mask, int type, int type2, int type3, long minSize, long addSize,
                int winFlags) {
            long[] aligns = new long[24];
            int maxOrder = 0;
            long size = 0;
            long childrenAdd = 0;
            long addAlign = 0;
            for (Res r : child) {
                if (r.io() || r.flags == 0) {
                    continue;
                }
                int fm = r.flags & mask;
                if (fm != type && fm != type2 && fm != type3) {
                    continue;
                }
                // a child window with no required size (an empty hot-plug port on the realloc path) still counts
                // max(0, its alignment) here, as pbus_size_mem's "size += max(r_size, align)" does
                long align = r.align;
                int order = Long.numberOfTrailingZeros(align) - 20;
                if (order < 0) {
                    order = 0;
                }
                if (order >= aligns.length) {
                    h.logFailure(AllocSupport.name(r.f) + ": disabling " + r.label() + " (bad alignment 0x" + Long.toHexString(align) + ")");
                    continue;
                }
                size += Math.max(r.size, align);
                if (r.size <= align) {
                    aligns[order] += align;
                }
                maxOrder = Math.max(maxOrder, order);
                childrenAdd += r.add;
                addAlign = Math.max(addAlign, r.addAlign);
            }
            long minAlign = Math.max(calculateMemAlign(aligns, maxOrder), MEM_WINDOW_ALIGN);
            long size0 = AllocSupport.alignUp(Math.max(size, minSize), minAlign);
            addAlign = Math.max(minAlign, addAlign);
            long sizeAdd = addSize == 0 && childrenAdd == 0 ? size0
                    : AllocSupport.alignUp(Math.max(Math.max(size, minSize), addSize) + childrenAdd, addAlign);
            Res w = new Res(br, index, winFlags, size0, minAlign);
            if (size0 == 0 && sizeAdd == 0) {
                w.flags = 0;
            } else if (sizeAdd > size0) {
                w.add = sizeAdd - size0;
                w.addAlign = addAlign;
                placement.addToReallocList(w);
            }
            return w;
        }

        /** drivers/pci/setup-bus.c calculate_mem_align. */
        @Follows({"drivers/pci/setup-bus.c calculate_mem_align"})
        private static long calculateMemAlign(long[] aligns, int maxOrder) {
            long align = 0;
            long minAlign = 0;
            for (int order = 0; order <= maxOrder; order++) {
                long align1 = 1L << (order + 20);
                if (align == 0) {
                    minAlign = align1;
                } else if (AllocSupport.alignUp(align + minAlign, minAlign) < align1) {
                    minAlign = align1 >> 1;
                }
                align += aligns[order];
            }
            return minAlign;
        }

        // ------------------------------------------------------------ assignment (top-down)

        /**
         * setup-bus.c {@code __pci_bus_assign_resources}: {@code pbus_assign_resources_sorted} (every device's
         * unassigned resources sorted by {@code pdev_sort_resources} into one list, placed by
         * {@code __assign_resources_sorted}, see {@link LinuxPlacement}), then each child bus, then
         * {@code pci_setup_bridge} programs the bridge's windows.
         */
        @Follows(value = {"drivers/pci/setup-bus.c __pci_bus_assign_resources", "drivers/pci/setup-bus.c pbus_assign_resources_sorted", "drivers/pci/setup-bus.c __pci_setup_bridge", "drivers/pci/probe.c pci_configure_serr", "drivers/pci/pci.c pci_enable_bridge", "drivers/pci/setup-res.c pci_enable_resources"},
                note = "Bridge Control: SERR# forwarding enabled at enumeration (pci_configure_serr), written back by __pci_setup_bridge; decode enabled as drivers enable their devices")
        private void assignBus(PciBus bus, List<Space> spaces) {
            List<Res> head = new ArrayList<>();
            for (Res r : resourcesOn(bus)) {
                LinuxPlacement.sortInto(head, r);
            }
            placement.assignSorted(head, spaces);
            for (PciFunction f : bus.functions()) {
                if (f instanceof PciBridgeBase br) {
                    Res[] w = windows.get(br);
                    List<Space> child = new ArrayList<>();
                    Res io = assigned(w[0]);
                    Res mem = assigned(w[1]);
                    Res pref = assigned(w[2]);
                    if (io != null) {
                        child.add(new Space("io", F_IO, io.start, io.end()));
                    }
                    if (mem != null) {
                        child.add(new Space("mem", F_MEM, mem.start, mem.end()));
                    }
                    if (pref != null) {
                        child.add(new Space("pref", pref.flags, pref.start, pref.end()));
                    }
                    assignBus(br.secondaryBusObject(), child);
                    h.logAssigned(AllocSupport.name(br) + ": PCI bridge to [bus " + AllocSupport.hex(br.secondaryBus(), 2)
                            + (br.subordinateBus() != br.secondaryBus() ? "-" + AllocSupport.hex(br.subordinateBus(), 2) : "") + "]");
                    AllocSupport.cfgWrite(br, PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_SERR);
                    AllocSupport.programBridgeLinux(br, io, mem, pref);
                    AllocSupport.enable(br, io != null || hasAssigned(br, true), mem != null || pref != null || hasAssigned(br, false), true);
                }
            }
            for (PciFunction f : bus.functions()) {
                if (!(f instanceof PciBridgeBase) && !(f instanceof HostBridge)) {
                    // The driver's pci_enable_device: decode for the spaces its BARs use.
                    AllocSupport.enable(f, hasAssigned(f, true), hasAssigned(f, false), false);
                }
            }
        }

        @Helper("a window that got a place, or null")
        private static Res assigned(Res r) {
            return r != null && r.flags != 0 && r.start >= 0 ? r : null;
        }

        @Helper("whether a function has a BAR of a space assigned")
        private static boolean hasAssigned(PciFunction f, boolean io) {
            for (int i = 0; i < 6; i++) {
                Bar b = f.bar(i);
                if (b != null && b.isIo() == io && f.barAddress(i) != 0) {
                    return true;
                }
            }
            return false;
        }
    }
}
