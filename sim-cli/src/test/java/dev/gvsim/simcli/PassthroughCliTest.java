package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gvsim profiles} and the passthrough GPU on the command line (issue 25). */
class PassthroughCliTest {
    @TempDir
    Path dir;

    @Test
    void profilesListsTheBundledCards() throws Exception {
        ReplayCliTest.Run p = gvsim("profiles");
        assertThat(p.code()).isZero();
        assertThat(p.out()).contains("amd-rx580", "nvidia-t4", "jingjia-jm7201", "mtt-s80", "1002:67df", "[58] PCIe FLR-", "[50] PM No_Soft_Reset-",
                "keeps state across: bus, flr, pm", "keeps state across: none", "default: gpu.capabilities[0].no_soft_reset unknown, using false");
        ReplayCliTest.Run j = gvsim("profiles", "--json");
        assertThat(j.code()).isZero();
        assertThat(j.json().get("profiles").size()).isEqualTo(5);
    }

    @Test
    void aBrokenProfileFileIsOneLineNamingFileAndKeyWithExitTwo() throws Exception {
        String t4 = new String(getClass().getResourceAsStream("/dev/gvsim/gpupassthroughmodel/profiles/nvidia-t4.json").readAllBytes());
        Path bad = dir.resolve("bad-card.json");
        Files.writeString(bad, t4.replace("\"bits\": 64", "\"bits\": 48"));
        ReplayCliTest.Run p = gvsim("profiles", bad.toString());
        assertThat(p.code()).isEqualTo(2);
        assertThat(p.err().strip()).isEqualTo("gvsim: profile file bad-card.json: key 'gpu.bars[1].bits': expected 32 or 64, got 48");
        ReplayCliTest.Run l = gvsim("lspci", "-device", "pcie-root-port,id=rp1,chassis=1", "-device", "gpu-passthrough,profile=" + bad, "-device",
                "gpu-passthrough,bus=rp1");
        assertThat(l.code()).isEqualTo(2);
    }

    @Test
    void lspciShowsTheCardAndItsAudioFunction() {
        ReplayCliTest.Run l = gvsim("lspci", "--json", "-device", "pcie-root-port,id=rp1,chassis=1", "-device",
                "gpu-passthrough,profile=amd-rx580,bus=rp1,addr=0.0,multifunction=on", "-device", "gpu-passthrough-audio,profile=amd-rx580,bus=rp1,addr=0.1");
        assertThat(l.code()).as(l.err()).isZero();
        assertThat(l.out()).contains("1002", "67df", "aaf0");
        ReplayCliTest.Run none = gvsim("lspci", "-device", "gpu-passthrough");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Property 'gpu-passthrough.profile' is required");
        ReplayCliTest.Run noAudio = gvsim("lspci", "-device", "gpu-passthrough-audio,profile=nvidia-t4");
        assertThat(noAudio.code()).isEqualTo(2);
        assertThat(noAudio.err()).contains("profile 'nvidia-t4' has no audio function");
        ReplayCliTest.Run bad = gvsim("lspci", "-device", "gpu-passthrough,profile=amd-rx580,host-s2=cached");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("Property 'gpu-passthrough.host-s2' doesn't take value 'cached'");
    }
}
