package dev.gvsim.machine.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gvsim.machine.MachineFile.MachineFileException;

/** Issue 28: one file describing several guests on a shared GPU (docs/qos.md). */
class QosMachineFileTest {
    static final String TWO = """
            { "comment": "a desktop next to a benchmark",
              "set": { "qos.policy": "equal-share", "qos.switch_cost": "50us" },
              "vms": [
                { "name": "desk", "fps": 60, "machine": { "type": "virt", "devices": [ { "driver": "virtio-gpu-pci" } ] } },
                { "name": "bench", "workload": "heavy", "weight": 2, "cap": 50, "batches": 4, "frame_cost": "4ms",
                  "machine": { "type": "virt", "devices": [
                    { "driver": "pcie-root-port", "id": "rp1", "chassis": "1", "slot": "0" },
                    { "driver": "virtio-gpu-pci", "bus": "rp1", "xres": 1920, "yres": 1080 } ] } } ] }
            """;

    @Test
    void readsSeveralGuestsEachWithItsOwnMachineAndTheSharedSettings() {
        QosMachineFile.Description d = QosMachineFile.parse("two.json", TWO);
        assertThat(d.sets()).containsExactly("qos.policy=equal-share", "qos.switch_cost=50us");
        assertThat(d.guests()).hasSize(2);
        assertThat(d.guests().get(0)).isEqualTo(new QosMachine.Guest("desk", Workload.INTERACTIVE, 1, 0, 60.0, 1, 0, "-M virt -device virtio-gpu-pci"));
        QosMachine.Guest b = d.guests().get(1);
        assertThat(b.machineArgs()).isEqualTo("-M virt -device pcie-root-port,id=rp1,chassis=1,slot=0 -device virtio-gpu-pci,bus=rp1,xres=1920,yres=1080");
        assertThat(List.of(b.workload(), b.weight(), b.cap(), b.batches(), b.frameCostPs())).containsExactly(Workload.HEAVY, 2L, 50L, 4, 4_000_000_000L);
    }

    @Test
    void roundTrips() {
        QosMachineFile.Description d = QosMachineFile.parse("two.json", TWO);
        String written = QosMachineFile.write(d.guests(), d.sets());
        QosMachineFile.Description again = QosMachineFile.parse("written.json", written);
        assertThat(again).isEqualTo(d);
        assertThat(QosMachineFile.write(again.guests(), again.sets())).isEqualTo(written);
        // and a command-line description written as a file reads back as the same guests
        List<QosMachine.Guest> cli = QosMachine.parse("-device virtio-gpu-pci,vm=a,workload=bursty,fps=30,weight=3 "
                + "-device virtio-gpu-pci,vm=b,trace=rec.trace.xz,speedup=2.5,max_outputs=2");
        assertThat(QosMachineFile.parse("cli.json", QosMachineFile.write(cli, List.of())).guests()).isEqualTo(cli);
    }

    @Test
    void aFilesTracePathIsTakenFromTheFilesDirectory(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("vms"));
        try (var in = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/vgpu_rp.trace.xz")) {
            Files.copy(in, sub.resolve("rp.trace.xz"));
        }
        Path f = sub.resolve("m.json");
        Files.writeString(f, """
                { "vms": [ { "name": "a", "trace": "rp.trace.xz", "machine": { "type": "virt", "devices": [ { "driver": "virtio-gpu-pci" } ] } } ] }
                """);
        QosMachineFile.Description d = QosMachineFile.read(f);
        List<VmSpec> vms = QosMachine.vms(d.guests(), d.sets(), f.getParent());
        assertThat(vms.get(0).workload()).isEqualTo(Workload.RECORDED);
        assertThat(vms.get(0).trace().jobs()).isPositive();
        assertThat(vms.get(0).trace().source()).isEqualTo(sub.resolve("rp.trace.xz").toString());
    }

    @Test
    void hostileFilesGetOneLineNamingTheFileAndTheKey(@TempDir Path dir) {
        bad("{", "machine file f.json: line 1, column 2: expected well-formed JSON");
        bad("[]", "machine file f.json: expected a JSON object with a \"vms\" list");
        bad("{\"machine\": {\"type\": \"virt\"}}", "key 'machine': expected one of the keys comment, set, vms, got an unknown key (a one-machine file");
        bad("{\"vms\": []}", "key 'vms': expected a list of at least one VM");
        bad("{\"vms\": {}}", "key 'vms': expected a list of at least one VM");
        bad("{\"set\": {\"no.such\": 1}, \"vms\": [" + vm("a", "") + "]}", "key 'set.no.such': expected a model parameter");
        bad("{\"set\": [], \"vms\": [" + vm("a", "") + "]}", "key 'set': expected an object");
        bad("{\"vms\": [1]}", "key 'vms[0]': expected an object");
        bad("{\"vms\": [{\"machine\": {\"type\": \"virt\"}}]}", "key 'vms[0].name': expected a string");
        bad("{\"vms\": [{\"name\": \"a\"}]}", "key 'vms[0].machine': expected an object");
        bad("{\"vms\": [" + vm("a", ", \"colour\": \"red\"") + "]}", "key 'vms[0].colour': expected one of the keys");
        bad("{\"vms\": [" + vm("a", ", \"cap\": 101") + "]}", "key 'vms[0].cap': expected a valid value: option cap must be an integer 0-100, got '101'");
        bad("{\"vms\": [" + vm("a", ", \"weight\": [1]") + "]}", "key 'vms[0].weight': expected a string, a number or a boolean");
        bad("{\"vms\": [" + vm("a", ", \"workload\": \"mining\"") + "]}", "key 'vms[0].workload'");
        bad("{\"vms\": [" + vm("a/b", "") + "]}", "key 'vms[0].name': expected a valid value: option vm must be");
        bad("{\"vms\": [" + vm("a", "") + ", " + vm("a", "") + "]}", "key 'vms[1].name': expected a name no other VM has");
        bad("{\"vms\": [{\"name\": \"a\", \"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"qxl-vga\"}]}}]}",
                "key 'vms[0].machine.devices': expected exactly one virtio-gpu-pci device");
        bad("{\"vms\": [{\"name\": \"a\", \"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"virtio-gpu-pci\", \"bus\": \"rp9\"}]}}]}",
                "key 'vms[0].machine.devices[0] (virtio-gpu-pci)': expected a machine that builds");
        bad("{\"vms\": [{\"name\": \"a\", \"machine\": {\"type\": \"virt\", \"set\": {}, \"devices\": [{\"driver\": \"virtio-gpu-pci\"}]}}]}",
                "key 'vms[0].machine.set': expected no per-VM parameters");
        bad("{\"vms\": [{\"name\": \"a\", \"machine\": {\"type\": \"virt\", \"devics\": []}}]}", "key 'vms[0].machine.devics'");
        bad("{\"vms\": [" + vm("a", ", \"trace\": \"x.log\", \"frame_cost\": \"1ms\"") + "]}", "key 'vms[0].trace'");
        assertThatThrownBy(() -> QosMachineFile.read(dir.resolve("none.json"))).isInstanceOf(MachineFileException.class)
                .hasMessageContaining("none.json: expected an existing file");
        assertThatThrownBy(() -> QosMachineFile.read(dir)).isInstanceOf(MachineFileException.class).hasMessageContaining("expected a file, got a directory");
    }

    static String vm(String name, String more) {
        return "{\"name\": \"" + name + "\"" + more + ", \"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"virtio-gpu-pci\"}]}}";
    }

    static void bad(String text, String message) {
        assertThatThrownBy(() -> QosMachineFile.parse("f.json", text)).isInstanceOf(MachineFileException.class)
                .hasMessageStartingWith("machine file f.json: ").hasMessageContaining(message);
    }
}
