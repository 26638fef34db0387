package dev.gvsim.machine.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.guesttraces.linux.QxlDesktopWorkload;

/**
 * {@code qxl-window-update-bandwidth} (issue 24): every desktop workload driven through the Linux
 * qxl driver model, the device's remote-display side measuring the three update algorithms on the
 * same command stream; the reduction factor of {@code optimized} over {@code dirty-rects} and
 * over {@code full-frame}, and each algorithm's bytes per update period over time.
 */
public final class QxlWindowUpdateBandwidthScenario implements Scenario {
    /** The workloads' seed (any fixed value; the run is deterministic for a given seed). */
    public static final long SEED = 24;
    /** The factor optimized must reach over dirty-rects on the synthetic-image desktop (issue 24). */
    public static final double SYNTHETIC_MIN_FACTOR = 3.0;
    static final List<String> ALGS = List.of("full-frame", "dirty-rects", "optimized");

    @Override
    public String id() {
        return "qxl-window-update-bandwidth";
    }

    @Override
    public String title() {
        return "QXL remote display: full-frame vs dirty-rects (SPICE baseline) vs optimized updates on five desktop workloads";
    }

    @Override
    public String expected() {
        return "on every workload (office, window-drag, synthetic, video, slideshow) optimized sends fewer bytes than dirty-rects and than "
                + "full-frame; on the synthetic-image desktop optimized is at least " + SYNTHETIC_MIN_FACTOR + "x below dirty-rects";
    }

    @Override
    public ScenarioResult run() throws Exception {
        ScenarioResult res = new ScenarioResult();
        Map<String, Object> table = new LinkedHashMap<>();
        Map<String, Object> series = new LinkedHashMap<>();
        Object period = null;
        for (QxlDesktopWorkload wl : QxlDesktopWorkload.values()) {
            QxlDesktopRun r = QxlDesktopRun.run(wl, SEED, null, null);
            String name = wl.cliName();
            period = r.spice().get("update_period_ps");
            long full = r.bytes("full-frame");
            long dirty = r.bytes("dirty-rects");
            long opt = r.bytes("optimized");
            double overDirty = opt > 0 ? dirty / (double) opt : 0;
            double overFull = opt > 0 ? full / (double) opt : 0;
            boolean ran = r.fault == null && r.probed && opt > 0;
            res.check(name + ": optimized below dirty-rects and full-frame", "optimized < dirty-rects and optimized < full-frame",
                    String.format("optimized %d B, dirty-rects %d B (%.2fx), full-frame %d B (%.2fx)", opt, dirty, overDirty, full, overFull),
                    ran && opt < dirty && opt < full);
            if (wl == QxlDesktopWorkload.SYNTHETIC) {
                res.check("synthetic: optimized over dirty-rects", ">= " + SYNTHETIC_MIN_FACTOR + "x", String.format("%.2fx", overDirty),
                        ran && overDirty >= SYNTHETIC_MIN_FACTOR);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("damages", r.damages);
            row.put("span_ps", r.spice().get("span_ps"));
            row.put("factor_optimized_over_dirty_rects", round(overDirty));
            row.put("factor_optimized_over_full_frame", round(overFull));
            Map<String, Object> s = new LinkedHashMap<>();
            for (String a : ALGS) {
                Map<String, Object> m = new LinkedHashMap<>(r.algorithm(a));
                s.put(a, m.remove("series_bytes"));
                row.put(a, m);
            }
            table.put(name, row);
            series.put(name, s);
        }
        res.figure("update_period_ps", period);
        res.figure("workloads", table);
        res.figure("bytes_per_update_period", series);
        return res;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
