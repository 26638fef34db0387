package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.linux.QxlLinuxDriver;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.scenario.QxlDriverRun;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim guest qxl-linux}: runs the executable Linux qxl driver model and records its trace. */
@Command(name = "guest", mixinStandardHelpOptions = true,
        description = {"Run an executable guest model against the simulated machine and record the trace it issues.",
                "Models: qxl-linux (Linux 6.1 drm/qxl probe + fbdev frames on -M virt -device qxl)."})
final class GuestCommand implements Callable<Integer> {
    @picocli.CommandLine.Parameters(index = "0", paramLabel = "MODEL", description = "qxl-linux")
    String model;

    @Option(names = "--variant", defaultValue = "ioremap-wc",
            description = "ioremap (ROM/RAM header as Device-nGnRE, before 59ab4ee012f0) or ioremap-wc (Normal-NC, the fix). Default ${DEFAULT-VALUE}.")
    String variant;

    @Option(names = "--frames", defaultValue = "4", description = "fbdev frames to draw after the probe. Default ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Record the trace to FILE (.gvt for binary, else text).")
    Path output;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Set a model parameter. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--dump-scanout", paramLabel = "DIR", description = "Write what each display device shows (QXL: its primary surface) as DIR/<id>-scanout.png at the end.")
    Path dumpScanout;

    @Option(names = "--json", description = "Print the outcome as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!"qxl-linux".equals(model)) {
            throw new IllegalArgumentException("unknown guest model '" + model + "' (known: qxl-linux)");
        }
        QxlLinuxDriver.Variant v = switch (variant) {
            case "ioremap" -> QxlLinuxDriver.Variant.IOREMAP;
            case "ioremap-wc" -> QxlLinuxDriver.Variant.IOREMAP_WC;
            default -> throw new IllegalArgumentException("--variant must be ioremap or ioremap-wc, got '" + variant + "'");
        };
        if (frames < 0 || frames > 100_000) {
            throw new IllegalArgumentException("--frames must be in 0..100000");
        }
        ReplayOptions opts = new ReplayOptions();
        opts.paramSets.addAll(sets);
        QxlDriverRun r = QxlDriverRun.run(v, frames, output, opts);
        if (dumpScanout != null) {
            for (String skipped : ScanoutDump.dump(r.machine.devices(), dumpScanout)) {
                spec.commandLine().getErr().println("gvsim: " + skipped);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("variant", variant);
        m.put("outcome", r.summary());
        m.put("fault", r.fault == null ? null : Map.of("type", r.fault.type(), "esr", String.format("0x%08x", r.fault.esr()),
                "far", "0x" + Long.toHexString(r.fault.far()), "sym", String.valueOf(r.faultSym)));
        m.put("driver", r.driverState);
        m.put("device", r.deviceState);
        m.put("replay", r.replay.toJson());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(Json.write(m));
        } else {
            out.println(r.summary());
            for (Object line : (List<?>) r.driverState.getOrDefault("log", List.of())) {
                out.println("  driver: " + line);
            }
            if (output != null) {
                out.println("trace written to " + output);
            }
        }
        out.flush();
        return r.fault != null || !r.probed ? Main.EXIT_MISBEHAVED : Main.EXIT_OK;
    }
}
