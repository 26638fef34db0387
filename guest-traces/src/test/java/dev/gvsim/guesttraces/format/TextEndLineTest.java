package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gvsim.simcore.InputException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text form's end line ({@code end records=N}, docs/trace-format.md "End line"): every writer
 * writes it, a reader that is asked to (trace verify) rejects a trace without it or with a wrong
 * count, and the ordinary reader keeps reading such traces and says what is wrong when it is done.
 */
class TextEndLineTest {
    @TempDir
    Path dir;

    private static TraceRecord mark(String name) {
        TraceRecord r = new TraceRecord();
        r.op = Op.MARK;
        r.name = name;
        return r;
    }

    private static String written(int records) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (TextTraceWriter w = new TextTraceWriter(bo)) {
            for (int i = 0; i < records; i++) {
                w.write(mark("m" + i));
            }
        }
        return bo.toString(StandardCharsets.UTF_8);
    }

    /** Reads every record; returns {count, the reader's end warning or null}. */
    private static Object[] readAll(String text, boolean requireEnd) throws Exception {
        TraceRecord r = new TraceRecord();
        long n = 0;
        try (TextTraceReader in = new TextTraceReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), requireEnd)) {
            while (in.next(r)) {
                n++;
            }
            return new Object[] {n, in.endWarning()};
        }
    }

    @Test
    void everyTextWriterEndsWithTheRecordCount() throws Exception {
        assertThat(written(3)).endsWith("mark name=m2\nend records=3\n");
        assertThat(written(0)).isEqualTo("gvsim-trace 1\nend records=0\n");
        Path p = dir.resolve("t.gvt.txt.gz");
        try (TraceWriter w = TraceFiles.create(p, false)) {
            w.write(mark("a"));
            w.write(mark("b"));
        }
        try (TraceReader in = TraceFiles.open(p)) {
            TraceRecord r = new TraceRecord();
            int n = 0;
            while (in.next(r)) {
                n++;
            }
            assertThat(n).isEqualTo(2);
            assertThat(in.endWarning()).isNull();
        }
    }

    @Test
    void aTraceCutInTheMiddleOfALineIsAnErrorWhenTheEndLineIsRequired() throws Exception {
        String whole = written(25);
        String cut = whole.substring(0, whole.indexOf("m17") + 2); // "mark name=m1" of record 18, cut mid-line
        assertThat((Object[]) readAll(whole, true)).containsExactly(25L, null);
        assertThatThrownBy(() -> readAll(cut, true)).isInstanceOf(InputException.class)
                .hasMessageContaining("expected the end line 'end records=N'")
                .hasMessageContaining("after 18 records")
                .hasMessageContaining("truncated");
        // read without requiring it: every record that is there, and a warning saying why to distrust it
        Object[] lenient = readAll(cut, false);
        assertThat(lenient[0]).isEqualTo(18L);
        assertThat((String) lenient[1]).contains("no end line", "18 records", "truncated");
    }

    @Test
    void aWrongCountIsAnErrorWhenRequiredAndAWarningOtherwise() throws Exception {
        String t = "gvsim-trace 1\nmark name=a\nmark name=b\nend records=3\n";
        assertThatThrownBy(() -> readAll(t, true)).isInstanceOf(InputException.class)
                .hasMessageContaining("line 4: the end line says 3 records but the trace has 2");
        Object[] lenient = readAll(t, false);
        assertThat(lenient[0]).isEqualTo(2L);
        assertThat((String) lenient[1]).contains("line 4: the end line says 3 records but the trace has 2");
    }

    @Test
    void theEndLineIsLastAndWellFormed() {
        assertThatThrownBy(() -> readAll("gvsim-trace 1\nend records=0\nmark name=a\n", false)).isInstanceOf(InputException.class)
                .hasMessageContaining("line 3: expected nothing after the end line (line 2) but found 'mark name=a'");
        assertThatThrownBy(() -> readAll("gvsim-trace 1\nend records=x\n", false)).isInstanceOf(InputException.class)
                .hasMessageContaining("line 2: expected a number (0x hex or decimal) for records");
        assertThatThrownBy(() -> readAll("gvsim-trace 1\nend\n", false)).isInstanceOf(InputException.class)
                .hasMessageContaining("line 2: expected 'end records=N'");
    }

    /** The reader looks for the end line only on lines starting with 'e' (one compare per record): no op may. */
    @Test
    void noOpWordStartsLikeTheEndLine() {
        for (Op o : Op.values()) {
            assertThat(o.word()).doesNotStartWith("e");
        }
    }

    @Test
    void commentsAndBlankLinesAfterTheEndLineAreAllowed() throws Exception {
        assertThat((Object[]) readAll("gvsim-trace 1\nmark name=a\nend records=1   # done\n\n# trailing note\n", true))
                .containsExactly(1L, null);
    }

    @Test
    void aTraceWrittenBeforeEndLinesExistedStillReadsWithAWarning() throws Exception {
        Path old = dir.resolve("old.gvt.txt");
        Files.writeString(old, "gvsim-trace 1\nmark name=a\n");
        try (TraceReader in = TraceFiles.open(old)) {
            TraceRecord r = new TraceRecord();
            assertThat(in.next(r)).isTrue();
            assertThat(in.next(r)).isFalse();
            assertThat(in.endWarning()).contains("no end line");
        }
        assertThatThrownBy(() -> TraceTool.verify(old)).isInstanceOf(InputException.class).hasMessageContaining("end line");
        // converting it writes a trace that has one
        Path conv = dir.resolve("new.gvt.txt");
        assertThat(TraceTool.convert(old, conv, false)).isEqualTo(1);
        assertThat(Files.readString(conv)).endsWith("end records=1\n");
        assertThat(TraceTool.verify(conv)).isEqualTo(1);
    }
}
