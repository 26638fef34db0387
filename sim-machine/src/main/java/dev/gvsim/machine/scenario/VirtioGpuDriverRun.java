package dev.gvsim.machine.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.importers.VirtioGpuLogDamage;
import dev.gvsim.guesttraces.linux.VirtioGpuWorkload;
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
 * optionally recording the trace; collects the outcome and the device state. With several outputs
 * the device gets {@code max_outputs=N} and the driver one framebuffer per output (scanout k shows
 * resource 2 + k; {@link VirtioGpuLinuxDriver#setOutputs}).
 */
public final class VirtioGpuDriverRun {
    public static final String MACHINE = "-M virt -device virtio-gpu-pci";
    public static final String DRIVER = "virtio-gpu-pci";
    /** The driver's own {@link VirtioGpuLinuxDriver#AREA_SIZE} (64 MiB) of guest RAM (command buffers, framebuffers): 512 MiB into RAM. */
    public static final long AREA_PA = VirtMemoryMap.RAM_BASE + (512L << 20);

    public boolean probed;
    public boolean framebuffer;
    public GuestFault fault;
    public String faultSym;
    public long framesDrawn;
    public int width;
    public int height;
    public Scanout scanout;
    /** Every scanout of the device (scanout k shows output k). */
    public java.util.List<Scanout> scanouts = java.util.List.of();
    /** Why the framebuffer setup failed before touching the device (outputs > num_scanouts, no room), or null. */
    public String error;
    public Map<String, Object> deviceState = Map.of();
    public Map<String, Object> driverState = Map.of();
    public ReplayResult replay;
    public Machine machine;

    public static String machineArgs(boolean blob) {
        return blob ? MACHINE + ",blob=on" : MACHINE;
    }

    /** With {@code max_outputs=N} when {@code outputs} > 1 (1 gives {@link #machineArgs(boolean)}). */
    public static String machineArgs(boolean blob, int outputs) {
        return outputs > 1 ? machineArgs(blob) + ",max_outputs=" + outputs : machineArgs(blob);
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
        return run(machineArgs, blob, 1, 0, 0, workload, frames, framePeriodPs, record, options);
    }

    /** {@code outputs} framebuffers on {@link #machineArgs(boolean, int)}; the others' mode is output 0's. */
    public static VirtioGpuDriverRun run(boolean blob, int outputs, dev.gvsim.guesttraces.linux.VirtioGpuWorkload workload, int frames,
            long framePeriodPs, Path record, ReplayOptions options) throws IOException {
        return run(machineArgs(blob, outputs), blob, outputs, 0, 0, workload, frames, framePeriodPs, record, options);
    }

    /**
     * @param outputs framebuffers the driver drives (1..16; the machine's device needs that many
     *        max_outputs, else {@link #error})
     * @param otherWidth mode of the outputs the device reports disabled (0 x 0: output 0's)
     * @param framePeriodPs frame i starts no earlier than i periods after frame 0 (the guest waits: a
     *        compositor at a fixed rate); 0 = each frame as soon as the previous one is submitted
     */
    public static VirtioGpuDriverRun run(String machineArgs, boolean blob, int outputs, int otherWidth, int otherHeight,
            dev.gvsim.guesttraces.linux.VirtioGpuWorkload workload, int frames, long framePeriodPs, Path record, ReplayOptions options)
            throws IOException {
        if (framePeriodPs < 0) {
            throw new IllegalArgumentException("frame period must be >= 0, got " + framePeriodPs);
        }
        return run(machineArgs, blob, outputs, otherWidth, otherHeight, record, options, (driver, cpu, r) -> {
            long start = cpu.now();
            for (int i = 0; r.probed && i < frames; i++) {
                long due = start + i * framePeriodPs;
                if (cpu.now() < due) {
                    cpu.delay(due - cpu.now());
                }
                driver.frame(workload, i);
            }
        });
    }

    /** What the driver does after probe and framebuffer set-up. */
    @FunctionalInterface
    interface Frames {
        void drive(VirtioGpuLinuxDriver driver, MachineGuestCpu cpu, VirtioGpuDriverRun r) throws GuestFault;
    }

    /**
     * The damage of a real recording ({@link VirtioGpuLogDamage}: the RESOURCE_FLUSH rectangles QEMU's
     * log shows) replayed by the driver model as plane updates (TRANSFER + FLUSH of each rectangle) at
     * the logged times divided by {@code speedup} (the log's times are those of the recorded run, a
     * TCG guest: a speed-up says how much faster the replayed guest draws). The machine's mode is the
     * recorded framebuffer's; the pixels are the model's own (the log has none).
     */
    public static VirtioGpuDriverRun runLogged(VirtioGpuLogDamage log, boolean blob, double speedup, Path record, ReplayOptions options)
            throws IOException {
        return runLogged(machineArgs(blob), log, blob, speedup, record, options, null);
    }

    /**
     * The same on {@code machineArgs} (a {@code -M virt -device virtio-gpu-pci,...} without xres/yres:
     * the recorded framebuffer's mode is appended), telling {@code gpuJobs} of every job the host
     * display's GPU runs from the first replayed flush on (the GPU work the replayed commands cause).
     */
    public static VirtioGpuDriverRun runLogged(String machineArgs, VirtioGpuLogDamage log, boolean blob, double speedup, Path record,
            ReplayOptions options, dev.gvsim.machine.display.Server.JobListener gpuJobs) throws IOException {
        if (!(speedup > 0) || speedup > 1e6) {
            throw new IllegalArgumentException("speed-up must be > 0 and <= 1e6, got " + speedup);
        }
        VirtioGpuLogDamage.Resource fb = log.framebuffer();
        if (fb == null) {
            throw new IllegalArgumentException(log.source + ": no virtio_gpu_cmd_res_create_2d of the resource scanout 0 shows "
                    + "(virtio_gpu_cmd_set_scanout id 0, res ...): the framebuffer's size is unknown");
        }
        String machine = machineArgs + ",xres=" + fb.width() + ",yres=" + fb.height();
        return run(machine, blob, 1, 0, 0, record, options, (driver, cpu, r) -> {
            if (gpuJobs != null) {
                r.machine.displays().gpu().listen(gpuJobs);
            }
            long start = cpu.now();
            int i = 0;
            for (VirtioGpuLogDamage.Flush f : log.flushes) {
                if (f.resource() != fb.id()) {
                    continue; // another resource's flush (a cursor, the firmware's framebuffer)
                }
                long due = start + (long) (f.timeUs() * 1e6 / speedup);
                if (cpu.now() < due) {
                    cpu.delay(due - cpu.now());
                }
                driver.damage(new int[][] {{f.x(), f.y(), f.width(), f.height(), VirtioGpuWorkload.colour(i++, 4)}});
            }
        });
    }

    private static VirtioGpuDriverRun run(String machineArgs, boolean blob, int outputs, int otherWidth, int otherHeight, Path record,
            ReplayOptions options, Frames frames) throws IOException {
        new VirtioGpuLinuxDriver(null, 0, 0, 0, blob).setOutputs(outputs, otherWidth, otherHeight); // the argument checks, before any recording
        VirtioGpuDriverRun r = new VirtioGpuDriverRun();
        ReplayOptions opts = options != null ? options : new ReplayOptions();
        Machine m = MachineBuilder.build(machineArgs, opts.paramSets);
        r.machine = m;
        PciFunction gpu = m.device(DRIVER);
        try (TraceWriter w = record != null ? TraceFiles.create(record, false) : null) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, opts, m.irq(gpu), w, "virtio-gpu-linux");
            VirtioGpuLinuxDriver driver = new VirtioGpuLinuxDriver(cpu, gpu.bdf(), VirtMemoryMap.RAM_BASE, AREA_PA, blob);
            driver.setOutputs(outputs, otherWidth, otherHeight);
            try {
                r.probed = driver.probe();
                r.framebuffer = r.probed && driver.setupFramebuffer();
                if (r.probed) {
                    frames.drive(driver, cpu, r);
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
            r.error = driver.setupError();
        }
        r.deviceState = gpu.report();
        r.scanouts = gpu.scanouts();
        r.scanout = gpu.scanouts().isEmpty() ? null : gpu.scanouts().get(0);
        return r;
    }

    public String summary() {
        if (fault != null) {
            return "fault: " + fault.getMessage();
        }
        if (error != null) {
            return "error: " + error;
        }
        String so = scanout != null && scanout.active() ? scanout.width() + "x" + scanout.height() : "inactive";
        long active = scanouts.stream().filter(Scanout::active).count();
        String more = active > 1 ? " (" + active + " scanouts active)" : "";
        return String.format("probe %s, mode %dx%d, framebuffer %s, scanout %s%s, %d frames", probed ? "ok" : "failed", width, height,
                framebuffer ? "ok" : "failed", so, more, framesDrawn);
    }
}
