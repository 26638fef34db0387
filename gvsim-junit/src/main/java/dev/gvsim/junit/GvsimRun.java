package dev.gvsim.junit;

/** One run a test made through {@link Gvsim}: a name for messages and files, and its self-contained HTML report. */
public interface GvsimRun {
    /** What ran, in a few words ({@code replay qxl-linux61-arm64-wc.gvt.txt.xz}). */
    String name();

    /** The run's HTML report (dev.gvsim.machine.report): one self-contained page. */
    String html();
}
