package dev.gvsim.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.gvsim.guesttraces.edk2.Edk2Firmware.Fix;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;
import dev.gvsim.simcore.InputException;

/**
 * What a test runs gvsim with (docs/junit.md). {@link GvsimExtension} hands one to each test method
 * that declares a parameter of this type and, when the test fails, attaches the HTML report of every
 * run made through it. Usable without the extension too ({@code new Gvsim()}), then without reports.
 *
 * <pre>
 * ReplayRun run = gvsim.replay(BundledTraces.QXL_LINUX61_ARM64_WC).attr("0x13ffe000=device-ngnre").run();
 * BootRun boot = gvsim.bootEdk2("-device pcie-root-port,id=rp1,chassis=1 -device qxl-vga,bus=rp1");
 * </pre>
 *
 * Bad input (a trace that does not parse, an unknown device, a hostile machine file) is an
 * {@link IllegalArgumentException} naming the file and what was expected; a file that cannot be read
 * an {@link UncheckedIOException}.
 */
public final class Gvsim {
    /** Prefix of a trace given as a class-path resource ({@code classpath:/dev/gvsim/...}). */
    public static final String CLASSPATH = "classpath:";

    private final List<GvsimRun> runs = Collections.synchronizedList(new ArrayList<>());

    /** The runs made through this instance, in order. */
    public List<GvsimRun> runs() {
        synchronized (runs) {
            return List.copyOf(runs);
        }
    }

    /** A replay of {@code trace}: a file path, or {@code classpath:/…} for a resource (see {@link BundledTraces}). */
    public Replay replay(String trace) {
        return new Replay(trace);
    }

    public Replay replay(Path trace) {
        return new Replay(trace.toString());
    }

    /** A boot of the EDK II firmware model, configured before {@link Boot#run()}. */
    public Boot boot() {
        return new Boot();
    }

    /** Boots the EDK II firmware model on {@code -M virt} plus the given QEMU-style options. */
    public BootRun bootEdk2(String machineOptions) {
        return boot().machine(machineOptions).run();
    }

    /** Boots the EDK II firmware model on the machine of a machine file. */
    public BootRun bootEdk2(Path machineFile) {
        return boot().machineFile(machineFile).run();
    }

    private <R extends GvsimRun> R record(R run) {
        runs.add(run);
        return run;
    }

    /** What a replay runs on and with; {@link #run()} runs it. */
    public final class Replay {
        private final String trace;
        private String machine;
        private Path machineFile;
        private final List<String> sets = new ArrayList<>();
        private final ReplayOptions options = new ReplayOptions();

        Replay(String trace) {
            this.trace = trace;
        }

        /** The machine as QEMU-style options ({@code -device pcie-root-port,id=rp1 -device qxl,bus=rp1}), replacing the trace's. */
        public Replay machine(String qemuOptions) {
            this.machine = qemuOptions;
            return this;
        }

        /** The machine from a machine file (docs/machine-files.md), replacing the trace's; {@link #machine} options add devices after its own. */
        public Replay machineFile(Path file) {
            this.machineFile = file;
            return this;
        }

        /** Model parameters {@code NAME=VALUE} (see {@code gvsim params}); later ones win. */
        public Replay set(String... assignments) {
            sets.addAll(List.of(assignments));
            return this;
        }

        /** {@code PA=ATTR}: the memory attribute of every map record whose pa is PA (as {@code replay --attr}). */
        public Replay attr(String paEqualsAttr) {
            options.addAttrOverride(paEqualsAttr);
            return this;
        }

        /** A host stage 2 before the first record: none, kvm, kvm-fwb. */
        public Replay stage2(String mode) {
            if (!dev.gvsim.machine.Machine.STAGE2_MODES.contains(mode)) {
                throw new IllegalArgumentException("stage 2 must be one of " + dev.gvsim.machine.Machine.STAGE2_MODES + ", got '" + mode + "'");
            }
            options.stage2 = mode;
            return this;
        }

        /** Record faults and keep going (default: a fault ends that CPU's stream, as an oops would). */
        public Replay continueAfterFault() {
            options.continueAfterFault = true;
            return this;
        }

        /** Runs the replay. */
        public ReplayRun run() {
            dev.gvsim.machine.MachineFile.Resolved m = Machines.resolve(machine, machineFile, sets);
            options.machineOverride = m.args();
            options.paramSets.addAll(m.sets());
            String name = trace.startsWith(CLASSPATH) ? trace.substring(trace.lastIndexOf('/') + 1) : trace;
            Replayer replayer = new Replayer(options, name);
            try (TraceReader r = trace.startsWith(CLASSPATH) ? TraceFiles.openResource(trace.substring(CLASSPATH.length()))
                    : TraceFiles.open(Path.of(trace))) {
                return record(new ReplayRun("replay " + name, replayer.run(r), replayer.machine()));
            } catch (IOException e) {
                throw new UncheckedIOException("trace " + trace + ": " + e.getMessage(), e);
            } catch (InputException e) {
                throw new IllegalArgumentException("trace " + trace + ": " + e.getMessage(), e);
            }
        }
    }

    /** What a firmware boot runs on and with; {@link #run()} runs it. */
    public final class Boot {
        private String machine;
        private Path machineFile;
        private final List<String> sets = new ArrayList<>();
        private final Set<Fix> fixes = EnumSet.noneOf(Fix.class);
        private List<String> routing = QxlUefiBehindBridgeScenario.PARAMS;

        Boot() {
        }

        /** The machine as QEMU-style options ({@code -device pcie-root-port,id=rp1,chassis=1 -device qxl-vga,bus=rp1}). */
        public Boot machine(String qemuOptions) {
            this.machine = qemuOptions;
            return this;
        }

        /** The machine from a machine file; {@link #machine} options add devices after its own. */
        public Boot machineFile(Path file) {
            this.machineFile = file;
            return this;
        }

        /** Model parameters {@code NAME=VALUE}, after the boot's own (edk2 placement, QEMU routing). */
        public Boot set(String... assignments) {
            sets.addAll(List.of(assignments));
            return this;
        }

        /** A candidate fix ({@code gvsim boot --fix}): edk2-vga-io-window, gop-qxl-native, gop-bochs-mmio. */
        public Boot fix(String name) {
            fixes.add(Fix.byName(name));
            return this;
        }

        /** PCIe hardware routing (a hole in a bridge window is an Unsupported Request) instead of QEMU's ({@code gvsim boot --routing pcie}). */
        public Boot pcieRouting() {
            routing = QxlUefiBehindBridgeScenario.PARAMS_PCIE_UR;
            return this;
        }

        /** Boots the firmware model. */
        public BootRun run() {
            dev.gvsim.machine.MachineFile.Resolved m = Machines.resolve(machine == null && machineFile == null ? "" : machine, machineFile, sets);
            List<String> params = new ArrayList<>(routing);
            params.addAll(m.sets());
            try {
                // boot() puts -M virt in front itself
                String devices = m.args().equals("-M virt") ? "" : m.args().startsWith("-M virt ") ? m.args().substring("-M virt ".length()) : m.args();
                QxlUefiBehindBridgeScenario.Run r = QxlUefiBehindBridgeScenario.boot(devices, fixes, null, null, params);
                return record(new BootRun("boot edk2 " + r.machine.args(), r));
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("boot of " + m.args() + ": " + e.getMessage(), e);
            }
        }
    }
}
