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
        super("profile file " + printable(file) + ": key '" + printable(key) + "': expected " + printable(expected));
        this.file = file;
        this.key = key;
    }

    /** Control characters (a key or value may hold any) escaped, so the message stays one line. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public String file() {
        return file;
    }

    public String key() {
        return key;
    }
}
