package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gvsim.simcore.InputException;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File handling: form and compression detection, crash-safe creation, and the trace tool. */
class TraceFilesTest {
    @TempDir
    Path dir;

    private List<TraceRecord> sample() throws InputException {
        return Traces.parse(BinaryFormatTest.ALL_OPS);
    }

    private void write(Path p, boolean binary, List<TraceRecord> recs) throws IOException {
        try (TraceWriter w = TraceFiles.create(p, binary)) {
            for (TraceRecord r : recs) {
                w.write(r);
            }
        }
    }

    private List<TraceRecord> read(Path p) throws Exception {
        try (TraceReader in = TraceFiles.open(p)) {
            return Traces.readAll(in);
        }
    }

    @Test
    void formAndCompressionAreDetectedByContentNotName() throws Exception {
        List<TraceRecord> recs = sample();
        for (String name : new String[] {"a.gvt", "a.gvt.xz", "a.gvt.gz", "a.gvt.txt", "a.gvt.txt.xz", "a.gvt.txt.gz"}) {
            boolean binary = !name.contains(".txt");
            Path p = dir.resolve(name);
            write(p, binary, recs);
            byte[] head = Files.readAllBytes(p);
            if (name.endsWith(".xz")) {
                assertThat(head[0]).isEqualTo((byte) 0xfd);
            } else if (name.endsWith(".gz")) {
                assertThat(head[0]).isEqualTo((byte) 0x1f);
            } else {
                assertThat(head[0]).isEqualTo(binary ? (byte) 0x89 : (byte) 'g');
            }
            Path renamed = dir.resolve("renamed-" + name.replace('.', '_'));
            Files.move(p, renamed);
            Traces.assertSame(recs, read(renamed));
        }
    }

    @Test
    void createPublishesOnlyOnClose() throws Exception {
        Path p = dir.resolve("t.gvt");
        TraceWriter w = TraceFiles.create(p, true);
        for (TraceRecord r : sample()) {
            w.write(r);
        }
        assertThat(p).doesNotExist(); // still a temporary file
        w.close();
        assertThat(p).exists();
        try (var s = Files.list(dir)) {
            assertThat(s).containsExactly(p); // temporary file renamed, not left behind
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAlone() throws Exception {
        Path p = dir.resolve("t.gvt.txt");
        Files.writeString(p, "gvsim-trace 1\nmark name=old\n");
        TraceRecord bad = new TraceRecord();
        bad.op = Op.RD;
        bad.size = 5;
        try (TraceWriter w = TraceFiles.create(p, false)) {
            w.write(sample().get(0));
            assertThatThrownBy(() -> w.write(bad)).isInstanceOf(IOException.class);
        }
        assertThat(Files.readString(p)).isEqualTo("gvsim-trace 1\nmark name=old\n");
        try (var s = Files.list(dir)) {
            assertThat(s).containsExactly(p);
        }
    }

    @Test
    void convertIsLosslessBothWaysAndVerifyChecks() throws Exception {
        Path text = dir.resolve("in.gvt.txt");
        Files.writeString(text, BinaryFormatTest.ALL_OPS);
        Path bin = dir.resolve("out.gvt");
        Path back = dir.resolve("back.gvt.txt");
        assertThat(TraceTool.convert(text, bin, true)).isEqualTo(22);
        assertThat(TraceTool.convert(bin, back, false)).isEqualTo(22);
        Traces.assertSame(read(text), read(back));
        assertThat(TraceTool.verify(bin)).isEqualTo(22);
        byte[] b = Files.readAllBytes(bin);
        b[100] ^= 1; // inside the records chunk
        Path broken = dir.resolve("broken.gvt");
        Files.write(broken, b);
        assertThatThrownBy(() -> TraceTool.verify(broken)).isInstanceOf(InputException.class).hasMessageContaining("CRC32C mismatch");
        Path out = dir.resolve("never.gvt.txt");
        assertThatThrownBy(() -> TraceTool.convert(broken, out, false)).isInstanceOf(InputException.class);
        assertThat(out).doesNotExist(); // no half-converted output
    }

    @Test
    void infoSummarizes() throws Exception {
        Path bin = dir.resolve("s.gvt");
        write(bin, true, sample());
        TraceTool.Info info = TraceTool.info(bin);
        assertThat(info.records).isEqualTo(22);
        assertThat(info.ops.get(Op.RD)).isEqualTo(3);
        assertThat(info.ops.get(Op.S2MAP)).isEqualTo(2);
        assertThat(info.firstT).isEqualTo(5);
        assertThat(info.lastT).isEqualTo(300);
        assertThat(info.timedRecords).isEqualTo(5);
        assertThat(info.storesWithoutValue).isEqualTo(2);
        assertThat(info.machine).isEqualTo("-M virt -device pcie-root-port,id=rp1 -device qxl,bus=rp1");
        assertThat(info.meta).containsExactly("source=Linux 6.1 drm/qxl probe", "recorder=QEMU TCG plugin", "quote=a \"b\" \\c #d");
        assertThat(info.render()).contains("records: 22\n", "  rd: 3\n", "time: 5 .. 300 ps (span 295 ps, 5 timed records)");
    }

    @Test
    void catWritesText() throws Exception {
        Path bin = dir.resolve("c.gvt");
        write(bin, true, sample());
        StringWriter sw = new StringWriter();
        assertThat(TraceTool.cat(bin, sw)).isEqualTo(22);
        String text = sw.toString();
        assertThat(text).startsWith("gvsim-trace 1\nmeta source=\"Linux 6.1 drm/qxl probe\"");
        Traces.assertSame(sample(), Traces.parse(text));
        assertThat(text.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(100);
    }

    @Test
    void resourcesAndMissingFiles() throws Exception {
        assertThatThrownBy(() -> TraceFiles.openResource("/no/such/trace.gvt")).isInstanceOf(InputException.class)
                .hasMessageContaining("not found");
        Path garbage = dir.resolve("g.gvt");
        Files.write(garbage, new byte[] {(byte) 0x89, 'G', 'V', 'T', 0, 0});
        assertThatThrownBy(() -> read(garbage)).isInstanceOf(InputException.class).hasMessageContaining("byte offset");
        Path empty = dir.resolve("e.gvt.txt");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> read(empty)).isInstanceOf(InputException.class).hasMessageContaining("expected header");
        try (TraceReader r = TraceFiles.openResource(RealTraceRoundTripTest.REAL)) {
            TraceRecord rec = new TraceRecord();
            assertThat(r.next(rec)).isTrue();
            assertThat(rec.op).isEqualTo(Op.META);
            assertThat(rec.line).isEqualTo(2);
        }
    }
}
