package dev.gvsim.guesttraces.linux;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * An executable model of the Linux 6.1 qxl driver's probe and fbdev path (drivers/gpu/drm/qxl:
 * qxl_kms.c qxl_device_init/setup_slot, qxl_irq.c, qxl_cmd.c qxl_ring_push/qxl_io_*, qxl_draw.c
 * qxl_draw_dirty_fb, qxl_image.c), issuing its device accesses through a {@link GuestCpu} against
 * the simulated machine, in the order the real 6.1 driver issued them (the bundled real trace,
 * docs/facts/qemu-reference-runs.md §7.6), reading back what the device answers and deciding as the driver
 * would.
 *
 * <p>{@link Variant#IOREMAP} maps the ROM and the RAM header with {@code ioremap} (Device-nGnRE) as
 * the driver did before commit 59ab4ee012f0; {@link Variant#IOREMAP_WC} with {@code ioremap_wc}
 * (Normal-NC) as after it. BAR0 and BAR1 are {@code io_mapping_create_wc} (Normal-NC) in both.
 * Real pcs are not modelled; symbols are function names. Register numbers and structure offsets
 * are the device's own ({@code dev.gvsim.qxldevice.layout.QxlLayout}, spice-protocol qxl_dev.h,
 * which the Linux driver's drivers/gpu/drm/qxl/qxl_dev.h copies); the model uses nothing else of
 * the device module and reaches the device only through the {@link GuestCpu}.
 */
public final class QxlLinuxDriver {
    /** Which mapping the driver uses for the ROM and RAM header. */
    public enum Variant {
        IOREMAP("device-ngnre"), IOREMAP_WC("normal-nc");

        public final String attr;

        Variant(String attr) {
            this.attr = attr;
        }
    }

    // PCI config offsets (PCI Local Bus 3.0 §6.1)
    static final int CFG_ID = 0x00;
    static final int CFG_COMMAND = 0x04;
    static final int CFG_CLASS_REV = 0x08;
    static final int CFG_BAR0 = 0x10;
    static final int CMD_IO_MEM = 0x3;

    /** qxl_drv.h QXL_INTERRUPT_MASK: the interrupts the driver unmasks. */
    static final int QXL_INTERRUPT_MASK = INTERRUPT_DISPLAY | INTERRUPT_CURSOR | INTERRUPT_IO_CMD | INTERRUPT_CLIENT_MONITORS_CONFIG;

    /** The 5 s of {@code wait_for_io_cmd_user} (qxl_cmd.c) in ps. */
    public static final long IO_CMD_TIMEOUT_PS = 5_000_000_000_000L;

    /** Synthetic kernel virtual addresses, one per mapping (like the bundled real trace). */
    public static final long VA_BAR0 = 0xffff800010000000L;
    public static final long VA_BAR1 = 0xffff800014000000L;
    public static final long VA_ROM = 0xffff800018000000L;
    public static final long VA_RAM_HEADER = 0xffff800018010000L;
    public static final long VA_PCI_IO = 0xfffffbfffe800000L;
    public static final long VA_SHADOW_FB = 0xffff000040000000L;

    private final GuestCpu cpu;
    private final Variant variant;
    private final int bdf;
    private final long pciIoCpuBase;
    private final long shadowFbPa;

    private long bar0;
    private long bar1;
    private long bar1Size;
    private long rom;
    private long ioBase;
    private long ramHeaderOffset;
    private int slotGenBits;
    private int slotIdBits;
    private final long[] slotHigh = new long[8];
    private int releaseId = 1;
    private long irqsHandled;
    private long framesSubmitted;
    private final List<String> log = new ArrayList<>();

    /**
     * @param bdf the QXL function
     * @param pciIoCpuBase CPU physical address of PCI I/O port 0 (arm virt: 0x3EFF0000)
     * @param shadowFbPa guest RAM physical address for the fbdev shadow buffer (4 MiB)
     */
    public QxlLinuxDriver(GuestCpu cpu, Variant variant, int bdf, long pciIoCpuBase, long shadowFbPa) {
        this.cpu = cpu;
        this.variant = variant;
        this.bdf = bdf;
        this.pciIoCpuBase = pciIoCpuBase;
        this.shadowFbPa = shadowFbPa;
    }

    /** What the probe logged (the driver's DRM_INFO lines and decisions). */
    public List<String> log() {
        return log;
    }

    public long irqsHandled() {
        return irqsHandled;
    }

    public long framesSubmitted() {
        return framesSubmitted;
    }

    /** Summary for reports. */
    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("variant", variant.name().toLowerCase());
        m.put("irqsHandled", irqsHandled);
        m.put("framesSubmitted", framesSubmitted);
        m.put("log", log);
        return m;
    }

    /**
     * Probe: PCI enable, ROM check, mappings, reset, IRQ init, memslots, monitors config and the
     * primary surface. Returns false (with the reason in {@link #log()}) where the real driver's
     * probe would fail.
     */
    public boolean probe(int width, int height) throws GuestFault {
        cpu.mark("qxl_pci_probe");
        long id = cpu.configRead(bdf, CFG_ID, 4);
        if (id != ((long) DEVICE_ID << 16 | VENDOR_ID)) {
            log.add(String.format("no QXL at %02x:%02x.%x (id 0x%08x)", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7, id));
            return false;
        }
        long cmd = cpu.configRead(bdf, CFG_COMMAND, 2);
        if ((cmd & CMD_IO_MEM) != CMD_IO_MEM) {
            cpu.configWrite(bdf, CFG_COMMAND, 2, cmd | CMD_IO_MEM); // pci_enable_device
        }
        bar0 = cpu.configRead(bdf, CFG_BAR0, 4) & ~0xFL;
        bar1 = cpu.configRead(bdf, CFG_BAR0 + 4, 4) & ~0xFL;
        rom = cpu.configRead(bdf, CFG_BAR0 + 8, 4) & ~0xFL;
        ioBase = cpu.configRead(bdf, CFG_BAR0 + 12, 4) & ~0x3L;
        bar1Size = sizeOfMemBar(CFG_BAR0 + 4, bar1);
        if (ioBase == 0) {
            log.add("BAR3 (I/O) unassigned: no QXL_IO_* command can reach the device");
        }

        // qxl_device_init: map the ROM, check it
        cpu.map(VA_ROM, rom, ROM_SIZE, variant.attr, variant == Variant.IOREMAP ? "ROM ioremap" : "ROM ioremap_wc");
        cpu.map(VA_PCI_IO, pciIoCpuBase, 0x10000, "device-ngnre", "PCI I/O space, pci_remap_iospace with pgprot_device");
        long magic = cpu.read(VA_ROM + ROM_OFF_MAGIC, 4, 0, "qxl_device_init");
        if (magic != ROM_MAGIC) {
            log.add(String.format("bad rom signature %x", magic));
            return false;
        }
        cpu.read(VA_ROM + ROM_OFF_ID, 4, F_PAIR, "qxl_check_device");
        cpu.read(VA_ROM + ROM_OFF_UPDATE_ID, 4, F_PAIR, "qxl_check_device");
        long compression = cpu.read(VA_ROM + ROM_OFF_COMPRESSION_LEVEL, 4, F_PAIR, "qxl_check_device");
        cpu.read(VA_ROM + ROM_OFF_LOG_LEVEL, 4, F_PAIR, "qxl_check_device");
        long numPages = cpu.read(VA_ROM + ROM_OFF_NUM_PAGES, 4, F_PAIR, "qxl_check_device");
        long pagesOffset = cpu.read(VA_ROM + ROM_OFF_PAGES_OFFSET, 4, F_PAIR, "qxl_check_device");
        long drawArea = cpu.read(VA_ROM + ROM_OFF_DRAW_AREA_OFFSET, 4, F_PAIR, "qxl_check_device");
        cpu.read(VA_ROM + ROM_OFF_SURFACE0_AREA_SIZE, 4, F_PAIR, "qxl_check_device");
        long surface0 = cpu.read(VA_ROM + ROM_OFF_SURFACE0_AREA_SIZE, 4, 0, "qxl_check_device");
        ramHeaderOffset = cpu.read(VA_ROM + ROM_OFF_RAM_HEADER_OFFSET, 4, 0, "qxl_check_device");
        log.add(String.format("Compression level %d", compression));
        log.add(String.format("%d io pages at offset 0x%x", numPages, pagesOffset));
        log.add(String.format("%d byte draw area at offset 0x%x", surface0, drawArea));
        log.add(String.format("RAM header offset: 0x%x", ramHeaderOffset));
        if (ramHeaderOffset == 0 || ramHeaderOffset + RAM_STRUCT_SIZE > (1L << 32)) {
            log.add("RAM header offset out of range");
            return false;
        }

        cpu.map(VA_BAR0, bar0, ramHeaderOffset, "normal-nc", "BAR0 io_mapping_create_wc");
        cpu.map(VA_BAR1, bar1, bar1Size, "normal-nc", "BAR1 io_mapping_create_wc");
        cpu.map(VA_RAM_HEADER, bar0 + ramHeaderOffset, RAM_HEADER_SIZE, variant.attr,
                variant == Variant.IOREMAP ? "RAM header ioremap" : "RAM header ioremap_wc");
        cpu.read(VA_ROM + ROM_OFF_RAM_HEADER_OFFSET, 4, 0, "qxl_ttm_init");

        // qxl_io_reset, qxl_irq_init
        outb(IO_RESET, 0);
        cpu.write(VA_RAM_HEADER + RAM_OFF_INT_MASK, 4, QXL_INTERRUPT_MASK, 0, "qxl_irq_init");
        cpu.read(VA_ROM + ROM_OFF_RAM_HEADER_OFFSET, 4, 0, "qxl_device_init");

        // setup_slot(main) and setup_slot(surfaces)
        if (!setupSlot(0, "main", bar0, ramHeaderOffset)) {
            return false;
        }
        if (!setupSlot(1, "surfaces", bar1, bar1Size)) {
            return false;
        }

        // qxl_create_monitors_object: a BO just below the RAM header, its address in the header
        long monitorsBo = ramHeaderOffset - 0x1000;
        cpu.write(VA_RAM_HEADER + RAM_OFF_MONITORS_CONFIG, 8, physicalAddress(0, monitorsBo), 0, "qxl_create_monitors_object");
        cpu.memset(VA_BAR0 + monitorsBo, 0, 0x70, "memset");
        cpu.read(VA_ROM + ROM_OFF_CLIENT_MONITORS_CONFIG + MONITORS_CONFIG_COUNT, 2, 0, "qxl_display_read_client_monitors_config");
        cpu.read(VA_ROM + ROM_OFF_CLIENT_MONITORS_CONFIG_CRC, 4, 0, "qxl_display_read_client_monitors_config");

        // fbdev: the primary surface in the surfaces slot (qxl_io_create_primary)
        long stride = width * 4L;
        cpu.mark("create_primary");
        cpu.write(VA_RAM_HEADER + RAM_OFF_CREATE_SURFACE + SC_FORMAT, 4, SURFACE_FMT_32_xRGB, 0, "qxl_io_create_primary");
        cpu.write(VA_RAM_HEADER + RAM_OFF_CREATE_SURFACE + SC_WIDTH, 4, width, 0, "qxl_io_create_primary");
        cpu.write(VA_RAM_HEADER + RAM_OFF_CREATE_SURFACE + SC_HEIGHT, 4, height, 0, "qxl_io_create_primary");
        cpu.write(VA_RAM_HEADER + RAM_OFF_CREATE_SURFACE + SC_STRIDE, 4, stride, 0, "qxl_io_create_primary");
        cpu.write(VA_RAM_HEADER + RAM_OFF_CREATE_SURFACE + SC_MEM, 8, physicalAddress(1, 0), 0, "qxl_io_create_primary");
        // flags and type (two u32) stored as one u64 by 6.1
        cpu.write(VA_RAM_HEADER + RAM_OFF_CREATE_SURFACE + SC_FLAGS, 8, SURF_FLAG_KEEP_DATA | ((long) SURF_TYPE_PRIMARY << 32), 0,
                "qxl_io_create_primary");
        if (!asyncCommand(IO_CREATE_PRIMARY_ASYNC, 0, "create primary")) {
            return false;
        }
        cpu.map(VA_SHADOW_FB, shadowFbPa, 0x400000, "normal-wb", "fbdev shadow buffer (vmalloc)");
        log.add(String.format("fb0: qxldrmfb frame buffer device %dx%d", width, height));
        return true;
    }

    private long sizeOfMemBar(int off, long programmed) {
        // pci_resource_len: size by writing all ones, as the PCI core did at enumeration
        cpu.configWrite(bdf, off, 4, 0xFFFF_FFFFL);
        long mask = cpu.configRead(bdf, off, 4) & ~0xFL;
        cpu.configWrite(bdf, off, 4, programmed);
        return mask == 0 ? 0 : (~mask + 1) & 0xFFFF_FFFFL;
    }

    private static final int F_PAIR = 1 << 4; // dev.gvsim.simcore.Access.F_PAIR
    private static final int F_EXCL = 1;
    private static final int F_REL = 1 << 2;

    private void outb(int command, int value) throws GuestFault {
        cpu.write(VA_PCI_IO + ioBase + command, 1, value, 0, "outb");
    }

    /** setup_slot + setup_hw_slot (qxl_kms.c); slot index = rom->slots_start + i. */
    private boolean setupSlot(int i, String name, long start, long size) throws GuestFault {
        cpu.mark("setup_slot_" + name);
        cpu.write(VA_RAM_HEADER + RAM_OFF_MEM_SLOT_START, 8, start, 0, "setup_slot");
        cpu.write(VA_RAM_HEADER + RAM_OFF_MEM_SLOT_END, 8, start + size, 0, "setup_slot");
        int slotsStart = (int) cpu.read(VA_ROM + ROM_OFF_SLOTS_START, 1, 0, "setup_slot");
        int slot = slotsStart + i;
        if (!asyncCommand(IO_MEMSLOT_ADD_ASYNC, slot, "memslot add")) {
            return false;
        }
        long generation = cpu.read(VA_ROM + ROM_OFF_SLOT_GENERATION, 1, 0, "setup_slot");
        cpu.read(VA_ROM + ROM_OFF_SLOTS_START, 1, 0, "setup_slot");
        slotGenBits = (int) cpu.read(VA_ROM + ROM_OFF_SLOT_GEN_BITS, 1, 0, "setup_slot");
        slotIdBits = (int) cpu.read(VA_ROM + ROM_OFF_SLOT_ID_BITS, 1, 0, "setup_slot");
        int shift = 64 - slotIdBits;
        slotHigh[i] = ((long) slot << shift) | (generation << (shift - slotGenBits));
        log.add(String.format("slot %d (%s): base 0x%08x, size 0x%08x", i, name, start, size));
        return true;
    }

    /** QXLPHYSICAL of an offset inside slot i (qxl_bo_physical_address). */
    private long physicalAddress(int i, long offset) {
        return slotHigh[i] | offset;
    }

    /**
     * An async I/O command: outb, then wait up to 5 s for the IO_CMD interrupt
     * (wait_for_io_cmd_user); the interrupt handler runs when it comes.
     */
    private boolean asyncCommand(int command, int value, String what) throws GuestFault {
        if (ioBase == 0) {
            cpu.delay(IO_CMD_TIMEOUT_PS);
            log.add(what + ": no I/O BAR, timed out after 5 s");
            return false;
        }
        outb(command, value);
        if (!cpu.waitForInterrupt(IO_CMD_TIMEOUT_PS)) {
            log.add(what + ": timed out waiting for the IO_CMD interrupt after 5 s");
            return false;
        }
        int pending = irqHandler();
        if ((pending & INTERRUPT_IO_CMD) == 0) {
            log.add(what + ": interrupt without IO_CMD (pending 0x" + Integer.toHexString(pending) + ")");
            return false;
        }
        return true;
    }

    /** qxl_irq_handler: xchg(int_pending, 0), re-arm the mask, UPDATE_IRQ. */
    private int irqHandler() throws GuestFault {
        int pending = (int) cpu.read(VA_RAM_HEADER + RAM_OFF_INT_PENDING, 4, F_EXCL, "qxl_irq_handler");
        cpu.write(VA_RAM_HEADER + RAM_OFF_INT_PENDING, 4, 0, F_EXCL | F_REL, "qxl_irq_handler");
        if (pending == 0) {
            return 0;
        }
        irqsHandled++;
        cpu.write(VA_RAM_HEADER + RAM_OFF_INT_MASK, 4, QXL_INTERRUPT_MASK, 0, "qxl_irq_handler");
        outb(IO_UPDATE_IRQ, 0);
        if ((pending & INTERRUPT_DISPLAY) != 0) {
            garbageCollect();
        }
        return pending;
    }

    /** qxl_garbage_collect: pop release ids from the release ring. */
    private void garbageCollect() throws GuestFault {
        long hdr = VA_RAM_HEADER + RAM_OFF_RELEASE_RING;
        long n = cpu.read(hdr + RING_NUM_ITEMS, 4, 0, "qxl_garbage_collect");
        if (n == 0 || n > 1024) {
            return;
        }
        for (int guard = 0; guard < n; guard++) {
            long prod = cpu.read(hdr + RING_PROD, 4, 0, "qxl_garbage_collect");
            long cons = cpu.read(hdr + RING_CONS, 4, 0, "qxl_garbage_collect");
            if (cons == prod) {
                return;
            }
            long item = VA_RAM_HEADER + RAM_OFF_RELEASE_RING + RING_ITEMS + (long) RELEASE_RING_ITEM_SIZE * (cons & (n - 1));
            cpu.read(item, 8, 0, "qxl_garbage_collect");
            cpu.write(hdr + RING_CONS, 4, cons + 1, 0, "qxl_garbage_collect");
        }
    }

    /**
     * One fbdev damage update (qxl_draw_dirty_fb): the application writes {@code color} into a
     * rectangle of the shadow buffer, the driver builds a COPY drawable with a bitmap image of the
     * rectangle in BAR0, pushes it on the command ring and notifies the device.
     */
    public void drawRect(int fbWidth, int x, int y, int w, int h, int color) throws GuestFault {
        cpu.mark("frame_" + framesSubmitted);
        long fbStride = fbWidth * 4L;
        // the application's write into the shadow buffer, one memset per line (bytes of one value)
        for (int row = 0; row < h; row++) {
            cpu.memset(VA_SHADOW_FB + (y + row) * fbStride + x * 4L, color & 0xFF, w * 4L, "fb_sys_write");
        }
        submitDamage(fbWidth, x, y, w, h);
    }

    /**
     * Time the model lets pass after each damage it submits through {@link #drawImage}: it reuses
     * one image BO (the real driver allocates one per release), so it gives the device's worker
     * ({@code qxl.worker_wakeup_delay}, 10 us) time to consume the drawable before the BO is
     * written again.
     */
    public static final long DAMAGE_SETTLE_PS = 50_000_000L;

    /**
     * An application draws the {@code w x h} pixels at ({@code x}, {@code y}) of {@code fb} (its
     * picture of the screen, 0x00RRGGBB, {@code fbWidth} pixels a line) into the fbdev shadow
     * buffer, and the driver sends that damage (qxl_draw_dirty_fb) as one COPY drawable. The
     * writes are the application's: a run of at least 4 grey pixels (all bytes equal once the X
     * byte repeats the grey) is one memset, other pixels 8-byte stores of two pixels (a 4-byte
     * store for an odd one). Returns false, drawing nothing, for a rectangle outside the buffer.
     */
    public boolean drawImage(int[] fb, int fbWidth, int fbHeight, int x, int y, int w, int h) throws GuestFault {
        if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > fbWidth || y + h > fbHeight || fb.length < fbWidth * fbHeight) {
            return false;
        }
        cpu.mark("frame_" + framesSubmitted);
        long fbStride = fbWidth * 4L;
        for (int row = 0; row < h; row++) {
            long line = VA_SHADOW_FB + (y + row) * fbStride;
            int base = (y + row) * fbWidth;
            int i = x;
            int end = x + w;
            while (i < end) {
                int p = fb[base + i] & 0xFFFFFF;
                int run = 1;
                while (i + run < end && (fb[base + i + run] & 0xFFFFFF) == p) {
                    run++;
                }
                int g = p & 0xFF;
                if (run >= 4 && ((p >> 8) & 0xFF) == g && ((p >> 16) & 0xFF) == g) {
                    cpu.memset(line + i * 4L, g, run * 4L, "fb_sys_write");
                    i += run;
                    continue;
                }
                if (i + 1 < end) {
                    long two = (fb[base + i] & 0xFFFFFFL) | (fb[base + i + 1] & 0xFFFFFFL) << 32;
                    cpu.write(line + i * 4L, 8, two, 0, "fb_sys_write");
                    i += 2;
                } else {
                    cpu.write(line + i * 4L, 4, p, 0, "fb_sys_write");
                    i++;
                }
            }
        }
        submitDamage(fbWidth, x, y, w, h);
        cpu.delay(DAMAGE_SETTLE_PS);
        return true;
    }

    /**
     * qxl_draw_dirty_fb for a rectangle already in the shadow buffer: a COPY drawable with a bitmap
     * image of the rectangle in BAR0, pushed on the command ring, the device notified.
     */
    private void submitDamage(int fbWidth, int x, int y, int w, int h) throws GuestFault {
        long fbStride = fbWidth * 4L;
        // BOs in the BAR0 page area: drawable just below the monitors BO, image and chunk at 0
        long drawable = ramHeaderOffset - 0x2000;
        long image = 0x1000;
        long chunk = 0x2000;
        long dva = VA_BAR0 + drawable;
        int rid = releaseId++;
        cpu.write(dva + DR_RELEASE_INFO, 8, rid, 0, "qxl_alloc_release_reserved");
        cpu.write(dva + DR_SURFACE_ID, 8, 0, F_PAIR, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_SURFACE_ID + 8, 8, 0, F_PAIR, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_TYPE, 1, DRAW_COPY, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_EFFECT, 1, 0, 0, "qxl_draw_dirty_fb");
        // bbox {top, left, bottom, right}
        cpu.write(dva + DR_BBOX + RECT_TOP, 4, y, F_PAIR, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_BBOX + RECT_LEFT, 4, x, F_PAIR, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_BBOX + RECT_BOTTOM, 4, y + h, F_PAIR, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_BBOX + RECT_RIGHT, 4, x + w, F_PAIR, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_CLIP_TYPE, 4, 0, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_SURFACES_DEST, 8, -1L, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_SURFACES_DEST + 8, 4, 0xFFFF_FFFFL, 0, "qxl_draw_dirty_fb");
        long mm = cpu.read(VA_ROM + ROM_OFF_MM_CLOCK, 4, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + DR_MM_TIME, 4, mm, 0, "qxl_draw_dirty_fb");
        // qxl_image_init: one chunk with the pixels, then the image descriptor
        long cva = VA_BAR0 + chunk;
        cpu.write(cva + CHUNK_PREV, 8, 0, 0, "qxl_image_init");
        cpu.write(cva + CHUNK_NEXT, 8, 0, 0, "qxl_image_init");
        cpu.write(cva + CHUNK_DATA_SIZE, 4, w * 4L * h, 0, "qxl_image_init");
        for (int row = 0; row < h; row++) {
            cpu.memcpy(cva + CHUNK_HEADER + row * w * 4L, VA_SHADOW_FB + (y + row) * fbStride + x * 4L, w * 4L, "memcpy");
        }
        long iva = VA_BAR0 + image;
        cpu.write(iva + IMG_ID, 8, 0, 0, "qxl_image_init");
        cpu.write(iva + IMG_TYPE, 1, IMAGE_TYPE_BITMAP, 0, "qxl_image_init");
        cpu.write(iva + IMG_WIDTH, 4, w, 0, "qxl_image_init");
        cpu.write(iva + IMG_HEIGHT, 4, h, 0, "qxl_image_init");
        cpu.write(iva + BMP_FORMAT, 1, BITMAP_FMT_32BIT, 0, "qxl_image_init");
        cpu.write(iva + BMP_FLAGS, 1, BITMAP_TOP_DOWN, 0, "qxl_image_init");
        cpu.write(iva + BMP_X, 4, w, 0, "qxl_image_init");
        cpu.write(iva + BMP_Y, 4, h, 0, "qxl_image_init");
        cpu.write(iva + BMP_STRIDE, 4, w * 4L, 0, "qxl_image_init");
        cpu.write(iva + BMP_PALETTE, 8, 0, 0, "qxl_image_init");
        cpu.write(iva + BMP_DATA, 8, physicalAddress(0, chunk), 0, "qxl_image_init");
        // copy: src bitmap, src area {0, 0, h, w}, rop PUT
        cpu.write(dva + COPY_SRC_BITMAP, 8, physicalAddress(0, image), 0, "qxl_draw_dirty_fb");
        cpu.write(dva + COPY_SRC_AREA + RECT_TOP, 4, 0, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + COPY_SRC_AREA + RECT_LEFT, 4, 0, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + COPY_SRC_AREA + RECT_BOTTOM, 4, h, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + COPY_SRC_AREA + RECT_RIGHT, 4, w, 0, "qxl_draw_dirty_fb");
        cpu.write(dva + COPY_ROP, 2, ROPD_OP_PUT, 0, "qxl_draw_dirty_fb");
        pushCommand(physicalAddress(0, drawable), CMD_DRAW);
        framesSubmitted++;
        if (cpu.interruptPending()) {
            irqHandler();
        }
    }

    /** qxl_ring_push on the command ring (qxl_cmd.c), waiting while the ring is full. */
    private void pushCommand(long data, int type) throws GuestFault {
        long hdr = VA_RAM_HEADER + RAM_OFF_CMD_RING;
        long n = cpu.read(hdr + RING_NUM_ITEMS, 4, 0, "qxl_ring_push");
        if (n == 0 || (n & (n - 1)) != 0 || n > 1024) {
            log.add("command ring num_items " + n + " is not a power of two: command dropped");
            return;
        }
        long prod = cpu.read(hdr + RING_PROD, 4, 0, "qxl_ring_push");
        long cons = cpu.read(hdr + RING_CONS, 4, 0, "qxl_ring_push");
        int waits = 0;
        while (((prod - cons) & 0xFFFF_FFFFL) >= n) {
            if (++waits > 100 || !cpu.waitForInterrupt(IO_CMD_TIMEOUT_PS)) {
                log.add("command ring full: gave up");
                return;
            }
            irqHandler();
            cons = cpu.read(hdr + RING_CONS, 4, 0, "qxl_ring_push");
        }
        long slot = VA_RAM_HEADER + RAM_OFF_CMD_RING + RING_ITEMS + (long) COMMAND_SIZE * (prod & (n - 1));
        cpu.write(slot, 8, data, F_PAIR, "memcpy");
        cpu.write(slot + COMMAND_TYPE, 8, type & 0xFFFF_FFFFL, F_PAIR, "memcpy");
        cpu.write(hdr + RING_PROD, 4, (prod + 1) & 0xFFFF_FFFFL, 0, "qxl_ring_push");
        long notifyOnProd = cpu.read(hdr + RING_NOTIFY_ON_PROD, 4, 0, "qxl_ring_push");
        if (((prod + 1) & 0xFFFF_FFFFL) == notifyOnProd) {
            outb(IO_NOTIFY_CMD, 0);
        }
    }
}
