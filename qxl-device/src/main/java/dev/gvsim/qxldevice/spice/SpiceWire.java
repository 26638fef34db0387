package dev.gvsim.qxldevice.spice;

/**
 * Sizes on the wire of the SPICE display-channel messages the update algorithms send, as the
 * marshaller lays them out from spice-common {@code spice.proto} (every field packed, a pointer
 * field such as {@code Image *src_bitmap} marshalled as a 32-bit offset). Each message carries
 * the {@code SpiceMiniDataHeader} (spice-protocol {@code spice/protocol.h}: uint16 type, uint32
 * size) once the client and server agreed on SPICE_COMMON_CAP_MINI_HEADER, as every current
 * client does.
 */
public final class SpiceWire {
    private SpiceWire() {
    }

    /** spice/protocol.h SpiceMiniDataHeader: uint16 type + uint32 size. */
    public static final int MINI_HEADER = 2 + 4;
    /** spice.proto Rect: int32 top, left, bottom, right. */
    public static final int RECT = 16;
    /** spice.proto DisplayBase: uint32 surface_id, Rect box, Clip (clip_type uint8; NONE has no body). */
    public static final int DISPLAY_BASE = 4 + RECT + 1;
    /** spice.proto QMask: mask_flags uint8, Point pos (2 x int32), Image *bitmap (offset, 0 = none). */
    public static final int QMASK = 1 + 8 + 4;
    /** spice.proto draw_fill (SPICE_MSG_DISPLAY_DRAW_FILL = 302): base, Brush (uint8 type + uint32 color), ropd uint16, QMask. */
    public static final int DRAW_FILL = DISPLAY_BASE + 1 + 4 + 2 + QMASK;
    /** spice.proto draw_copy: base, Image *src_bitmap, Rect src_area, ropd uint16, image_scale_mode uint8, QMask. */
    public static final int DRAW_COPY = DISPLAY_BASE + 4 + RECT + 2 + 1 + QMASK;
    /** spice.proto Image.ImageDescriptor: uint64 id, image_type uint8, image_flags uint8, uint32 width, uint32 height. */
    public static final int IMAGE_DESCRIPTOR = 8 + 1 + 1 + 4 + 4;
    /** spice.proto BinaryData (the LZ_RGB, GLZ_RGB, QUIC and JPEG image bodies): uint32 data_size, then the data. */
    public static final int BINARY_DATA = 4;
    /**
     * spice.proto BitmapData with no palette, the body of an uncompressed SPICE_IMAGE_TYPE_BITMAP:
     * bitmap_fmt uint8, bitmap_flags uint8, uint32 x, y, stride, Palette *palette (offset); then the pixels.
     */
    public static final int BITMAP_DATA = 1 + 1 + 4 + 4 + 4 + 4;
    /**
     * spice.proto stream_create (SPICE_MSG_DISPLAY_STREAM_CREATE = 122): uint32 surface_id, id;
     * stream_flags uint8; video_codec_type uint8; uint64 stamp; uint32 stream_width, stream_height,
     * src_width, src_height; Rect dest; Clip (NONE).
     */
    public static final int STREAM_CREATE = 4 + 4 + 1 + 1 + 8 + 4 * 4 + RECT + 1;
    /** spice.proto stream_data: StreamDataHeader (uint32 id, multi_media_time), uint32 data_size, then the frame. */
    public static final int STREAM_DATA = 4 + 4 + 4;
    /** spice.proto stream_destroy: uint32 id. */
    public static final int STREAM_DESTROY = 4;

    /** SpiceImageType (spice.proto image_type; docs/facts/qxl.md §4.6). */
    public static final int IMAGE_BITMAP = 0;
    public static final int IMAGE_LZ_RGB = 101;
    public static final int IMAGE_FROM_CACHE = 103;
    public static final int IMAGE_JPEG = 105;

    /**
     * spice-server image-encoders.c / dcc-send.c (get_compression_for_bitmap): images whose
     * {@code y * stride} is under 54 bytes are sent as a raw bitmap (docs/facts/qxl.md §7.3).
     */
    public static final int MIN_COMPRESS_BYTES = 54;

    /** Bytes of a draw_copy message carrying an image body of {@code body} bytes (header + message + descriptor + body). */
    public static int drawCopyBytes(int body) {
        return MINI_HEADER + DRAW_COPY + IMAGE_DESCRIPTOR + body;
    }

    /** Bytes of a draw_copy message whose image is a cache reference (FROM_CACHE has no body). */
    public static int drawCopyFromCacheBytes() {
        return MINI_HEADER + DRAW_COPY + IMAGE_DESCRIPTOR;
    }

    /** Bytes of a draw_fill message with a solid brush. */
    public static int drawFillBytes() {
        return MINI_HEADER + DRAW_FILL;
    }
}
