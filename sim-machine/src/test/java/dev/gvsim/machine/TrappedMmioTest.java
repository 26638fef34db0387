package dev.gvsim.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;

/**
 * Under a host stage 2 ({@code --stage2 kvm}), a store to a region QEMU emulates traps to the VMM and
 * the vCPU waits for it: on the recorded QXL trace, each of the driver's stores to the PCI I/O window
 * (QXL's I/O BAR: QXL_IO_NOTIFY_CMD and friends) costs {@code qxl.io_latency} + {@code pci.io_latency},
 * so the device's trap cost moves simulated time by exactly as many of them. Without a stage 2 the
 * store is a posted Device-nGnRE write, as before, and the parameter does not move it. Stores to the
 * RAM-backed BARs (memslots) never trap.
 */
class TrappedMmioTest {
    static final String REAL = "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz";
    /** The trace's mapping of the PCI I/O space (pci_remap_iospace). */
    static final long PIO_VA = 0xfffffbfffe800000L;
    static final long PIO_SIZE = 0x10000;

    static ReplayResult replay(String stage2, String... sets) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.stage2 = stage2;
        o.paramSets.addAll(List.of(sets));
        Replayer rp = new Replayer(o, "real");
        try (TraceReader in = TraceFiles.openResource(REAL)) {
            return rp.run(in);
        }
    }

    static long pioStores() throws Exception {
        return pioAccesses(Op.WR);
    }

    static long pioAccesses(Op op) throws Exception {
        long n = 0;
        try (TraceReader in = TraceFiles.openResource(REAL)) {
            TraceRecord r = new TraceRecord();
            while (in.next(r)) {
                if (r.op == op && r.va - PIO_VA >= 0 && r.va - PIO_VA < PIO_SIZE) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aTrappedStoreCostsTheDevicesTrapLatencyUnderKvmOnly() throws Exception {
        long stores = pioStores();
        assertThat(stores).as("the driver's port writes").isEqualTo(96);
        for (String stage2 : new String[] {"kvm", "kvm-fwb"}) {
            ReplayResult at2 = replay(stage2, "qxl.io_latency=2us");
            ReplayResult at50 = replay(stage2, "qxl.io_latency=50us");
            assertThat(at50.faultCount).isZero();
            assertThat(at50.simulatedTimePs - at2.simulatedTimePs).as(stage2).isEqualTo(stores * 48_000_000L);
            ReplayResult pio5 = replay(stage2, "pci.io_latency=5us");
            assertThat(pio5.simulatedTimePs - at2.simulatedTimePs).as(stage2 + ": pci.io_latency 1 -> 5 us").isEqualTo(stores * 4_000_000L);
        }
        // no hypervisor modelled: posted stores, the trap cost does not reach the CPU
        assertThat(replay(null, "qxl.io_latency=50us").simulatedTimePs).isEqualTo(replay(null, "qxl.io_latency=2us").simulatedTimePs);
    }

    @Test
    void theTrapsAreAllThatStage2AddsToTheRecordedTrace() throws Exception {
        // the trace's BARs are RAM-backed (memslots): stage 2 changes no memory type the stores see,
        // so what kvm adds over no hypervisor is the 96 trapped stores: each its two trap costs
        // (qxl.io_latency 2 us + pci.io_latency 1 us) and the path's round trip instead of the posted
        // acknowledgement (well under a microsecond)
        ReplayResult none = replay(null);
        ReplayResult kvm = replay("kvm");
        // the report: the port writes and reads trapped, nothing else; no report without a stage 2
        assertThat(none.trapped).isNull();
        assertThat(none.toJson()).doesNotContainKey("trapped");
        assertThat(kvm.trapped.get("accesses")).isEqualTo(96 + pioAccesses(Op.RD));
        assertThat((Long) kvm.trapped.get("latencyPs")).isGreaterThan(96 * 3_000_000L);
        long extra = kvm.simulatedTimePs - none.simulatedTimePs - 96 * 3_000_000L;
        assertThat(extra).as("beyond the trap costs, over 96 stores").isBetween(0L, 96 * 1_000_000L);
        assertThat(kvm.accesses).isEqualTo(none.accesses);
        assertThat(kvm.faultCount).isEqualTo(none.faultCount);
    }
    /** A trace that reads the host bridge's IDs and writes its Command register through ECAM (MMIO). */
    static final String ECAM_TRACE = "gvsim-trace 1\nmachine args=\"-M virt -device qxl\"\n"
            + "map va=0xffff000040000000 pa=0x4010000000 size=0x10000 attr=device-ngnre\n"
            + "rd va=0xffff000040000000 size=4 expect=0x81b36\n"
            + "wr va=0xffff000040000004 size=2 val=0x6\n"
            + "rd va=0xffff000040000004 size=2 expect=0x6\n";

    static ReplayResult replayText(String trace, String stage2, String... sets) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.stage2 = stage2;
        o.paramSets.addAll(List.of(sets));
        Replayer rp = new Replayer(o, "ecam");
        try (TraceReader in = TraceFiles.open(new java.io.ByteArrayInputStream(trace.getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
            return rp.run(in);
        }
    }

    /**
     * QEMU's gpex emulates ECAM, so under KVM a config access through it traps like a port access
     * (it used to take a stage-2 translation fault, which KVM never gives a guest): the same values as
     * without a stage 2, and each access costs {@code pci.config_latency}, as a cfgrd/cfgwr record does.
     */
    @Test
    void configAccessesThroughEcamTrapUnderKvm() throws Exception {
        ReplayResult none = replayText(ECAM_TRACE, null);
        assertThat(none.faultCount).isZero();
        assertThat(none.mismatchCount).isZero();
        for (String stage2 : new String[] {"kvm", "kvm-fwb"}) {
            ReplayResult at1 = replayText(ECAM_TRACE, stage2);
            assertThat(at1.faultCount).as(stage2).isZero();
            assertThat(at1.trapped.get("accesses")).as(stage2 + ": trapped").isEqualTo(3L);
            assertThat(at1.mismatchCount).as(stage2).isZero();
            assertThat(at1.simulatedTimePs).as(stage2 + ": three trapped accesses").isGreaterThan(none.simulatedTimePs + 3 * 1_000_000L);
            ReplayResult at5 = replayText(ECAM_TRACE, stage2, "pci.config_latency=5us");
            assertThat(at5.simulatedTimePs - at1.simulatedTimePs).as(stage2).isEqualTo(3 * 4_000_000L);
        }
        assertThat(replayText(ECAM_TRACE, null, "pci.config_latency=5us").simulatedTimePs).isEqualTo(none.simulatedTimePs);
    }
}
