package dev.gvsim.guesttraces.edk2;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.guesttraces.guest.GuestCpu;

/**
 * The parts of EDK II MdeModulePkg/Bus/Pci/PciBusDxe that decide whether a VGA device behind
 * bridges can be driven through its legacy ports, executed through a {@link GuestCpu}:
 * <ul>
 * <li>enumeration (PciEnumeratorSupport.c PciScanBus / PciSearchDevice): depth first, vendor ID,
 * class, header type, BAR sizing by writing all ones with decode off (BarExisted), capability walk
 * for PCIe Slot Capabilities Hot-Plug Capable;</li>
 * <li>attribute support (PciEnumeratorSupport.c DetermineDeviceAttribute, PciTestSupportedAttribute:
 * the bridge's ISA/VGA/VGA16 control bits are written, read back and restored - the reference run
 * uefi_vgpurp1_qxlrp2 shows {@code @0x3e <- 0x1c} then {@code <- 0x0} on each root port) and
 * PciIo.c PciIoAttributes (subset check, VGA_IO vs VGA_IO_16, one active VGA device per segment,
 * VGA Enable propagated to every bridge above);</li>
 * <li>the I/O pool layout of PciResourceSupport.c (used by the {@code edk2-vga-io-window} fix,
 * which lays the I/O pool out again with the VGA path first and the legacy ranges skipped, as
 * PciBusDxe does with PcdPciVgaEnable / SkipVGAAperture).</li>
 * </ul>
 * Resource placement itself is done by the machine's {@code edk2} allocator before the firmware
 * model runs (pcie-fabric Edk2Allocator, which follows the same PciBusDxe rules and matches the
 * reference runs); this class reads the result back.
 */
public final class PciBusDxe {
    // PCI configuration registers (PCI Local Bus 3.0 §6.1; PCI-to-PCI Bridge 1.2 §3.2)
    public static final int CFG_VENDOR_ID = 0x00;
    public static final int CFG_COMMAND = 0x04;
    public static final int CFG_STATUS = 0x06;
    public static final int CFG_CLASS_REV = 0x08;
    public static final int CFG_HEADER_TYPE = 0x0E;
    public static final int CFG_BAR0 = 0x10;
    public static final int CFG_SECONDARY_BUS = 0x19;
    public static final int CFG_IO_BASE = 0x1C;
    public static final int CFG_IO_LIMIT = 0x1D;
    public static final int CFG_IO_BASE_UPPER16 = 0x30;
    public static final int CFG_IO_LIMIT_UPPER16 = 0x32;
    public static final int CFG_CAP_PTR = 0x34;
    public static final int CFG_BRIDGE_CONTROL = 0x3E;
    public static final int CMD_IO = 0x1;
    public static final int CMD_MEMORY = 0x2;
    public static final int CMD_BUS_MASTER = 0x4;
    public static final int STATUS_CAP_LIST = 0x10;
    public static final int HEADER_TYPE_MASK = 0x7F;
    public static final int HEADER_TYPE_BRIDGE = 0x01;
    public static final int HEADER_MULTI_FUNCTION = 0x80;
    public static final int CAP_ID_EXP = 0x10;
    /** PCIe capability: flags (Slot Implemented bit 8) and Slot Capabilities (Hot-Plug Capable bit 6), PCIe Base 4.0 §7.5.3. */
    public static final int EXP_FLAGS = 0x02;
    public static final int EXP_FLAGS_SLOT = 0x0100;
    public static final int EXP_SLTCAP = 0x14;
    public static final int SLTCAP_HPC = 0x40;

    /** Bridge Control (MdePkg IndustryStandard/Pci22.h EFI_PCI_BRIDGE_CONTROL_*). */
    public static final int BRIDGE_CONTROL_ISA = 0x0004;
    public static final int BRIDGE_CONTROL_VGA = 0x0008;
    public static final int BRIDGE_CONTROL_VGA_16 = 0x0010;

    /** EFI_PCI_IO_ATTRIBUTE_* (MdePkg/Include/Protocol/PciIo.h). */
    public static final long ATTR_ISA_MOTHERBOARD_IO = 0x0001;
    public static final long ATTR_ISA_IO = 0x0002;
    public static final long ATTR_VGA_PALETTE_IO = 0x0004;
    public static final long ATTR_VGA_MEMORY = 0x0008;
    public static final long ATTR_VGA_IO = 0x0010;
    public static final long ATTR_IO = 0x0100;
    public static final long ATTR_MEMORY = 0x0200;
    public static final long ATTR_BUS_MASTER = 0x0400;
    public static final long ATTR_ISA_IO_16 = 0x10000;
    public static final long ATTR_VGA_PALETTE_IO_16 = 0x20000;
    public static final long ATTR_VGA_IO_16 = 0x40000;
    /** EFI_PCI_DEVICE_ENABLE (PciIo.h). */
    public static final long DEVICE_ENABLE = ATTR_IO | ATTR_MEMORY | ATTR_BUS_MASTER;
    static final long VGA_ATTRS = ATTR_VGA_PALETTE_IO | ATTR_VGA_MEMORY | ATTR_VGA_IO | ATTR_VGA_PALETTE_IO_16 | ATTR_VGA_IO_16;
    static final long ISA_ATTRS = ATTR_ISA_IO | ATTR_ISA_IO_16 | ATTR_ISA_MOTHERBOARD_IO;
    /**
     * The ArmVirt root bridge (ArmVirtPkg/Library/FdtPciHostBridgeLib): ISA_IO_16 | ISA_MOTHERBOARD_IO
     * | VGA_IO_16 | VGA_PALETTE_IO_16 (docs/facts/qxl.md §6.1). VGA_MEMORY is not listed; the model lets it
     * through (assumption: QemuVideoDxe's Enable with VGA_MEMORY succeeds on ArmVirt, as the
     * downstream builds that add it report a console on pcie.0).
     */
    public static final long ROOT_BRIDGE_SUPPORTS = ATTR_ISA_IO_16 | ATTR_ISA_MOTHERBOARD_IO | ATTR_VGA_IO_16 | ATTR_VGA_PALETTE_IO_16;

    /**
     * I/O bridge granularity (bridge spec §3.2.5.6) and the I/O padding OvmfPkg PciHotPlugInitDxe
     * GetResourcePadding reserves by default for a hot-plug bus in AAVMF 2022.11: 512 B (the recorded
     * firmware writes an empty hot-plug port's I/O limit byte as 0x01: uefi_vgpu_rp, uefi_vgpu_sw).
     */
    public static final long IO_GRANULARITY = 0x1000;
    public static final long HOTPLUG_IO_PADDING = 0x200;
    /** PCI capability ID of the Standard Hot-Plug Controller (MdePkg Pci22.h EFI_PCI_CAPABILITY_ID_SHPC; PCI Local Bus 3.0 App. H). */
    public static final int CAP_ID_SHPC = 0x0C;
    /** PCIe Capabilities Register Device/Port Type (bits 7:4): root port 4, switch downstream port 6 (PCIe Base 4.0 §7.5.3.2). */
    public static final int EXP_TYPE_ROOT_PORT = 4;
    public static final int EXP_TYPE_DOWNSTREAM = 6;
    /** The I/O aperture of arm virt's root bridge (DT ranges: 64 KiB from port 0). */
    public static final long IO_APERTURE = 0x10000;

    /** Legacy ranges the VGA fix keeps free on the VGA device's bus: Bochs VBE 0x1CE-0x1D0, VGA 0x3B0-0x3BB, 0x3C0-0x3DF. */
    static final long[][] LEGACY_IO = {{0x1CE, 0x1D1}, {0x3B0, 0x3BC}, {0x3C0, 0x3E0}};

    /** Bounds on what a (possibly hostile) config space can make the firmware walk. */
    static final int MAX_BUS_DEPTH = 32;
    static final int MAX_CAPS = 48;

    private final GuestCpu cpu;
    private final List<PciNode> all = new ArrayList<>();
    private final List<PciNode> roots = new ArrayList<>();
    private final List<String> log;
    private final boolean[] busSeen = new boolean[256];

    @Helper("holds the enumeration state")
    public PciBusDxe(GuestCpu cpu, List<String> log) {
        this.cpu = cpu;
        this.log = log;
    }

    @Helper("accessor")
    public List<PciNode> functions() {
        return all;
    }

    @Helper("accessor")
    public List<PciNode> rootBusFunctions() {
        return roots;
    }

    // ================================================================== enumeration

    /** PciScanBus from bus 0, depth first. */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciLib.c PciScanBus"})
    public List<PciNode> enumerate() {
        scanBus(0, null, 0);
        return all;
    }

    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciLib.c PciScanBus", "MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c PciSearchDevice", "MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c PciDevicePresent"},
            note = "the host bridge 00:00.0 belongs to PciHostBridgeDxe")
    private void scanBus(int bus, PciNode parent, int depth) {
        if (bus < 0 || bus > 255 || busSeen[bus] || depth > MAX_BUS_DEPTH) {
            return;
        }
        busSeen[bus] = true;
        for (int dev = 0; dev < 32; dev++) {
            int bdf0 = bus << 8 | dev << 3;
            long id0 = cpu.configRead(bdf0, CFG_VENDOR_ID, 4);
            if ((id0 & 0xFFFF) == 0xFFFF) {
                continue;
            }
            int header0 = (int) cpu.configRead(bdf0, CFG_HEADER_TYPE, 1);
            int fns = (header0 & HEADER_MULTI_FUNCTION) != 0 ? 8 : 1;
            for (int fn = 0; fn < fns; fn++) {
                int bdf = bdf0 | fn;
                long id = fn == 0 ? id0 : cpu.configRead(bdf, CFG_VENDOR_ID, 4);
                if ((id & 0xFFFF) == 0xFFFF) {
                    continue;
                }
                int classRev = (int) cpu.configRead(bdf, CFG_CLASS_REV, 4);
                int header = fn == 0 ? header0 : (int) cpu.configRead(bdf, CFG_HEADER_TYPE, 1);
                boolean bridge = (header & HEADER_TYPE_MASK) == HEADER_TYPE_BRIDGE;
                if (bus == 0 && dev == 0 && fn == 0 && (classRev >>> 8) == 0x060000) {
                    continue; // the host bridge 00:00.0 (PciHostBridgeDxe owns it)
                }
                PciNode n = new PciNode(bdf, (int) (id & 0xFFFF), (int) (id >>> 16), classRev >>> 8, bridge, parent, all.size());
                all.add(n);
                (parent == null ? roots : parent.children).add(n);
                sizeBars(n);
                if (bridge) {
                    n.hotplug = hotplugCapable(bdf);
                    n.secondaryBus = (int) cpu.configRead(bdf, CFG_SECONDARY_BUS, 1);
                    if (n.secondaryBus > bus) {
                        scanBus(n.secondaryBus, n, depth + 1);
                    }
                }
            }
        }
    }

    /** BarExisted: write all ones with decode off, read the mask back, restore. */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c BarExisted", "MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c PciParseBar"})
    private void sizeBars(PciNode n) {
        int bdf = n.bdf;
        long cmd = cpu.configRead(bdf, CFG_COMMAND, 2);
        cpu.configWrite(bdf, CFG_COMMAND, 2, cmd & ~(CMD_IO | CMD_MEMORY));
        int count = n.bridge ? 2 : 6;
        for (int i = 0; i < count; i++) {
            int off = CFG_BAR0 + 4 * i;
            long orig = cpu.configRead(bdf, off, 4);
            cpu.configWrite(bdf, off, 4, 0xFFFF_FFFFL);
            long mask = cpu.configRead(bdf, off, 4);
            cpu.configWrite(bdf, off, 4, orig);
            if (mask == 0 || mask == 0xFFFF_FFFFL) {
                continue;
            }
            if ((mask & 1) != 0) {
                n.barIo[i] = true;
                n.barSize[i] = (~(mask & ~0x3L) + 1) & 0xFFFF_FFFFL;
                n.barAddr[i] = orig & ~0x3L;
                continue;
            }
            long size = (~(mask & ~0xFL) + 1) & 0xFFFF_FFFFL;
            long addr = orig & ~0xFL;
            if (((mask >> 1) & 3) == 2 && i + 1 < count) {
                long origHi = cpu.configRead(bdf, off + 4, 4);
                cpu.configWrite(bdf, off + 4, 4, 0xFFFF_FFFFL);
                long maskHi = cpu.configRead(bdf, off + 4, 4);
                cpu.configWrite(bdf, off + 4, 4, origHi);
                long m64 = maskHi << 32 | (mask & ~0xFL);
                size = ~m64 + 1;
                addr |= origHi << 32;
                n.bar64[i] = true;
                n.barSize[i] = size;
                n.barAddr[i] = addr;
                i++;
                continue;
            }
            n.barSize[i] = size;
            n.barAddr[i] = addr;
        }
        cpu.configWrite(bdf, CFG_COMMAND, 2, cmd);
    }

    /**
     * PciHotPlugSupport.c IsPciHotPlugBus: IsSHPC (the SHPC capability is present) or
     * SupportsPcieHotplug (a root port or switch downstream port whose implemented slot is hot-plug
     * capable). Such a bridge gets GetResourcePaddingForHpb's padding.
     */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c IsPciHotPlugBus", "MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c IsSHPC", "MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c SupportsPcieHotplug"})
    private boolean hotplugCapable(int bdf) {
        if (findCapability(bdf, CAP_ID_SHPC) != 0) {
            return true;
        }
        int exp = findCapability(bdf, CAP_ID_EXP);
        if (exp == 0) {
            return false;
        }
        long flags = cpu.configRead(bdf, exp + EXP_FLAGS, 2);
        int type = (int) (flags >> 4) & 0xF;
        return (type == EXP_TYPE_ROOT_PORT || type == EXP_TYPE_DOWNSTREAM) && (flags & EXP_FLAGS_SLOT) != 0
                && (cpu.configRead(bdf, exp + EXP_SLTCAP, 4) & SLTCAP_HPC) != 0;
    }

    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciCommand.c LocateCapabilityRegBlock"})
    private int findCapability(int bdf, int id) {
        if ((cpu.configRead(bdf, CFG_STATUS, 2) & STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int p = (int) cpu.configRead(bdf, CFG_CAP_PTR, 1) & 0xFC;
        for (int k = 0; k < MAX_CAPS && p >= 0x40; k++) {
            long hdr = cpu.configRead(bdf, p, 2);
            if ((hdr & 0xFF) == id) {
                return p;
            }
            p = (int) (hdr >> 8) & 0xFC;
        }
        return 0;
    }

    // ================================================================== bridge windows as the firmware reads them

    @Helper("reads a bridge register back")
    public long ioBase(PciNode br) {
        long b = (cpu.configRead(br.bdf, CFG_IO_BASE, 1) & 0xF0) << 8;
        if ((cpu.configRead(br.bdf, CFG_IO_BASE, 1) & 0xF) == 1) {
            b |= cpu.configRead(br.bdf, CFG_IO_BASE_UPPER16, 2) << 16;
        }
        return b;
    }

    @Helper("reads a bridge register back")
    public long ioLimit(PciNode br) {
        long l = (cpu.configRead(br.bdf, CFG_IO_LIMIT, 1) & 0xF0) << 8 | 0xFFF;
        if ((cpu.configRead(br.bdf, CFG_IO_LIMIT, 1) & 0xF) == 1) {
            l |= cpu.configRead(br.bdf, CFG_IO_LIMIT_UPPER16, 2) << 16;
        }
        return l;
    }

    @Helper("reads a bridge register back")
    public int bridgeControl(PciNode br) {
        return (int) cpu.configRead(br.bdf, CFG_BRIDGE_CONTROL, 2);
    }

    // ================================================================== attributes

    /**
     * PciTestSupportedAttribute on a bridge: which of ISA / VGA / VGA16 its Bridge Control accepts
     * (written with all three, read back, restored).
     */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c PciTestSupportedAttribute"},
            note = "recorded: @0x3e <- 0x1c then <- 0x0 on each root port (uefi_vgpurp1_qxlrp2)")
    int testBridgeControl(PciNode br) {
        int orig = bridgeControl(br);
        int all3 = BRIDGE_CONTROL_ISA | BRIDGE_CONTROL_VGA | BRIDGE_CONTROL_VGA_16;
        cpu.configWrite(br.bdf, CFG_BRIDGE_CONTROL, 2, orig | all3);
        int got = bridgeControl(br) & all3;
        cpu.configWrite(br.bdf, CFG_BRIDGE_CONTROL, 2, orig);
        return got;
    }

    /** The device's Supports after DetermineDeviceAttribute: its own, narrowed by every bridge above and the root bridge. */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciEnumeratorSupport.c DetermineDeviceAttribute", "OvmfPkg/Fdt/FdtPciHostBridgeLib/FdtPciHostBridgeLib.c PciHostBridgeGetRootBridges"},
            note = "the root bridge supports ISA_IO_16, ISA_MOTHERBOARD_IO, VGA_IO_16, VGA_PALETTE_IO_16")
    public long supportedAttributes(PciNode f) {
        long sup = DEVICE_ENABLE;
        if (f.isVga()) {
            sup |= VGA_ATTRS;
        }
        for (PciNode br : f.path()) {
            int ok = testBridgeControl(br);
            long bridgeSup = 0;
            if ((ok & BRIDGE_CONTROL_VGA) != 0) {
                bridgeSup |= ATTR_VGA_IO | ATTR_VGA_PALETTE_IO | ATTR_VGA_MEMORY;
            }
            if ((ok & BRIDGE_CONTROL_VGA_16) != 0) {
                bridgeSup |= ATTR_VGA_IO_16 | ATTR_VGA_PALETTE_IO_16;
            }
            if ((ok & BRIDGE_CONTROL_ISA) != 0) {
                bridgeSup |= ISA_ATTRS;
            }
            sup &= ~(VGA_ATTRS | ISA_ATTRS) | bridgeSup;
        }
        // The root bridge narrows the I/O-port VGA/ISA attributes (FdtPciHostBridgeLib).
        long rootMask = ATTR_VGA_IO | ATTR_VGA_PALETTE_IO | ATTR_VGA_IO_16 | ATTR_VGA_PALETTE_IO_16 | ISA_ATTRS;
        sup &= ~rootMask | ROOT_BRIDGE_SUPPORTS;
        return sup;
    }

    /**
     * PciIoAttributes(EfiPciIoAttributeOperationEnable): returns null on EFI_SUCCESS, else
     * "EFI_UNSUPPORTED: reason".
     */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciIo.c PciIoAttributes", "MdeModulePkg/Bus/Pci/PciBusDxe/PciDeviceSupport.c LocateVgaDeviceOnHostBridge"})
    public String enableAttributes(PciNode f, long attrs, long supports) {
        if ((attrs & ~supports) != 0) {
            return String.format("EFI_UNSUPPORTED: attributes 0x%x not supported (Supports 0x%x)", attrs & ~supports, supports);
        }
        if ((attrs & ATTR_VGA_IO) != 0 && (attrs & ATTR_VGA_IO_16) != 0) {
            return "EFI_UNSUPPORTED: VGA_IO and VGA_IO_16 cannot be mixed";
        }
        List<PciNode> path = f.path();
        if ((attrs & VGA_ATTRS) != 0) {
            for (PciNode o : all) {
                if (o.bridge && !path.contains(o) && (bridgeControl(o) & BRIDGE_CONTROL_VGA) != 0) {
                    return "EFI_UNSUPPORTED: " + PciNode.bdf(o.bdf) + " already forwards VGA (one active VGA device per segment)";
                }
            }
            int bits = BRIDGE_CONTROL_VGA | ((attrs & (ATTR_VGA_IO_16 | ATTR_VGA_PALETTE_IO_16)) != 0 ? BRIDGE_CONTROL_VGA_16 : 0);
            for (PciNode br : path) {
                int ctl = bridgeControl(br);
                cpu.configWrite(br.bdf, CFG_BRIDGE_CONTROL, 2, ctl | bits);
                log.add("PciBus: " + PciNode.bdf(br.bdf) + " Bridge Control 0x" + Integer.toHexString(ctl) + " -> 0x"
                        + Integer.toHexString(ctl | bits) + " (VGA attributes for " + PciNode.bdf(f.bdf) + ")");
            }
        }
        long cmd = cpu.configRead(f.bdf, CFG_COMMAND, 2);
        long set = ((attrs & ATTR_IO) != 0 ? CMD_IO : 0) | ((attrs & ATTR_MEMORY) != 0 ? CMD_MEMORY : 0)
                | ((attrs & ATTR_BUS_MASTER) != 0 ? CMD_BUS_MASTER : 0);
        cpu.configWrite(f.bdf, CFG_COMMAND, 2, cmd | set);
        return null;
    }

    // ================================================================== which decoder takes a port

    /**
     * Walks from the root bus down to {@code target} and reports, from config space, what each
     * decoder on the way does with an I/O request to {@code port}: whether the bridge on the path
     * passes it (by its I/O window, or VGA Enable for the VGA ranges; ISA Enable filtering applied),
     * and which siblings' windows or BARs also contain it. A sibling window with nothing below it
     * answers Unsupported Request on PCIe hardware; in QEMU its hole is transparent and the request
     * goes on to the other decoders of that bus. Either way, a port the path does not pass reads all
     * ones.
     */
    @Helper("a diagnosis: walks the decoders from config space, no firmware rule")
    public List<String> traceIoPort(PciNode target, long port) {
        List<String> out = new ArrayList<>();
        List<PciNode> path = target.path();
        List<PciNode> level = roots;
        for (int depth = 0; depth <= path.size(); depth++) {
            PciNode next = depth < path.size() ? path.get(depth) : null;
            String busName = depth == 0 ? "root bus" : "bus below " + PciNode.bdf(path.get(depth - 1).bdf);
            boolean passes = false;
            for (PciNode n : level) {
                long cmd = cpu.configRead(n.bdf, CFG_COMMAND, 2);
                if ((cmd & CMD_IO) == 0) {
                    continue;
                }
                for (int i = 0; i < 6; i++) {
                    if (n.barIo[i] && n.barSize[i] > 0 && port >= n.barAddr[i] && port < n.barAddr[i] + n.barSize[i]) {
                        out.add(String.format("%s: 0x%x is inside %s's I/O BAR%d 0x%x-0x%x", busName, port, PciNode.bdf(n.bdf), i, n.barAddr[i],
                                n.barAddr[i] + n.barSize[i] - 1));
                    }
                }
                if (!n.bridge) {
                    continue;
                }
                long b = ioBase(n);
                long l = ioLimit(n);
                int ctl = bridgeControl(n);
                boolean inWindow = l >= b && port >= b && port <= l;
                boolean isaBlocked = inWindow && (ctl & BRIDGE_CONTROL_ISA) != 0 && (port & 0x300) != 0;
                boolean vga = (ctl & BRIDGE_CONTROL_VGA) != 0 && ((port >= 0x3B0 && port <= 0x3BB) || (port >= 0x3C0 && port <= 0x3DF));
                String win = l >= b ? String.format("I/O window 0x%04x-0x%04x", b, l) : "I/O window closed";
                boolean claims = (inWindow && !isaBlocked) || vga;
                if (n == next) {
                    if (claims) {
                        passes = true;
                        out.add(String.format("%s: %s on the path passes 0x%x by its %s", busName, PciNode.bdf(n.bdf), port, vga ? "VGA Enable" : win));
                    } else {
                        out.add(String.format("%s: bridge %s on the path does not pass 0x%x: %s%s; Bridge Control 0x%04x (VGA Enable %s: "
                                + "forwards only 0x3b0-0x3bb, 0x3c0-0x3df, 0xa0000-0xbffff)", busName, PciNode.bdf(n.bdf), port, win,
                                isaBlocked ? " contains it but ISA Enable blocks the top 768 bytes of each 1 KiB" : " does not contain it", ctl,
                                (ctl & BRIDGE_CONTROL_VGA) != 0 ? "set" : "clear"));
                    }
                } else if (claims) {
                    out.add(String.format("%s: 0x%x falls in %s's %s, a sibling with nothing below that decodes it (PCIe: Unsupported "
                            + "Request; QEMU: the window's hole falls through to the other decoders of this bus)", busName, port,
                            PciNode.bdf(n.bdf), vga ? "VGA Enable range" : win));
                }
            }
            if (next == null) {
                out.add(String.format("%s: 0x%x would reach %s's legacy decode unless a decoder above took it", busName, port,
                        PciNode.bdf(target.bdf)));
                return out;
            }
            if (!passes) {
                out.add(String.format("%s: 0x%x never reaches the bus of %s: nothing that decodes it answers (all ones)", busName, port,
                        PciNode.bdf(target.bdf)));
                return out;
            }
            level = next.children;
        }
        return out;
    }

    // ================================================================== I/O pool (PciResourceSupport.c), for the VGA fix

    /** An I/O resource node: a BAR, or a bridge's window holding its children. */
    static final class IoRes {
        final PciNode f;
        final int bar; // -1 = bridge window / root pool
        long length;
        long align;
        long offset;
        boolean vgaPath;
        final List<IoRes> kids = new ArrayList<>();

        @Helper("an I/O resource node (PCI_RESOURCE_NODE)")
        IoRes(PciNode f, int bar, long length, long align) {
            this.f = f;
            this.bar = bar;
            this.length = length;
            this.align = align;
        }
    }

    /**
     * Lays the I/O pool out again as PciBusDxe would with the fix: on every level the VGA
     * device's path comes first (so every window on it starts at port 0 and holds 0x1CE-0x1D0), the
     * legacy ranges are skipped on the VGA device's own bus (SkipVGAAperture), ISA Enable is cleared
     * on the path; then programs the windows and I/O BARs. {@code vga} null = the stock layout.
     * Returns the assignment lines, or a single "Resource conflict" line when the pool exceeds the
     * 64 KiB aperture (nothing is programmed then).
     */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CalculateApertureIo16", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c SkipVGAAperture", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c ProgramResource"},
            note = "the edk2-vga-io-window fix: the VGA path laid out first (not stock PciBusDxe, which orders by alignment only)")
    public List<String> relayoutIo(PciNode vga) {
        List<String> lines = new ArrayList<>();
        List<PciNode> path = vga == null ? List.of() : vga.path();
        IoRes root = buildPool(null, roots, path, vga);
        if (root.length > IO_APERTURE) {
            lines.add(String.format("PciHostBridge: Resource conflict happens! I/O needs 0x%x, aperture 0x%x", root.length, IO_APERTURE));
            return lines;
        }
        place(root, 0, lines);
        for (PciNode br : path) {
            int ctl = bridgeControl(br);
            if ((ctl & BRIDGE_CONTROL_ISA) != 0) {
                cpu.configWrite(br.bdf, CFG_BRIDGE_CONTROL, 2, ctl & ~BRIDGE_CONTROL_ISA);
            }
        }
        return lines;
    }

    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CalculateApertureIo16", "MdeModulePkg/Bus/Pci/PciBusDxe/PciHotPlugSupport.c GetResourcePaddingForHpb", "OvmfPkg/PciHotPlugInitDxe/PciHotPlugInit.c GetResourcePadding"})
    private IoRes buildPool(PciNode owner, List<PciNode> fns, List<PciNode> path, PciNode vga) {
        IoRes pool = new IoRes(owner, -1, 0, 1);
        IoRes pathKid = null;
        for (PciNode f : fns) {
            for (int i = 0; i < 6; i++) {
                if (f.barIo[i] && f.barSize[i] > 0) {
                    insert(pool, new IoRes(f, i, f.barSize[i], f.barSize[i]));
                }
            }
            if (f.bridge) {
                IoRes sub = buildPool(f, f.children, path, vga);
                if (sub.length > 0) {
                    insert(pool, sub);
                    if (path.contains(f)) {
                        pathKid = sub;
                        sub.vgaPath = true;
                    }
                }
            }
        }
        if (pathKid != null) {
            pool.kids.remove(pathKid);
            pool.kids.add(0, pathKid);
        }
        boolean vgaBus = vga != null && (owner == null ? vga.parent == null : vga.parent == owner);
        long off = 0;
        long align = 1;
        for (IoRes c : pool.kids) {
            off = alignUp(off, c.align);
            if (vgaBus) {
                off = skipLegacy(off, c.length, c.align);
            }
            c.offset = off;
            off += c.length;
            align = Math.max(align, c.align);
        }
        pool.length = off;
        pool.align = align;
        if (owner != null) {
            // PciResourceSupport.c CalculateApertureIo16: the typical aperture rounded to the bridge's
            // 4 KiB, then MAX with the padding node's length; alignment at least 4 KiB.
            long typical = alignUp(pool.length, IO_GRANULARITY);
            pool.length = Math.max(typical, owner.hotplug ? HOTPLUG_IO_PADDING : 0);
            if (pool.length > 0) {
                pool.align = Math.max(pool.align, IO_GRANULARITY);
            }
        }
        return pool;
    }

    /** SkipVGAAperture-like: move past any legacy range the resource would overlap (absolute = relative on the VGA path). */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c SkipVGAAperture", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c SkipIsaAliasAperture"})
    static long skipLegacy(long off, long len, long align) {
        for (int guard = 0; guard < 16; guard++) {
            boolean moved = false;
            for (long[] r : LEGACY_IO) {
                if (off < r[1] && off + len > r[0]) {
                    off = alignUp(r[1], align);
                    moved = true;
                }
            }
            if (!moved) {
                break;
            }
        }
        return off;
    }

    /**
     * PciResourceSupport.c InsertResourceNode: in at the head, moved down past larger alignments, and
     * past an equal alignment only when its Length &amp; Alignment rest is non-zero and smaller than that
     * node's (so among equal alignments the newest comes first when the rests are 0 or not smaller).
     */
    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c InsertResourceNode"})
    private static void insert(IoRes pool, IoRes n) {
        int at = pool.kids.size();
        for (int i = 0; i < pool.kids.size(); i++) {
            IoRes t = pool.kids.get(i);
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
        pool.kids.add(at, n);
    }

    @Follows({"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c ProgramBar", "MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c ProgramPpbApperture"})
    private void place(IoRes pool, long base, List<String> lines) {
        for (IoRes c : pool.kids) {
            long a = base + c.offset;
            if (c.bar >= 0) {
                int off = CFG_BAR0 + 4 * c.bar;
                long cmd = cpu.configRead(c.f.bdf, CFG_COMMAND, 2);
                cpu.configWrite(c.f.bdf, CFG_COMMAND, 2, cmd & ~CMD_IO);
                cpu.configWrite(c.f.bdf, off, 4, a | 1);
                cpu.configWrite(c.f.bdf, CFG_COMMAND, 2, cmd);
                c.f.barAddr[c.bar] = a;
                lines.add(String.format("PciBus: %s BAR %d [io 0x%x-0x%x]", PciNode.bdf(c.f.bdf), c.bar, a, a + c.length - 1));
            } else {
                place(c, a, lines);
                long e = a + c.length - 1;
                int bdf = c.f.bdf;
                cpu.configWrite(bdf, CFG_IO_BASE, 1, (a >> 8) & 0xFF);
                cpu.configWrite(bdf, CFG_IO_BASE_UPPER16, 2, a >>> 16);
                cpu.configWrite(bdf, CFG_IO_LIMIT, 1, (e >> 8) & 0xFF);
                cpu.configWrite(bdf, CFG_IO_LIMIT_UPPER16, 2, e >>> 16);
                lines.add(String.format("PciBus: %s bridge window [io 0x%x-0x%x]%s", PciNode.bdf(bdf), a, e, c.vgaPath ? " (VGA path)" : ""));
            }
        }
    }

    /** The stock I/O layout as this model computes it, without programming anything: bdf -> window base, for cross-checks. */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c CalculateApertureIo16"},
            note = "computes the stock layout without programming it, for cross-checks")
    public List<String> stockIoLayout() {
        IoRes root = buildPool(null, roots, List.of(), null);
        List<String> lines = new ArrayList<>();
        describe(root, 0, lines);
        return lines;
    }

    @Helper("formatting")
    private static void describe(IoRes pool, long base, List<String> lines) {
        for (IoRes c : pool.kids) {
            long a = base + c.offset;
            if (c.bar >= 0) {
                lines.add(String.format("%s BAR %d io 0x%x", PciNode.bdf(c.f.bdf), c.bar, a));
            } else {
                // as the bridge decodes it: the limit register keeps address bits 15:12 only, so a
                // 0x200-byte padded aperture still decodes its whole 4 KiB
                lines.add(String.format("%s window io 0x%x-0x%x", PciNode.bdf(c.f.bdf), a, alignUp(a + c.length, IO_GRANULARITY) - 1));
                describe(c, a, lines);
            }
        }
    }

    @Helper("arithmetic: ALIGN_VALUE")
    static long alignUp(long v, long a) {
        return a <= 1 ? v : (v + a - 1) & -a;
    }
}
