package dev.gvsim.virtiogpudevice.layout.codec;

/**
 * A coded video bitstream that breaks the syntax of ITU-T H.264 or H.265: the message names the
 * NAL unit (its index in the stream and its byte offset), the syntax element and what was expected.
 * Thrown only on bad input; parsing a well-formed stream never allocates.
 */
public final class BitstreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BitstreamException(String message) {
        super(message, null, false, false);
    }
}
