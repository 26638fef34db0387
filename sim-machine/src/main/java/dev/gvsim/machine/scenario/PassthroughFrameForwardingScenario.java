package dev.gvsim.machine.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.machine.forwarding.BarReadback;
import dev.gvsim.machine.forwarding.ForwardingModel;
import dev.gvsim.machine.forwarding.ForwardingModel.Kind;
import dev.gvsim.machine.forwarding.ForwardingRun;

/**
 * {@code passthrough-frame-forwarding} (issue 26): a passed-through GPU's frames forwarded to a
 * remote client by three pipelines (docs/passthrough-forwarding.md): naive (CPU read-back over the
 * BAR under each stage-2 policy, two more CPU copies, software encode), Looking-Glass style (GPU copy
 * to staging, one chunked CPU copy into shared memory, host upload) and efficient (hardware encode in
 * the GPU, only the bitstream DMA'd out of the VM), at 1080p60 and 4K60, with the model's sourced
 * defaults, and beside them the efficient pipeline's two dirty-tile variants (only the damage's raw
 * tiles leave the card: a copy-engine DMA into shared memory, or a dma-buf the host GPU's encoder reads
 * with no copy), also at a partial damage ({@link #PARTIAL_DAMAGE}). Passes when the efficient pipeline
 * sends every frame at the guest's rate at both sizes with fewer copies per frame than the naive and
 * Looking-Glass pipelines.
 */
public final class PassthroughFrameForwardingScenario implements Scenario {
    /** The sizes the issue asks for. */
    public static final int[][] SIZES = {{1920, 1080}, {3840, 2160}};

    @Override
    public String id() {
        return "passthrough-frame-forwarding";
    }

    @Override
    public String title() {
        return "Passthrough GPU frame forwarding: naive BAR read-back vs Looking-Glass style vs hardware encode, 1080p60 and 4K60";
    }

    @Override
    public String expected() {
        return "at 1080p60 and 4K60 the efficient pipeline (hardware encode in the GPU, bitstream DMA) sends every presented frame "
                + "(0 dropped, 0 duplicated, 60 fps) with fewer copies per frame than the Looking-Glass pipeline and than the naive "
                + "one under every stage-2 policy; every figure from the model run";
    }

    /** The efficient pipeline sustained the guest's rate: every frame sent, none dropped, none repeated. */
    public static boolean sustains(ForwardingRun r, int framesPresented) {
        return r.sent() == framesPresented && r.dropped() == 0 && r.duplicated() == 0;
    }

    /** {@code eff} copies strictly less per frame than every run of {@code others}. */
    public static boolean fewerCopies(ForwardingRun eff, List<ForwardingRun> others) {
        for (ForwardingRun o : others) {
            if (!(eff.copiesPerFrame() < o.copiesPerFrame())) {
                return false;
            }
        }
        return !others.isEmpty();
    }

    /** The pipelines the efficient one must beat: naive and Looking Glass (its own variants are not rivals). */
    public static List<ForwardingRun> rivals(List<ForwardingRun> runs) {
        List<ForwardingRun> l = new ArrayList<>();
        for (ForwardingRun r : runs) {
            if (r.kind == Kind.NAIVE || r.kind == Kind.LOOKING_GLASS) {
                l.add(r);
            }
        }
        return l;
    }

    /**
     * The partial damage the scenario also reports the efficient pipelines at: a quarter of the tile rows
     * dirty each frame (a scrolling document or a video window), beside the default full damage.
     */
    public static final String PARTIAL_DAMAGE = "forwarding.dirty_fraction=0.25";

    /** Every pipeline at one size: naive under each policy, Looking Glass, the two tile variants, then efficient (last). */
    public static List<ForwardingRun> runAll(ForwardingModel model, int w, int h) {
        List<ForwardingRun> runs = new ArrayList<>();
        for (String policy : BarReadback.POLICIES) {
            runs.add(model.run(Kind.NAIVE, policy, w, h));
        }
        // the Looking-Glass and efficient pipelines never load from the BAR: the policy does not matter to them
        runs.add(model.run(Kind.LOOKING_GLASS, "normal-nc", w, h));
        // the efficient pipeline's two dirty-tile variants (the host's own GPU encodes), then the efficient pipeline itself (last)
        runs.add(model.run(Kind.EFFICIENT_TILE_DMA, "normal-nc", w, h));
        runs.add(model.run(Kind.EFFICIENT_DMABUF, "normal-nc", w, h));
        runs.add(model.run(Kind.EFFICIENT, "normal-nc", w, h));
        return runs;
    }

    /** Runs the scenario on a model built with {@code paramSets} (the bundled scenario: none). */
    public static ScenarioResult run(List<String> paramSets) {
        ScenarioResult res = new ScenarioResult();
        ForwardingModel model = new ForwardingModel(paramSets);
        res.figure("inputs", model.inputs());
        Map<String, Object> rb = new LinkedHashMap<>();
        for (String p : BarReadback.POLICIES) {
            rb.put(p, model.readback(p).report());
        }
        res.figure("barReadback", rb);
        List<Map<String, Object>> table = new ArrayList<>();
        res.figure("table", table); // its place among the figures; set again when filled (figure() copies its value)
        for (int[] s : SIZES) {
            String size = s[0] + "x" + s[1];
            List<ForwardingRun> runs = runAll(model, s[0], s[1]);
            ForwardingRun eff = runs.get(runs.size() - 1);
            Map<String, Object> detail = new LinkedHashMap<>();
            for (ForwardingRun r : runs) {
                Map<String, Object> rep = r.report();
                detail.put(name(r), rep);
                table.add(row(size, name(r), rep));
            }
            res.figure(size, detail);
            res.check(size + ": efficient sustains " + model.frames() + " frames at the guest's rate", "all sent, 0 dropped, 0 duplicated",
                    String.format("%d of %d sent at %.2f fps, %d dropped, %d duplicated, p50 %.3f ms p99 %.3f ms", eff.sent(), model.frames(),
                            eff.sentFps(), eff.dropped(), eff.duplicated(), eff.latencyPercentilePs(50) / 1e9, eff.latencyPercentilePs(99) / 1e9),
                    sustains(eff, model.frames()));
            List<ForwardingRun> others = rivals(runs);
            StringBuilder sb = new StringBuilder(String.format("efficient %.2f", eff.copiesPerFrame()));
            for (ForwardingRun o : others) {
                sb.append(String.format(", %s %.2f", name(o), o.copiesPerFrame()));
            }
            res.check(size + ": efficient copies fewer per frame than every other pipeline", "efficient < each other pipeline",
                    sb.toString(), fewerCopies(eff, others));
        }
        res.figure("table", table); // one row per pipeline and size: scenarios -v prints a row per line
        res.figure("partialDamage", partialDamage(paramSets));
        return res;
    }

    /** The efficient pipelines at {@link #PARTIAL_DAMAGE}: a row per pipeline and size. */
    static List<Map<String, Object>> partialDamage(List<String> paramSets) {
        List<String> sets = new ArrayList<>(paramSets);
        sets.add(PARTIAL_DAMAGE);
        ForwardingModel model = new ForwardingModel(sets);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int[] s : SIZES) {
            for (Kind k : new Kind[] {Kind.EFFICIENT_TILE_DMA, Kind.EFFICIENT_DMABUF, Kind.EFFICIENT}) {
                Map<String, Object> rep = model.run(k, "normal-nc", s[0], s[1]).report();
                Map<String, Object> row = row(s[0] + "x" + s[1], k.word, rep);
                row.put("dirtyFraction", model.inputs().get("dirtyFraction"));
                row.put("dirtyBytesPerFrame", rep.get("dirtyBytesPerFrame"));
                row.put("damageEfficiency", rep.get("damageEfficiency"));
                rows.add(row);
            }
        }
        return rows;
    }

    static String name(ForwardingRun r) {
        return r.kind.word + (r.kind == Kind.NAIVE ? "/" + r.readback.policy() : "");
    }

    /** The headline figures of one run, as the doc's results table has them. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> row(String size, String name, Map<String, Object> rep) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("size", size);
        row.put("pipeline", name);
        row.put("copiesPerFrame", rep.get("copiesPerFrame"));
        StringBuilder links = new StringBuilder();
        ((Map<String, Map<String, Object>>) rep.get("perLink")).forEach((k, v) -> links.append(links.length() > 0 ? ", " : "").append(k)
                .append(' ').append(v.get("copies")).append(" x ").append(v.get("bytesPerFrame")).append(" B"));
        row.put("perLink", links.toString());
        row.put("sent", rep.get("framesSent"));
        row.put("dropped", ((Number) rep.get("droppedAtCapture")).longValue() + ((Number) rep.get("supersededAtClient")).longValue());
        row.put("duplicated", rep.get("duplicatedAtClient"));
        row.put("fps", rep.get("sentFps"));
        row.put("p50Ms", rep.get("latencyP50Ms"));
        row.put("p99Ms", rep.get("latencyP99Ms"));
        row.put("guestCpuMsPerFrame", rep.get("guestCpuMsPerFrame"));
        row.put("hostCpuMsPerFrame", rep.get("hostCpuMsPerFrame"));
        row.put("vmEgressMbps", rep.get("vmEgressMbps"));
        row.put("sentMbps", rep.get("sentMbps"));
        return row;
    }

    @Override
    public ScenarioResult run() {
        return run(List.of());
    }
}
