package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.viewer.Frame;
import dev.gvsim.viewer.FrameExchange;
import dev.gvsim.viewer.ViewerControl;
import dev.gvsim.viewer.ViewerRun;

/**
 * {@code gvsim view} (issue 22, "a live scanout viewer"): the replay side against {@code replay
 * --dump-scanout} without a screen (always), the window under Xvfb with Mesa's software OpenGL
 * (skipped, saying why, where xvfb-run or Mesa is not installed), and the error without a display.
 */
class ViewCommandTest {
    @TempDir
    static Path dir;
    static Path trace;
    static BufferedImage dumped;

    /** A virtio-gpu trace whose final picture has coloured rectangles (blue and yellow: a red/blue swap shows). */
    @BeforeAll
    static void traceAndItsDumpedScanout() throws Exception {
        trace = dir.resolve("v.gvt");
        ReplayCliTest.Run g = gvsim("guest", "virtio-gpu-linux", "--frames", "2", "-o", trace.toString());
        assertThat(g.code()).as(g.err()).isZero();
        ReplayCliTest.Run r = gvsim("replay", trace.toString(), "--dump-scanout", dir.resolve("dump").toString());
        assertThat(r.code()).as(r.err()).isZero();
        dumped = ImageIO.read(dir.resolve("dump/virtio-gpu-pci0-scanout.png").toFile());
        assertThat(dumped.getWidth()).isPositive();
    }

    @Test
    void theReplaySideHandsTheScreenTheFinalPictureThatReplayDumps() throws Exception {
        FrameExchange ex = new FrameExchange(4);
        ViewerControl control = new ViewerControl(false, ViewerControl.UNLIMITED);
        ViewerRun run;
        try (TraceReader reader = TraceFiles.open(trace)) {
            // sampled every millisecond of wall time, with no screen taking frames
            run = new ViewerRun(new ReplayOptions(), trace.toString(), reader, control, ex, 1_000_000L);
            run.run();
        }
        assertThat(run.error()).isNull();
        assertThat(run.result().records).isEqualTo(run.records()).isPositive();
        assertThat(run.result().exitCode()).isZero();
        Frame[] slots = new Frame[4];
        ex.drain(slots, new boolean[4]);
        assertThat(run.slots()).isEqualTo(1);
        Frame f = slots[0];
        assertThat(f.last()).isTrue();
        assertThat(f.source()).isEqualTo("virtio-gpu-pci0 scanout0 (" + dumped.getWidth() + "x" + dumped.getHeight() + ")");
        assertThat(f.record()).isEqualTo(run.records());
        assertThat(f.timePs()).isEqualTo(run.result().simulatedTimePs);
        assertSamePicture(f.width(), f.height(), f.pixels(), dumped);
        // nothing drained during the run: at most the pool and the final frame were published, whatever changed beyond that
        // was dropped (the run did not wait)
        assertThat(ex.published()).isBetween(1L, 4L + 1);
    }

    @Test
    void underXvfbTheWindowsCapturedFrameEqualsTheDumpedScanout() throws Exception {
        assumeTrue(onPath("xvfb-run") && onPath("Xvfb"), "xvfb-run/Xvfb not installed (Debian: apt-get install xvfb xauth); viewer test skipped");
        assumeTrue(mesa(), "Mesa's software OpenGL not installed (Debian: apt-get install libgl1-mesa-dri libglx-mesa0); viewer test skipped");
        Path png = dir.resolve("captured.png");
        Proc p = java(true, "view", trace.toString(), "--speed", "0", "-o", png.toString());
        assertThat(p.code).as(p.err).isZero();
        assertThat(p.err).contains("frames: ", "final picture written to " + png);
        assertThat(p.out).contains("outcome    completed: ");
        BufferedImage got = ImageIO.read(png.toFile());
        int[] px = got.getRGB(0, 0, got.getWidth(), got.getHeight(), null, 0, got.getWidth());
        assertSamePicture(got.getWidth(), got.getHeight(), px, dumped);
    }

    @Test
    void withoutADisplayViewSaysSoAndExitsTwo() throws Exception {
        Proc p = java(false, "view", trace.toString(), "--speed", "0");
        assertThat(p.code).as(p.err).isEqualTo(2);
        assertThat(p.err).contains("gvsim: view: cannot open a window", "needs a display").doesNotContain("Exception", "\tat ");
    }

    @Test
    void aBadSpeedIsAUsageError() {
        ReplayCliTest.Run r = gvsim("view", trace.toString(), "--speed", "7");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("speed must be 0 (unlimited) or a power of ten");
    }

    static void assertSamePicture(int w, int h, int[] px, BufferedImage want) {
        assertThat(w).isEqualTo(want.getWidth());
        assertThat(h).isEqualTo(want.getHeight());
        int differ = 0;
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = px[y * w + x] & 0xffffff;
                int b = want.getRGB(x, y) & 0xffffff;
                colours.add(b);
                if (a != b) {
                    differ++;
                }
            }
        }
        assertThat(colours.size()).as("the reference picture is not one flat colour").isGreaterThan(2);
        assertThat(differ).as("pixels that differ").isZero();
    }

    record Proc(int code, String out, String err) {
    }

    /** Runs the CLI in a new JVM (a display is process state), under xvfb-run or with no display at all. */
    static Proc java(boolean xvfb, String... args) throws Exception {
        return java(xvfb, null, args);
    }

    /** As {@link #java(boolean, String...)}, in working directory {@code cwd} (null: this JVM's). */
    static Proc java(boolean xvfb, Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (xvfb) {
            cmd.addAll(List.of("xvfb-run", "-a", "-s", "-screen 0 1920x1200x24"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DISPLAY");
        pb.environment().remove("WAYLAND_DISPLAY");
        pb.environment().put("LIBGL_ALWAYS_SOFTWARE", "1");
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        Path outFile = Files.createTempFile("gvsim-test-", ".out");
        Path errFile = Files.createTempFile("gvsim-test-", ".err");
        pb.redirectOutput(outFile.toFile());
        pb.redirectError(errFile.toFile());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("gvsim view did not end within 180 s");
        }
        try {
            return new Proc(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8), Files.readString(errFile, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }

    static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    /** Mesa's software rasteriser (swrast/llvmpipe DRI driver) where Debian puts it. */
    static boolean mesa() throws Exception {
        for (String d : List.of("/usr/lib/x86_64-linux-gnu/dri", "/usr/lib/aarch64-linux-gnu/dri", "/usr/lib/dri", "/usr/lib64/dri")) {
            if (Files.exists(Path.of(d, "swrast_dri.so"))) {
                return true;
            }
        }
        return false;
    }
}
