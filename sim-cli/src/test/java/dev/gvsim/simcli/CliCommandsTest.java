package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The other commands: guest, trace, lspci, params, scenarios --json; their outputs and exit codes. */
class CliCommandsTest {
    @TempDir
    Path dir;

    @Test
    void guestModelRecordsATraceThatReplaysCleanlyConvertsLosslesslyAndDumpsTheScanout() throws Exception {
        Path rec = dir.resolve("qxl.gvt.txt");
        ReplayCliTest.Run g = gvsim("guest", "qxl-linux", "--variant", "ioremap-wc", "--frames", "2", "-o", rec.toString());
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).contains("2 memslots", "primary 1024x768x32");

        Path shots = dir.resolve("shots");
        ReplayCliTest.Run r = gvsim("replay", "--json", "--dump-scanout", shots.toString(), rec.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("faultCount").asLong()).isZero();
        assertThat(j.get("mismatchCount").asLong()).isZero();
        assertThat(j.get("devices").get("qxl0").get("memslots")).hasSize(2);
        BufferedImage img = ImageIO.read(shots.resolve("qxl0-scanout.png").toFile());
        assertThat(img.getWidth()).isEqualTo(1024);
        assertThat(img.getHeight()).isEqualTo(768);

        Path bin = dir.resolve("qxl.gvt");
        assertThat(gvsim("trace", "convert", rec.toString(), bin.toString()).code()).isZero();
        assertThat(gvsim("trace", "verify", bin.toString()).out()).contains("ok");
        Path back = dir.resolve("back.gvt.txt");
        assertThat(gvsim("trace", "convert", bin.toString(), back.toString()).code()).isZero();
        ReplayCliTest.Run a = gvsim("trace", "cat", rec.toString());
        ReplayCliTest.Run b = gvsim("trace", "cat", back.toString());
        assertThat(b.out()).isEqualTo(a.out());
        assertThat(gvsim("trace", "info", bin.toString()).out()).contains("machine: -M virt -device qxl");
    }

    @Test
    void virtioGpuDriverModelRecordsATraceThatReplaysToTheSameDeviceAndDumpsTheScanout() throws Exception {
        Path rec = dir.resolve("vgpu.gvt");
        Path shots = dir.resolve("vshots");
        ReplayCliTest.Run g = gvsim("guest", "virtio-gpu-linux", "--workload", "windows", "--frames", "3", "-o", rec.toString(),
                "--dump-scanout", shots.toString(), "--json");
        assertThat(g.code()).as(g.err()).isZero();
        JsonNode gj = g.json();
        assertThat(gj.get("outcome").asText()).contains("probe ok", "mode 1280x800", "framebuffer ok", "scanout 1280x800", "3 frames");
        assertThat(gj.get("driver").get("blob").asBoolean()).isFalse();
        BufferedImage img = ImageIO.read(shots.resolve("virtio-gpu-pci0-scanout.png").toFile());
        assertThat(img.getWidth()).isEqualTo(1280);
        assertThat(img.getHeight()).isEqualTo(800);
        // window 0 (160x120 at 40,40) in frame 2's colour; nothing drawn in the bottom-right corner
        assertThat(img.getRGB(120, 100) & 0xFFFFFF).isEqualTo(dev.gvsim.guesttraces.linux.VirtioGpuWorkload.colour(2, 0));
        assertThat(img.getRGB(1279, 799) & 0xFFFFFF).isZero();

        ReplayCliTest.Run r = gvsim("replay", "--json", rec.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("faultCount").asLong()).isZero();
        assertThat(j.get("mismatchCount").asLong()).isZero();
        assertThat(j.get("devices").toString()).isEqualTo(gj.get("replay").get("devices").toString());
        assertThat(gvsim("trace", "info", rec.toString()).out()).contains("machine: -M virt -device virtio-gpu-pci");

        ReplayCliTest.Run b = gvsim("guest", "virtio-gpu-linux", "--blob", "--workload", "full", "--frames", "1");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.out()).contains("framebuffer ok", "+resource_blob");

        ReplayCliTest.Run bad = gvsim("guest", "virtio-gpu-linux", "--workload", "spiral");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--workload must be full, partial, windows, video or multi");
        assertThat(gvsim("guest", "virtio-gpu-linux", "--variant", "ioremap").code()).isEqualTo(2);
        assertThat(gvsim("guest", "qxl-linux", "--blob").code()).isEqualTo(2);
        ReplayCliTest.Run unknown = gvsim("guest", "nosuch-linux");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("qxl-linux, virtio-gpu-linux");
    }

    @Test
    void virtioGpuDriverModelDrivesSeveralOutputs() throws Exception {
        ReplayCliTest.Run g = gvsim("guest", "virtio-gpu-linux", "--outputs", "3", "--workload", "multi", "--frames", "6", "--fps", "60",
                "--set", "display.pipeline=per-window", "--json");
        assertThat(g.code()).as(g.err()).isZero();
        JsonNode j = g.json();
        assertThat(j.get("outputs").asInt()).isEqualTo(3);
        assertThat(j.get("outcome").asText()).contains("framebuffer ok", "(3 scanouts active)", "6 frames");
        assertThat(j.get("driver").get("outputModes").toString()).isEqualTo("[\"1280x800\",\"1280x800\",\"1280x800\"]");
        JsonNode so = j.get("device").get("scanouts");
        assertThat(so).hasSize(3);
        for (int k = 0; k < 3; k++) {
            assertThat(so.get(k).get("resource").asInt()).isEqualTo(2 + k);
            assertThat(so.get(k).get("flushes").asLong()).as("scanout %d", k).isEqualTo(1 + 6 / (k + 1));
        }
        Path shots = dir.resolve("mshots");
        ReplayCliTest.Run text = gvsim("guest", "virtio-gpu-linux", "--outputs", "2", "--output-mode", "640x480", "--workload", "multi",
                "--frames", "2", "--dump-scanout", shots.toString());
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("(2 scanouts active)");
        assertThat(ImageIO.read(shots.resolve("virtio-gpu-pci0-scanout.png").toFile()).getWidth()).isEqualTo(1280);
        BufferedImage second = ImageIO.read(shots.resolve("virtio-gpu-pci0-scanout1.png").toFile());
        assertThat(second.getWidth()).isEqualTo(640);
        assertThat(second.getHeight()).isEqualTo(480);
        int grey = dev.gvsim.guesttraces.linux.VirtioGpuWorkload.background(0, 1); // output 1 last redrawn at tick 0
        assertThat(second.getRGB(639, 479) & 0xFFFFFF).isEqualTo(grey << 16 | grey << 8 | grey);
        ReplayCliTest.Run badMode = gvsim("guest", "virtio-gpu-linux", "--outputs", "2", "--output-mode", "wide");
        assertThat(badMode.code()).isEqualTo(2);
        assertThat(badMode.err()).contains("--output-mode must be WxH");

        ReplayCliTest.Run tooMany = gvsim("guest", "virtio-gpu-linux", "--outputs", "17");
        assertThat(tooMany.code()).isEqualTo(2);
        assertThat(tooMany.err()).contains("--outputs must be in 1..16, got 17");
        ReplayCliTest.Run zero = gvsim("guest", "virtio-gpu-linux", "--outputs", "0");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("--outputs must be in 1..16, got 0");
        ReplayCliTest.Run qxl = gvsim("guest", "qxl-linux", "--outputs", "2");
        assertThat(qxl.code()).isEqualTo(2);
        assertThat(qxl.err()).contains("--output-mode are options of virtio-gpu-linux, not qxl-linux");
    }

    @Test
    void preFixDriverModelFaultsWithExitOne() {
        ReplayCliTest.Run g = gvsim("guest", "qxl-linux", "--variant", "ioremap", "--json");
        assertThat(g.code()).isEqualTo(1);
        assertThat(g.out()).contains("\"esr\" : \"0x96000061\"", "\"sym\" : \"setup_slot\"");
    }

    @Test
    void lspciReproducesTheLinuxAssignmentBehindARootPortAndGivesJson() throws Exception {
        ReplayCliTest.Run t = gvsim("lspci", "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0", "-device", "qxl,bus=rp1");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out()).contains("bridge window [mem 0x10000000-0x19ffffff]", "[mem 0x8000000000-0x80001fffff 64bit pref]",
                "[io  0x1000-0x1fff]", "BAR 0 [mem 0x1a000000-0x1a000fff]", "BAR 3 [io  0x1000-0x101f]");
        ReplayCliTest.Run j = gvsim("lspci", "--json", "--firmware", "edk2", "-device", "qxl");
        assertThat(j.code()).as(j.err()).isZero();
        assertThat(j.json().get("allocator").asText()).isEqualTo("edk2");
        assertThat(j.json().get("functions").toString()).contains("1b36");
        ReplayCliTest.Run bad = gvsim("lspci", "-device", "qxl,bogus=1");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("bogus");
        ReplayCliTest.Run unknown = gvsim("lspci", "-device", "nosuchdev");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("nosuchdev");
    }

    @Test
    void paramsListsEveryParameterWithItsSource() throws Exception {
        ReplayCliTest.Run p = gvsim("params", "--json");
        assertThat(p.code()).isZero();
        JsonNode all = p.json().get("params");
        assertThat(all.get("mem.wc.line_bytes").get("default").asText()).isEqualTo("64");
        all.fields().forEachRemaining(e -> assertThat(e.getValue().get("source").asText()).as(e.getKey()).isNotBlank());
    }

    @Test
    void devicesListsEveryRegisteredTypeWithItsParameters() throws Exception {
        ReplayCliTest.Run d = gvsim("devices", "--json");
        assertThat(d.code()).isZero();
        JsonNode all = d.json().get("devices");
        assertThat(all.get("qxl").get("drivers").toString()).contains("qxl", "qxl-vga");
        assertThat(all.get("qxl").get("params").toString()).contains("qxl.io_latency");
        assertThat(all.get("pcie-root-port").get("drivers").toString()).contains("pcie-pci-bridge", "pci-bridge", "x3130-upstream");
        all.fields().forEachRemaining(e -> assertThat(e.getValue().get("description").asText()).as(e.getKey()).isNotBlank());
        assertThat(gvsim("devices").out()).contains("qxl, qxl-vga", "pcie-root-port");
    }

    @Test
    void helpAndVersionWork() {
        assertThat(gvsim("--help").out()).contains("scenarios", "replay", "lspci", "trace", "params", "guest");
        assertThat(gvsim("--version").out()).contains("gvsim");
        assertThat(gvsim("nosuchcommand").code()).isEqualTo(2);
        assertThat(gvsim("scenarios", "--list").out()).contains("qxl-arm64-ioremap", "qxl-uefi-behind-bridge");
        ReplayCliTest.Run unknown = gvsim("scenarios", "no-such-scenario");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no-such-scenario", "qxl-arm64-ioremap");
    }

    @Test
    void traceCommandsReportCorruptInputWithExitTwo() throws Exception {
        Path bad = dir.resolve("bad.gvt.txt");
        Files.writeString(bad, "gvsim-trace 1\nrd va=0x1000 size=3\n");
        ReplayCliTest.Run v = gvsim("trace", "verify", bad.toString());
        assertThat(v.code()).isEqualTo(2);
        assertThat(v.err()).contains("line 2");
    }
}
