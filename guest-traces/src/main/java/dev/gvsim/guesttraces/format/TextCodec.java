package dev.gvsim.guesttraces.format;

import java.nio.charset.StandardCharsets;

/** Key names and byte helpers shared by the text reader and writer (docs/trace-format.md "Lines"). */
final class TextCodec {
    static final String HEADER_WORD = "gvsim-trace";
    /** Text format version this code reads and writes (docs/trace-format.md title). */
    static final int VERSION = 1;
    /**
     * First word of the end line, {@code end records=N}: the last line a writer writes, carrying the
     * number of records before it, so a reader can tell a complete trace from a truncated one
     * (docs/trace-format.md "End line").
     */
    static final String END_WORD = "end";
    /** The end line's one key. */
    static final String END_KEY = "records";

    static final int K_T = 0, K_CPU = 1, K_VA = 2, K_PA = 3, K_IPA = 4, K_SIZE = 5, K_ATTR = 6, K_FWB = 7, K_STAGE = 8,
            K_EXPECT = 9, K_VAL = 10, K_FLAGS = 11, K_PC = 12, K_SYM = 13, K_DST = 14, K_SRC = 15, K_LEN = 16, K_IMPL = 17,
            K_BDF = 18, K_OFF = 19, K_PORT = 20, K_PS = 21, K_NAME = 22, K_ARGS = 23;
    static final String[] KEY_NAMES = {"t", "cpu", "va", "pa", "ipa", "size", "attr", "fwb", "stage", "expect", "val", "flags",
        "pc", "sym", "dst", "src", "len", "impl", "bdf", "off", "port", "ps", "name", "args"};
    static final byte[][] KEY_BYTES = new byte[KEY_NAMES.length][];
    static final byte[][] ATTR_BYTES = new byte[TraceRecord.ATTR_NAMES.length][];
    static final byte[][] FLAG_BYTES = new byte[TraceRecord.FLAG_NAMES.length][];

    static {
        for (int i = 0; i < KEY_NAMES.length; i++) {
            KEY_BYTES[i] = KEY_NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < ATTR_BYTES.length; i++) {
            ATTR_BYTES[i] = TraceRecord.ATTR_NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < FLAG_BYTES.length; i++) {
            FLAG_BYTES[i] = TraceRecord.FLAG_NAMES[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static int bit(int k) {
        return 1 << k;
    }

    static final int COMMON = bit(K_T) | bit(K_CPU);
    static final int CPU_INFO = bit(K_PC) | bit(K_SYM);
    /** Keys each op accepts, besides t, cpu and x- keys (docs/trace-format.md "Ops"); index = Op ordinal. */
    static final int[] ALLOWED = new int[Op.values().length];
    /** Keys each op requires. */
    static final int[] REQUIRED = new int[Op.values().length];

    static {
        allow(Op.META, 0, 0);
        allow(Op.MACHINE, bit(K_ARGS), bit(K_ARGS));
        int mapping = bit(K_PA) | bit(K_SIZE) | bit(K_ATTR);
        allow(Op.MAP, bit(K_VA) | mapping, bit(K_VA) | mapping);
        allow(Op.S2MAP, bit(K_IPA) | mapping | bit(K_FWB), bit(K_IPA) | mapping);
        allow(Op.UNMAP, bit(K_VA) | bit(K_IPA) | bit(K_SIZE) | bit(K_STAGE), bit(K_SIZE));
        allow(Op.RD, bit(K_VA) | bit(K_SIZE) | bit(K_EXPECT) | bit(K_FLAGS) | CPU_INFO, bit(K_VA) | bit(K_SIZE));
        allow(Op.WR, bit(K_VA) | bit(K_SIZE) | bit(K_VAL) | bit(K_FLAGS) | CPU_INFO, bit(K_VA) | bit(K_SIZE));
        allow(Op.MEMCPY, bit(K_DST) | bit(K_SRC) | bit(K_LEN) | bit(K_IMPL) | CPU_INFO, bit(K_DST) | bit(K_SRC) | bit(K_LEN));
        allow(Op.MEMSET, bit(K_DST) | bit(K_LEN) | bit(K_VAL) | bit(K_IMPL) | CPU_INFO, bit(K_DST) | bit(K_LEN) | bit(K_VAL));
        allow(Op.CFGRD, bit(K_BDF) | bit(K_OFF) | bit(K_SIZE) | bit(K_EXPECT) | CPU_INFO, bit(K_BDF) | bit(K_OFF) | bit(K_SIZE));
        allow(Op.CFGWR, bit(K_BDF) | bit(K_OFF) | bit(K_SIZE) | bit(K_VAL) | CPU_INFO,
                bit(K_BDF) | bit(K_OFF) | bit(K_SIZE) | bit(K_VAL));
        allow(Op.IORD, bit(K_PORT) | bit(K_SIZE) | bit(K_EXPECT) | CPU_INFO, bit(K_PORT) | bit(K_SIZE));
        allow(Op.IOWR, bit(K_PORT) | bit(K_SIZE) | bit(K_VAL) | CPU_INFO, bit(K_PORT) | bit(K_SIZE) | bit(K_VAL));
        allow(Op.DELAY, bit(K_PS), bit(K_PS));
        allow(Op.MARK, bit(K_NAME), bit(K_NAME));
    }

    private static void allow(Op op, int allowed, int required) {
        ALLOWED[op.ordinal()] = allowed | COMMON;
        REQUIRED[op.ordinal()] = required;
    }

    /** Comma-separated names of the keys in {@code mask}, plus "x-*" (for messages). */
    static String keyList(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < KEY_NAMES.length; k++) {
            if ((mask & (1 << k)) != 0) {
                sb.append(KEY_NAMES[k]).append(", ");
            }
        }
        return sb.append("x-*").toString();
    }

    private TextCodec() {
    }

    static boolean equalBytes(byte[] a, byte[] b, int off, int len) {
        if (a.length != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (a[i] != b[off + i]) {
                return false;
            }
        }
        return true;
    }

    /** Key id of the bytes, -1 if not a key of version 1. */
    static int keyId(byte[] b, int off, int len) {
        for (int k = 0; k < KEY_BYTES.length; k++) {
            byte[] kb = KEY_BYTES[k];
            if (kb.length == len && kb[0] == b[off] && equalBytes(kb, b, off, len)) {
                return k;
            }
        }
        return -1;
    }

    /** "'text'" of a token for error messages, shortened. */
    static String found(byte[] b, int off, int len) {
        int n = Math.min(len, 60);
        String s = new String(b, off, n, StandardCharsets.UTF_8);
        return "'" + s + (n < len ? "...'" : "'");
    }
}
