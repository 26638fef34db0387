package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.guesttraces.linux.GpuPassthroughLinuxDriver;
import dev.gvsim.guesttraces.linux.GpuVfLinuxDriver;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.machine.guest.MachineGuestCpu;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciBridgeBase;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.SriovCapability;
import dev.gvsim.pciefabric.VirtualFunction;
import dev.gvsim.simcore.SparseMemory;

/**
 * {@code gpu-partitioning} (issue 26, docs/gpu-partitioning.md): four VMs on SR-IOV virtual functions
 * of one card (profile {@code amd-s7150}) on arm64. The host does what Linux does ({@code sriov_enable}:
 * ARI Forwarding on the port, NumVFs = 4, VF Enable + VF MSE, the 100 ms wait), the VFs appear on the
 * bus at their routing IDs with their BARs carved from the PF's VF BARs. Each VM gets one VF through its
 * own stage 2 (only its VF's BARs mapped, with the card's {@code host-s2} policy; switching VMs switches
 * stage 2, as KVM's VTTBR does), runs the VF driver model ({@link GpuVfLinuxDriver}: ID and ring test,
 * memcpy uploads with unaligned heads and tails, doorbell). Reported per VF: routing ID, BARs, the
 * interconnect transactions and bytes it received per BAR, its fabric counters, the uploads' time and
 * faults. Then isolation: a misbehaving VM stores past its VRAM BAR (the next VF's BAR, contiguous at the
 * host) and past its register block; an FLR of one VF (vfio-pci's reset at its VM's reboot); each time
 * the other VFs' VRAM digests, fences and configuration are compared. The whole run is done under
 * {@code host-s2=normal-nc} (Linux 6.9) and {@code device} (before 6.9), which takes alignment faults on
 * the unaligned VRAM stores. A card without SR-IOV but with mdev-style slices ({@code nvidia-t4},
 * T4-4C) is run the same way with VRAM slices of the PF's BAR, reporting the slices and the fixed-share
 * engine schedule the device computes.
 */
public final class GpuPartitioningScenario implements Scenario {
    public static final String PROFILE = "amd-s7150";
    static final String MACHINE = "-M virt -device pcie-root-port,id=rp1,chassis=1 -device gpu-passthrough,profile=%s,bus=rp1,addr=0.0,host-s2=%s";
    public static final int VMS = 4;
    /** Each VM's staging buffer in guest RAM: 256 MiB into RAM, 2 MiB apart. */
    static final long STAGING_PA = VirtMemoryMap.RAM_BASE + (256L << 20);
    /** A VA the misbehaving guest maps at an IPA of its choice (its own stage 1 lets it). */
    static final long VA_ROGUE = 0xffff_8000_3800_0000L;
    /** The misbehaving VM (0-based) and the VF reset (0-based). */
    static final int ROGUE = 2;
    static final int RESET = 1;
    /** The bytes the uploads copy (the driver model's workload). */
    static final long UPLOAD_BYTES = java.util.Arrays.stream(GpuPassthroughLinuxDriver.UPLOADS).mapToLong(u -> u[1]).sum();

    @Override
    public String id() {
        return "gpu-partitioning";
    }

    @Override
    public String title() {
        return "GPU partitioning on arm64: four VMs on SR-IOV VFs of one card (and mdev slices), isolation, stage-2 policy";
    }

    @Override
    public String expected() {
        return "VF Enable places 4 VFs at PF RID + offset + stride*(n-1) with BARs VF BAR + (n-1)*size; each VM's driver inits and uploads on its "
                + "VF only; a VM's store past its BAR faults at stage 2 and the other VFs' VRAM is unchanged; an FLR of one VF clears only that VF; "
                + "host-s2=device (pre-6.9) takes alignment faults on every VM's unaligned VRAM stores, normal-nc none; mdev slices isolate the same way";
    }

    /** One VM's figures. */
    record VmRun(int vf, String rid, Map<String, String> bars, String initFailure, long uploadPs, long alignmentFaults, String firstFault,
            long fence, Map<String, long[]> perBar) {
    }

    /** One card, four VMs, one policy; the VMs' VF traffic alone and together on the PF's link, without and with a flood. */
    record CardRun(String policy, List<VmRun> vms, Map<String, Object> isolation, Map<String, Object> sriov, long faults,
            List<VfLinkContention.Result> alone, List<VfLinkContention.Result> together, List<VfLinkContention.Result> floodAlone,
            List<VfLinkContention.Result> flooded, List<VfLinkContention.Stream> streams, List<VfLinkContention.Stream> withFlood) {
    }

    /**
     * The misbehaving VM's flood: its driver's uploads repeated this many times back to back, no pause
     * (gvsim choice: 8 x the 325 KiB workload, long enough to cover the other VMs' whole runs).
     */
    static final int FLOOD_ROUNDS = 8;

    /** Runs the four VMs on VFs of the {@link #PROFILE} card under {@code host-s2=policy}. */
    public static CardRun runSriov(String policy) throws Exception {
        Machine m = MachineBuilder.build(String.format(MACHINE, PROFILE, policy), List.of());
        ReplayOptions o = new ReplayOptions();
        o.continueAfterFault = true;
        MachineGuestCpu cpu = new MachineGuestCpu(m, o, null, null, "gpu-partitioning");
        PciFunction pf = m.device("gpu-passthrough");
        SriovCapability iov = pf.sriov();
        PciFunction rp = m.pci().byId("rp1");
        // the host kernel: pci_configure_ari (the PF has ARI), then sriov_enable
        cpu.configWrite(rp.bdf(), rp.expressCapability() + PciFunction.EXP_DEVCTL2, 2, PciBridgeBase.ARI_FORWARDING_ENABLE);
        int cap = iov.offset();
        cpu.configWrite(pf.bdf(), cap + SriovCapability.NUM_VFS, 2, VMS);
        cpu.configWrite(pf.bdf(), cap + SriovCapability.CONTROL, 2,
                SriovCapability.CTRL_VF_ENABLE | SriovCapability.CTRL_VF_MSE | SriovCapability.CTRL_ARI_CAPABLE);
        List<VirtualFunction> vfs = iov.virtualFunctions();
        Map<String, Object> sr = new LinkedHashMap<>();
        sr.put("pf", PciFunction.formatBdf(pf.bdf()));
        sr.put("total_vfs", cpu.configRead(pf.bdf(), cap + SriovCapability.TOTAL_VFS, 2));
        sr.put("first_vf_offset", cpu.configRead(pf.bdf(), cap + SriovCapability.FIRST_VF_OFFSET, 2));
        sr.put("vf_stride", cpu.configRead(pf.bdf(), cap + SriovCapability.VF_STRIDE, 2));
        sr.put("vf_device_id", String.format("0x%04x", cpu.configRead(pf.bdf(), cap + SriovCapability.VF_DEVICE_ID, 2)));
        sr.put("vf1_class_during_vf_enable_wait", String.format("0x%08x", cpu.configRead(vfs.get(0).bdf(), PciFunction.REVISION_ID, 4)));
        cpu.delay(m.params().getDuration(SriovCapability.VF_ENABLE_TIME)); // Linux sriov_enable: msleep(100)
        sr.put("vf1_vendor_device", String.format("0x%08x", cpu.configRead(vfs.get(0).bdf(), PciFunction.VENDOR_ID, 4)));
        sr.put("vf1_class", String.format("0x%08x", cpu.configRead(vfs.get(0).bdf(), PciFunction.REVISION_ID, 4)));
        for (VirtualFunction vf : vfs) {
            cpu.configWrite(vf.bdf(), PciFunction.COMMAND, 2, PciFunction.CMD_MASTER); // vfio-pci: the VM's driver enables bus mastering
        }
        // transactions per BAR of every VF, after write gathering
        List<long[]> ranges = new ArrayList<>();
        List<long[]> counts = new ArrayList<>();
        List<Integer> rangeVf = new ArrayList<>();
        List<Map<String, long[]>> perVf = new ArrayList<>();
        for (VirtualFunction vf : vfs) {
            Map<String, long[]> pb = new LinkedHashMap<>();
            for (int i = 0; i < 6; i++) {
                Bar b = vf.bar(i);
                if (b != null) {
                    long[] c = new long[2];
                    pb.put("BAR" + i + " " + b.name, c);
                    ranges.add(new long[] {vf.barAddress(i), vf.barAddress(i) + b.size});
                    counts.add(c);
                    rangeVf.add(perVf.size());
                }
            }
            perVf.add(pb);
        }
        // each VM's transactions to its own VF, as its CPU issues them, for the link replay (VfLinkContention)
        List<VfLinkContention.Stream> streams = new ArrayList<>();
        for (int k = 0; k < VMS; k++) {
            streams.add(new VfLinkContention.Stream("vf" + (k + 1)));
        }
        VfLinkContention.Stream flood = new VfLinkContention.Stream("vf" + (ROGUE + 1));
        VfLinkContention.Stream[] recording = new VfLinkContention.Stream[1];
        int[] recordingVf = {-1};
        long[] t0 = new long[1];
        m.observeTransactions((type, addr, bytes) -> {
            for (int i = 0; i < ranges.size(); i++) {
                if (addr >= ranges.get(i)[0] && addr < ranges.get(i)[1]) {
                    counts.get(i)[0]++;
                    counts.get(i)[1] += bytes;
                    if (recording[0] != null && rangeVf.get(i) == recordingVf[0]) {
                        recording[0].add(cpu.now() - t0[0], bytes);
                    }
                    return;
                }
            }
        });
        m.mmu().s2map(VirtMemoryMap.RAM_BASE, VirtMemoryMap.RAM_BASE, m.ram().capacity(), MemoryType.NORMAL_WB);
        List<VmRun> runs = new ArrayList<>();
        List<GpuVfLinuxDriver> drivers = new ArrayList<>();
        for (int k = 0; k < VMS; k++) {
            VirtualFunction vf = vfs.get(k);
            switchStage2(m, vfs, k);
            GpuVfLinuxDriver d = driver(cpu, pf, vf, k);
            drivers.add(d);
            d.map();
            recording[0] = streams.get(k);
            recordingVf[0] = k;
            t0[0] = cpu.now();
            runs.add(runVm(cpu, m, vf, d, perVf.get(k), k));
            recording[0] = null;
        }
        // the misbehaving VM floods its VF: its uploads again and again, no pause
        switchStage2(m, vfs, ROGUE);
        drivers.get(ROGUE).map();
        recording[0] = flood;
        recordingVf[0] = ROGUE;
        t0[0] = cpu.now();
        for (int r = 0; r < FLOOD_ROUNDS; r++) {
            for (int i = 0; i < GpuPassthroughLinuxDriver.UPLOADS.length; i++) {
                try {
                    drivers.get(ROGUE).upload(i);
                } catch (GuestFault f) {
                    // faulting stores (host-s2=device) are recorded and the flood goes on
                }
            }
        }
        recording[0] = null;
        VfLinkContention link = new VfLinkContention(m.params());
        List<VfLinkContention.Stream> withFlood = new ArrayList<>(streams);
        withFlood.set(ROGUE, flood);
        long[] digests = digests(vfs);
        long[] fences = fences(vfs);
        Map<String, Object> iso = new LinkedHashMap<>();
        // a misbehaving VM: a store past its VRAM BAR (at the host, the next VF's BAR) and past its register block
        switchStage2(m, vfs, ROGUE);
        VirtualFunction rogue = vfs.get(ROGUE);
        int vramIndex = barIndex(rogue, "vram");
        long past = rogue.barAddress(vramIndex) + rogue.bar(vramIndex).size;
        iso.put("rogue_vm", ROGUE + 1);
        iso.put("rogue_store_ipa", String.format("0x%x", past));
        iso.put("rogue_store_ipa_at_the_host", m.describeAddress(Op.WR, past));
        cpu.map(VA_ROGUE, past, 4096, "normal-nc", "a guest mapping an IPA outside its VF");
        iso.put("rogue_store_past_vram_bar", tryStore(cpu, VA_ROGUE, 0xBADBAD));
        long unmodelledBefore = ((Number) rogue.report().get("unmodelled_register_accesses")).longValue();
        drivers.get(ROGUE).map();
        iso.put("rogue_store_past_register_block", tryStore(cpu, GpuPassthroughLinuxDriver.VA_REGS + 0x800, 0xBADBAD));
        iso.put("rogue_unmodelled_register_accesses", ((Number) rogue.report().get("unmodelled_register_accesses")).longValue() - unmodelledBefore);
        iso.put("others_unchanged_after_rogue", unchanged(vfs, digests, fences, -1));
        // an FLR of one VF (vfio-pci resets the VF when its VM reboots): only that VF
        VirtualFunction reset = vfs.get(RESET);
        int sriovCtrlBefore = (int) cpu.configRead(pf.bdf(), cap + SriovCapability.CONTROL, 2);
        cpu.configWrite(reset.bdf(), reset.expressCapability() + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        iso.put("reset_vf", RESET + 1);
        iso.put("reset_vf_class_during_flr", String.format("0x%08x", cpu.configRead(reset.bdf(), PciFunction.REVISION_ID, 4)));
        iso.put("sibling_class_during_flr", String.format("0x%08x", cpu.configRead(vfs.get(0).bdf(), PciFunction.REVISION_ID, 4)));
        iso.put("pf_sriov_control_kept", cpu.configRead(pf.bdf(), cap + SriovCapability.CONTROL, 2) == sriovCtrlBefore);
        long[] after = digests(vfs);
        iso.put("reset_vf_vram_nonzero_bytes", nonZeroBytes(vfs.get(RESET)));
        iso.put("reset_vf_fence", ((Number) reset.report().get("fence")).longValue());
        iso.put("others_unchanged_after_flr", unchanged(vfs, digests, fences, RESET));
        iso.put("reset_vf_digest_changed", after[RESET] != digests[RESET]);
        cpu.delay(m.params().getDuration(dev.gvsim.pciefabric.PciHost.FLR_TIME)); // the host's FLR wait (pcie.flr_time, the card's)
        switchStage2(m, vfs, RESET);
        drivers.get(RESET).map();
        String reinit;
        try {
            reinit = drivers.get(RESET).init();
        } catch (GuestFault f) {
            reinit = f.getMessage();
        }
        iso.put("reset_vm_reinit", reinit == null ? "ok" : reinit);
        return new CardRun(policy, runs, iso, sr, cpu.replayer().result().faultCount, link.alone(streams), link.together(streams),
                link.alone(withFlood), link.together(withFlood), streams, withFlood);
    }

    private static GpuVfLinuxDriver driver(MachineGuestCpu cpu, PciFunction pf, VirtualFunction vf, int k) {
        long expectId = (long) vf.vfDeviceId() << 16 | (pf.configRead(PciFunction.VENDOR_ID, 2) & 0xFFFF);
        return new GpuVfLinuxDriver(cpu, expectId, vf.barAddress(barIndex(vf, "registers")), vf.barAddress(barIndex(vf, "vram")),
                vf.barAddress(barIndex(vf, "doorbell")), STAGING_PA + k * (2L << 20), 0x11 * (k + 1));
    }

    private static VmRun runVm(MachineGuestCpu cpu, Machine m, VirtualFunction vf, GpuVfLinuxDriver d, Map<String, long[]> perBar, int k)
            throws Exception {
        Map<String, String> bars = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            Bar b = vf.bar(i);
            if (b != null) {
                bars.put("BAR" + i + " " + b.name, String.format("0x%x size 0x%x %s", vf.barAddress(i), b.size, vf.stage2MemoryType(b)));
            }
        }
        int faultsBefore = cpu.replayer().result().faults.size();
        String init;
        try {
            init = d.init();
        } catch (GuestFault f) {
            init = f.getMessage();
        }
        d.fillStaging();
        long t0 = cpu.now();
        for (int i = 0; i < GpuPassthroughLinuxDriver.UPLOADS.length; i++) {
            try {
                d.upload(i);
            } catch (GuestFault f) {
                // every fault recorded and the next upload made (replay --continue, as passthrough-s2-attributes counts them)
            }
        }
        long fence = d.ringDoorbell(); // the fence read completes after every store before it has reached the card
        long t1 = cpu.now();
        List<Map<String, Object>> faults = cpu.replayer().result().faults;
        long align = 0;
        String first = "none";
        for (int i = faultsBefore; i < faults.size(); i++) {
            Map<String, Object> f = faults.get(i);
            if ("alignment-fault".equals(f.get("type"))) {
                if (align == 0) {
                    first = f.get("type") + " va=" + f.get("va") + " esr=" + f.get("esr") + " sym=" + f.get("sym");
                }
                align++;
            }
        }
        return new VmRun(k + 1, PciFunction.formatBdf(vf.bdf()), bars, init, t1 - t0, align, first, fence, perBar);
    }

    /** VM {@code k} runs: stage 2 maps guest RAM and only VF k's BARs, with the VF's (the PF's policy) stage-2 type. */
    static void switchStage2(Machine m, List<VirtualFunction> vfs, int k) {
        for (VirtualFunction vf : vfs) {
            for (int i = 0; i < 6; i++) {
                Bar b = vf.bar(i);
                if (b != null) {
                    m.mmu().s2unmap(vf.barAddress(i), Math.max(b.size, 4096));
                }
            }
        }
        VirtualFunction vf = vfs.get(k);
        for (int i = 0; i < 6; i++) {
            Bar b = vf.bar(i);
            if (b != null) {
                long base = vf.barAddress(i);
                m.mmu().s2map(base, base, Math.max(b.size, 4096), MemoryType.fromTraceName(vf.stage2MemoryType(b)));
            }
        }
    }

    static int barIndex(PciFunction f, String name) {
        for (int i = 0; i < 6; i++) {
            if (f.bar(i) != null && f.bar(i).name.equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException(f.id() + " has no " + name + " BAR");
    }

    /** A store the VM makes; what happened to it (ok, or the fault with its ESR). */
    static String tryStore(MachineGuestCpu cpu, long va, long value) {
        try {
            cpu.write(va, 8, value, 0, "rogue_store");
            return "completed";
        } catch (GuestFault f) {
            return f.type() + String.format(" (ESR 0x%08x FAR 0x%x)", f.esr(), f.far());
        }
    }

    /** The part of a VRAM partition the VMs write and the checks read: the uploads' window (the driver model's VRAM mapping). */
    static final long WINDOW = GpuPassthroughLinuxDriver.VRAM_WINDOW;

    /** CRC-32 of the uploads' window of each VF's VRAM partition. */
    static long[] digests(List<VirtualFunction> vfs) {
        long[] out = new long[vfs.size()];
        for (int i = 0; i < vfs.size(); i++) {
            out[i] = MdevPartitioning.digest(vfs.get(i).memories().get(0).memory(), 0, WINDOW);
        }
        return out;
    }

    /** Non-zero bytes in the uploads' window of the VF's VRAM partition. */
    static long nonZeroBytes(VirtualFunction vf) {
        SparseMemory mem = vf.memories().get(0).memory();
        byte[] page = new byte[(int) SparseMemory.PAGE_SIZE];
        long n = 0;
        for (long a = 0; a < WINDOW; a += page.length) {
            mem.readBytes(a, page, 0, page.length);
            for (byte b : page) {
                if (b != 0) {
                    n++;
                }
            }
        }
        return n;
    }

    static long[] fences(List<VirtualFunction> vfs) {
        long[] out = new long[vfs.size()];
        for (int i = 0; i < vfs.size(); i++) {
            out[i] = ((Number) vfs.get(i).report().get("fence")).longValue();
        }
        return out;
    }

    /** True if every VF but {@code except} has the VRAM digest and fence it had. */
    static boolean unchanged(List<VirtualFunction> vfs, long[] digests, long[] fences, int except) {
        long[] d = digests(vfs);
        long[] f = fences(vfs);
        for (int i = 0; i < vfs.size(); i++) {
            if (i != except && (d[i] != digests[i] || f[i] != fences[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public ScenarioResult run() throws Exception {
        ScenarioResult res = new ScenarioResult();
        CardRun nc = runSriov("normal-nc");
        CardRun dev = runSriov("device");
        res.figure("sriov", nc.sriov());
        for (CardRun c : List.of(nc, dev)) {
            List<Map<String, Object>> vms = new ArrayList<>();
            for (VmRun v : c.vms()) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("vf", v.vf());
                f.put("rid", v.rid());
                f.put("bars", v.bars());
                f.put("init", v.initFailure() == null ? "ok" : v.initFailure());
                f.put("upload_ps", v.uploadPs());
                f.put("upload_mb_per_s", String.format("%.1f", UPLOAD_BYTES * 1e6 / v.uploadPs()));
                f.put("alignment_faults", v.alignmentFaults());
                f.put("first_fault", v.firstFault());
                f.put("fence", String.format("0x%x", v.fence()));
                Map<String, Object> t = new LinkedHashMap<>();
                v.perBar().forEach((k, x) -> t.put(k, x[0] + " transactions / " + x[1] + " bytes"));
                f.put("traffic", t);
                vms.add(f);
            }
            res.figure(c.policy() + ".vms", vms);
            res.figure(c.policy() + ".isolation", c.isolation());
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("concurrent", VfLinkContention.report(c.alone(), c.together()));
            link.put("flood_by_vf" + (ROGUE + 1), VfLinkContention.report(c.floodAlone(), c.flooded()));
            res.figure(c.policy() + ".pf_link", link);
        }
        Map<String, Object> sr = nc.sriov();
        VmRun first = nc.vms().get(0);
        res.check("VF Enable: 4 VFs at PF RID + offset + stride*(n-1)", "VF n at PF devfn + " + sr.get("first_vf_offset") + " + " + sr.get("vf_stride") + "*(n-1)",
                nc.vms().stream().map(VmRun::rid).toList(), ridsFollow(nc, sr));
        res.check("VF config space: Vendor/Device ID read FFFFh, CRS during the VF Enable wait", "0xffffffff, then 0xffffffff with the class readable",
                sr.get("vf1_class_during_vf_enable_wait") + " during the wait; " + sr.get("vf1_vendor_device") + ", class " + sr.get("vf1_class"),
                "0xffffffff".equals(sr.get("vf1_class_during_vf_enable_wait")) && "0xffffffff".equals(sr.get("vf1_vendor_device"))
                        && !"0xffffffff".equals(sr.get("vf1_class")));
        res.check("normal-nc: every VM inits and uploads without faults", "4 x init ok, 0 faults",
                nc.vms().stream().map(v -> v.initFailure() == null ? "ok" : v.initFailure()).toList() + ", " + nc.vms().stream().mapToLong(VmRun::alignmentFaults).sum()
                        + " alignment faults",
                nc.vms().stream().allMatch(v -> v.initFailure() == null && v.alignmentFaults() == 0) && first.fence() != 0);
        Map<String, Object> iso = nc.isolation();
        res.check("a VM's store past its VRAM BAR faults at stage 2; the other VFs unchanged",
                "a stage-2 fault (the IPA is " + iso.get("rogue_store_ipa_at_the_host") + " at the host); VRAM digests and fences of the others unchanged",
                iso.get("rogue_store_past_vram_bar") + "; others unchanged: " + iso.get("others_unchanged_after_rogue"),
                !"completed".equals(iso.get("rogue_store_past_vram_bar")) && Boolean.TRUE.equals(iso.get("others_unchanged_after_rogue")));
        res.check("an FLR of one VF clears only that VF", "VF " + (RESET + 1) + " in CRS and cleared, siblings and the PF's SR-IOV Control unchanged, the VM re-inits",
                "VF class during FLR " + iso.get("reset_vf_class_during_flr") + ", sibling " + iso.get("sibling_class_during_flr") + "; VRAM non-zero bytes "
                        + iso.get("reset_vf_vram_nonzero_bytes") + "; others unchanged " + iso.get("others_unchanged_after_flr") + "; PF control kept "
                        + iso.get("pf_sriov_control_kept") + "; re-init " + iso.get("reset_vm_reinit"),
                "0xffffffff".equals(iso.get("reset_vf_class_during_flr")) && !"0xffffffff".equals(iso.get("sibling_class_during_flr"))
                        && ((Number) iso.get("reset_vf_vram_nonzero_bytes")).longValue() == 0 && Boolean.TRUE.equals(iso.get("others_unchanged_after_flr"))
                        && Boolean.TRUE.equals(iso.get("pf_sriov_control_kept")) && "ok".equals(iso.get("reset_vm_reinit")));
        long devFaults = dev.vms().stream().mapToLong(VmRun::alignmentFaults).sum();
        res.check("host-s2=device (before Linux 6.9): alignment faults on every VM's unaligned VRAM stores", "> 0 alignment faults in every VM, in gpu_bo_upload",
                dev.vms().stream().map(v -> v.alignmentFaults() + " (" + v.firstFault() + ")").toList(),
                dev.vms().stream().allMatch(v -> v.alignmentFaults() > 0 && v.firstFault().contains("gpu_bo_upload")) && devFaults > 0);
        res.check("host-s2=device: isolation holds the same", "rogue store faults at stage 2, FLR isolated",
                dev.isolation().get("rogue_store_past_vram_bar") + "; " + dev.isolation().get("others_unchanged_after_flr"),
                !"completed".equals(dev.isolation().get("rogue_store_past_vram_bar")) && Boolean.TRUE.equals(dev.isolation().get("others_unchanged_after_flr")));
        res.check("the four VMs run together: their VF traffic contends on the PF's upstream link", "every VF ends later together than alone, "
                + "waiting for the link longer", slowdowns(nc.alone(), nc.together()), contended(nc.alone(), nc.together()));
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < VMS; i++) {
            if (i != ROGUE) {
                extra.append(String.format("%s%s x%.4f", extra.length() > 0 ? ", " : "", nc.flooded().get(i).name,
                        (double) nc.flooded().get(i).endPs / nc.together().get(i).endPs));
            }
        }
        res.check("a VF flooding its BAR degrades the other VFs but does not starve them", "every other VF slower than alone, all its "
                + "transactions served before the flood ends", slowdowns(nc.floodAlone(), nc.flooded()) + "; flood (" + FLOOD_ROUNDS
                        + " x the uploads) ends at " + nc.flooded().get(ROGUE).endPs / 1000 + " ns; against well-behaved neighbours: " + extra,
                floodDegradesNotStarves(nc.floodAlone(), nc.flooded()));
        MdevPartitioning.addTo(res);
        return res;
    }

    static String slowdowns(List<VfLinkContention.Result> alone, List<VfLinkContention.Result> together) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < alone.size(); i++) {
            l.add(String.format("%s x%.2f (%.1f -> %.1f MB/s)", alone.get(i).name, (double) together.get(i).endPs / alone.get(i).endPs,
                    alone.get(i).mbPerS(), together.get(i).mbPerS()));
        }
        return String.join(", ", l);
    }

    /** Every VF ends later and waits longer for the link together than alone. */
    static boolean contended(List<VfLinkContention.Result> alone, List<VfLinkContention.Result> together) {
        for (int i = 0; i < alone.size(); i++) {
            if (!(together.get(i).endPs > alone.get(i).endPs && together.get(i).waitPs > alone.get(i).waitPs)) {
                return false;
            }
        }
        return !alone.isEmpty();
    }

    /** Every VF but the flooder: slower than alone, and every transaction served before the flood ends. */
    static boolean floodDegradesNotStarves(List<VfLinkContention.Result> floodAlone, List<VfLinkContention.Result> flooded) {
        for (int i = 0; i < flooded.size(); i++) {
            if (i == ROGUE) {
                continue;
            }
            if (!(flooded.get(i).endPs > floodAlone.get(i).endPs && flooded.get(i).endPs < flooded.get(ROGUE).endPs
                    && flooded.get(i).transactions == floodAlone.get(i).transactions)) {
                return false;
            }
        }
        return true;
    }

    private static boolean ridsFollow(CardRun c, Map<String, Object> sr) {
        int pf = Integer.parseInt(((String) sr.get("pf")).substring(0, 2), 16) << 8;
        long off = ((Number) sr.get("first_vf_offset")).longValue();
        long stride = ((Number) sr.get("vf_stride")).longValue();
        for (VmRun v : c.vms()) {
            String[] p = v.rid().split("[:.]");
            long rid = Long.parseLong(p[0], 16) << 8 | Long.parseLong(p[1], 16) << 3 | Long.parseLong(p[2], 16);
            if (rid != pf + off + stride * (v.vf() - 1)) {
                return false;
            }
        }
        return true;
    }
}
