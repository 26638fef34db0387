package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** Issue 22: every option and parameter is described, and asking for help never starts a build. */
class HelpTest {
    @TempDir
    Path dir;

    /** Walks picocli's model of every command: an option or positional parameter without a description fails. */
    @Test
    void everyOptionAndParameterOfEveryCommandHasADescription() {
        List<String> undescribed = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        walk(Main.commandLine(), undescribed, commands);
        assertThat(commands).contains("gvsim", "gvsim replay", "gvsim trace convert", "gvsim import", "gvsim guest", "gvsim boot");
        assertThat(undescribed).isEmpty();
    }

    /** Every command that writes a file takes it as -o/--output, one option with both names and a description. */
    @Test
    void everyCommandThatWritesAFileTakesDashOOutput() {
        CommandLine root = Main.commandLine();
        for (String[] path : new String[][] {{"replay"}, {"guest"}, {"boot"}, {"import"}, {"trace", "convert"}}) {
            CommandLine c = root;
            for (String p : path) {
                c = c.getSubcommands().get(p);
            }
            CommandLine.Model.OptionSpec o = c.getCommandSpec().findOption("-o");
            assertThat(o).as(String.join(" ", path)).isNotNull();
            assertThat(o.names()).as(String.join(" ", path)).containsExactlyInAnyOrder("-o", "--output");
            assertThat(String.join(" ", o.description())).as(String.join(" ", path)).isNotBlank();
        }
    }

    private static void walk(CommandLine cl, List<String> undescribed, List<String> commands) {
        CommandSpec spec = cl.getCommandSpec();
        commands.add(spec.qualifiedName());
        List<ArgSpec> args = new ArrayList<>(spec.options());
        args.addAll(spec.positionalParameters());
        for (ArgSpec a : args) {
            String[] d = a.description();
            boolean described = d != null && d.length > 0 && String.join("", d).strip().length() > 3;
            if (!described) {
                undescribed.add(spec.qualifiedName() + " " + (a.isOption() ? ((CommandLine.Model.OptionSpec) a).longestName() : a.paramLabel()));
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            walk(sub, undescribed, commands);
        }
    }

    // ---- the launcher script

    /**
     * A copy of the launcher in a directory with no jar, next to a fake {@code mvn} that records being
     * called and a fake {@code java} that answers the launcher's version probe and otherwise prints
     * its arguments: so the test sees whether the launcher would have built, and what it ran.
     */
    private Path launcher() throws Exception {
        Path script = Path.of("..", "gvsim").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(script), "the gvsim launcher is at the repository root");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is installed");
        Path root = Files.createDirectories(dir.resolve("repo"));
        Path copy = root.resolve("gvsim");
        Files.copy(script, copy);
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho called >> '" + dir.resolve("mvn-called") + "'\nexit 1\n");
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\ncase \"$1\" in -XshowSettings:properties) echo '    java.specification.version = 17' >&2; exit 0;; esac\n"
                + "echo \"java $*\"\n");
        for (Path p : new Path[] {copy, mvn, java}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return copy;
    }

    private record Ran(int code, String out, String err) {
    }

    private Ran run(Path script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        pb.environment().put("GVSIM_JAVA", dir.resolve("bin/java").toString());
        pb.environment().remove("JAVA_HOME");
        pb.redirectOutput(dir.resolve("out").toFile());
        pb.redirectError(dir.resolve("err").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Ran(p.exitValue(), Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
    }

    @Test
    void benchHelpPrintsItsUsageWithoutBuilding() throws Exception {
        Path g = launcher();
        for (String h : new String[] {"--help", "-h"}) {
            Ran r = run(g, "bench", h);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("usage: ./gvsim bench");
            assertThat(dir.resolve("mvn-called")).as("mvn was run for 'bench " + h + "'").doesNotExist();
        }
    }

    @Test
    void helpWithoutAJarSaysHowToBuildInsteadOfBuilding() throws Exception {
        Path g = launcher();
        for (String[] a : new String[][] {{"--help"}, {"replay", "--help"}, {"help", "replay"}, {"trace", "convert", "-h"}, {"--version"}}) {
            Ran r = run(g, a);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("not built", "mvn");
            assertThat(dir.resolve("mvn-called")).as("mvn was run for " + String.join(" ", a)).doesNotExist();
        }
        // a command that needs the jar does build (the fake mvn fails, so the launcher stops)
        Ran build = run(g, "scenarios", "--list");
        assertThat(build.code()).isEqualTo(2);
        assertThat(dir.resolve("mvn-called")).exists();
    }

    @Test
    void helpWithAStaleJarUsesItWithoutRebuilding() throws Exception {
        Path g = launcher();
        Path jar = Files.createDirectories(g.getParent().resolve("sim-cli/target")).resolve("gvsim-cli.jar");
        Files.writeString(jar, "not really a jar: the fake java only prints its arguments");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        Path src = Files.createDirectories(g.getParent().resolve("sim-cli/src/main/java")).resolve("Newer.java");
        Files.writeString(src, "class Newer {}\n");
        Ran r = run(g, "replay", "--help");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("-jar " + jar, "replay --help");
        assertThat(dir.resolve("mvn-called")).doesNotExist();
    }
}
