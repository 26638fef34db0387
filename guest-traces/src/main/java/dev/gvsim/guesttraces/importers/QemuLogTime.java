package dev.gvsim.guesttraces.importers;

/**
 * Time parsing for the QEMU {@code log} importer: the ISO-8601 UTC timestamp that starts a line of
 * the second prefix style (QEMU util/log.c writes it with GLib's {@code g_date_time_format_iso8601}),
 * turned into microseconds since the Unix epoch. {@link QemuLogLine} finds the timestamp and calls
 * {@link #iso8601Micros}; the {@code PID@SEC.USEC:} style needs no calendar and is read there.
 *
 * <p>Stateless and without {@code java.time}: the calendar arithmetic is H. Hinnant's
 * {@code days_from_civil} ({@link #daysFromCivil}).
 */
final class QemuLogTime {
    private QemuLogTime() {
    }

    /**
     * Microseconds since the Unix epoch of an ISO-8601 timestamp {@code YYYY-MM-DDTHH:MM:SS[.frac]}
     * with {@code Z} or {@code ±HH:MM}/{@code ±HHMM}; Long.MIN_VALUE if it does not parse.
     */
    static long iso8601Micros(String s, int from, int to) {
        int[] p = {from};
        long y = digits(s, p, to, 4);
        if (y < 0 || !at(s, p, to, '-')) {
            return Long.MIN_VALUE;
        }
        long mo = digits(s, p, to, 2);
        if (mo < 1 || mo > 12 || !at(s, p, to, '-')) {
            return Long.MIN_VALUE;
        }
        long d = digits(s, p, to, 2);
        if (d < 1 || d > 31 || !(at(s, p, to, 'T') || at(s, p, to, 't') || at(s, p, to, ' '))) {
            return Long.MIN_VALUE;
        }
        long h = digits(s, p, to, 2);
        if (h < 0 || h > 23 || !at(s, p, to, ':')) {
            return Long.MIN_VALUE;
        }
        long mi = digits(s, p, to, 2);
        if (mi < 0 || mi > 59 || !at(s, p, to, ':')) {
            return Long.MIN_VALUE;
        }
        long se = digits(s, p, to, 2);
        if (se < 0 || se > 60) {
            return Long.MIN_VALUE;
        }
        long us = 0;
        if (at(s, p, to, '.') || at(s, p, to, ',')) {
            int a = p[0];
            while (p[0] < to && isDigit(s.charAt(p[0]))) {
                if (p[0] - a < 6) {
                    us = us * 10 + (s.charAt(p[0]) - '0');
                }
                p[0]++;
            }
            if (p[0] == a) {
                return Long.MIN_VALUE;
            }
            for (int k = p[0] - a; k < 6; k++) {
                us *= 10;
            }
        }
        long offsetMin = 0;
        if (at(s, p, to, 'Z') || at(s, p, to, 'z')) {
            offsetMin = 0;
        } else if (p[0] < to && (s.charAt(p[0]) == '+' || s.charAt(p[0]) == '-')) {
            int sign = s.charAt(p[0]) == '-' ? -1 : 1;
            p[0]++;
            long oh = digits(s, p, to, 2);
            at(s, p, to, ':');
            long om = digits(s, p, to, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetMin = sign * (oh * 60 + om);
        }
        if (p[0] != to) {
            return Long.MIN_VALUE;
        }
        long days = daysFromCivil(y, mo, d);
        long secs = days * 86400 + h * 3600 + mi * 60 + se - offsetMin * 60;
        return secs * 1_000_000L + us;
    }

    private static long digits(String s, int[] p, int to, int n) {
        if (p[0] + n > to) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(p[0] + i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        p[0] += n;
        return v;
    }

    private static boolean at(String s, int[] p, int to, char c) {
        if (p[0] < to && s.charAt(p[0]) == c) {
            p[0]++;
            return true;
        }
        return false;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
    static long daysFromCivil(long y, long m, long d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
