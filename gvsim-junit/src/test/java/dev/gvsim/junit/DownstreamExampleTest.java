package dev.gvsim.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The downstream example (examples/junit-downstream, built and run by .ci/run against the installed
 * artifact) kept in step with this module in every build: its tests compile against these classes,
 * and its topology test runs and passes here.
 */
class DownstreamExampleTest {
    static final Path EXAMPLE = Path.of("..", "examples", "junit-downstream");

    @Test
    void theExampleCompilesAgainstThisModuleAndItsBootTestPasses(@TempDir Path out) throws Exception {
        Path src = EXAMPLE.resolve("src/test/java");
        assertThat(EXAMPLE.resolve("pom.xml")).as("the example project next to this module").isRegularFile();
        List<String> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        assertThat(files).isNotEmpty();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"), "--release", "17"));
        args.addAll(files);
        java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, args.toArray(new String[0]));
        assertThat(rc).as("javac of the example: %s", diag).isZero();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> test = loader.loadClass("com.example.qxldriver.QxlOnArm64Test");
            List<TestExecutionResult> results = new ArrayList<>();
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectMethod(test, "qxlVgaBehindTheOnlyRootPortBootsWithAGopUnderEdk2", Gvsim.class.getName())).build(),
                    new TestExecutionListener() {
                        @Override
                        public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                            if (id.isTest()) {
                                results.add(r);
                            }
                        }
                    });
            assertThat(results).hasSize(1);
            assertThat(results.get(0).getStatus()).as("%s", results.get(0).getThrowable()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        }
    }
}
