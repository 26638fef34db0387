package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gvsim.machine.scenario.Scenario;
import dev.gvsim.machine.scenario.Scenarios;

/**
 * Determinism (issue 10): {@code gvsim scenarios --json} over every bundled scenario gives the same
 * bytes twice in one JVM and once more in a second JVM (a fresh process: other hash seeds, other
 * JIT timing, other allocation addresses). No wall-clock time, hash order or thread timing may leak
 * into results. The second JVM runs concurrently with the two in-process runs to keep the test's
 * duration near two scenario runs.
 */
class DeterminismTest {
    static final String EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

    static String scenariosJson() {
        return scenarios("--json");
    }

    static String scenarios(String format) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"scenarios", format}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as("scenarios exit code (stderr: %s)", err).isIn(0, 1);
        return out.toString();
    }

    /**
     * The text of {@code scenarios -v} (checks and figures, maps printed in their iteration order) is
     * the same in a second JVM: {@code Map.of} changes its iteration order from one JVM to the next,
     * which the key-sorted JSON above cannot show.
     */
    @Test
    void verboseTextIsByteIdenticalInASecondJvm() throws Exception {
        try (SecondJvm child = SecondJvm.scenarios("-v")) {
            String here = scenarios("-v");
            assertThat(here).contains("exhaustion.fixes").contains("behindRp1.fabric");
            assertThat(child.output()).as("second JVM").isEqualTo(here);
        }
    }

    /** {@code gvsim scenarios FORMAT} in a fresh JVM, started at once so it runs beside the in-process runs. */
    static final class SecondJvm implements AutoCloseable {
        private final Process child;
        private final CompletableFuture<byte[]> out;
        private final CompletableFuture<byte[]> err;

        private SecondJvm(Process child) {
            this.child = child;
            this.out = CompletableFuture.supplyAsync(() -> readAll(child.getInputStream()));
            this.err = CompletableFuture.supplyAsync(() -> readAll(child.getErrorStream()));
        }

        static SecondJvm scenarios(String format) throws java.io.IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return new SecondJvm(new ProcessBuilder(java, EXPORTS, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "scenarios", format).start());
        }

        /** Waits for the child; it must finish and exit 0 or 1. Its standard output. */
        String output() throws Exception {
            assertThat(child.waitFor(300, TimeUnit.SECONDS)).as("second JVM finished").isTrue();
            String e = new String(err.get(), StandardCharsets.UTF_8);
            assertThat(child.exitValue()).as("second JVM exit (stderr: %s)", e).isIn(0, 1);
            // Main.main prints through a PrintWriter on System.out: the platform line separator is the same as in-process
            return new String(out.get(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            child.destroyForcibly();
        }
    }

    @Test
    void everyScenarioGivesByteIdenticalJsonTwiceInOneJvmAndInASecondJvm() throws Exception {
        try (SecondJvm child = SecondJvm.scenarios("--json")) {
            String first = scenariosJson();
            String second = scenariosJson();
            assertThat(second).as("second run in the same JVM").isEqualTo(first);

            JsonNode j = new ObjectMapper().readTree(first);
            List<String> ids = new ArrayList<>();
            j.get("scenarios").forEach(s -> ids.add(s.get("id").asText()));
            List<String> all = new ArrayList<>();
            for (Scenario s : Scenarios.all()) {
                all.add(s.id());
            }
            assertThat(ids).as("every bundled scenario ran").isEqualTo(all).isNotEmpty();

            assertThat(child.output()).as("second JVM").isEqualTo(first);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
