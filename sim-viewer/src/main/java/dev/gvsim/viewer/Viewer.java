package dev.gvsim.viewer;

import java.awt.image.BufferedImage;
import java.util.function.Consumer;

/**
 * {@code gvsim view}: starts the replay ({@link ViewerRun}) on its own thread and runs the window
 * ({@link GlScreen}) on the calling thread until the user closes it, or, with {@code exitAtEnd}
 * (or a capture asked for), until the trace's final picture has been drawn.
 */
public final class Viewer {
    /** What the window does at the end of the trace. */
    public record Settings(String title, boolean exitAtEnd, String captureOutput, Consumer<BufferedImage> capture) {
    }

    private Viewer() {
    }

    /**
     * Shows the run. Returns when the window closed or (exitAtEnd / capture) the final frame was
     * drawn; the simulation thread has ended by then. Throws IllegalStateException when no window
     * can be opened (no display), before the replay starts.
     */
    public static void show(ViewerRun run, ViewerControl control, FrameExchange exchange, Settings s, Consumer<String> log)
            throws InterruptedException {
        try (GlScreen screen = new GlScreen(s.title(), control)) {
            log.accept("view: " + screen.renderer());
            Thread sim = new Thread(run, "gvsim-view-simulation");
            sim.setDaemon(true);
            sim.start();
            Frame[] slots = new Frame[GlScreen.MAX_SLOTS];
            boolean[] shown = new boolean[GlScreen.MAX_SLOTS];
            long lastTitle = 0;
            boolean finalDrawn = false;
            try {
                while (screen.pollEvents(1.0 / 60)) {
                    boolean done = run.finished(); // read before draining: then every last frame is in the queue
                    if (done && run.error() != null) {
                        break; // bad input: the caller reports it
                    }
                    int got = exchange.drain(slots, shown);
                    int count = Math.min(run.slots(), GlScreen.MAX_SLOTS);
                    if (got > 0 || (done && !finalDrawn)) {
                        screen.draw(slots, count);
                        for (int i = 0; i < count; i++) {
                            if (slots[i] != null && !shown[i]) {
                                shown[i] = true;
                                exchange.countShown();
                            }
                        }
                    }
                    long now = System.nanoTime();
                    if (now - lastTitle > 250_000_000L || done) {
                        screen.setTitle(s.title() + " - record " + String.format("%,d", run.records()) + " - "
                                + (done ? (run.quitEarly() ? "stopped" : "end of trace") : control.state()) + " - " + exchange.counts());
                        lastTitle = now;
                    }
                    if (done && !finalDrawn) {
                        finalDrawn = true;
                        if (s.capture() != null) {
                            Frame f = pick(slots, count, s.captureOutput());
                            s.capture().accept(screen.capture(f));
                        }
                        if (s.exitAtEnd() || s.capture() != null) {
                            break;
                        }
                    }
                }
            } finally {
                control.quit();
                sim.join(10_000);
            }
        }
    }

    /** The frame to capture: the first output whose caption starts with {@code which} (or the first output). */
    static Frame pick(Frame[] slots, int count, String which) {
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < count; i++) {
            Frame f = slots[i];
            if (f == null) {
                continue;
            }
            if (which == null || f.source.equals(which) || f.source.startsWith(which + " ")) {
                return f;
            }
            seen.append(seen.length() == 0 ? "" : ", ").append(f.source);
        }
        throw new IllegalStateException(which == null ? "nothing to capture: no device showed a 32-bit scanout during the trace"
                : "no output '" + which + "' to capture; the outputs are: " + (seen.length() == 0 ? "none" : seen));
    }
}
