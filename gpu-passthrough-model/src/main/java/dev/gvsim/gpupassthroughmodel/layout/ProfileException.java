package dev.gvsim.gpupassthroughmodel.layout;

/**
 * A profile file that cannot be used: one line naming the file, the key path inside it
 * ({@code gpu.bars[1].size}) and what was expected. An {@link IllegalArgumentException}, so that
 * {@code -device gpu-passthrough,profile=…} reports it as the one-line bad-input error (exit 2).
 */
public final class ProfileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final String key;

    public ProfileException(String file, String key, String expected) {
        super("profile file " + file + ": key '" + key + "': expected " + expected);
        this.file = file;
        this.key = key;
    }

    public String file() {
        return file;
    }

    public String key() {
        return key;
    }
}
