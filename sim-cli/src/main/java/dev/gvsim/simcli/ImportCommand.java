package dev.gvsim.simcli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.importers.ImportOptions;
import dev.gvsim.guesttraces.importers.ImportReport;
import dev.gvsim.guesttraces.importers.Importers;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcli.util.Files2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gvsim import FORMAT FILE -o OUT}: QEMU log traces and Linux mmiotrace into gvsim traces. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Convert a recording made by other tools into a gvsim trace (.gvt binary or text by OUT's name).",
                "FORMAT: qemu-log (QEMU's log trace backend: pci_cfg_*, memory_region_ops_*, qxl_io_write, virtio_*),",
                "        mmiotrace (Linux mmiotrace text). Reads get expect= what the recorded system returned.",
                "The imported trace's machine record is -M/-device as given (QEMU topology of the recording)."})
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FORMAT", description = "qemu-log or mmiotrace")
    String format;

    @Parameters(index = "1", paramLabel = "FILE", description = "The recording (.xz/.gz read transparently).")
    Path in;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "The trace to write (crash-safe).")
    Path out;

    @Option(names = "-M", paramLabel = "MACHINE",
            description = "Machine of the recording, as given to QEMU (-M virt). For qemu-log gvsim's own pci-assign property defaults to none "
                    + "(the log starts at boot, the firmware or guest assigns resources itself); for mmiotrace to linux (the kernel had assigned them).")
    String machineType;

    @Option(names = "-device", paramLabel = "DEV", description = "QEMU -device of the recording, repeatable, in the order QEMU was given them.")
    List<String> devices = new ArrayList<>();

    @picocli.CommandLine.Mixin
    MachineArgs.FileOption machineFile = new MachineArgs.FileOption();

    @Option(names = "--keep-platform", description = "Keep accesses to platform regions (UART, GIC, flash, fw_cfg, RTC, GPIO, virtio-mmio).")
    boolean keepPlatform;

    @Option(names = "--qemu-version", paramLabel = "V", description = "QEMU version for the meta record when the log does not say.")
    String qemuVersion;

    @Option(names = "--binary", description = "Write the binary .gvt form whatever OUT's name.")
    boolean binary;

    @picocli.CommandLine.Mixin
    ProgressLine.Options progressOptions = new ProgressLine.Options();

    @Spec
    CommandSpec spec;

    /**
     * Builds the machine the trace will name, as replay will, so a device or property gvsim does not know is one clear error
     * here, naming the option, instead of a trace whose replay refuses record 2.
     */
    private void validateMachine(String machine) {
        for (String d : devices) {
            try {
                dev.gvsim.machine.MachineBuilder.build("-M virt -device " + d, List.of());
            } catch (IllegalArgumentException e) {
                String msg = String.valueOf(e.getMessage());
                if (msg.contains("not found")) {
                    continue; // a bus named by another -device: checked with the whole machine below
                }
                String hint = msg.startsWith("unknown device") ? "; to keep it in its slot as a function gvsim does not model, give -device unmodelled,of="
                        + d : "";
                throw new IllegalArgumentException("-device " + d + ": " + msg + hint);
            }
        }
        StringBuilder sb = new StringBuilder(machine);
        for (String d : devices) {
            sb.append(" -device ").append(d);
        }
        try {
            dev.gvsim.machine.MachineBuilder.build(sb.toString(), List.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the machine of the recording (" + sb + "): " + e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!Importers.FORMATS.contains(format)) {
            throw new IllegalArgumentException("unknown import format '" + format + "' (known: " + String.join(", ", Importers.FORMATS) + ")");
        }
        Files2.input(in);
        Files2.output("-o", out, in, machineFile.file);
        dev.gvsim.machine.MachineFile.Resolved machine = MachineArgs.resolve(machineType, List.of(), machineFile, List.of());
        if (machine.spec() != null) {
            if (!machine.spec().set().isEmpty()) {
                throw new IllegalArgumentException("-machine-file " + machineFile.file + ": a trace's machine record holds -M and -device only, not the file's "
                        + "'set' " + machine.spec().sets() + ": remove it from the file and give the parameters to replay with --set");
            }
            List<String> all = new ArrayList<>();
            for (dev.gvsim.pciefabric.DeviceOptions.DeviceSpec d : machine.spec().devices()) {
                all.add(dev.gvsim.machine.MachineFile.qemuOpts(d.driver(), d.props()));
            }
            all.addAll(devices);
            devices = all;
        }
        String m = machine.spec() != null ? dev.gvsim.machine.MachineFile.qemuOpts(machine.spec().type(), machine.spec().props())
                : machineType != null ? machineType : "virt";
        if (format.equals("qemu-log") && !m.contains(dev.gvsim.machine.MachineBuilder.PCI_ASSIGN + "=")) {
            // what the user typed to QEMU (-M virt) has no such property: a QEMU log starts at QEMU's start, so the firmware or the
            // guest assigned the resources during the recording (gvsim's own property, defaulted by what the log is)
            m = m + "," + dev.gvsim.machine.MachineBuilder.PCI_ASSIGN + "=none";
        }
        validateMachine("-M " + m);
        ImportOptions o = new ImportOptions().machine("-M " + m).keepPlatformRegions(keepPlatform).source(in.getFileName().toString())
                .requireEvents(true);
        for (String d : devices) {
            o.device(d);
        }
        if (qemuVersion != null) {
            o.qemuVersion(qemuVersion);
        }
        boolean bin = binary || out.getFileName().toString().endsWith(".gvt");
        ImportReport rep;
        TraceWriter w = TraceFiles.create(out, bin);
        try (dev.gvsim.simcli.util.CountingInputStream raw = new dev.gvsim.simcli.util.CountingInputStream(Files.newInputStream(in));
                ProgressLine progress = ProgressLine.forFile(progressOptions.enabled(), spec.commandLine().getErr(), "import", in, raw::count)) {
            rep = Importers.importStream(format, raw, in.getFileName().toString(), w, o);
        } catch (InputException | TraceFiles.CompressedInputException | org.tukaani.xz.XZIOException e) {
            TraceFiles.abandon(w);
            w.close();
            throw Files2.about(in, e);
        } catch (Exception e) {
            TraceFiles.abandon(w);
            w.close();
            throw e;
        }
        w.close();
        PrintWriter p = spec.commandLine().getOut();
        p.printf("%s: %,d lines read, %,d records written to %s%n", in, rep.linesRead(), rep.recordsWritten(), out);
        p.printf("  skipped %,d lines of other events, filtered %,d platform-region lines%n", rep.skippedLines(), rep.filteredLines());
        for (Map.Entry<String, Long> e : rep.filteredRegions().entrySet()) {
            p.printf("    filtered %-24s %,d%n", e.getKey(), e.getValue());
        }
        if (rep.virtioGpuCommandCount() > 0) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, Long> e : rep.virtioGpuCommands().entrySet()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(String.format("%,d", e.getValue()));
            }
            p.printf("  virtio-gpu commands in the log: %,d (%s)%n", rep.virtioGpuCommandCount(), sb);
            p.printf("    kept as marks only: the log holds no guest RAM, so a replay's virtio-gpu finds its rings empty and runs none of them%n");
        }
        if (rep.clampedTimestamps() > 0) {
            p.printf("  %,d timestamps went backwards and were clamped%n", rep.clampedTimestamps());
        }
        p.flush();
        return Main.EXIT_OK;
    }
}
