package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code gvsim guest qxl-linux --workload ...} (issue 24): the desktop workloads, their recording and the remote display's figures. */
class QxlDesktopCliTest {
    @TempDir
    Path dir;

    @Test
    void aDesktopWorkloadRunsRecordsAndReportsEveryAlgorithm() throws Exception {
        Path rec = dir.resolve("slideshow.gvt");
        ReplayCliTest.Run g = gvsim("guest", "qxl-linux", "--workload", "slideshow", "--seed", "3", "-o", rec.toString(), "--json");
        assertThat(g.code()).as(g.err()).isZero();
        JsonNode j = g.json();
        assertThat(j.get("workload").asText()).isEqualTo("slideshow");
        assertThat(j.get("seed").asLong()).isEqualTo(3);
        JsonNode algs = j.get("device").get("spice_display").get("algorithms");
        assertThat(algs.get("optimized").get("images_jpeg").asLong()).isPositive();
        assertThat(algs.get("dirty-rects").get("bytes").asLong()).isGreaterThan(algs.get("optimized").get("bytes").asLong());

        ReplayCliTest.Run r = gvsim("replay", "--json", "--set", "qxl.spice.algorithms=dirty-rects", rec.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode replayed = r.json().get("devices").get("qxl0").get("spice_display").get("algorithms");
        assertThat(replayed.get("dirty-rects").get("bytes").asLong()).isEqualTo(algs.get("dirty-rects").get("bytes").asLong());

        ReplayCliTest.Run text = gvsim("guest", "qxl-linux", "--workload", "office", "--set", "qxl.spice.algorithms=optimized");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("remote display optimized:", "cache hit rate").doesNotContain("remote display dirty-rects");
    }

    @Test
    void badWorkloadsSeedsAndAlgorithmsAreUsageErrors() {
        ReplayCliTest.Run bad = gvsim("guest", "qxl-linux", "--workload", "spiral");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("office, window-drag, synthetic, video, slideshow");
        assertThat(gvsim("guest", "qxl-linux", "--seed", "4").code()).isEqualTo(2);
        assertThat(gvsim("guest", "virtio-gpu-linux", "--seed", "4").code()).isEqualTo(2);
        assertThat(gvsim("guest", "qxl-linux", "--workload", "office", "--variant", "ioremap").code()).isEqualTo(2);
        ReplayCliTest.Run alg = gvsim("guest", "qxl-linux", "--workload", "office", "--set", "qxl.spice.algorithms=fastest");
        assertThat(alg.code()).isEqualTo(2);
        assertThat(alg.err()).contains("unknown algorithm 'fastest'");
    }
}
