package dev.gvsim.pciefabric;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import java.util.ArrayList;
import java.util.List;


/** Shared pieces of the two allocation policies: resources, address spaces, register programming. */
final class AllocSupport {
    /** Resource flag bits (Linux include/linux/ioport.h naming). */
    static final int F_IO = 1;
    static final int F_MEM = 2;
    static final int F_PREF = 4;
    static final int F_MEM64 = 8;

    /** Resource indices (Linux include/linux/pci.h): BARs 0..5, ROM 6, bridge windows 13..15. */
    static final int ROM_INDEX = 6;
    static final int WIN_IO = 13;
    static final int WIN_MEM = 14;
    static final int WIN_PREF = 15;

    @Helper("no instances")
    private AllocSupport() {
    }

    /** One resource to place: a BAR, a ROM or a bridge window. */
    static final class Res {
        final PciFunction f;
        final int index;
        int flags;
        /** Required size (Linux size0), and the optional extra (realloc add_size; the ACPI path only). */
        long size;
        long add;
        /** Required alignment (BARs: size; windows: the computed minimum alignment). */
        long align;
        long addAlign;
        long start = -1;
        /** Assigned size (size, or size + add when the optional size fitted). */
        long assigned;
        /** The address space it was allocated from (Linux res->parent), null while unassigned. */
        Space parent;

        @Helper("a resource (struct resource)")
        Res(PciFunction f, int index, int flags, long size, long align) {
            this.f = f;
            this.index = index;
            this.flags = flags;
            this.size = size;
            this.align = align;
        }

        @Helper("type test")
        boolean io() {
            return (flags & F_IO) != 0;
        }

        @Helper("type test")
        boolean window() {
            return index >= WIN_IO;
        }

        @Helper("arithmetic")
        long end() {
            return start + assigned - 1;
        }

        @Follows({"drivers/pci/pci.c pci_resource_name"})
        String label() {
            return index == ROM_INDEX ? "ROM" : window() ? "bridge window" : "BAR " + index;
        }

        /** Linux %pR of an unassigned (IORESOURCE_UNSET) resource: {@code [io  size 0x1000]}, {@code [mem size 0x00200000 64bit pref]}. */
        @Follows(value = {"lib/vsprintf.c resource_string"},
                note = "an IORESOURCE_UNSET resource prints its size")
        String sizeRange(long size) {
            StringBuilder sb = new StringBuilder("[");
            sb.append(io() ? "io  " : "mem ").append("size 0x").append(hex(size, io() ? 4 : 8));
            if ((flags & F_MEM64) != 0) {
                sb.append(" 64bit");
            }
            if ((flags & F_PREF) != 0) {
                sb.append(" pref");
            }
            return sb.append(']').toString();
        }

        /** Linux %pR style: {@code [mem 0x10000000-0x13ffffff 64bit pref]}. */
        @Follows({"lib/vsprintf.c resource_string"})
        String range(long s, long e) {
            StringBuilder sb = new StringBuilder("[");
            sb.append(io() ? "io  " : "mem ").append("0x").append(hex(s, io() ? 4 : 8)).append("-0x").append(hex(e, io() ? 4 : 8));
            if ((flags & F_MEM64) != 0) {
                sb.append(" 64bit");
            }
            if ((flags & F_PREF) != 0) {
                sb.append(" pref");
            }
            return sb.append(']').toString();
        }
    }

    @Helper("formatting")
    static String hex(long v, int digits) {
        String s = Long.toHexString(v);
        StringBuilder sb = new StringBuilder();
        for (int i = s.length(); i < digits; i++) {
            sb.append('0');
        }
        return sb.append(s).toString();
    }

    @Helper("formatting: pci_name")
    static String name(PciFunction f) {
        return "pci 0000:" + PciFunction.formatBdf(f.bdf());
    }

    /** An address range resources are allocated from, first fit from the bottom (kernel/resource.c find_resource). */
    static final class Space {
        final String name;
        final int flags;
        final long start;
        final long end;
        private final List<long[]> used = new ArrayList<>();

        @Helper("an address window")
        Space(String name, int flags, long start, long end) {
            this.name = name;
            this.flags = flags;
            this.start = start;
            this.end = end;
        }

        /** Lowest {@code align}-aligned start in [lo, hi] with {@code size} free bytes, claimed; or -1. */
        @Follows(value = {"kernel/resource.c __find_resource"},
                note = "first fit from the bottom")
        long allocate(long size, long align, long lo, long hi) {
            lo = Math.max(lo, start);
            hi = Math.min(hi, end);
            if (size <= 0 || align <= 0 || Long.compareUnsigned(lo, hi) > 0) {
                return -1;
            }
            long cand = alignUp(lo, align);
            for (int i = 0; i <= used.size(); i++) {
                long gapEnd = i < used.size() ? used.get(i)[0] - 1 : hi;
                if (i > 0) {
                    cand = Math.max(cand, alignUp(used.get(i - 1)[1] + 1, align));
                }
                gapEnd = Math.min(gapEnd, hi);
                if (cand >= 0 && cand <= gapEnd && gapEnd - cand + 1 >= size) {
                    used.add(i, new long[] {cand, cand + size - 1});
                    return cand;
                }
            }
            return -1;
        }

        /** kernel/resource.c release_resource: frees the range that starts at {@code s}. */
        @Follows({"kernel/resource.c release_resource"})
        void release(long s) {
            for (int i = 0; i < used.size(); i++) {
                if (used.get(i)[0] == s) {
                    used.remove(i);
                    return;
                }
            }
        }

        /** Claims [s, e] again (a failed reallocation puts the old range back). */
        @Follows({"kernel/resource.c request_resource"})
        void claim(long s, long e) {
            int i = 0;
            while (i < used.size() && used.get(i)[0] < s) {
                i++;
            }
            used.add(i, new long[] {s, e});
        }

        @Helper("arithmetic")
        boolean fits(long size) {
            return end - start + 1 >= size;
        }
    }

    @Helper("arithmetic: ALIGN")
    static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    /** The memory/I/O BARs and ROM a function declares, with Linux-style flags. */
    @Follows({"drivers/pci/probe.c __pci_read_base", "drivers/pci/iov.c sriov_init"})
    static List<Res> barResources(PciFunction f) {
        List<Res> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Bar b = f.bar(i);
            if (b == null) {
                continue;
            }
            int fl = b.isIo() ? F_IO : F_MEM | (b.prefetchable ? F_PREF : 0) | (b.is64() ? F_MEM64 : 0);
            out.add(new Res(f, i, fl, b.size, b.size));
        }
        if (f.romSize() != 0) {
            // drivers/pci/probe.c pci_read_bases: the ROM resource is IORESOURCE_MEM | IORESOURCE_PREFETCH (32-bit)
            out.add(new Res(f, ROM_INDEX, F_MEM | F_PREF, f.romSize(), f.romSize()));
        }
        SriovCapability iov = f.sriov();
        if (iov != null && iov.spec().totalVfs() > 0) {
            // Linux drivers/pci/iov.c sriov_init: resource PCI_IOV_RESOURCES + i covers TotalVFs VF BARs (size × TotalVFs),
            // aligned to one VF BAR's size (pci_sriov_resource_alignment -> pci_iov_resource_size)
            for (SriovCapability.VfBar b : iov.spec().bars()) {
                int fl = F_MEM | (b.prefetchable() ? F_PREF : 0) | (b.kind() == BarKind.MEM64 ? F_MEM64 : 0);
                out.add(new Res(f, IOV_INDEX + b.index(), fl, b.size() * iov.spec().totalVfs(), b.size()));
            }
        }
        return out;
    }

    /** Linux PCI_IOV_RESOURCES: the first VF BAR resource index (7..12). */
    static final int IOV_INDEX = 7;

    // ---------------------------------------------------------------- register programming through config writes

    @Helper("a config write")
    static void cfgWrite(PciFunction f, int off, int size, long v) {
        f.configWrite(off, size, v);
    }

    /** Programs a BAR (low dword with the RO flag bits left to the mask, then the upper dword). */
    @Follows({"drivers/pci/setup-res.c pci_std_update_resource", "drivers/pci/iov.c pci_iov_update_resource"})
    static void programBar(Res r) {
        PciFunction f = r.f;
        if (r.index == ROM_INDEX) {
            cfgWrite(f, f.romOffset(), 4, r.start & PciFunction.ROM_ADDRESS_MASK & 0xFFFF_FFFFL);
            return;
        }
        int off = PciFunction.BAR0 + 4 * r.index;
        if (r.index >= IOV_INDEX && r.index < IOV_INDEX + 6) {
            off = f.sriov().offset() + SriovCapability.VF_BAR0 + 4 * (r.index - IOV_INDEX); // pci_iov_update_resource
        }
        cfgWrite(f, off, 4, (r.start & 0xFFFF_FFFFL) | (r.io() ? 1 : 0));
        if ((r.flags & F_MEM64) != 0) {
            cfgWrite(f, off + 4, 4, r.start >>> 32);
        }
    }

    /** Linux pci_setup_bridge_io/mmio/mmio_pref (drivers/pci/setup-bus.c) register sequence. */
    @Follows({"drivers/pci/setup-bus.c pci_setup_bridge_io", "drivers/pci/setup-bus.c pci_setup_bridge_mmio", "drivers/pci/setup-bus.c pci_setup_bridge_mmio_pref"})
    static void programBridgeLinux(PciBridgeBase br, Res io, Res mem, Res pref) {
        long l;
        long upper16;
        if (io != null && io.start >= 0) {
            l = ((io.start >> 8) & 0xF0) | ((io.end() >> 8) & 0xF0) << 8;
            upper16 = (io.end() & 0xFFFF_0000L) | (io.start >>> 16);
        } else {
            l = 0x00F0;
            upper16 = 0;
        }
        cfgWrite(br, PciBridgeBase.IO_BASE_UPPER16, 4, 0x0000_FFFFL);
        cfgWrite(br, PciBridgeBase.IO_BASE, 2, l);
        cfgWrite(br, PciBridgeBase.IO_BASE_UPPER16, 4, upper16);
        if (mem != null && mem.start >= 0) {
            l = ((mem.start >> 16) & 0xFFF0) | (mem.end() & 0xFFF0_0000L);
        } else {
            l = 0x0000_FFF0L;
        }
        cfgWrite(br, PciBridgeBase.MEMORY_BASE, 4, l);
        cfgWrite(br, PciBridgeBase.PREF_LIMIT_UPPER32, 4, 0);
        // pci_setup_bridge_mmio_pref: the upper halves are written every time (0 unless the window is 64-bit)
        long bu = 0;
        long lu = 0;
        if (pref != null && pref.start >= 0) {
            l = ((pref.start >> 16) & 0xFFF0) | (pref.end() & 0xFFF0_0000L);
            if ((pref.flags & F_MEM64) != 0) {
                bu = pref.start >>> 32;
                lu = pref.end() >>> 32;
            }
        } else {
            l = 0x0000_FFF0L;
        }
        cfgWrite(br, PciBridgeBase.PREF_MEMORY_BASE, 4, l);
        cfgWrite(br, PciBridgeBase.PREF_BASE_UPPER32, 4, bu);
        cfgWrite(br, PciBridgeBase.PREF_LIMIT_UPPER32, 4, lu);
    }

    /** Sets COMMAND I/O and Memory enables for the spaces the function's resources use, and Bus Master for bridges. */
    @Follows(value = {"drivers/pci/setup-res.c pci_enable_resources"},
            note = "also PciBusDxe's PCI_ENABLE_COMMAND_REGISTER for the edk2 policy")
    static void enable(PciFunction f, boolean io, boolean mem, boolean master) {
        int cmd = f.command();
        int n = cmd | (io ? PciFunction.CMD_IO : 0) | (mem ? PciFunction.CMD_MEMORY : 0) | (master ? PciFunction.CMD_MASTER : 0);
        if (n != cmd) {
            cfgWrite(f, PciFunction.COMMAND, 2, n);
        }
    }

    /** Depth-first bus numbering (Linux pci_scan_bridge_extend pass 1, EDK II PciScanBus): returns the highest bus below. */
    @Follows(value = {"drivers/pci/probe.c pci_scan_bridge_extend", "MdeModulePkg/Bus/Pci/PciBusDxe/PciLib.c PciScanBus"},
            note = "Linux writes the Secondary Latency Timer byte back unchanged (QEMU resets it to 0) and clears the status bits; not modelled")
    static int numberBuses(PciBus bus, int busNr, int max) {
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridgeBase br) {
                int sec = ++max;
                if (sec > 255) {
                    throw new IllegalStateException("bus numbers exhausted at " + br.id());
                }
                cfgWrite(br, PciBridgeBase.PRIMARY_BUS, 4, 0);
                cfgWrite(br, PciBridgeBase.PRIMARY_BUS, 4, busNr | sec << 8 | 0xFF << 16);
                max = numberBuses(br.secondaryBusObject(), sec, max);
                cfgWrite(br, PciBridgeBase.SUBORDINATE_BUS, 1, max);
            }
        }
        return max;
    }

}
