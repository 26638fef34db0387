package dev.gvsim.simcore;

/**
 * Simulated time. A point in time or a duration is a {@code long} of picoseconds; this class only
 * holds the units and the conversions. 2^63 ps is about 106 days of simulated time.
 */
public final class SimTime {
    public static final long PS = 1L;
    public static final long NS = 1_000L;
    public static final long US = 1_000_000L;
    public static final long MS = 1_000_000_000L;
    public static final long S = 1_000_000_000_000L;

    private SimTime() {
    }

    public static long ns(long n) {
        return Math.multiplyExact(n, NS);
    }

    public static long us(long n) {
        return Math.multiplyExact(n, US);
    }

    public static long ms(long n) {
        return Math.multiplyExact(n, MS);
    }

    /** Picoseconds from a (possibly fractional) number of nanoseconds, rounded to the nearest ps. */
    public static long fromNanos(double ns) {
        return Math.round(ns * NS);
    }

    public static double toNanos(long ps) {
        return ps / (double) NS;
    }

    public static double toSeconds(long ps) {
        return ps / (double) S;
    }

    /**
     * Human form with the largest unit that keeps the value at or above 1: {@code 812 ps},
     * {@code 1.250 ns}, {@code 3.000 us}, {@code 12.500 ms}, {@code 2.000 s}. Deterministic (no
     * locale).
     */
    public static String format(long ps) {
        long a = Math.abs(ps);
        if (a < NS) {
            return ps + " ps";
        }
        if (a < US) {
            return fixed3(ps, NS) + " ns";
        }
        if (a < MS) {
            return fixed3(ps, US) + " us";
        }
        if (a < S) {
            return fixed3(ps, MS) + " ms";
        }
        return fixed3(ps, S) + " s";
    }

    private static String fixed3(long ps, long unit) {
        // integer arithmetic: no locale, no binary rounding surprises
        long milli = Math.round(ps / (unit / 1000.0));
        String sign = milli < 0 ? "-" : "";
        milli = Math.abs(milli);
        long whole = milli / 1000;
        long frac = milli % 1000;
        return sign + whole + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + frac;
    }

    /** Parses {@code 10ms}, {@code 2.5us}, {@code 812ps}, {@code 100} (ps). */
    public static long parse(String text) {
        String t = text.trim();
        long unit = PS;
        String num = t;
        String[][] units = {{"ps", "1"}, {"ns", "1000"}, {"us", "1000000"}, {"ms", "1000000000"}, {"s", "1000000000000"}};
        for (String[] u : units) {
            if (t.endsWith(u[0]) && !(u[0].equals("s") && (t.endsWith("ps") || t.endsWith("ns") || t.endsWith("us") || t.endsWith("ms")))) {
                unit = Long.parseLong(u[1]);
                num = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            if (num.contains(".")) {
                return Math.round(Double.parseDouble(num) * unit);
            }
            return Math.multiplyExact(Long.parseLong(num), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (expected e.g. 812ps, 2.5us, 10ms)");
        }
    }
}
