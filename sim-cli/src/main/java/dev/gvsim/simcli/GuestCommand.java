package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.QxlDesktopWorkload;
import dev.gvsim.guesttraces.linux.QxlLinuxDriver;
import dev.gvsim.guesttraces.importers.VirtioGpuLogDamage;
import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.scenario.QxlDesktopRun;
import dev.gvsim.machine.scenario.QxlDriverRun;
import dev.gvsim.machine.scenario.QxlWindowUpdateBandwidthScenario;
import dev.gvsim.machine.scenario.VirtioGpuDriverRun;
import dev.gvsim.simcore.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gvsim guest qxl-linux | virtio-gpu-linux}: runs an executable Linux driver model and
 * records its trace.
 */
@Command(name = "guest", mixinStandardHelpOptions = true,
        description = {"Run an executable guest model against the simulated machine and record the trace it issues.",
                "Models: qxl-linux (Linux 6.1 drm/qxl probe + fbdev frames on -M virt -device qxl);",
                "virtio-gpu-linux (Linux 6.1 virtio_pci_modern + drm/virtio probe, fbdev framebuffer and frames on -M virt -device virtio-gpu-pci)."})
final class GuestCommand implements Callable<Integer> {
    static final String MODELS = "qxl-linux, virtio-gpu-linux";

    @picocli.CommandLine.Parameters(index = "0", paramLabel = "MODEL", description = MODELS)
    String model;

    @Option(names = "--variant",
            description = "qxl-linux: ioremap (ROM/RAM header as Device-nGnRE, before 59ab4ee012f0) or ioremap-wc (Normal-NC, the fix). Default ioremap-wc.")
    String variant;

    @Option(names = "--blob", description = "virtio-gpu-linux: the device offers RESOURCE_BLOB (-device virtio-gpu-pci,blob=on) and the dumb buffer is a guest blob (SET_SCANOUT_BLOB), as Linux 6.1 does when it is negotiated.")
    boolean blob;

    @Option(names = "--workload", description = "virtio-gpu-linux: full (full-screen redraw each frame), partial (one damage rectangle per frame), "
            + "windows (three windows updated every 1st/2nd/3rd frame), video (a video window of two thirds of the screen each side, redrawn "
            + "every 2nd frame: 30 fps at --fps 60) or multi (one window per output: output k redrawn whole every (k+1)th frame, "
            + "see --outputs). Default partial. "
            + "qxl-linux: a desktop workload instead of --frames (docs/qxl-window-update.md): office, window-drag, synthetic, video or slideshow; "
            + "the device's remote display then measures every update algorithm (--set qxl.spice.algorithms=... to choose).")
    String workload;

    @Option(names = "--seed", paramLabel = "N", description = "qxl-linux --workload: the workload's seed (same seed, same command stream). Default 24.")
    Long seed;

    @Option(names = "--outputs", paramLabel = "N", description = "virtio-gpu-linux: drive N outputs (1..16): the device gets max_outputs=N "
            + "and the driver one framebuffer per output on scanout k (the others at output 0's mode, as a KMS client enabling more CRTCs). Default 1.")
    Integer outputs;

    @Option(names = "--output-mode", paramLabel = "WxH", description = "virtio-gpu-linux with --outputs: the mode of the outputs the device "
            + "reports disabled (all but output 0, as QEMU at realize), e.g. 1920x1080. Default output 0's mode.")
    String outputMode;

    @Option(names = "--fps", paramLabel = "RATE", description = "virtio-gpu-linux: the guest starts a frame every 1/RATE s of simulated time "
            + "(a compositor at a fixed rate); 0 = each frame as soon as the previous one is submitted. Default 0.")
    double fps;

    @Option(names = "--damage-log", paramLabel = "LOG", description = "virtio-gpu-linux: instead of a workload, the screen updates of a real "
            + "recording: every virtio_gpu_cmd_res_flush of the QEMU log LOG (plain, .xz or .gz; recorded with -trace 'virtio_gpu_cmd_*'), sent "
            + "as TRANSFER_TO_HOST_2D + RESOURCE_FLUSH of its rectangle at the logged time, in the recorded framebuffer's mode.")
    Path damageLog;

    @Option(names = "--speedup", paramLabel = "X", description = "virtio-gpu-linux with --damage-log: the guest draws X times faster than "
            + "the recorded run (whose times are a TCG guest's). Default 1.")
    Double speedup;

    @Option(names = "--frames", defaultValue = "4", description = "Frames to draw after the probe. Default ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Record the trace to FILE (.gvt for binary, else text).")
    Path output;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "Set a model parameter. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--dump-scanout", paramLabel = "DIR",
            description = "Write what each display device shows (QXL: its primary surface; virtio-gpu: scanout 0) as DIR/<id>-scanout.png at the end "
                    + "(virtio-gpu with --outputs: each further active output as DIR/<id>-scanout<k>.png).")
    Path dumpScanout;

    @Option(names = "--json", description = "Print the outcome as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** What both runs give back. */
    private record Outcome(String summary, GuestFault fault, String faultSym, boolean ok, Map<String, Object> driver,
            Map<String, Object> device, ReplayResult replay, Machine machine) {
    }

    @Override
    public Integer call() throws Exception {
        if (frames < 0 || frames > 100_000) {
            throw new IllegalArgumentException("--frames must be in 0..100000");
        }
        dev.gvsim.simcli.util.Files2.output("-o", output);
        MachineArgs.checkSets(sets);
        ReplayOptions opts = new ReplayOptions();
        opts.paramSets.addAll(sets);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        Outcome o;
        switch (model) {
            case "qxl-linux" -> {
                if (blob || fps != 0 || outputs != null || outputMode != null) {
                    throw new IllegalArgumentException("--blob, --fps, --outputs and --output-mode are options of virtio-gpu-linux, not qxl-linux");
                }
                if (workload != null) {
                    if (variant != null && !variant.equals("ioremap-wc")) {
                        throw new IllegalArgumentException("qxl-linux --workload runs the ioremap-wc driver (the fixed one); drop --variant");
                    }
                    QxlDesktopWorkload wl = QxlDesktopWorkload.fromCli(workload);
                    long sd = seed == null ? QxlWindowUpdateBandwidthScenario.SEED : seed;
                    m.put("workload", wl.cliName());
                    m.put("seed", sd);
                    QxlDesktopRun r = QxlDesktopRun.run(wl, sd, output, opts);
                    o = new Outcome(r.summary(), r.fault, null, r.fault == null && r.probed, r.driverState, r.deviceState, r.replay, r.machine);
                    break;
                }
                if (seed != null) {
                    throw new IllegalArgumentException("--seed goes with qxl-linux --workload");
                }
                String var = variant == null ? "ioremap-wc" : variant;
                QxlLinuxDriver.Variant v = switch (var) {
                    case "ioremap" -> QxlLinuxDriver.Variant.IOREMAP;
                    case "ioremap-wc" -> QxlLinuxDriver.Variant.IOREMAP_WC;
                    default -> throw new IllegalArgumentException("--variant must be ioremap or ioremap-wc, got '" + var + "'");
                };
                m.put("variant", var);
                QxlDriverRun r = QxlDriverRun.run(v, frames, output, opts);
                o = new Outcome(r.summary(), r.fault, r.faultSym, r.fault == null && r.probed, r.driverState, r.deviceState, r.replay, r.machine);
            }
            case "virtio-gpu-linux" -> {
                if (variant != null || seed != null) {
                    throw new IllegalArgumentException("--variant and --seed are options of qxl-linux, not virtio-gpu-linux");
                }
                if (speedup != null && damageLog == null) {
                    throw new IllegalArgumentException("--speedup goes with --damage-log");
                }
                if (damageLog != null) {
                    if (workload != null || outputs != null || outputMode != null || fps != 0) {
                        throw new IllegalArgumentException("--damage-log replaces --workload, --outputs, --output-mode and --fps: give one or the other");
                    }
                    double x = speedup == null ? 1 : speedup;
                    VirtioGpuLogDamage log = VirtioGpuLogDamage.read(damageLog);
                    m.put("blob", blob);
                    m.put("damageLog", damageLog.getFileName().toString());
                    m.put("damageLogFlushes", log.flushes.size());
                    m.put("speedup", x);
                    VirtioGpuDriverRun r = VirtioGpuDriverRun.runLogged(log, blob, x, output, opts);
                    o = new Outcome(r.summary(), r.fault, r.faultSym, r.fault == null && r.probed && r.framebuffer, r.driverState, r.deviceState,
                            r.replay, r.machine);
                    break;
                }
                String w = workload == null ? "partial" : workload;
                VirtioGpuWorkload wl = switch (w) {
                    case "full", "partial", "windows", "video", "multi" -> VirtioGpuWorkload.valueOf(w.toUpperCase(Locale.ROOT));
                    default -> throw new IllegalArgumentException("--workload must be full, partial, windows, video or multi, got '" + w + "'");
                };
                m.put("blob", blob);
                m.put("workload", w);
                if (!(fps >= 0 && fps <= 1000)) {
                    throw new IllegalArgumentException("--fps must be in 0..1000, got " + fps);
                }
                long period = fps == 0 ? 0 : Math.round(1e12 / fps);
                m.put("fps", fps);
                int n = outputs == null ? 1 : outputs;
                if (n < 1 || n > 16) {
                    throw new IllegalArgumentException("--outputs must be in 1..16, got " + n);
                }
                m.put("outputs", n);
                int ow = 0;
                int oh = 0;
                if (outputMode != null) {
                    java.util.regex.Matcher mm = java.util.regex.Pattern.compile("([0-9]{1,4})x([0-9]{1,4})").matcher(outputMode);
                    if (!mm.matches()) {
                        throw new IllegalArgumentException("--output-mode must be WxH (e.g. 1920x1080), got '" + outputMode + "'");
                    }
                    ow = Integer.parseInt(mm.group(1));
                    oh = Integer.parseInt(mm.group(2));
                    if (ow < 1 || oh < 1 || ow > 4096 || oh > 2160) {
                        throw new IllegalArgumentException("--output-mode must be 1..4096 x 1..2160, got " + outputMode);
                    }
                    m.put("outputMode", ow + "x" + oh);
                }
                VirtioGpuDriverRun r = VirtioGpuDriverRun.run(VirtioGpuDriverRun.machineArgs(blob, n), blob, n, ow, oh, wl, frames, period, output,
                        opts);
                o = new Outcome(r.summary(), r.fault, r.faultSym, r.fault == null && r.probed && r.framebuffer, r.driverState, r.deviceState,
                        r.replay, r.machine);
            }
            default -> throw new IllegalArgumentException("unknown guest model '" + model + "' (known: " + MODELS + ")");
        }
        if (dumpScanout != null) {
            for (String skipped : ScanoutDump.dump(o.machine().devices(), dumpScanout)) {
                spec.commandLine().getErr().println("gvsim: " + skipped);
            }
        }
        m.put("outcome", o.summary());
        m.put("fault", o.fault() == null ? null : Map.of("type", o.fault().type(), "esr", String.format("0x%08x", o.fault().esr()),
                "far", "0x" + Long.toHexString(o.fault().far()), "sym", String.valueOf(o.faultSym())));
        m.put("driver", o.driver());
        m.put("device", o.device());
        m.put("replay", o.replay().toJson());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(Json.write(m));
        } else {
            out.println(o.summary());
            for (Object line : (List<?>) o.driver().getOrDefault("log", List.of())) {
                out.println("  driver: " + line);
            }
            if (o.device().get("spice_display") instanceof Map<?, ?> sp && sp.get("algorithms") instanceof Map<?, ?> algs) {
                for (Map.Entry<?, ?> e : algs.entrySet()) {
                    Map<?, ?> a = (Map<?, ?>) e.getValue();
                    out.println("  remote display " + e.getKey() + ": " + a.get("bytes") + " bytes, " + a.get("messages") + " messages, "
                            + a.get("bytes_per_s") + " B/s" + (a.containsKey("cache_hit_rate") ? ", cache hit rate " + a.get("cache_hit_rate") : ""));
                }
            }
            if (o.machine().displays().modelled()) {
                Map<String, Object> d = o.machine().displays().report();
                out.println("  display: " + d.get("pipeline") + " pipeline, capture " + d.get("capture") + ": " + d.get("deliveredFps")
                        + " fps delivered of " + d.get("nativeFps") + " native (" + d.get("percentOfNative") + " %)");
            }
            if (output != null) {
                out.println("trace written to " + output);
            }
        }
        out.flush();
        return o.ok() ? Main.EXIT_OK : Main.EXIT_MISBEHAVED;
    }
}
