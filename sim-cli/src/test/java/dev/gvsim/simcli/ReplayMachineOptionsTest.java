package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code replay} and {@code view} take the machine and fault options from one mixin
 * ({@link ReplayMachineOptions}): the same names, labels and help text, and the same checks.
 */
class ReplayMachineOptionsTest {
    static final List<String> SHARED = List.of("--continue", "--attr", "--set", "--stage2", "-M", "-device", "-machine-file");

    @Test
    void replayAndViewDeclareTheSameMachineOptions() {
        CommandLine cl = Main.commandLine();
        CommandLine.Model.CommandSpec replay = cl.getSubcommands().get("replay").getCommandSpec();
        CommandLine.Model.CommandSpec view = cl.getSubcommands().get("view").getCommandSpec();
        for (String name : SHARED) {
            OptionSpec r = replay.findOption(name);
            OptionSpec v = view.findOption(name);
            assertThat(r).as("replay %s", name).isNotNull();
            assertThat(v).as("view %s", name).isNotNull();
            assertThat(v.paramLabel()).isEqualTo(r.paramLabel());
            assertThat(v.description()).isEqualTo(r.description());
            assertThat(v.arity()).isEqualTo(r.arity());
        }
    }

    @Test
    void bothRejectABadStage2AndAnUndeclaredParameterTheSameWay(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("t.gvt.txt");
        java.nio.file.Files.writeString(t, "gvsim-trace 1\nmachine args=\"-M virt -device qxl\"\n");
        for (String cmd : List.of("replay", "view")) {
            ReplayCliTest.Run bad = ReplayCliTest.gvsim(cmd, t.toString(), "--stage2", "kvm2");
            assertThat(bad.code()).as(cmd).isEqualTo(2);
            assertThat(bad.err()).as(cmd).contains("--stage2 must be one of [none, kvm, kvm-fwb], got 'kvm2'");
            ReplayCliTest.Run set = ReplayCliTest.gvsim(cmd, t.toString(), "--set", "no.such_param=1");
            assertThat(set.code()).as(cmd).isEqualTo(2);
            assertThat(set.err()).as(cmd).contains("--set no.such_param=1");
        }
    }
}
