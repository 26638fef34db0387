package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/**
 * Issue 29, every core: {@code gvsim scenarios --jobs 2} runs scenarios as independent machines on
 * two threads and prints what {@code --jobs 1} (the serial run) prints, byte for byte, as JSON and as
 * text. Two of the fastest scenarios keep the test cheap ({@link DeterminismTest} runs them all).
 */
class ScenariosJobsTest {
    static final String[] FAST = {"passthrough-s2-attributes", "virtio-gpu-video"};

    static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1 + FAST.length];
        all[0] = "scenarios";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(FAST, 0, all, 1 + args.length, FAST.length);
        int code = Main.run(all, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as("exit code (stderr: %s)", err).isIn(0, 1);
        return out.toString();
    }

    @Test
    void parallelJsonAndTextAreByteIdenticalToSerial() {
        String serial = run("--json", "--jobs", "1");
        assertThat(serial).contains("\"id\" : \"passthrough-s2-attributes\"").contains("\"id\" : \"virtio-gpu-video\"");
        assertThat(run("--json", "--jobs", "2")).isEqualTo(serial);
        assertThat(run("-v", "--jobs", "2")).isEqualTo(run("-v", "--jobs", "1"));
    }

    @Test
    void jobsBelowOneIsAUsageError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"scenarios", "--jobs", "0", "virtio-gpu-video"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("--jobs must be at least 1");
    }
}
