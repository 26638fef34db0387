package dev.gvsim.machine.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.QxlDesktopWorkload;
import dev.gvsim.guesttraces.linux.QxlLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.pciefabric.PciFunction;

/**
 * Runs the Linux qxl driver model (ioremap_wc) on {@code -M virt -device qxl} with a desktop
 * workload ({@link QxlDesktopWorkload}) after the probe, optionally recording the trace; the
 * device's remote-display side runs every update algorithm unless the options set
 * {@code qxl.spice.algorithms} themselves.
 */
public final class QxlDesktopRun {
    public static final String ALL_ALGORITHMS = "qxl.spice.algorithms=all";

    public boolean probed;
    public GuestFault fault;
    public long damages;
    public Map<String, Object> deviceState = Map.of();
    public Map<String, Object> driverState = Map.of();
    public ReplayResult replay;
    public Machine machine;

    public static QxlDesktopRun run(QxlDesktopWorkload workload, long seed, Path record, ReplayOptions options) throws IOException {
        QxlDesktopRun r = new QxlDesktopRun();
        ReplayOptions opts = options != null ? options : new ReplayOptions();
        if (opts.paramSets.stream().noneMatch(s -> s.trim().startsWith("qxl.spice.algorithms"))) {
            opts.paramSets.add(ALL_ALGORITHMS);
        }
        Machine m = MachineBuilder.build(QxlDriverRun.MACHINE, opts.paramSets);
        r.machine = m;
        PciFunction qxl = m.device("qxl");
        try (TraceWriter w = record != null ? TraceFiles.create(record, false) : null) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, opts, m.irq(qxl), w, "qxl-desktop-" + workload.cliName());
            QxlLinuxDriver driver = new QxlLinuxDriver(cpu, QxlLinuxDriver.Variant.IOREMAP_WC, qxl.bdf(), VirtMemoryMap.PCIE_PIO_BASE,
                    QxlDriverRun.SHADOW_FB_PA);
            try {
                r.probed = driver.probe(QxlDriverRun.WIDTH, QxlDriverRun.HEIGHT);
                if (r.probed) {
                    cpu.mark("workload_" + workload.cliName());
                    r.damages = workload.run(driver, cpu, QxlDriverRun.WIDTH, QxlDriverRun.HEIGHT, seed);
                }
            } catch (GuestFault f) {
                r.fault = f;
            }
            r.replay = cpu.finish();
            r.driverState = driver.state();
        }
        r.deviceState = qxl.report();
        return r;
    }

    /** The device report's {@code spice_display} map, or an empty map when none ran. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> spice() {
        Object s = deviceState.get("spice_display");
        return s instanceof Map<?, ?> ? (Map<String, Object>) s : Map.of();
    }

    /** The report map of one algorithm, or an empty map. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> algorithm(String name) {
        Object a = spice().get("algorithms");
        if (a instanceof Map<?, ?> am && am.get(name) instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        return Map.of();
    }

    /** Bytes an algorithm sent, -1 if it did not run. */
    public long bytes(String name) {
        return algorithm(name).get("bytes") instanceof Number n ? n.longValue() : -1;
    }

    public String summary() {
        if (fault != null) {
            return "fault: " + fault.getMessage();
        }
        return String.format("probe %s, %d damages", probed ? "ok" : "failed", damages);
    }
}
