package dev.gvsim.guesttraces.format;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.gvsim.simcore.InputException;

/**
 * Coverage-guided fuzz targets (Jazzer's JUnit integration) for the trace readers (issue 10,
 * docs/fuzzing.md). Under {@code mvn verify} they run in regression mode: every input committed
 * under src/test/resources/dev/gvsim/guesttraces/format/TraceReaderJazzerTestInputs/METHOD/ (the
 * seeds and every crash found) replays once. {@code JAZZER_FUZZ=1 mvn -pl guest-traces test
 * -Dtest=TraceReaderJazzerTest#METHOD} fuzzes one target for 10^6 inputs (at most 30 minutes). The contract
 * is the readers': records, then an end or an {@link InputException}; compressed input may also end
 * in an IOException. Any other throwable, a hang or an OutOfMemoryError is a finding.
 */
class TraceReaderJazzerTest {
    /** Upper bound on records per input (a reader returning more than one per input byte is looping). */
    private static long bound(byte[] data) {
        return 1_000_000L + 100L * data.length;
    }

    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void text(byte[] data) {
        TextTraceReader rd = new TextTraceReader(new ByteArrayInputStream(data));
        drain(rd, data);
    }

    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void binary(byte[] data) {
        byte[] in = new byte[BinaryFormat.HEADER_LEN + data.length];
        System.arraycopy(BinaryFormat.MAGIC, 0, in, 0, BinaryFormat.MAGIC.length);
        in[8] = BinaryFormat.VERSION_MAJOR;
        System.arraycopy(data, 0, in, BinaryFormat.HEADER_LEN, data.length);
        // fix the chunk CRCs so the fuzzer reaches the record decoder, not only the CRC check
        in = TraceFormatFuzzTest.fixCrcs(in);
        BinaryTraceReader rd;
        try {
            rd = new BinaryTraceReader(new ByteArrayInputStream(in));
        } catch (InputException e) {
            return; // the header is fixed, but keep the contract
        }
        drain(rd, in);
    }

    /**
     * The binary reader's short paths for runs of stores (nextRunStore, peekRunStores and
     * commitRunStores, issue 29) against next() on the same bytes, chunk CRCs recomputed: the same
     * records and the same error, or a finding (BinaryRunStoreTest's comparison).
     */
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void binaryRunPaths(byte[] data) {
        byte[] in = new byte[BinaryFormat.HEADER_LEN + data.length];
        System.arraycopy(BinaryFormat.MAGIC, 0, in, 0, BinaryFormat.MAGIC.length);
        in[8] = BinaryFormat.VERSION_MAJOR;
        System.arraycopy(data, 0, in, BinaryFormat.HEADER_LEN, data.length);
        in = TraceFormatFuzzTest.fixCrcs(in);
        BinaryRunStoreTest.Outcome plain = BinaryRunStoreTest.read(in, false);
        BinaryRunStoreTest.read(in, true).assertSameAs(plain);
        BinaryRunStoreTest.read(in, true, new java.util.Random(data.length)).assertSameAs(plain);
    }

    /** Whatever the bytes: text, binary, gzip or xz (TraceFiles.open detects the form). */
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void opened(byte[] data) {
        try (TraceReader rd = TraceFiles.open(new ByteArrayInputStream(data))) {
            drain(rd, data);
        } catch (IOException | InputException e) {
            // the documented failures
        }
    }

    private static void drain(TraceReader rd, byte[] data) {
        TraceRecord r = new TraceRecord();
        long n = 0;
        try {
            while (rd.next(r)) {
                if (++n > bound(data)) {
                    throw new IllegalStateException("reader does not end: " + n + " records from " + data.length + " bytes");
                }
            }
        } catch (InputException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new IllegalStateException("an InputException without a message", e);
            }
        }
    }
}
