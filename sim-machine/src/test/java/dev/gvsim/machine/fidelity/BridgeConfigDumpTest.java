package dev.gvsim.machine.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.pciefabric.PciFunction;

/**
 * Conformance of every bridge and port type QEMU 7.2 puts on the root bus against a full 4 KiB
 * configuration-space dump QEMU's own monitor took at reset (qemu-config-dumps/bridges-at-reset.txt:
 * the command line is in its header): every dword the same, capability lists, reset values and
 * read-only registers included. The switch's downstream port sits on the upstream port's bus, which
 * has no bus number at reset: its dump (qemu-config-dumps/downstream-port-at-reset.txt) was taken after
 * a minimal guest program gave the upstream port its bus numbers and did nothing else, and the model
 * gets the same single write before it is compared.
 */
class BridgeConfigDumpTest {
    static final String MACHINE = "-M virt,pci-assign=none -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0,addr=1 "
            + "-device pcie-pci-bridge,id=br1,bus=pcie.0,addr=2 -device pci-bridge,id=br2,bus=pcie.0,addr=3,chassis_nr=3 "
            + "-device pci-bridge,id=br3,bus=pcie.0,addr=4,chassis_nr=4,shpc=off -device x3130-upstream,id=up1,bus=pcie.0,addr=5";

    /** The dump's dwords of device {@code slot} on bus 0: offset to value. */
    static TreeMap<Integer, Long> qemu(int slot) throws Exception {
        return dump("/qemu-config-dumps/bridges-at-reset.txt", slot << 3);
    }

    /** The dwords of function {@code bdf} (bus << 8 | devfn) in the ECAM dump {@code resource}: offset to value. */
    static TreeMap<Integer, Long> dump(String resource, int bdf) throws Exception {
        TreeMap<Integer, Long> m = new TreeMap<>();
        long base = 0x40_1000_0000L + ((long) bdf << 12);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                BridgeConfigDumpTest.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] p = line.trim().split("[: ]+");
                long addr = Long.parseLong(p[0], 16);
                if (addr < base || addr >= base + 4096) {
                    continue;
                }
                for (int i = 1; i < p.length; i++) {
                    m.put((int) (addr - base) + 4 * (i - 1), Long.decode(p[i]));
                }
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pcie-root-port, 1", "pcie-pci-bridge, 2", "pci-bridge, 3", "pci-bridge shpc=off, 4", "x3130-upstream, 5"})
    void everyDwordAsQemuBuildsIt(String type, int slot) throws Exception {
        TreeMap<Integer, Long> want = qemu(slot);
        assertThat(want).as("dump of 00:%02x.0", slot).hasSize(1024);
        Machine m = MachineBuilder.build(MACHINE, List.of());
        PciFunction f = m.pci().find(slot << 3);
        assertThat(f).as("00:%02x.0", slot).isNotNull();
        List<String> diffs = new ArrayList<>();
        dev.gvsim.simcore.Access a = new dev.gvsim.simcore.Access();
        for (var e : want.entrySet()) {
            // through the host's configuration access, as the monitor's xp went through QEMU's ECAM region
            a.reset();
            a.kind = dev.gvsim.simcore.Access.READ;
            a.size = 4;
            m.configAccess(a, slot << 3, e.getKey());
            long got = a.data & 0xFFFF_FFFFL;
            if (got != e.getValue()) {
                diffs.add(String.format("0x%03x: QEMU 0x%08x, model 0x%08x", e.getKey(), e.getValue(), got));
            }
        }
        assertThat(diffs).as(type).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theSwitchsDownstreamPortEveryDwordAsQemuBuildsIt() throws Exception {
        TreeMap<Integer, Long> want = dump("/qemu-config-dumps/downstream-port-at-reset.txt", 2 << 8);
        assertThat(want).as("dump of 02:00.0").hasSize(1024);
        assertThat(dump("/qemu-config-dumps/downstream-port-at-reset.txt", 5 << 3)).containsEntry(0x18, 0x0002_0200L);
        Machine m = MachineBuilder.build("-M virt,pci-assign=none -device x3130-upstream,id=up1,bus=pcie.0,addr=5 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0", List.of());
        dev.gvsim.simcore.Access a = new dev.gvsim.simcore.Access();
        a.reset();
        a.kind = dev.gvsim.simcore.Access.WRITE;
        a.size = 4;
        a.data = 0x0002_0200L; // the one write the dump's guest program made: bus numbers 0 / 2 / 2 on the upstream port
        m.configAccess(a, 5 << 3, 0x18);
        List<String> diffs = new ArrayList<>();
        for (var e : want.entrySet()) {
            a.reset();
            a.kind = dev.gvsim.simcore.Access.READ;
            a.size = 4;
            m.configAccess(a, 2 << 8, e.getKey());
            long got = a.data & 0xFFFF_FFFFL;
            if (got != e.getValue()) {
                diffs.add(String.format("0x%03x: QEMU 0x%08x, model 0x%08x", e.getKey(), e.getValue(), got));
            }
        }
        assertThat(diffs).as("xio3130-downstream").isEmpty();
    }
}
