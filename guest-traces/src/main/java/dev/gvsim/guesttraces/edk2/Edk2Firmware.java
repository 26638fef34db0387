package dev.gvsim.guesttraces.edk2;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * An executable model of what EDK II ArmVirtQemu (AAVMF 2022.11) with OvmfPkg QemuVideoDxe added
 * does between PCI enumeration and the first console output, through a {@link GuestCpu}:
 * PciBusDxe enumeration ({@link PciBusDxe}), Virtio10Dxe's binding of virtio 1.0 functions
 * ({@link Virtio10Dxe}: decode and bus master on), the GOP driver's Supported/Start
 * ({@link QemuVideoDxe}) with attribute checks and VGA Enable along the path, the Bochs ID check,
 * the mode set, the GOP framebuffer in BAR0; the result is a {@link BootOutcome}.
 *
 * <p>Resource placement is the machine's {@code edk2} allocator, run when the machine is built
 * ({@code pci.allocator=edk2}): it implements PciBusDxe's pools and ordering once, checked against
 * the reference runs, and the firmware model reads the assignment back through config space. The
 * {@link Fix#VGA_IO_WINDOW} fix re-lays out the I/O pool from the model (config writes), as a
 * changed PciBusDxe would.
 */
public final class Edk2Firmware {
    /** Candidate fixes, each a named option. */
    public enum Fix {
        /**
         * PciBusDxe change: the active VGA device's path gets the I/O window holding ports
         * 0x0000-0x0FFF (path first in every I/O pool), the legacy VGA/VBE ranges are skipped on the
         * VGA device's bus (SkipVGAAperture) and ISA Enable is cleared on the path.
         */
        VGA_IO_WINDOW("edk2-vga-io-window"),
        /** GOP driver using QXL's own interface (ROM modes, QXL_IO_SET_MODE via BAR3): no legacy ports. */
        GOP_QXL_NATIVE("gop-qxl-native"),
        /** QemuVideoDxe's MMIO DISPI variant (BAR2 + 0x500) forced onto QXL: evaluated to show QXL has no such registers. */
        GOP_BOCHS_MMIO("gop-bochs-mmio");

        public final String option;

        @Helper("enum constant")
        Fix(String option) {
            this.option = option;
        }

        @Helper("option parsing")
        public static Fix byName(String name) {
            for (Fix f : values()) {
                if (f.option.equals(name) || f.name().equalsIgnoreCase(name.replace('-', '_'))) {
                    return f;
                }
            }
            StringBuilder known = new StringBuilder();
            for (Fix f : values()) {
                known.append(known.length() == 0 ? "" : ", ").append(f.option);
            }
            throw new IllegalArgumentException("unknown fix '" + name + "' (known: " + known + ")");
        }

        @Override
        @Helper("formatting")
        public String toString() {
            return option.toLowerCase(Locale.ROOT);
        }
    }

    public static final int DEFAULT_WIDTH = 1024;
    public static final int DEFAULT_HEIGHT = 768;

    private final GuestCpu cpu;
    private final Set<Fix> fixes;
    private final long scratchRam;
    private PciBusDxe bus;

    /**
     * @param scratchRam guest RAM (physical) with 16 KiB free for the firmware's Blt buffer
     */
    @Helper("holds the boot state")
    public Edk2Firmware(GuestCpu cpu, Set<Fix> fixes, long scratchRam) {
        this.cpu = cpu;
        this.fixes = fixes.isEmpty() ? EnumSet.noneOf(Fix.class) : EnumSet.copyOf(fixes);
        this.scratchRam = scratchRam;
    }

    @Helper("accessor")
    public PciBusDxe pciBus() {
        return bus;
    }

    /** Runs enumeration and the GOP driver on the first supported display function. */
    @Follows(value = {"MdeModulePkg/Bus/Pci/PciBusDxe/PciBus.c PciBusDriverBindingStart", "MdeModulePkg/Bus/Pci/PciBusDxe/PciDeviceSupport.c StartPciDevices"},
            note = "enumeration, then Virtio10Dxe on every virtio 1.0 function, then the GOP driver on the first QXL")
    public BootOutcome boot() {
        BootOutcome out = new BootOutcome();
        cpu.mark("PciBusDxe");
        bus = new PciBusDxe(cpu, out.log);
        bus.enumerate();
        for (PciNode n : bus.functions()) {
            out.log.add("PciBus: discovered " + n.name() + String.format(" class %06x", n.classCode));
        }
        // ArmVirtQemu's platform boot manager connects every controller: Virtio10Dxe binds each virtio 1.0 function
        Virtio10Dxe.bindAll(cpu, bus, out.log);
        PciNode gpu = null;
        for (PciNode n : bus.functions()) {
            if (QemuVideoDxe.supported(n)) {
                gpu = n;
                break;
            }
        }
        if (gpu == null) {
            out.status = "EFI_NOT_FOUND";
            out.reason = "no display function the GOP driver supports (1b36:0100, class 03xx)";
            return out;
        }
        if (fixes.contains(Fix.VGA_IO_WINDOW)) {
            cpu.mark("PciBusDxe.VgaIoWindow");
            out.ioRelayout = bus.relayoutIo(gpu);
            out.log.addAll(out.ioRelayout);
        }
        QemuVideoDxe.Variant v = fixes.contains(Fix.GOP_QXL_NATIVE) ? QemuVideoDxe.Variant.QXL_NATIVE
                : fixes.contains(Fix.GOP_BOCHS_MMIO) ? QemuVideoDxe.Variant.BOCHS_MMIO : QemuVideoDxe.Variant.BOCHS_IO;
        QemuVideoDxe gop = new QemuVideoDxe(cpu, bus, v, scratchRam, out);
        try {
            gop.start(gpu, DEFAULT_WIDTH, DEFAULT_HEIGHT);
        } catch (GuestFault f) {
            out.consoleUp = false;
            out.status = "EXCEPTION";
            out.reason = "synchronous exception: " + f.getMessage();
        }
        cpu.mark(out.consoleUp ? "console-up" : "no-gop");
        return out;
    }
}
