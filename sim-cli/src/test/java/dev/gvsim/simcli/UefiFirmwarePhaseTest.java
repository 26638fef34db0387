package dev.gvsim.simcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.importers.ImportOptions;
import dev.gvsim.guesttraces.importers.Importers;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;

/**
 * The firmware model against the recorded AAVMF 2022.11 boots, bit for bit: the configuration
 * writes of each recording's firmware phase (everything before the first pause of over half a second that
 * precedes the kernel), replayed onto an unassigned machine of the same topology, leave the same
 * Command, BARs, ROM BAR, bus numbers, bridge windows and Bridge Control in every function as the
 * model does (the machine's edk2 allocator, which follows PciBusDxe's resource rules, then the
 * firmware model's drivers: Virtio10Dxe, the GOP).
 */
class UefiFirmwarePhaseTest {
    static final String LOGS = "/dev/gvsim/guesttraces/traces/qemu-log/";
    /**
     * The pause (simulated picoseconds, the imported log's own timestamps) that ends the firmware phase: in
     * uefi_vgpurp1_qxlrp2, the shortest case, AAVMF's config writes are never 0.2 s apart and the kernel's first
     * comes 0.9 s after its last (QxlUefiBehindBridgeScenario uses the same 0.5 s); a wrong cut shows as a state
     * that is the kernel's, which the model does not produce.
     */
    static final long FIRMWARE_END_PAUSE_PS = 500_000_000_000L;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "uefi_qxl_root; -device qxl",
        "uefi_vgpurp1_qxlrp2; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 "
                + "-device virtio-gpu-pci,bus=rp1 -device qxl,bus=rp2",
        "uefi_vgpu_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device virtio-gpu-pci,bus=rp1",
        // SHPC bridges are hot-plug buses for PciBusDxe (IsSHPC): 2 MiB padding for a 4 KiB BAR; empty I/O 0x200 at 0
        "uefi_vgpu_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device virtio-gpu-pci,bus=br1,addr=1",
        // InitializePpb closes the empty prefetchable windows; DetermineDeviceAttribute sets br1's Fast Back-to-Back Enable
        "uefi_qxl_pcibr_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device pci-bridge,id=br2,bus=br1,addr=1,chassis_nr=3 "
                + "-device qxl,bus=br2,addr=1",
        "uefi_vgpu_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device virtio-gpu-pci,bus=dn1",
        // two display functions on one bus: virtio-gpu bound (0x0006), the secondary qxl left with decode off
        "uefi_vgpu_qxl_root; -device virtio-gpu-pci -device qxl",
        // 16 hot-plug root ports: 16 x 4 KiB of padded I/O fill AAVMF's 64 KiB I/O aperture from port 0 exactly
        "uefi_vgpu_16rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=2 -device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,slot=3 -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,slot=4 -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,slot=5 -device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,slot=6 -device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,slot=7 -device pcie-root-port,id=rp9,bus=pcie.0,chassis=9,slot=8 -device pcie-root-port,id=rp10,bus=pcie.0,chassis=10,slot=9 -device pcie-root-port,id=rp11,bus=pcie.0,chassis=11,slot=10 -device pcie-root-port,id=rp12,bus=pcie.0,chassis=12,slot=11 -device pcie-root-port,id=rp13,bus=pcie.0,chassis=13,slot=12 -device pcie-root-port,id=rp14,bus=pcie.0,chassis=14,slot=13 -device pcie-root-port,id=rp15,bus=pcie.0,chassis=15,slot=14 -device pcie-root-port,id=rp16,bus=pcie.0,chassis=16,slot=15 -device virtio-gpu-pci,bus=rp1",
        // an xio3130-downstream directly on a root port: PciBusDxe (unlike Linux) takes its PCIe type as it reads
        "uefi_vgpu_dnrp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device xio3130-downstream,id=dn1,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=dn1 -device virtio-gpu-pci,bus=br1,addr=1",
        "uefi_vgpu_dnrp_realloc; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device xio3130-downstream,id=dn1,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=dn1 -device virtio-gpu-pci,bus=br1,addr=1",
        // a pcie-root-port on a root port's bus (booted with pci=realloc)
        "uefi_vgpu_rprp_realloc; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=rp2 -device virtio-gpu-pci,bus=br1,addr=1"})
    void firmwareModelLeavesThePciStateTheRecordedFirmwareLeft(String log, String devices) throws Exception {
        Machine real = MachineBuilder.build("-M virt,pci-assign=none " + devices, List.of());
        String unassigned = state(real);
        Access a = new Access();
        List<long[]> writes = firmwareWrites(log, devices);
        assertThat(writes).hasSizeGreaterThan(50);
        for (long[] w : writes) {
            a.reset();
            a.kind = Access.WRITE;
            a.size = (int) w[3];
            a.data = w[4];
            real.configAccess(a, (int) w[1], (int) w[2]);
        }
        String recorded = state(real);
        assertThat(recorded).as("the firmware assigned something").isNotEqualTo(unassigned);
        Machine model = QxlUefiBehindBridgeScenario.boot(devices, Set.of(), null).machine;
        assertThat(state(model)).isEqualTo(recorded);
    }

    /** The configuration writes before the kernel's: the first pause of over half a second between two of them ends the firmware. */
    List<long[]> firmwareWrites(String log, String devices) throws Exception {
        Path gvt = dir.resolve(log + ".gvt");
        var w = TraceFiles.create(gvt, true);
        ImportOptions o = new ImportOptions().machine("-M virt,pci-assign=none");
        String[] d = devices.trim().split(" ");
        for (int i = 1; i < d.length; i += 2) {
            o.device(d[i]);
        }
        try (InputStream in = getClass().getResourceAsStream(LOGS + log + ".trace.xz")) {
            Importers.importStream("qemu-log", in, log, w, o);
        }
        w.close();
        List<long[]> writes = new ArrayList<>();
        try (TraceReader r = TraceFiles.open(gvt)) {
            TraceRecord rec = new TraceRecord();
            while (r.next(rec)) {
                if (rec.op == Op.CFGWR) {
                    writes.add(new long[] {rec.t, rec.bdf, rec.off, rec.size, rec.val});
                }
            }
        }
        for (int i = 1; i < writes.size(); i++) {
            if (writes.get(i)[0] - writes.get(i - 1)[0] > FIRMWARE_END_PAUSE_PS) {
                return writes.subList(0, i);
            }
        }
        throw new AssertionError("no pause between firmware and kernel in " + log);
    }

    /** Per function, by its id: Command, BARs, ROM BAR and, for bridges, bus numbers, windows and Bridge Control. */
    static String state(Machine m) {
        StringBuilder sb = new StringBuilder();
        for (PciFunction f : m.pci().functions()) {
            sb.append(f.id()).append(String.format(" cmd=%04x", f.configRead(PciFunction.COMMAND, 2)));
            int bars = f.isBridge() ? 2 : 6;
            for (int i = 0; i < bars; i++) {
                sb.append(String.format(" bar%d=%08x", i, f.configRead(PciFunction.BAR0 + 4 * i, 4)));
            }
            sb.append(String.format(" rom=%08x", f.configRead(f.romOffset(), 4)));
            if (f.isBridge()) {
                sb.append(String.format(" bus=%06x io=%04x/%08x mem=%08x pref=%08x/%08x/%08x ctl=%04x", f.configRead(0x18, 4) & 0xFFFFFF,
                        f.configRead(0x1C, 2), f.configRead(0x30, 4), f.configRead(0x20, 4), f.configRead(0x24, 4), f.configRead(0x28, 4),
                        f.configRead(0x2C, 4), f.configRead(0x3E, 2)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
