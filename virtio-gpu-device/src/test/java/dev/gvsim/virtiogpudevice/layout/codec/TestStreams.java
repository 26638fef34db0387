package dev.gvsim.virtiogpudevice.layout.codec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real test streams: made once with x264 / x265 (commands in their README) and kept with the
 * guest model's media in guest-traces (the scenario plays them), read here from that module's
 * source tree (the device module may not depend on guest-traces).
 */
final class TestStreams {
    static final Path DIR = Path.of("..", "guest-traces", "src", "main", "resources", "dev", "gvsim", "guesttraces", "video");

    private TestStreams() {
    }

    static byte[] load(String name) {
        try {
            return Files.readAllBytes(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("test stream " + name + " not found under " + DIR.toAbsolutePath(), e);
        }
    }
}
