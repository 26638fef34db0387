package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.GZIPOutputStream;

import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

import dev.gvsim.simcore.InputException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile-input properties and a bounded, seeded mutation fuzzer for the trace readers (issue 10,
 * docs/fuzzing.md). Contract: a reader returns records, then either ends or throws one
 * {@link InputException} that names where (text: "line N", binary: "byte offset N"); never another
 * exception, never a hang (records read never exceed input bytes). The mutation run's size is
 * {@code -Dgvsim.fuzz.tries=N} (default a few thousand inputs, seconds).
 */
class TraceFormatFuzzTest {
    static final int TRIES = Integer.getInteger("gvsim.fuzz.tries", 3000);
    static final long SEED = Long.getLong("gvsim.fuzz.seed", 0x6775_7369_6d10L);

    /** One line of every op and most keys (docs/trace-format.md), the text seed corpus. */
    static final String[] OP_LINES = {
        "meta source=\"Linux 6.1 drm/qxl probe\" recorder=\"QEMU TCG plugin\"",
        "machine args=\"-M virt -device pcie-root-port,id=rp1 -device qxl,bus=rp1\"",
        "map va=0xffff800018000000 pa=0x18000000 size=0x2000 attr=device-ngnre   # ioremap(rom)",
        "s2map ipa=0x40000000 pa=0x80000000 size=0x200000 attr=normal-wb fwb=1",
        "unmap va=0xffff800018000000 size=0x2000",
        "unmap ipa=0x40000000 size=0x1000 stage=2",
        "rd va=0xffff800018000000 size=4 expect=0x4f525851 pc=0xffffd90fa7dce980 sym=qxl_device_init+0x2d0",
        "wr va=0xffff80001801149c size=8 val=0x10000000 pc=0xffffd90fa7dce538 sym=setup_slot+0x38 x-insn=\"stur x4, [x1, #0x9c]\"",
        "rd va=0xffff800018000010 size=16 flags=pair,acq expect=0x112233445566778899aabbccddeeff00 t=100 cpu=1",
        "wr va=0xffff800018000004 size=4 flags=excl,rel",
        "memcpy dst=0xffff000000002000 src=0xffff000000000000 len=4000 impl=memcpy-toio",
        "memset dst=0xffff000000000000 len=4096 val=0x5a impl=arm64-memcpy",
        "cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x01001b36",
        "cfgwr bdf=01:00.0 off=0x10 size=4 val=0xffffffff",
        "iord port=0x1000 size=1 expect=0xff",
        "iowr port=0x1005 size=1 val=0x0",
        "delay ps=1000000",
        "mark name=\"frame 1\"",
    };

    /** Tokens a mutation splices in: the grammar's delimiters and boundary numbers. */
    static final String[] TOKENS = {"=", "\"", "\\", "#", " ", "\t", "\r", "\n", "0x", "0x0", "0xffffffffffffffff",
        "0x1ffffffffffffffffffffffffffffffff", "18446744073709551616", "-1", "size=", "va=", "t=", "cpu=", "x-", "x-k=\"v\"",
        "flags=", "excl,", "attr=", "bdf=", "ff:1f.7", "00:00.0", "rd", "wr", "memcpy", "len=0x40000000", "\u00e9", "\uffff",
        "\u0000", "gvsim-trace 1\n", "stage=2", "fwb=", "impl="};

    // ------------------------------------------------------------------ properties (jqwik)

    @Property
    void anyLineIsARecordOrAnInputExceptionWithItsLineNumber(@ForAll("lines") String line) {
        checkText(("gvsim-trace 1\n# c\n" + line + "\n").getBytes(StandardCharsets.UTF_8), line.indexOf('\n') < 0 ? 3 : -1);
    }

    @Property
    void anyMutationOfARealLineIsARecordOrAnInputException(@ForAll("mutatedLines") String line) {
        checkText(("gvsim-trace 1\n" + line + "\n").getBytes(StandardCharsets.UTF_8), line.indexOf('\n') < 0 ? 2 : -1);
    }

    @Property
    void arbitraryBytesAsTextNeverThrowAnythingElse(@ForAll byte[] bytes) {
        checkText(bytes, -1);
    }

    @Property
    void arbitraryBytesAsBinaryGiveAnInputExceptionWithAnOffset(@ForAll("binaryPrefixed") byte[] bytes) {
        checkBinary(bytes);
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> ascii = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(120);
        Arbitrary<String> any = Arbitraries.strings().ofMaxLength(60);
        Arbitrary<String> tokens = Arbitraries.of(TOKENS).list().ofMaxSize(12).map(l -> String.join("", l));
        Arbitrary<String> opThenTokens = Arbitraries.of(OP_LINES).flatMap(l -> tokens.map(t -> l + " " + t));
        return Arbitraries.oneOf(ascii, any, tokens, opThenTokens);
    }

    @Provide
    Arbitrary<String> mutatedLines() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            String base = realLines().get(r.nextInt(realLines().size()));
            return new String(mutate(base.getBytes(StandardCharsets.UTF_8), r, 1 + r.nextInt(4)), StandardCharsets.UTF_8);
        });
    }

    @Provide
    Arbitrary<byte[]> binaryPrefixed() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(200).map(b -> {
            byte[] out = new byte[BinaryFormat.HEADER_LEN + b.length];
            System.arraycopy(BinaryFormat.MAGIC, 0, out, 0, BinaryFormat.MAGIC.length);
            out[8] = 1; // version 1.0
            System.arraycopy(b, 0, out, BinaryFormat.HEADER_LEN, b.length);
            return fixCrcs(out);
        });
    }

    // ------------------------------------------------------------------ seeded mutation fuzzers

    /** Mutated whole text traces (real trace head + every op): records, then at most one InputException. */
    @Example
    void mutatedTextTracesOnlyEverFailWithALineNumber() {
        byte[] seed = textCorpus().getBytes(StandardCharsets.UTF_8);
        Random r = new Random(SEED);
        int failures = 0;
        for (int i = 0; i < TRIES; i++) {
            byte[] in = mutate(seed, r, 1 + r.nextInt(8));
            if (checkText(in, -1) < 0) {
                failures++;
            }
        }
        System.out.printf("text fuzz: %d inputs, %d rejected with a line number, %d read to the end%n", TRIES, failures, TRIES - failures);
        // the mutator must actually reach the error paths and the success paths
        assertThat(failures).isPositive().isLessThan(TRIES);
    }

    /**
     * Mutated binary traces with the chunk CRCs recomputed after mutation, so the decoder behind
     * the CRC check sees the hostile bytes; plus truncations.
     */
    @Example
    void mutatedBinaryTracesGiveRecordsThenAnInputException() throws Exception {
        byte[] seed = Traces.binary(Traces.parse(textCorpus()));
        Random r = new Random(SEED + 1);
        int partial = 0;
        for (int i = 0; i < TRIES; i++) {
            byte[] in = mutate(seed, r, 1 + r.nextInt(6));
            if (r.nextInt(4) == 0) {
                in = java.util.Arrays.copyOf(in, r.nextInt(in.length + 1));
            }
            if (r.nextBoolean()) {
                in = fixCrcs(in);
            }
            if (checkBinary(in) > 0) {
                partial++;
            }
        }
        System.out.printf("binary fuzz: %d inputs, %d decoded records before failing or ending%n", TRIES, partial);
        assertThat(partial).as("inputs that decoded some records before failing or ending").isPositive();
    }

    /** Compressed inputs (gzip, xz) cut or corrupted: IOException or InputException, nothing else. */
    @Example
    void corruptCompressedTracesFailCleanly() throws Exception {
        byte[] text = textCorpus().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream o = new GZIPOutputStream(gz)) {
            o.write(text);
        }
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (XZOutputStream o = new XZOutputStream(xz, new LZMA2Options(1))) {
            o.write(text);
        }
        Random r = new Random(SEED + 2);
        int n = Math.max(200, TRIES / 10);
        for (int i = 0; i < n; i++) {
            byte[] base = (i & 1) == 0 ? gz.toByteArray() : xz.toByteArray();
            byte[] in = mutate(base, r, 1 + r.nextInt(3));
            if (r.nextBoolean()) {
                in = java.util.Arrays.copyOf(in, Math.max(6, r.nextInt(in.length + 1)));
            }
            checkOpened(in);
        }
    }

    /**
     * An xz stream whose block header asks for a 1.5 GiB LZMA2 dictionary (header CRC32 valid):
     * the reader must refuse it as bad input, not allocate the dictionary (OutOfMemoryError under
     * the test's -Xmx1g). Found by this fuzz target; fixed in TraceFiles.decompress.
     */
    @Example
    void anXzHeaderAskingForAHugeDictionaryIsRefusedNotAllocated() throws Exception {
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (XZOutputStream o = new XZOutputStream(xz, new LZMA2Options(0))) {
            o.write("gvsim-trace 1\n".getBytes(StandardCharsets.UTF_8));
        }
        byte[] b = xz.toByteArray();
        // stream header 12 bytes; block header: size byte, flags, filter id 0x21, props size 1, dict byte
        int bh = 12;
        int hdrLen = ((b[bh] & 0xff) + 1) * 4;
        assertThat(b[bh + 2]).isEqualTo((byte) 0x21);
        assertThat(b[bh + 3]).isEqualTo((byte) 1);
        b[bh + 4] = 37; // LZMA2 dictionary byte 37 = 3 << 29 = 1.5 GiB (xz file format 1.2.0 §5.3.1)
        CRC32 c = new CRC32();
        c.update(b, bh, hdrLen - 4);
        long v = c.getValue();
        for (int k = 0; k < 4; k++) {
            b[bh + hdrLen - 4 + k] = (byte) (v >>> (8 * k));
        }
        Throwable t = openAndDrain(b);
        // before the fix: java.lang.OutOfMemoryError: Java heap space (XZInputStream without a memory limit)
        assertThat(t).isInstanceOf(org.tukaani.xz.MemoryLimitException.class);
    }

    /**
     * Found by the long run ({@code -Dgvsim.fuzz.tries=1000000}, 2026-11-25): a string length varint
     * >= 2^63 read as a negative long passed the "len > MAX_STRING_LEN" bound and reached
     * {@code new String(p, pos, len)}: StringIndexOutOfBoundsException after 37 records. The input is
     * committed (also a Jazzer regression input). Fixed in BinaryTraceReader.str().
     */
    @Example
    void aStringLengthAbove2To63IsACorruptChunk() throws Exception {
        byte[] in;
        try (InputStream r = TraceFormatFuzzTest.class.getResourceAsStream("TraceReaderJazzerTestInputs/opened/crash-negative-string-length")) {
            in = r.readAllBytes();
        }
        assertThat(checkBinary(in)).isEqualTo(37);
        BinaryTraceReader rd = new BinaryTraceReader(new ByteArrayInputStream(in));
        TraceRecord rec = new TraceRecord();
        InputException e = null;
        try {
            while (rd.next(rec)) {
                // records before the bad one
            }
        } catch (InputException x) {
            e = x;
        }
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("byte offset 16, chunk 1: corrupt chunk: string of ").contains("bytes overruns the chunk");
    }

    /**
     * Every varint the reader decodes is 64-bit: a value >= 2^63 (10 bytes, 0xff x 9 then 0x01) spliced
     * in at every position of a valid chunk, CRC recomputed, must read as a corrupt chunk, never as a
     * negative length, count, reference or index.
     */
    @Example
    void a64BitVarintAtAnyPositionIsCaught() throws Exception {
        byte[] seed = Traces.binary(Traces.parse(textCorpus()));
        byte[] huge = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, 0x01};
        int payloadStart = BinaryFormat.HEADER_LEN + BinaryFormat.CHUNK_HEADER_LEN;
        int firstLen = (seed[BinaryFormat.HEADER_LEN + 1] & 0xff) | (seed[BinaryFormat.HEADER_LEN + 2] & 0xff) << 8
                | (seed[BinaryFormat.HEADER_LEN + 3] & 0xff) << 16;
        for (int at = payloadStart; at < payloadStart + firstLen; at++) {
            for (int replace = 0; replace <= 1; replace++) {
                byte[] in = splice(seed, at, replace, huge);
                // keep the chunk's length field consistent with the splice
                int len = firstLen - replace + huge.length;
                in[BinaryFormat.HEADER_LEN + 1] = (byte) len;
                in[BinaryFormat.HEADER_LEN + 2] = (byte) (len >>> 8);
                in[BinaryFormat.HEADER_LEN + 3] = (byte) (len >>> 16);
                checkBinary(fixCrcs(in));
            }
        }
    }

    // ------------------------------------------------------------------ checks

    /**
     * Reads {@code in} as text; returns records read, or -(records+1) if it failed with the
     * expected InputException. {@code badLine} > 0: a failure must name exactly that line.
     */
    static int checkText(byte[] in, int badLine) {
        TextTraceReader rd = new TextTraceReader(new ByteArrayInputStream(in));
        TraceRecord r = new TraceRecord();
        int n = 0;
        try {
            while (rd.next(r)) {
                n++;
                assertThat(n).as("records never outnumber input bytes (no hang)").isLessThanOrEqualTo(in.length);
                assertThat(r.line).isEqualTo(rd.lineNumber());
            }
            return n;
        } catch (InputException e) {
            assertThat(e.getMessage()).as("an error says where").matches("(?s)line \\d+: .+");
            if (badLine > 0) {
                assertThat(e.getMessage()).startsWith("line " + badLine + ":");
            }
            assertThat(e.getMessage()).doesNotContain("\n");
            // the failure is sticky: the reader does not resume after a bad line
            InputException again = null;
            try {
                rd.next(r);
            } catch (InputException e2) {
                again = e2;
            }
            assertThat(again).isSameAs(e);
            return -(n + 1);
        } catch (RuntimeException | Error e) {
            throw new AssertionError("text reader threw " + e + " on input " + show(in), e);
        }
    }

    /** Reads {@code in} as binary; returns records read before the end or the InputException. */
    static int checkBinary(byte[] in) {
        int n = 0;
        try {
            BinaryTraceReader rd = new BinaryTraceReader(new ByteArrayInputStream(in));
            TraceRecord r = new TraceRecord();
            while (rd.next(r)) {
                n++;
                assertThat(n).as("records never outnumber input bytes (no hang)").isLessThanOrEqualTo(in.length);
            }
            return n;
        } catch (InputException e) {
            assertThat(e.getMessage()).contains("byte offset ").doesNotContain("\n");
            return n;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("binary reader threw " + e + " after " + n + " records on input " + show(in), e);
        }
    }

    static void checkOpened(byte[] in) {
        Throwable t = openAndDrain(in);
        if (t != null && !(t instanceof IOException) && !(t instanceof InputException)) {
            throw new AssertionError("TraceFiles.open threw " + t + " on input " + show(in), t);
        }
    }

    static Throwable openAndDrain(byte[] in) {
        try (TraceReader rd = TraceFiles.open(new ByteArrayInputStream(in))) {
            TraceRecord r = new TraceRecord();
            long n = 0;
            while (rd.next(r)) {
                if (++n > 100L * in.length + 1_000_000) {
                    fail("no end after " + n + " records");
                }
            }
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    // ------------------------------------------------------------------ mutation

    /** Byte-level mutations: flip, set, insert, delete, duplicate a span, splice a grammar token. */
    static byte[] mutate(byte[] in, Random r, int rounds) {
        byte[] b = in;
        for (int k = 0; k < rounds; k++) {
            int len = b.length;
            int at = len == 0 ? 0 : r.nextInt(len);
            switch (r.nextInt(7)) {
                case 0 -> {
                    if (len > 0) {
                        b = b.clone();
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> {
                    if (len > 0) {
                        b = b.clone();
                        b[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : new byte[] {0, -1, 0x7f, (byte) 0x80, '0', '=', ' '}[r.nextInt(7)]);
                    }
                }
                case 2 -> b = splice(b, at, 0, new byte[] {(byte) r.nextInt(256)});
                case 3 -> b = splice(b, at, Math.min(len - at, 1 + r.nextInt(8)), new byte[0]);
                case 4 -> {
                    int n = Math.min(len - at, 1 + r.nextInt(32));
                    byte[] span = java.util.Arrays.copyOfRange(b, at, at + n);
                    b = splice(b, len == 0 ? 0 : r.nextInt(len), 0, span);
                }
                case 5 -> b = splice(b, at, Math.min(len - at, r.nextInt(3)), TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
                default -> {
                    // overwrite with a little-endian boundary integer (binary varints, lengths, counts)
                    long[] vals = {0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffffL, 0xffffffffL, -1L, Long.MIN_VALUE, 1L << 20, 1L << 31};
                    long v = vals[r.nextInt(vals.length)];
                    b = b.clone();
                    for (int i = 0; i < 8 && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                }
            }
        }
        return b;
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /**
     * Recomputes each chunk's CRC32C (docs/trace-binary-format.md §3: type u8, length u32, count
     * u32, CRC over the first 9 header bytes and the payload) as far as the chunk lengths fit.
     */
    static byte[] fixCrcs(byte[] in) {
        byte[] b = in.clone();
        int at = BinaryFormat.HEADER_LEN;
        CRC32C c = new CRC32C();
        while (at + BinaryFormat.CHUNK_HEADER_LEN <= b.length) {
            long len = (b[at + 1] & 0xffL) | (b[at + 2] & 0xffL) << 8 | (b[at + 3] & 0xffL) << 16 | (b[at + 4] & 0xffL) << 24;
            if (at + BinaryFormat.CHUNK_HEADER_LEN + len > b.length) {
                break;
            }
            c.reset();
            c.update(b, at, 9);
            c.update(b, at + BinaryFormat.CHUNK_HEADER_LEN, (int) len);
            long v = c.getValue();
            for (int k = 0; k < 4; k++) {
                b[at + 9 + k] = (byte) (v >>> (8 * k));
            }
            at += BinaryFormat.CHUNK_HEADER_LEN + (int) len;
        }
        return b;
    }

    // ------------------------------------------------------------------ corpus

    private static List<String> realLines;

    /** The bundled recorded Linux qxl trace (guest-traces/src/main/resources). */
    static final String REAL_TRACE = "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz";

    /** Every op, plus the first lines of the bundled recorded Linux qxl trace (which must be on the class path). */
    static synchronized List<String> realLines() {
        if (realLines == null) {
            List<String> l = new ArrayList<>(List.of(OP_LINES));
            InputStream raw = TraceFormatFuzzTest.class.getResourceAsStream(REAL_TRACE);
            if (raw == null) {
                throw new IllegalStateException("bundled trace " + REAL_TRACE + " not found on the class path");
            }
            try (raw; BufferedReader br = new BufferedReader(new InputStreamReader(new XZInputStream(raw), StandardCharsets.UTF_8))) {
                String s;
                int n = 0;
                while ((s = br.readLine()) != null && n++ < 120) {
                    if (!s.startsWith("gvsim-trace")) {
                        l.add(s);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (l.size() < OP_LINES.length + 100) {
                throw new IllegalStateException("bundled trace " + REAL_TRACE + " has fewer than 100 lines");
            }
            realLines = List.copyOf(l);
        }
        return realLines;
    }

    static String textCorpus() {
        StringBuilder sb = new StringBuilder("gvsim-trace 1\n");
        for (String s : realLines()) {
            sb.append(s).append('\n');
        }
        return sb.toString();
    }

    static String show(byte[] in) {
        String s = new String(in, 0, Math.min(in.length, 400), StandardCharsets.ISO_8859_1);
        StringBuilder sb = new StringBuilder("(" + in.length + " bytes) \"");
        for (char ch : s.toCharArray()) {
            sb.append(ch >= ' ' && ch < 0x7f ? String.valueOf(ch) : String.format("\\x%02x", (int) ch));
        }
        return sb.append('"').toString();
    }
}
