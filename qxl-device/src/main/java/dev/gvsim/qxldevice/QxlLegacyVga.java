package dev.gvsim.qxldevice;

import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The legacy VGA interface of {@code qxl-vga} (QEMU qxl.c qxl_realize_primary: vga_init and
 * qxl_vga_portio_list at 0x3B0): the VGA register ports ({@link VgaLegacy}), the Bochs VBE DISPI
 * ports ({@link BochsVbe}) and the VGA memory window 0xA0000-0xBFFFF, all backed by BAR0's memory,
 * decoded by address rather than through a BAR; and the VBE framebuffer as a {@link Scanout}. The
 * fabric routes these accesses by address on the device's bus, and a bridge passes them only by
 * its I/O window or VGA Enable. Not modelled: a VGA port write leaving native mode
 * (qxl_vga_ioport_write's destroy-primary + soft reset), VGA text/planar rendering.
 */
final class QxlLegacyVga {
    static final ParamDef P_VGA_DECODE_GATED = ParamDef.bool("qxl.vga_legacy_needs_decode", true,
            "PCI Local Bus 3.0 §6.2.2 (Command bits 0/1 enable the device's I/O and memory response, legacy VGA included); "
                    + "QEMU qxl_realize_primary registers the VGA/VBE portio and VGA memory unconditionally (set false to match QEMU)",
            "qxl-vga answers the legacy VGA/VBE ports only with COMMAND.IO set and the VGA memory window only with COMMAND.MEM set.");
    static final ParamDef P_VBE_X86_DATA_PORT = ParamDef.bool("qxl.vbe_x86_data_port", false,
            "QEMU hw/display/vga.c vbe_portio_list: data at 0x1CF only #ifdef TARGET_I386; qemu-system-aarch64 decodes 0x1CE and 0x1D0",
            "Also decode the Bochs VBE data register at port 0x1CF (as an x86 QEMU does).");

    private final PciFunction fn;
    private final SparseMemory ram;
    private final BochsVbe vbe;
    private final VgaLegacy vga;
    /** qxl.vga_legacy_needs_decode: answer only with COMMAND.IO / COMMAND.MEM set. */
    private final boolean gated;
    /** qxl.vbe_x86_data_port: also decode 0x1CF. */
    private final boolean vbeX86Port;
    private final long ioLatencyPs;
    private final Counter legacyIo;
    private final Counter legacyMem;
    private final Scanout scanout = new VbeScanout();

    /** {@code p} has the parameters above declared. */
    QxlLegacyVga(PciFunction fn, SparseMemory ram, QxlConfig cfg, Params p, long ioLatencyPs, Counter legacyIo, Counter legacyMem) {
        this.fn = fn;
        this.ram = ram;
        // qxl_realize_primary: vga->vbe_size = vgamem_size; vga.vram is BAR0 ("vga.vram", ram_size)
        this.vbe = new BochsVbe(ram, cfg.vgamemSize, cfg.ramSize);
        this.vga = new VgaLegacy(ram, vbe);
        this.gated = p.getBoolean(P_VGA_DECODE_GATED);
        this.vbeX86Port = p.getBoolean(P_VBE_X86_DATA_PORT);
        this.ioLatencyPs = ioLatencyPs;
        this.legacyIo = legacyIo;
        this.legacyMem = legacyMem;
    }

    BochsVbe vbe() {
        return vbe;
    }

    VgaLegacy vga() {
        return vga;
    }

    /** The VGA core's reset (vga_common_reset). */
    void reset() {
        vbe.reset();
        vga.reset();
    }

    private boolean isVbeDataPort(long port) {
        return port == BochsVbe.IOPORT_DATA || (vbeX86Port && port == BochsVbe.IOPORT_DATA_X86);
    }

    /** An I/O port access on the device's bus; false if this interface does not decode the port. */
    boolean ioAccess(long port, Access a) {
        if (gated && !fn.ioDecode()) {
            return false;
        }
        if (port == BochsVbe.IOPORT_INDEX || isVbeDataPort(port)) {
            legacyIo.inc();
            a.latencyPs += ioLatencyPs;
            // MemoryRegionPortio size 2: other widths find no handler (reads all ones, writes dropped)
            if (a.size != BochsVbe.ACCESS_SIZE) {
                if (a.isRead()) {
                    a.data = a.sizeMask();
                }
                return true;
            }
            boolean index = port == BochsVbe.IOPORT_INDEX;
            if (a.isRead()) {
                a.data = index ? vbe.readIndex() : vbe.readData();
            } else if (index) {
                vbe.writeIndex((int) a.data);
            } else {
                vbe.writeData((int) a.data);
            }
            return true;
        }
        if (!VgaLegacy.decodes(port)) {
            return false;
        }
        legacyIo.inc();
        a.latencyPs += ioLatencyPs;
        if (a.size == 1) {
            if (a.isRead()) {
                a.data = vga.read((int) port);
            } else {
                vga.write((int) port, (int) a.data);
            }
        } else if (a.size == 2) {
            // portio_read/portio_write: two byte accesses, low byte first; a second port not decoded reads 0xFF
            int p2 = (int) port + 1;
            if (a.isRead()) {
                int hi = VgaLegacy.decodes(p2) ? vga.read(p2) : 0xFF;
                a.data = vga.read((int) port) | hi << 8;
            } else {
                vga.write((int) port, (int) a.data & 0xFF);
                if (VgaLegacy.decodes(p2)) {
                    vga.write(p2, (int) (a.data >>> 8) & 0xFF);
                }
            }
        } else if (a.isRead()) {
            a.data = a.sizeMask();
        }
        return true;
    }

    /** A memory access at bus address {@code busAddr}; false outside the VGA window (or not decoded). */
    boolean memAccess(long busAddr, Access a) {
        if (gated && !fn.memDecode()) {
            return false;
        }
        long off = busAddr - VgaLegacy.MEM_BASE;
        if (off < 0 || off >= VgaLegacy.MEM_SIZE || a.size > 8 || a.buffer != null) {
            return false;
        }
        legacyMem.inc();
        if (a.isRead()) {
            long v = 0;
            for (int i = 0; i < a.size; i++) {
                v |= (long) vga.memRead(Math.min(off + i, VgaLegacy.MEM_SIZE - 1)) << (8 * i);
            }
            a.data = v;
        } else {
            for (int i = 0; i < a.size && off + i < VgaLegacy.MEM_SIZE; i++) {
                vga.memWrite(off + i, (int) (a.data >>> (8 * i)) & 0xFF);
            }
        }
        return true;
    }

    Scanout scanout() {
        return scanout;
    }

    /**
     * The Bochs VBE framebuffer in BAR0 (hw/display/vga.c vbe_update_basic_params: start address
     * {@code (y_offset * virt_width + x_offset) * Bpp}, line stride {@code virt_width * Bpp}); pixels
     * readable at 32 bpp.
     */
    private final class VbeScanout implements Scanout {
        @Override
        public String name() {
            return "vbe";
        }

        @Override
        public boolean active() {
            return vbe.enabled();
        }

        @Override
        public int width() {
            return vbe.xres();
        }

        @Override
        public int height() {
            return vbe.yres();
        }

        @Override
        public int bitsPerPixel() {
            return vbe.bpp();
        }

        @Override
        public int pixel(int x, int y) {
            if (!vbe.enabled() || vbe.bpp() != 32 || x < 0 || y < 0 || x >= vbe.xres() || y >= vbe.yres()) {
                return 0;
            }
            long stride = 4L * vbe.register(BochsVbe.INDEX_VIRT_WIDTH);
            long start = (long) vbe.register(BochsVbe.INDEX_Y_OFFSET) * stride + 4L * vbe.register(BochsVbe.INDEX_X_OFFSET);
            long off = start + (long) y * stride + 4L * x;
            if (off < 0 || off + 4 > ram.capacity()) {
                return 0;
            }
            return ram.readInt(off) & 0xFFFFFF;
        }
    }

    /** Report key {@code vbe}. */
    void report(Map<String, Object> out) {
        Map<String, Object> v = new TreeMap<>();
        v.put("enabled", vbe.enabled());
        v.put("lfb", vbe.linearFramebuffer());
        v.put("xres", vbe.xres());
        v.put("yres", vbe.yres());
        v.put("bpp", vbe.bpp());
        v.put("id", String.format("0x%04x", vbe.register(BochsVbe.INDEX_ID)));
        out.put("vbe", v);
    }

    /** The VBE registers, then the VGA register file. */
    void saveState(StateWriter w) {
        vbe.saveState(w);
        vga.saveState(w);
    }

    /** Reads and applies what {@link #saveState} wrote (as the device always has: applied as read). */
    void restoreState(StateReader r) throws InputException {
        vbe.restoreState(r);
        vga.restoreState(r);
    }
}
