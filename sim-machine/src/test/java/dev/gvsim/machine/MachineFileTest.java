package dev.gvsim.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.simcore.Json;

class MachineFileTest {
    static final String TOPOLOGY = "-M virt -device pcie-root-port,id=rp1,chassis=1,slot=0 -device pcie-root-port,id=rp2,chassis=2,slot=1 "
            + "-device qxl-vga,bus=rp1";

    @Test
    void lspciJsonRoundTripsIntoTheSameMachine() {
        Machine built = MachineBuilder.build(TOPOLOGY, List.of("pci.allocator=edk2"));
        String printed = Json.write(MachineFile.lspciJson(built));
        MachineFile.Spec spec = MachineFile.parse("printed.json", printed);
        assertThat(spec.devices()).hasSize(3);
        assertThat(spec.set()).containsEntry("pci.allocator", "edk2");
        Machine again = spec.build(List.of());
        assertThat(Json.write(MachineFile.lspciJson(again))).isEqualTo(printed);
        assertThat(again.pci().lspci(true)).isEqualTo(built.pci().lspci(true));
        // and a third time: a fixed point
        assertThat(Json.write(MachineFile.lspciJson(MachineFile.parse("again.json", printed).build(List.of())))).isEqualTo(printed);
    }

    @Test
    void aHandWrittenFileWithNumbersBooleansAndCommasBuildsTheSameMachineAsTheOptions() {
        String file = """
                { "comment": "two root ports, qxl-vga behind the first",
                  "machine": { "type": "virt",
                    "devices": [ { "driver": "pcie-root-port", "id": "rp1", "chassis": 1, "slot": 0 },
                                 { "driver": "pcie-root-port", "id": "rp2", "chassis": 2, "slot": 1 },
                                 { "driver": "qxl-vga", "bus": "rp1" } ] } }
                """;
        MachineFile.Spec spec = MachineFile.parse("hand.json", file);
        assertThat(spec.args()).isEqualTo(TOPOLOGY);
        assertThat(spec.build(List.of()).pci().lspci(false)).isEqualTo(MachineBuilder.build(TOPOLOGY, List.of()).pci().lspci(false));
        MachineFile.Spec comma = new MachineFile.Spec("virt", java.util.Map.of(), List.of(), java.util.Map.of());
        assertThat(MachineFile.qemuOpts("x", java.util.Map.of("p", "a,b c"))).isEqualTo("x,p=a,,b c");
        assertThat(MachineFile.quote("x,p=a,,b c")).isEqualTo("'x,p=a,,b c'");
        assertThat(comma.plusDevices(List.of("qxl-vga,id=v")).args()).isEqualTo("-M virt -device qxl-vga,id=v");
        // a value with a comma, a space and a quote survives the trip through the QEMU-style options
        MachineFile.Spec odd = new MachineFile.Spec("virt", java.util.Map.of(),
                List.of(new dev.gvsim.pciefabric.DeviceOptions.DeviceSpec("qxl", java.util.Map.of("profile", "my dir/it's,a.json"))), java.util.Map.of());
        assertThat(dev.gvsim.pciefabric.DeviceOptions.parse(odd.args()).devices().get(0).props()).containsEntry("profile", "my dir/it's,a.json");
    }

    @Test
    void deviceOptionsGivenWithAFileComeAfterItsDevices() {
        MachineFile.Spec spec = MachineFile.parse("f.json", "{\"machine\":{\"type\":\"virt\",\"devices\":[{\"driver\":\"pcie-root-port\",\"id\":\"rp1\",\"chassis\":\"1\"}]}}");
        MachineFile.Spec plus = spec.plusDevices(List.of("qxl-vga,bus=rp1"));
        assertThat(plus.args()).isEqualTo("-M virt -device pcie-root-port,id=rp1,chassis=1 -device qxl-vga,bus=rp1");
        assertThat(plus.build(List.of()).pci().describe()).extracting(f -> f.get("type")).containsExactly("gpex-root", "pcie-root-port", "qxl-vga");
    }

    @Test
    void hostileFilesNameTheFileAndTheKeyOrLine(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\n  \"machine\": {\n    \"type\": \"virt\",,\n  }\n}"))
                .isInstanceOf(MachineFile.MachineFileException.class).hasMessageStartingWith("machine file m.json: line 3, column")
                .hasMessageContaining("well-formed JSON");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "")).hasMessage("machine file m.json: expected a JSON object with a \"machine\" key, got an empty file");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "[1,2]")).hasMessageContaining("got a list");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machin\":{}}")).hasMessageStartingWith("machine file m.json: key 'machin': expected one of");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"functions\":[]}")).hasMessageContaining("key 'machine'").hasMessageContaining("missing");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":\"-M virt -device qxl\"}"))
                .hasMessage("machine file m.json: key 'machine': expected an object (type, props, devices, set), got a string");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"device\":[]}}")).hasMessageContaining("key 'machine.device'");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":3}}")).hasMessageContaining("key 'machine.type': expected a string");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"sbsa-ref\"}}"))
                .hasMessageContaining("key 'machine': expected a machine that builds: machine 'sbsa-ref' is not modelled");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"devices\":{\"driver\":\"qxl\"}}}"))
                .hasMessageContaining("key 'machine.devices': expected a list of devices, got an object");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"devices\":[{\"bus\":\"rp1\"}]}}"))
                .hasMessageContaining("key 'machine.devices[0].driver': expected a string");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"devices\":[{\"driver\":\"qxl\",\"ram_size\":[1]}]}}"))
                .hasMessageContaining("key 'machine.devices[0].ram_size': expected a string, an integer or a boolean, got a list");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"devices\":[{\"driver\":\"qxl\"},{\"driver\":\"nosuchdev\"}]}}"))
                .hasMessageContaining("key 'machine.devices[1] (nosuchdev)': expected a machine that builds: unknown device 'nosuchdev'");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"devices\":[{\"driver\":\"qxl\",\"bus\":\"rp9\"}]}}"))
                .hasMessageContaining("key 'machine.devices[0] (qxl)'");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"set\":{\"no.such\":1}}}"))
                .hasMessageContaining("key 'machine.set.no.such': expected a model parameter: unknown parameter 'no.such'");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\"},\"machine\":{}}")).hasMessageContaining("Duplicate field");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\",\"devices\":[{\"driver\":\"qxl\",\"a b\":\"1\"}]}}"))
                .hasMessageContaining("key 'machine.devices[0].a b': expected a property name");
        assertThatThrownBy(() -> MachineFile.parse("m.json", "{\"machine\":{\"type\":\"virt\"}} trailing")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> MachineFile.read(dir)).hasMessage("machine file " + dir + ": expected a file, got a directory");
        assertThatThrownBy(() -> MachineFile.read(dir.resolve("none.json"))).hasMessageContaining("no such file");
        Path big = dir.resolve("big.json");
        Files.write(big, new byte[(int) MachineFile.MAX_BYTES + 1]);
        assertThatThrownBy(() -> MachineFile.read(big)).hasMessageContaining("expected at most 1048576 bytes");
        Path bin = dir.resolve("bin.json");
        Files.write(bin, new byte[] {(byte) 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00});
        assertThatThrownBy(() -> MachineFile.read(bin)).hasMessageStartingWith("machine file " + bin + ": line 1, column");
    }
}
