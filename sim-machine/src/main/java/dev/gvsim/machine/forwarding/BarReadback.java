package dev.gvsim.machine.forwarding;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.arm64mmu.AttrCombine;
import dev.gvsim.arm64mmu.MemoryTiming;
import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.arm64mmu.MmuParams;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.BarMemory;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/**
 * What a guest CPU pays to read the passed-through GPU's VRAM over its BAR, under one stage-2
 * policy, taken from the existing models rather than a number of its own:
 * <ul>
 * <li>the card ({@code -device gpu-passthrough,profile=P,host-s2=POLICY} built on a machine) says
 * which BAR is VRAM and what stage-2 type the VMM's policy gives it ({@link PciFunction#stage2MemoryType});
 * the capture agent maps VRAM write-combined (stage 1 Normal-NC, as the driver models do with
 * {@code ioremap_wc}), and arm64-mmu's {@link AttrCombine} gives the type the loads get;</li>
 * <li>arm64-mmu's {@link MemoryTiming} times a sample of the agent's loads of that type back to back:
 * Device loads {@code mem.bulk.device_element_bytes} at a time (memcpy_fromio; unaligned Device loads
 * fault), Normal-NC loads {@code forwarding.nc_read_bytes} at a time (memcpy's LDP). Every uncached
 * load is a non-posted round trip in that model, so the cost is linear in the bytes read and the
 * sample's cost per byte holds for a frame.</li>
 * </ul>
 *
 * @param policy the host-s2 policy
 * @param stage2Type the stage-2 type of the VRAM BAR under it (arm64-mmu trace name)
 * @param effective the type the agent's loads get
 * @param loadBytes bytes per load
 * @param samplePs simulated time of {@link #SAMPLE_BYTES} of loads
 * @param sampleTransactions PCIe read transactions those loads cost
 * @param vramBarSize the VRAM BAR's size (a frame must fit)
 */
public record BarReadback(String policy, String stage2Type, MemoryType effective, int loadBytes, long samplePs, long sampleTransactions,
        long vramBarSize) {

    /** The sample of loads timed: 64 KiB (16 pages). */
    public static final int SAMPLE_BYTES = 64 << 10;
    /** The host-s2 policies of -device gpu-passthrough (docs/gpu-passthrough.md). */
    public static final List<String> POLICIES = List.of("device", "normal-nc", "adaptive");
    static final String MACHINE = "-M virt -device pcie-root-port,id=rp1,chassis=1 -device gpu-passthrough,profile=%s,bus=rp1,host-s2=%s";

    /** Builds the card under {@code policy} with {@code paramSets} and times the sample. */
    public static BarReadback measure(List<String> paramSets, String profile, String policy) {
        if (!POLICIES.contains(policy)) {
            throw new IllegalArgumentException("stage-2 policy must be one of " + POLICIES + ", got '" + policy + "'");
        }
        Machine m = MachineBuilder.build(String.format(MACHINE, profile, policy), paramSets);
        PciFunction gpu = m.device("gpu-passthrough");
        Bar vram = null;
        for (int i = 0; i < 6 && vram == null; i++) {
            Bar b = gpu.bar(i);
            if (b != null && "vram".equals(b.name)) {
                vram = b;
            }
        }
        if (vram == null) {
            throw new IllegalArgumentException("profile " + profile + " has no VRAM BAR: the capture agent has nothing to read");
        }
        String s2 = gpu.stage2MemoryType(vram);
        MemoryType s2Type = MemoryType.fromTraceName(s2);
        MemoryType eff = MemoryType.of(AttrCombine.combine(MemoryType.NORMAL_NC.ordinal(), s2Type.ordinal()));
        Params p = m.params();
        int load = (int) (eff.isDevice() ? p.getLong(MmuParams.BULK_DEVICE_ELEMENT) : p.getLong(ForwardingParams.NC_READ_BYTES));
        if (load < 1 || load > 16 || Long.bitCount(load) != 1) {
            throw new IllegalArgumentException((eff.isDevice() ? MmuParams.BULK_DEVICE_ELEMENT.name() : ForwardingParams.NC_READ_BYTES.name())
                    + " must be 1, 2, 4, 8 or 16 (a CPU load), got " + load);
        }
        BarMemory behind = gpu.memoryBehind(vram);
        long target = behind == null ? 0 : behind.latencyPs();
        MemoryTiming timing = new MemoryTiming(p, new Stats());
        Access a = new Access();
        long now = 0;
        for (long off = 0; off < SAMPLE_BYTES; off += load) {
            a.reset();
            a.kind = Access.READ;
            a.address = off;
            a.size = load;
            a.memType = eff.ordinal();
            a.latencyPs = target;
            timing.complete(a, now);
            now += a.latencyPs;
        }
        return new BarReadback(policy, s2, eff, load, now, timing.transactions(eff), vram.size);
    }

    /** CPU time to read {@code bytes} (the sample's cost per byte, rounded up). */
    public long readPs(long bytes) {
        return (long) Math.ceil((double) bytes * samplePs / SAMPLE_BYTES);
    }

    /** PCIe read transactions for {@code bytes}. */
    public long transactions(long bytes) {
        return (long) Math.ceil((double) bytes * sampleTransactions / SAMPLE_BYTES);
    }

    /** Read bandwidth in MB/s. */
    public double mbPerS() {
        return samplePs <= 0 ? 0 : SAMPLE_BYTES * 1e6 / samplePs;
    }

    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage2", stage2Type);
        m.put("effective", effective.traceName());
        m.put("loadBytes", loadBytes);
        m.put("nsPerLoad", Math.round(samplePs / 10.0 / (SAMPLE_BYTES / loadBytes)) / 100.0);
        m.put("readMBps", Math.round(mbPerS() * 10) / 10.0);
        return m;
    }
}
