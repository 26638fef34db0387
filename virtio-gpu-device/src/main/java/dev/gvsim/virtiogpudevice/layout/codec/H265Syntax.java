package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * ITU-T H.265 (V8, 08/2021) syntax read by {@link NalParser}: NAL unit types (Table 7-1), the
 * video parameter set up to its timing information (§7.3.2.1), profile_tier_level (§7.3.3), the
 * sequence parameter set up to the coding block sizes (§7.3.2.2.1), the picture parameter set's
 * first fields (§7.3.2.3.1) and a slice segment header up to slice_type (§7.3.6.1).
 */
final class H265Syntax {
    private H265Syntax() {
    }

    // Table 7-1 nal_unit_type
    static final int NAL_BLA_W_LP = 16;
    static final int NAL_IDR_W_RADL = 19;
    static final int NAL_IDR_N_LP = 20;
    static final int NAL_CRA = 21;
    static final int NAL_RSV_IRAP_23 = 23;
    static final int NAL_VPS = 32;
    static final int NAL_SPS = 33;
    static final int NAL_PPS = 34;
    static final int NAL_AUD = 35;
    static final int NAL_EOS = 36;
    static final int NAL_PREFIX_SEI = 39;
    static final int NAL_SUFFIX_SEI = 40;

    /** §7.4.3: vps_video_parameter_set_id 0..15, sps_seq_parameter_set_id 0..15, pps_pic_parameter_set_id 0..63. */
    static final int MAX_VPS = 16;
    static final int MAX_SPS = 16;
    static final int MAX_PPS = 64;
    /** sps_max_sub_layers_minus1 / vps_max_sub_layers_minus1: 0..6. */
    static final int MAX_SUB_LAYERS_MINUS1 = 6;

    /** profile_tier_level(1, maxNumSubLayersMinus1): the general profile, tier and level into {@code s}. */
    static void profileTierLevel(RbspReader r, SequenceInfo s, int maxSubLayersMinus1) {
        r.u(2, "general_profile_space");
        s.tier = r.flag("general_tier_flag") ? 1 : 0;
        s.profileIdc = (int) r.u(5, "general_profile_idc");
        long compat = r.u(32, "general_profile_compatibility_flag");
        if (s.profileIdc == 0) {
            // a stream may signal its profile only through the compatibility flags (A.3: general_profile_compatibility_flag[j])
            for (int j = 1; j < 32 && s.profileIdc == 0; j++) {
                if ((compat & (1L << (31 - j))) != 0) {
                    s.profileIdc = j;
                }
            }
        }
        // progressive, interlaced, non_packed, frame_only (4 bits) + 43 bits + general_inbld_flag / reserved (1 bit)
        r.skip(48, "general_constraint_flags");
        s.levelIdc = (int) r.u(8, "general_level_idc");
        int profilePresent = 0; // bit i: sub_layer_profile_present_flag[i]
        int levelPresent = 0;
        for (int i = 0; i < maxSubLayersMinus1; i++) {
            profilePresent |= r.flag("sub_layer_profile_present_flag") ? 1 << i : 0;
            levelPresent |= r.flag("sub_layer_level_present_flag") ? 1 << i : 0;
        }
        if (maxSubLayersMinus1 > 0) {
            for (int i = maxSubLayersMinus1; i < 8; i++) {
                r.u(2, "reserved_zero_2bits");
            }
        }
        for (int i = 0; i < maxSubLayersMinus1; i++) {
            if ((profilePresent & (1 << i)) != 0) {
                r.skip(88, "sub_layer_profile");
            }
            if ((levelPresent & (1 << i)) != 0) {
                r.u(8, "sub_layer_level_idc");
            }
        }
    }

    /** video_parameter_set_rbsp() up to vps_timing_info: the profile, tier, level and timing into {@code v}; returns the VPS id. */
    static int vps(RbspReader r, SequenceInfo v) {
        int id = (int) r.u(4, "vps_video_parameter_set_id");
        r.flag("vps_base_layer_internal_flag");
        r.flag("vps_base_layer_available_flag");
        r.u(6, "vps_max_layers_minus1");
        int subLayers = (int) r.u(3, "vps_max_sub_layers_minus1");
        if (subLayers > MAX_SUB_LAYERS_MINUS1) {
            throw r.error("vps_max_sub_layers_minus1 = " + subLayers + ", expected 0.." + MAX_SUB_LAYERS_MINUS1);
        }
        r.flag("vps_temporal_id_nesting_flag");
        long reserved = r.u(16, "vps_reserved_0xffff_16bits");
        if (reserved != 0xFFFF) {
            throw r.error("vps_reserved_0xffff_16bits = 0x" + Long.toHexString(reserved) + ", expected 0xffff");
        }
        v.valid = false;
        v.id = id;
        profileTierLevel(r, v, subLayers);
        boolean ordering = r.flag("vps_sub_layer_ordering_info_present_flag");
        for (int i = ordering ? 0 : subLayers; i <= subLayers; i++) {
            v.maxRefFrames = r.ue("vps_max_dec_pic_buffering_minus1", 15) + 1;
            r.ue("vps_max_num_reorder_pics", 15);
            r.ue("vps_max_latency_increase_plus1");
        }
        int maxLayerId = (int) r.u(6, "vps_max_layer_id");
        int layerSets = r.ue("vps_num_layer_sets_minus1", 1023);
        for (int i = 1; i <= layerSets; i++) {
            r.skip(maxLayerId + 1, "layer_id_included_flag");
        }
        v.numUnitsInTick = 0;
        v.timeScale = 0;
        if (r.flag("vps_timing_info_present_flag")) {
            long units = r.u(32, "vps_num_units_in_tick");
            long scale = r.u(32, "vps_time_scale");
            if (units == 0 || scale == 0) {
                throw r.error("vps_num_units_in_tick = " + units + ", vps_time_scale = " + scale + ": both must be greater than 0 (§7.4.3.1)");
            }
            v.numUnitsInTick = units;
            v.timeScale = scale;
        }
        v.valid = true;
        return id;
    }

    /** seq_parameter_set_rbsp() up to the coding block sizes; the VPS it names supplies the timing when it has some. */
    static void sps(RbspReader r, SequenceInfo s, SequenceInfo[] vps, int[] stDeltas) {
        // stDeltas: the caller's scratch for NumDeltaPocs of each short-term RPS, MAX_ST_RPS entries
        s.valid = false;
        int vpsId = (int) r.u(4, "sps_video_parameter_set_id");
        int subLayers = (int) r.u(3, "sps_max_sub_layers_minus1");
        if (subLayers > MAX_SUB_LAYERS_MINUS1) {
            throw r.error("sps_max_sub_layers_minus1 = " + subLayers + ", expected 0.." + MAX_SUB_LAYERS_MINUS1);
        }
        r.flag("sps_temporal_id_nesting_flag");
        profileTierLevel(r, s, subLayers);
        s.id = r.ue("sps_seq_parameter_set_id", MAX_SPS - 1);
        s.chromaFormatIdc = r.ue("chroma_format_idc", 3);
        s.separateColourPlane = s.chromaFormatIdc == 3 && r.flag("separate_colour_plane_flag");
        s.codedWidth = r.ue("pic_width_in_luma_samples", SequenceInfo.MAX_DIM);
        s.codedHeight = r.ue("pic_height_in_luma_samples", SequenceInfo.MAX_DIM);
        if (s.codedWidth == 0 || s.codedHeight == 0) {
            throw r.error("pic_width/height_in_luma_samples = " + s.codedWidth + "x" + s.codedHeight + ": must not be 0 (§7.4.3.2.1)");
        }
        s.cropLeft = s.cropRight = s.cropTop = s.cropBottom = 0;
        if (r.flag("conformance_window_flag")) {
            int arrayType = s.separateColourPlane ? 0 : s.chromaFormatIdc;
            int subW = arrayType == 1 || arrayType == 2 ? 2 : 1; // Table 6-1 SubWidthC
            int subH = arrayType == 1 ? 2 : 1; // SubHeightC
            s.cropLeft = r.ue("conf_win_left_offset", SequenceInfo.MAX_DIM) * subW;
            s.cropRight = r.ue("conf_win_right_offset", SequenceInfo.MAX_DIM) * subW;
            s.cropTop = r.ue("conf_win_top_offset", SequenceInfo.MAX_DIM) * subH;
            s.cropBottom = r.ue("conf_win_bottom_offset", SequenceInfo.MAX_DIM) * subH;
            if (s.cropLeft + s.cropRight >= s.codedWidth || s.cropTop + s.cropBottom >= s.codedHeight) {
                throw r.error("conformance window " + s.cropLeft + "+" + s.cropRight + " x " + s.cropTop + "+" + s.cropBottom
                        + " leaves nothing of the " + s.codedWidth + "x" + s.codedHeight + " picture (§7.4.3.2.1)");
            }
        }
        s.bitDepthLuma = 8 + r.ue("bit_depth_luma_minus8", 8);
        s.bitDepthChroma = 8 + r.ue("bit_depth_chroma_minus8", 8);
        s.log2MaxPocLsb = 4 + r.ue("log2_max_pic_order_cnt_lsb_minus4", 12);
        boolean ordering = r.flag("sps_sub_layer_ordering_info_present_flag");
        for (int i = ordering ? 0 : subLayers; i <= subLayers; i++) {
            s.maxRefFrames = r.ue("sps_max_dec_pic_buffering_minus1", 15) + 1;
            r.ue("sps_max_num_reorder_pics", 15);
            r.ue("sps_max_latency_increase_plus1");
        }
        int log2MinCb = r.ue("log2_min_luma_coding_block_size_minus3", 3) + 3;
        int log2Ctb = log2MinCb + r.ue("log2_diff_max_min_luma_coding_block_size", 3);
        if (log2Ctb < 4 || log2Ctb > 6) {
            throw r.error("CtbLog2SizeY = " + log2Ctb + ", expected 4..6 (A.4.1)");
        }
        int minCb = 1 << log2MinCb;
        if (s.codedWidth % minCb != 0 || s.codedHeight % minCb != 0) {
            throw r.error("pic size " + s.codedWidth + "x" + s.codedHeight + " is not a multiple of MinCbSizeY " + minCb + " (§7.4.3.2.1)");
        }
        s.log2CtbSize = log2Ctb;
        int ctb = 1 << log2Ctb;
        s.picSizeInCtbs = ((s.codedWidth + ctb - 1) >> log2Ctb) * ((s.codedHeight + ctb - 1) >> log2Ctb);
        SequenceInfo v = vps[vpsId];
        s.numUnitsInTick = v.valid ? v.numUnitsInTick : 0;
        s.timeScale = v.valid ? v.timeScale : 0;
        spsTail(r, s, stDeltas);
        s.valid = true;
    }

    /** The rest of seq_parameter_set_rbsp() up to vui_parameters()' timing information (§7.3.2.2.1, E.2.1). */
    private static void spsTail(RbspReader r, SequenceInfo s, int[] stDeltas) {
        r.ue("log2_min_luma_transform_block_size_minus2", 3);
        r.ue("log2_diff_max_min_luma_transform_block_size", 3);
        r.ue("max_transform_hierarchy_depth_inter", 4);
        r.ue("max_transform_hierarchy_depth_intra", 4);
        if (r.flag("scaling_list_enabled_flag") && r.flag("sps_scaling_list_data_present_flag")) {
            scalingListData(r);
        }
        r.flag("amp_enabled_flag");
        r.flag("sample_adaptive_offset_enabled_flag");
        if (r.flag("pcm_enabled_flag")) {
            r.u(8, "pcm_sample_bit_depth_luma/chroma_minus1");
            r.ue("log2_min_pcm_luma_coding_block_size_minus3", 2);
            r.ue("log2_diff_max_min_pcm_luma_coding_block_size", 2);
            r.flag("pcm_loop_filter_disabled_flag");
        }
        int sets = r.ue("num_short_term_ref_pic_sets", MAX_ST_RPS);
        int[] deltas = stDeltas;
        for (int i = 0; i < sets; i++) {
            deltas[i] = stRefPicSet(r, i, deltas);
        }
        if (r.flag("long_term_ref_pics_present_flag")) {
            int n = r.ue("num_long_term_ref_pics_sps", 32);
            r.skip((long) n * (s.log2MaxPocLsb + 1), "lt_ref_pic_poc_lsb_sps/used_by_curr_pic_lt_sps_flag");
        }
        r.flag("sps_temporal_mvp_enabled_flag");
        r.flag("strong_intra_smoothing_enabled_flag");
        if (r.flag("vui_parameters_present_flag")) {
            if (r.flag("aspect_ratio_info_present_flag") && r.u(8, "aspect_ratio_idc") == 255) {
                r.u(32, "sar_width/sar_height");
            }
            if (r.flag("overscan_info_present_flag")) {
                r.flag("overscan_appropriate_flag");
            }
            if (r.flag("video_signal_type_present_flag")) {
                r.u(4, "video_format/video_full_range_flag");
                if (r.flag("colour_description_present_flag")) {
                    r.u(24, "colour_primaries/transfer_characteristics/matrix_coeffs");
                }
            }
            if (r.flag("chroma_loc_info_present_flag")) {
                r.ue("chroma_sample_loc_type_top_field", 5);
                r.ue("chroma_sample_loc_type_bottom_field", 5);
            }
            r.u(3, "neutral_chroma_indication/field_seq/frame_field_info_present_flag");
            if (r.flag("default_display_window_flag")) {
                for (int k = 0; k < 4; k++) {
                    r.ue("def_disp_win_offset", SequenceInfo.MAX_DIM);
                }
            }
            if (r.flag("vui_timing_info_present_flag")) {
                long units = r.u(32, "vui_num_units_in_tick");
                long scale = r.u(32, "vui_time_scale");
                if (units == 0 || scale == 0) {
                    throw r.error("vui_num_units_in_tick = " + units + ", vui_time_scale = " + scale + ": both must be greater than 0 (E.3.1)");
                }
                s.numUnitsInTick = units;
                s.timeScale = scale;
            }
        }
    }

    /** §7.4.3.2.1: num_short_term_ref_pic_sets 0..64. */
    static final int MAX_ST_RPS = 64;

    /** st_ref_pic_set(idx) in an SPS (§7.3.7); returns its NumDeltaPocs (§7.4.8). */
    private static int stRefPicSet(RbspReader r, int idx, int[] deltas) {
        if (idx != 0 && r.flag("inter_ref_pic_set_prediction_flag")) {
            r.flag("delta_rps_sign");
            r.ue("abs_delta_rps_minus1", 1 << 15);
            int ref = deltas[idx - 1]; // RefRpsIdx = stRpsIdx - 1 in an SPS (delta_idx_minus1 only in slice headers)
            int n = 0;
            for (int j = 0; j <= ref; j++) {
                boolean used = r.flag("used_by_curr_pic_flag");
                if (used || r.flag("use_delta_flag")) {
                    n++;
                }
            }
            if (n > 16) {
                throw r.error("st_ref_pic_set " + idx + " predicts " + n + " pictures, at most 16 (§7.4.8)");
            }
            return n;
        }
        int neg = r.ue("num_negative_pics", 16);
        int pos = r.ue("num_positive_pics", 16 - neg);
        for (int k = 0; k < neg + pos; k++) {
            r.ue("delta_poc_minus1", 1 << 15);
            r.flag("used_by_curr_pic_flag");
        }
        return neg + pos;
    }

    /** scaling_list_data() (§7.3.4), read and dropped. */
    private static void scalingListData(RbspReader r) {
        for (int sizeId = 0; sizeId < 4; sizeId++) {
            for (int matrixId = 0; matrixId < 6; matrixId += sizeId == 3 ? 3 : 1) {
                if (!r.flag("scaling_list_pred_mode_flag")) {
                    r.ue("scaling_list_pred_matrix_id_delta", sizeId == 3 ? matrixId / 3 : matrixId);
                } else {
                    int coefs = Math.min(64, 1 << (4 + (sizeId << 1)));
                    if (sizeId > 1) {
                        r.se("scaling_list_dc_coef_minus8", -7, 247);
                    }
                    for (int i = 0; i < coefs; i++) {
                        r.se("scaling_list_delta_coef", -128, 127);
                    }
                }
            }
        }
    }

    /** Ceil(Log2(n)) for n >= 1. */
    static int ceilLog2(int n) {
        return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    }
}
