package dev.gvsim.machine.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.QxlLinuxDriver;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;

/**
 * Runs the executable Linux qxl driver model on {@code -M virt -device qxl}: probe (1024x768) and a
 * number of fbdev frames, optionally recording the trace; collects the outcome and the device state.
 */
public final class QxlDriverRun {
    public static final String MACHINE = "-M virt -device qxl";
    /** Where the fbdev shadow buffer lives in guest RAM (any free 4 MiB of RAM; 512 MiB into it). */
    public static final long SHADOW_FB_PA = VirtMemoryMap.RAM_BASE + (512L << 20);
    public static final int WIDTH = 1024;
    public static final int HEIGHT = 768;

    public boolean probed;
    public GuestFault fault;
    public String faultSym;
    public long framesDrawn;
    public int memslots;
    public long primaryWidth;
    public long primaryHeight;
    public long primaryBpp;
    public Map<String, Object> deviceState = Map.of();
    public Map<String, Object> driverState = Map.of();
    public ReplayResult replay;
    public Machine machine;

    public static QxlDriverRun run(QxlLinuxDriver.Variant variant, int frames, Path record, ReplayOptions options) throws IOException {
        QxlDriverRun r = new QxlDriverRun();
        ReplayOptions opts = options != null ? options : new ReplayOptions();
        Machine m = MachineBuilder.build(MACHINE, opts.paramSets);
        r.machine = m;
        PciFunction qxl = m.device("qxl");
        try (TraceWriter w = record != null ? TraceFiles.create(record, false) : null) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, opts, m.irq(qxl), w, variant.name().toLowerCase());
            QxlLinuxDriver driver = new QxlLinuxDriver(cpu, variant, qxl.bdf(), VirtMemoryMap.PCIE_PIO_BASE, SHADOW_FB_PA);
            try {
                r.probed = driver.probe(WIDTH, HEIGHT);
                for (int i = 0; r.probed && i < frames; i++) {
                    cpu.mark("frame" + i);
                    driver.drawRect(WIDTH, 64 * i, 32 * i, 256, 128, 0x00336699 + i * 0x101010);
                }
            } catch (GuestFault f) {
                r.fault = f;
                var faults = cpu.replayer().result().faults;
                if (!faults.isEmpty()) {
                    String sym = String.valueOf(faults.get(faults.size() - 1).get("sym"));
                    int plus = sym.indexOf('+');
                    r.faultSym = plus > 0 ? sym.substring(0, plus) : sym;
                }
            }
            r.replay = cpu.finish();
            r.framesDrawn = driver.framesSubmitted();
            r.driverState = driver.state();
        }
        r.deviceState = qxl.report();
        if (r.deviceState.get("memslots") instanceof List<?> slots) {
            r.memslots = slots.size();
        }
        Scanout primary = qxl.scanouts().get(0);
        if (primary.active()) {
            r.primaryWidth = primary.width();
            r.primaryHeight = primary.height();
            Object p = r.deviceState.get("primary");
            if (p instanceof Map<?, ?> pm && pm.get("bpp") instanceof Number n) {
                r.primaryBpp = n.longValue();
            }
        }
        return r;
    }

    public String summary() {
        if (fault != null) {
            return "fault: " + fault.getMessage();
        }
        return String.format("probe %s, %d memslots, primary %dx%dx%d, %d frames", probed ? "ok" : "failed", memslots, primaryWidth,
                primaryHeight, primaryBpp, framesDrawn);
    }

    static String bdf(PciFunction f) {
        return PciFunction.formatBdf(f.bdf());
    }
}
