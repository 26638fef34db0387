package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * The byte stream format of H.264 Annex B / H.265 Annex B: NAL units each preceded by the
 * three-byte start code prefix 00 00 01 (with an optional leading {@code zero_byte}), trailing zero
 * bytes between them. A flyweight over a byte array: {@link #next} moves to the next NAL unit and
 * {@link #nalOffset}/{@link #nalLength} tell where its bytes (header included, start code and
 * trailing zeros excluded) are. While it looks for start codes it also holds each NAL unit to
 * §7.4.1's rule on emulation prevention: inside a NAL unit the sequences 00 00 00, 00 00 02 and
 * 00 00 03 followed by a byte above 0x03 shall not occur. Nothing is allocated per NAL unit.
 */
public final class AnnexB {
    private byte[] data;
    private int end;
    private int pos;
    private int base;
    private int nalStart;
    private int nalEnd;
    private int prefixStart;
    private int index;
    private Codec codec = Codec.H264;

    /** Starts reading the stream {@code data[off, off + length)}: it must begin with (zero bytes and) a start code. */
    public AnnexB reset(byte[] d, int off, int length, Codec c) {
        if (off < 0 || length < 0 || off > d.length - length) {
            throw new IllegalArgumentException("range " + off + "+" + length + " outside an array of " + d.length);
        }
        data = d;
        base = off;
        end = off + length;
        codec = c;
        index = -1;
        int i = off;
        while (i < end && d[i] == 0) {
            i++;
        }
        if (i == end) {
            pos = end; // empty, or only zero bytes: no NAL unit
            return this;
        }
        if (i - off < 2 || d[i] != 1) {
            throw new BitstreamException(c.label() + " byte stream: byte " + (i - off) + ": expected the start code prefix 00 00 01 (Annex B), found "
                    + (i - off < 2 ? (i - off) + " zero byte(s) then 0x" : "0x") + Integer.toHexString(d[i] & 0xFF));
        }
        pos = i + 1;
        prefixStart = off;
        return this;
    }

    /** Moves to the next NAL unit; false at the end of the stream. */
    public boolean next() {
        if (pos >= end) {
            return false;
        }
        int start = pos;
        int zeros = 0;
        byte[] d = data;
        int stop = end;
        for (int i = start; i < stop; i++) {
            int b = d[i];
            if (b == 0) {
                zeros++;
                continue;
            }
            if (zeros >= 2) {
                if (b == 1) {
                    return found(start, i - zeros, i + 1, i - zeros);
                }
                if (zeros >= 3) {
                    throw bad(start, i - zeros, "00 00 00 inside the NAL unit (not followed by a start code)");
                }
                if (b == 2) {
                    throw bad(start, i - 2, "00 00 02 inside the NAL unit");
                }
                if (b == 3 && i + 1 < stop && (d[i + 1] & 0xFF) > 3) {
                    throw bad(start, i - 2, "00 00 03 followed by 0x" + Integer.toHexString(d[i + 1] & 0xFF) + " (an emulation prevention byte must precede 0x00..0x03)");
                }
            }
            zeros = 0;
        }
        return found(start, stop - zeros, stop, stop); // the last unit keeps its trailing zero bytes
    }

    private boolean found(int start, int nalStop, int nextPos, int nextPrefix) {
        index++;
        if (nalStop <= start) {
            throw new BitstreamException(codec.label() + " byte stream: NAL unit #" + index + " at byte " + (start - base)
                    + " is empty (a start code followed by another)");
        }
        if (index > 0) {
            prefixStart = thisPrefix;
        }
        nalStart = start;
        nalEnd = nalStop;
        thisPrefix = nextPrefix;
        pos = nextPos;
        return true;
    }

    /** Where the next NAL unit's start code (with the zero bytes before it) begins. */
    private int thisPrefix;

    private BitstreamException bad(int start, int at, String what) {
        return new BitstreamException(codec.label() + " byte stream: NAL unit #" + (index + 1) + " at byte " + (start - base) + ": byte "
                + (at - base) + ": " + what + " (§7.4.1)");
    }

    /** The current NAL unit: its first byte (the NAL unit header) in the array. */
    public int nalOffset() {
        return nalStart;
    }

    public int nalLength() {
        return nalEnd - nalStart;
    }

    /** Where the bytes of the current NAL unit begin in the stream, its start code and the zero bytes before it included. */
    public int unitStart() {
        return prefixStart;
    }

    /** Where the current NAL unit ends in the stream with its trailing zero bytes (the next unit's {@link #unitStart()}). */
    public int unitEnd() {
        return thisPrefix;
    }

    /** Index of the current NAL unit in the stream, from 0. */
    public int index() {
        return index;
    }

    /** Byte offset of the current NAL unit's header from the start of the stream. */
    public long streamOffset() {
        return nalStart - base;
    }

    public byte[] data() {
        return data;
    }
}
