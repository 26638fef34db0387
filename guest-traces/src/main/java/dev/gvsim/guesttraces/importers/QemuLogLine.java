package dev.gvsim.guesttraces.importers;

import dev.gvsim.simcore.InputException;

/**
 * The line tokenizer of the QEMU {@code log} importer: the prefix of a line and the bounds of the
 * event name after it. The fields after the name are read by the event handlers with {@link Cursor}
 * ({@link QemuDeviceEvents}, {@link QemuCfgPairing}, {@link QemuPciState}).
 *
 * <p>Prefix styles: {@code PID@SEC.USEC:} glued to the event name (QEMU
 * scripts/tracetool/backend/log.py, {@code "%d@%zu.%06zu:"}); an ISO-8601 UTC timestamp and a space
 * (QEMU util/log.c, {@code g_date_time_format_iso8601}; parsed by {@link QemuLogTime}); or none. The
 * timestamp of the current line is kept in {@link #hasTs}/{@link #tsUs} and handed to the
 * {@link Emitter} by {@link #applyTime} when a handler makes records from the line.
 *
 * <p>Also finds the QEMU version text ({@code qemu --version}) in the lines read ahead.
 */
final class QemuLogLine {
    /** Text that names the QEMU version (qemu --version, also printed by some wrappers into logs). */
    static final String VERSION_TEXT = "QEMU emulator version ";

    /** Whether the current line has a timestamp, and that timestamp in microseconds. */
    boolean hasTs;
    long tsUs;

    /** Index of the event name, -1 if the line has a prefix that does not parse; sets hasTs/tsUs. */
    int prefix(String s) {
        hasTs = false;
        int n = s.length();
        if (n == 0) {
            return -1;
        }
        if (!isDigit(s.charAt(0))) {
            return 0; // style 3: bare
        }
        int i = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
        }
        if (i < n && s.charAt(i) == '@') {
            // style 1: PID@SEC.USEC: (QEMU scripts/tracetool/backend/log.py "%d@%zu.%06zu:")
            int p = i + 1;
            int a = p;
            long sec = 0;
            while (p < n && isDigit(s.charAt(p)) && p - a < 12) {
                sec = sec * 10 + (s.charAt(p++) - '0');
            }
            if (p == a || p >= n || s.charAt(p) != '.') {
                return -1;
            }
            p++;
            a = p;
            long usec = 0;
            while (p < n && isDigit(s.charAt(p)) && p - a < 6) {
                usec = usec * 10 + (s.charAt(p++) - '0');
            }
            if (p == a || p >= n || s.charAt(p) != ':') {
                return -1;
            }
            for (int k = p - a; k < 6; k++) {
                usec *= 10;
            }
            hasTs = true;
            tsUs = sec * 1_000_000L + usec;
            return p + 1;
        }
        if (i == 4 && i < n && s.charAt(i) == '-') {
            // style 2: ISO-8601 UTC timestamp and a space (QEMU util/log.c, g_date_time_format_iso8601)
            int sp = s.indexOf(' ');
            if (sp < 0) {
                return -1;
            }
            long us = QemuLogTime.iso8601Micros(s, 0, sp);
            if (us == Long.MIN_VALUE) {
                return -1;
            }
            hasTs = true;
            tsUs = us;
            return sp + 1;
        }
        return 0; // a bare line starting with a digit: not an event name, counted by the caller
    }

    /** Sets the time of the records made from the current line (none if the line has no timestamp). */
    void applyTime(Emitter em) throws InputException {
        if (hasTs) {
            em.lineTime(tsUs);
        } else {
            em.noLineTime();
        }
    }

    /** End (exclusive) of the event name that starts at {@code at}: the run of name characters. */
    static int nameEnd(String line, int at) {
        int e = at;
        int n = line.length();
        while (e < n && isNameChar(line.charAt(e))) {
            e++;
        }
        return e;
    }

    /** True if the event name {@code line[at, e)} is {@code name}. */
    static boolean is(String line, int at, int e, String name) {
        return e - at == name.length() && line.startsWith(name, at);
    }

    /** The version after {@link #VERSION_TEXT} in {@code line}, or null. */
    static String findVersion(String line) {
        int i = line.indexOf(VERSION_TEXT);
        if (i < 0) {
            return null;
        }
        int a = i + VERSION_TEXT.length();
        int b = a;
        while (b < line.length() && line.charAt(b) != ' ' && line.charAt(b) != '"' && b - a < 64) {
            b++;
        }
        return b > a ? line.substring(a, b) : null;
    }

    /** The line as quoted in an error message: at most 200 characters. */
    static String shorten(String line) {
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }
}
