package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.importers.ImportOptions;
import dev.gvsim.guesttraces.importers.Importers;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;

/**
 * The edk2 and linux policies against the real UEFI run {@code uefi_qxl_root} (AAVMF 2022.11, then
 * Linux 6.1): the BAR addresses and command register the firmware wrote (from the QEMU log) and the
 * addresses Linux reassigned afterwards (from the guest console).
 */
class UefiCrossCheckTest {
    static final String LOG = "/dev/gvsim/guesttraces/traces/qemu-log/uefi_qxl_root.trace.xz";
    static final String CONSOLE = "/dev/gvsim/guesttraces/traces/qemu-log/uefi_qxl_root.console";

    /** The config writes of the firmware phase of the real run (everything before the kernel's first config write). */
    static List<long[]> firmwareWrites() throws Exception {
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile("uefi", ".gvt");
        try {
            var w = TraceFiles.create(tmp, true);
            try (InputStream in = UefiCrossCheckTest.class.getResourceAsStream(LOG)) {
                Importers.importStream("qemu-log", in, "uefi_qxl_root", w, new ImportOptions().machine("-M virt,pci-assign=none").device("qxl"));
            }
            w.close();
            List<long[]> writes = new ArrayList<>();
            try (TraceReader r = TraceFiles.open(tmp)) {
                TraceRecord rec = new TraceRecord();
                while (r.next(rec)) {
                    if (rec.op == Op.CFGWR) {
                        writes.add(new long[] {rec.t, rec.bdf, rec.off, rec.size, rec.val});
                    }
                }
            }
            // the firmware finished over a second of simulated time before the kernel's first config access
            for (int i = 1; i < writes.size(); i++) {
                if (writes.get(i)[0] - writes.get(i - 1)[0] > 1_000_000_000_000L) {
                    return writes.subList(0, i);
                }
            }
            throw new AssertionError("no gap between firmware and kernel found");
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    static Map<String, Long> qxlState(PciFunction q) {
        Map<String, Long> m = new TreeMap<>();
        for (int off : new int[] {0x04, 0x10, 0x14, 0x18, 0x1c, 0x30}) {
            m.put(String.format("0x%02x", off), q.configRead(off, off == 0x04 ? 2 : 4));
        }
        return m;
    }

    /**
     * Command register, BARs and ROM BAR as the real firmware left them: the real firmware's last
     * Command write before the kernel is 0x0000 (no driver kept the secondary qxl); the edk2 policy
     * enables decode only on bridges and the stock GOP does not bind a secondary qxl.
     */
    @Test
    void edk2PolicyAndFirmwareModelLeaveTheQxlAsTheRealFirmwareDid() throws Exception {
        // the real firmware's writes, replayed onto an unassigned machine of the same topology
        Machine real = MachineBuilder.build("-M virt,pci-assign=none -device qxl", List.of());
        dev.gvsim.simcore.Access a = new dev.gvsim.simcore.Access();
        List<long[]> writes = firmwareWrites();
        assertThat(writes).hasSizeGreaterThan(50);
        for (long[] w : writes) {
            a.reset();
            a.kind = dev.gvsim.simcore.Access.WRITE;
            a.size = (int) w[3];
            a.data = w[4];
            real.configAccess(a, (int) w[1], (int) w[2]);
        }
        // the model: the edk2 policy, then the firmware model (stock GOP: no driver binds a secondary qxl)
        var model = dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario.boot("-device qxl", java.util.Set.of(), null);
        assertThat(model.outcome.consoleUp).isFalse();
        assertThat(qxlState(model.machine.device("qxl"))).isEqualTo(qxlState(real.device("qxl")));
        assertThat(qxlState(real.device("qxl"))).containsEntry("0x10", 0x1400_0000L).containsEntry("0x14", 0x1000_0000L);
        assertThat(real.device("qxl").configRead(PciFunction.COMMAND, 2)).as("real firmware's Command at handoff").isZero();
    }

    @Test
    void linuxReassignmentAfterTheFirmwareMatchesTheConsole() throws Exception {
        List<String> console = new ArrayList<>();
        Pattern p = Pattern.compile("(pci 0000:[0-9a-f:.]+: BAR \\d \\[(?:mem|io) +0x[0-9a-f]+-0x[0-9a-f]+\\]): assigned");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(getClass().getResourceAsStream(CONSOLE), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                Matcher mt = p.matcher(line);
                if (mt.find()) {
                    console.add(mt.group(1).replaceAll(" +", " "));
                }
            }
        }
        assertThat(console).hasSize(4);
        ReplayCliTest.Run t = gvsim("lspci", "--firmware", "linux", "-device", "qxl");
        List<String> model = new ArrayList<>();
        for (String line : t.out().split("\n")) {
            Matcher mt = p.matcher(line);
            if (mt.find()) {
                model.add(mt.group(1).replaceAll(" +", " "));
            }
        }
        assertThat(model).containsExactlyElementsOf(console);
    }

    @Test
    void bootCommandReportsTheFailingAccessAndTheFixBoots() throws Exception {
        String[] topo = {"-device", "pcie-root-port,id=rp1,chassis=1,slot=0", "-device", "pcie-root-port,id=rp2,chassis=2,slot=1",
            "-device", "qxl-vga,bus=rp1"};
        List<String> a = new ArrayList<>(List.of("boot", "--json"));
        a.addAll(List.of(topo));
        ReplayCliTest.Run fail = gvsim(a.toArray(String[]::new));
        assertThat(fail.code()).as(fail.err()).isEqualTo(1);
        assertThat(fail.json().get("outcome").get("failed_port").asText()).isEqualTo("0x1d0");
        assertThat(fail.json().get("outcome").get("failed_value").asText()).isEqualTo("0xffff");
        a.addAll(List.of("--fix", "edk2-vga-io-window"));
        ReplayCliTest.Run ok = gvsim(a.toArray(String[]::new));
        assertThat(ok.code()).as(ok.out()).isZero();
        assertThat(ok.json().get("outcome").get("console_up").asBoolean()).isTrue();
        assertThat(gvsim("boot", "--fix", "no-such-fix", "-device", "qxl-vga").code()).isEqualTo(2);
    }
}
