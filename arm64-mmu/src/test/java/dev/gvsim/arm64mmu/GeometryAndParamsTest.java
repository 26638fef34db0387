package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Status;

class GeometryAndParamsTest {

    /** 48-bit (start level 0), 40-bit (level 1, two concatenated tables), 39-bit (level 1), 36-bit (level 1, 6 bits), 32-bit (level 2). */
    @ParameterizedTest
    @ValueSource(ints = {16, 24, 25, 28, 32})
    void stage1And2WorkForEveryStartLevel(int tsz) {
        Rig r = new Rig("mmu.tcr.t0sz=" + tsz, "mmu.tcr.t1sz=" + tsz, "mmu.vtcr.t0sz=" + tsz);
        long ipaTop = 1L << (64 - tsz);
        long kva = -(1L << (64 - tsz)) + 0x20_3000L; // near the bottom of the TTBR1 range
        long uva = (1L << (64 - tsz)) - 0x2000L; // the top page but one of TTBR0
        long ipa = ipaTop - 0x10_0000L;
        r.mmu.map(kva, ipa, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.map(uva, ipa + 0x1000, 0x1000, MemoryType.NORMAL_NC);
        r.mmu.s2map(ipa, 0x10_0000L, 0x2000, MemoryType.NORMAL_NC);
        Access a = new Access();
        r.mmu.translate(a.read(kva + 0x10, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(0x10_0010L);
        assertThat(a.memType).isEqualTo(MemoryType.DEVICE_NGNRE.ordinal());
        r.mmu.translate(a.read(uva + 0x20, 8));
        assertThat(a.address).isEqualTo(0x10_1020L);
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        // just outside the TTBR0 range: level 0 translation fault
        r.mmu.translate(a.read(uva + 0x2000, 8));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultLevel).isZero();
    }

    @Test
    void fwbReplayKeepsLaterRawMappingsAndUnmaps() {
        Rig r = new Rig();
        r.mmu.map(Rig.QXL_VA_PAGE, Rig.BAR_PA, 0x3000, MemoryType.NORMAL_NC);
        r.mmu.s2map(Rig.BAR_PA, Rig.BAR_PA, 0x3000, MemoryType.NORMAL_WB);
        r.mmu.s2mapRaw(Rig.BAR_PA + 0x1000, Rig.BAR_PA + 0x1000, 0x1000, (0b0111L << Mmu.S2_MEMATTR_SHIFT) | Mmu.S2AP_R | Mmu.AF);
        r.mmu.s2unmap(Rig.BAR_PA + 0x2000, 0x1000);
        r.mmu.setFwb(true);
        Access a = new Access();
        r.mmu.translate(a.read(Rig.QXL_VA_PAGE, 4));
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_WB.ordinal());
        r.mmu.translate(a.read(Rig.QXL_VA_PAGE + 0x1000, 4));
        assertThat(a.memType).as("as stage 1 under FWB").isEqualTo(MemoryType.NORMAL_NC.ordinal());
        r.mmu.translate(a.read(Rig.QXL_VA_PAGE + 0x2000, 4));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        assertThatThrownBy(() -> {
            Rig w = new Rig();
            w.mmu.s2map(Rig.BAR_PA, Rig.BAR_PA, 0x1000, MemoryType.NORMAL_WT);
            w.mmu.setFwb(true);
        }).hasMessageContaining("normal-wt");
    }

    @Test
    void everyParameterIsNamedSourcedAndUnique() {
        Set<String> names = new HashSet<>();
        for (ParamDef d : MmuParams.ALL) {
            assertThat(d.name()).matches("(mmu|mem)\\..+");
            assertThat(names.add(d.name())).as("unique %s", d.name()).isTrue();
            assertThat(d.source()).isNotBlank();
            assertThat(d.doc()).isNotBlank();
        }
        assertThat(MmuParams.WC_TIMEOUT.source()).startsWith("estimate");
        assertThat(MmuParams.UC_ROUND_TRIP.source()).startsWith("estimate");
        assertThatThrownBy(() -> new Rig("mmu.tlb.entries=1000")).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new Rig("mmu.tcr.t0sz=12")).hasMessageContaining("mmu.tcr.t0sz");
    }
}
