package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.GpuVfLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.SparseMemory;

/**
 * The mdev half of {@code gpu-partitioning} (issue 26): a card without SR-IOV whose profile declares
 * mdev-style slices ({@code nvidia-t4}: T4-4C, 4 instances, fixed share). Each of four VMs gets its slice
 * of the PF's VRAM BAR through its own stage 2 (only that slice mapped, the card's {@code host-s2}
 * type; the registers stay mediated by the host, not mapped), uploads into it, and one VM stores past its
 * slice. Reported: the slices, each VM's upload and the bytes it put in VRAM, the rogue store's fault,
 * the other slices' digests, and the engine schedule the device computes for its slices (fixed share vs
 * equal share, {@code passthrough.mdev.job_time}).
 */
final class MdevPartitioning {
    static final String PROFILE = "nvidia-t4";

    private MdevPartitioning() {
    }

    @SuppressWarnings("unchecked")
    static void addTo(ScenarioResult res) throws Exception {
        Machine m = MachineBuilder.build(String.format(GpuPartitioningScenario.MACHINE, PROFILE, "normal-nc"), List.of());
        ReplayOptions o = new ReplayOptions();
        o.continueAfterFault = true;
        MachineGuestCpu cpu = new MachineGuestCpu(m, o, null, null, "gpu-partitioning-mdev");
        PciFunction pf = m.device("gpu-passthrough");
        Map<String, Object> mdev = (Map<String, Object>) pf.report().get("mdev");
        int vramIndex = GpuPartitioningScenario.barIndex(pf, "vram");
        Bar vram = pf.bar(vramIndex);
        long base = pf.barAddress(vramIndex);
        long slice = ((Number) mdev.get("vram_slice_bytes")).longValue();
        Map<String, Object> sched = (Map<String, Object>) mdev.get("schedule_all_busy");
        Map<String, Object> one = (Map<String, Object>) mdev.get("schedule_one_busy");
        int n = ((Number) sched.get("instances")).intValue();
        SparseMemory mem = pf.memories().get(0).memory();
        m.mmu().s2map(VirtMemoryMap.RAM_BASE, VirtMemoryMap.RAM_BASE, m.ram().capacity(), MemoryType.NORMAL_WB);
        MemoryType type = MemoryType.fromTraceName(pf.stage2MemoryType(vram));
        List<Map<String, Object>> vms = new ArrayList<>();
        long faults = 0;
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                m.mmu().s2unmap(base + (k - 1) * slice, slice);
            }
            m.mmu().s2map(base + k * slice, base + k * slice, slice, type);
            GpuVfLinuxDriver d = new GpuVfLinuxDriver(cpu, 0, pf.barAddress(GpuPartitioningScenario.barIndex(pf, "registers")), base + k * slice,
                    pf.barAddress(GpuPartitioningScenario.barIndex(pf, "registers")), GpuPartitioningScenario.STAGING_PA + k * (2L << 20), 0x21 * (k + 1));
            d.map();
            int before = cpu.replayer().result().faults.size();
            long bytes = 0;
            d.fillStaging();
            long t0 = cpu.now();
            for (int i = 0; i < dev.gvsim.guesttraces.linux.GpuPassthroughLinuxDriver.UPLOADS.length; i++) {
                try {
                    bytes += d.upload(i);
                } catch (GuestFault f) {
                    // counted in the replay's faults
                }
            }
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("vm", k + 1);
            v.put("slice", String.format("0x%x size 0x%x", base + k * slice, slice));
            v.put("copy_issue_ps", cpu.now() - t0); // no fence read: an mdev VM's registers are mediated by the host, not mapped
            v.put("bytes_copied_by_memcpy", bytes);
            v.put("faults", cpu.replayer().result().faults.size() - before);
            faults += cpu.replayer().result().faults.size() - before;
            vms.add(v);
        }
        long[] digests = new long[n];
        for (int k = 0; k < n; k++) {
            digests[k] = digest(mem, k * slice, GpuPartitioningScenario.WINDOW); // the uploads' window of each slice
        }
        // VM 1 stores past its slice: the first bytes of VM 2's slice
        int rogue = 0;
        for (int k = 0; k < n; k++) {
            m.mmu().s2unmap(base + k * slice, slice);
        }
        m.mmu().s2map(base + rogue * slice, base + rogue * slice, slice, type);
        cpu.map(GpuPartitioningScenario.VA_ROGUE, base + (rogue + 1) * slice, 4096, "normal-nc", "a guest mapping an IPA outside its slice");
        String outcome = GpuPartitioningScenario.tryStore(cpu, GpuPartitioningScenario.VA_ROGUE, 0xBADBAD);
        boolean othersSame = true;
        for (int k = 0; k < n; k++) {
            othersSame &= digest(mem, k * slice, GpuPartitioningScenario.WINDOW) == digests[k];
        }
        res.figure("mdev.profile", PROFILE);
        res.figure("mdev.vms", vms);
        res.figure("mdev.schedule_all_busy", sched);
        res.figure("mdev.schedule_one_busy", one);
        res.figure("mdev.rogue_store_past_slice", outcome);
        res.check("mdev slices: each VM uploads into its VRAM slice, a store past it faults at stage 2, the other slices unchanged",
                n + " VMs, 0 faults in the uploads, the rogue store faults, digests unchanged",
                n + " VMs, " + faults + " faults; rogue: " + outcome + "; unchanged " + othersSame, faults == 0 && !"completed".equals(outcome) && othersSame
                        && n == 4);
        List<Long> fixed = (List<Long>) sched.get("fixed_share_completion_ps");
        List<Long> equal = (List<Long>) sched.get("equal_share_completion_ps");
        long fixedOne = ((List<Long>) one.get("fixed_share_completion_ps")).get(0);
        long equalOne = ((List<Long>) one.get("equal_share_completion_ps")).get(0);
        res.check("mdev engine share: fixed share keeps 1/N even when the others are idle", "all busy: fixed = equal; one busy: fixed later than equal",
                "all busy " + fixed + " ps fixed vs " + equal + " ps equal; one busy " + fixedOne
                        + " ps fixed vs " + equalOne + " ps equal (share " + sched.get("fixed_share") + ")",
                fixed.equals(equal) && fixedOne > equalOne && fixed.get(0) > 0);
    }

    /** CRC-32 of the bytes of [off, off + len) of {@code mem} (read page by page; unallocated pages read 0). */
    static long digest(SparseMemory mem, long off, long len) {
        CRC32 crc = new CRC32();
        byte[] page = new byte[(int) SparseMemory.PAGE_SIZE];
        for (long a = off; a < off + len; a += page.length) {
            mem.readBytes(a, page, 0, (int) Math.min(page.length, off + len - a));
            crc.update(page, 0, (int) Math.min(page.length, off + len - a));
        }
        return crc.getValue();
    }
}
