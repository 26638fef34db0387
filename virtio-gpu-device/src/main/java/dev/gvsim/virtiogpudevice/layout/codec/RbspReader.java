package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * The raw byte sequence payload of one NAL unit and a bit reader over it: H.264 §7.3.1 / H.265
 * §7.3.1.1 {@code nal_unit()} drops each {@code emulation_prevention_three_byte} (0x03 after two
 * zero bytes) while copying into a reused buffer, then §7.2's descriptors read it: {@code u(n)},
 * {@code ue(v)}, {@code se(v)} (Exp-Golomb, H.264 §9.1 / H.265 §9.2). At most {@link #CAPACITY}
 * RBSP bytes are kept; a header that reads past them is reported as longer than gvsim parses. No
 * allocation per NAL unit; every error is a {@link BitstreamException} naming the NAL unit and the
 * syntax element.
 */
public final class RbspReader {
    /** RBSP bytes kept per NAL unit: parameter sets with scaling lists and VUI fit well inside (gvsim bound). */
    public static final int CAPACITY = 4096;
    /** An Exp-Golomb code of a 32-bit value has at most 31 leading zero bits (H.264 §9.1: codeNum up to 2^32 - 2). */
    public static final int MAX_LEADING_ZEROS = 31;

    private final byte[] buf = new byte[CAPACITY];
    private int len;
    /** The NAL unit had more RBSP bytes than were kept. */
    private boolean partial;
    private long bit;
    private Codec codec = Codec.H264;
    private String what = "NAL unit";
    private int nalIndex;
    private long nalOffset;

    /**
     * Loads the RBSP of the NAL unit at {@code data[off, off + length)} from byte {@code skip} (after the
     * NAL unit header), keeping at most {@code limit} bytes ({@code <=} {@link #CAPACITY}).
     *
     * @param what the syntax structure read (for messages: "SPS", "slice header")
     */
    public void load(byte[] data, int off, int length, int skip, int limit, Codec c, String structure, int index, long streamOffset) {
        codec = c;
        what = structure;
        nalIndex = index;
        nalOffset = streamOffset;
        int max = Math.min(limit, CAPACITY);
        int n = 0;
        int zeros = 0;
        int end = off + length;
        int i = off + skip;
        for (; i < end && n < max; i++) {
            int b = data[i] & 0xFF;
            if (zeros >= 2 && b == 3) {
                if (i + 1 < end && (data[i + 1] & 0xFF) > 3) {
                    throw error("emulation_prevention_three_byte at byte " + (i - off) + " followed by 0x"
                            + Integer.toHexString(data[i + 1] & 0xFF) + " (must be 0x00..0x03, §7.4.1)");
                }
                zeros = 0;
                continue;
            }
            if (zeros >= 2 && b < 3) {
                throw error("start code emulation 00 00 0" + b + " at byte " + (i - off) + " inside the NAL unit (§7.4.1)");
            }
            zeros = b == 0 ? zeros + 1 : 0;
            buf[n++] = (byte) b;
        }
        len = n;
        partial = i < end;
        bit = 0;
    }

    /** Bits left in the kept RBSP. */
    public long bitsLeft() {
        return (long) len * 8 - bit;
    }

    public long bitPosition() {
        return bit;
    }

    /** {@code u(n)}, 0 <= n <= 32, as a long. */
    public long u(int n, String field) {
        if (n == 0) {
            return 0;
        }
        if (bit + n > (long) len * 8) {
            throw truncated(field);
        }
        long v = 0;
        for (int k = 0; k < n; k++) {
            long b = bit++;
            v = (v << 1) | ((buf[(int) (b >>> 3)] >>> (7 - (b & 7))) & 1);
        }
        return v;
    }

    /** {@code u(1)}. */
    public boolean flag(String field) {
        if (bit >= (long) len * 8) {
            throw truncated(field);
        }
        long b = bit++;
        return ((buf[(int) (b >>> 3)] >>> (7 - (b & 7))) & 1) != 0;
    }

    /** Skips {@code n} bits. */
    public void skip(long n, String field) {
        if (bit + n > (long) len * 8) {
            throw truncated(field);
        }
        bit += n;
    }

    /** {@code ue(v)}: codeNum = 2^leadingZeroBits - 1 + read_bits(leadingZeroBits), up to 2^32 - 2. */
    public long ue(String field) {
        int zeros = 0;
        while (!flag(field)) {
            if (++zeros > MAX_LEADING_ZEROS) {
                throw error(field + ": Exp-Golomb code with more than " + MAX_LEADING_ZEROS + " leading zero bits at bit " + (bit - zeros)
                        + " (the value does not fit 32 bits)");
            }
        }
        return (1L << zeros) - 1 + u(zeros, field);
    }

    /** {@code ue(v)} checked to lie in {@code [0, max]}. */
    public int ue(String field, int max) {
        long v = ue(field);
        if (v > max) {
            throw error(field + " = " + v + ", expected 0.." + max);
        }
        return (int) v;
    }

    /** {@code se(v)}: codeNum k maps to (-1)^(k+1) * Ceil(k / 2) (§9.1.1 / §9.2.2). */
    public long se(String field) {
        long k = ue(field);
        return (k & 1) != 0 ? (k + 1) >>> 1 : -(k >>> 1);
    }

    /** {@code se(v)} checked to lie in {@code [min, max]}. */
    public int se(String field, int min, int max) {
        long v = se(field);
        if (v < min || v > max) {
            throw error(field + " = " + v + ", expected " + min + ".." + max);
        }
        return (int) v;
    }

    private BitstreamException truncated(String field) {
        if (partial) {
            return error(field + ": the " + what + " is longer than the " + CAPACITY + " bytes gvsim parses");
        }
        return error(field + ": the " + what + " ends at bit " + bit + " of " + ((long) len * 8) + " (truncated NAL unit)");
    }

    /** An error about the NAL unit being read, with its place in the stream. */
    public BitstreamException error(String message) {
        return new BitstreamException(codec.label() + " " + what + " (NAL unit #" + nalIndex + " at byte " + nalOffset + "): " + message);
    }
}
