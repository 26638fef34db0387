package dev.gvsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;

/**
 * The extension as a downstream build sees it: test classes run through the JUnit Platform launcher;
 * a failing assertion comes back with the report's path in its message, the path published as a
 * report entry, and a self-contained HTML file there; a passing test writes nothing.
 */
class GvsimExtensionTest {
    static final String NO_GOP = QxlUefiBehindBridgeScenario.TOPOLOGIES.get(2).devices();

    /** Run only through the launcher below (a nested class: surefire does not pick it up). */
    @GvsimTest
    static class Downstream {
        @Test
        void expectsAGopWhereThereIsNone(Gvsim gvsim) {
            GvsimAssertions.assertThat(gvsim.bootEdk2(NO_GOP)).hasGop();
        }

        @Test
        void expectsTheWrongEsr(Gvsim gvsim) {
            ReplayRun run = gvsim.replay(BundledTraces.QXL_LINUX61_ARM64_WC).attr(RealRecordingsTest.DEVICE_NGNRE_RAM_HEADER)
                    .attr(RealRecordingsTest.DEVICE_NGNRE_ROM).run();
            GvsimAssertions.assertThat(run).firstFault().withEsr(0x96000021L);
        }

        @Test
        void throwsSomethingElseAfterTwoRuns(Gvsim gvsim) {
            gvsim.bootEdk2("-device qxl-vga");
            gvsim.bootEdk2(NO_GOP);
            throw new IllegalStateException("not an assertion");
        }

        @Test
        void passes(Gvsim gvsim) {
            GvsimAssertions.assertThat(gvsim.bootEdk2("-device qxl-vga")).hasGop();
        }
    }

    record Outcome(TestExecutionResult result, List<String> entries) {
        Throwable failure() {
            return result.getThrowable().orElseThrow();
        }
    }

    static Outcome run(String method, Path dir) {
        List<String> entries = new ArrayList<>();
        TestExecutionResult[] result = new TestExecutionResult[1];
        String old = System.getProperty(GvsimExtension.DIR_PROPERTY);
        System.setProperty(GvsimExtension.DIR_PROPERTY, dir.toString());
        try {
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectMethod(Downstream.class, method, Gvsim.class.getName()))
                    .build(), new TestExecutionListener() {
                        @Override
                        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
                            Map<String, String> kv = entry.getKeyValuePairs();
                            if (kv.containsKey(GvsimExtension.ENTRY_KEY)) {
                                entries.add(kv.get(GvsimExtension.ENTRY_KEY));
                            }
                        }

                        @Override
                        public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                            if (id.isTest()) {
                                result[0] = r;
                            }
                        }
                    });
        } finally {
            if (old == null) {
                System.clearProperty(GvsimExtension.DIR_PROPERTY);
            } else {
                System.setProperty(GvsimExtension.DIR_PROPERTY, old);
            }
        }
        assertThat(result[0]).as("the test %s ran", method).isNotNull();
        return new Outcome(result[0], entries);
    }

    static List<Path> reportPaths(String message) {
        List<Path> out = new ArrayList<>();
        Matcher m = Pattern.compile("gvsim report: (\\S+\\.html)").matcher(message);
        while (m.find()) {
            out.add(Path.of(m.group(1)));
        }
        return out;
    }

    @Test
    void aFailedAssertionNamesTheReportItWroteAndPublishesIt(@TempDir Path dir) throws Exception {
        Outcome o = run("expectsAGopWhereThereIsNone", dir);
        assertThat(o.result().getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
        Throwable t = o.failure();
        assertThat(t).isInstanceOf(AssertionError.class).hasMessageContaining("expected a GOP console").hasMessageContaining("no GOP: EFI_DEVICE_ERROR");
        List<Path> paths = reportPaths(t.getMessage());
        assertThat(paths).hasSize(1);
        assertThat(o.entries()).containsExactly(paths.get(0).toString());
        Path report = paths.get(0);
        assertThat(report).startsWith(dir).hasFileName("expectsAGopWhereThereIsNone.html");
        assertThat(report.getParent().getFileName().toString()).isEqualTo(Downstream.class.getName().replace('$', '_'));
        String html = Files.readString(report);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("no GOP: EFI_DEVICE_ERROR", "BochsID mismatch", "rp2").doesNotContain("http://", "https://",
                "<script");
        assertThat(t.getStackTrace()).anyMatch(e -> e.getMethodName().equals("expectsAGopWhereThereIsNone"));
    }

    @Test
    void aReplayFailureAttachesTheReplayReportWithTheFault(@TempDir Path dir) throws Exception {
        Outcome o = run("expectsTheWrongEsr", dir);
        Throwable t = o.failure();
        assertThat(t.getMessage()).contains("to have ESR 0x96000021, but it has 0x96000061", "setup_slot+0x38");
        Path report = reportPaths(t.getMessage()).get(0);
        assertThat(Files.readString(report)).contains("FAULT: alignment-fault", "0x96000061", "setup_slot+0x38", "<svg");
    }

    @Test
    void anyOtherExceptionKeepsItsTypeAndGetsTheReportsOfEveryRunAsANote(@TempDir Path dir) throws Exception {
        Outcome o = run("throwsSomethingElseAfterTwoRuns", dir);
        Throwable t = o.failure();
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessage("not an assertion");
        assertThat(t.getSuppressed()).hasSize(1);
        List<Path> paths = reportPaths(t.getSuppressed()[0].getMessage());
        assertThat(paths).extracting(p -> p.getFileName().toString()).containsExactly("throwsSomethingElseAfterTwoRuns-1.html",
                "throwsSomethingElseAfterTwoRuns-2.html");
        assertThat(Files.readString(paths.get(0))).contains("console up");
        assertThat(Files.readString(paths.get(1))).contains("no GOP");
        assertThat(o.entries()).hasSize(2);
    }

    @Test
    void aPassingTestWritesNoReport(@TempDir Path dir) throws Exception {
        Outcome o = run("passes", dir);
        assertThat(o.result().getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(o.entries()).isEmpty();
        try (var s = Files.list(dir)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void anAssertionFailedErrorKeepsExpectedAndActual() {
        org.opentest4j.AssertionFailedError e = new org.opentest4j.AssertionFailedError("values differ", "a", "b");
        Throwable t = GvsimExtension.withReports(e, List.of(Path.of("r.html")));
        assertThat(t).isInstanceOf(org.opentest4j.AssertionFailedError.class).hasMessage("values differ\ngvsim report: r.html");
        assertThat(((org.opentest4j.AssertionFailedError) t).getExpected().getValue()).isEqualTo("a");
        assertThat(((org.opentest4j.AssertionFailedError) t).getActual().getValue()).isEqualTo("b");
        assertThat(t.getStackTrace()).isEqualTo(e.getStackTrace());
    }
}
