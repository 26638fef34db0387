package dev.gvsim.machine.scenario;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TextTraceWriter;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.GpuHostVendorReset;
import dev.gvsim.guesttraces.linux.GpuPassthroughLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.pciefabric.PciFunction;

/**
 * {@code passthrough-reset-on-reboot} (issue 25): ten boots of a VM that owns a passed-through card,
 * under two VMM flows. Each boot runs the guest driver's probe and init (the executable
 * {@link GpuPassthroughLinuxDriver}, recorded into one trace per flow), lets the guest run, shuts
 * it down. The driver init is a trace: the driver model's probe and init recorded once on a fresh card
 * and replayed on each boot, every read compared with what the fresh card answered (the first
 * divergence is where the real driver's init fails). Between boots:
 * <ul>
 * <li>{@code naive}: the VM is down with the card left as the guest left it; when the VM starts
 * again, the VMM resets the card with the first method of the card's list the host kernel accepts,
 * without vendor-reset loaded (what vfio-pci does by default: docs/facts/sharing-passthrough.md §2.2);</li>
 * <li>{@code low-power}: when the VM stops the VMM puts the card in D3hot (PMCSR, 10 ms) for the
 * time the VM is down; when it starts, D0 (10 ms and the ready poll), then the right reset: the first
 * method the kernel accepts with vendor-reset loaded ({@code device_specific} first), with its
 * waits (§2.2-§2.4).</li>
 * </ul>
 * Per flow: boots that came up, the first failing step, the total time spent in resets, the card's
 * power-state residency, and how often the bus reset reached the audio function.
 */
public final class PassthroughResetOnRebootScenario implements Scenario {
    public static final int BOOTS = 10;
    /** The quirky card (the AMD reset bug) and the others, for comparison. */
    public static final String QUIRKY = "amd-rx580";
    public static final List<String> OTHERS = List.of("nvidia-t4", "jingjia-jm7201", "mtt-s80");
    /** The T4 on a host kernel with the (since reverted) T4 no-bus-reset quirk: LinuxPciQuirks. */
    public static final String T4 = "nvidia-t4";
    static final List<String> T4_QUIRK_KERNEL = List.of("passthrough.linux.t4_no_bus_reset_quirk=true");
    static final long STAGING_PA = VirtMemoryMap.RAM_BASE + (256L << 20);
    /** The flows: the plain reset, D3hot + the right reset, and D3cold (slot power off while the VM is down). */
    public static final List<String> FLOWS = List.of("naive", "low-power", "d3cold");
    /** The root port's slot power controller removes power (D3cold) in these machines. */
    static final List<String> MACHINE_SETS = List.of("pcie.slot_power_control=true");

    @Override
    public String id() {
        return "passthrough-reset-on-reboot";
    }

    @Override
    public String title() {
        return "Passthrough GPU: reset on VM reboot, plain reset vs the low-power reset flow (ten boots)";
    }

    @Override
    public String expected() {
        return "on " + QUIRKY + " the naive flow fails at boot 2 (driver init finds the firmware still running after a bus reset its quirk "
                + "ignores) and the low-power flow boots all " + BOOTS + ", so does the d3cold flow (slot power off while the VM is down); both flows boot all " + BOOTS + " on " + String.join(", ", OTHERS)
                + "; the bus reset resets the audio function with the graphics function; on a host kernel with the T4 "
                + "no-bus-reset quirk (d5af729dc207, since reverted) the T4 has no reset left and fails at boot 2 except with the d3cold flow";
    }

    /** What one flow did over the boots. */
    public record FlowRun(String profile, String flow, int bootsUp, String failingStep, long resetPs, long d0Ps, long d3hotPs, long d3coldPs,
            long audioResets, List<String> log, long traceRecords) {
        Map<String, Object> figures() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bootsUp", bootsUp);
            m.put("failingStep", failingStep == null ? "none" : failingStep);
            m.put("resetMs", resetPs / 1e9);
            m.put("residencyMs", Map.of("D0", d0Ps / 1e9, "D3hot", d3hotPs / 1e9, "D3cold", d3coldPs / 1e9));
            m.put("audioFunctionResets", audioResets);
            m.put("traceRecords", traceRecords);
            m.put("resetLog", log);
            return m;
        }
    }

    static String machine(String profile, boolean audio) {
        String m = "-M virt -device pcie-root-port,id=rp1,chassis=1 -device gpu-passthrough,profile=" + profile + ",bus=rp1,addr=0.0"
                + (audio ? ",multifunction=on -device gpu-passthrough-audio,profile=" + profile + ",bus=rp1,addr=0.1" : "");
        return m;
    }

    /** Runs {@link #BOOTS} boots of {@code profile} under {@code flow} ({@code naive} or {@code low-power}). */
    public static FlowRun run(String profile, String flow) throws Exception {
        return run(profile, flow, List.of());
    }

    /** As {@link #run(String, String)}, with {@code --set} assignments on top of {@link #MACHINE_SETS}. */
    public static FlowRun run(String profile, String flow, List<String> sets) throws Exception {
        if (!FLOWS.contains(flow)) {
            throw new IllegalArgumentException("flow must be one of " + FLOWS + ", got " + flow);
        }
        boolean audio = profile.equals(QUIRKY); // the bundled profile with an audio function
        List<String> all = new ArrayList<>(MACHINE_SETS);
        all.addAll(sets);
        Machine m = MachineBuilder.build(machine(profile, audio), all);
        PciFunction gpu = m.device("gpu-passthrough");
        PciFunction aud = audio ? m.device("gpu-passthrough-audio") : null;
        List<TraceRecord> init = recordInit(profile, audio);
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        int up = 0;
        String failing = null;
        PassthroughResets resets;
        long records;
        try (TextTraceWriter w = new TextTraceWriter(trace)) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, new ReplayOptions(), m.irq(gpu), w, profile + "-" + flow);
            resets = new PassthroughResets(m, cpu, profile, gpu);
            long guestRun = resets.duration("passthrough.guest_run_time");
            long vmDown = resets.duration("passthrough.vm_down_time");
            for (int boot = 1; boot <= BOOTS; boot++) {
                if (boot > 1) {
                    cpu.mark("vm_stop" + boot);
                    String r = switch (flow) {
                        case "low-power" -> lowPowerReboot(cpu, resets, profile, vmDown);
                        case "d3cold" -> d3coldReboot(cpu, resets, vmDown);
                        default -> naiveReboot(cpu, resets, profile, vmDown);
                    };
                    if (r != null) {
                        failing = "boot " + boot + ": VMM reset: " + r;
                        break;
                    }
                }
                cpu.mark("boot" + boot);
                String f = replayInit(cpu, init);
                if (f != null) {
                    failing = "boot " + boot + ": driver init trace: " + f;
                    break;
                }
                up++;
                cpu.delay(guestRun);
            }
            records = cpu.finish().records;
        } catch (GuestFault f) {
            throw new IllegalStateException("the guest or host model faulted: " + f.getMessage(), f);
        }
        Map<String, Object> rep = gpu.report();
        Map<?, ?> res = (Map<?, ?>) rep.get("residency_ps");
        long audioResets = 0;
        if (aud != null && aud.report().get("resets") instanceof Map<?, ?> ar && ar.get("secondary_bus") instanceof Map<?, ?> sb) {
            audioResets = ((Number) sb.get("applied")).longValue();
        }
        return new FlowRun(profile, flow, up, failing, resets.resetPs, ((Number) res.get("D0")).longValue(), ((Number) res.get("D3hot")).longValue(),
                ((Number) res.get("D3cold")).longValue(), audioResets, List.copyOf(resets.log), records);
    }

    /**
     * The driver's probe and init recorded once by the driver model on a fresh card (the machine's
     * allocation is deterministic, so the BARs are where every boot finds them): the trace each boot
     * replays.
     */
    static List<TraceRecord> recordInit(String profile, boolean audio) throws Exception {
        Machine m = MachineBuilder.build(machine(profile, audio), MACHINE_SETS);
        PciFunction gpu = m.device("gpu-passthrough");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TextTraceWriter w = new TextTraceWriter(out)) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, new ReplayOptions(), m.irq(gpu), w, profile + "-init");
            GpuPassthroughLinuxDriver d = new GpuPassthroughLinuxDriver(cpu, profile, gpu.bdf(), STAGING_PA);
            if (!d.probe() || !d.init()) {
                throw new IllegalStateException("driver model failed on a fresh card: " + d.failure());
            }
            cpu.finish();
        }
        List<TraceRecord> recs = new ArrayList<>();
        try (TraceReader r = TraceFiles.open(new ByteArrayInputStream(out.toByteArray()))) {
            TraceRecord rec = new TraceRecord();
            while (r.next(rec)) {
                if (rec.op != Op.MACHINE) {
                    TraceRecord c = new TraceRecord();
                    c.copyFrom(rec);
                    recs.add(c);
                }
            }
        }
        return recs;
    }

    /**
     * One boot's driver init: the recorded trace replayed on the live machine, every read compared
     * with what the fresh card answered. Null if it matched throughout; else the first divergence
     * (the driver's symbol, the register, expected and actual), where the real driver's init fails.
     */
    static String replayInit(MachineGuestCpu cpu, List<TraceRecord> init) {
        dev.gvsim.machine.replay.Replayer rp = cpu.replayer();
        TraceRecord scratch = new TraceRecord();
        String first = null;
        for (TraceRecord rec : init) {
            long before = rp.result().mismatchCount;
            int listed = rp.result().mismatches.size();
            scratch.copyFrom(rec);
            rp.execute(scratch);
            if (first == null && rp.result().mismatchCount != before) {
                Map<String, Object> mm = listed < rp.result().mismatches.size() ? rp.result().mismatches.get(listed) : Map.of();
                first = String.format("%s %s at %s (%s): expected %s, read %s", rec.sym, rec.op.word(), mm.get("address"), mm.get("device"),
                        mm.get("expected"), mm.get("actual"));
            }
        }
        return first;
    }

    /** The VM stops: power off below the root port (D3cold) while it is down; it starts: power on, the D3cold wait, the ready poll. */
    private static String d3coldReboot(MachineGuestCpu cpu, PassthroughResets resets, long vmDown) throws GuestFault {
        long t0 = cpu.now();
        if (!resets.slotPower(false)) {
            return "no slot power control above the card";
        }
        resets.resetPs += cpu.now() - t0;
        cpu.delay(vmDown);
        t0 = cpu.now();
        boolean ready = resets.slotPower(true);
        resets.resetPs += cpu.now() - t0;
        resets.log.add(String.format("D3cold for the VM's down time, then power on (%s, %.1f ms)", ready ? "ready" : "not ready", (cpu.now() - t0) / 1e9));
        if (!ready) {
            return "not ready after D3cold->D0";
        }
        for (PciFunction f : resets.functions()) {
            resets.restoreOpen(f); // power removed from every function below the port
        }
        return null;
    }

    /** The VM stops, stays down, starts: the VMM resets with the kernel's default method (vendor-reset not loaded). */
    private static String naiveReboot(MachineGuestCpu cpu, PassthroughResets resets, String profile, long vmDown) throws GuestFault {
        cpu.delay(vmDown);
        return firstAccepted(resets, methods(profile, false));
    }

    /** The VM stops: D3hot while it is down; it starts: D0, then the right reset (vendor-reset loaded). */
    private static String lowPowerReboot(MachineGuestCpu cpu, PassthroughResets resets, String profile, long vmDown) throws GuestFault {
        long t0 = cpu.now();
        resets.enterD3hot();
        resets.resetPs += cpu.now() - t0;
        cpu.delay(vmDown);
        t0 = cpu.now();
        resets.leaveD3hot();
        boolean ready = resets.pollReady(resets.gpu());
        resets.resetPs += cpu.now() - t0;
        resets.log.add(String.format("D3hot for the VM's down time, then D0 (%s)", ready ? "ready" : "not ready"));
        if (!ready) {
            return "not ready after D3hot->D0";
        }
        resets.restoreOpen(resets.gpu()); // vfio-pci's state saved at open
        return firstAccepted(resets, methods(profile, true));
    }

    /** The card's reset methods (its sysfs reset_method list, kernel order); device_specific only with vendor-reset loaded. */
    static List<String> methods(String profile, boolean vendorResetLoaded) {
        List<String> out = new ArrayList<>();
        for (String mth : GpuHostVendorReset.resetMethods(profile)) {
            if (!mth.equals("device_specific") || (vendorResetLoaded && GpuHostVendorReset.available(profile))) {
                out.add(mth);
            }
        }
        return out;
    }

    /**
     * Tries the methods in order until one is accepted (pci_reset_function); null when one completed
     * or when the kernel refused them all: QEMU's vfio_pci_reset (hw/vfio/pci.c) then starts the VM
     * without a reset (VFIO_DEVICE_RESET, the hot reset and the PM reset each tried and skipped), so
     * the card keeps what the last guest left (but for its configuration space, which vfio-pci restores
     * from the state saved at open, reset or not) and the next driver init decides. Non-null only when a
     * reset started and failed.
     */
    private static String firstAccepted(PassthroughResets resets, List<String> methods) throws GuestFault {
        for (String mth : methods) {
            String r = resets.reset(mth);
            if (r == null) {
                return null;
            }
            if (r.startsWith("failed")) {
                return mth + " " + r;
            }
        }
        for (PciFunction f : resets.functions()) {
            resets.restoreOpen(f); // vfio_pci_core_disable: pci_load_saved_state + pci_restore_state, reset or not
        }
        resets.log.add("no reset method accepted: the VM starts with the card as the last guest left it, its configuration restored "
                + "(QEMU vfio_pci_reset; vfio_pci_core_disable pci_restore_state)");
        return null;
    }

    @Override
    public ScenarioResult run() throws Exception {
        ScenarioResult res = new ScenarioResult();
        FlowRun naive = run(QUIRKY, "naive");
        FlowRun fixed = run(QUIRKY, "low-power");
        res.figure(QUIRKY + ".naive", naive.figures());
        res.figure(QUIRKY + ".low-power", fixed.figures());
        res.check(QUIRKY + " naive flow", "fails at boot 2 in driver init: the firmware state read finds it running", naive.bootsUp() + " boots, "
                + naive.failingStep(), naive.bootsUp() == 1 && naive.failingStep() != null
                        && naive.failingStep().startsWith("boot 2: driver init trace: gpu_fw_check rd") && naive.failingStep().endsWith("expected 0x0, read 0x2"));
        res.check(QUIRKY + " low-power flow", "all " + BOOTS + " boots", fixed.bootsUp() + " boots" + (fixed.failingStep() == null ? "" : ", " + fixed.failingStep()),
                fixed.bootsUp() == BOOTS && fixed.failingStep() == null && fixed.d3hotPs() > 0);
        FlowRun cold = run(QUIRKY, "d3cold");
        res.figure(QUIRKY + ".d3cold", cold.figures());
        res.check(QUIRKY + " d3cold flow", "all " + BOOTS + " boots, with D3cold residency", cold.bootsUp() + " boots"
                + (cold.failingStep() == null ? "" : ", " + cold.failingStep()), cold.bootsUp() == BOOTS && cold.d3coldPs() > 0);
        res.check(QUIRKY + " naive flow: the bus reset reaches the audio function", ">= 1 secondary-bus reset of the audio function",
                naive.audioResets(), naive.audioResets() >= 1);
        for (String p : OTHERS) {
            for (String flow : List.of("naive", "low-power")) {
                FlowRun r = run(p, flow);
                res.figure(p + "." + flow, r.figures());
                res.check(p + " " + flow + " flow", "all " + BOOTS + " boots", r.bootsUp() + " boots" + (r.failingStep() == null ? "" : ", " + r.failingStep()),
                        r.bootsUp() == BOOTS);
            }
        }
        for (String flow : FLOWS) {
            FlowRun r = run(T4, flow, T4_QUIRK_KERNEL);
            res.figure(T4 + ".t4-quirk-kernel." + flow, r.figures());
            boolean powerOff = flow.equals("d3cold");
            res.check(T4 + " " + flow + " flow on a kernel with the T4 no-bus-reset quirk",
                    powerOff ? "all " + BOOTS + " boots (slot power off resets the card)"
                            : "fails at boot 2 in driver init: no reset method left (no FLR, NoSoftRst+, bus reset masked), the firmware still runs",
                    r.bootsUp() + " boots" + (r.failingStep() == null ? "" : ", " + r.failingStep()),
                    powerOff ? r.bootsUp() == BOOTS && r.failingStep() == null
                            : r.bootsUp() == 1 && r.failingStep() != null && r.failingStep().startsWith("boot 2: driver init trace: "));
        }
        return res;
    }
}
