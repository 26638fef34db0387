package dev.gvsim.pciefabric;

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
 * <li>each pool's children sorted by alignment, largest first (InsertResourceNode); among equal
 * alignments the later-discovered resource comes first — the reference runs put QXL BAR1 below
 * BAR0, the second root port's windows and BAR0 below the first's;</li>
 * <li>offsets assigned bottom-up in that order; a bridge aperture is rounded to its granularity
 * (I/O 4 KiB, memory 1 MiB) and padded for hot-plug capable ports (OvmfPkg PciHotPlugInitDxe
 * defaults: 4 KiB I/O, 2 MiB 32-bit MMIO, aligned to the padding size) as max(aperture, padding);</li>
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
    /** OvmfPkg/PciHotPlugInitDxe default padding for hot-plug capable ports without a QEMU reservation capability. */
    public static final long HOTPLUG_IO_PADDING = 0x1000;
    public static final long HOTPLUG_MMIO_PADDING = 2L << 20;

    private static final int IO = 0;
    private static final int MEM32 = 1;
    private static final int MEM64 = 2;

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

        Node(PciFunction f, int index, int pool, long length, long align) {
            this.f = f;
            this.index = index;
            this.pool = pool;
            this.length = length;
            this.align = align;
        }
    }

    public static void assign(PciHost h, Apertures ap) {
        h.beginAllocation("edk2");
        AllocSupport.numberBuses(h.rootBus(), 0, 0);
        h.refreshBdfs();
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
    }

    /** Builds the three pools of the devices on {@code bus}; for a bridge, returns its apertures. */
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
        for (Node pool : pools) {
            layout(pool);
            if (!isRoot) {
                boolean io = pool.pool == IO;
                long gran = io ? IO_GRANULARITY : MEM_GRANULARITY;
                if (pool.length > 0) {
                    pool.length = AllocSupport.alignUp(pool.length, gran);
                    pool.align = Math.max(pool.align, gran);
                }
                long pad = owner.hotplugCapable() ? (io ? HOTPLUG_IO_PADDING : pool.pool == MEM32 ? HOTPLUG_MMIO_PADDING : 0) : 0;
                if (pad > pool.length) {
                    pool.length = pad;
                    pool.align = Math.max(pool.align, pad);
                }
            }
        }
        return pools;
    }

    /** InsertResourceNode: before the first node of smaller or equal alignment (equal: newest first, as observed). */
    private static void insert(Node pool, Node n) {
        int at = pool.children.size();
        for (int i = 0; i < pool.children.size(); i++) {
            if (n.align >= pool.children.get(i).align) {
                at = i;
                break;
            }
        }
        pool.children.add(at, n);
    }

    /** CalculateResourceAperture: offsets bottom-up in list order. */
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
    private static void enableAll(PciBus bus) {
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridgeBase br) {
                AllocSupport.enable(f, true, true, false);
                enableAll(br.secondaryBusObject());
            }
        }
    }
}
