package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gvsim.simcore.InputException;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Issue 29: the binary reader's short path for the next store of a run ({@link
 * BinaryTraceReader#nextRunStore}) against {@link BinaryTraceReader#next}. A reader that tries the
 * short path before every record, asking for the store that would continue the previous one, must
 * give the same records (those it takes: the same op, address, size, flags, CPU and value) and then
 * the same error, naming the same byte offset, chunk and record, as a reader that only calls next():
 * on the real trace, on generated store runs (values, CPUs, sizes, strides, times, chunk ends) and
 * on thousands of mutated binaries whose CRCs were recomputed, so that the decoder sees the hostile
 * bytes.
 */
class BinaryRunStoreTest {

    @Test
    void realTraceTheShortPathTakesTheRunsAndGivesTheSameRecords() throws Exception {
        List<TraceRecord> recs = new ArrayList<>();
        try (TraceReader in = TraceFiles.openResource(TraceFormatFuzzTest.REAL_TRACE)) {
            TraceRecord r = new TraceRecord();
            while (recs.size() < 300_000 && in.next(r)) {
                TraceRecord c = new TraceRecord();
                c.copyFrom(r);
                recs.add(c);
            }
        }
        byte[] bin = Traces.binary(recs);
        Outcome plain = read(bin, false);
        Outcome fast = read(bin, true);
        fast.assertSameAs(plain);
        Outcome peek = read(bin, true, new Random(29));
        peek.assertSameAs(plain);
        assertThat(peek.peeked).as("taken a run at a time").isGreaterThan(recs.size() * 8L / 10);
        assertThat(plain.error).isNull();
        assertThat(plain.records).hasSize(recs.size());
        // the trace is page-long runs of 8-byte stores: nearly every store continues the previous one
        assertThat(fast.taken).isGreaterThan(recs.size() * 9L / 10);
    }

    @Test
    void generatedRunsSameRecordsOnBothPaths() throws Exception {
        long taken = 0;
        long refused = 0;
        long peeked = 0;
        for (int seed = 1; seed <= 60; seed++) {
            byte[] bin = Traces.binary(Traces.parse(generate(new Random(seed))));
            Outcome plain = read(bin, false);
            Outcome fast = read(bin, true);
            fast.assertSameAs(plain);
            Outcome peek = read(bin, true, new Random(seed));
            peek.assertSameAs(plain);
            peeked += peek.peeked;
            assertThat(plain.error).as("seed %d", seed).isNull();
            taken += fast.taken;
            refused += fast.records.size() - fast.taken;
        }
        // both outcomes are exercised: stores taken, and records the short path leaves to next()
        assertThat(taken).isGreaterThan(20_000L);
        assertThat(refused).isGreaterThan(1_000L);
        assertThat(peeked).isGreaterThan(5_000L);
    }

    @Test
    void mutatedBinariesFailTheSameWayOnBothPaths() throws Exception {
        byte[] seed = Traces.binary(Traces.parse(generate(new Random(99))));
        Random r = new Random(TraceFormatFuzzTest.SEED + 29);
        int failed = 0;
        int tries = Math.max(500, TraceFormatFuzzTest.TRIES / 2);
        for (int i = 0; i < tries; i++) {
            byte[] in = TraceFormatFuzzTest.fixCrcs(TraceFormatFuzzTest.mutate(seed, r, 1 + r.nextInt(6)));
            Outcome plain = read(in, false);
            Outcome fast = read(in, true);
            fast.assertSameAs(plain);
            read(in, true, new Random(i)).assertSameAs(plain);
            if (plain.error != null) {
                failed++;
            }
        }
        assertThat(failed).as("mutations that broke a record").isPositive().isLessThan(tries);
    }

    /**
     * Chunks whose record count is short of the records in them (CRC recomputed): the payload goes
     * on after the last counted record, which next() reports. The run-at-a-time path must stop
     * before that record rather than count it and run past the chunk's end.
     */
    @Test
    void aChunkThatCountsFewerRecordsThanItHoldsFailsTheSameWayOnBothPaths() throws Exception {
        int failed = 0;
        for (int seed = 1; seed <= 20; seed++) {
            byte[] bin = Traces.binary(Traces.parse(generate(new Random(seed))));
            for (int less : new int[] {1, 2, 7}) {
                byte[] in = bin.clone();
                int at = BinaryFormat.HEADER_LEN; // the first chunk's header: type, length, count, CRC
                long count = BinaryTraceReader.getU32(in, at + 5) - less;
                for (int k = 0; k < 4; k++) {
                    in[at + 5 + k] = (byte) (count >>> (8 * k));
                }
                in = TraceFormatFuzzTest.fixCrcs(in);
                Outcome plain = read(in, false);
                assertThat(plain.error).contains("bytes left after the chunk's last record");
                for (int r = 0; r < 3; r++) {
                    read(in, true, new Random(seed * 31 + r)).assertSameAs(plain);
                }
                failed++;
            }
        }
        assertThat(failed).isEqualTo(60);
    }

    /**
     * A generic wr record (§4.1) does not move the template decoder's previous address, so the
     * template records after it continue from the last template record's address, not from the
     * generic one's: a run that continues the generic store must not take them. The writer never
     * writes a generic wr (it has templates for all), so the bytes are put together here.
     */
    @Test
    void templateRecordsAfterAGenericStoreContinueTheTemplatesAddress() throws Exception {
        java.io.ByteArrayOutputStream rec = new java.io.ByteArrayOutputStream();
        int records = 0;
        int newDeltaPrev = BinaryFormat.TAG_TEMPLATE | BinaryFormat.SEL_NEW << BinaryFormat.SEL_SHIFT | BinaryFormat.VA_DELTA_PREV << BinaryFormat.VA_SHIFT;
        int refSequential = BinaryFormat.TAG_TEMPLATE | BinaryFormat.SEL_REF << BinaryFormat.SEL_SHIFT | BinaryFormat.VA_SEQUENTIAL << BinaryFormat.VA_SHIFT;
        int pred2Sequential = BinaryFormat.TAG_TEMPLATE | BinaryFormat.SEL_PRED2 << BinaryFormat.SEL_SHIFT | BinaryFormat.VA_SEQUENTIAL << BinaryFormat.VA_SHIFT;
        // templates 0 and 1: wr size=8 at two pcs, at 0x10000 and 0x10008
        for (int k = 0; k < 2; k++) {
            rec.write(newDeltaPrev);
            rec.write(Op.WR.ordinal());
            varint(rec, 8); // size
            varint(rec, 0); // flags
            rec.write(1); // pc present
            varint(rec, 0x1000 + 4 * k);
            varint(rec, 0); // no x- keys
            varint(rec, k == 0 ? 0x20000 : 16); // zigzag(va - prevVa)
            records++;
        }
        // the pair (0, 1), (1, 0) into the second-order context, then the cycle on its own
        for (int k = 0; k < 2; k++) {
            rec.write(refSequential);
            varint(rec, k);
            records++;
        }
        for (int k = 0; k < 10; k++) {
            rec.write(pred2Sequential);
            records++;
        }
        // a generic wr at 0x20000, then more of the cycle: at 0x10070 on, not at 0x20008
        rec.write(Op.WR.ordinal());
        varint(rec, 0); // presence
        varint(rec, 0x20000);
        varint(rec, 8);
        records++;
        for (int k = 0; k < 40; k++) {
            rec.write(pred2Sequential);
            records++;
        }
        byte[] bin = file(rec.toByteArray(), records);
        Outcome plain = read(bin, false);
        assertThat(plain.error).isNull();
        assertThat(plain.records).hasSize(records);
        assertThat(plain.records.get(14)).startsWith("WR 20000 8");
        assertThat(plain.records.get(15)).startsWith("WR 10070 8");
        for (int r = 0; r < 5; r++) {
            Outcome peek = read(bin, true, new Random(r));
            peek.assertSameAs(plain);
            assertThat(peek.peeked).as("the cycle before the generic store").isPositive();
        }
    }

    private static void varint(java.io.ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** A binary file of one records chunk with this payload and record count, and the end chunk. */
    private static byte[] file(byte[] payload, int records) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        o.write(BinaryFormat.MAGIC, 0, BinaryFormat.MAGIC.length);
        o.write(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 0, 8); // version 1.0, flags 0
        chunk(o, BinaryFormat.CHUNK_RECORDS, payload, records);
        byte[] total = new byte[8];
        for (int k = 0; k < 8; k++) {
            total[k] = (byte) ((long) records >>> (8 * k));
        }
        chunk(o, BinaryFormat.CHUNK_END, total, 0);
        return TraceFormatFuzzTest.fixCrcs(o.toByteArray());
    }

    private static void chunk(java.io.ByteArrayOutputStream o, int type, byte[] payload, int count) {
        o.write(type);
        for (long v : new long[] {payload.length, count, 0}) { // the CRC is filled in by fixCrcs
            for (int k = 0; k < 4; k++) {
                o.write((int) (v >>> (8 * k)) & 0xff);
            }
        }
        o.write(payload, 0, payload.length);
    }

    /** A reader that is not binary has no short path: it never takes a store. */
    @Test
    void textReaderHasNoShortPath() throws Exception {
        TraceReader in = new TextTraceReader(new ByteArrayInputStream("gvsim-trace 1\nwr va=0x1000 size=8\nwr va=0x1008 size=8\n".getBytes()));
        in.omitExtensions();
        in.callerOnlyReadsRecords();
        TraceRecord r = new TraceRecord();
        assertThat(in.next(r)).isTrue();
        assertThat(in.nextRunStore(0x1008, 8, 0, 0, false)).isFalse();
        assertThat(in.next(r)).isTrue();
        assertThat(r.va).isEqualTo(0x1008);
    }

    /** What a reader gave: one line per record, then the error, if any; and how many the short path took. */
    static final class Outcome {
        final List<String> records = new ArrayList<>();
        String error;
        long taken;
        /** Of those, taken by peekRunStores / commitRunStores. */
        long peeked;

        void assertSameAs(Outcome plain) {
            assertThat(records).isEqualTo(plain.records);
            assertThat(error).isEqualTo(plain.error);
        }
    }

    /**
     * Reads every record; with {@code fast}, first tries the short path for the store that would
     * continue the previous record (when that was a wr of at most 8 bytes without t=).
     */
    static Outcome read(byte[] bin, boolean fast) {
        return read(bin, fast, null);
    }

    /**
     * {@link #read(byte[], boolean)}; with {@code peek} also the run-at-a-time path first: {@link
     * BinaryTraceReader#peekRunStores} (up to a random maximum), then {@link
     * BinaryTraceReader#commitRunStores} of a random number of the records it counted (all of them
     * half the time), as the replayer takes fewer when a kernel event is due.
     */
    static Outcome read(byte[] bin, boolean fast, Random peek) {
        Outcome o = new Outcome();
        try {
            BinaryTraceReader in = new BinaryTraceReader(new ByteArrayInputStream(bin));
            in.omitExtensions();
            in.callerOnlyReadsRecords();
            TraceRecord r = new TraceRecord();
            boolean prevStore = false;
            long va = 0;
            long size = 0;
            int flags = 0;
            int cpu = 0;
            boolean hasVal = false;
            while (true) {
                if (fast && peek != null && prevStore && !hasVal) {
                    int max = peek.nextInt(4) == 0 ? 1 + peek.nextInt(40) : 4096;
                    int m = in.peekRunStores(va + size, size, flags, cpu, max);
                    assertThat(m).isBetween(0, max);
                    if (m > 0) {
                        int n = peek.nextBoolean() ? m : peek.nextInt(m + 1);
                        in.commitRunStores(n);
                        for (int k = 0; k < n; k++) {
                            va += size;
                            o.records.add(line(Op.WR, va, size, flags, cpu, false, 0));
                        }
                        o.peeked += n;
                        o.taken += n;
                        if (n > 0) {
                            continue;
                        }
                    }
                }
                if (fast && prevStore && in.nextRunStore(va + size, size, flags, cpu, hasVal)) {
                    va += size;
                    o.taken++;
                    o.records.add(line(Op.WR, va, size, flags, cpu, hasVal, hasVal ? in.runStoreValue() : 0));
                    continue;
                }
                if (!in.next(r)) {
                    break;
                }
                o.records.add(line(r.op, r.va, r.size, r.flags, r.cpu, r.hasVal, r.val) + (r.op == Op.WR && !r.hasT ? "" : " " + r));
                prevStore = r.op == Op.WR && !r.hasT && r.size <= 8;
                va = r.va;
                size = r.size;
                flags = r.flags;
                cpu = r.cpu;
                hasVal = r.hasVal;
            }
            assertThat(in.records()).isEqualTo(o.records.size());
        } catch (InputException e) {
            o.error = e.getMessage();
        }
        return o;
    }

    private static String line(Op op, long va, long size, int flags, int cpu, boolean hasVal, long val) {
        return op + " " + Long.toHexString(va) + " " + size + " " + flags + " " + cpu + (hasVal ? " " + Long.toHexString(val) : "");
    }

    /** Runs of stores (every size, values, CPUs, strides, a time now and then) and other records between them. */
    static String generate(Random rnd) {
        StringBuilder sb = new StringBuilder("gvsim-trace 1\nmap va=0xffff800010000000 pa=0x10000000 size=0x4000000 attr=normal-nc\n");
        long t = 0;
        int runs = 10 + rnd.nextInt(40);
        for (int i = 0; i < runs; i++) {
            int size = new int[] {1, 2, 4, 8, 8, 8, 16}[rnd.nextInt(7)];
            long va = 0xffff800010000000L + (rnd.nextInt(0x100000) & -size);
            int count = 1 + rnd.nextInt(rnd.nextBoolean() ? 30 : 900);
            boolean val = rnd.nextInt(3) == 0;
            int cpu = rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0;
            String flags = new String[] {"", "", "", " flags=pair", " flags=rel"}[rnd.nextInt(5)];
            long step = rnd.nextInt(8) == 0 ? 2L * size : size; // a strided loop now and then
            for (int k = 0; k < count; k++) {
                boolean op = rnd.nextInt(200) == 0;
                sb.append(op ? "rd" : "wr").append(" va=0x").append(Long.toHexString(va)).append(" size=").append(size);
                if (val && !op) {
                    sb.append(" val=0x").append(Long.toHexString(rnd.nextLong() & (size >= 8 ? -1L : (1L << (8 * size)) - 1)));
                }
                sb.append(flags);
                int c = rnd.nextInt(300) == 0 ? (cpu + 1) % 4 : cpu;
                if (c != 0) {
                    sb.append(" cpu=").append(c);
                }
                sb.append(" pc=0x").append(Long.toHexString(0xffff000000001000L + 4 * (k % 4))).append(" sym=f+").append(k % 4);
                if (rnd.nextInt(250) == 0) {
                    t += 1 + rnd.nextInt(1000);
                    sb.append(" t=").append(t);
                }
                if (rnd.nextInt(500) == 0) {
                    sb.append(" x-note=k").append(k);
                }
                sb.append('\n');
                if (rnd.nextInt(400) == 0) {
                    sb.append("delay ps=").append(rnd.nextInt(1000)).append('\n');
                }
                va += rnd.nextInt(300) == 0 ? 3 * size : step;
            }
        }
        return sb.toString();
    }
}
