package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/tutorial.md cannot rot (issue 22, "every command in it is executed by a test"): every
 * command of its {@code sh} blocks runs, in order, through the CLI in a new JVM whose working
 * directory is an empty folder (with the repository's {@code guest-traces} reachable, as in a
 * clone); its exit code must be 0 or the one its {@code # exit N} comment names, every file it is
 * told to write ({@code -o}, {@code --output}, {@code --report}, {@code --dump-scanout}) must exist
 * afterwards, and every line of a {@code text} block that follows it must appear in what it printed.
 * {@code gvsim view} runs under xvfb-run (skipped, saying why, where Xvfb or Mesa is missing).
 */
class TutorialTest {
    @TempDir
    static Path work;

    record Command(String line, List<String> args, int exit, List<String> shown) {
    }

    static Path repoRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isRegularFile(q.resolve("docs/tutorial.md")) && Files.isDirectory(q.resolve("guest-traces"))) {
                return q;
            }
        }
        throw new AssertionError("docs/tutorial.md not found above " + p);
    }

    static final Pattern FENCE = Pattern.compile("^```(\\S*)\\s*$");
    static final Pattern EXIT = Pattern.compile("#\\s*exit\\s+(\\d+)\\s*$");

    /** The tutorial's commands, each with the text block lines shown after it. */
    static List<Command> commands(List<String> md) {
        List<Command> out = new ArrayList<>();
        String lang = null;
        StringBuilder pending = new StringBuilder();
        for (int i = 0; i < md.size(); i++) {
            String l = md.get(i);
            Matcher f = FENCE.matcher(l);
            if (f.matches()) {
                lang = lang == null ? f.group(1) : null;
                continue;
            }
            if ("sh".equals(lang)) {
                String t = l.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                if (t.endsWith("\\")) {
                    pending.append(t, 0, t.length() - 1).append(' ');
                    continue;
                }
                pending.append(t);
                String full = pending.toString();
                pending.setLength(0);
                Matcher e = EXIT.matcher(full);
                int exit = e.find() ? Integer.parseInt(e.group(1)) : 0;
                List<String> words = words(stripComment(full));
                assertThat(words.get(0)).as("tutorial line %d: every command in an sh block is a gvsim command", i + 1).isEqualTo("./gvsim");
                out.add(new Command(full, words.subList(1, words.size()), exit, new ArrayList<>()));
            } else if ("text".equals(lang) && !l.isBlank()) {
                assertThat(out).as("tutorial line %d: a text block follows a command", i + 1).isNotEmpty();
                out.get(out.size() - 1).shown().add(l.strip());
            }
        }
        assertThat(lang).as("every fence in docs/tutorial.md is closed").isNull();
        return out;
    }

    /** The line without a trailing shell comment (a '#' after whitespace, outside quotes). */
    static String stripComment(String s) {
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(s.charAt(i - 1)))) {
                return s.substring(0, i).strip();
            }
        }
        return s.strip();
    }

    /** Shell word splitting for the tutorial's commands: whitespace, single and double quotes (no expansions), as -device options split. */
    static List<String> words(String s) {
        return dev.gvsim.pciefabric.DeviceOptions.tokenize(s);
    }

    @Test
    void theParserSplitsWordsContinuationsCommentsAndExitCodes() {
        List<Command> cs = commands(List.of("```sh", "./gvsim replay 'a b.gvt' \\", "    --set x=1   # exit 1", "# a comment", "```", "```text",
                "outcome  x", "```", "```console", "git clone x", "```"));
        assertThat(cs).hasSize(1);
        assertThat(cs.get(0).args()).containsExactly("replay", "a b.gvt", "--set", "x=1");
        assertThat(cs.get(0).exit()).isEqualTo(1);
        assertThat(cs.get(0).shown()).containsExactly("outcome  x");
    }

    @TestFactory
    Stream<DynamicTest> everyCommandOfTheTutorialRuns() throws Exception {
        Path root = repoRoot();
        List<Command> cs = commands(Files.readAllLines(root.resolve("docs/tutorial.md")));
        assertThat(cs).hasSizeGreaterThanOrEqualTo(10);
        assertThat(cs.stream().map(c -> c.args().get(0))).contains("replay", "report", "diff", "sweep", "guest", "view");
        // a fresh clone: an empty folder where the repository's files are where the tutorial says
        Files.createSymbolicLink(work.resolve("guest-traces"), root.resolve("guest-traces"));
        return cs.stream().map(c -> DynamicTest.dynamicTest(c.line(), () -> run(c)));
    }

    private static void run(Command c) throws Exception {
        boolean view = c.args().get(0).equals("view");
        if (view) {
            assumeTrue(ViewCommandTest.onPath("xvfb-run") && ViewCommandTest.onPath("Xvfb") && ViewCommandTest.mesa(),
                    "xvfb-run/Xvfb or Mesa's software OpenGL not installed (Debian: xvfb xauth libgl1-mesa-dri libglx-mesa0); the tutorial's view step is skipped");
        }
        ViewCommandTest.Proc p = ViewCommandTest.java(view, work, c.args().toArray(String[]::new));
        String printed = p.out() + p.err();
        assertThat(p.code()).as("exit code of: %s%n%s", c.line(), printed).isEqualTo(c.exit());
        for (int i = 0; i + 1 < c.args().size(); i++) {
            String a = c.args().get(i);
            if (List.of("-o", "--output", "--report").contains(a)) {
                assertThat(work.resolve(c.args().get(i + 1))).as("%s wrote %s", c.line(), c.args().get(i + 1)).isRegularFile().isNotEmptyFile();
            } else if (a.equals("--dump-scanout")) {
                try (Stream<Path> files = Files.list(work.resolve(c.args().get(i + 1)))) {
                    assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).as("%s wrote a PNG", c.line()).isPositive();
                }
            }
        }
        if (view && c.args().contains("-o") && Files.isDirectory(work.resolve("scanout"))) {
            // the window's picture is the one --dump-scanout wrote earlier in the tutorial
            java.awt.image.BufferedImage got = javax.imageio.ImageIO.read(work.resolve(c.args().get(c.args().indexOf("-o") + 1)).toFile());
            java.awt.image.BufferedImage want = javax.imageio.ImageIO.read(work.resolve("scanout/virtio-gpu-pci0-scanout.png").toFile());
            ViewCommandTest.assertSamePicture(got.getWidth(), got.getHeight(), got.getRGB(0, 0, got.getWidth(), got.getHeight(), null, 0, got.getWidth()),
                    want);
        }
        for (String s : c.shown()) {
            assertThat(printed).as("the tutorial shows this line after: %s", c.line()).contains(s);
        }
    }
}
