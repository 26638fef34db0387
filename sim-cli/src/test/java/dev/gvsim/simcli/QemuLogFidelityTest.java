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
        "qxl_root; -device qxl; 100",
        "qxl_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device qxl,bus=rp1; 300",
        "uefi_qxl_root; -device qxl; 600"})
    void importedLogReplaysWithEveryValueQemuReturned(String log, String devices, int minReads) throws Exception {
        Path in = dir.resolve(log + ".trace.xz");
        try (InputStream s = getClass().getResourceAsStream(LOGS + log + ".trace.xz")) {
            Files.copy(s, in);
        }
        Path out = dir.resolve(log + ".gvt");
        String[] dev = devices.trim().split(" ");
        String[] args = new String[4 + dev.length];
        args[0] = "import";
        args[1] = "qemu-log";
        args[2] = in.toString();
        System.arraycopy(dev, 0, args, 3, dev.length);
        args[args.length - 1] = "-o" + out;
        ReplayCliTest.Run imp = gvsim(args);
        assertThat(imp.code()).as(imp.err()).isZero();

        ReplayCliTest.Run r = gvsim("replay", "--json", out.toString());
        assertThat(r.code()).as(r.out()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("machine").asText()).contains("pci-assign=none");
        assertThat(j.get("mismatchCount").asLong()).isZero();
        assertThat(j.get("faultCount").asLong()).isZero();

        ReplayCliTest.Run info = gvsim("trace", "info", out.toString());
        long cfgrd = Long.parseLong(info.out().replaceAll("(?s).*cfgrd: (\\d+).*", "$1"));
        assertThat(cfgrd).as("config reads compared").isGreaterThanOrEqualTo(minReads);
    }
}
