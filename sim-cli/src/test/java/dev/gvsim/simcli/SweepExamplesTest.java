package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The sweep examples (examples/github-actions-sweep.yml, examples/slurm-sweep.sh) are not run here, but
 * every {@code ./gvsim} command in them, with its CI variables given sample values, parses with the
 * CLI's own picocli model, and each runs shards and a merge.
 */
class SweepExamplesTest {
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    /** The gvsim invocations in {@code file}: continuation lines joined, variables replaced, the exit-1 guard cut. */
    static List<List<String>> invocations(Path file) throws Exception {
        String text = Files.readString(file).replace("\\\n", " ");
        List<List<String>> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int at = line.indexOf("./gvsim ");
            if (at < 0 || line.strip().startsWith("#")) {
                continue;
            }
            String cmd = line.substring(at + "./gvsim ".length());
            cmd = cmd.replaceAll("\\|\\|.*$", "").replaceAll("\"$", "")
                    .replace("${{ matrix.shard }}", "1").replace("${{ env.SHARDS }}", "3")
                    .replace("${SLURM_CPUS_PER_TASK:-1}", "4").replace("$I/$N", "1/4").replace("$I", "1").replace("\"$TRACE\"", "trace.gvt")
                    .replace("$OUT", "out").replace("\"", "");
            assertThat(cmd).as("%s: a variable left in '%s'", file.getFileName(), cmd).doesNotContain("$");
            out.add(List.of(cmd.strip().split("\\s+")));
        }
        return out;
    }

    @Test
    void everyGvsimCommandInTheExamplesParsesAndTheyShardAndMerge() throws Exception {
        for (String name : new String[] {"github-actions-sweep.yml", "slurm-sweep.sh"}) {
            List<List<String>> cmds = invocations(EXAMPLES.resolve(name));
            boolean shard = false;
            boolean merge = false;
            for (List<String> c : cmds) {
                CommandLine cl = Main.commandLine();
                ParseResult pr = cl.parseArgs(c.toArray(String[]::new));
                ParseResult sub = pr.subcommand();
                assertThat(sub).as("%s: %s", name, c).isNotNull();
                assertThat(sub.commandSpec().name()).isEqualTo("sweep");
                if (sub.hasSubcommand()) {
                    merge |= sub.subcommand().commandSpec().name().equals("merge") && sub.subcommand().hasMatchedOption("-o");
                } else {
                    shard |= sub.hasMatchedOption("--shard") && sub.hasMatchedOption("-o") && sub.matchedOption("--set") != null;
                }
            }
            assertThat(shard).as("%s runs a shard with -o", name).isTrue();
            assertThat(merge).as("%s merges with -o", name).isTrue();
        }
    }
}
