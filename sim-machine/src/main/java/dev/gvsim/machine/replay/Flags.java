package dev.gvsim.machine.replay;

import dev.gvsim.simcore.Access;

/** The trace's {@code flags=} words for Access flag bits. */
final class Flags {
    private Flags() {
    }

    static String toText(int flags) {
        StringBuilder sb = new StringBuilder();
        append(sb, flags, Access.F_EXCL, "excl");
        append(sb, flags, Access.F_ACQ, "acq");
        append(sb, flags, Access.F_REL, "rel");
        append(sb, flags, Access.F_ATOMIC, "atomic");
        append(sb, flags, Access.F_PAIR, "pair");
        append(sb, flags, Access.F_ZVA, "zva");
        return sb.toString();
    }

    private static void append(StringBuilder sb, int flags, int bit, String word) {
        if ((flags & bit) != 0) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(word);
        }
    }
}
