package dev.gvsim.qxldevice.layout;

import java.util.List;

/**
 * Register numbers, bits and packed-structure offsets of the QXL device: the one copy of the
 * guest/device ABI, used by the device model and by the guest models that drive it. All structures
 * are {@code SPICE_ATTR_PACKED} (spice-protocol {@code spice/qxl_dev.h}, Linux
 * {@code drivers/gpu/drm/qxl/qxl_dev.h}: {@code #pragma pack(push,1)}), so 64-bit fields sit at
 * whatever offset the preceding fields give them. Offsets are derived from those headers (the
 * struct named before each group) and checked against the Linux 6.1 guest trace (docs/facts/qxl.md §3,
 * docs/facts/qemu-reference-runs.md §7.6).
 */
public final class QxlLayout {
    private QxlLayout() {
    }

    // ------------------------------------------------------------------ PCI identity
    /** REDHAT_PCI_VENDOR_ID (qxl_dev.h). */
    public static final int VENDOR_ID = 0x1B36;
    /** QXL_DEVICE_ID_STABLE (qxl_dev.h). */
    public static final int DEVICE_ID = 0x0100;
    /** PCI_CLASS_DISPLAY_OTHER << 8: {@code qxl} (secondary). */
    public static final int CLASS_DISPLAY_OTHER = 0x038000;
    /** PCI_CLASS_DISPLAY_VGA << 8: {@code qxl-vga} (primary). */
    public static final int CLASS_DISPLAY_VGA = 0x030000;
    /** PCI_SUBVENDOR_ID_REDHAT_QUMRANET / PCI_SUBDEVICE_ID_QEMU (QEMU hw/pci/pci.c defaults). */
    public static final int SUBSYSTEM_VENDOR_ID = 0x1AF4;
    public static final int SUBSYSTEM_ID = 0x1100;

    /** BAR indexes (qxl_dev.h QXL_*_RANGE_INDEX; QEMU qxl.h QXL_VRAM64_RANGE_INDEX = 4). */
    public static final int RAM_RANGE_INDEX = 0;
    public static final int VRAM_RANGE_INDEX = 1;
    public static final int ROM_RANGE_INDEX = 2;
    public static final int IO_RANGE_INDEX = 3;
    public static final int VRAM64_RANGE_INDEX = 4;

    /** QXL_PAGE_SIZE / QXL_PAGE_BITS (QEMU qxl.h). */
    public static final int PAGE_SIZE = 4096;
    /** qxl_rom_size(): two pages (QEMU hw/display/qxl.c). */
    public static final int ROM_SIZE = 8192;

    // ------------------------------------------------------------------ I/O port commands (qxl_dev.h enum QXL_IO_*)
    public static final int IO_NOTIFY_CMD = 0;
    public static final int IO_NOTIFY_CURSOR = 1;
    public static final int IO_UPDATE_AREA = 2;
    public static final int IO_UPDATE_IRQ = 3;
    public static final int IO_NOTIFY_OOM = 4;
    public static final int IO_RESET = 5;
    public static final int IO_SET_MODE = 6;
    public static final int IO_LOG = 7;
    /** appended for qxl-2 */
    public static final int IO_MEMSLOT_ADD = 8;
    public static final int IO_MEMSLOT_DEL = 9;
    public static final int IO_DETACH_PRIMARY = 10;
    public static final int IO_ATTACH_PRIMARY = 11;
    public static final int IO_CREATE_PRIMARY = 12;
    public static final int IO_DESTROY_PRIMARY = 13;
    public static final int IO_DESTROY_SURFACE_WAIT = 14;
    public static final int IO_DESTROY_ALL_SURFACES = 15;
    /** appended for qxl-3 */
    public static final int IO_UPDATE_AREA_ASYNC = 16;
    public static final int IO_MEMSLOT_ADD_ASYNC = 17;
    public static final int IO_CREATE_PRIMARY_ASYNC = 18;
    public static final int IO_DESTROY_PRIMARY_ASYNC = 19;
    public static final int IO_DESTROY_SURFACE_ASYNC = 20;
    public static final int IO_DESTROY_ALL_SURFACES_ASYNC = 21;
    public static final int IO_FLUSH_SURFACES_ASYNC = 22;
    public static final int IO_FLUSH_RELEASE = 23;
    /** appended for qxl-4 */
    public static final int IO_MONITORS_CONFIG_ASYNC = 24;
    /** QXL_IO_RANGE_SIZE: the number of I/O commands. */
    public static final int IO_RANGE_SIZE = 25;
    /** QEMU qxl.c QXL_UNDEFINED_IO: no async command in flight. */
    public static final int UNDEFINED_IO = -1;

    /** Report names of the I/O commands, indexed by port (the QXL_IO_* names, lower case). */
    public static final List<String> IO_NAMES = List.of(
        "notify_cmd", "notify_cursor", "update_area", "update_irq", "notify_oom", "reset", "set_mode", "log",
        "memslot_add", "memslot_del", "detach_primary", "attach_primary", "create_primary", "destroy_primary",
        "destroy_surface_wait", "destroy_all_surfaces", "update_area_async", "memslot_add_async",
        "create_primary_async", "destroy_primary_async", "destroy_surface_async", "destroy_all_surfaces_async",
        "flush_surfaces_async", "flush_release", "monitors_config_async");

    // ------------------------------------------------------------------ interrupts (qxl_dev.h QXL_INTERRUPT_*)
    public static final int INTERRUPT_DISPLAY = 1 << 0;
    public static final int INTERRUPT_CURSOR = 1 << 1;
    public static final int INTERRUPT_IO_CMD = 1 << 2;
    public static final int INTERRUPT_ERROR = 1 << 3;
    public static final int INTERRUPT_CLIENT = 1 << 4;
    public static final int INTERRUPT_CLIENT_MONITORS_CONFIG = 1 << 5;
    /** Report names of the interrupt bits, bit 0 first. */
    public static final List<String> INTERRUPT_NAMES = List.of("display", "cursor", "io_cmd", "error", "client",
            "client_monitors_config");

    // ------------------------------------------------------------------ device modes (QEMU qxl.h enum qxl_mode)
    public static final int MODE_UNDEFINED = 0;
    public static final int MODE_VGA = 1;
    public static final int MODE_COMPAT = 2;
    public static final int MODE_NATIVE = 3;

    /** Report name of a device mode (QEMU qxl.c qxl_mode_to_string, lower case). */
    public static String modeName(int m) {
        switch (m) {
            case MODE_VGA:
                return "vga";
            case MODE_COMPAT:
                return "compat";
            case MODE_NATIVE:
                return "native";
            default:
                return "undefined";
        }
    }

    // ------------------------------------------------------------------ memslots (QEMU qxl.h)
    /** NUM_MEMSLOTS, MEMSLOT_GENERATION_BITS, MEMSLOT_SLOT_BITS (QEMU qxl.h). */
    public static final int NUM_MEMSLOTS = 8;
    public static final int MEMSLOT_GENERATION_BITS = 8;
    public static final int MEMSLOT_SLOT_BITS = 8;
    /** QXLPHYSICAL: slot id in bits 63..56, generation in 55..48, offset in 47..0 (qxl_phys2virt). */
    public static final long PHYS_OFFSET_MASK = 0xFFFF_FFFF_FFFFL;
    public static final int PHYS_SLOT_SHIFT = 56;
    public static final int PHYS_GENERATION_SHIFT = 48;

    // ------------------------------------------------------------------ QXLRom (qxl_dev.h, 0x488 bytes)
    /** QXL_ROM_MAGIC: "QXRO" little-endian. */
    public static final int ROM_MAGIC = 0x4F525851;
    /** uint32_t magic, id, update_id, compression_level, log_level, mode, modes_offset, num_io_pages, pages_offset,
     *  draw_area_offset, surface0_area_size, ram_header_offset, mm_clock. */
    public static final int ROM_OFF_MAGIC = 0x00;
    public static final int ROM_OFF_ID = 0x04;
    public static final int ROM_OFF_UPDATE_ID = 0x08;
    public static final int ROM_OFF_COMPRESSION_LEVEL = 0x0C;
    public static final int ROM_OFF_LOG_LEVEL = 0x10;
    public static final int ROM_OFF_MODE = 0x14;
    public static final int ROM_OFF_MODES_OFFSET = 0x18;
    public static final int ROM_OFF_NUM_PAGES = 0x1C;
    public static final int ROM_OFF_PAGES_OFFSET = 0x20;
    public static final int ROM_OFF_DRAW_AREA_OFFSET = 0x24;
    public static final int ROM_OFF_SURFACE0_AREA_SIZE = 0x28;
    public static final int ROM_OFF_RAM_HEADER_OFFSET = 0x2C;
    public static final int ROM_OFF_MM_CLOCK = 0x30;
    /** appended for qxl-2: uint32_t n_surfaces; uint64_t flags; uint8_t slots_start, slots_end, slot_gen_bits,
     *  slot_id_bits, slot_generation. */
    public static final int ROM_OFF_N_SURFACES = 0x34;
    public static final int ROM_OFF_FLAGS = 0x38;
    public static final int ROM_OFF_SLOTS_START = 0x40;
    public static final int ROM_OFF_SLOTS_END = 0x41;
    public static final int ROM_OFF_SLOT_GEN_BITS = 0x42;
    public static final int ROM_OFF_SLOT_ID_BITS = 0x43;
    public static final int ROM_OFF_SLOT_GENERATION = 0x44;
    /** appended for qxl-4: uint8_t client_present, client_capabilities[58]; uint32_t client_monitors_config_crc;
     *  QXLMonitorsConfig client_monitors_config. */
    public static final int ROM_OFF_CLIENT_PRESENT = 0x45;
    public static final int ROM_OFF_CLIENT_CAPABILITIES = 0x46;
    public static final int ROM_OFF_CLIENT_MONITORS_CONFIG_CRC = 0x80;
    public static final int ROM_OFF_CLIENT_MONITORS_CONFIG = 0x84;
    /** sizeof(QXLRom) = modes_offset (QEMU init_qxl_rom puts QXLModes right after the QXLRom). */
    public static final int ROM_STRUCT_SIZE = 0x488;

    /** QXLModes {uint32_t n_modes; QXLMode modes[]}. */
    public static final int MODES_OFF_N_MODES = 0;
    public static final int MODES_OFF_MODES = 4;
    /** QXLMode {uint32_t id, x_res, y_res, bits, stride, x_mili, y_mili, orientation} (32 bytes). */
    public static final int MODE_OFF_ID = 0;
    public static final int MODE_OFF_X_RES = 4;
    public static final int MODE_OFF_Y_RES = 8;
    public static final int MODE_OFF_BITS = 12;
    public static final int MODE_OFF_STRIDE = 16;
    public static final int MODE_OFF_X_MILI = 20;
    public static final int MODE_OFF_Y_MILI = 24;
    public static final int MODE_OFF_ORIENTATION = 28;
    public static final int MODE_RECORD_SIZE = 32;

    // ------------------------------------------------------------------ QXLRam (qxl_dev.h, 5412 bytes)
    /** QXL_RAM_MAGIC: "QXRA" little-endian. */
    public static final int RAM_MAGIC = 0x41525851;
    /** uint32_t magic, int_pending, int_mask; uint8_t log_buf[QXL_LOG_BUF_SIZE]. */
    public static final int RAM_OFF_MAGIC = 0x0000;
    public static final int RAM_OFF_INT_PENDING = 0x0004;
    public static final int RAM_OFF_INT_MASK = 0x0008;
    public static final int RAM_OFF_LOG_BUF = 0x000C;
    /** QXL_LOG_BUF_SIZE. */
    public static final int LOG_BUF_SIZE = 4096;
    /** QXLCommandRing cmd_ring; QXLCursorRing cursor_ring; QXLReleaseRing release_ring. */
    public static final int RAM_OFF_CMD_RING = 0x100C;
    public static final int RAM_OFF_CURSOR_RING = 0x1220;
    public static final int RAM_OFF_RELEASE_RING = 0x1434;
    /** QXLRect update_area; uint32_t update_surface; QXLMemSlot mem_slot {uint64_t mem_start, mem_end}. */
    public static final int RAM_OFF_UPDATE_AREA = 0x1488;
    public static final int RAM_OFF_UPDATE_SURFACE = 0x1498;
    public static final int RAM_OFF_MEM_SLOT_START = 0x149C;
    public static final int RAM_OFF_MEM_SLOT_END = 0x14A4;
    /** QXLSurfaceCreate create_surface; uint64_t flags. */
    public static final int RAM_OFF_CREATE_SURFACE = 0x14AC;
    public static final int RAM_OFF_FLAGS = 0x14D4;
    /** appended for qxl-4: QXLPHYSICAL monitors_config; uint8_t guest_capabilities[64]. */
    public static final int RAM_OFF_MONITORS_CONFIG = 0x14DC;
    public static final int RAM_OFF_GUEST_CAPABILITIES = 0x14E4;
    /** sizeof(QXLRam). */
    public static final int RAM_STRUCT_SIZE = 0x1524;
    /** ALIGN(sizeof(QXLRam), 4096) reserved at the end of BAR0 (QEMU init_qxl_rom). */
    public static final int RAM_HEADER_SIZE = 0x2000;

    /** QXLSurfaceCreate {uint32_t width, height; int32_t stride; uint32_t format, position, mouse_mode, flags, type;
     *  QXLPHYSICAL mem} field offsets (relative to the struct). */
    public static final int SC_WIDTH = 0;
    public static final int SC_HEIGHT = 4;
    public static final int SC_STRIDE = 8;
    public static final int SC_FORMAT = 12;
    public static final int SC_POSITION = 16;
    public static final int SC_MOUSE_MODE = 20;
    public static final int SC_FLAGS = 24;
    public static final int SC_TYPE = 28;
    public static final int SC_MEM = 32;

    // ------------------------------------------------------------------ SPICE ring (spice/ipc_ring.h SPICE_RING_DECLARE)
    /** {uint32_t num_items, prod, notify_on_prod, cons, notify_on_cons; type items[num_items]}. */
    public static final int RING_NUM_ITEMS = 0;
    public static final int RING_PROD = 4;
    public static final int RING_NOTIFY_ON_PROD = 8;
    public static final int RING_CONS = 12;
    public static final int RING_NOTIFY_ON_CONS = 16;
    public static final int RING_ITEMS = 20;
    /** QXL_COMMAND_RING_SIZE, QXL_CURSOR_RING_SIZE, QXL_RELEASE_RING_SIZE (qxl_dev.h). */
    public static final int COMMAND_RING_SIZE = 32;
    public static final int CURSOR_RING_SIZE = 32;
    public static final int RELEASE_RING_SIZE = 8;
    /** QXLReleaseRing items are uint64_t release ids. */
    public static final int RELEASE_RING_ITEM_SIZE = 8;

    // ------------------------------------------------------------------ QXLCommand (qxl_dev.h)
    /** QXLCommand {QXLPHYSICAL data; uint32_t type; uint32_t padding}. */
    public static final int COMMAND_DATA = 0;
    public static final int COMMAND_TYPE = 8;
    public static final int COMMAND_SIZE = 16;

    /** QXLCmdType (qxl_dev.h). */
    public static final int CMD_NOP = 0;
    public static final int CMD_DRAW = 1;
    public static final int CMD_UPDATE = 2;
    public static final int CMD_CURSOR = 3;
    public static final int CMD_MESSAGE = 4;
    public static final int CMD_SURFACE = 5;
    /** Report names of the command types, indexed by QXLCmdType. */
    public static final List<String> CMD_NAMES = List.of("nop", "draw", "update", "cursor", "message", "surface");

    // ------------------------------------------------------------------ QXLReleaseInfo (qxl_dev.h)
    /** QXLReleaseInfo {union {uint64_t id; uint64_t next}}: first field of every released structure. */
    public static final int RELEASE_INFO_ID = 0;
    public static final int RELEASE_INFO_NEXT = 0;
    public static final int RELEASE_INFO_SIZE = 8;

    // ------------------------------------------------------------------ QXLDrawable (qxl_dev.h, 191 bytes)
    /** QXLReleaseInfo release_info; uint32_t surface_id; uint8_t effect, type, self_bitmap; QXLRect self_bitmap_area,
     *  bbox; QXLClip clip {uint32_t type; QXLPHYSICAL data}; uint32_t mm_time; int32_t surfaces_dest[3];
     *  QXLRect surfaces_rects[3]; union u. */
    public static final int DRAWABLE_SIZE = 191;
    public static final int DR_RELEASE_INFO = 0;
    public static final int DR_SURFACE_ID = 8;
    public static final int DR_EFFECT = 12;
    public static final int DR_TYPE = 13;
    public static final int DR_SELF_BITMAP = 14;
    public static final int DR_SELF_BITMAP_AREA = 15;
    public static final int DR_BBOX = 31;
    public static final int DR_CLIP_TYPE = 47;
    public static final int DR_CLIP_DATA = 51;
    public static final int DR_MM_TIME = 59;
    public static final int DR_SURFACES_DEST = 63;
    public static final int DR_SURFACES_RECTS = 75;
    public static final int DR_U = 123;
    /** QXLFill in the union: QXLBrush {uint32_t type; union {uint32_t color; QXLPattern}} (20 B), uint16_t rop. */
    public static final int FILL_BRUSH_TYPE = DR_U;
    public static final int FILL_BRUSH_COLOR = DR_U + 4;
    public static final int FILL_ROP = DR_U + 20;
    /** QXLCopy in the union: QXLPHYSICAL src_bitmap; QXLRect src_area; uint16_t rop; uint8_t scale_mode. */
    public static final int COPY_SRC_BITMAP = DR_U;
    public static final int COPY_SRC_AREA = DR_U + 8;
    public static final int COPY_ROP = DR_U + 24;
    public static final int COPY_SCALE_MODE = DR_U + 26;

    /** QXLRect {int32_t top, left, bottom, right}. */
    public static final int RECT_TOP = 0;
    public static final int RECT_LEFT = 4;
    public static final int RECT_BOTTOM = 8;
    public static final int RECT_RIGHT = 12;
    public static final int RECT_SIZE = 16;

    /** Drawable types (qxl_dev.h QXL_DRAW_*, QXL_COPY_BITS). */
    public static final int DRAW_NOP = 0;
    public static final int DRAW_FILL = 1;
    public static final int DRAW_OPAQUE = 2;
    public static final int DRAW_COPY = 3;
    public static final int COPY_BITS = 4;
    /** Report names of the drawable types, indexed by type. */
    public static final List<String> DRAW_NAMES = List.of("nop", "fill", "opaque", "copy", "copy_bits", "blend", "blackness",
            "whiteness", "invers", "rop3", "stroke", "text", "transparent", "alpha_blend", "composite");

    /** SpiceClipType (spice/enums.h). */
    public static final int CLIP_TYPE_NONE = 0;
    public static final int CLIP_TYPE_RECTS = 1;
    /** SpiceBrushType (spice/enums.h). */
    public static final int BRUSH_TYPE_NONE = 0;
    public static final int BRUSH_TYPE_SOLID = 1;
    public static final int BRUSH_TYPE_PATTERN = 2;
    /** SpiceRopd (spice/enums.h). */
    public static final int ROPD_INVERS_SRC = 1 << 0;
    public static final int ROPD_INVERS_BRUSH = 1 << 1;
    public static final int ROPD_INVERS_DEST = 1 << 2;
    public static final int ROPD_OP_PUT = 1 << 3;
    public static final int ROPD_OP_OR = 1 << 4;
    public static final int ROPD_OP_AND = 1 << 5;
    public static final int ROPD_OP_XOR = 1 << 6;
    public static final int ROPD_OP_BLACKNESS = 1 << 7;
    public static final int ROPD_OP_WHITENESS = 1 << 8;
    public static final int ROPD_OP_INVERS = 1 << 9;
    public static final int ROPD_INVERS_RES = 1 << 10;

    // ------------------------------------------------------------------ QXLImage / QXLBitmap (qxl_dev.h)
    /** QXLImageDescriptor {uint64_t id; uint8_t type, flags; uint32_t width, height}. */
    public static final int IMG_ID = 0;
    public static final int IMG_TYPE = 8;
    public static final int IMG_FLAGS = 9;
    public static final int IMG_WIDTH = 10;
    public static final int IMG_HEIGHT = 14;
    /** QXLBitmap after the descriptor: {uint8_t format, flags; uint32_t x, y, stride; QXLPHYSICAL palette, data}. */
    public static final int BMP_FORMAT = 18;
    public static final int BMP_FLAGS = 19;
    public static final int BMP_X = 20;
    public static final int BMP_Y = 24;
    public static final int BMP_STRIDE = 28;
    public static final int BMP_PALETTE = 32;
    public static final int BMP_DATA = 40;
    public static final int IMAGE_BITMAP_SIZE = 48;
    /** SpiceImageType (spice/enums.h). */
    public static final int IMAGE_TYPE_BITMAP = 0;
    /** QXLBitmapFlags (qxl_dev.h). */
    public static final int BITMAP_DIRECT = 1 << 0;
    public static final int BITMAP_UNSTABLE = 1 << 1;
    public static final int BITMAP_TOP_DOWN = 1 << 2;
    /** SpiceBitmapFmt (spice/enums.h). */
    public static final int BITMAP_FMT_16BIT = 6;
    public static final int BITMAP_FMT_24BIT = 7;
    public static final int BITMAP_FMT_32BIT = 8;
    public static final int BITMAP_FMT_RGBA = 9;

    /** QXLDataChunk {uint32_t data_size; QXLPHYSICAL prev_chunk; QXLPHYSICAL next_chunk; uint8_t data[]}. */
    public static final int CHUNK_DATA_SIZE = 0;
    public static final int CHUNK_PREV = 4;
    public static final int CHUNK_NEXT = 12;
    public static final int CHUNK_HEADER = 20;
    /** QXLClipRects {uint32_t num_rects; QXLDataChunk chunk}. */
    public static final int CLIP_RECTS_NUM = 0;
    public static final int CLIP_RECTS_CHUNK = 4;

    // ------------------------------------------------------------------ QXLSurfaceCmd (qxl_dev.h, 41 bytes)
    /** {QXLReleaseInfo release_info; uint32_t surface_id; uint8_t type; uint32_t flags;
     *  union {QXLSurface surface_create {uint32_t format, width, height; int32_t stride; QXLPHYSICAL data}} u}. */
    public static final int SCMD_RELEASE_INFO = 0;
    public static final int SCMD_SURFACE_ID = 8;
    public static final int SCMD_TYPE = 12;
    public static final int SCMD_FLAGS = 13;
    public static final int SCMD_FORMAT = 17;
    public static final int SCMD_WIDTH = 21;
    public static final int SCMD_HEIGHT = 25;
    public static final int SCMD_STRIDE = 29;
    public static final int SCMD_DATA = 33;
    public static final int SURFACE_CMD_SIZE = 41;
    /** QXL_SURFACE_CMD_CREATE, QXL_SURFACE_CMD_DESTROY. */
    public static final int SURFACE_CMD_CREATE = 0;
    public static final int SURFACE_CMD_DESTROY = 1;

    /** QXL_SURF_FLAG_KEEP_DATA, QXL_SURF_TYPE_PRIMARY. */
    public static final int SURF_FLAG_KEEP_DATA = 1;
    public static final int SURF_TYPE_PRIMARY = 0;
    /** SpiceSurfaceFmt (spice/enums.h). */
    public static final int SURFACE_FMT_1_A = 1;
    public static final int SURFACE_FMT_8_A = 8;
    public static final int SURFACE_FMT_16_555 = 16;
    public static final int SURFACE_FMT_32_xRGB = 32;
    public static final int SURFACE_FMT_16_565 = 80;
    public static final int SURFACE_FMT_32_ARGB = 96;

    /** QXLMonitorsConfig {uint16_t count; uint16_t max_allowed; QXLHead heads[]} (qxl_dev.h). */
    public static final int MONITORS_CONFIG_COUNT = 0;
    public static final int MONITORS_CONFIG_MAX_ALLOWED = 2;
    public static final int MONITORS_CONFIG_HEADER = 4;
}
