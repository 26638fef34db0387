package dev.gvsim.simcli;

import static dev.gvsim.simcli.ReplayCliTest.gvsim;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code gvsim lspci --firmware linux} against what the recorded Linux 6.1 guest printed while it
 * assigned resources (the console's {@code pci 0000:…: BAR n […]: assigned} and {@code bridge window
 * […]: assigned} lines, in order), one case per bundled direct-boot recording. {@code vgpu_sw} (a PCIe
 * switch below a root port) checks the nesting: 6.1's pci_host_probe sizes with pci_bus_size_bridges
 * (no realloc list), so each hot-plug bridge's window is max(children, 2 MiB), not children plus
 * optional sizes (LinuxAllocator).
 */
class LspciAgainstConsoleTest {
    static final Pattern ASSIGNED = Pattern.compile("(pci 0000:[0-9a-f:.]+: (?:BAR \\d+|bridge window) \\[[^\\]]*\\]): assigned");

    /** setup-res.c pci_assign_resource's failure lines: "can't assign; no space", then "failed to assign". */
    static final Pattern FAILED = Pattern.compile("(pci 0000:[0-9a-f:.]+: (?:BAR \\d+|bridge window) \\[[^\\]]*\\]): (can't assign; no space|failed to assign)");

    static List<String> assigned(Iterable<String> lines) {
        return matching(ASSIGNED, lines);
    }

    static List<String> matching(Pattern p, Iterable<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                out.add(m.group().replaceAll(" +", " "));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "qxl_root; -device qxl; 4",
        "qxl_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device qxl,bus=rp1; 8",
        "vgpu_root; -device virtio-gpu-pci; 2",
        "vgpu_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device virtio-gpu-pci,bus=rp1; 6",
        "vgpu_2out; -device virtio-gpu-pci,max_outputs=2,xres=800,yres=600; 2",
        "vgpu_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device virtio-gpu-pci,bus=dn1; 12",
        "vgpu_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device virtio-gpu-pci,bus=br1,addr=1; 5",
        // two display functions behind one switch (two downstream ports): the root port's I/O is max(0, 256 B) + 8 KiB, 12 KiB
        "vgpu_qxl_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=0 "
                + "-device virtio-gpu-pci,bus=dn1 -device qxl,bus=dn2; 19",
        "qxl_pcibr_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device pci-bridge,id=br2,bus=br1,addr=1,chassis_nr=3 "
                + "-device qxl,bus=br2,addr=1; 10"})
    void linuxAssignsWhatTheRecordedGuestAssigned(String recording, String devices, int lines) throws Exception {
        check("linux", recording, devices, lines);
    }

    /**
     * The AAVMF recordings: after the firmware, Linux 6.1 (ACPI) reassigns everything through
     * pci_assign_unassigned_root_bus_resources, whose realloc list makes the hot-plug sizes optional
     * add sizes ({@code --firmware linux-acpi}): behind the switch the root port gets 3 MiB, not the
     * device-tree path's 2 MiB.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "uefi_vgpu_rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device virtio-gpu-pci,bus=rp1; 6",
        "uefi_vgpurp1_qxlrp2; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 "
                + "-device virtio-gpu-pci,bus=rp1 -device qxl,bus=rp2; 14",
        "uefi_vgpu_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device virtio-gpu-pci,bus=br1,addr=1; 5",
        "uefi_qxl_pcibr_pcibr; -device pcie-pci-bridge,id=br1,bus=pcie.0 -device pci-bridge,id=br2,bus=br1,addr=1,chassis_nr=3 "
                + "-device qxl,bus=br2,addr=1; 10",
        "uefi_vgpu_sw; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device x3130-upstream,id=up1,bus=rp1 "
                + "-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0 -device virtio-gpu-pci,bus=dn1; 12",
        "uefi_qxl_root; -device qxl; 4",
        "uefi_vgpu_qxl_root; -device virtio-gpu-pci -device qxl; 6",
        // 16 hot-plug root ports: the first try with add sizes runs out of I/O at the 16th port; __assign_resources_sorted releases
        // every I/O window and adds them back in realloc-list order (the 16th port first), so the 1st port ends without I/O
        "uefi_vgpu_16rp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=2 -device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,slot=3 -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,slot=4 -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,slot=5 -device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,slot=6 -device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,slot=7 -device pcie-root-port,id=rp9,bus=pcie.0,chassis=9,slot=8 -device pcie-root-port,id=rp10,bus=pcie.0,chassis=10,slot=9 -device pcie-root-port,id=rp11,bus=pcie.0,chassis=11,slot=10 -device pcie-root-port,id=rp12,bus=pcie.0,chassis=12,slot=11 -device pcie-root-port,id=rp13,bus=pcie.0,chassis=13,slot=12 -device pcie-root-port,id=rp14,bus=pcie.0,chassis=14,slot=13 -device pcie-root-port,id=rp15,bus=pcie.0,chassis=15,slot=14 -device pcie-root-port,id=rp16,bus=pcie.0,chassis=16,slot=15 -device virtio-gpu-pci,bus=rp1; 80",
        // an xio3130-downstream on a root port's bus: Linux's set_pcie_port_type takes it for an upstream port, so it is not a
        // hot-plug bridge (1 MiB windows); booted once as recorded and once with pci=realloc (a first pass without the realloc list,
        // then pci_root_bus_distribute_available_resources, which has no hot-plug bridge below a bridge to give space to here)
        "uefi_vgpu_dnrp; -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device xio3130-downstream,id=dn1,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=dn1 -device virtio-gpu-pci,bus=br1,addr=1; 11",
        "uefi_vgpu_dnrp_realloc; --set pci.linux_realloc=on -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device xio3130-downstream,id=dn1,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=dn1 -device virtio-gpu-pci,bus=br1,addr=1; 11",
        // a pcie-root-port on rp1's bus is a hot-plug bridge below a bridge: with pci=realloc the first pass sizes it 2 MiB
        // (minimum sizes) and pci_bus_distribute_available_resources gives the 1 MiB its pcie-pci-bridge does not need to that
        // bridge's prefetchable window (2 MiB instead of 1 MiB; see distributionWidensTheBridgeBelowAHotPlugPort)
        "uefi_vgpu_rprp_realloc; --set pci.linux_realloc=on -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=rp2 -device virtio-gpu-pci,bus=br1,addr=1; 13"})
    void linuxAfterUefiAssignsWhatTheRecordedGuestAssigned(String recording, String devices, int lines) throws Exception {
        check("linux-acpi", recording, devices, lines);
    }

    /**
     * Linux 6.1.192's distribution pass (setup-bus.c pci_root_bus_distribute_available_resources, ACPI path only) on the
     * recorded uefi_vgpu_rprp_realloc topology: with pci=realloc it widens the pcie-pci-bridge's prefetchable window below the
     * hot-plug root port rp2 to rp2's 2 MiB (recorded); without pci=realloc (one pass with the realloc list, no slack) and on the
     * device-tree path (the same minimum sizes, no distribution) the window stays at the 1 MiB its device needs.
     */
    @org.junit.jupiter.api.Test
    void distributionWidensTheBridgeBelowAHotPlugPort() {
        String devices = "-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=rp1,chassis=2,slot=0 -device pcie-pci-bridge,id=br1,bus=rp2 -device virtio-gpu-pci,bus=br1,addr=1";
        String window = "pci 0000:02:00.0: bridge window [mem 0x8000000000-0x80%s 64bit pref]: assigned";
        assertThat(lspci("linux-acpi", "on", devices)).contains(String.format(window, "001fffff"));
        assertThat(lspci("linux-acpi", "auto", devices)).contains(String.format(window, "000fffff"));
        assertThat(lspci("linux", "auto", devices)).contains(String.format(window, "000fffff"));
    }

    /**
     * pci=realloc with a first pass that fails (uefi_vgpu_16rp_realloc, recorded): pci_try_num is depth + 1 = 2, the first
     * pass sizes without the realloc list and runs out of I/O at the 16th root port exactly as the model does, line for line;
     * Linux then releases leaf bridges' windows and tries again ("No. 2 try"), which the model does not do and says so.
     */
    @org.junit.jupiter.api.Test
    void pciReallocFirstPassAsRecordedThenTheRetryIsReportedNotModelled() throws Exception {
        List<String> console = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/uefi_vgpu_16rp_realloc.console"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null && !line.contains("No. 2 try to assign unassigned res");) {
                console.add(line);
            }
        }
        assertThat(console).anyMatch(l -> l.contains("max bus depth: 1 pci_try_num: 2"));
        List<String> args = new ArrayList<>(List.of("lspci", "--firmware", "linux-acpi", "--set", "pci.linux_realloc=on"));
        args.addAll(List.of("-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=1 -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=2 -device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,slot=3 -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,slot=4 -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,slot=5 -device pcie-root-port,id=rp7,bus=pcie.0,chassis=7,slot=6 -device pcie-root-port,id=rp8,bus=pcie.0,chassis=8,slot=7 -device pcie-root-port,id=rp9,bus=pcie.0,chassis=9,slot=8 -device pcie-root-port,id=rp10,bus=pcie.0,chassis=10,slot=9 -device pcie-root-port,id=rp11,bus=pcie.0,chassis=11,slot=10 -device pcie-root-port,id=rp12,bus=pcie.0,chassis=12,slot=11 -device pcie-root-port,id=rp13,bus=pcie.0,chassis=13,slot=12 -device pcie-root-port,id=rp14,bus=pcie.0,chassis=14,slot=13 -device pcie-root-port,id=rp15,bus=pcie.0,chassis=15,slot=14 -device pcie-root-port,id=rp16,bus=pcie.0,chassis=16,slot=15 -device virtio-gpu-pci,bus=rp1".split(" ")));
        ReplayCliTest.Run t = gvsim(args.toArray(String[]::new));
        assertThat(t.code()).as(t.err()).isZero();
        List<String> out = List.of(t.out().split("\n"));
        assertThat(assigned(out)).hasSize(65).containsExactlyElementsOf(assigned(console));
        assertThat(matching(FAILED, out)).hasSize(2).containsExactlyElementsOf(matching(FAILED, console));
        assertThat(t.out()).contains("No. 2 try to assign unassigned res: not modelled");
    }

    static List<String> lspci(String policy, String realloc, String devices) {
        List<String> args = new ArrayList<>(List.of("lspci", "--firmware", policy, "--set", "pci.linux_realloc=" + realloc));
        args.addAll(List.of(devices.split(" ")));
        ReplayCliTest.Run t = gvsim(args.toArray(String[]::new));
        assertThat(t.code()).as(t.err()).isZero();
        return assigned(List.of(t.out().split("\n")));
    }

    void check(String policy, String recording, String devices, int lines) throws Exception {
        List<String> console = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/dev/gvsim/guesttraces/traces/qemu-log/" + recording + ".console"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                console.add(line);
            }
        }
        List<String> real = assigned(console);
        assertThat(real).hasSize(lines);
        List<String> args = new ArrayList<>(List.of("lspci", "--firmware", policy));
        args.addAll(List.of(devices.trim().split(" ")));
        ReplayCliTest.Run t = gvsim(args.toArray(String[]::new));
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(assigned(List.of(t.out().split("\n")))).containsExactlyElementsOf(real);
        assertThat(matching(FAILED, List.of(t.out().split("\n")))).as("resources the guest could not place")
                .containsExactlyElementsOf(matching(FAILED, console));
    }
}
