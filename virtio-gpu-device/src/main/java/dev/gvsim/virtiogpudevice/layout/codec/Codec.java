package dev.gvsim.virtiogpudevice.layout.codec;

/** The coded formats the parser reads. */
public enum Codec {
    /** ITU-T H.264 (04/2017) / ISO/IEC 14496-10: one-byte NAL unit header (§7.3.1). */
    H264("H.264"),
    /** ITU-T H.265 (V8, 08/2021) / ISO/IEC 23008-2: two-byte NAL unit header (§7.3.1.2). */
    H265("H.265");

    private final String label;

    Codec(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
