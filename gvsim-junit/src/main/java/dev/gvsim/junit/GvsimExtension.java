package dev.gvsim.junit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;

/**
 * The JUnit 5 extension (docs/junit.md): gives a test method a {@link Gvsim} parameter and, when the
 * test fails, writes the HTML report of every run made through it under {@value #DEFAULT_DIR} (or
 * the directory in the system property {@value #DIR_PROPERTY}) as
 * {@code <test class>/<method>[-<invocation>][-<run>].html}, publishes each path as the report entry
 * {@value #ENTRY_KEY} (surefire and IDEs show it) and appends the paths to the failure's message. An
 * {@link AssertionFailedError} keeps its expected and actual values; any other exception gets the
 * paths as a suppressed note and is rethrown unchanged.
 */
public final class GvsimExtension implements ParameterResolver, TestExecutionExceptionHandler {
    /** System property naming where reports go. */
    public static final String DIR_PROPERTY = "gvsim.reports.dir";
    /** Where reports go by default, relative to the working directory (a Maven module's directory under surefire). */
    public static final String DEFAULT_DIR = "target/gvsim-reports";
    /** The report entry key of each written report's path. */
    public static final String ENTRY_KEY = "gvsim.report";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(GvsimExtension.class);
    private static final Pattern INVOCATION = Pattern.compile("\\[test-template-invocation:#(\\d+)]");

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        return p.getParameter().getType() == Gvsim.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
        return ctx.getStore(NS).getOrComputeIfAbsent(Gvsim.class, k -> new Gvsim(), Gvsim.class);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext ctx, Throwable failure) throws Throwable {
        Gvsim g = ctx.getStore(NS).get(Gvsim.class, Gvsim.class);
        List<GvsimRun> runs = g == null ? List.of() : g.runs();
        if (runs.isEmpty()) {
            throw failure;
        }
        List<Path> written = new ArrayList<>();
        try {
            written = write(ctx, runs);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(new IllegalStateException("gvsim: could not write the run reports: " + e.getMessage(), e));
            throw failure;
        }
        for (Path p : written) {
            ctx.publishReportEntry(ENTRY_KEY, p.toString());
        }
        throw withReports(failure, written);
    }

    static List<Path> write(ExtensionContext ctx, List<GvsimRun> runs) throws IOException {
        Path dir = Path.of(System.getProperty(DIR_PROPERTY, DEFAULT_DIR)).toAbsolutePath()
                .resolve(safe(ctx.getRequiredTestClass().getName()));
        Files.createDirectories(dir);
        StringBuilder base = new StringBuilder(safe(ctx.getTestMethod().map(m -> m.getName()).orElse("test")));
        Matcher inv = INVOCATION.matcher(ctx.getUniqueId());
        if (inv.find()) {
            base.append('-').append(inv.group(1));
        }
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Path f = dir.resolve(base + (runs.size() > 1 ? "-" + (i + 1) : "") + ".html");
            Files.write(f, runs.get(i).html().getBytes(StandardCharsets.UTF_8));
            out.add(f);
        }
        return out;
    }

    /** The failure with the report paths in its message (same kind of failure, same stack), or with them as a suppressed note. */
    static Throwable withReports(Throwable failure, List<Path> reports) {
        StringBuilder note = new StringBuilder();
        for (Path p : reports) {
            note.append(note.length() == 0 ? "" : "\n").append("gvsim report: ").append(p);
        }
        String msg = (failure.getMessage() == null ? "" : failure.getMessage() + "\n") + note;
        Throwable out;
        if (failure instanceof AssertionFailedError afe) {
            out = new AssertionFailedError(msg, afe.isExpectedDefined() ? afe.getExpected().getEphemeralValue() : null,
                    afe.isActualDefined() ? afe.getActual().getEphemeralValue() : null, failure.getCause());
        } else if (failure.getClass() == AssertionError.class) {
            out = new AssertionError(msg, failure.getCause());
        } else {
            failure.addSuppressed(new ReportNote(note.toString()));
            return failure;
        }
        out.setStackTrace(failure.getStackTrace());
        for (Throwable s : failure.getSuppressed()) {
            out.addSuppressed(s);
        }
        return out;
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    /** Where the reports of a failed test were written (a suppressed note on a failure whose message cannot be extended). */
    static final class ReportNote extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReportNote(String message) {
            super(message, null, false, false);
        }
    }
}
