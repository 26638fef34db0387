package dev.gvsim.guesttraces.format;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the binary trace form, version 1.0 (docs/trace-binary-format.md): header, chunk
 * layout, record tags and the bounds a reader enforces.
 */
final class BinaryFormat {
    private BinaryFormat() {
    }

    /** File magic (docs/trace-binary-format.md §2): 0x89 "GVT" CR LF SUB LF, PNG-style, catches text-mode mangling. */
    static final byte[] MAGIC = {(byte) 0x89, 'G', 'V', 'T', '\r', '\n', 0x1a, '\n'};
    static final int VERSION_MAJOR = 1;
    static final int VERSION_MINOR = 0;
    /** Magic 8 + major u16 + minor u16 + flags u32. */
    static final int HEADER_LEN = 16;

    /** Chunk header: type u8, payload length u32, record count u32, CRC32C u32 (§3). */
    static final int CHUNK_HEADER_LEN = 13;
    static final int CHUNK_RECORDS = 0x01;
    static final int CHUNK_END = 0x7f;
    /** The writer closes a chunk once its payload reaches this size. */
    static final int CHUNK_TARGET = 64 << 10;
    /** Largest payload a reader accepts (bounds memory on hostile input). */
    static final int MAX_PAYLOAD = 16 << 20;

    /** Record tag bit 7: template-coded rd/wr (§4.2); clear: generic record, low bits = op code (§4.1). */
    static final int TAG_TEMPLATE = 0x80;
    static final int SEL_SHIFT = 5;
    static final int SEL_PRED2 = 0, SEL_PRED1 = 1, SEL_REF = 2, SEL_NEW = 3;
    static final int VA_SHIFT = 3;
    static final int VA_STRIDE = 0, VA_SEQUENTIAL = 1, VA_DELTA_TPL = 2, VA_DELTA_PREV = 3;
    static final int TAG_VALUE = 1 << 2;
    static final int TAG_T = 1 << 1;
    static final int TAG_CPU = 1;

    /** Generic record presence bits (§4.1). */
    static final int P_T = 1, P_CPU = 1 << 1, P_PC = 1 << 2, P_SYM = 1 << 3, P_IMPL = 1 << 4, P_X = 1 << 5,
            P_EXPECT = 1 << 6, P_VAL = 1 << 7, P_FLAGS = 1 << 8, P_FWB = 1 << 9, P_STAGE2 = 1 << 10;
    static final int P_ALL = (1 << 11) - 1;

    /** String references (§5): 0 = new literal added to the table, 1 = literal not added, n >= 2 = entry n - 2. */
    static final int STR_NEW = 0, STR_LITERAL = 1, STR_BASE = 2;
    static final int MAX_STRINGS = 1 << 18;
    static final long MAX_STRING_BYTES = 16L << 20;
    static final int MAX_STRING_LEN = 1 << 20;
    static final int MAX_TEMPLATES = 1 << 18;
    /** Second-order template predictor: hashed (previous-but-one, previous) template pair (§4.2). */
    static final int CTX_BITS = 16;

    static int ctxIndex(int prev2, int prev1) {
        int h = prev2 * 0x9E3779B1 ^ (prev1 + 0x7F4A7C15) * 0x85EBCA77;
        return (h ^ (h >>> 15)) & ((1 << CTX_BITS) - 1);
    }

    /** A string a text line can carry: no CR or LF. */
    static boolean textSafe(String s) {
        return s.indexOf('\n') < 0 && s.indexOf('\r') < 0;
    }

    /** A usable key name: non-empty, no whitespace, '=', '"', '#' or control characters. */
    static boolean keySafe(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '=' || c == '"' || c == '#' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
