package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.linux.GpuPassthroughLinuxDriver;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim profiles}: the GPU profiles {@code -device gpu-passthrough,profile=NAME} knows (issue 25; docs/gpu-passthrough.md). */
@Command(name = "profiles", mixinStandardHelpOptions = true,
        description = "List the GPU profiles of -device gpu-passthrough (IDs, BARs, capabilities, reset methods and quirks, defaults used "
                + "for unknown values); with FILE, check and show one profile file.")
final class ProfilesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "A profile file (.json) to check and show instead of the bundled list.")
    String file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> all = file == null ? GpuPassthroughLinuxDriver.profileSummaries()
                : List.of(GpuPassthroughLinuxDriver.profileSummary(file.contains("/") || file.endsWith(".json") ? file : "./" + file));
        if (json) {
            out.print(Json.write(Map.of("profiles", all)));
        } else {
            for (Map<String, Object> p : all) {
                out.printf("%s  %s%n", p.get("name"), p.get("title"));
                for (String k : List.of("ids", "bars", "capabilities", "audio", "reset_methods", "keeps_state_across", "vendor_reset", "defaults_used")) {
                    Object v = p.get(k);
                    if (v == null) {
                        continue;
                    }
                    if (v instanceof List<?> l && k.equals("defaults_used")) {
                        for (Object o : l) {
                            out.printf("  default: %s%n", o);
                        }
                    } else {
                        String text = v instanceof List<?> l ? (l.isEmpty() ? "none" : String.join(", ", l.stream().map(String::valueOf).toList())) : String.valueOf(v);
                        out.printf("  %s: %s%n", k.replace('_', ' '), text);
                    }
                }
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
