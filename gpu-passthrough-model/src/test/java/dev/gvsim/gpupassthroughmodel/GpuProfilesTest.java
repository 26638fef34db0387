package dev.gvsim.gpupassthroughmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.gpupassthroughmodel.layout.ProfileException;
import dev.gvsim.gpupassthroughmodel.layout.ProfileParser;

class GpuProfilesTest {
    static String bundledText(String name) throws IOException {
        try (InputStream in = GpuProfiles.class.getResourceAsStream("/dev/gvsim/gpupassthroughmodel/profiles/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static GpuProfile parse(String text) {
        return ProfileParser.parse("test.json", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theBundledProfilesLoadWithASourceForEveryValue() {
        assertThat(GpuProfiles.all()).extracting(GpuProfile::name).containsExactly("amd-rx580", "nvidia-t4", "jingjia-jm7201", "mtt-s80", "amd-s7150");
        for (GpuProfile p : GpuProfiles.all()) {
            assertThat(p.sources()).as(p.name()).isNotEmpty().allSatisfy((k, v) -> assertThat(v).isNotBlank());
            // ids, class, each BAR, each capability, the reset section: all carry a source
            assertThat(p.sources()).containsKeys("gpu.vendor_id", "gpu.device_id", "gpu.class_code", "gpu.bars[0]", "gpu.capabilities[0]",
                    "reset.methods", "reset.keeps_state_across");
        }
    }

    @Test
    void theAmdCardHasTheResetBugAndAnAudioFunction() {
        GpuProfile amd = GpuProfiles.get("amd-rx580");
        assertThat(amd.gpu().vendorId()).isEqualTo(0x1002);
        assertThat(amd.gpu().flrCapable()).isFalse();
        assertThat(amd.keepsStateAcross("bus")).isTrue();
        assertThat(amd.keepsStateAcross("flr")).isTrue();
        assertThat(amd.vendorReset()).isEqualTo("baco");
        assertThat(amd.audio()).isNotNull();
        assertThat(amd.audio().classCode() >>> 8).isEqualTo(0x0403);
        GpuProfile t4 = GpuProfiles.get("nvidia-t4");
        // an lspci -vv of a T4 says FLReset- and NoSoftRst+: no FLR, PM reset refused, so the bus reset is its method
        assertThat(t4.gpu().flrCapable()).isFalse();
        assertThat(t4.gpu().noSoftReset()).isTrue();
        assertThat(t4.resetMethods()).containsExactly("bus");
        assertThat(t4.keepsStateAcross("bus")).isFalse();
        assertThat(t4.gpu().capability("msix").vectors()).isEqualTo(6);
    }

    @Test
    void anUnknownValueIsReplacedByTheDefaultAndSaysSo() {
        GpuProfile jj = GpuProfiles.get("jingjia-jm7201");
        // No_Soft_Reset is marked unknown in the file: the model uses false and lists it with the default's source
        assertThat(jj.gpu().noSoftReset()).isFalse();
        assertThat(jj.defaultsUsed()).anyMatch(s -> s.startsWith("gpu.capabilities[0].no_soft_reset unknown, using false"));
        GpuProfile amd = GpuProfiles.get("amd-rx580");
        // the RX 580's No_Soft_Reset is sourced (an lspci -vv dump: NoSoftRst+), so no default is used for it
        assertThat(amd.gpu().noSoftReset()).isTrue();
        assertThat(amd.defaultsUsed()).noneMatch(s -> s.contains("no_soft_reset"));
        assertThat(amd.defaultsUsed()).anyMatch(s -> s.startsWith("reset.vendor_reset_time unknown, using 100ms"));
        assertThat(amd.vendorResetPs()).isEqualTo(100_000_000_000L);
        assertThat(GpuProfiles.get("nvidia-t4").defaultsUsed()).noneMatch(s -> s.startsWith("gpu.vendor_id"));
    }

    @Test
    void anUnpublishedValueWithoutAModelDefaultIsTheProfilesStatedAssumptionAndSaysSo() throws IOException {
        GpuProfile s80 = GpuProfiles.get("mtt-s80");
        // nobody published the S80's device ID: the file says unknown, and which ID the model uses instead
        assertThat(s80.gpu().deviceId()).isEqualTo(0x0201);
        assertThat(s80.defaultsUsed()).anyMatch(s -> s.startsWith("gpu.device_id unknown, using the profile's assumption 0x0201 (not published"));
        assertThat(s80.defaultsUsed()).anyMatch(s -> s.startsWith("reset.methods unknown, using the profile's assumption [\"flr\",\"bus\"]"));
        assertThat(s80.resetMethods()).containsExactly("flr", "bus");
        // BAR layouts and capability offsets nobody published are whole entries marked unknown
        assertThat(s80.defaultsUsed()).anyMatch(s -> s.startsWith("gpu.bars[0] unknown, using the profile's assumed index=0 role=registers size=32M bits=32 prefetchable=false"));
        assertThat(GpuProfiles.get("jingjia-jm7201").defaultsUsed()).anyMatch(s -> s.startsWith("gpu.bars[1] unknown, using the profile's assumed index=2 role=registers"));
        // published entries say nothing of the kind
        assertThat(GpuProfiles.get("amd-rx580").defaultsUsed()).noneMatch(s -> s.startsWith("gpu.bars"));
        String t4 = bundledText("nvidia-t4");
        assertThatThrownBy(() -> parse(t4.replace("\"device_id\": {\"value\": \"0x1eb8\"", "\"device_id\": {\"value\": \"0x1eb8\", \"assumed\": \"0x1eb9\"")))
                .hasMessage("profile file test.json: key 'gpu.device_id.assumed': expected only with \"value\": \"unknown\" (a published value needs no assumption)");
        assertThatThrownBy(() -> parse(t4.replace("\"device_id\": {\"value\": \"0x1eb8\"", "\"device_id\": {\"value\": \"unknown\", \"assumed\": \"unknown\"")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.device_id.assumed': expected the value the model uses in place of the unknown one");
        assertThatThrownBy(() -> parse(t4.replace("\"device_id\": {\"value\": \"0x1eb8\"", "\"device_id\": {\"value\": \"unknown\", \"assumed\": \"0x10000\"")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.device_id': expected a value in 0x0..0xffff, got 0x10000");
        assertThatThrownBy(() -> parse(t4.replace("{\"index\": 0,", "{\"unknown\": false, \"index\": 0,")))
                .hasMessage("profile file test.json: key 'gpu.bars[0].unknown': expected true or absent (a published entry leaves the key out)");
    }

    @Test
    void aBrokenFileIsOneErrorNamingTheFileAndTheKey() throws IOException {
        String t4 = bundledText("nvidia-t4");
        assertThatThrownBy(() -> parse(t4.replace("\"size\": \"256M\"", "\"size\": \"300M\"")))
                .isInstanceOf(ProfileException.class).hasMessage("profile file test.json: key 'gpu.bars[1].size': expected a power of two in 16..1T bytes "
                        + "(e.g. \"256M\"), got 314572800");
        assertThatThrownBy(() -> parse(t4.replace("\"device_id\": {\"value\": \"0x1eb8\"", "\"device_id\": {\"value\": \"unknown\"")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.device_id.value': expected a value (\"unknown\" has no model default");
        assertThatThrownBy(() -> parse(t4.replace("\"vendor_id\"", "\"vendor\"")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.vendor': expected no such key");
        assertThatThrownBy(() -> parse(t4.replace("\"source\": \"pci.ids: 10de NVIDIA Corporation\"", "\"source\": \"\"")))
                .hasMessage("profile file test.json: key 'gpu.vendor_id.source': expected where the value comes from, got an empty string");
        assertThatThrownBy(() -> parse(t4.substring(0, 200)))
                .hasMessageStartingWith("profile file test.json: key '(document)': expected well-formed JSON (line ");
        assertThatThrownBy(() -> parse(t4.replace("\"methods\": {\"value\": [\"bus\"]", "\"methods\": {\"value\": [\"bus\", \"warm\"]")))
                .hasMessageStartingWith("profile file test.json: key 'reset.methods[1]': expected one of [device_specific, flr, pm, bus]");
        assertThatThrownBy(() -> parse(t4.replace("\"offset\": \"0x68\"", "\"offset\": \"0x5c\"")))
                .hasMessageStartingWith("profile file test.json: key 'gpu.capabilities[1].offset': expected after the previous capability's end");
    }

    @Test
    void anUnknownProfileNameListsTheBundledOnes() {
        assertThatThrownBy(() -> GpuProfiles.get("geforce-9000")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no GPU profile 'geforce-9000' (bundled: amd-rx580, nvidia-t4, jingjia-jm7201, mtt-s80, amd-s7150; or a path to a .json profile file)");
        assertThatThrownBy(() -> GpuProfiles.get("no/such/file.json")).hasMessageStartingWith("profile file no/such/file.json: cannot be read");
    }
}
