package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: the progress line of replays, imports and sweeps: rate and ETA on stderr after a second, only on
 * a terminal unless forced, and never a byte of difference in stdout or the output files.
 */
class ProgressLineTest {
    @TempDir
    Path dir;

    @Test
    void showsNothingInTheFirstSecondThenRateAndEtaAndEndsWithTheTotals() {
        StringWriter sw = new StringWriter();
        long[] now = {0};
        long[] bytes = {0};
        ProgressLine p = new ProgressLine(new PrintWriter(sw), "replay t.gvt", () -> bytes[0], 100_000_000L, () -> now[0],
                ProgressLine.AFTER_NS, false);
        now[0] = 900_000_000L;
        bytes[0] = 10_000_000L;
        p.tick();
        assertThat(sw.toString()).isEmpty();
        now[0] = 2_000_000_000L;
        bytes[0] = 25_000_000L;
        p.tick();
        // 25 MB of 100 in 2 s: 12.5 MB/s, 75 MB left at that rate: 6 s
        assertThat(sw.toString()).isEqualTo("\rreplay t.gvt: 25 % (25.0 MB of 100.0 MB, 12.5 MB/s), ETA 6 s");
        now[0] = 8_000_000_000L;
        bytes[0] = 100_000_000L;
        p.close();
        assertThat(sw.toString()).endsWith("\rreplay t.gvt: 100 % (100.0 MB of 100.0 MB, 12.5 MB/s), done in 8.0 s\n");
    }

    @Test
    void aSweepCountsPoints() {
        StringWriter sw = new StringWriter();
        long[] now = {0};
        long[] points = {0};
        ProgressLine p = new ProgressLine(new PrintWriter(sw), "sweep t.gvt", () -> points[0], 8, "points", () -> now[0], ProgressLine.AFTER_NS, false);
        now[0] = 4_000_000_000L;
        points[0] = 2;
        p.tick();
        // 2 of 8 in 4 s: 0.5 points/s, 6 left: 12 s
        assertThat(sw.toString()).isEqualTo("\rsweep t.gvt: 25 % (2 of 8 points, 0.50 points/s), ETA 12 s");
    }

    @Test
    void aRunShorterThanTheThresholdPrintsNothingAtAll() {
        StringWriter sw = new StringWriter();
        long[] now = {0};
        ProgressLine p = new ProgressLine(new PrintWriter(sw), "import x", () -> 5, 10, () -> now[0], ProgressLine.AFTER_NS, false);
        now[0] = 500_000_000L;
        p.tick();
        p.close();
        assertThat(sw.toString()).isEmpty();
    }

    @Test
    void notATerminalMeansNoProgressUnlessForced() {
        ProgressLine.Options o = new ProgressLine.Options();
        String was = System.getProperty("gvsim.stderr.tty");
        try {
            System.setProperty("gvsim.stderr.tty", "0");
            assertThat(o.enabled()).isFalse();
            System.setProperty("gvsim.stderr.tty", "1");
            assertThat(o.enabled()).isTrue();
            o.progress = false;
            assertThat(o.enabled()).isFalse();
            System.setProperty("gvsim.stderr.tty", "0");
            o.progress = true;
            assertThat(o.enabled()).isTrue();
        } finally {
            if (was == null) {
                System.clearProperty("gvsim.stderr.tty");
            } else {
                System.setProperty("gvsim.stderr.tty", was);
            }
        }
    }

    /** Forced, with no threshold: the line appears on stderr; stdout and every file written are the same bytes as without it. */
    @Test
    void progressChangesNeitherStdoutNorOutputFiles() throws Exception {
        Path log = dir.resolve("L.trace.xz");
        try (InputStream s = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/qxl_root.trace.xz")) {
            Files.copy(s, log);
        }
        System.setProperty("gvsim.progress.after-ms", "0");
        try {
            ReplayCliTest.Run i1 = gvsim("import", "qemu-log", log.toString(), "-device", "qxl", "-o", dir.resolve("a.gvt.txt").toString(), "--progress");
            ReplayCliTest.Run i2 = gvsim("import", "qemu-log", log.toString(), "-device", "qxl", "-o", dir.resolve("b.gvt.txt").toString(), "--no-progress");
            assertThat(i1.code()).as(i1.err()).isZero();
            assertThat(i1.err()).contains("import L.trace.xz: 100 %", "B/s", "done in");
            assertThat(i2.err()).doesNotContain("B/s");
            assertThat(i1.out().replace("a.gvt.txt", "b.gvt.txt")).isEqualTo(i2.out());
            assertThat(Files.readAllBytes(dir.resolve("a.gvt.txt"))).isEqualTo(Files.readAllBytes(dir.resolve("b.gvt.txt")));

            Path t = dir.resolve("a.gvt.txt");
            ReplayCliTest.Run r1 = gvsim("replay", t.toString(), "-o", dir.resolve("a.json").toString(), "--progress");
            ReplayCliTest.Run r2 = gvsim("replay", t.toString(), "-o", dir.resolve("b.json").toString(), "--no-progress");
            assertThat(r1.err()).contains("replay a.gvt.txt: 100 %", "B/s");
            assertThat(r2.err()).doesNotContain("B/s");
            assertThat(r1.out()).isEqualTo(r2.out());
            assertThat(Files.readAllBytes(dir.resolve("a.json"))).isEqualTo(Files.readAllBytes(dir.resolve("b.json")));

            ReplayCliTest.Run s1 = gvsim("sweep", t.toString(), "--set", "qxl.io_latency=1us,3us", "-o", dir.resolve("s1.json").toString(), "--progress");
            ReplayCliTest.Run s2 = gvsim("sweep", t.toString(), "--set", "qxl.io_latency=1us,3us", "-o", dir.resolve("s2.json").toString(), "--no-progress");
            assertThat(s1.code()).as(s1.err()).isEqualTo(s2.code());
            assertThat(s1.err()).contains("sweep a.gvt.txt: 100 % (2 of 2 points", "points/s", "done in");
            assertThat(s2.err()).doesNotContain("points/s");
            assertThat(s1.out().replace("s1.json", "s2.json")).isEqualTo(s2.out());
            assertThat(Files.readAllBytes(dir.resolve("s1.json"))).isEqualTo(Files.readAllBytes(dir.resolve("s2.json")));
        } finally {
            System.clearProperty("gvsim.progress.after-ms");
        }
    }
}
