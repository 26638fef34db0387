package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.simcore.Json;
import dev.gvsim.simcore.ParamDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim params}: every model parameter with its default, unit, source and meaning. */
@Command(name = "params", mixinStandardHelpOptions = true,
        description = "List every named model parameter (settable with --set NAME=VALUE) with its default, unit and source.")
final class ParamsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<ParamDef> defs = MachineBuilder.allParamDefs();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            for (ParamDef d : defs) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", d.type().name().toLowerCase());
                m.put("default", d.defaultValue());
                m.put("unit", d.unit());
                m.put("source", d.source());
                m.put("doc", d.doc());
                all.put(d.name(), m);
            }
            out.print(Json.write(Map.of("params", all)));
        } else {
            for (ParamDef d : defs) {
                out.printf("%-34s %-10s %s%s%n", d.name(), d.defaultValue(), d.doc(), d.unit() == null || d.unit().isEmpty() ? "" : " [" + d.unit() + "]");
                out.printf("%-34s source: %s%n", "", d.source());
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
