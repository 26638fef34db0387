package com.example.qxldriver;

import static dev.gvsim.junit.GvsimAssertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.junit.BundledTraces;
import dev.gvsim.junit.Gvsim;
import dev.gvsim.junit.GvsimTest;

/**
 * What a project shipping the qxl driver or the VM's topology checks on every build (docs/junit.md).
 * Each test is the "five lines": a trace or a topology, a machine, an expectation; a failing one
 * writes the HTML report under target/gvsim-reports/ and names it in the failure.
 */
@GvsimTest
class QxlOnArm64Test {
    @Test
    void mappingTheRamHeaderWithIoremapFaultsOnTheFirstUnalignedStore(Gvsim gvsim) {
        // the recording (Linux 6.1, QEMU 7.2 virt) with the ROM and RAM header mapped Device-nGnRE, as before commit 59ab4ee012f0;
        // record 27 is the driver's first unaligned store into the RAM header (mem_slot.mem_start)
        var run = gvsim.replay(BundledTraces.QXL_LINUX61_ARM64_WC).attr("0x18000000=device-ngnre").attr("0x13ffe000=device-ngnre").run();
        assertThat(run).faultsAt(27).withEsr(0x96000061).inSymbol("setup_slot+0x38");
    }

    @Test
    void ioremapWcAsRecordedRunsClean(Gvsim gvsim) {
        assertThat(gvsim.replay(BundledTraces.QXL_LINUX61_ARM64_WC).run()).hasNoFaults().accessesByMemoryType().containsKey("normal-nc");
    }

    @Test
    void qxlVgaBehindTheOnlyRootPortBootsWithAGopUnderEdk2(Gvsim gvsim) {
        assertThat(gvsim.bootEdk2("-device pcie-root-port,id=rp1,chassis=1,slot=0 -device qxl-vga,bus=rp1")).hasGop();
    }

    @Test
    void aSecondEmptyRootPortTakesTheVgaIoWindowAndTheGopFails(Gvsim gvsim) {
        assertThat(gvsim.bootEdk2(java.nio.file.Path.of("src/test/resources/two-root-ports-qxl-vga.json"))).hasNoGop().failure().contains("BochsID mismatch");
    }
}
