package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * One NAL unit at a time of an H.264 or H.265 stream: its header (H.264 §7.3.1, H.265 §7.3.1.2),
 * the parameter sets kept by id (H.264 SPS and PPS; H.265 VPS, SPS and PPS) and, for a coded
 * slice, the fields of its header that tell where a picture starts and its slice type (H.264
 * §7.3.3: first_mb_in_slice, slice_type, pic_parameter_set_id; H.265 §7.3.6.1: up to slice_type).
 * A parameter set that fails to parse leaves the one with its id as it was. The outcome of the
 * last NAL unit is read from the accessors; nothing is allocated per NAL unit.
 *
 * <p>Only the base layer is read (H.264 NAL unit types 14, 20 and 21, H.265 nuh_layer_id &gt; 0
 * are counted as other units); H.264 slice data partitions B and C (types 3, 4) are slices that
 * never start a picture.
 */
public final class NalParser {
    /** Slice types as H.265 Table 7-7 numbers them; H.264's SP and SI map to P and I. */
    public static final int SLICE_B = 0;
    public static final int SLICE_P = 1;
    public static final int SLICE_I = 2;
    /** No slice (the unit is not a slice, or a dependent slice segment before any slice). */
    public static final int SLICE_NONE = -1;
    /** RBSP bytes of a slice NAL unit read for its header's first fields (gvsim bound: they fit in a few bytes). */
    public static final int SLICE_HEADER_BYTES = 64;

    private final Codec codec;
    private final RbspReader r = new RbspReader();
    private final SequenceInfo[] sps;
    private final SequenceInfo[] vps;
    private final SequenceInfo scratch;
    private final int[] ppsSps;
    private final boolean[] ppsDependentSlices;
    private final int[] ppsExtraBits;
    /** NumDeltaPocs of the short-term RPSs of the H.265 SPS being read. */
    private final int[] stDeltas = new int[H265Syntax.MAX_ST_RPS];

    private int nalType;
    private int refIdc;
    private int temporalId;
    private boolean vcl;
    private boolean irap;
    private boolean idr;
    private boolean firstSlice;
    private int sliceType = SLICE_NONE;
    private boolean baseLayer;
    private SequenceInfo active;
    /** The id of the parameter set the last unit was (-1 if none). */
    private int parameterSetId = -1;

    public NalParser(Codec c) {
        codec = c;
        int nSps = c == Codec.H264 ? H264Syntax.MAX_SPS : H265Syntax.MAX_SPS;
        sps = new SequenceInfo[nSps];
        for (int i = 0; i < nSps; i++) {
            sps[i] = new SequenceInfo(c);
        }
        vps = new SequenceInfo[c == Codec.H265 ? H265Syntax.MAX_VPS : 0];
        for (int i = 0; i < vps.length; i++) {
            vps[i] = new SequenceInfo(c);
        }
        scratch = new SequenceInfo(c);
        int nPps = c == Codec.H264 ? H264Syntax.MAX_PPS : H265Syntax.MAX_PPS;
        ppsSps = new int[nPps];
        ppsDependentSlices = new boolean[nPps];
        ppsExtraBits = new int[nPps];
        reset();
    }

    /** Forgets every parameter set (a new stream). */
    public void reset() {
        for (SequenceInfo s : sps) {
            s.valid = false;
        }
        for (SequenceInfo v : vps) {
            v.valid = false;
        }
        java.util.Arrays.fill(ppsSps, -1);
        sliceType = SLICE_NONE;
        active = null;
    }

    public Codec codec() {
        return codec;
    }

    /**
     * Parses the NAL unit {@code b[off, off + len)} (header first, no start code).
     *
     * @param index its index in the stream, for messages
     * @param streamOffset its byte offset in the stream, for messages
     * @return its nal_unit_type
     */
    public int parse(byte[] b, int off, int len, int index, long streamOffset) {
        vcl = irap = idr = firstSlice = false;
        parameterSetId = -1;
        baseLayer = true;
        if (len < 1) {
            r.load(b, off, 0, 0, 0, codec, "NAL unit header", index, streamOffset);
            throw r.error("the NAL unit is empty");
        }
        int hdr = b[off] & 0xFF;
        if ((hdr & 0x80) != 0) {
            r.load(b, off, len, 0, 0, codec, "NAL unit header", index, streamOffset);
            throw r.error("forbidden_zero_bit is 1");
        }
        return codec == Codec.H264 ? h264(b, off, len, hdr, index, streamOffset) : h265(b, off, len, hdr, index, streamOffset);
    }

    private int h264(byte[] b, int off, int len, int hdr, int index, long at) {
        refIdc = hdr >>> 5;
        nalType = hdr & 0x1F;
        temporalId = 0;
        switch (nalType) {
            case H264Syntax.NAL_SPS -> {
                r.load(b, off, len, 1, RbspReader.CAPACITY, codec, "SPS", index, at);
                H264Syntax.sps(r, scratch);
                sps[scratch.id].copyFrom(scratch);
                parameterSetId = scratch.id;
            }
            case H264Syntax.NAL_PPS -> {
                r.load(b, off, len, 1, SLICE_HEADER_BYTES, codec, "PPS", index, at);
                int id = r.ue("pic_parameter_set_id", H264Syntax.MAX_PPS - 1);
                ppsSps[id] = r.ue("seq_parameter_set_id", H264Syntax.MAX_SPS - 1);
                parameterSetId = id;
            }
            case 1, 2, 5 -> {
                vcl = true;
                idr = irap = nalType == H264Syntax.NAL_IDR;
                r.load(b, off, len, 1, SLICE_HEADER_BYTES, codec, "slice header", index, at);
                long firstMb = r.ue("first_mb_in_slice");
                int type = r.ue("slice_type", 9);
                SequenceInfo s = ppsToSps(r.ue("pic_parameter_set_id", H264Syntax.MAX_PPS - 1), "pic_parameter_set_id");
                long mbs = (long) (s.codedWidth / 16) * (s.codedHeight / 16) / (s.frameMbsOnly ? 1 : 2);
                if (firstMb >= mbs) {
                    throw r.error("first_mb_in_slice = " + firstMb + ", the picture has " + mbs + " macroblocks (§7.4.3)");
                }
                sliceType = switch (type % 5) { // Table 7-6: P, B, I, SP, SI
                    case 1 -> SLICE_B;
                    case 2, 4 -> SLICE_I;
                    default -> SLICE_P;
                };
                firstSlice = firstMb == 0;
                active = s;
            }
            case 3, 4 -> vcl = true; // slice data partitions B and C: no slice header
            case 14, 20, 21 -> baseLayer = false; // SVC / MVC extension units
            default -> {
                // SEI, AUD, end of sequence/stream, filler, SPS extension, ...: nothing read
            }
        }
        return nalType;
    }

    private int h265(byte[] b, int off, int len, int hdr, int index, long at) {
        if (len < 2) {
            r.load(b, off, len, 0, 0, codec, "NAL unit header", index, at);
            throw r.error("the NAL unit is " + len + " byte long, its header needs 2");
        }
        int hdr2 = b[off + 1] & 0xFF;
        nalType = (hdr >>> 1) & 0x3F;
        int layer = ((hdr & 1) << 5) | (hdr2 >>> 3);
        temporalId = (hdr2 & 7) - 1;
        refIdc = 0;
        if (temporalId < 0) {
            r.load(b, off, len, 0, 0, codec, "NAL unit header", index, at);
            throw r.error("nuh_temporal_id_plus1 is 0 (§7.4.2.2)");
        }
        if (layer != 0) {
            baseLayer = false;
            return nalType;
        }
        switch (nalType) {
            case H265Syntax.NAL_VPS -> {
                r.load(b, off, len, 2, RbspReader.CAPACITY, codec, "VPS", index, at);
                int id = H265Syntax.vps(r, scratch);
                vps[id].copyFrom(scratch);
                parameterSetId = id;
            }
            case H265Syntax.NAL_SPS -> {
                r.load(b, off, len, 2, RbspReader.CAPACITY, codec, "SPS", index, at);
                H265Syntax.sps(r, scratch, vps, stDeltas);
                sps[scratch.id].copyFrom(scratch);
                parameterSetId = scratch.id;
            }
            case H265Syntax.NAL_PPS -> {
                r.load(b, off, len, 2, SLICE_HEADER_BYTES, codec, "PPS", index, at);
                int id = r.ue("pps_pic_parameter_set_id", H265Syntax.MAX_PPS - 1);
                int spsId = r.ue("pps_seq_parameter_set_id", H265Syntax.MAX_SPS - 1);
                ppsDependentSlices[id] = r.flag("dependent_slice_segments_enabled_flag");
                r.flag("output_flag_present_flag");
                ppsExtraBits[id] = (int) r.u(3, "num_extra_slice_header_bits");
                ppsSps[id] = spsId;
                parameterSetId = id;
            }
            default -> {
                if (nalType <= H265Syntax.NAL_RSV_IRAP_23 && (nalType <= 9 || nalType >= H265Syntax.NAL_BLA_W_LP)) {
                    slice265(b, off, len, index, at);
                }
                // reserved VCL types 10-15 and 24-31, and the non-VCL units: nothing read
            }
        }
        return nalType;
    }

    private void slice265(byte[] b, int off, int len, int index, long at) {
        vcl = true;
        irap = nalType >= H265Syntax.NAL_BLA_W_LP;
        idr = nalType == H265Syntax.NAL_IDR_W_RADL || nalType == H265Syntax.NAL_IDR_N_LP;
        r.load(b, off, len, 2, SLICE_HEADER_BYTES, codec, "slice segment header", index, at);
        firstSlice = r.flag("first_slice_segment_in_pic_flag");
        if (irap) {
            r.flag("no_output_of_prior_pics_flag");
        }
        int pps = r.ue("slice_pic_parameter_set_id", H265Syntax.MAX_PPS - 1);
        SequenceInfo s = ppsToSps(pps, "slice_pic_parameter_set_id");
        boolean dependent = false;
        if (!firstSlice) {
            if (ppsDependentSlices[pps]) {
                dependent = r.flag("dependent_slice_segment_flag");
            }
            long addr = r.u(H265Syntax.ceilLog2(s.picSizeInCtbs), "slice_segment_address");
            if (addr >= s.picSizeInCtbs) {
                throw r.error("slice_segment_address = " + addr + ", the picture has " + s.picSizeInCtbs + " CTBs (§7.4.7.1)");
            }
        }
        active = s;
        if (dependent) {
            return; // slice_type is the preceding slice segment's
        }
        r.skip(ppsExtraBits[pps], "slice_reserved_flag");
        sliceType = r.ue("slice_type", 2);
    }

    private SequenceInfo ppsToSps(int pps, String field) {
        int id = ppsSps[pps];
        if (id < 0) {
            throw r.error(field + " = " + pps + ": no such picture parameter set was received");
        }
        SequenceInfo s = sps[id];
        if (!s.valid) {
            throw r.error(field + " = " + pps + " names sequence parameter set " + id + ", which was not received");
        }
        return s;
    }

    /** nal_unit_type of the last unit. */
    public int nalType() {
        return nalType;
    }

    /** H.264 nal_ref_idc of the last unit (0 for H.265). */
    public int refIdc() {
        return refIdc;
    }

    /** H.265 TemporalId of the last unit (0 for H.264). */
    public int temporalId() {
        return temporalId;
    }

    /** The last unit is a coded slice (segment) of the base layer. */
    public boolean vcl() {
        return vcl;
    }

    /** The last unit is an IRAP picture's slice (H.264: IDR). */
    public boolean irap() {
        return irap;
    }

    public boolean idr() {
        return idr;
    }

    /** The last unit is the first slice of a picture (H.264 first_mb_in_slice 0, H.265 first_slice_segment_in_pic_flag). */
    public boolean firstSliceOfPicture() {
        return firstSlice;
    }

    /** The last slice's type ({@link #SLICE_P}, {@link #SLICE_B}, {@link #SLICE_I}). */
    public int sliceType() {
        return sliceType;
    }

    /** The last unit belongs to the base layer (false for SVC/MVC/multi-layer units, which are not read). */
    public boolean baseLayer() {
        return baseLayer;
    }

    /** The SPS the last slice uses (null before the first slice). */
    public SequenceInfo activeSps() {
        return active;
    }

    /** The SPS with this id (check {@link SequenceInfo#valid()}). */
    public SequenceInfo sps(int id) {
        return sps[id];
    }

    /** The id of the parameter set the last unit carried, or -1. */
    public int parameterSetId() {
        return parameterSetId;
    }

    /** The last unit is an SPS (H.264 type 7, H.265 type 33). */
    public boolean isSps() {
        return nalType == (codec == Codec.H264 ? H264Syntax.NAL_SPS : H265Syntax.NAL_SPS) && baseLayer;
    }

    /**
     * The last unit, not a slice, begins a new access unit when it follows a picture's slices (H.264
     * §7.4.1.2.3: AUD, SPS, PPS, SEI, types 14-18; H.265 §7.4.2.4.4: AUD, VPS, SPS, PPS, prefix SEI,
     * types 41-44 and 48-55).
     */
    public boolean startsAccessUnit() {
        if (codec == Codec.H264) {
            return (nalType >= H264Syntax.NAL_SEI && nalType <= H264Syntax.NAL_AUD) || (nalType >= H264Syntax.NAL_PREFIX && nalType <= 18);
        }
        return (nalType >= H265Syntax.NAL_VPS && nalType <= H265Syntax.NAL_AUD) || nalType == H265Syntax.NAL_PREFIX_SEI
                || (nalType >= 41 && nalType <= 44) || (nalType >= 48 && nalType <= 55);
    }
}
