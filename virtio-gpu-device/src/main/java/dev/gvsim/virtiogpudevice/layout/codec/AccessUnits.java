package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * An Annex-B stream cut into access units (one coded picture each, with the parameter sets and SEI
 * before it): {@link #next} moves to the next one and tells its byte range in the stream, its
 * picture type (I if every slice is I, B if any slice is B, else P), whether it is an IRAP/IDR
 * picture, its slice and NAL unit counts and the SPS it uses. A new access unit begins at the
 * first unit that H.264 §7.4.1.2.3 / H.265 §7.4.2.4.4 put before a picture's first slice, or at a
 * slice that starts a picture, once the current one has a slice (H.264: first_mb_in_slice 0, which
 * stands for §7.4.1.2.4's full comparison of frame_num, pic_parameter_set_id, nal_ref_idc, POC and
 * idr_pic_id in streams without arbitrary slice order; each field of a field-coded frame counts as
 * a picture). A flyweight: nothing is allocated
 * per access unit or NAL unit. Totals over the stream are kept ({@link #frames}, {@link #iFrames} ...).
 */
public final class AccessUnits {
    private final AnnexB annexB = new AnnexB();
    private final NalParser parser;
    private boolean pending;
    private boolean done;

    private int auStart;
    private int auEnd;
    private int picType;
    private boolean auIrap;
    private boolean auIdr;
    private int auSlices;
    private int auNals;
    private SequenceInfo auSps;

    /** Totals over the stream so far. */
    public long frames;
    public long iFrames;
    public long pFrames;
    public long bFrames;
    public long idrFrames;
    public long nalUnits;
    public long slices;
    public long parameterSets;
    public long otherUnits;

    public AccessUnits(Codec c) {
        parser = new NalParser(c);
    }

    public NalParser parser() {
        return parser;
    }

    /** Starts on a new stream; parameter sets and totals are forgotten. */
    public AccessUnits reset(byte[] data, int off, int length) {
        annexB.reset(data, off, length, parser.codec());
        parser.reset();
        pending = false;
        done = false;
        frames = iFrames = pFrames = bFrames = idrFrames = nalUnits = slices = parameterSets = otherUnits = 0;
        return this;
    }

    /**
     * Goes on with more bytes of the same stream (the next frames a guest hands over): the parameter
     * sets already received and the totals are kept; the bytes must begin with a start code.
     */
    public AccessUnits feed(byte[] data, int off, int length) {
        annexB.reset(data, off, length, parser.codec());
        pending = false;
        done = false;
        return this;
    }

    /** Moves to the next access unit; false at the end of the stream. */
    public boolean next() {
        if (done) {
            return false;
        }
        auSlices = 0;
        auNals = 0;
        auIrap = auIdr = false;
        picType = NalParser.SLICE_NONE;
        auSps = null;
        boolean open = false;
        if (pending) {
            pending = false;
            auStart = annexB.unitStart();
            open = true;
            take();
        }
        while (annexB.next()) {
            parser.parse(annexB.data(), annexB.nalOffset(), annexB.nalLength(), annexB.index(), annexB.streamOffset());
            nalUnits++;
            boolean begins = parser.vcl() ? parser.firstSliceOfPicture() : parser.startsAccessUnit();
            if (open && auSlices > 0 && begins) {
                pending = true;
                auEnd = annexB.unitStart();
                return finish();
            }
            if (!open) {
                auStart = annexB.unitStart();
                open = true;
            }
            take();
        }
        done = true;
        if (!open) {
            return false;
        }
        auEnd = annexB.unitEnd();
        return finish();
    }

    /** Adds the unit just parsed to the current access unit. */
    private void take() {
        auNals++;
        if (parser.vcl()) {
            slices++;
            auSlices++;
            auIrap |= parser.irap();
            auIdr |= parser.idr();
            int t = parser.sliceType();
            // B over P over I
            if (t == NalParser.SLICE_B || (t == NalParser.SLICE_P && picType != NalParser.SLICE_B) || picType == NalParser.SLICE_NONE) {
                picType = t;
            }
            if (auSps == null) {
                auSps = parser.activeSps();
            }
        } else if (parser.parameterSetId() >= 0) {
            parameterSets++;
        } else {
            otherUnits++;
        }
    }

    private boolean finish() {
        if (auSlices > 0) {
            frames++;
            switch (picType) {
                case NalParser.SLICE_I -> iFrames++;
                case NalParser.SLICE_B -> bFrames++;
                default -> pFrames++;
            }
            if (auIdr) {
                idrFrames++;
            }
        }
        return true;
    }

    /** Where the current access unit begins in the array (its first start code, zero bytes before it included). */
    public int offset() {
        return auStart;
    }

    public int length() {
        return auEnd - auStart;
    }

    /** The picture's type ({@link NalParser#SLICE_I}, {@code _P}, {@code _B}), or {@link NalParser#SLICE_NONE} for units after the last picture. */
    public int pictureType() {
        return picType;
    }

    /** 'I', 'P', 'B' or '-'. */
    public char pictureTypeChar() {
        return switch (picType) {
            case NalParser.SLICE_I -> 'I';
            case NalParser.SLICE_P -> 'P';
            case NalParser.SLICE_B -> 'B';
            default -> '-';
        };
    }

    public boolean irap() {
        return auIrap;
    }

    public boolean idr() {
        return auIdr;
    }

    /** Coded slices (segments) in the current access unit; 0 for trailing units with no picture. */
    public int slicesInPicture() {
        return auSlices;
    }

    public int nalUnitsInPicture() {
        return auNals;
    }

    /** The SPS of the current picture (null if it has no slice). */
    public SequenceInfo sps() {
        return auSps;
    }
}
