package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fidelity against QEMU: each bundled real QEMU log of a QXL topology, imported and replayed on the
 * same topology, gives back every value QEMU returned (config reads: IDs, class, BAR sizing masks,
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
        "uefi_qxl_root; -device qxl; 600; 893"})
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
     * The virtio-gpu traces, before virtio-gpu is modelled: every device gvsim models answers as QEMU
     * did; the only mismatches are the absent virtio-gpu function's config space and, behind a root
     * port, that port's Link Status (0x66: link down without a device, 0x2011 with one) and Slot Status
     * (0x6e: Presence Detect State).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "vgpu_root; ; 665; 00:01.0 config; none",
        "uefi_vgpurp1_qxlrp2; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device qxl,bus=rp2; 3322; 01:00.0 config; 0x4010008066|0x401000806e"})
    void virtioGpuTracesMismatchOnlyWhereTheUnmodelledDeviceIs(String log, String devices, long records, String absent, String linkStatus)
            throws Exception {
        JsonNode j = importAndReplay(log, devices == null ? "" : devices);
        assertThat(j.get("records").asLong()).isEqualTo(records);
        assertThat(j.get("faultCount").asLong()).isZero();
        assertThat(j.get("mismatchCount").asLong()).isPositive();
        for (JsonNode m : j.get("mismatches")) {
            assertThat(m.get("device").asText().equals(absent) || java.util.List.of(linkStatus.split("\\|")).contains(m.get("address").asText()))
                    .as(m.toString()).isTrue();
        }
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
}
