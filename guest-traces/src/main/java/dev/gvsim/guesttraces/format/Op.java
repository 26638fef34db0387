package dev.gvsim.guesttraces.format;

/** The record kinds of gvsim trace format version 1 (docs/trace-format.md "Ops"); order is the binary op code. */
public enum Op {
    META("meta"), MACHINE("machine"), MAP("map"), S2MAP("s2map"), UNMAP("unmap"), RD("rd"), WR("wr"),
    MEMCPY("memcpy"), MEMSET("memset"), CFGRD("cfgrd"), CFGWR("cfgwr"), IORD("iord"), IOWR("iowr"),
    DELAY("delay"), MARK("mark");

    private static final Op[] ALL = values();
    private final String word;
    final byte[] wordBytes;

    Op(String word) {
        this.word = word;
        this.wordBytes = word.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** The op word as written in the text form. */
    public String word() {
        return word;
    }

    /** The op for a text word, or {@code null} if the word is not an op of version 1. */
    public static Op fromWord(String w) {
        for (Op o : ALL) {
            if (o.word.equals(w)) {
                return o;
            }
        }
        return null;
    }

    /** Allocation-free lookup from bytes; null if unknown. */
    static Op fromBytes(byte[] b, int off, int len) {
        for (Op o : ALL) {
            byte[] w = o.wordBytes;
            if (w.length == len && TextCodec.equalBytes(w, b, off, len)) {
                return o;
            }
        }
        return null;
    }

    static Op byCode(int code) {
        return code >= 0 && code < ALL.length ? ALL[code] : null;
    }
}
