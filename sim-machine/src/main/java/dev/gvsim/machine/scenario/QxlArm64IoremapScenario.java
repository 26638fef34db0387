package dev.gvsim.machine.scenario;

import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/**
 * {@code qxl-arm64-ioremap}: the Linux qxl driver's unaligned-ioremap alignment fault on arm64 and
 * its upstream fix (commit 59ab4ee012f0, ioremap -> ioremap_wc for the ROM and the RAM header), on
 * the bundled real trace and on the executable driver model, plus the stage-2 variant (guest
 * Normal-NC over host Normal-WB without FEAT_S2FWB).
 */
public final class QxlArm64IoremapScenario implements Scenario {
    /** The real recording (Linux 6.1 guest, QEMU 7.2 virt, ioremap_wc driver); see traces/README.md. */
    public static final String REAL_TRACE = "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz";
    /** Where the recorded guest's ROM and RAM header were mapped (physical): BAR2 and BAR0 + 0x3FFE000. */
    public static final long ROM_PA = 0x1800_0000L;
    public static final long RAM_HEADER_PA = 0x13FF_E000L;
    /** The faulting store: {@code mem_slot.mem_start} at ram_header + 0x149c, the driver's {@code setup_slot+0x38}. */
    public static final long FAULT_VA = 0xffff_8000_1801_149cL;
    public static final String FAULT_SYM = "setup_slot+0x38";
    public static final long FAULT_ESR = 0x9600_0061L;

    @Override
    public String id() {
        return "qxl-arm64-ioremap";
    }

    @Override
    public String title() {
        return "QXL on arm64: unaligned ioremap (Device-nGnRE) store faults; ioremap_wc (Normal-NC) fix";
    }

    @Override
    public String expected() {
        return "real trace with ROM/RAM-header maps as device-ngnre: first fault is an alignment fault at va 0x"
                + Long.toHexString(FAULT_VA) + " (" + FAULT_SYM + ") ESR 0x96000061 FAR=va; as recorded (normal-nc): no fault; "
                + "driver model: same outcome pre/post fix, post-fix ends with 2 memslots, a 1024x768x32 primary and frames drawn; "
                + "stage 2 without FWB reports the NC/WB attribute mismatch, with FWB it does not";
    }

    /** Replays the bundled real trace with the given overrides. */
    public static ReplayResult replayReal(ReplayOptions opts) throws Exception {
        try (TraceReader r = TraceFiles.openResource(REAL_TRACE)) {
            return new Replayer(opts, "qxl-linux61-arm64-wc.gvt.txt.xz").run(r);
        }
    }

    static ReplayOptions deviceMaps(boolean cont) {
        ReplayOptions o = new ReplayOptions();
        o.addAttrOverride("0x" + Long.toHexString(ROM_PA) + "=device-ngnre");
        o.addAttrOverride("0x" + Long.toHexString(RAM_HEADER_PA) + "=device-ngnre");
        o.continueAfterFault = cont;
        return o;
    }

    @Override
    public ScenarioResult run() throws Exception {
        ScenarioResult res = new ScenarioResult();

        // 1. Pre-fix mappings on the real trace: the first fault.
        ReplayResult pre = replayReal(deviceMaps(false));
        Map<String, Object> first = pre.faults.isEmpty() ? Map.of() : pre.faults.get(0);
        String firstText = pre.faults.isEmpty() ? "no fault"
                : String.format("%s %s va=%s sym=%s esr=%s far=%s (record %s)", first.get("type"), first.get("kind"), first.get("va"),
                        first.get("sym"), first.get("esr"), first.get("far"), first.get("index"));
        String va = "0x" + Long.toHexString(FAULT_VA);
        boolean firstOk = !pre.faults.isEmpty() && "alignment-fault".equals(first.get("type")) && va.equals(first.get("va"))
                && FAULT_SYM.equals(first.get("sym")) && String.format("0x%08x", FAULT_ESR).equals(first.get("esr"))
                && va.equals(first.get("far"));
        res.check("real trace, device-ngnre maps: first fault", "alignment fault at " + va + " " + FAULT_SYM + " ESR 0x96000061 FAR=va",
                firstText, firstOk);
        res.figure("prefix.firstFaultRecord", first.get("index"));
        res.figure("prefix.recordsSkippedAfterFault", pre.skippedAfterFault);

        // 2. As recorded (ioremap_wc): completes.
        ReplayResult post = replayReal(new ReplayOptions());
        res.check("real trace as recorded (normal-nc): faults", "0", post.faultCount, post.faultCount == 0 && post.records > 1_000_000);
        res.figure("recorded.records", post.records);
        res.figure("recorded.accesses", post.accesses);
        res.figure("recorded.unalignedAccesses", post.unaligned);
        res.figure("recorded.unalignedByType", post.unalignedByType());
        res.figure("recorded.simulatedTimePs", post.simulatedTimePs);
        // The recording has no store values for BAR memory (traces/README.md), so the device sees
        // zeros where the driver wrote slot bounds: reported, not hidden.
        res.figure("recorded.storesWithoutValue", post.storesWithoutValue);
        res.figure("recorded.memoryTypes", post.memoryTypes);

        // 3. Every access that would fault under Device mappings (--continue).
        ReplayResult all = replayReal(deviceMaps(true));
        long alignment = all.faults.stream().filter(f -> "alignment-fault".equals(f.get("type"))).count();
        long unalignedInRemapped = countUnalignedIn(VA_ROM, VA_RAM_HEADER, 0x2000);
        res.check("device-ngnre maps with --continue: the faults are exactly the unaligned accesses to the two remapped ranges",
                "faults = alignment faults = unaligned ROM/RAM-header accesses in the trace (counted by a separate pass)",
                all.faultCount + " faults, " + alignment + " alignment, " + unalignedInRemapped + " unaligned in ROM/RAM header",
                all.faultCount > 0 && alignment == all.faultCount && all.faultCount == unalignedInRemapped);
        res.figure("continue.wouldFault", all.faultCount);
        res.figure("continue.faultSymbols", all.faults.stream().map(f -> String.valueOf(f.get("sym"))).distinct().sorted().toList());

        // 4. The executable driver model, pre- and post-fix.
        QxlDriverRun modelPre = QxlDriverRun.run(dev.gvsim.guesttraces.linux.QxlLinuxDriver.Variant.IOREMAP, 2, null, null);
        res.check("driver model (ioremap): fault", "alignment fault at setup_slot, ESR 0x96000061",
                modelPre.fault == null ? "no fault" : modelPre.fault.type() + " " + modelPre.faultSym + String.format(" ESR 0x%08x", modelPre.fault.esr()),
                modelPre.fault != null && modelPre.fault.esr() == FAULT_ESR && "setup_slot".equals(modelPre.faultSym));
        QxlDriverRun modelPost = QxlDriverRun.run(dev.gvsim.guesttraces.linux.QxlLinuxDriver.Variant.IOREMAP_WC, 2, null, null);
        res.check("driver model (ioremap_wc): device state", "probe ok, 2 memslots, primary 1024x768x32, frames drawn",
                modelPost.summary(), modelPost.fault == null && modelPost.probed && modelPost.memslots == 2 && modelPost.primaryWidth == 1024
                        && modelPost.primaryHeight == 768 && modelPost.primaryBpp == 32 && modelPost.framesDrawn > 0);
        res.figure("model.postfix.device", modelPost.deviceState);

        // 5. Stage 2: guest Normal-NC over host Normal-WB.
        ReplayOptions noFwb = new ReplayOptions();
        noFwb.stage2 = "kvm";
        ReplayResult s2 = replayReal(noFwb);
        ReplayOptions fwb = new ReplayOptions();
        fwb.stage2 = "kvm-fwb";
        ReplayResult s2f = replayReal(fwb);
        long mm = mismatches(s2);
        long mmf = mismatches(s2f);
        res.check("stage 2 without FEAT_S2FWB: attribute mismatches (guest NC / host WB)", "> 0 without FWB, 0 with FWB",
                mm + " without FWB, " + mmf + " with FWB", mm > 0 && mmf == 0);
        res.figure("stage2.mismatchedAccesses.noFwb", mm);
        res.figure("stage2.mismatchedAccesses.fwb", mmf);
        return res;
    }

    /** The recorded guest's VAs of the ROM and RAM-header mappings (the trace's map records). */
    static final long VA_ROM = 0xffff_8000_1800_0000L;
    static final long VA_RAM_HEADER = 0xffff_8000_1801_0000L;

    /** Independent of the model: unaligned rd/wr records of the trace inside two VA ranges. */
    static long countUnalignedIn(long vaA, long vaB, long size) throws Exception {
        long n = 0;
        try (TraceReader r = TraceFiles.openResource(REAL_TRACE)) {
            dev.gvsim.guesttraces.format.TraceRecord rec = new dev.gvsim.guesttraces.format.TraceRecord();
            while (r.next(rec)) {
                if (rec.op != dev.gvsim.guesttraces.format.Op.RD && rec.op != dev.gvsim.guesttraces.format.Op.WR) {
                    continue;
                }
                boolean inside = (rec.va - vaA >= 0 && rec.va - vaA < size) || (rec.va - vaB >= 0 && rec.va - vaB < size);
                if (inside && (rec.va & (rec.size - 1)) != 0) {
                    n++;
                }
            }
        }
        return n;
    }

    static long mismatches(ReplayResult r) {
        Object v = r.mmu == null ? null : r.mmu.get("mmu.attr_mismatch");
        return v instanceof Number n ? n.longValue() : 0;
    }

    static List<String> ids() {
        return List.of();
    }
}
