package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.InputException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Binary form (docs/trace-binary-format.md): lossless round trips, damage handling, bounds. */
class BinaryFormatTest {
    static final String ALL_OPS = "gvsim-trace 1\n"
            + "meta source=\"Linux 6.1 drm/qxl probe\" recorder=\"QEMU TCG plugin\" quote=\"a \\\"b\\\" \\\\c #d\"\n"
            + "machine args=\"-M virt -device pcie-root-port,id=rp1 -device qxl,bus=rp1\" x-note=hand\n"
            + "map va=0xffff800018000000 pa=0x18000000 size=0x2000 attr=device-ngnre   # ioremap(rom)\n"
            + "s2map ipa=0x40000000 pa=0x80000000 size=0x200000 attr=normal-wb fwb=0 t=5\n"
            + "s2map ipa=0x40200000 pa=0x80200000 size=0x1000 attr=device-ngnrne\n"
            + "rd va=0xffff800018000000 size=4 expect=0x4f525851 pc=0xffffd90fa7dce980 sym=qxl_device_init+0x2d0\n"
            + "wr va=0xffff80001801149c size=8 val=0x10000000 pc=0xffffd90fa7dce538 sym=setup_slot+0x38 x-insn=\"stur x4, [x1, #0x9c]\"\n"
            + "rd va=0xffff800018000010 size=16 expect=0xffeeddccbbaa99887766554433221100 flags=pair,acq t=100 cpu=2\n"
            + "wr va=0xffff800018000040 size=64 flags=zva cpu=1\n"
            + "wr va=0xffff800018000000 size=4 flags=excl,rel,atomic\n"
            + "rd va=0x10 size=1 sym=\"weird sym\"\n"
            + "memcpy dst=0xffff800010000000 src=0xffff000001000000 len=0x1000 impl=memcpy-toio pc=0x1234 sym=qxl_copy\n"
            + "memset dst=0xffff800010000000 len=0x40 val=0xaa impl=arm64-memset\n"
            + "memset dst=0x0 len=0 val=0\n"
            + "cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x1001b36\n"
            + "cfgwr bdf=01:1f.7 off=0x4 size=2 val=0x7 t=200\n"
            + "iord port=0x1004 size=1 expect=0x60\n"
            + "iowr port=0xffffffff size=4 val=0xffffffff\n"
            + "unmap va=0xffff800018000000 size=0x2000\n"
            + "unmap ipa=0x40000000 size=0x200000 stage=2\n"
            + "delay ps=1000000 t=200\n"
            + "mark name=\"frame 1\" t=300 cpu=4095 x-a=1 x-b=\"two words\"\n";

    @Test
    void aReusedRecordDirtiedByTheCallerDecodesLikeAFreshOne() throws Exception {
        List<TraceRecord> orig = Traces.parse(ALL_OPS + "wr va=0xffff80001801149c size=8 val=0x1 pc=0xffffd90fa7dce538 sym=setup_slot+0x38\n"
                + "wr va=0xffff8000180114a4 size=8 val=0x2 pc=0xffffd90fa7dce538 sym=setup_slot+0x38\n");
        byte[] bin = Traces.binary(orig);
        TraceRecord reused = new TraceRecord();
        try (BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(bin))) {
            for (TraceRecord expected : orig) {
                // whatever a caller left in the record, every field comes back as the record says
                reused.pa = 1;
                reused.attr = 3;
                reused.stage = 2;
                reused.port = 5;
                reused.name = "left over";
                reused.addMeta("k", "v");
                reused.hasExpect = true;
                reused.cpu = 7;
                assertThat(in.next(reused)).isTrue();
                assertThat(reused.sameContent(expected)).as("record %s: %s", expected.index, reused).isTrue();
                assertThat(reused.metaCount()).isEqualTo(expected.metaCount());
                assertThat(reused.name).isEqualTo(expected.name);
            }
            assertThat(in.next(reused)).isFalse();
        }
    }

    @Test
    void aReadOnlyCallerGetsTheSameRecordsWithLessResetting() throws Exception {
        // generic records with rare fields between template records: the reader must still reset them
        List<TraceRecord> orig = Traces.parse(ALL_OPS + "wr va=0xffff80001801149c size=8 val=0x1 sym=a\n"
                + "map va=0x40000000 pa=0x40000000 size=0x1000 attr=normal-wb\n"
                + "wr va=0xffff8000180114a4 size=8 val=0x2 sym=a\n"
                + "wr va=0xffff8000180114ac size=8 val=0x3 sym=a\n"
                + "cfgwr bdf=00:02.0 off=0x10 size=4 val=0xffffffff\n"
                + "rd va=0xffff800018000000 size=4 expect=0x4f525851\n");
        byte[] bin = Traces.binary(orig);
        TraceRecord r = new TraceRecord();
        try (BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(bin))) {
            in.callerOnlyReadsRecords();
            for (TraceRecord expected : orig) {
                assertThat(in.next(r)).isTrue();
                assertThat(r.sameContent(expected)).as("record %s: %s", expected.index, r).isTrue();
            }
            assertThat(in.next(r)).isFalse();
        }
    }

    /**
     * Runs of template records where some carry a value, an expected value, a time, a CPU or x- keys
     * and their neighbours do not: a read-only caller (which the reader resets less for) gets every
     * record as a caller that writes to its record does, with and without x- keys.
     */
    @Test
    void aReadOnlyCallerGetsTheSameTemplateRecordsWhateverTheyAddToTheirTemplate() throws Exception {
        StringBuilder t = new StringBuilder("gvsim-trace 1\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
        long time = 0;
        for (int i = 0; i < 4000; i++) {
            boolean read = rnd.nextInt(5) == 0;
            t.append(read ? "rd" : "wr").append(" va=0x").append(Long.toHexString(0xffff800014000000L + 8L * i)).append(" size=8");
            int extra = rnd.nextInt(6);
            if (extra == 1) {
                t.append(read ? " expect=0x" : " val=0x").append(Long.toHexString(rnd.nextLong()));
            } else if (extra == 2) {
                time += 1 + rnd.nextInt(1000);
                t.append(" t=").append(time);
            } else if (extra == 3) {
                t.append(" cpu=").append(1 + rnd.nextInt(3));
            }
            t.append(" pc=0xffffd90fa7dce538 sym=memcpy_toio+0x").append(Integer.toHexString(rnd.nextInt(2) * 4));
            if (rnd.nextInt(4) == 0) {
                t.append(" x-insn=\"str x").append(rnd.nextInt(3)).append(", [x1]\"");
            }
            t.append('\n');
        }
        List<TraceRecord> orig = Traces.parse(t.toString());
        byte[] bin = Traces.binary(orig);
        assertThat(orig.stream().filter(x -> x.xCount() > 0).count()).isBetween(500L, 1500L);
        for (boolean omitX : new boolean[] {false, true}) {
            TraceRecord r = new TraceRecord();
            try (BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(bin));
                    BinaryTraceReader ref = new BinaryTraceReader(new ByteArrayInputStream(bin))) {
                in.callerOnlyReadsRecords();
                if (omitX) {
                    in.omitExtensions();
                    ref.omitExtensions();
                }
                for (TraceRecord original : orig) {
                    TraceRecord expected = new TraceRecord(); // a fresh record each time: nothing left over
                    assertThat(ref.next(expected)).isTrue();
                    assertThat(expected.sameContent(original) || omitX).isTrue();
                    assertThat(in.next(r)).isTrue();
                    assertThat(r.sameContent(expected)).as("record %s (omit x- %s): %s", expected.index, omitX, r).isTrue();
                    assertThat(r.index).isEqualTo(expected.index);
                    assertThat(r.line).isEqualTo(expected.line);
                }
                assertThat(in.next(r)).isFalse();
            }
        }
    }

    @Test
    void omitExtensionsLeavesXKeysOutButStillReadsThem() throws Exception {
        List<TraceRecord> orig = Traces.parse(ALL_OPS);
        byte[] bin = Traces.binary(orig);
        TraceRecord r = new TraceRecord();
        int withX = 0;
        try (BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(bin))) {
            in.omitExtensions();
            for (TraceRecord expected : orig) {
                assertThat(in.next(r)).isTrue();
                withX += expected.xCount() > 0 ? 1 : 0;
                assertThat(r.xCount()).isZero();
                assertThat(r.op).isEqualTo(expected.op);
                assertThat(r.va).isEqualTo(expected.va);
                assertThat(r.sym).isEqualTo(expected.sym);
            }
            assertThat(in.next(r)).isFalse();
        }
        assertThat(withX).isEqualTo(3); // the machine, the stur store and the mark carry x- keys
    }

    @Test
    void everyOpRoundTripsTextBinaryText() throws Exception {
        List<TraceRecord> orig = Traces.parse(ALL_OPS);
        assertThat(orig).hasSize(22);
        byte[] bin = Traces.binary(orig);
        List<TraceRecord> fromBin = Traces.fromBinary(bin);
        Traces.assertSame(orig, fromBin);
        String text = Traces.text(fromBin);
        List<TraceRecord> back = Traces.parse(text);
        Traces.assertSame(orig, back);
        assertThat(Traces.text(back)).isEqualTo(text); // the writer is canonical
        assertThat(fromBin).extracting(r -> r.line).containsOnly(-1L);
        assertThat(fromBin.get(fromBin.size() - 1).index).isEqualTo(22);
    }

    @Test
    void textWriterOutputIsReadableAndHex() throws Exception {
        String text = Traces.text(Traces.parse(ALL_OPS));
        assertThat(text).startsWith("gvsim-trace 1\n");
        assertThat(text).contains("wr va=0xffff80001801149c size=8 val=0x10000000 pc=0xffffd90fa7dce538 sym=setup_slot+0x38 "
                + "x-insn=\"stur x4, [x1, #0x9c]\"\n");
        assertThat(text).contains("expect=0xffeeddccbbaa99887766554433221100");
        assertThat(text).contains("cfgwr t=200 bdf=01:1f.7 off=0x4 size=2 val=0x7");
        assertThat(text).contains("quote=\"a \\\"b\\\" \\\\c #d\"");
    }

    @Test
    void writersRefuseRecordsAReaderWouldRefuse() throws Exception {
        TraceRecord r = new TraceRecord();
        r.op = Op.MARK;
        r.name = "a";
        r.hasT = true;
        r.t = 100;
        TraceRecord back = new TraceRecord();
        back.copyFrom(r);
        back.t = 50;
        for (boolean binary : new boolean[] {false, true}) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            TraceWriter w = binary ? new BinaryTraceWriter(bo) : new TextTraceWriter(bo);
            w.write(r);
            assertThatThrownBy(() -> w.write(back)).isInstanceOf(IOException.class).hasMessageContaining("time must not go backwards");
            TraceRecord nl = new TraceRecord();
            nl.op = Op.MARK;
            nl.name = "two\nlines";
            assertThatThrownBy(() -> w.write(nl)).isInstanceOf(IOException.class).hasMessageContaining("line break");
            TraceRecord rd = new TraceRecord();
            rd.op = Op.RD;
            rd.size = 3;
            assertThatThrownBy(() -> w.write(rd)).isInstanceOf(IOException.class).hasMessageContaining("size=3");
            TraceRecord meta = new TraceRecord();
            meta.op = Op.META;
            meta.addMeta("t", "1");
            assertThatThrownBy(() -> w.write(meta)).isInstanceOf(IOException.class).hasMessageContaining("meta key");
        }
    }

    @Test
    void modelInternalFlagBitsAreRefused() {
        TraceRecord r = new TraceRecord();
        r.op = Op.WR;
        r.size = 4;
        r.flags = Access.F_NO_DATA;
        assertThatThrownBy(() -> new BinaryTraceWriter(new ByteArrayOutputStream()).write(r)).hasMessageContaining("flags");
    }

    /** A seeded mix of every op, dominated by loops of rd/wr like a driver trace; spans many chunks. */
    static List<TraceRecord> synthetic(long seed, int n) throws InputException {
        Random rnd = new Random(seed);
        List<TraceRecord> out = new ArrayList<>(Traces.parse("gvsim-trace 1\nmeta source=synthetic\nmachine args=\"-M virt\"\n"));
        long t = 0;
        long va = 0xffff800010000000L;
        for (int i = 0; out.size() < n; i++) {
            TraceRecord r = new TraceRecord();
            int kind = rnd.nextInt(100);
            if (kind < 85) {
                int pcIdx = rnd.nextInt(kind < 60 ? 4 : 200);
                r.op = pcIdx % 3 == 0 ? Op.RD : Op.WR;
                r.size = 1L << rnd.nextInt(5);
                va = kind < 70 ? va + r.size : 0xffff800010000000L + rnd.nextInt(1 << 20);
                r.va = va;
                r.hasPc = pcIdx % 7 != 0;
                r.pc = 0xffffd90fa7dce000L + pcIdx * 4L;
                r.sym = pcIdx % 5 == 0 ? null : "fn" + pcIdx + "+0x" + Integer.toHexString(pcIdx * 4);
                r.flags = pcIdx % 11 == 0 ? Access.F_PAIR : 0;
                if (pcIdx % 2 == 0) {
                    r.addX("x-insn", "insn " + pcIdx);
                }
                if (rnd.nextInt(4) == 0) {
                    long v = rnd.nextLong();
                    long lo = r.size >= 8 ? v : v & ((1L << (8 * r.size)) - 1);
                    if (r.op == Op.RD) {
                        r.hasExpect = true;
                        r.expect = lo;
                        r.expectHi = r.size == 16 ? rnd.nextLong() : 0;
                    } else {
                        r.hasVal = true;
                        r.val = lo;
                        r.valHi = r.size == 16 ? rnd.nextLong() : 0;
                    }
                }
            } else if (kind < 90) {
                r.op = Op.CFGRD;
                r.bdf = rnd.nextInt(0x10000);
                r.off = rnd.nextInt(0x400) * 4;
                r.size = 4;
                r.hasExpect = rnd.nextBoolean();
                r.expect = r.hasExpect ? rnd.nextInt() & 0xffffffffL : 0;
            } else if (kind < 94) {
                r.op = Op.IOWR;
                r.port = rnd.nextInt(0x10000);
                r.size = 1;
                r.hasVal = true;
                r.val = rnd.nextInt(256);
            } else if (kind < 97) {
                r.op = Op.DELAY;
                r.ps = rnd.nextInt(1000000);
            } else if (kind < 99) {
                r.op = Op.MEMCPY;
                r.dst = va;
                r.src = 0xffff000001000000L + rnd.nextInt(1 << 20);
                r.len = rnd.nextInt(4096);
                r.setImpl(rnd.nextBoolean() ? "memcpy-toio" : "arm64-memcpy");
            } else {
                r.op = Op.MARK;
                r.name = "frame " + i;
            }
            if (rnd.nextInt(8) == 0) {
                t += rnd.nextInt(100000);
                r.hasT = true;
                r.t = t;
            }
            if (rnd.nextInt(16) == 0) {
                r.cpu = rnd.nextInt(8);
            }
            out.add(r);
        }
        return out;
    }

    @Test
    void syntheticTraceRoundTripsBothWays() throws Exception {
        List<TraceRecord> orig = synthetic(1, 50_000);
        byte[] bin = Traces.binary(orig);
        assertThat(chunkEnds(bin)).hasSizeGreaterThan(5);
        Traces.assertSame(orig, Traces.fromBinary(bin));
        Traces.assertSame(orig, Traces.parse(Traces.text(orig)));
    }

    /** [byte end of chunk, records up to and including it] for each records chunk of a good file. */
    static List<long[]> chunkEnds(byte[] bin) {
        List<long[]> ends = new ArrayList<>();
        int at = BinaryFormat.HEADER_LEN;
        long recs = 0;
        while (at < bin.length) {
            int type = bin[at] & 0xff;
            long len = BinaryTraceReader.getU32(bin, at + 1);
            recs += BinaryTraceReader.getU32(bin, at + 5);
            at += BinaryFormat.CHUNK_HEADER_LEN + (int) len;
            if (type == BinaryFormat.CHUNK_RECORDS) {
                ends.add(new long[] {at, recs});
            }
        }
        return ends;
    }

    /** Records held by chunks that end at or before byte {@code limit}. */
    static long recordsBefore(List<long[]> ends, long limit) {
        long n = 0;
        for (long[] e : ends) {
            if (e[0] <= limit) {
                n = e[1];
            }
        }
        return n;
    }

    /** Reads until the exception; returns the records delivered before it. */
    static List<TraceRecord> readUntilError(byte[] b, String[] message) {
        List<TraceRecord> got = new ArrayList<>();
        try {
            BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(b));
            TraceRecord r = new TraceRecord();
            while (in.next(r)) {
                TraceRecord c = new TraceRecord();
                c.copyFrom(r);
                got.add(c);
            }
            message[0] = null;
        } catch (InputException e) {
            message[0] = e.getMessage();
        }
        return got;
    }

    @Test
    void truncationAtRandomOffsetsReadsWholeChunksThenSaysWhere() throws Exception {
        List<TraceRecord> orig = synthetic(2, 30_000);
        byte[] bin = Traces.binary(orig);
        List<long[]> ends = chunkEnds(bin);
        Random rnd = new Random(42);
        String[] msg = new String[1];
        List<Integer> cuts = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            cuts.add(rnd.nextInt(bin.length));
        }
        for (long[] e : ends) {
            cuts.add((int) e[0]); // exactly at chunk boundaries: only the end chunk is missing
        }
        cuts.add(bin.length - 1);
        cuts.add(5);
        for (int cut : cuts) {
            byte[] b = Arrays.copyOf(bin, cut);
            List<TraceRecord> got = readUntilError(b, msg);
            assertThat(msg[0]).as("cut at %d", cut).isNotNull().contains("byte offset");
            if (cut >= BinaryFormat.HEADER_LEN) {
                assertThat(msg[0]).as("cut at %d", cut).containsPattern("chunk \\d+").containsPattern("truncated");
            }
            assertThat((long) got.size()).as("cut at %d", cut).isEqualTo(recordsBefore(ends, cut));
            Traces.assertSame(orig.subList(0, got.size()), got);
        }
        Traces.assertSame(orig, readUntilError(bin, msg));
        assertThat(msg[0]).isNull();
    }

    @Test
    void truncationMessageNamesOffsetAndChunk() throws Exception {
        byte[] bin = Traces.binary(synthetic(3, 20_000));
        List<long[]> ends = chunkEnds(bin);
        String[] msg = new String[1];
        long boundary = ends.get(1)[0];
        readUntilError(Arrays.copyOf(bin, (int) boundary + 5), msg);
        assertThat(msg[0]).startsWith("byte offset " + boundary + ", chunk 3: truncated chunk header (5 of 13 bytes)");
        readUntilError(Arrays.copyOf(bin, (int) boundary), msg);
        assertThat(msg[0]).startsWith("byte offset " + boundary + ", chunk 3: file ends after 2 chunks without the end chunk");
    }

    @Test
    void corruptionAtRandomOffsetsIsCaughtAndNothingAfterIsGuessed() throws Exception {
        List<TraceRecord> orig = synthetic(4, 30_000);
        byte[] bin = Traces.binary(orig);
        List<long[]> ends = chunkEnds(bin);
        Random rnd = new Random(7);
        String[] msg = new String[1];
        for (int i = 0; i < 200; i++) {
            byte[] b = bin.clone();
            int at = rnd.nextInt(b.length);
            b[at] ^= (byte) (1 + rnd.nextInt(255));
            List<TraceRecord> got = readUntilError(b, msg);
            assertThat(msg[0]).as("flip at %d", at).isNotNull().contains("byte offset");
            // every record of the damaged chunk and after is withheld
            assertThat((long) got.size()).as("flip at %d: %s", at, msg[0]).isEqualTo(recordsBefore(ends, at));
            Traces.assertSame(orig.subList(0, got.size()), got);
            if (at >= BinaryFormat.HEADER_LEN && at < bin.length - BinaryFormat.CHUNK_HEADER_LEN - 8) {
                assertThat(msg[0]).contains("chunk " + (recordsChunkIndex(ends, at) + 1));
            }
        }
    }

    private static int recordsChunkIndex(List<long[]> ends, int at) {
        for (int i = 0; i < ends.size(); i++) {
            if (at < ends.get(i)[0]) {
                return i;
            }
        }
        return ends.size();
    }

    @Test
    void crcMismatchIsReported() throws Exception {
        byte[] bin = Traces.binary(synthetic(5, 5_000));
        byte[] b = bin.clone();
        b[BinaryFormat.HEADER_LEN + BinaryFormat.CHUNK_HEADER_LEN + 10] ^= 0x40;
        String[] msg = new String[1];
        assertThat(readUntilError(b, msg)).isEmpty();
        assertThat(msg[0]).startsWith("byte offset 16, chunk 1: CRC32C mismatch (stored 0x");
    }

    @Test
    void headerChecks() throws Exception {
        byte[] bin = Traces.binary(synthetic(6, 100));
        byte[] v2 = bin.clone();
        v2[8] = 2;
        assertThatThrownBy(() -> new BinaryTraceReader(new ByteArrayInputStream(v2)))
                .hasMessage("byte offset 8: expected binary trace version 1.x but found 2.0");
        byte[] extra = Arrays.copyOf(bin, bin.length + 1);
        String[] msg = new String[1];
        assertThat(readUntilError(extra, msg)).hasSize(100);
        assertThat(msg[0]).contains("expected end of file after the end chunk");
    }

    @Test
    void crcValidButMalformedPayloadIsRejectedNotGuessed() throws Exception {
        // a records chunk whose single record refers to template 5 before any template exists
        byte[] payload = {(byte) (BinaryFormat.TAG_TEMPLATE | BinaryFormat.SEL_REF << BinaryFormat.SEL_SHIFT), 5};
        byte[] file = handMade(payload, 1);
        String[] msg = new String[1];
        assertThat(readUntilError(file, msg)).isEmpty();
        assertThat(msg[0]).isEqualTo("byte offset 16, chunk 1: corrupt chunk: template reference to an undefined template");
        // a generic rd with size 3 breaks a docs/trace-format.md rule
        byte[] bad = {5, 0, 0x10, 3};
        readUntilError(handMade(bad, 1), msg);
        assertThat(msg[0]).contains("chunk 1: corrupt chunk: record 1: expected size 1, 2, 4, 8 or 16 for rd but found size=3");
        // a record count larger than what the payload holds
        byte[] ok = {5, 0, 0x10, 4};
        readUntilError(handMade(ok, 2), msg);
        assertThat(msg[0]).contains("record runs past the end of the chunk");
    }

    /** A file with one records chunk holding {@code payload} with a correct CRC. */
    static byte[] handMade(byte[] payload, int count) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        bo.write(Arrays.copyOf(BinaryFormat.MAGIC, BinaryFormat.HEADER_LEN));
        byte[] all = bo.toByteArray();
        all[8] = 1;
        bo.reset();
        bo.write(all);
        byte[] head = new byte[BinaryFormat.CHUNK_HEADER_LEN];
        head[0] = BinaryFormat.CHUNK_RECORDS;
        BinaryTraceWriter.putU32(head, 1, payload.length);
        BinaryTraceWriter.putU32(head, 5, count);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(head, 0, 9);
        crc.update(payload);
        BinaryTraceWriter.putU32(head, 9, (int) crc.getValue());
        bo.write(head);
        bo.write(payload);
        return bo.toByteArray();
    }

    @Test
    void manyDistinctStringsStayBoundedAndLossless() throws Exception {
        // every record a new x- value: the string table (2^18) and the template table (2^18) fill up,
        // the writer falls back to literal strings and generic records, and the records stay exact
        int n = BinaryFormat.MAX_TEMPLATES + 5000;
        List<TraceRecord> recs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TraceRecord r = new TraceRecord();
            r.op = Op.WR;
            r.va = i * 8L;
            r.size = 8;
            r.addX("x-seq", Integer.toString(i));
            recs.add(r);
        }
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (BinaryTraceWriter w = new BinaryTraceWriter(bo)) {
            for (TraceRecord r : recs) {
                w.write(r);
            }
            assertThat(w.templateCount()).isEqualTo(BinaryFormat.MAX_TEMPLATES);
            assertThat(w.stringCount()).isEqualTo(BinaryFormat.MAX_STRINGS);
        }
        Traces.assertSame(recs, Traces.fromBinary(bo.toByteArray()));
    }
}
