package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.pciefabric.DeviceRegistry;
import dev.gvsim.pciefabric.DeviceType;
import dev.gvsim.simcore.Json;
import dev.gvsim.simcore.ParamDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim devices}: the device types this build registers, with their -device names and parameters. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the device types this build knows (-device DRIVER), what each models, and the parameters it declares.")
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            for (DeviceType t : DeviceRegistry.load().types()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("drivers", t.drivers());
                m.put("description", t.description());
                m.put("params", t.params().stream().map(ParamDef::name).toList());
                all.put(t.drivers().get(0), m);
            }
            out.print(Json.write(Map.of("devices", all)));
        } else {
            for (DeviceType t : DeviceRegistry.load().types()) {
                out.printf("%s%n  %s%n", String.join(", ", t.drivers()), t.description());
                if (!t.params().isEmpty()) {
                    out.printf("  params: %s%n", String.join(", ", t.params().stream().map(ParamDef::name).toList()));
                }
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
