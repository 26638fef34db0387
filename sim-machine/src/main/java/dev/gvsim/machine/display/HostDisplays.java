package dev.gvsim.machine.display;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.Stats;

/**
 * The host display side of a machine (QEMU's UI and the host's GPU and monitor), fed by the display
 * devices through {@link DisplayListener}: which outputs show what, their damage, and the copies the
 * devices made. docs/host-display.md describes the model; {@link DisplayParams} its parameters.
 *
 * <p>Pipelines ({@code display.pipeline}):
 * <ul>
 * <li>{@code qemu}: QEMU 7.2's UI. One refresh timer ({@code display.refresh_interval}, ui/console.c
 * gui_update) on the main-loop thread, which also runs the devices (their copies occupy it), refreshes
 * every output in turn; a timer tick is armed only while some output has damage (QEMU backs off to
 * its idle interval otherwise).</li>
 * <li>{@code per-window}: each output has its own refresh thread (its own host core), which refreshes
 * as soon as damage arrives and its previous frame has been presented.</li>
 * </ul>
 * A refresh captures an output ({@code display.capture}: the whole surface, or only the damage), the
 * refresh thread copies the captured bytes to the GPU unless the surface is the guest's own pages
 * (zero-copy: imported once, {@code display.dmabuf_import}), the GPU samples them, and the frame is
 * presented at the next vblank. "Native" is the same damage presented at the next vblank with no
 * virtualization layer. Nothing here allocates per event.
 */
public final class HostDisplays {
    static final int BYTES_PER_PIXEL = 4;
    /** Latency histograms' highest trackable value: 100 s in ps. */
    static final long LATENCY_MAX_PS = 100_000_000_000_000L;

    private final String pipeline;
    private final boolean damageCapture;
    private final long refreshInterval;
    private final long vblank;
    private final double uploadBytesPerNs;
    private final double gpuBytesPerNs;
    private final long dmabufImport;
    private final long refreshOverhead;
    private final boolean spice;
    private final double encodeBytesPerNs;
    private final double memoryBytesPerNs;
    /** The host cores the display side's threads share ({@code display.host_cores}). */
    final Cores cores;
    private final Scheduler sched;
    private final Stats stats;
    private final EventHandler tick;
    private final EventHandler windowRefresh;
    /** QEMU's main loop (BQL): device emulation and, in the qemu pipeline, every refresh. */
    final Server mainLoop;
    final Server gpu = new Server("gpu");
    /** DRAM: every host copy and the GPU's reads of guest pages share its bandwidth. */
    private final SharedCapacity memory;
    private long memoryBusyPs;
    /** Time threads waited for memory after their own work (the bus was the bottleneck). */
    long memoryStallPs;
    long memoryBytes;
    private final List<DeviceDisplay> devices = new ArrayList<>();
    /** All outputs, in attach order: their index is the per-window refresh event's argument. */
    private final List<Output> outputs = new ArrayList<>();
    private long tickEvent = Scheduler.NO_EVENT;

    public HostDisplays(Params params, Scheduler sched, Stats stats) {
        this.pipeline = params.getString(DisplayParams.PIPELINE);
        if (!List.of("none", "qemu", "per-window").contains(pipeline)) {
            throw new IllegalArgumentException("display.pipeline must be none, qemu or per-window, got '" + pipeline + "'");
        }
        String capture = params.getString(DisplayParams.CAPTURE);
        if (!capture.equals("full") && !capture.equals("damage")) {
            throw new IllegalArgumentException("display.capture must be full or damage, got '" + capture + "'");
        }
        this.damageCapture = capture.equals("damage");
        this.refreshInterval = params.getDuration(DisplayParams.REFRESH_INTERVAL);
        this.vblank = params.getDuration(DisplayParams.VBLANK);
        this.uploadBytesPerNs = params.getDouble(DisplayParams.UPLOAD_BANDWIDTH);
        this.gpuBytesPerNs = params.getDouble(DisplayParams.GPU_SAMPLE_BANDWIDTH);
        this.dmabufImport = params.getDuration(DisplayParams.DMABUF_IMPORT);
        this.refreshOverhead = params.getDuration(DisplayParams.REFRESH_OVERHEAD);
        String ui = params.getString(DisplayParams.UI);
        if (!ui.equals("gl") && !ui.equals("spice")) {
            throw new IllegalArgumentException("display.ui must be gl or spice, got '" + ui + "'");
        }
        this.spice = ui.equals("spice");
        this.encodeBytesPerNs = params.getDouble(DisplayParams.ENCODE_BANDWIDTH);
        this.memoryBytesPerNs = params.getDouble(DisplayParams.MEMORY_BANDWIDTH);
        long nCores = params.getLong(DisplayParams.HOST_CORES);
        if (nCores < 0 || nCores > 4096) {
            throw new IllegalArgumentException("display.host_cores must be 0 (a core per thread) to 4096, got " + nCores);
        }
        this.cores = new Cores((int) nCores);
        this.memory = new SharedCapacity(Math.max(1, (long) (memoryBytesPerNs * SharedCapacity.SLOT_PS / 1000)));
        this.mainLoop = new Server("main-loop", cores);
        if (refreshInterval <= 0 || vblank <= 0 || !(uploadBytesPerNs > 0) || !(gpuBytesPerNs > 0) || !(encodeBytesPerNs > 0)
                || !(memoryBytesPerNs > 0)) {
            throw new IllegalArgumentException("display.refresh_interval, display.vblank, display.upload_bandwidth, "
                    + "display.gpu_sample_bandwidth, display.encode_bandwidth and display.memory_bandwidth must be positive");
        }
        this.sched = sched;
        this.stats = stats;
        this.tick = sched.handler("tick", (now, arg) -> tick(now));
        this.windowRefresh = sched.handler("refresh", (now, arg) -> windowRefresh(now, (int) arg));
    }

    /** The listener for a device's outputs ({@link DisplayListener#NONE} with {@code display.pipeline=none}). */
    public DisplayListener attach(String deviceId) {
        if (pipeline.equals("none")) {
            return DisplayListener.NONE;
        }
        DeviceDisplay d = new DeviceDisplay(deviceId);
        devices.add(d);
        return d;
    }

    /** The host GPU that composes the outputs (one job per refresh). */
    public Server gpu() {
        return gpu;
    }

    public boolean modelled() {
        return !pipeline.equals("none");
    }

    // ---------------------------------------------------------------- timing helpers

    private long nextVblank(long t) {
        return (t + vblank - 1) / vblank * vblank;
    }

    private static long bytesPs(long bytes, double bytesPerNs) {
        return bytes <= 0 ? 0 : (long) Math.ceil(bytes * 1000.0 / bytesPerNs);
    }

    /**
     * {@code workPs} of CPU work on {@code thread} ready at {@code readyPs} that moves
     * {@code memBytes} through DRAM; ends when the thread's work and the bytes' time on the memory
     * bus are both done (a saturated bus stalls the thread).
     */
    private long cpuWork(Server thread, long readyPs, long workPs, long memBytes) {
        long end = thread.run(readyPs, workPs);
        return memoryAfter(thread, end - workPs, end, memBytes);
    }

    /** The bytes' time on the memory bus from {@code startPs}; a job that would end before the bus is done waits for it. */
    private long memoryAfter(Server thread, long startPs, long endPs, long memBytes) {
        if (memBytes <= 0) {
            return endPs;
        }
        memoryBytes += memBytes;
        memoryBusyPs += bytesPs(memBytes, memoryBytesPerNs);
        long busEnd = memory.take(startPs, memBytes, Long.MAX_VALUE);
        if (busEnd <= endPs) {
            return endPs;
        }
        memoryStallPs += busEnd - endPs;
        if (thread != null) {
            thread.stallUntil(busEnd);
        }
        return busEnd;
    }

    // ---------------------------------------------------------------- one output

    /** One output of a device: its surface, damage and counters. */
    final class Output {
        final DeviceDisplay dev;
        final int index;
        final int global;
        final Server thread;
        /** The output's spice-server worker thread ({@code display.ui=spice}: it encodes each update). */
        final Server encoder;
        int width;
        int height;
        boolean guestPages;
        /** Damage since the last refresh: pixels (sum of rects, capped at the surface) and when the first came. */
        long damagedPixels;
        long damageSince = -1;
        long firstPresent = -1;
        long firstNativeSlot = -1;
        long lastPresent = -1;
        long refreshEvent = Scheduler.NO_EVENT;
        long nativeSlot = -1;
        final Histogram latency;
        final Histogram nativeLatency;
        long damageEvents;
        long nativeFrames;
        long presented;
        long superseded;
        long refreshes;
        long capturedBytes;
        long uploadCopies;
        long uploadBytes;
        long uploadPs;
        long gpuPs;
        long encodedBytes;
        long encodePs;
        long spiceCopyPs;
        long waitRefreshPs;
        long waitVblankPs;

        Output(DeviceDisplay dev, int index, int global) {
            this.dev = dev;
            this.index = index;
            this.global = global;
            this.thread = new Server(dev.id + ".out" + index + ".refresh", cores);
            this.encoder = new Server(dev.id + ".out" + index + ".spice-worker", cores);
            String base = "display." + dev.id + ".out" + index;
            this.latency = stats.histogram(base + ".latency_ps", LATENCY_MAX_PS);
            this.nativeLatency = stats.histogram(base + ".native_latency_ps", LATENCY_MAX_PS);
        }

        boolean active() {
            return width > 0 && height > 0;
        }
    }

    /** The outputs of one device, and the copies its emulation made. */
    final class DeviceDisplay implements DisplayListener {
        final String id;
        final List<Output> outs = new ArrayList<>();
        long deviceCopies;
        long deviceCopyBytes;
        long deviceCopyPs;

        DeviceDisplay(String id) {
            this.id = id;
        }

        Output out(int i) {
            while (outs.size() <= i) {
                Output o = new Output(this, outs.size(), outputs.size());
                outs.add(o);
                outputs.add(o);
            }
            return outs.get(i);
        }

        @Override
        public void surface(int output, int width, int height, boolean guestPages, long nowPs) {
            Output o = out(output);
            o.width = Math.max(0, width);
            o.height = Math.max(0, height);
            o.guestPages = guestPages;
            o.damagedPixels = 0;
            o.damageSince = -1;
            if (guestPages && o.active()) {
                // the new surface is imported once (udmabuf + EGL image) on the thread that shows it
                (pipeline.equals("qemu") ? mainLoop : o.thread).run(nowPs, dmabufImport);
            }
        }

        @Override
        public long update(int output, int x, int y, int width, int height, long nowPs) {
            Output o = out(output);
            if (!o.active() || width <= 0 || height <= 0) {
                return nowPs;
            }
            o.damageEvents++;
            long slot = nextVblank(nowPs);
            if (slot != o.nativeSlot) {
                o.nativeSlot = slot;
                if (o.firstNativeSlot < 0) {
                    o.firstNativeSlot = slot;
                }
                o.nativeFrames++;
                o.nativeLatency.recordValue(Math.max(1, slot - nowPs));
            }
            long full = (long) o.width * o.height;
            o.damagedPixels = Math.min(full, o.damagedPixels + (long) width * height);
            if (o.damageSince < 0) {
                o.damageSince = nowPs;
            }
            if (pipeline.equals("qemu")) {
                if (tickEvent == Scheduler.NO_EVENT) {
                    long at = Math.max(nowPs, (nowPs + refreshInterval - 1) / refreshInterval * refreshInterval);
                    tickEvent = sched.schedule(at, tick, 0);
                }
                if (!o.guestPages && !spice) {
                    // dpy_gfx_update on the main loop uploads the damage to the GL texture there and then
                    // (gd_gl_area_update / surface_gl_update_texture): the device's thread is held until it is done;
                    // SPICE only unions the rect here (qemu_spice_display_update) and copies at refresh
                    long b = (long) BYTES_PER_PIXEL * width * height;
                    long ps = bytesPs(b, uploadBytesPerNs);
                    o.uploadCopies++;
                    o.uploadBytes += b;
                    o.uploadPs += ps;
                    return cpuWork(mainLoop, nowPs, ps, b);
                }
                return Math.max(nowPs, mainLoop.freeAt());
            }
            if (o.refreshEvent == Scheduler.NO_EVENT) {
                // a window's thread starts once it is free and its previous frame is on screen
                long at = Math.max(nowPs, Math.max(o.thread.freeAt(), o.lastPresent));
                o.refreshEvent = sched.schedule(at, windowRefresh, o.global);
            }
            return nowPs; // the window's own thread does the rest; the device's thread goes on
        }

        @Override
        public long copied(long bytes, long durationPs, long nowPs) {
            deviceCopies++;
            deviceCopyBytes += bytes;
            deviceCopyPs += durationPs;
            // the device's emulation runs on QEMU's main loop; a copy reads and writes its bytes in DRAM
            return cpuWork(mainLoop, nowPs, durationPs, 2 * bytes);
        }
    }

    // ---------------------------------------------------------------- refreshes

    /** The qemu pipeline's gui_update tick: every output refreshed in turn on the main loop. */
    private void tick(long now) {
        tickEvent = Scheduler.NO_EVENT;
        for (Output o : outputs) {
            if (o.active() && (o.damageSince >= 0 || !damageCapture)) {
                refresh(o, now, mainLoop);
            }
        }
    }

    private void windowRefresh(long now, int global) {
        Output o = outputs.get(global);
        o.refreshEvent = Scheduler.NO_EVENT;
        if (o.active() && o.damageSince >= 0) {
            refresh(o, now, o.thread);
        }
    }

    /**
     * Captures one output and gets it on screen. gl: uploads the capture (unless zero-copy), the GPU
     * composes it. spice: the refreshing thread compares the capture with SPICE's mirror and copies it
     * into the mirror and an update image (unless zero-copy: the encoder reads the guest pages), the
     * output's spice-server worker encodes it. Then the next vblank.
     */
    private void refresh(Output o, long now, Server cpu) {
        boolean fresh = o.damageSince >= 0;
        long full = (long) o.width * o.height;
        long bytes = BYTES_PER_PIXEL * (damageCapture ? o.damagedPixels : full);
        long cpuStart = Math.max(now, cpu.freeAt());
        long copyBytes;
        long ready;
        if (spice) {
            // QEMU 7.2 ui/spice-display.c qemu_spice_create_update: memcmp of the area against the mirror, a copy into the
            // mirror, a copy into the update's bitmap: three passes over the bytes, six times the bytes through DRAM
            copyBytes = o.guestPages ? 0 : bytes;
            long copies = 3 * bytesPs(copyBytes, uploadBytesPerNs);
            long cpuEnd = cpuWork(cpu, now, refreshOverhead + copies, 6 * copyBytes);
            long enc = bytesPs(bytes, encodeBytesPerNs);
            ready = cpuWork(o.encoder, cpuEnd, enc, bytes);
            o.spiceCopyPs += copies;
            o.uploadPs += copies;
            o.encodePs += enc;
            o.encodedBytes += bytes;
            if (copyBytes > 0) {
                o.uploadCopies += 2;
                o.uploadBytes += 2 * copyBytes;
            }
        } else {
            // what the refresh copies with the CPU: nothing from guest pages (the GPU samples them); on the qemu
            // pipeline the damage was copied at update time, so only a full capture copies (the whole surface) again
            copyBytes = o.guestPages ? 0 : cpu == mainLoop ? (damageCapture ? 0 : bytes) : bytes;
            long upload = bytesPs(copyBytes, uploadBytesPerNs);
            long cpuEnd = cpuWork(cpu, now, refreshOverhead + upload, copyBytes);
            long gpuWork = bytesPs(bytes, gpuBytesPerNs);
            long gpuEnd = gpu.run(cpuEnd, gpuWork);
            // the GPU reads guest pages from DRAM (a texture it was given is in its own memory)
            ready = o.guestPages ? memoryAfter(null, gpuEnd - gpuWork, gpuEnd, bytes) : gpuEnd;
            if (copyBytes > 0) {
                o.uploadCopies++;
                o.uploadBytes += copyBytes;
            }
            o.uploadPs += upload;
            o.gpuPs += gpuWork;
        }
        long present = nextVblank(ready);
        o.refreshes++;
        o.capturedBytes += bytes;
        o.waitVblankPs += present - ready;
        if (fresh) {
            o.waitRefreshPs += cpuStart - o.damageSince;
            if (present > o.lastPresent) {
                o.presented++;
                if (o.firstPresent < 0) {
                    o.firstPresent = present;
                }
            } else {
                o.superseded++; // a later refresh for the same vblank replaces it on screen
            }
            o.latency.recordValue(Math.max(1, present - o.damageSince));
        }
        o.lastPresent = Math.max(o.lastPresent, present);
        o.damagedPixels = 0;
        o.damageSince = -1;
    }

    // ---------------------------------------------------------------- report

    /**
     * Frames per second between the first and the last frame on screen (n frames span n - 1
     * intervals; both ends on a vblank, so the rate is exact for a steady pipeline and a backlog
     * that outlasts the guest lowers it); 0 with fewer than two frames.
     */
    private static double fps(long frames, long first, long last) {
        return frames < 2 || last <= first ? 0 : (frames - 1) * 1e12 / (last - first);
    }

    double deliveredFps(Output o) {
        return fps(o.presented, o.firstPresent, o.lastPresent);
    }

    double nativeFps(Output o) {
        return fps(o.nativeFrames, o.firstNativeSlot, o.nativeSlot);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Per device and output: native vs delivered frames, latency, copies and where the time went. */
    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pipeline", pipeline);
        m.put("capture", damageCapture ? "damage" : "full");
        m.put("ui", spice ? "spice" : "gl");
        long native_ = 0;
        long delivered = 0;
        double nativeFps = 0;
        double deliveredFps = 0;
        for (DeviceDisplay d : devices) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("deviceCopies", d.deviceCopies);
            dm.put("deviceCopyBytes", d.deviceCopyBytes);
            dm.put("deviceCopyPs", d.deviceCopyPs);
            for (Output o : d.outs) {
                native_ += o.nativeFrames;
                delivered += o.presented;
                nativeFps += nativeFps(o);
                deliveredFps += deliveredFps(o);
                dm.put("out" + o.index, outputReport(o, d));
            }
            m.put(d.id, dm);
        }
        m.put("nativeFrames", native_);
        m.put("deliveredFrames", delivered);
        m.put("nativeFps", round1(nativeFps));
        m.put("deliveredFps", round1(deliveredFps));
        // delivered frame rate over the native rate, each from its first to its last frame on screen
        m.put("percentOfNative", nativeFps == 0 ? null : round1(100 * deliveredFps / nativeFps));
        long refreshThreadsPs = 0;
        long encodersPs = 0;
        long coreWait = mainLoop.coreWaitPs;
        for (Output o : outputs) {
            refreshThreadsPs += o.thread.busyPs;
            encodersPs += o.encoder.busyPs;
            coreWait += o.thread.coreWaitPs + o.encoder.coreWaitPs;
        }
        m.put("mainLoopBusyPs", mainLoop.busyPs);
        m.put("refreshThreadsBusyPs", refreshThreadsPs);
        m.put("spiceWorkersBusyPs", encodersPs);
        // host CPU time per frame on screen: the main loop (device copies, UI work), the refresh threads, the SPICE workers
        m.put("hostCpuPsPerFrame", delivered == 0 ? null : (mainLoop.busyPs + refreshThreadsPs + encodersPs) / delivered);
        m.put("mainLoopFreeAtPs", mainLoop.freeAt());
        m.put("gpuBusyPs", gpu.busyPs);
        Map<String, Object> shared = new LinkedHashMap<>();
        shared.put("hostCores", cores.unlimited() ? "a core per thread" : cores.count());
        shared.put("coreWaitPs", coreWait);
        shared.put("memoryBytes", memoryBytes);
        shared.put("memoryBusBusyPs", memoryBusyPs);
        shared.put("memoryStallPs", memoryStallPs);
        shared.put("gpuBusyPs", gpu.busyPs);
        m.put("shared", shared);
        return m;
    }

    private Map<String, Object> outputReport(Output o, DeviceDisplay d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("surface", o.width + "x" + o.height + (o.guestPages ? " guest pages (zero-copy)" : " host copy"));
        m.put("damageEvents", o.damageEvents);
        m.put("nativeFrames", o.nativeFrames);
        m.put("presentedFrames", o.presented);
        m.put("superseded", o.superseded);
        m.put("refreshes", o.refreshes);
        m.put("nativeFps", round1(nativeFps(o)));
        m.put("deliveredFps", round1(deliveredFps(o)));
        m.put("percentOfNative", nativeFps(o) == 0 ? null : round1(100 * deliveredFps(o) / nativeFps(o)));
        m.put("latencyP50Ps", o.latency.getTotalCount() == 0 ? null : o.latency.getValueAtPercentile(50));
        m.put("latencyP99Ps", o.latency.getTotalCount() == 0 ? null : o.latency.getValueAtPercentile(99));
        m.put("nativeLatencyP50Ps", o.nativeLatency.getTotalCount() == 0 ? null : o.nativeLatency.getValueAtPercentile(50));
        m.put("capturedBytes", o.capturedBytes);
        m.put("uploadCopies", o.uploadCopies);
        m.put("uploadBytes", o.uploadBytes);
        if (spice) {
            m.put("encodedBytes", o.encodedBytes);
        }
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("uploadPs", o.uploadPs);
        stages.put("gpuPs", o.gpuPs);
        if (spice) {
            stages.put("spiceCopyPs", o.spiceCopyPs);
            stages.put("encodePs", o.encodePs);
        }
        stages.put("waitForRefreshPs", o.waitRefreshPs);
        stages.put("waitForVblankPs", o.waitVblankPs);
        m.put("stages", stages);
        if (o.presented > 0) {
            m.put("cpuCopiesPerFrame", Math.round(100.0 * (o.uploadCopies + (double) d.deviceCopies / Math.max(1, d.outs.size())) / o.presented) / 100.0);
            // bytes the host CPU moved per frame shown: this output's uploads / SPICE copies and its share of the device's copies
            m.put("cpuBytesPerFrame", Math.round((o.uploadBytes + (double) d.deviceCopyBytes / Math.max(1, d.outs.size())) / o.presented));
        }
        return m;
    }
}
