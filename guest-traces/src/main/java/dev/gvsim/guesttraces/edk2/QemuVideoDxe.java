package dev.gvsim.guesttraces.edk2;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * A GOP driver for QXL as ARM vendors add it to ArmVirtQemu: EDK II OvmfPkg/QemuVideoDxe (Driver.c,
 * Initialize.c, Gop.c; register names from Qemu.h), executed through a {@link GuestCpu}.
 *
 * <p>{@link Variant#BOCHS_IO} is the stock driver: the card table maps 1b36:0100 to
 * QEMU_VIDEO_BOCHS ("QEMU QXL VGA"), i.e. mode setting through the Bochs VBE DISPI I/O ports (index
 * 0x1CE, data 0x1D0) plus the VGA attribute port 0x3C0 and the DAC ports 0x3C8/0x3C9. Start():
 * Supports & (VGA_IO | VGA_IO_16) must be non-zero for a VGA-class device, Attributes(Enable,
 * DEVICE_ENABLE | VGA_MEMORY | SupportedVgaIo), BochsRead(ID) & 0xFFF0 == VBE_DISPI_ID0 else "BochsID
 * mismatch" / EFI_DEVICE_ERROR, the framebuffer size from VIDEO_MEMORY_64K capped by the QXL ROM's
 * surface0_area_size (QemuVideoBochsModeSetup), then InitializeBochsGraphicsMode, SetDefaultPalette,
 * ClearScreen; the framebuffer is BAR0.
 *
 * <p>{@link Variant#BOCHS_MMIO} is QemuVideoDxe's QEMU_VIDEO_BOCHS_MMIO path (stdvga/bochs-display
 * expose the DISPI registers as MMIO at BAR2 + 0x500, QEMU hw/display/vga-pci.c PCI_VGA_BOCHS_OFFSET)
 * forced onto QXL: QXL's BAR2 is its ROM (hw/display/qxl.c), so there are no such registers.
 *
 * <p>{@link Variant#QXL_NATIVE} is a GOP that uses only QXL's own interface: the ROM mode table
 * (BAR2), QXL_IO_SET_MODE through the I/O BAR (BAR3, which the bridge windows forward by
 * construction), and the primary surface qxl_set_mode creates at the start of BAR0 (bottom-up, as
 * the XDDM/qxl-1 modes are). No legacy port and no VGA attribute is involved.
 */
public final class QemuVideoDxe {
    /** Which register interface the GOP driver uses. */
    public enum Variant {
        BOCHS_IO("QemuVideoDxe (Bochs VBE I/O ports)"), BOCHS_MMIO("QemuVideoDxe (Bochs VBE MMIO at BAR2+0x500)"),
        QXL_NATIVE("QXL-native GOP (ROM modes + QXL_IO_SET_MODE)");

        public final String title;

        @Helper("enum constant")
        Variant(String title) {
            this.title = title;
        }
    }

    /** Card table entry (Driver.c gQemuVideoCardList). */
    public static final int QXL_VENDOR = 0x1B36;
    public static final int QXL_DEVICE = 0x0100;

    /** Bochs DISPI (Qemu.h). */
    public static final int VBE_DISPI_IOPORT_INDEX = 0x01CE;
    public static final int VBE_DISPI_IOPORT_DATA = 0x01D0;
    public static final int VBE_DISPI_INDEX_ID = 0x0;
    public static final int VBE_DISPI_INDEX_XRES = 0x1;
    public static final int VBE_DISPI_INDEX_YRES = 0x2;
    public static final int VBE_DISPI_INDEX_BPP = 0x3;
    public static final int VBE_DISPI_INDEX_ENABLE = 0x4;
    public static final int VBE_DISPI_INDEX_BANK = 0x5;
    public static final int VBE_DISPI_INDEX_VIRT_WIDTH = 0x6;
    public static final int VBE_DISPI_INDEX_VIRT_HEIGHT = 0x7;
    public static final int VBE_DISPI_INDEX_X_OFFSET = 0x8;
    public static final int VBE_DISPI_INDEX_Y_OFFSET = 0x9;
    public static final int VBE_DISPI_INDEX_VIDEO_MEMORY_64K = 0xA;
    public static final int VBE_DISPI_ID0 = 0xB0C0;
    public static final int VBE_DISPI_ENABLED = 0x01;
    public static final int VBE_DISPI_LFB_ENABLED = 0x40;
    /** QEMU_VIDEO_BOCHS_MMIO: DISPI registers at BAR2 + 0x500, 16 bits each (vga-pci.c PCI_VGA_BOCHS_OFFSET). */
    public static final long BOCHS_MMIO_OFFSET = 0x500;
    public static final int MMIO_BAR = 2;
    /** VGA ports (Qemu.h ATT_ADDRESS_REGISTER, PALETTE_INDEX_REGISTER, PALETTE_DATA_REGISTER). */
    public static final int ATT_ADDRESS_REGISTER = 0x3C0;
    public static final int PALETTE_INDEX_REGISTER = 0x3C8;
    public static final int PALETTE_DATA_REGISTER = 0x3C9;

    /** QXLRom (spice-protocol qxl_dev.h): magic, mode, modes_offset, surface0_area_size; QXLMode records. */
    public static final long ROM_MAGIC = 0x00;
    public static final long ROM_MODE = 0x14;
    public static final long ROM_MODES_OFFSET = 0x18;
    public static final long ROM_SURFACE0_AREA_SIZE = 0x28;
    public static final long QXL_ROM_MAGIC = 0x4F525851L;
    public static final int MODE_RECORD_SIZE = 32;
    public static final int QXL_IO_SET_MODE = 6;
    /** Bound on the ROM's mode count the GOP will walk (hostile ROM). */
    public static final int MAX_MODES = 512;
    public static final int RAM_BAR = 0;
    public static final int ROM_BAR = 2;
    public static final int IO_BAR = 3;

    /** How firmware maps PCI MMIO on ArmVirt (GCD EFI_MEMORY_UC: Device memory). */
    static final String MMIO_ATTR = "device-ngnre";

    private final GuestCpu cpu;
    private final PciBusDxe bus;
    private final Variant variant;
    private final long scratchRam;
    private final BootOutcome out;
    private PciNode dev;

    /**
     * @param scratchRam a guest-RAM physical address with 16 KiB free for the ClearScreen line buffer
     */
    @Helper("holds the driver state")
    public QemuVideoDxe(GuestCpu cpu, PciBusDxe bus, Variant variant, long scratchRam, BootOutcome out) {
        this.cpu = cpu;
        this.bus = bus;
        this.variant = variant;
        this.scratchRam = scratchRam;
        this.out = out;
    }

    /** DriverBindingSupported: a display-class function in the card table. */
    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c QemuVideoControllerDriverSupported", "OvmfPkg/QemuVideoDxe/Driver.c QemuVideoDetect"})
    public static boolean supported(PciNode n) {
        return n.isDisplay() && n.vendorId == QXL_VENDOR && n.deviceId == QXL_DEVICE;
    }

    /** DriverBindingStart for {@code n}, mode {@code w}x{@code h}x32. Fills the outcome; returns true if the console is up. */
    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c QemuVideoControllerDriverStart"})
    public boolean start(PciNode n, int w, int h) throws GuestFault {
        this.dev = n;
        out.gopDriver = variant.title;
        out.device = n.name();
        cpu.mark("QemuVideoDxe.Start " + PciNode.bdf(n.bdf));
        long supports = bus.supportedAttributes(n);
        long attrs = PciBusDxe.DEVICE_ENABLE;
        if (variant != Variant.QXL_NATIVE) {
            long supportedVgaIo = supports & (PciBusDxe.ATTR_VGA_IO | PciBusDxe.ATTR_VGA_IO_16);
            out.log.add(String.format("QemuVideo: %s Supports 0x%x, SupportedVgaIo 0x%x", PciNode.bdf(n.bdf), supports, supportedVgaIo));
            if (supportedVgaIo == 0 && n.isVga()) {
                return fail("EFI_UNSUPPORTED", "no VGA_IO/VGA_IO_16 attribute on the path (a bridge's VGA Enable is not settable)");
            }
            attrs |= PciBusDxe.ATTR_VGA_MEMORY | supportedVgaIo;
        }
        String err = bus.enableAttributes(n, attrs, supports);
        if (err != null) {
            return fail("EFI_UNSUPPORTED", "PciIo->Attributes(Enable 0x" + Long.toHexString(attrs) + "): " + err);
        }
        long fb = n.barAddress(RAM_BAR);
        long fbBarSize = n.barSize(RAM_BAR);
        if (fbBarSize == 0) {
            return fail("EFI_DEVICE_ERROR", "BAR0 (framebuffer) not implemented");
        }
        return variant == Variant.QXL_NATIVE ? startNative(n, w, h, fb) : startBochs(n, w, h, fb);
    }

    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c QemuVideoControllerDriverStart", "OvmfPkg/QemuVideoDxe/Initialize.c QemuVideoBochsModeSetup", "OvmfPkg/QemuVideoDxe/Driver.c InitializeBochsGraphicsMode"})
    private boolean startBochs(PciNode n, int w, int h, long fb) throws GuestFault {
        if (variant == Variant.BOCHS_MMIO) {
            cpu.map(n.barAddress(MMIO_BAR), n.barAddress(MMIO_BAR), Math.max(0x1000, n.barSize(MMIO_BAR)), MMIO_ATTR, "PciIo BAR2");
        }
        int id = bochsRead(VBE_DISPI_INDEX_ID);
        if ((id & 0xFFF0) != VBE_DISPI_ID0) {
            out.failedValue = id;
            if (variant == Variant.BOCHS_IO) {
                out.failedPort = VBE_DISPI_IOPORT_DATA;
                out.failedAccess = String.format("ioRead port 0x%x (16-bit) -> 0x%04x after ioWrite port 0x%x <- 0x%04x", VBE_DISPI_IOPORT_DATA, id,
                        VBE_DISPI_IOPORT_INDEX, VBE_DISPI_INDEX_ID);
                out.diagnosis.addAll(bus.traceIoPort(n, VBE_DISPI_IOPORT_INDEX));
                out.diagnosis.addAll(bus.traceIoPort(n, VBE_DISPI_IOPORT_DATA));
            } else {
                long a = n.barAddress(MMIO_BAR) + BOCHS_MMIO_OFFSET + (VBE_DISPI_INDEX_ID << 1);
                out.failedAccess = String.format("MMIO read 0x%x (BAR2+0x%x, 16-bit) -> 0x%04x", a, a - n.barAddress(MMIO_BAR), id);
                out.diagnosis.add("QXL's BAR2 is the 8 KiB QXL ROM (hw/display/qxl.c QXL_ROM_RANGE_INDEX), not the std-vga/bochs-display "
                        + "MMIO BAR: offset 0x500 is inside the ROM's mode table, there are no DISPI registers");
            }
            return fail("EFI_DEVICE_ERROR", String.format("QemuVideo: BochsID mismatch (got 0x%04x)", id));
        }
        // QemuVideoBochsModeSetup: VIDEO_MEMORY_64K, capped by the QXL ROM's surface0_area_size
        long avail = (long) bochsRead(VBE_DISPI_INDEX_VIDEO_MEMORY_64K) * 0x10000;
        long rom = n.barAddress(ROM_BAR);
        cpu.map(rom, rom, 0x2000, MMIO_ATTR, "PciIo BAR2 (QXL ROM)");
        long surface0 = cpu.read(rom + ROM_SURFACE0_AREA_SIZE, 4, 0, "QemuVideoBochsModeSetup");
        avail = Math.min(avail, surface0);
        out.log.add(String.format("QemuVideo: Bochs ID 0x%04x, framebuffer 0x%x bytes available", id, avail));
        long need = (long) w * h * 4;
        if (need > avail) {
            return fail("EFI_UNSUPPORTED", String.format("mode %dx%dx32 needs 0x%x bytes, only 0x%x available", w, h, need, avail));
        }
        // InitializeBochsGraphicsMode
        bochsWrite(VBE_DISPI_INDEX_ENABLE, 0);
        bochsWrite(VBE_DISPI_INDEX_BANK, 0);
        bochsWrite(VBE_DISPI_INDEX_X_OFFSET, 0);
        bochsWrite(VBE_DISPI_INDEX_Y_OFFSET, 0);
        bochsWrite(VBE_DISPI_INDEX_BPP, 32);
        bochsWrite(VBE_DISPI_INDEX_XRES, w);
        bochsWrite(VBE_DISPI_INDEX_VIRT_WIDTH, w);
        bochsWrite(VBE_DISPI_INDEX_YRES, h);
        bochsWrite(VBE_DISPI_INDEX_VIRT_HEIGHT, h);
        bochsWrite(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
        cpu.ioWrite(ATT_ADDRESS_REGISTER, 1, 0x20);
        setDefaultPalette();
        // not in QemuVideoDxe: the model reads the mode back to tell "console up" from "writes went nowhere"
        int xr = bochsRead(VBE_DISPI_INDEX_XRES);
        int yr = bochsRead(VBE_DISPI_INDEX_YRES);
        int bpp = bochsRead(VBE_DISPI_INDEX_BPP);
        int en = bochsRead(VBE_DISPI_INDEX_ENABLE);
        if (xr != w || yr != h || bpp != 32 || (en & VBE_DISPI_ENABLED) == 0) {
            return fail("EFI_DEVICE_ERROR", String.format("mode did not take: XRES %d YRES %d BPP %d ENABLE 0x%x", xr, yr, bpp, en));
        }
        return console(fb, w, h, (long) w * 4, false);
    }

    @Follows(value = {"hw/display/qxl.c ioport_write", "hw/display/qxl.c qxl_set_mode"},
            note = "not an EDK II driver: the QXL-native GOP the gop-qxl-native fix assumes, using only QXL's ROM mode table and QXL_IO_SET_MODE")
    private boolean startNative(PciNode n, int w, int h, long fb) throws GuestFault {
        long rom = n.barAddress(ROM_BAR);
        cpu.map(rom, rom, 0x2000, MMIO_ATTR, "PciIo BAR2 (QXL ROM)");
        long magic = cpu.read(rom + ROM_MAGIC, 4, 0, "QxlGop.CheckRom");
        if (magic != QXL_ROM_MAGIC) {
            out.failedValue = magic;
            out.failedAccess = String.format("MMIO read 0x%x (ROM magic) -> 0x%08x", rom, magic);
            return fail("EFI_DEVICE_ERROR", "QXL ROM magic mismatch");
        }
        long modesOff = cpu.read(rom + ROM_MODES_OFFSET, 4, 0, "QxlGop.CheckRom");
        if (modesOff < 0x40 || modesOff > 0x2000 - 4) {
            return fail("EFI_DEVICE_ERROR", String.format("QXL ROM modes_offset 0x%x outside the ROM", modesOff));
        }
        long count = cpu.read(rom + modesOff, 4, 0, "QxlGop.Modes");
        long max = Math.min(MAX_MODES, (0x2000 - modesOff - 4) / MODE_RECORD_SIZE);
        long modeId = -1;
        for (long i = 0; i < Math.min(count, max) && modeId < 0; i++) {
            long m = rom + modesOff + 4 + i * MODE_RECORD_SIZE;
            long x = cpu.read(m + 4, 4, 0, "QxlGop.Modes");
            long y = cpu.read(m + 8, 4, 0, "QxlGop.Modes");
            long bits = cpu.read(m + 12, 4, 0, "QxlGop.Modes");
            long orient = cpu.read(m + 28, 4, 0, "QxlGop.Modes");
            if (x == w && y == h && bits == 32 && orient == 0) {
                modeId = cpu.read(m, 4, 0, "QxlGop.Modes");
            }
        }
        if (modeId < 0) {
            return fail("EFI_UNSUPPORTED", String.format("QXL ROM lists no %dx%dx32 mode", w, h));
        }
        long io = n.barAddress(IO_BAR);
        if (n.barSize(IO_BAR) == 0) {
            return fail("EFI_DEVICE_ERROR", "QXL I/O BAR not implemented");
        }
        cpu.ioWrite(io + QXL_IO_SET_MODE, 1, modeId);
        long now = cpu.read(rom + ROM_MODE, 4, 0, "QxlGop.SetMode");
        if (now != modeId) {
            out.failedPort = io + QXL_IO_SET_MODE;
            out.failedValue = now;
            out.failedAccess = String.format("ioWrite port 0x%x <- %d (QXL_IO_SET_MODE) had no effect: ROM mode reads %d", io + QXL_IO_SET_MODE,
                    modeId, now);
            out.diagnosis.addAll(bus.traceIoPort(n, io + QXL_IO_SET_MODE));
            return fail("EFI_DEVICE_ERROR", "QXL_IO_SET_MODE did not reach the device");
        }
        out.log.add(String.format("QxlGop: QXL mode %d (%dx%dx32) via I/O port 0x%x", modeId, w, h, io + QXL_IO_SET_MODE));
        // qxl_set_mode's primary is bottom-up: line y at (h - 1 - y) * stride from BAR0
        return console(fb, w, h, (long) w * 4, true);
    }

    /** ClearScreen (Blt EfiBltVideoFill, line by line from a RAM buffer) and a marker line at the top of the screen. */
    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c ClearScreen", "OvmfPkg/QemuVideoDxe/Gop.c QemuVideoGraphicsOutputBlt"})
    private boolean console(long fb, int w, int h, long stride, boolean bottomUp) throws GuestFault {
        long size = stride * h;
        cpu.map(fb, fb, size, MMIO_ATTR, "GOP framebuffer (BAR0)");
        cpu.map(scratchRam, scratchRam, 0x4000, "normal-wb", "Blt line buffer");
        cpu.memset(scratchRam, 0, stride, "FrameBufferBlt");
        for (int y = 0; y < h; y++) {
            cpu.memcpy(fb + y * stride, scratchRam, stride, "FrameBufferBlt");
        }
        // "console": the first 8 pixels of line 0 in the GOP's white
        long line0 = bottomUp ? fb + (long) (h - 1) * stride : fb;
        for (int x = 0; x < 8; x++) {
            cpu.write(line0 + 4L * x, 4, 0x00FFFFFFL, 0, "GraphicsConsole");
        }
        out.consoleUp = true;
        out.status = "EFI_SUCCESS";
        out.width = w;
        out.height = h;
        out.bpp = 32;
        out.framebuffer = fb;
        out.framebufferSize = size;
        out.log.add(String.format("GOP: %dx%d framebuffer 0x%x%s", w, h, fb, bottomUp ? " (bottom-up primary)" : ""));
        return true;
    }

    /** SetDefaultPalette: 8 red x 8 green x 4 blue levels through the DAC ports. */
    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c SetDefaultPalette", "OvmfPkg/QemuVideoDxe/Driver.c SetPaletteColor"})
    private void setDefaultPalette() {
        int index = 0;
        for (int r = 0; r < 8; r++) {
            for (int g = 0; g < 8; g++) {
                for (int b = 0; b < 4; b++) {
                    cpu.ioWrite(PALETTE_INDEX_REGISTER, 1, index++);
                    cpu.ioWrite(PALETTE_DATA_REGISTER, 1, (r << 5) >> 2);
                    cpu.ioWrite(PALETTE_DATA_REGISTER, 1, (g << 5) >> 2);
                    cpu.ioWrite(PALETTE_DATA_REGISTER, 1, (b << 6) >> 2);
                }
            }
        }
    }

    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c BochsRead"})
    private int bochsRead(int reg) throws GuestFault {
        if (variant == Variant.BOCHS_MMIO) {
            return (int) cpu.read(dev.barAddress(MMIO_BAR) + BOCHS_MMIO_OFFSET + ((long) reg << 1), 2, 0, "BochsRead");
        }
        cpu.ioWrite(VBE_DISPI_IOPORT_INDEX, 2, reg);
        return (int) cpu.ioRead(VBE_DISPI_IOPORT_DATA, 2);
    }

    @Follows({"OvmfPkg/QemuVideoDxe/Driver.c BochsWrite"})
    private void bochsWrite(int reg, int val) throws GuestFault {
        if (variant == Variant.BOCHS_MMIO) {
            cpu.write(dev.barAddress(MMIO_BAR) + BOCHS_MMIO_OFFSET + ((long) reg << 1), 2, val, 0, "BochsWrite");
            return;
        }
        cpu.ioWrite(VBE_DISPI_IOPORT_INDEX, 2, reg);
        cpu.ioWrite(VBE_DISPI_IOPORT_DATA, 2, val);
    }

    @Helper("records a failed Start in the outcome")
    private boolean fail(String status, String reason) {
        out.consoleUp = false;
        out.status = status;
        out.reason = reason;
        out.log.add("QemuVideo: " + PciNode.bdf(dev.bdf) + " Start: " + status + " - " + reason);
        return false;
    }
}
