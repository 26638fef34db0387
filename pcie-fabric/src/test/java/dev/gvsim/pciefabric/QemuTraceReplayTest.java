package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.simcore.Access;

/**
 * Replays the guest's configuration writes of the reference QEMU runs (firmware and Linux) against
 * the same topology and compares every configuration read of the host bridge, the root ports and
 * the QXL-shaped function with the value QEMU returned. The trace has no access sizes: a write uses
 * its register's natural width (byte for Interrupt Line), and a read matches if the model returns
 * the traced value at one of the widths the offset allows.
 */
class QemuTraceReplayTest {
    private static final Pattern LINE = Pattern.compile("pci_cfg_(read|write) (\\S+) ([0-9a-f]{2}):([0-9a-f]{2})\\.([0-9a-f]) @0x([0-9a-f]+) (?:->|<-) 0x([0-9a-f]+)");
    private static final Set<String> MODELLED = Set.of("gpex-root", "pcie-root-port", "qxl");

    @ParameterizedTest
    @ValueSource(strings = {"qxl_root", "qxl_rp", "uefi_qxl_root", "uefi_vgpurp1_qxlrp2"})
    void configReadsMatchQemu(String run) throws IOException {
        PciHost h = TestDevices.host();
        switch (run) {
            case "qxl_rp" -> {
                h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
                h.add(new TestDevices.QxlLike(), "rp1", -1, 0);
            }
            case "uefi_vgpurp1_qxlrp2" -> {
                h.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", -1, 0);
                h.add(AllocatorTest.rootPort("rp2", 2, 1), "pcie.0", -1, 0);
                h.add(new TestDevices.VirtioGpuLike(), "rp1", -1, 0);
                h.add(new TestDevices.QxlLike(), "rp2", -1, 0);
            }
            default -> h.add(new TestDevices.QxlLike(), "pcie.0", -1, 0);
        }
        List<String> mismatches = new ArrayList<>();
        int reads = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(getClass().getResourceAsStream("/qemu-cfg/" + run + ".txt"),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher m = LINE.matcher(line);
                if (!m.find()) {
                    continue;
                }
                boolean read = m.group(1).equals("read");
                String dev = m.group(2);
                int bdf = Integer.parseInt(m.group(3), 16) << 8 | Integer.parseInt(m.group(4), 16) << 3 | Integer.parseInt(m.group(5), 16);
                int off = Integer.parseInt(m.group(6), 16);
                long val = Long.parseLong(m.group(7), 16);
                int natural = (off & 3) == 0 ? 4 : (off & 1) == 0 ? 2 : 1;
                if (!read) {
                    int size = off == PciFunction.INTERRUPT_LINE && val < 0x100 ? 1 : natural;
                    Access a = new Access().write(0, size, val);
                    h.configAccess(a, bdf, off);
                    continue;
                }
                if (!MODELLED.contains(dev)) {
                    continue;
                }
                reads++;
                boolean ok = false;
                StringBuilder got = new StringBuilder();
                for (int size = natural; size >= 1; size >>= 1) {
                    Access a = new Access().read(0, size);
                    h.configAccess(a, bdf, off);
                    ok |= a.data == val;
                    got.append(" ").append(size).append("B=0x").append(Long.toHexString(a.data));
                }
                if (!ok) {
                    mismatches.add(line + "   model:" + got);
                }
            }
        }
        assertThat(reads).isGreaterThan(50);
        assertThat(mismatches).isEmpty();
    }
}
