package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * What a sequence parameter set says about the pictures that follow it (H.264 §7.3.2.1.1, H.265
 * §7.3.2.2 with the VPS's profile_tier_level, §7.3.3): profile, tier, level, chroma format, bit
 * depths, the decoded size and the cropped (conformance window) size, the frame rate from the
 * timing information when the stream carries it. A mutable holder, one per parameter set id,
 * reused as new parameter sets arrive.
 */
public final class SequenceInfo {
    /** gvsim bound on a picture's width and height in luma samples (virtio-gpu's own bound on a scanout). */
    public static final int MAX_DIM = 16384;

    Codec codec;
    boolean valid;
    int id;
    int profileIdc;
    /** H.264: constraint_set0..5_flag and the two reserved bits (the byte after profile_idc). */
    int constraintFlags;
    int levelIdc;
    /** H.265: general_tier_flag (0 Main, 1 High). */
    int tier;
    int chromaFormatIdc;
    boolean separateColourPlane;
    int bitDepthLuma;
    int bitDepthChroma;
    int codedWidth;
    int codedHeight;
    int cropLeft;
    int cropRight;
    int cropTop;
    int cropBottom;
    boolean frameMbsOnly = true;
    int maxRefFrames;
    long numUnitsInTick;
    long timeScale;
    int log2CtbSize;
    int log2MaxPocLsb;
    int picSizeInCtbs;

    SequenceInfo(Codec c) {
        codec = c;
    }

    public Codec codec() {
        return codec;
    }

    /** True once a parameter set with this id has been parsed. */
    public boolean valid() {
        return valid;
    }

    public int id() {
        return id;
    }

    /** profile_idc (H.264) or general_profile_idc (H.265). */
    public int profileIdc() {
        return profileIdc;
    }

    public int constraintFlags() {
        return constraintFlags;
    }

    /** level_idc (H.264: 10 × level, e.g. 41) or general_level_idc (H.265: 30 × level, e.g. 123). */
    public int levelIdc() {
        return levelIdc;
    }

    public int tier() {
        return tier;
    }

    /** chroma_format_idc: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
    public int chromaFormatIdc() {
        return chromaFormatIdc;
    }

    public boolean separateColourPlane() {
        return separateColourPlane;
    }

    public int bitDepthLuma() {
        return bitDepthLuma;
    }

    public int bitDepthChroma() {
        return bitDepthChroma;
    }

    /** The decoded picture's width in luma samples (macroblocks × 16, or pic_width_in_luma_samples). */
    public int codedWidth() {
        return codedWidth;
    }

    public int codedHeight() {
        return codedHeight;
    }

    /** The output width after the frame cropping / conformance window. */
    public int width() {
        return codedWidth - cropLeft - cropRight;
    }

    public int height() {
        return codedHeight - cropTop - cropBottom;
    }

    public boolean frameMbsOnly() {
        return frameMbsOnly;
    }

    /** max_num_ref_frames (H.264) or sps_max_dec_pic_buffering_minus1 + 1 of the highest sub-layer (H.265). */
    public int maxRefFrames() {
        return maxRefFrames;
    }

    /** The frame rate numerator and denominator from the timing information; 0 / 0 when the stream has none. */
    public long fpsNumerator() {
        return timeScale;
    }

    public long fpsDenominator() {
        // H.264 E.2.1: a frame lasts 2 ticks (field-based clock); H.265 E.3.1: 1 tick
        return codec == Codec.H264 ? 2 * numUnitsInTick : numUnitsInTick;
    }

    public double fps() {
        return numUnitsInTick == 0 ? 0 : (double) fpsNumerator() / fpsDenominator();
    }

    /** Bytes of one decoded 8-bit-per-sample frame with this chroma format (luma + both chroma planes). */
    public long frameBytes() {
        long luma = (long) codedWidth * codedHeight;
        int bytes = bitDepthLuma > 8 ? 2 : 1;
        long chroma = switch (chromaFormatIdc) {
            case 0 -> 0;
            case 1 -> luma / 2;
            case 2 -> luma;
            default -> 2 * luma;
        };
        return (luma + chroma) * bytes;
    }

    /** The profile's name (H.264 Annex A.2, H.265 Annex A.3). */
    public String profileName() {
        if (codec == Codec.H264) {
            return switch (profileIdc) {
                case 66 -> (constraintFlags & 0x40) != 0 ? "Constrained Baseline" : "Baseline";
                case 77 -> "Main";
                case 88 -> "Extended";
                case 100 -> "High";
                case 110 -> "High 10";
                case 122 -> "High 4:2:2";
                case 244 -> "High 4:4:4 Predictive";
                case 44 -> "CAVLC 4:4:4 Intra";
                default -> "profile_idc " + profileIdc;
            };
        }
        return switch (profileIdc) {
            case 1 -> "Main";
            case 2 -> "Main 10";
            case 3 -> "Main Still Picture";
            case 4 -> "Format Range Extensions";
            default -> "general_profile_idc " + profileIdc;
        };
    }

    /** The level as written (H.264: level_idc / 10; H.265: general_level_idc / 30). */
    public String levelName() {
        int div = codec == Codec.H264 ? 10 : 30;
        int l = levelIdc;
        if (codec == Codec.H264 && l == 9) {
            return "1b";
        }
        return (l / div) + (l % div == 0 ? "" : "." + (l % div) * 10 / div);
    }

    void copyFrom(SequenceInfo o) {
        codec = o.codec;
        valid = o.valid;
        id = o.id;
        profileIdc = o.profileIdc;
        constraintFlags = o.constraintFlags;
        levelIdc = o.levelIdc;
        tier = o.tier;
        chromaFormatIdc = o.chromaFormatIdc;
        separateColourPlane = o.separateColourPlane;
        bitDepthLuma = o.bitDepthLuma;
        bitDepthChroma = o.bitDepthChroma;
        codedWidth = o.codedWidth;
        codedHeight = o.codedHeight;
        cropLeft = o.cropLeft;
        cropRight = o.cropRight;
        cropTop = o.cropTop;
        cropBottom = o.cropBottom;
        frameMbsOnly = o.frameMbsOnly;
        maxRefFrames = o.maxRefFrames;
        numUnitsInTick = o.numUnitsInTick;
        timeScale = o.timeScale;
        log2CtbSize = o.log2CtbSize;
        log2MaxPocLsb = o.log2MaxPocLsb;
        picSizeInCtbs = o.picSizeInCtbs;
    }

    @Override
    public String toString() {
        return codec.label() + " " + profileName() + "@L" + levelName() + " " + width() + "x" + height() + " chroma_format_idc " + chromaFormatIdc
                + " " + bitDepthLuma + "-bit" + (numUnitsInTick != 0 ? String.format(" %.3f fps", fps()) : "");
    }
}
