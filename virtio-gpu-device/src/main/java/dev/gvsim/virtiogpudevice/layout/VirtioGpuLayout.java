package dev.gvsim.virtiogpudevice.layout;

/**
 * The guest/device ABI of {@code virtio-gpu-pci}: PCI identity, virtio-pci modern transport
 * registers, split-ring layout, and the virtio-gpu control protocol (header, command and response
 * codes, request and response structure offsets, formats, blob constants). The one copy, used by
 * the device model and by the guest models that drive it. All fields are little-endian.
 *
 * <p>Sources: VIRTIO 1.2 (§2.7 split virtqueues, §4.1 virtio over PCI, §5.7 GPU device), Linux
 * {@code include/uapi/linux/virtio_gpu.h}, {@code virtio_pci.h}, {@code virtio_ring.h},
 * {@code virtio_config.h}, as summarised in docs/facts/virtio-gpu.md (section given per group).
 * Structure offsets are derived from those headers; sizes include the 24-byte control header.
 */
public final class VirtioGpuLayout {
    private VirtioGpuLayout() {
    }

    // ================================================================ PCI identity (docs/facts/virtio-gpu.md §1.1)
    /** PCI_VENDOR_ID_REDHAT_QUMRANET. */
    public static final int VENDOR_ID = 0x1AF4;
    /** 0x1040 + VIRTIO_ID_GPU (16), VIRTIO 1.2 §4.1.2. */
    public static final int DEVICE_ID = 0x1050;
    /** VIRTIO_ID_GPU. */
    public static final int VIRTIO_ID_GPU = 16;

    // ================================================================ virtio-pci capabilities (VIRTIO 1.2 §4.1.4; facts §2.1)
    /** PCI_CAP_ID_VNDR: every virtio-pci capability is vendor-specific. */
    public static final int PCI_CAP_ID_VNDR = 0x09;
    /** struct virtio_pci_cap: cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2], le32 offset, le32 length. */
    public static final int CAP_CFG_TYPE = 3;
    public static final int CAP_BAR = 4;
    public static final int CAP_ID = 5;
    public static final int CAP_OFFSET = 8;
    public static final int CAP_LENGTH = 12;
    /** struct virtio_pci_notify_cap: le32 notify_off_multiplier after the virtio_pci_cap. */
    public static final int CAP_NOTIFY_OFF_MULTIPLIER = 16;
    /** struct virtio_pci_cap64: le32 offset_hi, le32 length_hi after the virtio_pci_cap (shared memory). */
    public static final int CAP_OFFSET_HI = 16;
    public static final int CAP_LENGTH_HI = 20;
    /** sizeof(struct virtio_pci_cap), virtio_pci_notify_cap, virtio_pci_cfg_cap, virtio_pci_cap64. */
    public static final int CAP_LEN = 16;
    public static final int NOTIFY_CAP_LEN = 20;
    public static final int CFG_CAP_LEN = 20;
    public static final int CAP64_LEN = 24;

    public static final int VIRTIO_PCI_CAP_COMMON_CFG = 1;
    public static final int VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
    public static final int VIRTIO_PCI_CAP_ISR_CFG = 3;
    public static final int VIRTIO_PCI_CAP_DEVICE_CFG = 4;
    public static final int VIRTIO_PCI_CAP_PCI_CFG = 5;
    public static final int VIRTIO_PCI_CAP_SHARED_MEMORY_CFG = 8;

    // ================================================================ common configuration (VIRTIO 1.2 §4.1.4.3; facts §2.2)
    public static final int COMMON_DFSELECT = 0x00;
    public static final int COMMON_DF = 0x04;
    public static final int COMMON_GFSELECT = 0x08;
    public static final int COMMON_GF = 0x0C;
    public static final int COMMON_MSIX = 0x10;
    public static final int COMMON_NUMQ = 0x12;
    public static final int COMMON_STATUS = 0x14;
    public static final int COMMON_CFGGENERATION = 0x15;
    public static final int COMMON_Q_SELECT = 0x16;
    public static final int COMMON_Q_SIZE = 0x18;
    public static final int COMMON_Q_MSIX = 0x1A;
    public static final int COMMON_Q_ENABLE = 0x1C;
    public static final int COMMON_Q_NOFF = 0x1E;
    public static final int COMMON_Q_DESCLO = 0x20;
    public static final int COMMON_Q_DESCHI = 0x24;
    public static final int COMMON_Q_AVAILLO = 0x28;
    public static final int COMMON_Q_AVAILHI = 0x2C;
    public static final int COMMON_Q_USEDLO = 0x30;
    public static final int COMMON_Q_USEDHI = 0x34;
    /** queue_notify_data (VIRTIO 1.2), then queue_reset (VIRTIO_F_RING_RESET). */
    public static final int COMMON_Q_NDATA = 0x38;
    public static final int COMMON_Q_RESET = 0x3A;
    /** sizeof(struct virtio_pci_common_cfg) with queue_reset (QEMU 7.2). */
    public static final int COMMON_SIZE = 0x3C;
    /** VIRTIO_MSI_NO_VECTOR. */
    public static final int NO_VECTOR = 0xFFFF;

    // ================================================================ device status (VIRTIO 1.2 §2.1)
    public static final int S_ACKNOWLEDGE = 0x01;
    public static final int S_DRIVER = 0x02;
    public static final int S_DRIVER_OK = 0x04;
    public static final int S_FEATURES_OK = 0x08;
    public static final int S_NEEDS_RESET = 0x40;
    public static final int S_FAILED = 0x80;

    // ================================================================ ISR (VIRTIO 1.2 §4.1.4.5)
    public static final int ISR_QUEUE = 0x1;
    public static final int ISR_CONFIG = 0x2;

    // ================================================================ feature bits (facts §1.3; VIRTIO 1.2 §6)
    public static final int F_VIRGL = 0;
    public static final int F_EDID = 1;
    public static final int F_RESOURCE_UUID = 2;
    public static final int F_RESOURCE_BLOB = 3;
    public static final int F_CONTEXT_INIT = 4;
    public static final int F_NOTIFY_ON_EMPTY = 24;
    public static final int F_ANY_LAYOUT = 27;
    public static final int F_INDIRECT_DESC = 28;
    public static final int F_EVENT_IDX = 29;
    public static final int F_VERSION_1 = 32;
    public static final int F_ACCESS_PLATFORM = 33;
    public static final int F_RING_PACKED = 34;
    public static final int F_IN_ORDER = 35;
    public static final int F_RING_RESET = 40;

    // ================================================================ device configuration, struct virtio_gpu_config (facts §1.4)
    public static final int CFG_EVENTS_READ = 0;
    public static final int CFG_EVENTS_CLEAR = 4;
    public static final int CFG_NUM_SCANOUTS = 8;
    public static final int CFG_NUM_CAPSETS = 12;
    public static final int CFG_SIZE = 16;
    /** VIRTIO_GPU_EVENT_DISPLAY. */
    public static final int EVENT_DISPLAY = 0x1;

    // ================================================================ virtqueues (facts §1.2)
    public static final int CONTROLQ = 0;
    public static final int CURSORQ = 1;

    // ================================================================ split virtqueue (VIRTIO 1.2 §2.7; facts §2.3)
    /** struct virtq_desc: le64 addr, le32 len, le16 flags, le16 next. */
    public static final int DESC_SIZE = 16;
    public static final int DESC_ADDR = 0;
    public static final int DESC_LEN = 8;
    public static final int DESC_FLAGS = 12;
    public static final int DESC_NEXT = 14;
    public static final int VIRTQ_DESC_F_NEXT = 1;
    public static final int VIRTQ_DESC_F_WRITE = 2;
    public static final int VIRTQ_DESC_F_INDIRECT = 4;
    /** struct virtq_avail: le16 flags, le16 idx, le16 ring[size], le16 used_event. */
    public static final int AVAIL_FLAGS = 0;
    public static final int AVAIL_IDX = 2;
    public static final int AVAIL_RING = 4;
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
    /** struct virtq_used: le16 flags, le16 idx, {le32 id, le32 len}[size], le16 avail_event. */
    public static final int USED_FLAGS = 0;
    public static final int USED_IDX = 2;
    public static final int USED_RING = 4;
    public static final int USED_ELEM_SIZE = 8;
    public static final int USED_ELEM_ID = 0;
    public static final int USED_ELEM_LEN = 4;
    public static final int VIRTQ_USED_F_NO_NOTIFY = 1;

    // ================================================================ packed virtqueue (VIRTIO 1.2 §2.8; facts §2.4)
    /** struct pvirtq_desc (§2.8.13): le64 addr, le32 len, le16 id, le16 flags; 16 bytes like the split descriptor. */
    public static final int PDESC_SIZE = 16;
    public static final int PDESC_ADDR = 0;
    public static final int PDESC_LEN = 8;
    public static final int PDESC_ID = 12;
    public static final int PDESC_FLAGS = 14;
    /** §2.8.1: VIRTQ_DESC_F_AVAIL (bit 7) and VIRTQ_DESC_F_USED (bit 15); NEXT, WRITE and INDIRECT keep their split values. */
    public static final int VIRTQ_DESC_F_AVAIL = 1 << 7;
    public static final int VIRTQ_DESC_F_USED = 1 << 15;
    /** struct pvirtq_event_suppress (§2.8.14): le16 desc (off_wrap: bits 0-14 offset, bit 15 wrap counter), le16 flags. */
    public static final int EVENT_OFF_WRAP = 0;
    public static final int EVENT_FLAGS = 2;
    public static final int EVENT_SUPPRESS_SIZE = 4;
    /** §2.8.10 / §2.8.14 RING_EVENT_FLAGS_*: notifications enabled, disabled, or at the descriptor off_wrap names (EVENT_IDX). */
    public static final int RING_EVENT_FLAGS_ENABLE = 0x0;
    public static final int RING_EVENT_FLAGS_DISABLE = 0x1;
    public static final int RING_EVENT_FLAGS_DESC = 0x2;

    /** Bytes of the descriptor table (§2.7 table: 16 × size). */
    public static long descTableBytes(int size) {
        return (long) DESC_SIZE * size;
    }

    /** Bytes of the driver area (6 + 2 × size; QEMU maps 4 + 2 × size without EVENT_IDX). */
    public static long availRingBytes(int size, boolean eventIdx) {
        return AVAIL_RING + 2L * size + (eventIdx ? 2 : 0);
    }

    /** Bytes of the device area (6 + 8 × size; QEMU maps 4 + 8 × size without EVENT_IDX). */
    public static long usedRingBytes(int size, boolean eventIdx) {
        return USED_RING + (long) USED_ELEM_SIZE * size + (eventIdx ? 2 : 0);
    }


    // ================================================================ control header, struct virtio_gpu_ctrl_hdr (facts §1.5)
    public static final int HDR_TYPE = 0;
    public static final int HDR_FLAGS = 4;
    public static final int HDR_FENCE_ID = 8;
    public static final int HDR_CTX_ID = 16;
    public static final int HDR_RING_IDX = 20;
    public static final int HDR_SIZE = 24;
    public static final int FLAG_FENCE = 1;
    public static final int FLAG_INFO_RING_IDX = 2;

    // ================================================================ enum virtio_gpu_ctrl_type (facts §1.6)
    public static final int CMD_GET_DISPLAY_INFO = 0x0100;
    public static final int CMD_RESOURCE_CREATE_2D = 0x0101;
    public static final int CMD_RESOURCE_UNREF = 0x0102;
    public static final int CMD_SET_SCANOUT = 0x0103;
    public static final int CMD_RESOURCE_FLUSH = 0x0104;
    public static final int CMD_TRANSFER_TO_HOST_2D = 0x0105;
    public static final int CMD_RESOURCE_ATTACH_BACKING = 0x0106;
    public static final int CMD_RESOURCE_DETACH_BACKING = 0x0107;
    public static final int CMD_GET_CAPSET_INFO = 0x0108;
    public static final int CMD_GET_CAPSET = 0x0109;
    public static final int CMD_GET_EDID = 0x010A;
    public static final int CMD_RESOURCE_ASSIGN_UUID = 0x010B;
    public static final int CMD_RESOURCE_CREATE_BLOB = 0x010C;
    public static final int CMD_SET_SCANOUT_BLOB = 0x010D;
    public static final int CMD_CTX_CREATE = 0x0200;
    public static final int CMD_CTX_DESTROY = 0x0201;
    public static final int CMD_CTX_ATTACH_RESOURCE = 0x0202;
    public static final int CMD_CTX_DETACH_RESOURCE = 0x0203;
    public static final int CMD_RESOURCE_CREATE_3D = 0x0204;
    public static final int CMD_TRANSFER_TO_HOST_3D = 0x0205;
    public static final int CMD_TRANSFER_FROM_HOST_3D = 0x0206;
    public static final int CMD_SUBMIT_3D = 0x0207;
    public static final int CMD_RESOURCE_MAP_BLOB = 0x0208;
    public static final int CMD_RESOURCE_UNMAP_BLOB = 0x0209;
    public static final int CMD_UPDATE_CURSOR = 0x0300;
    public static final int CMD_MOVE_CURSOR = 0x0301;

    public static final int RESP_OK_NODATA = 0x1100;
    public static final int RESP_OK_DISPLAY_INFO = 0x1101;
    public static final int RESP_OK_CAPSET_INFO = 0x1102;
    public static final int RESP_OK_CAPSET = 0x1103;
    public static final int RESP_OK_EDID = 0x1104;
    public static final int RESP_OK_RESOURCE_UUID = 0x1105;
    public static final int RESP_OK_MAP_INFO = 0x1106;
    public static final int RESP_ERR_UNSPEC = 0x1200;
    public static final int RESP_ERR_OUT_OF_MEMORY = 0x1201;
    public static final int RESP_ERR_INVALID_SCANOUT_ID = 0x1202;
    public static final int RESP_ERR_INVALID_RESOURCE_ID = 0x1203;
    public static final int RESP_ERR_INVALID_CONTEXT_ID = 0x1204;
    public static final int RESP_ERR_INVALID_PARAMETER = 0x1205;

    // ================================================================ struct virtio_gpu_rect (16 bytes)
    public static final int RECT_X = 0;
    public static final int RECT_Y = 4;
    public static final int RECT_WIDTH = 8;
    public static final int RECT_HEIGHT = 12;
    public static final int RECT_SIZE = 16;

    // ================================================================ request structures (offsets from the start of the request, header included)
    /** struct virtio_gpu_resp_display_info: hdr, then per scanout {rect r; le32 enabled; le32 flags} (24 bytes), 16 of them. */
    public static final int DISPLAY_ONE_SIZE = 24;
    public static final int DISPLAY_ONE_ENABLED = 16;
    public static final int DISPLAY_ONE_FLAGS = 20;
    /** VIRTIO_GPU_MAX_SCANOUTS. */
    public static final int MAX_SCANOUTS = 16;
    public static final int RESP_DISPLAY_INFO_SIZE = HDR_SIZE + MAX_SCANOUTS * DISPLAY_ONE_SIZE;

    /** struct virtio_gpu_resource_create_2d: resource_id, format, width, height. */
    public static final int CREATE_2D_RESOURCE_ID = 24;
    public static final int CREATE_2D_FORMAT = 28;
    public static final int CREATE_2D_WIDTH = 32;
    public static final int CREATE_2D_HEIGHT = 36;
    public static final int CREATE_2D_SIZE = 40;

    /** struct virtio_gpu_resource_unref / resource_detach_backing / resource_assign_uuid / unmap_blob: resource_id, padding. */
    public static final int RES_RESOURCE_ID = 24;
    public static final int RES_SIZE = 32;

    /** struct virtio_gpu_set_scanout: rect r, scanout_id, resource_id. */
    public static final int SET_SCANOUT_RECT = 24;
    public static final int SET_SCANOUT_SCANOUT_ID = 40;
    public static final int SET_SCANOUT_RESOURCE_ID = 44;
    public static final int SET_SCANOUT_SIZE = 48;

    /** struct virtio_gpu_resource_flush: rect r, resource_id, padding. */
    public static final int FLUSH_RECT = 24;
    public static final int FLUSH_RESOURCE_ID = 40;
    public static final int FLUSH_SIZE = 48;

    /** struct virtio_gpu_transfer_to_host_2d: rect r, le64 offset, resource_id, padding. */
    public static final int XFER_2D_RECT = 24;
    public static final int XFER_2D_OFFSET = 40;
    public static final int XFER_2D_RESOURCE_ID = 48;
    public static final int XFER_2D_SIZE = 56;

    /** struct virtio_gpu_resource_attach_backing: resource_id, nr_entries; then nr_entries × mem_entry. */
    public static final int ATTACH_RESOURCE_ID = 24;
    public static final int ATTACH_NR_ENTRIES = 28;
    public static final int ATTACH_SIZE = 32;
    /** struct virtio_gpu_mem_entry: le64 addr, le32 length, le32 padding. */
    public static final int MEM_ENTRY_ADDR = 0;
    public static final int MEM_ENTRY_LENGTH = 8;
    public static final int MEM_ENTRY_SIZE = 16;

    /** struct virtio_gpu_get_capset_info: capset_index, padding; response capset_id, max_version, max_size, padding. */
    public static final int CAPSET_INFO_INDEX = 24;
    public static final int CAPSET_INFO_SIZE = 32;
    public static final int RESP_CAPSET_INFO_ID = 24;
    public static final int RESP_CAPSET_INFO_MAX_VERSION = 28;
    public static final int RESP_CAPSET_INFO_MAX_SIZE = 32;
    public static final int RESP_CAPSET_INFO_SIZE = 40;
    /** struct virtio_gpu_get_capset: capset_id, capset_version. */
    public static final int CAPSET_ID = 24;
    public static final int CAPSET_VERSION = 28;
    public static final int CAPSET_SIZE = 32;

    /** struct virtio_gpu_cmd_get_edid: scanout, padding; response le32 size, padding, u8 edid[1024]. */
    public static final int EDID_SCANOUT = 24;
    public static final int EDID_REQ_SIZE = 32;
    public static final int RESP_EDID_SIZE_FIELD = 24;
    public static final int RESP_EDID_DATA = 32;
    public static final int EDID_MAX = 1024;
    public static final int RESP_EDID_SIZE = RESP_EDID_DATA + EDID_MAX;

    /** struct virtio_gpu_resp_resource_uuid: u8 uuid[16]. */
    public static final int RESP_UUID = 24;
    public static final int RESP_UUID_SIZE = 40;

    /** struct virtio_gpu_resource_create_blob: resource_id, blob_mem, blob_flags, nr_entries, le64 blob_id, le64 size. */
    public static final int BLOB_RESOURCE_ID = 24;
    public static final int BLOB_MEM = 28;
    public static final int BLOB_FLAGS = 32;
    public static final int BLOB_NR_ENTRIES = 36;
    public static final int BLOB_ID = 40;
    public static final int BLOB_SIZE_FIELD = 48;
    public static final int BLOB_SIZE = 56;

    /** struct virtio_gpu_set_scanout_blob: rect r, scanout_id, resource_id, width, height, format, padding, strides[4], offsets[4]. */
    public static final int SCANOUT_BLOB_RECT = 24;
    public static final int SCANOUT_BLOB_SCANOUT_ID = 40;
    public static final int SCANOUT_BLOB_RESOURCE_ID = 44;
    public static final int SCANOUT_BLOB_WIDTH = 48;
    public static final int SCANOUT_BLOB_HEIGHT = 52;
    public static final int SCANOUT_BLOB_FORMAT = 56;
    public static final int SCANOUT_BLOB_STRIDES = 64;
    public static final int SCANOUT_BLOB_OFFSETS = 80;
    public static final int SCANOUT_BLOB_SIZE = 96;

    /** struct virtio_gpu_resource_map_blob: resource_id, padding, le64 offset; response le32 map_info, padding. */
    public static final int MAP_BLOB_RESOURCE_ID = 24;
    public static final int MAP_BLOB_OFFSET = 32;
    public static final int MAP_BLOB_SIZE = 40;
    public static final int RESP_MAP_INFO = 24;
    public static final int RESP_MAP_INFO_SIZE = 32;

    /** struct virtio_gpu_update_cursor: cursor_pos {scanout_id, x, y, padding}, resource_id, hot_x, hot_y, padding. */
    public static final int CURSOR_SCANOUT_ID = 24;
    public static final int CURSOR_X = 28;
    public static final int CURSOR_Y = 32;
    public static final int CURSOR_RESOURCE_ID = 40;
    public static final int CURSOR_HOT_X = 44;
    public static final int CURSOR_HOT_Y = 48;
    public static final int CURSOR_SIZE = 56;

    // ================================================================ constants (facts §1.7)
    public static final int FORMAT_B8G8R8A8_UNORM = 1;
    public static final int FORMAT_B8G8R8X8_UNORM = 2;
    public static final int FORMAT_A8R8G8B8_UNORM = 3;
    public static final int FORMAT_X8R8G8B8_UNORM = 4;
    public static final int FORMAT_R8G8B8A8_UNORM = 67;
    public static final int FORMAT_X8B8G8R8_UNORM = 68;
    public static final int FORMAT_A8B8G8R8_UNORM = 121;
    public static final int FORMAT_R8G8B8X8_UNORM = 134;

    public static final int BLOB_MEM_GUEST = 1;
    public static final int BLOB_MEM_HOST3D = 2;
    public static final int BLOB_MEM_HOST3D_GUEST = 3;
    public static final int BLOB_FLAG_USE_MAPPABLE = 1;
    public static final int BLOB_FLAG_USE_SHAREABLE = 2;
    public static final int BLOB_FLAG_USE_CROSS_DEVICE = 4;

    public static final int MAP_CACHE_MASK = 0x0F;
    public static final int MAP_CACHE_NONE = 0;
    public static final int MAP_CACHE_CACHED = 1;
    public static final int MAP_CACHE_UNCACHED = 2;
    public static final int MAP_CACHE_WC = 3;

    public static final int SHM_ID_UNDEFINED = 0;
    public static final int SHM_ID_HOST_VISIBLE = 1;

    /** Bytes per pixel of every 2D format above (all are 32-bit). */
    public static final int BYTES_PER_PIXEL = 4;
}
