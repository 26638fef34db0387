package dev.gvsim.guesttraces.importers;

/**
 * Reads the fields of one text line left to right without regular expressions or substrings on the
 * number paths. A field that does not parse throws {@link Bad}, which the importer turns into an
 * InputException naming the line.
 */
final class Cursor {
    /** Cheap unchecked failure (no stack trace): "expected X". */
    static final class Bad extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Bad(String expected) {
            super(expected, null, false, false);
        }
    }

    /** Decimal digits of the longest value accepted in a numeric field: 18 always fit a long (bounds hostile input). */
    private static final int MAX_DEC_DIGITS = 18;
    private static final int MAX_HEX_DIGITS = 16;

    String s;
    int p;
    int end;

    Cursor reset(String line, int from) {
        s = line;
        p = from;
        end = line.length();
        return this;
    }

    boolean atEnd() {
        return p >= end;
    }

    void spaces() {
        while (p < end && s.charAt(p) == ' ') {
            p++;
        }
    }

    /** Skips spaces, then requires {@code word} (followed by a space, end or a non-word character). */
    void word(String word) {
        spaces();
        if (!s.startsWith(word, p)) {
            throw new Bad("'" + word + "'");
        }
        p += word.length();
    }

    boolean tryWord(String word) {
        spaces();
        if (s.startsWith(word, p) && (p + word.length() == end || s.charAt(p + word.length()) == ' ')) {
            p += word.length();
            return true;
        }
        return false;
    }

    void ch(char c) {
        if (p >= end || s.charAt(p) != c) {
            throw new Bad("'" + c + "'");
        }
        p++;
    }

    boolean tryCh(char c) {
        if (p < end && s.charAt(p) == c) {
            p++;
            return true;
        }
        return false;
    }

    /** A run of non-space characters (allocates). */
    String token() {
        spaces();
        int a = p;
        while (p < end && s.charAt(p) != ' ') {
            p++;
        }
        if (a == p) {
            throw new Bad("a word");
        }
        return s.substring(a, p);
    }

    /** Unsigned decimal. */
    long dec() {
        spaces();
        int a = p;
        long v = 0;
        while (p < end && Character.isDigit(s.charAt(p)) && s.charAt(p) < 128) {
            if (p - a >= MAX_DEC_DIGITS) {
                throw new Bad("a decimal number of at most " + MAX_DEC_DIGITS + " digits");
            }
            v = v * 10 + (s.charAt(p) - '0');
            p++;
        }
        if (a == p) {
            throw new Bad("a decimal number");
        }
        return v;
    }

    /** Optionally signed decimal. */
    long sdec() {
        spaces();
        if (tryCh('-')) {
            return -dec();
        }
        return dec();
    }

    /** Hex with a 0x prefix, or a bare "0" (C's %# prints zero without the prefix). */
    long hex() {
        spaces();
        if (s.startsWith("0x", p) || s.startsWith("0X", p)) {
            p += 2;
            return hexDigits();
        }
        if (p < end && s.charAt(p) == '0' && (p + 1 == end || hexVal(s.charAt(p + 1)) < 0)) {
            p++;
            return 0;
        }
        throw new Bad("a 0x hex number");
    }

    /** Hex digits without a prefix. */
    long hexDigits() {
        int a = p;
        long v = 0;
        while (p < end) {
            int d = hexVal(s.charAt(p));
            if (d < 0) {
                break;
            }
            if (p - a >= MAX_HEX_DIGITS) {
                throw new Bad("a hex number of at most 64 bits");
            }
            v = v << 4 | d;
            p++;
        }
        if (a == p) {
            throw new Bad("hex digits");
        }
        return v;
    }

    /** A pointer as printed by glibc's %p: 0x... or (nil). Returns 0 for (nil). */
    long pointer() {
        spaces();
        if (s.startsWith("(nil)", p)) {
            p += 5;
            return 0;
        }
        return hex();
    }

    void endOfLine() {
        spaces();
        if (p < end) {
            throw new Bad("end of line");
        }
    }

    static int hexVal(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
