package dev.gvsim.simcli;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import javax.imageio.ImageIO;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.simcli.util.Files2;
import dev.gvsim.simcore.InputException;
import dev.gvsim.viewer.FrameExchange;
import dev.gvsim.viewer.Viewer;
import dev.gvsim.viewer.ViewerControl;
import dev.gvsim.viewer.ViewerRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim view TRACE}: replays a trace and shows each device's scanout live in a window (sim-viewer). */
@Command(name = "view", mixinStandardHelpOptions = true,
        description = {"Replay a trace and show, live in a window (GLFW + OpenGL), what each display device's scanout shows as it changes.",
                "Keys: SPACE pause/run, N or RIGHT one record, + or UP faster, - or DOWN slower (records/s, x10 a step), Q or ESC quit.",
                "The replay runs on its own thread and never waits for the screen: frames the window cannot take are coalesced",
                "or dropped (counted on stderr at the end). Needs a display (X11; DISPLAY set). Prints the replay's summary at the end.",
                "Exit 0: no faults and no mismatches; 1: faults or mismatches; 2: bad input or no display."})
final class ViewCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRACE", description = "Trace file (as for replay).")
    Path trace;

    @Option(names = "--speed", paramLabel = "R", defaultValue = "1000",
            description = "Records per second to start at: 1, 10, ..., 1000000, or 0 for as fast as it goes. Default ${DEFAULT-VALUE}.")
    long speed;

    @Option(names = "--paused", description = "Start paused (N steps one record).")
    boolean paused;

    @Option(names = "--exit-at-end", description = "Close the window once the trace's final picture is drawn (default: stay open until closed).")
    boolean exitAtEnd;

    @Option(names = {"-o", "--output"}, paramLabel = "PNG",
            description = "At the end of the trace, draw the final picture offscreen with the window's OpenGL call, read it back (glReadPixels), "
                    + "write it to PNG and exit (compare with replay --dump-scanout).")
    Path output;

    @Option(names = "--capture-output", paramLabel = "ID",
            description = "Which output -o captures: a device id (e.g. qxl0) or '<id> <output>'. Default: the first output shown.")
    String captureOutput;

    @picocli.CommandLine.Mixin
    ReplayMachineOptions machine = new ReplayMachineOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ViewerControl control = new ViewerControl(paused, ViewerControl.speedIndex(speed));
        ReplayOptions opts = machine.replayOptions();
        Files2.input(trace);
        Files2.output("-o", output, trace);
        PrintWriter err = spec.commandLine().getErr();
        TraceReader reader;
        try {
            reader = TraceFiles.open(trace);
        } catch (java.io.IOException | InputException e) {
            throw Files2.about(trace, e);
        }
        FrameExchange exchange = new FrameExchange(8);
        byte[][] png = new byte[1][];
        try (TraceReader r = reader) {
            ViewerRun run = new ViewerRun(opts, trace.toString(), r, control, exchange, ViewerRun.DEFAULT_SAMPLE_INTERVAL_NANOS);
            Viewer.Settings settings = new Viewer.Settings("gvsim view " + trace.getFileName(), exitAtEnd, captureOutput,
                    output == null ? null : img -> png[0] = encode(img));
            try {
                Viewer.show(run, control, exchange, settings, line -> err.println("gvsim: " + line));
            } catch (IllegalStateException | LinkageError e) {
                // no display, no OpenGL, no native library for this platform, or nothing to capture
                throw new InputException("view: " + Main.oneLine(e));
            }
            if (run.error() != null) {
                Throwable t = run.error();
                if (t instanceof InputException ie) {
                    throw Files2.about(trace, ie);
                }
                if (t instanceof Exception ex) {
                    throw ex;
                }
                throw (Error) t;
            }
            ReplayResult res = run.result();
            if (res == null) {
                throw new InputException("view: the window closed before the replay ended (" + run.records() + " records replayed)");
            }
            err.println("gvsim: view: " + exchange.counts() + (run.quitEarly() ? "; stopped by the user after record " + run.records() : ""));
            if (r.endWarning() != null && !run.quitEarly()) {
                err.println("gvsim: warning: " + trace + ": " + r.endWarning());
            }
            if (output != null) {
                Files2.writeAtomically(output, png[0]);
                err.println("gvsim: view: final picture written to " + output);
            }
            PrintWriter out = spec.commandLine().getOut();
            ReplaySummary.print(out, res);
            out.flush();
            return res.exitCode();
        }
    }

    private static byte[] encode(BufferedImage img) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", b)) {
                throw new IllegalStateException("no PNG writer available");
            }
            return b.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
