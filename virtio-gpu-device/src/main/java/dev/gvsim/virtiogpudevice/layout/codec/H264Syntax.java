package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * ITU-T H.264 (08/2021) syntax read by {@link NalParser}: the NAL unit types (Table 7-1), the
 * sequence parameter set (§7.3.2.1.1) with its VUI timing (Annex E.1.1), the picture parameter set's
 * ids (§7.3.2.2) and the first fields of a slice header (§7.3.3).
 */
final class H264Syntax {
    private H264Syntax() {
    }

    // Table 7-1 nal_unit_type
    static final int NAL_SLICE = 1;
    static final int NAL_DPA = 2;
    static final int NAL_IDR = 5;
    static final int NAL_SEI = 6;
    static final int NAL_SPS = 7;
    static final int NAL_PPS = 8;
    static final int NAL_AUD = 9;
    static final int NAL_EOSEQ = 10;
    static final int NAL_SPS_EXT = 13;
    static final int NAL_PREFIX = 14;
    static final int NAL_SUBSET_SPS = 15;

    /** §7.4.2.1.1: seq_parameter_set_id 0..31; pic_parameter_set_id 0..255. */
    static final int MAX_SPS = 32;
    static final int MAX_PPS = 256;

    /** §7.3.2.1.1: the profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices. */
    static boolean highProfile(int p) {
        return switch (p) {
            case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> true;
            default -> false;
        };
    }

    /** seq_parameter_set_data(); returns the SPS id, the holder filled. */
    static void sps(RbspReader r, SequenceInfo s) {
        s.valid = false;
        s.profileIdc = (int) r.u(8, "profile_idc");
        s.constraintFlags = (int) r.u(8, "constraint_set_flags");
        s.levelIdc = (int) r.u(8, "level_idc");
        s.id = r.ue("seq_parameter_set_id", MAX_SPS - 1);
        s.chromaFormatIdc = 1;
        s.separateColourPlane = false;
        s.bitDepthLuma = 8;
        s.bitDepthChroma = 8;
        if (highProfile(s.profileIdc)) {
            s.chromaFormatIdc = r.ue("chroma_format_idc", 3);
            if (s.chromaFormatIdc == 3) {
                s.separateColourPlane = r.flag("separate_colour_plane_flag");
            }
            s.bitDepthLuma = 8 + r.ue("bit_depth_luma_minus8", 6);
            s.bitDepthChroma = 8 + r.ue("bit_depth_chroma_minus8", 6);
            r.flag("qpprime_y_zero_transform_bypass_flag");
            if (r.flag("seq_scaling_matrix_present_flag")) {
                int lists = s.chromaFormatIdc != 3 ? 8 : 12;
                for (int i = 0; i < lists; i++) {
                    if (r.flag("seq_scaling_list_present_flag")) {
                        scalingList(r, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        r.ue("log2_max_frame_num_minus4", 12);
        int pocType = r.ue("pic_order_cnt_type", 2);
        if (pocType == 0) {
            r.ue("log2_max_pic_order_cnt_lsb_minus4", 12);
        } else if (pocType == 1) {
            r.flag("delta_pic_order_always_zero_flag");
            r.se("offset_for_non_ref_pic", -(1 << 30) - 1, (1 << 30) - 1);
            r.se("offset_for_top_to_bottom_field", -(1 << 30) - 1, (1 << 30) - 1);
            int n = r.ue("num_ref_frames_in_pic_order_cnt_cycle", 255);
            for (int i = 0; i < n; i++) {
                r.se("offset_for_ref_frame", -(1 << 30) - 1, (1 << 30) - 1);
            }
        }
        s.maxRefFrames = r.ue("max_num_ref_frames", 16);
        r.flag("gaps_in_frame_num_value_allowed_flag");
        int wMbs = r.ue("pic_width_in_mbs_minus1", SequenceInfo.MAX_DIM / 16 - 1) + 1;
        int hUnits = r.ue("pic_height_in_map_units_minus1", SequenceInfo.MAX_DIM / 16 - 1) + 1;
        s.frameMbsOnly = r.flag("frame_mbs_only_flag");
        if (!s.frameMbsOnly) {
            r.flag("mb_adaptive_frame_field_flag");
        }
        r.flag("direct_8x8_inference_flag");
        s.codedWidth = wMbs * 16;
        s.codedHeight = (s.frameMbsOnly ? 1 : 2) * hUnits * 16;
        if (s.codedHeight > SequenceInfo.MAX_DIM) {
            throw r.error("pic_height_in_map_units_minus1 = " + (hUnits - 1) + ": a frame " + s.codedHeight + " samples high (more than "
                    + SequenceInfo.MAX_DIM + ", gvsim bound)");
        }
        s.cropLeft = s.cropRight = s.cropTop = s.cropBottom = 0;
        if (r.flag("frame_cropping_flag")) {
            // (7-19)..(7-22): CropUnitX/Y from ChromaArrayType
            int arrayType = s.separateColourPlane ? 0 : s.chromaFormatIdc;
            int unitX = arrayType == 0 ? 1 : (arrayType == 3 ? 1 : 2);
            int unitY = (arrayType == 0 ? 1 : (arrayType == 1 ? 2 : 1)) * (s.frameMbsOnly ? 1 : 2);
            s.cropLeft = crop(r, "frame_crop_left_offset", unitX);
            s.cropRight = crop(r, "frame_crop_right_offset", unitX);
            s.cropTop = crop(r, "frame_crop_top_offset", unitY);
            s.cropBottom = crop(r, "frame_crop_bottom_offset", unitY);
            if (s.cropLeft + s.cropRight >= s.codedWidth || s.cropTop + s.cropBottom >= s.codedHeight) {
                throw r.error("frame cropping " + s.cropLeft + "+" + s.cropRight + " x " + s.cropTop + "+" + s.cropBottom
                        + " leaves nothing of the " + s.codedWidth + "x" + s.codedHeight + " frame (§7.4.2.1.1)");
            }
        }
        s.numUnitsInTick = 0;
        s.timeScale = 0;
        if (r.flag("vui_parameters_present_flag")) {
            vuiTiming(r, s);
        }
        s.valid = true;
    }

    private static int crop(RbspReader r, String field, int unit) {
        return r.ue(field, SequenceInfo.MAX_DIM / unit) * unit;
    }

    /** scaling_list() (§7.3.2.1.1.1): the delta_scale values, read and dropped. */
    private static void scalingList(RbspReader r, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                int delta = r.se("delta_scale", -128, 127);
                next = (last + delta + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    /** vui_parameters() (E.1.1) up to timing_info. */
    private static void vuiTiming(RbspReader r, SequenceInfo s) {
        if (r.flag("aspect_ratio_info_present_flag")) {
            if (r.u(8, "aspect_ratio_idc") == 255) { // Extended_SAR
                r.u(16, "sar_width");
                r.u(16, "sar_height");
            }
        }
        if (r.flag("overscan_info_present_flag")) {
            r.flag("overscan_appropriate_flag");
        }
        if (r.flag("video_signal_type_present_flag")) {
            r.u(3, "video_format");
            r.flag("video_full_range_flag");
            if (r.flag("colour_description_present_flag")) {
                r.u(24, "colour_primaries/transfer_characteristics/matrix_coefficients");
            }
        }
        if (r.flag("chroma_loc_info_present_flag")) {
            r.ue("chroma_sample_loc_type_top_field", 5);
            r.ue("chroma_sample_loc_type_bottom_field", 5);
        }
        if (r.flag("timing_info_present_flag")) {
            long units = r.u(32, "num_units_in_tick");
            long scale = r.u(32, "time_scale");
            if (units == 0 || scale == 0) {
                throw r.error("num_units_in_tick = " + units + ", time_scale = " + scale + ": both must be greater than 0 (E.2.1)");
            }
            s.numUnitsInTick = units;
            s.timeScale = scale;
        }
    }
}
