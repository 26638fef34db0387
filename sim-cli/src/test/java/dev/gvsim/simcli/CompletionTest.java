package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: shell completion generated from the command model, run in a real bash. */
class CompletionTest {
    @TempDir
    Path dir;

    /** Sources the script in bash, completes {@code words} (the last one being completed) and returns COMPREPLY, one per line. */
    private String complete(Path script, String... words) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is installed");
        StringBuilder arr = new StringBuilder();
        for (String w : words) {
            arr.append(" '").append(w).append('\'');
        }
        String line = String.join(" ", words);
        String cmd = "source '" + script + "' 2>/dev/null; COMP_WORDS=(" + arr + "); COMP_CWORD=" + (words.length - 1) + "; COMP_LINE='" + line
                + "'; COMP_POINT=${#COMP_LINE}; _complete_gvsim 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("/bin/bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void bashCompletesCommandsSubcommandsAndOptionsOfThisBuild() throws Exception {
        ReplayCliTest.Run r = gvsim("completion", "bash");
        assertThat(r.code()).as(r.err()).isZero();
        Path script = dir.resolve("gvsim.bash");
        Files.writeString(script, r.out());
        assertThat(complete(script, "gvsim", "repl").lines()).containsExactly("replay");
        assertThat(complete(script, "./gvsim", "sc").lines()).containsExactly("scenarios");
        assertThat(complete(script, "gvsim", "trace", "").lines()).contains("info", "cat", "convert", "verify");
        assertThat(complete(script, "gvsim", "replay", "--pro").lines()).containsExactly("--progress");
        assertThat(complete(script, "gvsim", "import", "--keep").lines()).containsExactly("--keep-platform");
        assertThat(complete(script, "gvsim", "completion", "--he").lines()).containsExactly("--help");
    }

    @Test
    void zshGetsTheSameScriptThroughBashcompinitAndOtherShellsAreRefused() {
        ReplayCliTest.Run z = gvsim("completion", "zsh");
        assertThat(z.code()).isZero();
        assertThat(z.out()).isEqualTo(gvsim("completion", "bash").out()).contains("ZSH_VERSION", "bashcompinit", "complete -F _complete_gvsim");
        ReplayCliTest.Run f = gvsim("completion", "fish");
        assertThat(f.code()).isEqualTo(2);
        assertThat(f.err()).contains("bash or zsh", "fish");
    }
}
