package dev.gvsim.virtiogpudevice.layout.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz target (Jazzer, docs/fuzzing.md) for the H.264 / H.265 parser. Under
 * {@code mvn verify} it replays the committed inputs under
 * src/test/resources/dev/gvsim/virtiogpudevice/layout/codec/CodecJazzerTestInputs/accessUnits/ (the
 * small x264 and x265 streams as seeds); {@code JAZZER_FUZZ=1 mvn -B -o -pl virtio-gpu-device -am test
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtest=CodecJazzerTest} fuzzes it. Contract: a stream is
 * read to its end or fails with a {@link BitstreamException}; never another throwable, never a hang.
 */
class CodecJazzerTest {
    /** Byte 0: bit 0 picks H.265; the rest is the byte stream. */
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void accessUnits(byte[] data) {
        Codec c = data.length > 0 && (data[0] & 1) != 0 ? Codec.H265 : Codec.H264;
        int n = Math.max(0, data.length - 1);
        AccessUnits au = new AccessUnits(c);
        try {
            au.reset(data, Math.min(1, data.length), n);
            int guard = 0;
            while (au.next()) {
                if (++guard > n + 1) {
                    throw new AssertionError("more access units than bytes");
                }
            }
        } catch (BitstreamException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith(c.label())) {
                throw new AssertionError("unlabelled error: " + e.getMessage());
            }
        }
    }
}
