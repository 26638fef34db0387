package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, "what a new user hit when following the README literally and then feeding it bad
 * input": one test per finding, each failing on the behaviour the issue describes.
 */
class NewUserFindingsTest {
    static final String LOGS = "/dev/gvsim/guesttraces/traces/qemu-log/";
    static final String REGRESS = "/dev/gvsim/guesttraces/traces/regress/";

    @TempDir
    Path dir;

    Path resource(String res, String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream s = getClass().getResourceAsStream(res)) {
            Files.copy(s, p);
        }
        return p;
    }

    /** A text trace written by the guest model (so it has the end line), 1,200-odd records. */
    Path guestTrace(String name) {
        Path p = dir.resolve(name);
        ReplayCliTest.Run g = gvsim("guest", "qxl-linux", "--frames", "1", "-o", p.toString());
        assertThat(g.code()).as(g.err()).isZero();
        return p;
    }

    // ---- data loss: an output that is one of the inputs

    @Test
    void importRefusesToOverwriteItsInputAndLeavesItUntouched() throws Exception {
        Path log = resource(LOGS + "qxl_root.trace.xz", "L.trace.xz");
        byte[] before = Files.readAllBytes(log);
        ReplayCliTest.Run r = gvsim("import", "qemu-log", log.toString(), "-device", "qxl", "-o", log.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("-o", "L.trace.xz", "same file as the input");
        assertThat(Files.readAllBytes(log)).isEqualTo(before);

        // the same file under another name: a path through "..", a symbolic link, a hard link
        Files.createDirectories(dir.resolve("sub"));
        Path dotted = dir.resolve("sub/../L.trace.xz");
        Path sym = Files.createSymbolicLink(dir.resolve("link.trace.xz"), log);
        Path hard = Files.createLink(dir.resolve("hard.trace.xz"), log);
        for (Path other : new Path[] {dotted, sym, hard}) {
            ReplayCliTest.Run o = gvsim("import", "qemu-log", log.toString(), "-device", "qxl", "-o", other.toString());
            assertThat(o.code()).as(other.toString()).isEqualTo(2);
            assertThat(o.err()).contains("same file as the input");
            assertThat(Files.readAllBytes(log)).isEqualTo(before);
        }
    }

    @Test
    void everyCommandThatWritesAFileRefusesItsInputAsOutput() throws Exception {
        Path t = guestTrace("t.gvt.txt");
        byte[] before = Files.readAllBytes(t);
        String[][] cases = {
            {"replay", t.toString(), "-o", t.toString()},
            {"replay", t.toString(), "--checkpoint-at", "5", "-o", t.toString()},
            {"trace", "convert", t.toString(), t.toString()},
            {"trace", "convert", t.toString(), "-o", t.toString()},
        };
        for (String[] c : cases) {
            ReplayCliTest.Run r = gvsim(c);
            assertThat(r.code()).as(String.join(" ", c) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).contains("same file as the input");
            assertThat(Files.readAllBytes(t)).isEqualTo(before);
        }
        // a checkpoint restored from and written to the same file
        Path state = dir.resolve("s.ckpt");
        assertThat(gvsim("replay", t.toString(), "--checkpoint-at", "5", "-o", state.toString()).code()).isZero();
        byte[] ck = Files.readAllBytes(state);
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--restore", state.toString(), "-o", state.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("same file as the input");
        assertThat(Files.readAllBytes(state)).isEqualTo(ck);
    }

    // ---- a truncated text trace

    @Test
    void aTextTraceCutInTheMiddleOfALineFailsVerifyAndReplayWarns() throws Exception {
        Path whole = guestTrace("whole.gvt.txt");
        // header, one line per record, the end line
        assertThat(Files.readString(whole)).endsWith("\nend records=" + (Files.readAllLines(whole).size() - 2) + "\n");
        byte[] b = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.gvt.txt");
        int eol = indexOfByte(b, (byte) '\n', 3000);
        Files.write(cut, Arrays.copyOf(b, eol - 5)); // five bytes short of a line's end
        ReplayCliTest.Run v = gvsim("trace", "verify", cut.toString());
        assertThat(v.code()).isEqualTo(2);
        assertThat(v.err()).contains("cut.gvt.txt", "end line", "truncated");
        assertThat(v.out()).doesNotContain("ok");
        ReplayCliTest.Run ok = gvsim("trace", "verify", whole.toString());
        assertThat(ok.code()).as(ok.err()).isZero();

        ReplayCliTest.Run r = gvsim("replay", cut.toString());
        assertThat(r.err()).contains("warning", "cut.gvt.txt", "no end line");
        ReplayCliTest.Run clean = gvsim("replay", whole.toString());
        assertThat(clean.err()).doesNotContain("warning");
    }

    @Test
    void bundledTracesWithoutAnEndLineStillReplayWithTheWarning() throws Exception {
        Path old = resource(REGRESS + "mmio-access-size.gvt.txt", "mmio-access-size.gvt.txt");
        for (String[] c : new String[][] {{"trace", "info", old.toString()}, {"trace", "cat", old.toString()}}) {
            ReplayCliTest.Run i = gvsim(c);
            assertThat(i.code()).isZero();
            assertThat(i.err()).as(String.join(" ", c)).contains("warning", "no end line");
        }
        ReplayCliTest.Run r = gvsim("replay", old.toString(), "--json");
        assertThat(r.code()).isIn(0, 1);
        assertThat(r.json().get("records").asLong()).isPositive();
        assertThat(r.err()).contains("warning", "no end line", "written before end lines existed");
    }

    private static int indexOfByte(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    // ---- import of something that is not a QEMU log

    @Test
    void importOfInputWithoutARecognisedEventIsAnErrorNamingTheEventsAndQemuOptions() throws Exception {
        byte[] junk = new byte[2000];
        new Random(22).nextBytes(junk);
        Path rnd = dir.resolve("random.bin");
        Files.write(rnd, junk);
        Path one = dir.resolve("one.txt");
        Files.writeString(one, "hello world\n");
        for (Path in : new Path[] {rnd, one}) {
            Path out = dir.resolve("x.gvt.txt");
            ReplayCliTest.Run r = gvsim("import", "qemu-log", in.toString(), "-o", out.toString());
            assertThat(r.code()).as(r.out()).isEqualTo(2);
            assertThat(r.err()).contains(in.getFileName().toString(), "no QEMU trace event", "memory_region_ops_read", "pci_cfg_read",
                    "-trace \"memory_region_ops_*\"", "-D");
            assertThat(out).doesNotExist();
        }
        ReplayCliTest.Run m = gvsim("import", "mmiotrace", one.toString(), "-o", dir.resolve("m.gvt.txt").toString());
        assertThat(m.code()).isEqualTo(2);
        assertThat(m.err()).contains("one.txt", "no mmiotrace event", "MAP", "current_tracer");
    }

    // ---- errors that say what happened, to which file, and why

    @Test
    void aTruncatedXzSaysSoAndNamesTheFile() throws Exception {
        Path log = resource(LOGS + "qxl_root.trace.xz", "L.trace.xz");
        byte[] b = Files.readAllBytes(log);
        Path cut = dir.resolve("cut.trace.xz");
        Files.write(cut, Arrays.copyOf(b, b.length / 2));
        ReplayCliTest.Run imp = gvsim("import", "qemu-log", cut.toString(), "-o", dir.resolve("x.gvt").toString());
        assertThat(imp.code()).isEqualTo(2);
        assertThat(imp.err()).contains("cut.trace.xz", "truncated", "xz").doesNotContain("gvsim: EOFException");

        Path t = guestTrace("t.gvt.txt.xz");
        byte[] tb = Files.readAllBytes(t);
        Path tcut = dir.resolve("tcut.gvt.txt.xz");
        Files.write(tcut, Arrays.copyOf(tb, tb.length / 2));
        for (String[] c : new String[][] {{"replay", tcut.toString()}, {"trace", "verify", tcut.toString()}, {"trace", "info", tcut.toString()}}) {
            ReplayCliTest.Run r = gvsim(c);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c)).contains("tcut.gvt.txt.xz", "truncated").doesNotContain("EOFException");
        }
    }

    @Test
    void anUnwritableOutputNamesTheFileAndTheReasonNotATemporaryFile() throws Exception {
        Path t = guestTrace("t.gvt.txt");
        Path log = resource(LOGS + "qxl_root.trace.xz", "L.trace.xz");
        Path nodir = dir.resolve("no-such-dir/out.gvt");
        Path underFile = t.resolve("out.gvt"); // a "directory" that is a regular file
        for (Path out : new Path[] {nodir, underFile}) {
            String[][] cases = {
                {"import", "qemu-log", log.toString(), "-device", "qxl", "-o", out.toString()},
                {"replay", t.toString(), "-o", out.toString()},
                {"trace", "convert", t.toString(), "-o", out.toString()},
                {"guest", "qxl-linux", "--frames", "1", "-o", out.toString()},
                {"boot", "-device", "qxl-vga", "-o", out.toString()},
            };
            for (String[] c : cases) {
                ReplayCliTest.Run r = gvsim(c);
                assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
                assertThat(r.err()).as(String.join(" ", c)).contains("cannot write " + out, out.getParent().toString())
                        .containsAnyOf("does not exist", "is not a directory").doesNotContain(".tmp");
            }
        }
    }

    @Test
    void aScanoutDirectoryThatCannotBeCreatedSaysWhich() {
        Path t = guestTrace("t.gvt.txt");
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--dump-scanout", t.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--dump-scanout " + t + ": cannot create the directory: a file of that name exists");
    }

    @Test
    void replayOfADirectorySaysItIsADirectory() throws Exception {
        Path d = Files.createDirectories(dir.resolve("traces"));
        for (String[] c : new String[][] {{"replay", d.toString()}, {"trace", "verify", d.toString()},
            {"import", "qemu-log", d.toString(), "-o", dir.resolve("x.gvt").toString()}}) {
            ReplayCliTest.Run r = gvsim(c);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c)).contains(d + ": is a directory").doesNotContain("no such file");
        }
        ReplayCliTest.Run missing = gvsim("replay", dir.resolve("nope.gvt").toString());
        assertThat(missing.err()).contains("nope.gvt: no such file");
    }

    @Test
    void anUnknownParameterIsBlamedOnTheCommandLineNotOnATraceLine() throws Exception {
        Path t = guestTrace("t.gvt.txt");
        ReplayCliTest.Run r = gvsim("replay", t.toString(), "--set", "nonexistent=5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--set nonexistent=5", "unknown parameter 'nonexistent'").doesNotContain("line ", "record ");
        ReplayCliTest.Run g = gvsim("guest", "qxl-linux", "--set", "nonexistent=5");
        assertThat(g.code()).isEqualTo(2);
        assertThat(g.err()).contains("--set nonexistent=5", "unknown parameter 'nonexistent'");
    }

    // ---- unknown commands

    @Test
    void anUnknownCommandSaysSoListsTheCommandsAndExitsTwo() {
        for (String[] c : new String[][] {{"nosuchcommand", "--help"}, {"frobnicate", "a", "b"}, {"nosuchcommand"}, {"help", "nosuchcommand"}, {"trace", "frob"},
            {"trace", "frob", "--help"}}) {
            ReplayCliTest.Run r = gvsim(c);
            assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
            String name = c[0].equals("help") ? c[1] : c[0].equals("trace") ? c[1] : c[0];
            assertThat(r.err()).as(String.join(" ", c)).contains("unknown command '" + name + "'").doesNotContain("Unmatched");
            if (c[0].equals("trace")) {
                assertThat(r.err()).contains("info", "cat", "convert", "verify");
            } else {
                assertThat(r.err()).contains("replay", "scenarios", "import", "trace", "lspci", "guest", "boot");
            }
            assertThat(r.out()).isEmpty();
        }
    }

    // ---- help

    @Test
    void traceConvertHelpDescribesEveryArgument() {
        ReplayCliTest.Run h = gvsim("trace", "convert", "--help");
        assertThat(h.code()).isZero();
        // picocli puts each option or parameter at the start of a line, its description after two or more spaces
        for (String arg : new String[] {"IN", "\\[OUT]", "-o, --output=OUT", "--binary", "--text"}) {
            assertThat(h.out()).as(arg).containsPattern("(?m)^\\s+" + arg + "\\s{2,}\\S");
        }
        assertThat(h.out()).contains("IN ", "--binary", "--text");
    }
}
