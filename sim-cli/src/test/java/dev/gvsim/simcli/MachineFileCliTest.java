package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code -machine-file}: lspci --json round trip, the rule with -device/-M/--set, hostile files, and every command that takes -device. */
class MachineFileCliTest {
    static final String[] TOPO = {"-device", "pcie-root-port,id=rp1,chassis=1,slot=0", "-device", "pcie-root-port,id=rp2,chassis=2,slot=1",
        "-device", "qxl-vga,bus=rp1"};

    @TempDir
    Path dir;

    static String[] args(String[] head, String... tail) {
        List<String> a = new ArrayList<>(List.of(head));
        a.addAll(List.of(tail));
        return a.toArray(new String[0]);
    }

    Path machineFile(String name, String... lspciArgs) throws Exception {
        ReplayCliTest.Run j = gvsim(args(new String[] {"lspci", "--json"}, lspciArgs));
        assertThat(j.code()).as(j.err()).isZero();
        Path f = dir.resolve(name);
        Files.writeString(f, j.out());
        return f;
    }

    @Test
    void lspciJsonRoundTripsThroughAMachineFile() throws Exception {
        ReplayCliTest.Run j = gvsim(args(new String[] {"lspci", "--json", "--firmware", "edk2", "--set", "pcie.allow_0_io_address=true"}, TOPO));
        assertThat(j.code()).as(j.err()).isZero();
        assertThat(j.json().get("machine").get("devices").size()).isEqualTo(3);
        assertThat(j.json().get("machine").get("set").get("pci.allocator").asText()).isEqualTo("edk2");
        Path f = dir.resolve("m.json");
        Files.writeString(f, j.out());
        ReplayCliTest.Run back = gvsim("lspci", "--json", "-machine-file", f.toString());
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(back.out()).isEqualTo(j.out());
        ReplayCliTest.Run text = gvsim("lspci", "-v", "-machine-file", f.toString());
        ReplayCliTest.Run direct = gvsim(args(new String[] {"lspci", "-v", "--firmware", "edk2", "--set", "pcie.allow_0_io_address=true"}, TOPO));
        assertThat(text.out()).isEqualTo(direct.out()).contains("qxl");
    }

    @Test
    void deviceOptionsAreAddedAfterTheFilesDevicesAndSetWinsOverTheFile() throws Exception {
        Path ports = machineFile("ports.json", "--firmware", "edk2", TOPO[0], TOPO[1], TOPO[2], TOPO[3]);
        ReplayCliTest.Run both = gvsim("lspci", "--json", "-machine-file", ports.toString(), "-device", "qxl-vga,bus=rp1");
        ReplayCliTest.Run all = gvsim(args(new String[] {"lspci", "--json", "--firmware", "edk2"}, TOPO));
        assertThat(both.code()).as(both.err()).isZero();
        assertThat(both.out()).isEqualTo(all.out());
        ReplayCliTest.Run linux = gvsim("lspci", "--json", "-machine-file", ports.toString(), "--set", "pci.allocator=linux");
        assertThat(linux.json().get("allocator").asText()).isEqualTo("linux");
        ReplayCliTest.Run withM = gvsim("lspci", "-M", "virt", "-machine-file", ports.toString());
        assertThat(withM.code()).isEqualTo(2);
        assertThat(withM.err()).contains("-M virt and -machine-file", "both give the machine type");
        ReplayCliTest.Run badDevice = gvsim("lspci", "-machine-file", ports.toString(), "-device", "qxl-vga,bus=nowhere");
        assertThat(badDevice.code()).isEqualTo(2);
        assertThat(badDevice.err()).contains("nowhere").doesNotContain("Exception");
    }

    @Test
    void aHostileMachineFileIsOneClearLineWithExitTwo() throws Exception {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\n  \"machine\": {\n    \"type\": \"virt\"\n    \"devices\": []\n  }\n}\n");
        Path unknownKey = dir.resolve("typo.json");
        Files.writeString(unknownKey, "{\"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"qxl\", \"bogus\": \"1\"}]}}");
        Path random = dir.resolve("random.json");
        byte[] bytes = new byte[4096];
        new java.util.Random(22).nextBytes(bytes);
        Files.write(random, bytes);
        for (String cmd : List.of("lspci", "boot")) {
            ReplayCliTest.Run b = gvsim(cmd, "-machine-file", broken.toString());
            assertThat(b.code()).as(cmd).isEqualTo(2);
            assertThat(b.err()).startsWith("gvsim: machine file " + broken + ": line 4, column").contains("well-formed JSON").hasLineCount(1);
            ReplayCliTest.Run t = gvsim(cmd, "-machine-file", unknownKey.toString());
            assertThat(t.code()).isEqualTo(2);
            assertThat(t.err()).contains("machine file " + unknownKey + ": key 'machine.devices[0] (qxl)'", "bogus").hasLineCount(1);
            ReplayCliTest.Run r = gvsim(cmd, "-machine-file", random.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).startsWith("gvsim: machine file " + random + ": line ").hasLineCount(1);
            ReplayCliTest.Run none = gvsim(cmd, "-machine-file", dir.resolve("none.json").toString());
            assertThat(none.code()).isEqualTo(2);
            assertThat(none.err()).contains("none.json", "no such file");
        }
    }

    @Test
    void bootTakesAMachineFile() throws Exception {
        Path noGop = machineFile("nogop.json", TOPO);
        ReplayCliTest.Run viaFile = gvsim("boot", "--json", "-machine-file", noGop.toString());
        ReplayCliTest.Run viaOptions = gvsim(args(new String[] {"boot", "--json"}, TOPO));
        assertThat(viaFile.code()).as(viaFile.err()).isEqualTo(1); // no GOP: qxl-vga behind rp1 with an empty rp2 after it
        assertThat(viaFile.out()).isEqualTo(viaOptions.out());
        Path onePort = machineFile("oneport.json", TOPO[0], TOPO[1]);
        ReplayCliTest.Run up = gvsim("boot", "-machine-file", onePort.toString(), "-device", "qxl-vga,bus=rp1");
        assertThat(up.code()).as(up.out() + up.err()).isZero();
    }

    @Test
    void replayAndSweepTakeAMachineFileInPlaceOfTheTracesMachine() throws Exception {
        Path t = dir.resolve("t.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--frames", "1", "-o", t.toString()).code()).isZero();
        Path f = machineFile("qxl.json", "-device", "qxl");
        ReplayCliTest.Run viaFile = gvsim("replay", "--json", t.toString(), "-machine-file", f.toString());
        ReplayCliTest.Run viaOptions = gvsim("replay", "--json", t.toString(), "-device", "qxl");
        assertThat(viaFile.code()).as(viaFile.err()).isEqualTo(viaOptions.code());
        assertThat(viaFile.out()).isEqualTo(viaOptions.out());
        assertThat(viaFile.json().get("machine").asText()).isEqualTo("-M virt -device qxl");

        Path withSet = dir.resolve("set.json");
        Files.writeString(withSet, "{\"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"qxl\"}], \"set\": {\"mem.uc.round_trip\": \"100ns\"}}}");
        ReplayCliTest.Run r = gvsim("replay", "--json", t.toString(), "-machine-file", withSet.toString());
        assertThat(r.json().get("overrides").get("set").get("mem.uc.round_trip").asText()).isEqualTo("100ns");
        ReplayCliTest.Run won = gvsim("replay", "--json", t.toString(), "-machine-file", withSet.toString(), "--set", "mem.uc.round_trip=200ns");
        assertThat(won.json().get("overrides").get("set").get("mem.uc.round_trip").asText()).isEqualTo("200ns");

        Path out = dir.resolve("sweep.json");
        ReplayCliTest.Run s = gvsim("sweep", t.toString(), "-machine-file", withSet.toString(), "--set", "mem.wc.line_bytes=64,128", "-o", out.toString());
        assertThat(s.code()).as(s.err()).isIn(0, 1);
        String doc = Files.readString(out);
        assertThat(doc).contains("\"machine\" : \"-M virt -device qxl\"", "\"mem.uc.round_trip\" : \"100ns\"", "\"mem.wc.line_bytes\" : \"128\"");
        ReplayCliTest.Run sm = gvsim("sweep", t.toString(), "-M", "virt", "-machine-file", withSet.toString(), "--set", "mem.wc.line_bytes=64");
        assertThat(sm.code()).isEqualTo(2);
    }

    /** view takes -device, so it takes -machine-file by the same rule (checked before any window opens). */
    @Test
    void viewTakesAMachineFileByTheSameRule() throws Exception {
        Path t = dir.resolve("v.gvt.txt");
        assertThat(gvsim("guest", "qxl-linux", "--frames", "1", "-o", t.toString()).code()).isZero();
        Path f = machineFile("viewqxl.json", "-device", "qxl");
        ReplayCliTest.Run both = gvsim("view", t.toString(), "-M", "virt", "-machine-file", f.toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("-M virt and -machine-file", "both give the machine type");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"machine\": [");
        ReplayCliTest.Run bad = gvsim("view", t.toString(), "-machine-file", broken.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains(broken.toString());
    }

    @Test
    void importTakesAMachineFileButNotItsParameters() throws Exception {
        Path log = dir.resolve("qxl_root.trace.xz");
        try (InputStream s = getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/qxl_root.trace.xz")) {
            Files.copy(s, log);
        }
        Path f = machineFile("qxl.json", "-device", "qxl");
        Path a = dir.resolve("a.gvt.txt");
        Path b = dir.resolve("b.gvt.txt");
        ReplayCliTest.Run viaFile = gvsim("import", "qemu-log", log.toString(), "-machine-file", f.toString(), "-o", a.toString());
        assertThat(viaFile.code()).as(viaFile.err()).isZero();
        assertThat(gvsim("import", "qemu-log", log.toString(), "-device", "qxl", "-o", b.toString()).code()).isZero();
        assertThat(Files.readString(a)).isEqualTo(Files.readString(b)).contains("-M virt,pci-assign=none -device qxl");
        Path withSet = dir.resolve("set.json");
        Files.writeString(withSet, "{\"machine\": {\"type\": \"virt\", \"devices\": [{\"driver\": \"qxl\"}], \"set\": {\"mem.uc.round_trip\": \"100ns\"}}}");
        ReplayCliTest.Run refused = gvsim("import", "qemu-log", log.toString(), "-machine-file", withSet.toString(), "-o", dir.resolve("c.gvt.txt").toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("set.json", "machine record holds -M and -device only");
        assertThat(dir.resolve("c.gvt.txt")).doesNotExist();
    }
}
