package dev.gvsim.machine.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.VirtioGpuLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;

/**
 * Runs the executable Linux virtio-gpu driver model on {@code -M virt -device virtio-gpu-pci}
 * ({@code ,blob=on} with blob): probe, the fbdev framebuffer and a number of frames of a workload,
 * optionally recording the trace; collects the outcome and the device state.
 */
public final class VirtioGpuDriverRun {
    public static final String MACHINE = "-M virt -device virtio-gpu-pci";
    public static final String DRIVER = "virtio-gpu-pci";
    /** The driver's own 16 MiB of guest RAM (command buffers, framebuffer): 512 MiB into RAM. */
    public static final long AREA_PA = VirtMemoryMap.RAM_BASE + (512L << 20);

    public boolean probed;
    public boolean framebuffer;
    public GuestFault fault;
    public String faultSym;
    public long framesDrawn;
    public int width;
    public int height;
    public Scanout scanout;
    public Map<String, Object> deviceState = Map.of();
    public Map<String, Object> driverState = Map.of();
    public ReplayResult replay;
    public Machine machine;

    public static String machineArgs(boolean blob) {
        return blob ? MACHINE + ",blob=on" : MACHINE;
    }

    public static VirtioGpuDriverRun run(boolean blob, dev.gvsim.guesttraces.linux.VirtioGpuWorkload workload, int frames, Path record, ReplayOptions options)
            throws IOException {
        return run(machineArgs(blob), blob, workload, frames, record, options);
    }

    /** With other machine arguments (device properties: {@code -M virt -device virtio-gpu-pci,indirect_desc=off}). */
    public static VirtioGpuDriverRun run(String machineArgs, boolean blob, dev.gvsim.guesttraces.linux.VirtioGpuWorkload workload, int frames,
            Path record, ReplayOptions options) throws IOException {
        return run(machineArgs, blob, workload, frames, 0, record, options);
    }

    /**
     * @param framePeriodPs frame i starts no earlier than i periods after frame 0 (the guest waits: a
     *        compositor at a fixed rate); 0 = each frame as soon as the previous one is submitted
     */
    public static VirtioGpuDriverRun run(String machineArgs, boolean blob, dev.gvsim.guesttraces.linux.VirtioGpuWorkload workload, int frames,
            long framePeriodPs, Path record, ReplayOptions options) throws IOException {
        if (framePeriodPs < 0) {
            throw new IllegalArgumentException("frame period must be >= 0, got " + framePeriodPs);
        }
        VirtioGpuDriverRun r = new VirtioGpuDriverRun();
        ReplayOptions opts = options != null ? options : new ReplayOptions();
        Machine m = MachineBuilder.build(machineArgs, opts.paramSets);
        r.machine = m;
        PciFunction gpu = m.device(DRIVER);
        try (TraceWriter w = record != null ? TraceFiles.create(record, false) : null) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, opts, m.irq(gpu), w, "virtio-gpu-linux");
            VirtioGpuLinuxDriver driver = new VirtioGpuLinuxDriver(cpu, gpu.bdf(), VirtMemoryMap.RAM_BASE, AREA_PA, blob);
            try {
                r.probed = driver.probe();
                r.framebuffer = r.probed && driver.setupFramebuffer();
                long start = cpu.now();
                for (int i = 0; r.probed && i < frames; i++) {
                    long due = start + i * framePeriodPs;
                    if (cpu.now() < due) {
                        cpu.delay(due - cpu.now());
                    }
                    driver.frame(workload, i);
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
            r.width = driver.width();
            r.height = driver.height();
            r.driverState = driver.state();
        }
        r.deviceState = gpu.report();
        r.scanout = gpu.scanouts().isEmpty() ? null : gpu.scanouts().get(0);
        return r;
    }

    public String summary() {
        if (fault != null) {
            return "fault: " + fault.getMessage();
        }
        String so = scanout != null && scanout.active() ? scanout.width() + "x" + scanout.height() : "inactive";
        return String.format("probe %s, mode %dx%d, framebuffer %s, scanout %s, %d frames", probed ? "ok" : "failed", width, height,
                framebuffer ? "ok" : "failed", so, framesDrawn);
    }
}
