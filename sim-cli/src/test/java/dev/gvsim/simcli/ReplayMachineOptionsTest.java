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

    /** Under a host stage 2 the summary says how many loads and stores trapped to the VMM; without one it says nothing of traps. */
    @Test
    void theSummaryCountsTrappedAccessesUnderStage2(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("ecam.gvt.txt");
        java.nio.file.Files.writeString(t, "gvsim-trace 1\nmachine args=\"-M virt -device qxl\"\n"
                + "map va=0xffff000040000000 pa=0x4010000000 size=0x10000 attr=device-ngnre\n"
                + "rd va=0xffff000040000000 size=4 expect=0x81b36\n"
                + "wr va=0xffff000040000004 size=2 val=0x6\n");
        Path html = dir.resolve("kvm.html");
        ReplayCliTest.Run kvm = ReplayCliTest.gvsim("replay", t.toString(), "--stage2", "kvm", "--report", html.toString());
        assertThat(kvm.code()).as(kvm.err()).isZero();
        assertThat(kvm.out()).contains("trapped to the VMM (--stage2): 2 loads and stores, ");
        assertThat(java.nio.file.Files.readString(html)).contains("Trapped to the VMM (--stage2): 2 loads and stores, ");
        ReplayCliTest.Run none = ReplayCliTest.gvsim("replay", t.toString());
        assertThat(none.code()).as(none.err()).isZero();
        assertThat(none.out()).doesNotContain("trapped");
    }
}
