package dev.gvsim.virtiogpudevice;

/**
 * The EDID blob QEMU 7.2 answers to VIRTIO_GPU_CMD_GET_EDID: hw/display/edid-generate.c
 * {@code qemu_edid_generate} as virtio_gpu_generate_edid (hw/display/virtio-gpu.c) calls it, into the
 * 1024-byte {@code edid[]} of struct virtio_gpu_resp_edid.
 *
 * <p>What it writes (QEMU 7.2): a 128-byte EDID 1.4 base block (vendor "RHT" 0x4914, product 0x1234,
 * serial 0, week 42 of 2014, digital 8 bpc DisplayPort input, screen size from 100 dpi unless a size in
 * mm is given, gamma 2.2, sRGB chromaticity, established/standard timings up to the preferred mode and
 * {@code xmax}/{@code ymax}, a detailed timing descriptor for the preferred mode at {@code refresh_rate}
 * (default 75 Hz) with made-up porches, an "additional standard timings 3" descriptor, the range limits
 * descriptor and the name "QEMU Monitor"); when the buffer holds 256 bytes or more a CTA-861 extension
 * with the video data block (VICs of the modes that fit) and dummy descriptors; when it holds 384 bytes
 * or more and the preferred mode does not fit a DTD (a side of 4096 or more, or a pixel clock of 655.36
 * MHz or more) a DisplayID 1.3 extension carrying the detailed timing instead. Blocks 0 and 1 (and 2)
 * carry their checksums.
 *
 * <p>Inputs as virtio-gpu passes them (virtio_gpu_generate_edid): {@code prefx}/{@code prefy} =
 * req_state[scanout].width/height (the {@code xres}/{@code yres} properties for scanout 0, 0 for the
 * others until a UI sets a size, which the generator turns into 1280x800), {@code width_mm} /
 * {@code height_mm} / {@code refresh_rate} = what the UI reported (0 without a display: 100 dpi, 75 Hz),
 * {@code maxx}/{@code maxy} 0 (virtio-gpu has no xmax/ymax properties), no serial, default vendor and name.
 * The response's {@code size} field is 1024 (sizeof edid) whatever the blob's length; the guest uses
 * the extension count.
 *
 * <p>Verified byte for byte against QEMU 7.2's own generator (Debian's qemu 1:7.2+dfsg-7+deb12u18 source,
 * qemu-edid.c and hw/display/edid-generate.c compiled unchanged; test resources {@code qemu-edid/},
 * their README gives the command), and against what a Linux 6.1 guest read from sysfs after GET_EDID to
 * the real QEMU 7.2.22 binary (1280x800, 800x600, 3840x2160 with its DisplayID block). Arithmetic follows the C types: uint32 for the sizes and porches,
 * uint64 for the pixel clock, uint16 for the mm sizes.
 */
final class QemuEdid {
    /** The buffer virtio-gpu hands the generator (struct virtio_gpu_resp_edid: u8 edid[1024]). */
    static final int VIRTIO_GPU_EDID_BYTES = 1024;
    /** Defaults of qemu_edid_generate. */
    static final int DEFAULT_XRES = 1280;
    static final int DEFAULT_YRES = 800;
    static final int DEFAULT_REFRESH_MHZ = 75000;
    static final int DEFAULT_DPI = 100;

    private static final byte[] NAME = {'Q', 'E', 'M', 'U', ' ', 'M', 'o', 'n', 'i', 't', 'o', 'r'};
    private static final int VENDOR_ID = (('R' - '@') << 10) | (('H' - '@') << 5) | ('T' - '@'); // "RHT"

    /*
     * edid-generate.c modes[]: xres, yres, byte (established timings), xtra3 (standard timings 3 byte),
     * bit, dta (CTA VIC). Order matters: the first eight standard-timing candidates take the slots.
     */
    private static final int[][] MODES = {
        // dea/dta extension timings (all @ 50 Hz)
        {5120, 2160, 0, 0, 0, 125},
        {4096, 2160, 0, 0, 0, 101},
        {3840, 2160, 0, 0, 0, 96},
        {2560, 1080, 0, 0, 0, 89},
        {2048, 1152, 0, 0, 0, 0},
        {1920, 1080, 0, 0, 0, 31},
        // dea/dta extension timings (all @ 60 Hz)
        {3840, 2160, 0, 0, 0, 97},
        // additional standard timings 3 (all @ 60Hz)
        {1920, 1200, 0, 10, 0, 0},
        {1600, 1200, 0, 9, 2, 0},
        {1680, 1050, 0, 9, 5, 0},
        {1440, 900, 0, 8, 5, 0},
        {1280, 1024, 0, 7, 1, 0},
        {1280, 960, 0, 7, 3, 0},
        {1280, 768, 0, 7, 6, 0},
        {1920, 1440, 0, 11, 5, 0},
        {1856, 1392, 0, 10, 3, 0},
        {1792, 1344, 0, 10, 5, 0},
        {1440, 1050, 0, 8, 1, 0},
        {1360, 768, 0, 8, 7, 0},
        // established timings (all @ 60Hz)
        {1024, 768, 36, 0, 3, 0},
        {800, 600, 35, 0, 0, 0},
        {640, 480, 35, 0, 5, 0},
    };

    private static final long U32 = 0xffff_ffffL;

    private QemuEdid() {
    }

    /**
     * virtio-gpu's call for one scanout without a UI: the blob for a {@code xres} x {@code yres}
     * preferred mode (0 = QEMU's default 1280x800) in {@code dst[0..1024)}.
     *
     * @return the blob's length (qemu_edid_size: 128 x (1 + extensions), 256 or 384)
     */
    static int generate(byte[] dst, int xres, int yres) {
        return generate(dst, 0, VIRTIO_GPU_EDID_BYTES, xres, yres, 0, 0, 0, 0, 0);
    }

    /**
     * qemu_edid_generate into {@code dst[off..off+size)}, which is zeroed first (every caller in QEMU
     * memsets the buffer). Sizes are unsigned 32-bit values (0 = default), {@code widthMm}/{@code heightMm}
     * unsigned 16-bit (both non-zero to be used), {@code refreshMilliHz} 0 = 75 Hz, {@code maxx}/{@code maxy}
     * 0 = no limit.
     *
     * @return the blob's length (qemu_edid_size)
     * @throws IllegalArgumentException if {@code size} is below one 128-byte block or the range is outside {@code dst}
     */
    static int generate(byte[] dst, int off, int size, int xres, int yres, int widthMm, int heightMm, int refreshMilliHz,
            int maxx, int maxy) {
        if (size < 128 || off < 0 || off > dst.length - size) {
            throw new IllegalArgumentException("EDID buffer of " + size + " bytes at " + off + " in " + dst.length);
        }
        java.util.Arrays.fill(dst, off, off + size, (byte) 0);
        long refresh = refreshMilliHz != 0 ? refreshMilliHz & U32 : DEFAULT_REFRESH_MHZ;
        long prefx = xres != 0 ? xres & U32 : DEFAULT_XRES;
        long prefy = yres != 0 ? yres & U32 : DEFAULT_YRES;
        long wmm;
        long hmm;
        if ((widthMm & 0xffff) != 0 && (heightMm & 0xffff) != 0) {
            wmm = widthMm & 0xffff;
            hmm = heightMm & 0xffff;
        } else {
            wmm = dpiToMm(DEFAULT_DPI, prefx);
            hmm = dpiToMm(DEFAULT_DPI, prefy);
        }

        // generate_timings
        long xfront = (prefx * 25 & U32) / 100;
        long xsync = (prefx * 3 & U32) / 100;
        long xblank = (prefx * 35 & U32) / 100;
        long yfront = (prefy * 5 & U32) / 1000;
        long ysync = (prefy * 5 & U32) / 1000;
        long yblank = (prefy * 35 & U32) / 1000;
        long clock = Long.divideUnsigned(refresh * (prefx + xblank & U32) * (prefy + yblank & U32), 10_000_000L);
        boolean large = prefx >= 4096 || prefy >= 4096 || Long.compareUnsigned(clock, 65536) >= 0;

        final int e = off;
        int dta = -1;
        int did = -1;
        if (size >= 256) {
            dta = off + 128;
            dst[e + 126]++;
            dst[dta] = 0x02;
            dst[dta + 1] = 0x03;
            dst[dta + 2] = 0x05;
            dst[dta + 3] = 0x00;
            dst[dta + 4] = 0x40; // video data block
        }
        if (size >= 384 && large) {
            did = off + 256;
            dst[e + 126]++;
            dst[did] = 0x70;
            dst[did + 1] = 0x13;
            dst[did + 2] = 4;
            dst[did + 3] = 0x03;
            checksum(dst, did + 1, 4 + 4);
        }

        // header
        dst[e] = 0;
        for (int i = 1; i < 7; i++) {
            dst[e + i] = (byte) 0xff;
        }
        dst[e + 7] = 0;
        dst[e + 8] = (byte) (VENDOR_ID >> 8);
        dst[e + 9] = (byte) VENDOR_ID;
        dst[e + 10] = 0x34; // model 0x1234, little endian
        dst[e + 11] = 0x12;
        // 12..15: serial number 0 (no serial property)
        dst[e + 16] = 42;
        dst[e + 17] = 2014 - 1990;
        dst[e + 18] = 1;
        dst[e + 19] = 4;
        dst[e + 20] = (byte) 0xa5;
        dst[e + 21] = (byte) (wmm / 10);
        dst[e + 22] = (byte) (hmm / 10);
        dst[e + 23] = (byte) (220 - 100);
        dst[e + 24] = 0x06;
        colorspace(dst, e);

        int desc = e + 54;
        if (!large) {
            timingDescriptor(dst, desc, clock, prefx, prefy, xfront, xsync, xblank, yfront, ysync, yblank, wmm, hmm);
            desc = next(dst, e, dta, desc);
        }
        int xtra3 = desc;
        descType(dst, xtra3, 0xf7);
        dst[xtra3 + 5] = 10;
        desc = next(dst, e, dta, desc);
        fillModes(dst, e, xtra3, dta, maxx & U32, maxy & U32);

        descType(dst, desc, 0xfd); // range limits
        dst[desc + 5] = 50;
        dst[desc + 6] = 125;
        dst[desc + 7] = 30;
        dst[desc + 8] = (byte) 160;
        dst[desc + 9] = (byte) (2550 / 10);
        dst[desc + 10] = 0x01;
        dst[desc + 11] = '\n';
        java.util.Arrays.fill(dst, desc + 12, desc + 18, (byte) ' ');
        desc = next(dst, e, dta, desc);

        if (desc >= 0) { // monitor name
            descType(dst, desc, 0xfc);
            java.util.Arrays.fill(dst, desc + 5, desc + 18, (byte) ' ');
            System.arraycopy(NAME, 0, dst, desc + 5, NAME.length);
            dst[desc + 5 + NAME.length] = '\n';
            desc = next(dst, e, dta, desc);
        }
        while (desc >= 0) {
            descType(dst, desc, 0x10); // dummy
            desc = next(dst, e, dta, desc);
        }

        if (did >= 0) { // qemu_displayid_generate
            dst[did] = 0x70;
            dst[did + 1] = 0x13;
            dst[did + 2] = 23;
            dst[did + 3] = 0x03;
            dst[did + 5] = 0x03; // detailed timings data block
            dst[did + 6] = 0x00;
            dst[did + 7] = 0x14;
            dst[did + 8] = (byte) clock;
            dst[did + 9] = (byte) (clock >> 8);
            dst[did + 10] = (byte) (clock >> 16);
            dst[did + 11] = (byte) 0x88;
            le16(dst, did + 12, prefx - 1);
            le16(dst, did + 14, xblank - 1);
            le16(dst, did + 16, xfront - 1);
            le16(dst, did + 18, xsync - 1);
            le16(dst, did + 20, prefy - 1);
            le16(dst, did + 22, yblank - 1);
            le16(dst, did + 24, yfront - 1);
            le16(dst, did + 26, ysync - 1);
            checksum(dst, did + 1, 23 + 4);
        }

        checksum(dst, e, 127);
        if (dta >= 0) {
            checksum(dst, dta, 127);
        }
        if (did >= 0) {
            checksum(dst, did, 127);
        }
        return size(dst, off);
    }

    /** qemu_edid_size: 128 x (extensions + 1), or 0 if the block does not start like an EDID. */
    static int size(byte[] edid, int off) {
        if (edid[off] != 0x00 || edid[off + 1] != (byte) 0xff) {
            return 0;
        }
        return 128 * ((edid[off + 126] & 0xff) + 1);
    }

    /** qemu_edid_dpi_to_mm, in uint32 arithmetic. */
    static long dpiToMm(long dpi, long res) {
        return (res * 254 & U32) / 10 / dpi;
    }

    private static void fillModes(byte[] d, int e, int xtra3, int dta, long maxx, long maxy) {
        int std = 38;
        for (int[] m : MODES) {
            if (maxx != 0 && m[0] > maxx || maxy != 0 && m[1] > maxy) {
                continue;
            }
            if (m[2] != 0) {
                d[e + m[2]] |= (byte) (1 << m[4]);
            } else if (std < 54) {
                if (stdMode(d, e + std, m[0], m[1])) {
                    std += 2;
                }
            } else if (m[3] != 0 && xtra3 >= 0) {
                d[xtra3 + m[3]] |= (byte) (1 << m[4]);
            }
            if (dta >= 0 && m[5] != 0) { // edid_ext_dta_mode
                d[dta + (d[dta + 2] & 0xff)] = (byte) m[5];
                d[dta + 2]++;
                d[dta + 4]++;
            }
        }
        while (std < 54) {
            d[e + std] = 0x01;
            d[e + std + 1] = 0x01;
            std += 2;
        }
    }

    /** edid_std_mode for a table mode (never 0x0): false when its aspect ratio has no code or it is too wide. */
    private static boolean stdMode(byte[] d, int at, int xres, int yres) {
        int aspect;
        if (xres * 10 == yres * 16) {
            aspect = 0;
        } else if (xres * 3 == yres * 4) {
            aspect = 1;
        } else if (xres * 4 == yres * 5) {
            aspect = 2;
        } else if (xres * 9 == yres * 16) {
            aspect = 3;
        } else {
            return false;
        }
        if (xres / 8 - 31 > 255) {
            return false;
        }
        d[at] = (byte) (xres / 8 - 31);
        d[at + 1] = (byte) (aspect << 6); // | (60 - 60)
        return true;
    }

    /** edid_desc_next: the next 18-byte descriptor slot, in the base block then in the CTA block, or -1. */
    private static int next(byte[] d, int e, int dta, int desc) {
        if (desc < 0) {
            return -1;
        }
        if (desc + 18 + 18 < e + 127) {
            return desc + 18;
        }
        if (dta >= 0) {
            if (desc < e + 127) {
                return dta + (d[dta + 2] & 0xff);
            }
            if (desc + 18 + 18 < dta + 127) {
                return desc + 18;
            }
        }
        return -1;
    }

    private static void descType(byte[] d, int at, int type) {
        d[at] = 0;
        d[at + 1] = 0;
        d[at + 2] = 0;
        d[at + 3] = (byte) type;
        d[at + 4] = 0;
    }

    private static void timingDescriptor(byte[] d, int at, long clock, long xres, long yres, long xfront, long xsync,
            long xblank, long yfront, long ysync, long yblank, long xmm, long ymm) {
        le16(d, at, clock);
        d[at + 2] = (byte) xres;
        d[at + 3] = (byte) xblank;
        d[at + 4] = (byte) ((xres & 0xf00) >> 4 | (xblank & 0xf00) >> 8);
        d[at + 5] = (byte) yres;
        d[at + 6] = (byte) yblank;
        d[at + 7] = (byte) ((yres & 0xf00) >> 4 | (yblank & 0xf00) >> 8);
        d[at + 8] = (byte) xfront;
        d[at + 9] = (byte) xsync;
        d[at + 10] = (byte) ((yfront & 0x00f) << 4 | ysync & 0x00f);
        d[at + 11] = (byte) ((xfront & 0x300) >> 2 | (xsync & 0x300) >> 4 | (yfront & 0x030) >> 2 | (ysync & 0x030) >> 4);
        d[at + 12] = (byte) xmm;
        d[at + 13] = (byte) ymm;
        d[at + 14] = (byte) ((xmm & 0xf00) >> 4 | (ymm & 0xf00) >> 8);
        d[at + 17] = 0x18;
    }

    /** edid_colorspace with the sRGB primaries and D65 white, in QEMU's float arithmetic. */
    private static void colorspace(byte[] d, int e) {
        int rx = tenBit(0.6400f);
        int ry = tenBit(0.3300f);
        int gx = tenBit(0.3000f);
        int gy = tenBit(0.6000f);
        int bx = tenBit(0.1500f);
        int by = tenBit(0.0600f);
        int wx = tenBit(0.3127f);
        int wy = tenBit(0.3290f);
        d[e + 25] = (byte) ((rx & 3) << 6 | (ry & 3) << 4 | (gx & 3) << 2 | gy & 3);
        d[e + 26] = (byte) ((bx & 3) << 6 | (by & 3) << 4 | (wx & 3) << 2 | wy & 3);
        d[e + 27] = (byte) (rx >> 2);
        d[e + 28] = (byte) (ry >> 2);
        d[e + 29] = (byte) (gx >> 2);
        d[e + 30] = (byte) (gy >> 2);
        d[e + 31] = (byte) (bx >> 2);
        d[e + 32] = (byte) (by >> 2);
        d[e + 33] = (byte) (wx >> 2);
        d[e + 34] = (byte) (wy >> 2);
    }

    /** edid_to_10bit: (uint32_t)(value * 1024 + 0.5) with a float value. */
    private static int tenBit(float v) {
        return (int) (v * 1024 + 0.5);
    }

    private static void le16(byte[] d, int at, long v) {
        d[at] = (byte) v;
        d[at + 1] = (byte) (v >> 8);
    }

    /** edid_checksum(buf, len): buf[len] = 0x100 - (sum of buf[0..len) mod 256), left alone when that sum is 0. */
    private static void checksum(byte[] d, int at, int len) {
        int sum = 0;
        for (int i = 0; i < len; i++) {
            sum += d[at + i] & 0xff;
        }
        sum &= 0xff;
        if (sum != 0) {
            d[at + len] = (byte) (0x100 - sum);
        }
    }
}
