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
import dev.gvsim.guesttraces.linux.GpuPassthroughLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciFunction;

/**
 * {@code passthrough-s2-attributes} (issue 25): a passed-through GPU's BARs under the VMM's stage-2
 * policies on arm64. The guest driver model ({@link GpuPassthroughLinuxDriver}: registers with
 * {@code ioremap}, VRAM with {@code ioremap_wc}, buffer uploads with the kernel's memcpy, a doorbell)
 * runs once on the host view (no stage 2: the host's own mapping of the card) and is recorded; the
 * same trace is replayed under {@code host-s2=device} (KVM before Linux 6.9: Device-nGnRE for every
 * BAR), {@code normal-nc} ({@code VM_ALLOW_ANY_UNCACHED}, 6.9) and {@code adaptive} (prefetchable
 * BARs Normal-NC, register BARs Device-nGnRE), each without and with FEAT_S2FWB
 * (docs/facts/sharing-passthrough.md §2.1, arm64-memory.md §5-§7). Reported per run: the alignment
 * faults the guest takes (ESR, FAR, symbol), interconnect transactions and bytes per BAR after write
 * gathering, the upload's simulated time and throughput, and that throughput as % of the host's.
 */
public final class PassthroughS2AttributesScenario implements Scenario {
    /** The card: the AMD profile (its VRAM and doorbell BARs are prefetchable, its register BAR is not). */
    public static final String PROFILE = "amd-rx580";
    static final String MACHINE = "-M virt -device pcie-root-port,id=rp1,chassis=1 -device gpu-passthrough,profile=" + PROFILE
            + ",bus=rp1,addr=0.0,multifunction=on,host-s2=%s -device gpu-passthrough-audio,profile=" + PROFILE + ",bus=rp1,addr=0.1";
    /** Staging buffer in guest RAM (any free MiB; 256 MiB into RAM). */
    static final long STAGING_PA = VirtMemoryMap.RAM_BASE + (256L << 20);
    public static final List<String> POLICIES = List.of("device", "normal-nc", "adaptive");

    @Override
    public String id() {
        return "passthrough-s2-attributes";
    }

    @Override
    public String title() {
        return "Passthrough GPU on arm64: stage-2 policy per BAR (device / normal-nc / adaptive, without and with FWB)";
    }

    @Override
    public String expected() {
        return "one recorded driver trace (ioremap registers, ioremap_wc VRAM, memcpy uploads with unaligned heads/tails, doorbell) replayed "
                + "per policy: host-s2=device takes alignment faults in the uploads (with and without FWB) and needs more VRAM transactions "
                + "than normal-nc (no write gathering); normal-nc and adaptive take none and upload faster than device";
    }

    /** One replay's figures. */
    public record Run(String name, ReplayResult replay, long uploadPs, long uploadBytes, Map<String, long[]> perBar) {
        double throughputMBps() {
            return uploadPs <= 0 ? 0 : uploadBytes * 1e6 / uploadPs; // bytes per ps * 1e12 / 1e6 = MB/s
        }

        long alignmentFaults() {
            return replay.faults.stream().filter(f -> "alignment-fault".equals(f.get("type"))).count();
        }
    }

    /** Records the driver model on the host view ({@code normal-nc} policy, no stage 2); returns the trace text. */
    public static byte[] record() throws Exception {
        Machine m = MachineBuilder.build(String.format(MACHINE, "normal-nc"), List.of());
        PciFunction gpu = m.device("gpu-passthrough");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TextTraceWriter w = new TextTraceWriter(out)) {
            MachineGuestCpu cpu = new MachineGuestCpu(m, new ReplayOptions(), m.irq(gpu), w, "gpu-passthrough-linux");
            GpuPassthroughLinuxDriver d = new GpuPassthroughLinuxDriver(cpu, PROFILE, gpu.bdf(), STAGING_PA);
            if (!d.probe() || !d.init()) {
                throw new IllegalStateException("driver model failed on a fresh card: " + d.failure());
            }
            d.uploadAll();
            cpu.finish();
        } catch (GuestFault f) {
            throw new IllegalStateException("driver model faulted on the host view: " + f.getMessage(), f);
        }
        return out.toByteArray();
    }

    /**
     * Replays {@code trace} on a machine with {@code host-s2=policy} and stage 2 {@code stage2}
     * ({@code none} = the host), every fault recorded ({@code --continue}), counting transactions per BAR.
     */
    public static Run replay(byte[] trace, String policy, String stage2, String name) throws Exception {
        Machine m = MachineBuilder.build(String.format(MACHINE, policy), List.of());
        ReplayOptions o = new ReplayOptions();
        o.continueAfterFault = true;
        o.stage2 = "none".equals(stage2) ? null : stage2;
        Replayer rp = new Replayer(o, name, m);
        PciFunction gpu = m.device("gpu-passthrough");
        List<Bar> bars = new ArrayList<>();
        List<long[]> ranges = new ArrayList<>();
        Map<String, long[]> perBar = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            Bar b = gpu.bar(i);
            if (b != null && !b.isIo() && gpu.barAddress(i) != 0) {
                bars.add(b);
                ranges.add(new long[] {gpu.barAddress(i), gpu.barAddress(i) + b.size});
                perBar.put("BAR" + i + " " + b.name, new long[2]);
            }
        }
        long[][] counts = perBar.values().toArray(long[][]::new);
        long[][] bounds = ranges.toArray(long[][]::new);
        m.observeTransactions((type, addr, bytes) -> {
            for (int i = 0; i < bounds.length; i++) {
                if (addr >= bounds[i][0] && addr < bounds[i][1]) {
                    counts[i][0]++;
                    counts[i][1] += bytes;
                    return;
                }
            }
        });
        try (TraceReader r = TraceFiles.open(new ByteArrayInputStream(trace))) {
            TraceRecord rec = new TraceRecord();
            while (r.next(rec)) {
                if (rec.op != Op.MACHINE) {
                    rp.execute(rec);
                }
            }
        }
        ReplayResult res = rp.finishRun();
        long start = markTime(res, "upload0");
        long end = markTime(res, "upload_done");
        long bytes = 0;
        for (long[] u : GpuPassthroughLinuxDriver.UPLOADS) {
            bytes += u[1];
        }
        return new Run(name, res, end - start, bytes, perBar);
    }

    static long markTime(ReplayResult r, String name) {
        for (Map<String, Object> m : r.marks) {
            if (name.equals(m.get("name"))) {
                return ((Number) m.get("timePs")).longValue();
            }
        }
        throw new IllegalStateException("mark " + name + " missing from the replay");
    }

    @Override
    public ScenarioResult run() throws Exception {
        ScenarioResult res = new ScenarioResult();
        byte[] trace = record();
        Run host = replay(trace, "normal-nc", "none", "host");
        List<Run> runs = new ArrayList<>();
        for (String policy : POLICIES) {
            for (String s2 : List.of("kvm", "kvm-fwb")) {
                runs.add(replay(trace, policy, s2, policy + (s2.equals("kvm-fwb") ? "+fwb" : "")));
            }
        }
        res.figure("trace.records", host.replay().records);
        res.figure("host", figures(host, host));
        Map<String, Run> by = new LinkedHashMap<>();
        for (Run r : runs) {
            by.put(r.name(), r);
            res.figure(r.name(), figures(r, host));
        }
        for (String n : List.of("device", "device+fwb")) {
            Run d = by.get(n);
            Map<String, Object> f = d.replay().faults.isEmpty() ? Map.of() : d.replay().faults.get(0);
            res.check(n + ": alignment faults in the uploads", "> 0 alignment faults, the first in gpu_bo_upload",
                    d.alignmentFaults() + " (first: " + f.get("type") + " va=" + f.get("va") + " far=" + f.get("far") + " esr=" + f.get("esr") + " sym="
                            + f.get("sym") + ")",
                    d.alignmentFaults() > 0 && String.valueOf(f.get("sym")).startsWith("gpu_bo_upload"));
        }
        long devVram = vramTransactions(by.get("device"));
        for (String n : List.of("normal-nc", "normal-nc+fwb", "adaptive", "adaptive+fwb")) {
            Run r = by.get(n);
            res.check(n + ": faults", "0", r.replay().faultCount, r.replay().faultCount == 0);
            res.check(n + ": faster than device, fewer VRAM transactions", "throughput > device's, VRAM transactions < device's " + devVram,
                    String.format("%.1f MB/s vs %.1f MB/s; %d VRAM transactions", r.throughputMBps(), by.get("device").throughputMBps(),
                            vramTransactions(r)),
                    r.throughputMBps() > by.get("device").throughputMBps() && vramTransactions(r) < devVram);
        }
        return res;
    }

    static long vramTransactions(Run r) {
        for (Map.Entry<String, long[]> e : r.perBar().entrySet()) {
            if (e.getKey().endsWith(" vram")) {
                return e.getValue()[0];
            }
        }
        return 0;
    }

    static Map<String, Object> figures(Run r, Run host) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("faults", r.replay().faultCount);
        m.put("alignmentFaults", r.alignmentFaults());
        if (!r.replay().faults.isEmpty()) {
            Map<String, Object> f = r.replay().faults.get(0);
            m.put("firstFault", f.get("type") + " " + f.get("kind") + " va=" + f.get("va") + " far=" + f.get("far") + " esr=" + f.get("esr") + " sym="
                    + f.get("sym"));
        }
        Map<String, Object> bars = new LinkedHashMap<>();
        r.perBar().forEach((k, v) -> bars.put(k, Map.of("transactions", v[0], "bytes", v[1])));
        m.put("perBar", bars);
        m.put("uploadBytes", r.uploadBytes());
        m.put("uploadPs", r.uploadPs());
        m.put("uploadMBps", Math.round(r.throughputMBps() * 10) / 10.0);
        m.put("percentOfHost", host.uploadPs() <= 0 || r.uploadPs() <= 0 ? 0 : Math.round(1000.0 * host.uploadPs() / r.uploadPs()) / 10.0);
        return m;
    }
}
