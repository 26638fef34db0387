package dev.gvsim.guesttraces.edk2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.cite.Citations;

/**
 * Issue 23's convention for the firmware model: every method of PciBusDxe, the GOP driver, Virtio10Dxe and
 * the boot sequence says which EDK II function (or, for the QXL-native GOP variant, which QEMU function) it
 * follows, or is marked a helper that applies no firmware rule.
 */
class CitationConventionTest {
    @Test
    void everyFirmwareModelMethodCitesTheFunctionItFollowsOrIsAHelper() {
        assertThat(Citations.violations(PciBusDxe.class, PciBusDxe.IoRes.class, QemuVideoDxe.class, Virtio10Dxe.class, Edk2Firmware.class))
                .isEmpty();
    }
}
