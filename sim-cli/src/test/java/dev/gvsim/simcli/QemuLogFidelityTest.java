package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fidelity against QEMU: each bundled real QEMU log (QXL and virtio-gpu topologies), imported and
 * replayed on the same topology, gives back every value QEMU returned (config reads: IDs, class, BAR sizing masks,
 * capabilities, bridge windows; non-existent functions as all ones; device reads).
 */
class QemuLogFidelityTest {
    static final String LOGS = "/dev/gvsim/guesttraces/traces/qemu-log/";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "qxl_root; -device qxl; 100; 196",
        "qxl_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device qxl,bus=rp1; 300; 521",
        "uefi_qxl_root; -device qxl; 600; 893",
        // QXL behind a pci-bridge behind a pcie-pci-bridge: both conventional bridges' SHPC registers as QEMU 7.2 returned them
        "qxl_pcibr_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device pci-bridge,id=br2,bus=br1,addr=1,chassis_nr=3 "
                + "-device qxl,bus=br2,addr=1; 300; 1368",
        // the same under AAVMF 2022.11, then Linux (recorded 2026-12-05)
        "uefi_qxl_pcibr_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device pci-bridge,id=br2,bus=br1,addr=1,chassis_nr=3 "
                + "-device qxl,bus=br2,addr=1; 500; 2967"})
    void importedLogReplaysWithEveryValueQemuReturned(String log, String devices, int minReads, long records) throws Exception {
        JsonNode j = importAndReplay(log, devices);
        assertThat(j.get("records").asLong()).isEqualTo(records);
        assertThat(j.get("mismatchCount").asLong()).isZero();
        assertThat(j.get("faultCount").asLong()).isZero();
        ReplayCliTest.Run info = gvsim("trace", "info", dir.resolve(log + ".gvt").toString());
        long cfgrd = Long.parseLong(info.out().replaceAll("(?s).*cfgrd: (\\d+).*", "$1"));
        assertThat(cfgrd).as("config reads compared").isGreaterThanOrEqualTo(minReads);
    }

    /**
     * The virtio-gpu traces (Linux 6.1 and AAVMF against QEMU 7.2's virtio-gpu-pci), with the
     * virtio-gpu-pci function modelled: every config read of it (identity, BAR sizing, the virtio vendor
     * capabilities, MSI-X, on the root port the PCIe and PM capabilities) and every virtio-pci register
     * read (common config, device config) gives back QEMU's value; behind rp1 the port's Link and Slot
     * Status now read as QEMU's do with a device present.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "vgpu_root; -device virtio-gpu-pci; 200; 665; 00:01.0",
        "uefi_vgpurp1_qxlrp2; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 "
                + "-device virtio-gpu-pci,bus=rp1 -device qxl,bus=rp2; 1000; 3322; 01:00.0",
        // recorded 2026-12-04 (Linux 6.1.0-57, QEMU 7.2.22; qemu-log/README.md): fbpartial workload, direct boot behind a
        // root port, two outputs at 800x600, two outputs without EDID, AAVMF's VirtioGpuDxe then Linux behind a root port
        "vgpu_fbpartial; -device virtio-gpu-pci; 200; 2226; 00:01.0",
        "vgpu_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device virtio-gpu-pci,bus=rp1; 500; 1034; 01:00.0",
        "vgpu_2out; -device virtio-gpu-pci,max_outputs=2,xres=800,yres=600; 200; 660; 00:01.0",
        "vgpu_2out_noedid; -device virtio-gpu-pci,max_outputs=2,edid=off; 200; 682; 00:01.0",
        "uefi_vgpu_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device virtio-gpu-pci,bus=rp1; 1000; 2710; 01:00.0",
        // a PCIe switch (root port, x3130-upstream, xio3130-downstream): every register of both switch ports as QEMU 7.2 read them
        "vgpu_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device virtio-gpu-pci,bus=dn1; 1000; 3199; 03:00.0",
        // behind a pcie-pci-bridge (its SHPC: the device at addr 1, slot 0 being reserved)
        "vgpu_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device virtio-gpu-pci,bus=br1,addr=1; 500; 1335; 01:01.0",
        // recorded 2026-12-05 (Linux 6.1.0-57, QEMU 7.2.22, AAVMF 2022.11): AAVMF then Linux behind each bridge type gvsim models,
        // and two display functions behind one switch (direct) and on one bus (AAVMF); the virtio-gpu is the driven one
        "uefi_vgpu_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device virtio-gpu-pci,bus=br1,addr=1; 500; 2977; 01:01.0",
        "uefi_vgpu_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device virtio-gpu-pci,bus=dn1; 1000; 4178; 03:00.0",
        "vgpu_qxl_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=0 "
                + "-device virtio-gpu-pci,bus=dn1 -device qxl,bus=dn2; 800; 2137; 03:00.0",
        "uefi_vgpu_qxl_root; -device virtio-gpu-pci -device qxl; 500; 2192; 00:01.0",
        // recorded 2026-12-05: 16 hot-plug root ports under AAVMF, then Linux, whose first I/O try fails (issue 23)
        "uefi_vgpu_16rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=2 -device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,slot=3 -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,slot=4 -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,slot=5 -device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,slot=6 -device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,slot=7 -device pcie-root-port,id=rp9,bus=pcie.0,chassis=9,slot=8 -device pcie-root-port,id=rp10,bus=pcie.0,chassis=10,slot=9 -device pcie-root-port,id=rp11,bus=pcie.0,chassis=11,slot=10 -device pcie-root-port,id=rp12,bus=pcie.0,chassis=12,slot=11 -device pcie-root-port,id=rp13,bus=pcie.0,chassis=13,slot=12 -device pcie-root-port,id=rp14,bus=pcie.0,chassis=14,slot=13 -device pcie-root-port,id=rp15,bus=pcie.0,chassis=15,slot=14 -device pcie-root-port,id=rp16,bus=pcie.0,chassis=16,slot=15 -device virtio-gpu-pci,bus=rp1; 5000; 14933; 01:00.0",
        // an xio3130-downstream on a root port, a pcie-pci-bridge below it (AAVMF, then Linux; the second booted with pci=realloc)
        "uefi_vgpu_dnrp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device xio3130-downstream,id=dn1,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=dn1 -device virtio-gpu-pci,bus=br1,addr=1; 1500; 4483; 03:01.0",
        "uefi_vgpu_dnrp_realloc; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device xio3130-downstream,id=dn1,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=dn1 -device virtio-gpu-pci,bus=br1,addr=1; 1500; 4436; 03:01.0",
        // a pcie-root-port on rp1's bus, a pcie-pci-bridge below it (AAVMF, then Linux with pci=realloc)
        "uefi_vgpu_rprp_realloc; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=rp2 -device virtio-gpu-pci,bus=br1,addr=1; 1500; 4555; 03:01.0",
        // the 16 root ports again, Linux booted with pci=realloc (two passes)
        "uefi_vgpu_16rp_realloc; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=2 -device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,slot=3 -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,slot=4 -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,slot=5 -device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,slot=6 -device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,slot=7 -device pcie-root-port,id=rp9,bus=pcie.0,chassis=9,slot=8 -device pcie-root-port,id=rp10,bus=pcie.0,chassis=10,slot=9 -device pcie-root-port,id=rp11,bus=pcie.0,chassis=11,slot=10 -device pcie-root-port,id=rp12,bus=pcie.0,chassis=12,slot=11 -device pcie-root-port,id=rp13,bus=pcie.0,chassis=13,slot=12 -device pcie-root-port,id=rp14,bus=pcie.0,chassis=14,slot=13 -device pcie-root-port,id=rp15,bus=pcie.0,chassis=15,slot=14 -device pcie-root-port,id=rp16,bus=pcie.0,chassis=16,slot=15 -device virtio-gpu-pci,bus=rp1; 5000; 15116; 01:00.0",
        // an e1000 gvsim does not model in rp1's slot, placed as such: rp1's slot and link read as QEMU's, its own reads not compared
        "vgpu_e1000; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device unmodelled,of=e1000,bus=rp1 "
                + "-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device virtio-gpu-pci,bus=rp2; 800; 1437; 02:00.0"})
    void virtioGpuTracesReplayWithEveryValueQemuReturned(String log, String devices, int minReads, long records, String bdf) throws Exception {
        JsonNode j = importAndReplay(log, devices);
        if (records > 0) {
            assertThat(j.get("records").asLong()).isEqualTo(records);
        }
        assertThat(j.get("faultCount").asLong()).isZero();
        assertThat(j.get("mismatchCount").asLong()).as(j.get("mismatches").toString()).isZero();
        if (devices.contains("unmodelled")) {
            assertThat(j.get("notModelledReads").asLong()).as("the e1000's config reads, reported, not compared").isPositive();
            assertThat(j.get("notModelledPerDevice").toString()).contains("config");
        }
        ReplayCliTest.Run info = gvsim("trace", "info", dir.resolve(log + ".gvt").toString());
        long cfgrd = Long.parseLong(info.out().replaceAll("(?s).*cfgrd: (\\d+).*", "$1"));
        assertThat(cfgrd).as("config reads compared").isGreaterThanOrEqualTo(minReads);
        JsonNode f = null;
        for (var it = j.get("devices").get("pci").get("functions").fields(); it.hasNext();) {
            var e = it.next();
            if (e.getKey().startsWith(bdf + " ")) {
                f = e.getValue();
            }
        }
        assertThat(f).as("the virtio-gpu function at " + bdf).isNotNull();
        assertThat(f.get("type").asText()).isEqualTo("virtio-gpu-pci");
        assertThat(f.get("config_reads").asLong()).isPositive();
        assertThat(f.get("mem_accesses").asLong()).as("virtio-pci register accesses replayed").isPositive();
        JsonNode dev = j.get("devices").get("virtio-gpu-pci0");
        assertThat(dev.get("notifies").get(0).asLong()).as("controlq notifications").isPositive();
    }

    /**
     * How a replay treats the guest RAM an imported QEMU log does not have: the log's virtio_gpu_cmd_*
     * lines say which commands QEMU ran (75 in vgpu_root) and arrive as marks, the driver's register
     * accesses replay (queues set up at their real addresses, controlq notified), but nothing wrote the
     * rings into the replay's guest RAM, so every queue pass finds avail.idx 0: 0 chains, 0 commands.
     * Import and replay both say so.
     */
    @Test
    void importedVirtioGpuCommandsAreMarksAndTheReplayProcessesNone() throws Exception {
        Path in = dir.resolve("vgpu_root.trace.xz");
        try (InputStream s = getClass().getResourceAsStream(LOGS + "vgpu_root.trace.xz")) {
            Files.copy(s, in);
        }
        Path out = dir.resolve("vgpu_root.gvt");
        ReplayCliTest.Run imp = gvsim("import", "qemu-log", in.toString(), "-device", "virtio-gpu-pci", "-o" + out);
        assertThat(imp.code()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("virtio-gpu commands in the log: 75 (get_display_info 1, get_edid 1, res_back_attach 1, "
                + "res_create_2d 1, res_flush 34, res_xfer_toh_2d 34, set_scanout 3)")
                .contains("no guest RAM");

        ReplayCliTest.Run r = gvsim("replay", "--json", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        long cmdMarks = 0;
        for (JsonNode m : j.get("marks")) {
            cmdMarks += m.get("name").asText().startsWith("virtio_gpu_cmd_") ? 1 : 0;
        }
        assertThat(cmdMarks).isEqualTo(75);
        JsonNode dev = j.get("devices").get("virtio-gpu-pci0");
        assertThat(dev.get("notifies").get(0).asLong()).as("controlq notifications replayed").isPositive();
        assertThat(dev.get("chains").get(0).asLong()).as("controlq chains: the rings are in guest RAM, which the log lacks").isZero();
        assertThat(dev.get("chains").get(1).asLong()).isZero();
        assertThat(dev.get("commands").size()).isZero();
        assertThat(dev.get("queue_error_count").asLong()).as("an empty ring is not an error").isZero();

        ReplayCliTest.Run text = gvsim("replay", out.toString());
        assertThat(text.out()).contains("virtio-gpu 75 commands in the trace's virtio_gpu_cmd_* marks")
                .contains("virtio-gpu-pci0 controlq/cursorq [0, 0]").contains("the rings read as empty");
    }

    JsonNode importAndReplay(String log, String devices) throws Exception {
        Path in = dir.resolve(log + ".trace.xz");
        try (InputStream s = getClass().getResourceAsStream(LOGS + log + ".trace.xz")) {
            Files.copy(s, in);
        }
        Path out = dir.resolve(log + ".gvt");
        String[] dev = devices.isBlank() ? new String[0] : devices.trim().split(" ");
        String[] args = new String[4 + dev.length];
        args[0] = "import";
        args[1] = "qemu-log";
        args[2] = in.toString();
        System.arraycopy(dev, 0, args, 3, dev.length);
        args[args.length - 1] = "-o" + out;
        ReplayCliTest.Run imp = gvsim(args);
        assertThat(imp.code()).as(imp.err()).isZero();

        ReplayCliTest.Run r = gvsim("replay", "--json", "--max-listed", "100000", out.toString());
        assertThat(r.code()).as(r.err()).isIn(0, 1);
        JsonNode j = r.json();
        assertThat(j.get("machine").asText()).contains("pci-assign=none");
        return j;
    }

    /**
     * Import validates the machine as replay does: a device gvsim does not model is one clear error naming the option and how to
     * place it, not a trace whose replay refuses record 2; and {@code -M virt}, what the user typed to QEMU, imports the same
     * trace as no {@code -M} (gvsim's own pci-assign property defaulted from what a QEMU log is).
     */
    @Test
    void importValidatesTheMachineAndTakesQemusOwnMachineOption() throws Exception {
        Path in = dir.resolve("vgpu_e1000.trace.xz");
        try (InputStream s = getClass().getResourceAsStream(LOGS + "vgpu_e1000.trace.xz")) {
            Files.copy(s, in);
        }
        String[] topo = {"-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0", "-device", "e1000,bus=rp1", "-device",
            "pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1", "-device", "virtio-gpu-pci,bus=rp2"};
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("import", "qemu-log", in.toString()));
        args.addAll(java.util.List.of(topo));
        args.add("-o" + dir.resolve("bad.gvt"));
        ReplayCliTest.Run bad = gvsim(args.toArray(new String[0]));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("-device e1000,bus=rp1: unknown device 'e1000'", "-device unmodelled,of=e1000,bus=rp1");
        assertThat(dir.resolve("bad.gvt")).doesNotExist();

        topo[3] = "unmodelled,of=e1000,bus=rp1";
        Path plain = dir.resolve("plain.gvt.txt");
        Path withM = dir.resolve("withM.gvt.txt");
        java.util.List<String> a1 = new java.util.ArrayList<>(java.util.List.of("import", "qemu-log", in.toString()));
        a1.addAll(java.util.List.of(topo));
        a1.add("-o" + plain);
        assertThat(gvsim(a1.toArray(new String[0])).code()).isZero();
        java.util.List<String> a2 = new java.util.ArrayList<>(java.util.List.of("import", "qemu-log", in.toString(), "-M", "virt"));
        a2.addAll(java.util.List.of(topo));
        a2.add("-o" + withM);
        ReplayCliTest.Run m = gvsim(a2.toArray(new String[0]));
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(Files.readString(withM)).isEqualTo(Files.readString(plain));
        assertThat(Files.readString(plain)).contains("-M virt,pci-assign=none");
    }
}
