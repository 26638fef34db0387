package dev.gvsim.qxldevice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.regs.Register;

/** QXL's configuration space is declared: every byte it implements lies in a register that cites its source. */
class QxlConfigRegistersTest {
    @ParameterizedTest
    @ValueSource(strings = {QxlDevice.QXL, QxlDevice.QXL_VGA})
    void everyImplementedConfigByteIsDeclared(String type) {
        PciFunction q = new QxlTestDriver(type, null).dev;
        q.reset(PciFunction.ResetKind.COLD); // the test driver has enabled decoding: back to the power-on image
        assertThat(q.undeclaredConfigBytes()).isEmpty();
        assertThat(q.registers()).extracting(Register::name).contains("SUBSYSTEM_VENDOR_ID", "BAR0", "BAR1", "BAR2", "BAR3", "INTERRUPT_PIN");
        for (Register r : q.registers()) {
            assertThat(r.source()).as(r.name()).isNotBlank();
            assertThat(r.reset()).as("%s reset value = power-on image", r.name()).isEqualTo(q.configRead(r.offset(), r.width()));
        }
        assertThat(q.registers().stream().filter(r -> r.name().equals("BAR3")).findFirst().orElseThrow().source()).contains("qxl-ioports");
    }
}
