package dev.gvsim.pciefabric;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import java.util.ArrayList;
import java.util.List;

/**
 * EDK II PciBusDxe + PciHostBridgeDxe on ArmVirtQemu (AAVMF 2022.11), as far as the reference runs
 * (uefi_qxl_root, uefi_vgpurp1_qxlrp2) and the sources show:
 * <ul>
 * <li>buses numbered depth-first (PciScanBus);</li>
 * <li>three resource pools per bridge and per root bridge: I/O, 32-bit memory and 64-bit memory;
 * the root bridge combines prefetchable with non-prefetchable memory
 * (EFI_PCI_HOST_BRIDGE_COMBINE_MEM_PMEM, FdtPciHostBridgeLib); 64-bit BARs behind a bridge go to its
 * 64-bit prefetchable window if both are prefetchable, else are degraded to 32-bit
 * (PciResourceSupport.c DegradeResource);</li>
 * <li>each pool's children sorted by alignment, largest first (PciResourceSupport.c
 * InsertResourceNode); among equal alignments the later-discovered resource comes first unless its
 * length leaves a smaller non-zero rest over its alignment — the reference runs put QXL BAR1 below
 * BAR0, the second root port's windows and BAR0 below the first's;</li>
 * <li>before sizing, every bridge's apertures are put in a quiescent state, base all ones and limit
 * all zeros (PciEnumeratorSupport.c InitializePpb), so a pool that stays empty leaves its window
 * closed (QEMU's conventional bridges reset with their windows open at 0);</li>
 * <li>offsets assigned bottom-up in that order; a bridge aperture is rounded to its granularity
 * (I/O 4 KiB, memory 1 MiB) and padded for hot-plug buses as max(aperture, padding), aligned to at
 * least the padding's own alignment (PciResourceSupport.c CalculateApertureIo16 and
 * CalculateResourceAperture: "Use the larger one between the padding resource and actual occupied
 * resource"; the bridge's alignment is raised to its first child's, the padding node included). A
 * hot-plug bus is PciHotPlugSupport.c IsPciHotPlugBus: a bridge with the SHPC capability (IsSHPC),
 * or a root or switch downstream port whose slot is hot-plug capable (SupportsPcieHotplug). The
 * padding is OvmfPkg PciHotPlugInitDxe GetResourcePadding's built-in default as AAVMF 2022.11 has
 * it: 512 B of I/O and 2 MiB of 32-bit MMIO (recorded: an empty hot-plug port's I/O limit is
 * written 0x01, i.e. a 0x200-byte aperture, in uefi_vgpu_rp, uefi_vgpu_pcibr and uefi_vgpu_sw);</li>
 * <li>the root bridge places each pool at the lowest aligned address of its aperture
 * (PciHostBridgeDxe AllocateResource, bottom-up), so I/O starts at port 0 (unlike Linux's 0x1000);</li>
 * <li>decode enabled: bridges I/O + memory + bus master, endpoints I/O + memory.</li>
 * </ul>
 * Not modelled: the attribute (VGA/ISA) propagation dance, option ROM execution, resource-conflict
 * rejection by device priority (a pool that does not fit is reported and left unassigned).
 */
public final class Edk2Allocator {
    /** I/O and memory bridge granularity (PCI-to-PCI Bridge 1.2 §3.2.5.6, §3.2.5.8). */
    public static final long IO_GRANULARITY = 0x1000;
    public static final long MEM_GRANULARITY = 0x10_0000;
    /**
     * OvmfPkg/PciHotPlugInitDxe GetResourcePadding's default padding for hot-plug buses without a QEMU
     * reservation capability, as AAVMF 2022.11 applies it: I/O 512 B (the recorded firmware writes an
     * empty hot-plug port's I/O limit byte as 0x01), 32-bit MMIO 2 MiB, no prefetchable padding.
     */
    public static final long HOTPLUG_IO_PADDING = 0x200;
    public static final long HOTPLUG_MMIO_PADDING = 2L << 20;

    private static final int IO = 0;
    private static final int MEM32 = 1;
    private static final int MEM64 = 2;

    @Helper("no instances")
    private Edk2Allocator() {
    }

    /** A resource node: a BAR/ROM of a function, or a bridge's aperture of one pool. */
    private static final class Node {
        final PciFunction f;
        final int index; // BAR index, 6 = ROM, -1 = bridge aperture
        final int pool;
        long length;
        long align; // alignment as a power of two (bytes)
        long offset;
        long address = -1;
        final List<Node> children = new ArrayList<>();

        @Helper("a resource node (PCI_RESOURCE_NODE)")
        Node(PciFunction f, int index, int pool, long length, long align) {
            this.f = f;
            this.index = index;
            this.pool = pool;
            this.length = length;
            this.align = align;
        }
    }

    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciLib.c PciHostBridgeResourceAllocator", "MdeModulePkg/Bus/Pci/PciBusDxe/PciLib.c PciScanBus", "MdeModulePkg/Bus/Pci/PciHostBridgeDxe/PciHostBridge.c AllocateResource"},
            note = "each root pool at the lowest aligned address of its aperture; recorded bit for bit in every AAVMF recording (UefiFirmwarePhaseTest)")
    public static void assign(PciHost h, Apertures ap) {
        h.beginAllocation("edk2");
        AllocSupport.numberBuses(h.rootBus(), 0, 0);
        h.refreshBdfs();
        initializePpb(h.rootBus());
        Node[] root = build(h.rootBus(), true, null);
        long[] apBase = {0, ap.mmio32Base, ap.mmio64Base};
        long[] apSize = {Math.min(ap.pioSize, 0x1_0000L), ap.mmio32Size, ap.mmio64Size};
        String[] names = {"I/O", "MMIO32", "MMIO64"};
        for (int p = 0; p < 3; p++) {
            Node n = root[p];
            if (n.length == 0) {
                continue;
            }
            long base = AllocSupport.alignUp(apBase[p], n.align);
            if (base + n.length > apBase[p] + apSize[p]) {
                h.logFailure("PciHostBridge: Resource conflict happens! " + names[p] + " needs 0x" + Long.toHexString(n.length)
                        + " aligned to 0x" + Long.toHexString(n.align) + ", aperture 0x" + Long.toHexString(apBase[p]) + "+0x"
                        + Long.toHexString(apSize[p]) + " too small");
                continue;
            }
            place(h, n, base);
        }
        enableAll(h.rootBus());
        determineFastBackToBack(h.rootBus(), null);
    }

    /** Status (primary 0x06, a bridge's secondary 0x1E) bit 7 Fast Back-to-Back Capable; Bridge Control bit 7 and Command bit 9 enable it (PCI-to-PCI Bridge 1.2 §3.2.5.17, §3.2.5.18; PCI 3.0 §6.2.2). */
    static final int STATUS_FAST_B2B = 0x80;
    static final int BRIDGE_CTL_FAST_B2B = 0x80;
    static final int COMMAND_FAST_B2B = 0x200;
    /** Command bit 4 Memory Write and Invalidate Enable (PCI 3.0 §6.2.2). */
    static final int COMMAND_MWI = 0x10;

    /**
     * The Command/Bridge Control part of PciEnumeratorSupport.c DetermineDeviceAttribute, recursive
     * from the root bridge: every function below the root gets Memory Write and Invalidate enabled
     * (PCI_ENABLE_COMMAND_REGISTER, EFI_PCI_COMMAND_MEMORY_WRITE_AND_INVALIDATE); a bridge with
     * children whose secondary status and every child's primary status say Fast Back-to-Back
     * Capable (GetFastBackToBackSupport) gets Bridge Control Fast Back-to-Back Enable, otherwise it
     * is cleared; the children's Command Fast Back-to-Back Enable follows. The registers keep what
     * their writable bits allow (QEMU: neither Command bit is writable; pcie-pci-bridge with a
     * pci-bridge below reads Bridge Control 0x0080 after AAVMF, recorded in uefi_qxl_pcibr_pcibr).
     */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c DetermineDeviceAttribute", "MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c GetFastBackToBackSupport"},
            note = "recorded: uefi_qxl_pcibr_pcibr")
    private static void determineFastBackToBack(PciBus bus, PciBridgeBase owner) {
        boolean fastB2B = true;
        for (PciFunction f : bus.functions()) {
            if (f instanceof HostBridge) {
                continue; // PciHostBridgeDxe's, not a PciBusDxe child
            }
            AllocSupport.cfgWrite(f, PciFunction.COMMAND, 2, f.configRead(PciFunction.COMMAND, 2) | COMMAND_MWI);
            if (f instanceof PciBridgeBase br) {
                determineFastBackToBack(br.secondaryBusObject(), br);
            }
            fastB2B &= (f.configRead(PciFunction.STATUS, 2) & STATUS_FAST_B2B) != 0;
        }
        List<PciFunction> kids = new ArrayList<>();
        for (PciFunction f : bus.functions()) {
            if (!(f instanceof HostBridge)) {
                kids.add(f);
            }
        }
        if (kids.isEmpty()) {
            return;
        }
        if (owner != null) {
            fastB2B &= (owner.configRead(PciBridgeBase.SEC_STATUS, 2) & STATUS_FAST_B2B) != 0;
            int ctl = owner.bridgeControl();
            AllocSupport.cfgWrite(owner, PciBridgeBase.BRIDGE_CONTROL, 2, fastB2B ? ctl | BRIDGE_CTL_FAST_B2B : ctl & ~BRIDGE_CTL_FAST_B2B);
        }
        for (PciFunction f : kids) {
            long cmd = f.configRead(PciFunction.COMMAND, 2);
            AllocSupport.cfgWrite(f, PciFunction.COMMAND, 2, fastB2B ? cmd | COMMAND_FAST_B2B : cmd & ~COMMAND_FAST_B2B);
        }
    }

    /** Builds the three pools of the devices on {@code bus}; for a bridge, returns its apertures. */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciLib.c PciHostBridgeResourceAllocator", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CreateResourceMap", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c DegradeResource", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CalculateApertureIo16", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CalculateResourceAperture", "MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c GetResourcePaddingForHpb", "OvmfPkg/PciHotPlugInitDxe/PciHotPlugInit.c GetResourcePadding"},
            note = "known departure: DegradeResource keeps a 32-bit prefetchable BAR behind a bridge in PMem32 (the bridge's prefetchable window) unless a 64-bit prefetchable request shares the bridge; the model puts it with MEM32 (no modelled device has a 32-bit prefetchable BAR). PcdPciDegradeResourceForOptionRom is FALSE in ArmVirtQemu.dsc; GetResourcePadding's defaults: 512 B I/O, 2 MiB MMIO, prefetchable only when PcdPciMmio64Size exceeds 32 GiB (ArmVirtQemu leaves the OvmfPkg.dec default 0)")
    private static Node[] build(PciBus bus, boolean isRoot, PciBridgeBase owner) {
        Node[] pools = {new Node(owner, -1, IO, 0, 1), new Node(owner, -1, MEM32, 0, 1), new Node(owner, -1, MEM64, 0, 1)};
        for (PciFunction f : bus.functions()) {
            if (f instanceof HostBridge) {
                continue;
            }
            for (int i = 0; i < 6; i++) {
                Bar b = f.bar(i);
                if (b == null) {
                    continue;
                }
                int pool;
                if (b.isIo()) {
                    pool = IO;
                } else if (!b.is64()) {
                    pool = MEM32;
                } else if (isRoot) {
                    pool = MEM64;
                } else {
                    pool = b.prefetchable && owner.pref64() ? MEM64 : MEM32;
                }
                insert(pools[pool], new Node(f, i, pool, b.size, b.size));
            }
            if (f.romSize() != 0) {
                insert(pools[MEM32], new Node(f, 6, MEM32, f.romSize(), f.romSize()));
            }
            if (f instanceof PciBridgeBase br) {
                Node[] sub = build(br.secondaryBusObject(), false, br);
                for (int p = 0; p < 3; p++) {
                    if (sub[p].length > 0) {
                        insert(pools[p], sub[p]);
                    }
                }
            }
        }
        boolean hotPlugBus = !isRoot && isPciHotPlugBus(owner);
        for (Node pool : pools) {
            layout(pool);
            if (!isRoot) {
                // CalculateApertureIo16 / CalculateResourceAperture: the typical aperture rounded to the
                // bridge's granularity, the padding node's own, the larger of the two; the bridge's
                // alignment is at least its granularity and its first (largest-aligned) child's.
                boolean io = pool.pool == IO;
                long gran = io ? IO_GRANULARITY : MEM_GRANULARITY;
                long typical = AllocSupport.alignUp(pool.length, gran);
                long pad = hotPlugBus ? (io ? HOTPLUG_IO_PADDING : pool.pool == MEM32 ? HOTPLUG_MMIO_PADDING : 0) : 0;
                pool.length = Math.max(typical, pad);
                if (pool.length > 0) {
                    pool.align = Math.max(pool.align, Math.max(gran, pad));
                }
            }
        }
        return pools;
    }

    /**
     * PciHotPlugSupport.c IsPciHotPlugBus (the bridges GetResourcePaddingForHpb pads): IsSHPC (the
     * bridge has the Standard Hot-Plug Controller capability, ID 0x0C: QEMU's pcie-pci-bridge and
     * pci-bridge) or SupportsPcieHotplug (a root port or switch downstream port with Slot
     * Implemented and Slot Capabilities Hot-Plug Capable). Linux 6.1 does not count SHPC bridges as
     * hot-plug bridges when sizing (the recorded vgpu_pcibr window is 1 MiB), hence this separate test.
     */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c IsPciHotPlugBus", "MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c IsSHPC", "MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c SupportsPcieHotplug"})
    static boolean isPciHotPlugBus(PciBridgeBase br) {
        return br.findCapability(PciFunction.CAP_ID_SHPC) != 0 || br.hotplugCapable();
    }

    /**
     * PciEnumeratorSupport.c InitializePpb: all apertures quiescent (base all ones, limit all zeros,
     * the 32-bit I/O upper halves too) and the Interrupt Line forced to 0, with the widths PciBusDxe
     * uses; done for every bridge while enumerating, before any aperture is programmed.
     */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c InitializePpb"})
    private static void initializePpb(PciBus bus) {
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridgeBase br) {
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_BASE, 1, 0xFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_LIMIT, 1, 0);
                AllocSupport.cfgWrite(br, PciBridgeBase.MEMORY_BASE, 2, 0xFFFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.MEMORY_LIMIT, 2, 0);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_MEMORY_BASE, 2, 0xFFFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_MEMORY_LIMIT, 2, 0);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_BASE_UPPER32, 4, 0xFFFF_FFFFL);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_LIMIT_UPPER32, 4, 0);
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_BASE_UPPER16, 2, 0xFFFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_LIMIT_UPPER16, 2, 0);
                AllocSupport.cfgWrite(br, PciFunction.INTERRUPT_LINE, 1, 0);
                initializePpb(br.secondaryBusObject());
            }
        }
    }

    /**
     * PciResourceSupport.c InsertResourceNode: the node goes in at the head and moves down past every
     * node of larger alignment, and past a node of equal alignment only when its own "align rest"
     * (Length &amp; Alignment, what its length leaves over a multiple of its alignment) is non-zero and
     * smaller than that node's. So among equal alignments the newest comes first (BARs and padded
     * windows have a rest of 0), as the recorded uefi_vgpurp1_qxlrp2 shows (QXL BAR1 below BAR0,
     * the second root port's window and BAR0 below the first's).
     */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c InsertResourceNode"},
            note = "recorded: uefi_vgpurp1_qxlrp2")
    private static void insert(Node pool, Node n) {
        int at = pool.children.size();
        for (int i = 0; i < pool.children.size(); i++) {
            Node t = pool.children.get(i);
            if (n.align > t.align) {
                at = i;
                break;
            }
            if (n.align == t.align) {
                long nRest = n.length & (n.align - 1);
                long tRest = t.length & (t.align - 1);
                if (nRest == 0 || nRest >= tRest) {
                    at = i;
                    break;
                }
            }
        }
        pool.children.add(at, n);
    }

    /** CalculateResourceAperture: offsets bottom-up in list order. */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CalculateResourceAperture"})
    private static void layout(Node pool) {
        long off = 0;
        long align = 1;
        for (Node c : pool.children) {
            off = AllocSupport.alignUp(off, c.align);
            c.offset = off;
            off += c.length;
            align = Math.max(align, c.align);
        }
        pool.length = off;
        pool.align = align;
    }

    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c ProgramResource"})
    private static void place(PciHost h, Node pool, long base) {
        pool.address = base;
        for (Node c : pool.children) {
            long a = base + c.offset;
            if (c.index >= 0) {
                c.address = a;
                programBar(h, c);
            } else {
                place(h, c, a);
                programWindow(h, c);
            }
        }
    }

    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c ProgramBar"})
    private static void programBar(PciHost h, Node n) {
        PciFunction f = n.f;
        if (n.index == 6) {
            AllocSupport.cfgWrite(f, f.romOffset(), 4, n.address & PciFunction.ROM_ADDRESS_MASK & 0xFFFF_FFFFL);
        } else {
            Bar b = f.bar(n.index);
            int off = PciFunction.BAR0 + 4 * n.index;
            AllocSupport.cfgWrite(f, off, 4, (n.address & 0xFFFF_FFFFL) | (b.isIo() ? 1 : 0));
            if (b.is64()) {
                AllocSupport.cfgWrite(f, off + 4, 4, n.address >>> 32);
            }
        }
        String kind = n.pool == IO ? "io" : "mem";
        h.logAssigned("PciBus: " + PciFunction.formatBdf(f.bdf()) + " " + (n.index == 6 ? "ROM" : "BAR " + n.index) + " [" + kind + " 0x"
                + Long.toHexString(n.address) + "-0x" + Long.toHexString(n.address + n.length - 1) + "]");
    }

    /** Programs a bridge aperture with the byte/word writes PciBusDxe ProgramP2C/ProgramPpbApperture uses. */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c ProgramPpbApperture"})
    private static void programWindow(PciHost h, Node n) {
        PciBridgeBase br = (PciBridgeBase) n.f;
        long s = n.address;
        long e = n.address + n.length - 1;
        switch (n.pool) {
            case IO -> {
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_BASE, 1, (s >> 8) & 0xFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_BASE_UPPER16, 2, s >>> 16);
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_LIMIT, 1, (e >> 8) & 0xFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.IO_LIMIT_UPPER16, 2, e >>> 16);
            }
            case MEM32 -> {
                AllocSupport.cfgWrite(br, PciBridgeBase.MEMORY_BASE, 2, (s >> 16) & 0xFFFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.MEMORY_LIMIT, 2, (e >> 16) & 0xFFFF);
            }
            default -> {
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_MEMORY_BASE, 2, (s >> 16) & 0xFFFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_MEMORY_LIMIT, 2, (e >> 16) & 0xFFFF);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_BASE_UPPER32, 4, s >>> 32);
                AllocSupport.cfgWrite(br, PciBridgeBase.PREF_LIMIT_UPPER32, 4, e >>> 32);
            }
        }
        String kind = n.pool == IO ? "io" : n.pool == MEM32 ? "mem" : "mem 64bit pref";
        h.logAssigned("PciBus: " + PciFunction.formatBdf(br.bdf()) + " bridge window [" + kind + " 0x" + Long.toHexString(s) + "-0x"
                + Long.toHexString(e) + "]");
    }

    /**
     * PciIoAttributes(Enable, VGA_MEMORY | VGA_IO_16) as QemuVideoDxe asks for it
     * (MdeModulePkg/Bus/Pci/PciBusDxe/PciIo.c): only one VGA device may be active per segment, and the
     * enable is propagated to every bridge above the device, setting Bridge Control VGA Enable and
     * VGA 16-bit decode (docs/facts/qxl.md §6.1). Returns false (EFI_UNSUPPORTED) if another bridge branch already
     * forwards VGA, true if the path now forwards VGA to {@code f}.
     */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciIo.c PciIoAttributes", "MdeModulePkg/Bus/Pci/PciBusDxe/PciDeviceSupport.c LocateVgaDeviceOnHostBridge"})
    public static boolean enableVgaPath(PciHost h, PciFunction f) {
        List<PciBridgeBase> path = new ArrayList<>();
        PciBus bus = h.busOf(f);
        for (int depth = 0; bus != null && bus.bridge() != null && depth < 256; depth++) {
            path.add(0, bus.bridge());
            bus = h.busOf(bus.bridge());
        }
        for (PciFunction o : h.functions()) {
            if (o instanceof PciBridgeBase b && !path.contains(b) && (b.bridgeControl() & PciBridgeBase.BRIDGE_CTL_VGA) != 0) {
                h.logFailure("PciBus: " + PciFunction.formatBdf(f.bdf()) + " VGA attribute refused: " + PciFunction.formatBdf(b.bdf())
                        + " already forwards VGA (one active VGA device per segment)");
                return false;
            }
        }
        for (PciBridgeBase b : path) {
            AllocSupport.cfgWrite(b, PciBridgeBase.BRIDGE_CONTROL, 2,
                    b.bridgeControl() | PciBridgeBase.BRIDGE_CTL_VGA | PciBridgeBase.BRIDGE_CTL_VGA_16BIT);
        }
        return true;
    }

    /**
     * Command registers at handoff, as AAVMF leaves them: PciBusDxe's StartPciDevicesOnBridge enables
     * decoding on every P2P bridge; an endpoint's decode is enabled only by a driver through
     * PciIo->Attributes (the firmware model's GOP does that), so a device no driver kept reads 0.
     * Real run uefi_vgpurp1_qxlrp2: both root ports end at 0x0003, the driverless qxl and the host
     * bridge at 0x0000 (virtio-gpu, bound by VirtioGpuDxe, at 0x0006).
     */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciDeviceSupport.c StartPciDevicesOnBridge"},
            note = "recorded: the bridges end at Command 0x0003 (uefi_vgpurp1_qxlrp2); endpoints only through a driver's PciIo->Attributes")
    private static void enableAll(PciBus bus) {
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridgeBase br) {
                AllocSupport.enable(f, true, true, false);
                enableAll(br.secondaryBusObject());
            }
        }
    }
}
