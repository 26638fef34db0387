package dev.gvsim.arm64mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Status;

class EncodingTest {

    @Test
    void memoryTypeOrdinalsAndNamesAreFixed() {
        assertThat(MemoryType.values()).extracting(MemoryType::traceName).containsExactly("device-ngnrne", "device-ngnre", "device-ngre",
                "device-gre", "normal-nc", "normal-wt", "normal-wb");
        for (MemoryType t : MemoryType.values()) {
            assertThat(MemoryType.fromTraceName(t.traceName())).isSameAs(t);
            assertThat(MemoryType.of(t.ordinal())).isSameAs(t);
        }
        assertThat(MemoryType.NORMAL_NC.ordinal()).isEqualTo(4);
        assertThatThrownBy(() -> MemoryType.fromTraceName("device")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device-ngnre").hasMessageContaining("normal-wb");
        assertThatThrownBy(() -> MemoryType.of(7)).isInstanceOf(IllegalArgumentException.class);
        assertThat(MemoryType.DEVICE_GRE.gathers()).isTrue();
        assertThat(MemoryType.NORMAL_NC.gathers()).isTrue();
        assertThat(MemoryType.DEVICE_NGRE.gathers()).isFalse();
        assertThat(MemoryType.NORMAL_WB.gathers()).isFalse();
        assertThat(MemoryType.DEVICE_GRE.isDevice()).isTrue();
        assertThat(MemoryType.NORMAL_NC.isDevice()).isFalse();
    }

    @Test
    void mairDecodesAll256Bytes() {
        int reserved = 0;
        for (int b = 0; b < 256; b++) {
            Mair.Decoded d = Mair.decode(b);
            assertThat(d.attr()).isEqualTo(b);
            if (d.reserved()) {
                reserved++;
                assertThat(d.type()).isNull();
                assertThat(Mair.typeOrdinal(b)).isEqualTo(-1);
                assertThat(d.description()).contains("reserved");
                final int bb = b;
                assertThatThrownBy(() -> Mair.decode(bb).encode()).isInstanceOf(IllegalStateException.class);
            } else {
                assertThat(d.encode()).as("round trip of 0x%02x", b).isEqualTo(b);
                assertThat(Mair.typeOrdinal(b)).isEqualTo(d.type().ordinal());
            }
        }
        // 12 reserved Device bytes (0b0000ddxx, xx != 00) + 12 Normal bytes with inner 0000 other than 0x40/0xA0/0xF0
        assertThat(reserved).isEqualTo(24);
    }

    @Test
    void mairKnownEncodings() {
        assertThat(Mair.decode(0x00).type()).isEqualTo(MemoryType.DEVICE_NGNRNE);
        assertThat(Mair.decode(0x04).type()).isEqualTo(MemoryType.DEVICE_NGNRE);
        assertThat(Mair.decode(0x08).type()).isEqualTo(MemoryType.DEVICE_NGRE);
        assertThat(Mair.decode(0x0C).type()).isEqualTo(MemoryType.DEVICE_GRE);
        assertThat(Mair.decode(0x44).type()).isEqualTo(MemoryType.NORMAL_NC);
        assertThat(Mair.decode(0xBB).type()).isEqualTo(MemoryType.NORMAL_WT);
        assertThat(Mair.decode(0xFF).type()).isEqualTo(MemoryType.NORMAL_WB);
        assertThat(Mair.decode(0xF0).type()).isEqualTo(MemoryType.NORMAL_WB);
        assertThat(Mair.decode(0xF0).feature()).isEqualTo("FEAT_MTE2");
        assertThat(Mair.decode(0x40).feature()).isEqualTo("FEAT_XS");
        assertThat(Mair.decode(0x4F).type()).as("outer NC, inner WB: the weaker").isEqualTo(MemoryType.NORMAL_NC);
        assertThat(Mair.decode(0xBF).type()).isEqualTo(MemoryType.NORMAL_WT);
        Mair.Decoded d = Mair.decode(0x11);
        assertThat(d.type()).isEqualTo(MemoryType.NORMAL_WT);
        assertThat(d.inner().transientHint()).isTrue();
        assertThat(d.inner().writeAllocate()).isTrue();
        assertThat(d.inner().readAllocate()).isFalse();
        assertThat(Mair.decode(0x01).reserved()).isTrue();
        assertThat(Mair.decode(0x10).reserved()).isTrue();
        assertThat(Mair.decode(0x0D).reserved()).isTrue();
        for (MemoryType t : MemoryType.values()) {
            assertThat(Mair.decode(Mair.encode(t)).type()).isEqualTo(t);
            assertThat(Mair.typeOrdinal(Mair.attr(Mair.LINUX_PRESET, Mair.linuxSlot(t)))).isEqualTo(t.ordinal());
        }
    }

    @Test
    void linuxPresetSlots() {
        assertThat(Mair.attr(Mair.LINUX_PRESET, 0)).isEqualTo(0xFF);
        assertThat(Mair.attr(Mair.LINUX_PRESET, 1)).isEqualTo(0xF0);
        assertThat(Mair.attr(Mair.LINUX_PRESET, 2)).isEqualTo(0x44);
        assertThat(Mair.attr(Mair.LINUX_PRESET, 3)).isEqualTo(0x00);
        assertThat(Mair.attr(Mair.LINUX_PRESET, 4)).isEqualTo(0x04);
        assertThat(Mair.linuxSlot(MemoryType.DEVICE_NGNRE)).isEqualTo(4);
        assertThat(Mair.linuxSlot(MemoryType.NORMAL_NC)).isEqualTo(2);
        assertThat(Mair.withAttr(0, 3, 0x44)).isEqualTo(0x44_000000L);
    }

    @Test
    void stage2MemAttrWithoutFwb() {
        String[] expected = {"device-ngnrne", "device-ngnre", "device-ngre", "device-gre", // 00dd
            "reserved", "normal-nc", "normal-nc", "normal-nc", // outer NC, inner 00 / NC / WT / WB
            "reserved", "normal-nc", "normal-wt", "normal-wt", // outer WT
            "reserved", "normal-nc", "normal-wt", "normal-wb"}; // outer WB
        for (int m = 0; m < 16; m++) {
            assertThat(Stage2Attr.describe(Stage2Attr.decode(m, false))).as("MemAttr 0x%x FWB=0", m).isEqualTo(expected[m]);
        }
        assertThat(Stage2Attr.decode(Stage2Attr.MT_S2_NORMAL, false)).isEqualTo(MemoryType.NORMAL_WB.ordinal());
        assertThat(Stage2Attr.decode(Stage2Attr.MT_S2_NORMAL_NC, false)).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        assertThat(Stage2Attr.decode(Stage2Attr.MT_S2_DEVICE_NGNRE, false)).isEqualTo(MemoryType.DEVICE_NGNRE.ordinal());
    }

    @Test
    void stage2MemAttrWithFwb() {
        String[] expected = {"device-ngnrne", "device-ngnre", "device-ngre", "device-gre", "reserved", "normal-nc", "normal-wb(forced)",
            "as-stage-1", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved"};
        for (int m = 0; m < 16; m++) {
            assertThat(Stage2Attr.describe(Stage2Attr.decode(m, true))).as("MemAttr 0x%x FWB=1", m).isEqualTo(expected[m]);
        }
        assertThat(Stage2Attr.decode(0b0110, true)).isEqualTo(Stage2Attr.FORCE_WB);
        assertThat(Stage2Attr.decode(0b0101, true)).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        assertThat(Stage2Attr.decode(0b0111, true)).isEqualTo(Stage2Attr.AS_S1);
        for (MemoryType t : MemoryType.values()) {
            assertThat(Stage2Attr.typeOf(Stage2Attr.decode(Stage2Attr.encode(t, false), false), 0)).isEqualTo(t.ordinal());
            if (t != MemoryType.NORMAL_WT) {
                assertThat(Stage2Attr.typeOf(Stage2Attr.decode(Stage2Attr.encode(t, true), true), 0)).isEqualTo(t.ordinal());
            }
        }
        assertThatThrownBy(() -> Stage2Attr.encode(MemoryType.NORMAL_WT, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FWB");
    }

    // ---- S1 x S2 combining: every pair, hand-written tables (rows: stage 1, columns: stage 2) ----
    private static final String[] ABBR = {"E0", "E1", "E2", "E3", "NC", "WT", "WB"}; // nGnRnE nGnRE nGRE GRE NC WT WB

    /** FWB = 0, stage 2 given as each type's MemAttr: the more restrictive wins (DDI 0487 D8.5.5). */
    private static final String[][] NO_FWB = {
        // S2: E0    E1    E2    E3    NC    WT    WB
        {"E0", "E0", "E0", "E0", "E0", "E0", "E0"}, // S1 nGnRnE
        {"E0", "E1", "E1", "E1", "E1", "E1", "E1"}, // S1 nGnRE
        {"E0", "E1", "E2", "E2", "E2", "E2", "E2"}, // S1 nGRE
        {"E0", "E1", "E2", "E3", "E3", "E3", "E3"}, // S1 GRE
        {"E0", "E1", "E2", "E3", "NC", "NC", "NC"}, // S1 NC
        {"E0", "E1", "E2", "E3", "NC", "WT", "WT"}, // S1 WT
        {"E0", "E1", "E2", "E3", "NC", "WT", "WB"}, // S1 WB
    };

    /** FWB = 1, stage 2 MemAttr 0b0000..0b0011 Device, 0b0101 NC, 0b0110 forced WB, 0b0111 as stage 1. */
    private static final int[] FWB_COLUMNS = {0b0000, 0b0001, 0b0010, 0b0011, 0b0101, 0b0110, 0b0111};
    private static final String[][] WITH_FWB = {
        // S2: E0    E1    E2    E3    NC   fWB   asS1
        {"E0", "E0", "E0", "E0", "E0", "WB", "E0"},
        {"E0", "E1", "E1", "E1", "E1", "WB", "E1"},
        {"E0", "E1", "E2", "E2", "E2", "WB", "E2"},
        {"E0", "E1", "E2", "E3", "E3", "WB", "E3"},
        {"E0", "E1", "E2", "E3", "NC", "WB", "NC"},
        {"E0", "E1", "E2", "E3", "NC", "WB", "WT"},
        {"E0", "E1", "E2", "E3", "NC", "WB", "WB"},
    };

    @Test
    void combineEveryPairWithoutFwb() {
        List<String> checked = new ArrayList<>();
        for (MemoryType s1 : MemoryType.values()) {
            for (MemoryType s2 : MemoryType.values()) {
                MemoryType got = AttrCombine.combine(s1, Stage2Attr.encode(s2, false), false);
                assertThat(ABBR[got.ordinal()]).as("S1 %s x S2 %s (FWB=0)", s1, s2).isEqualTo(NO_FWB[s1.ordinal()][s2.ordinal()]);
                checked.add(s1 + "x" + s2);
            }
        }
        assertThat(checked).hasSize(49);
    }

    @Test
    void combineEveryPairWithFwb() {
        for (MemoryType s1 : MemoryType.values()) {
            for (int col = 0; col < FWB_COLUMNS.length; col++) {
                MemoryType got = AttrCombine.combine(s1, FWB_COLUMNS[col], true);
                assertThat(ABBR[got.ordinal()]).as("S1 %s x S2 MemAttr 0b%s (FWB=1)", s1, Integer.toBinaryString(FWB_COLUMNS[col]))
                        .isEqualTo(WITH_FWB[s1.ordinal()][col]);
            }
            // reserved encodings: CONSTRAINED UNPREDICTABLE, gvsim takes Device-nGnRnE
            for (int m : new int[] {0b0100, 0b1000, 0b1111}) {
                assertThat(AttrCombine.combine(s1, m, true)).isEqualTo(MemoryType.DEVICE_NGNRNE);
            }
        }
    }

    @Test
    void combineFactsTableRows() {
        // docs/facts/arm64-memory.md 5.1 / 5.2
        assertThat(AttrCombine.combine(MemoryType.NORMAL_WB, Stage2Attr.MT_S2_NORMAL_NC, false)).isEqualTo(MemoryType.NORMAL_NC);
        assertThat(AttrCombine.combine(MemoryType.DEVICE_NGNRE, Stage2Attr.MT_S2_NORMAL_NC, false)).isEqualTo(MemoryType.DEVICE_NGNRE);
        assertThat(AttrCombine.combine(MemoryType.NORMAL_NC, Stage2Attr.MT_S2_DEVICE_NGNRE, false)).isEqualTo(MemoryType.DEVICE_NGNRE);
        assertThat(AttrCombine.combine(MemoryType.NORMAL_NC, Stage2Attr.MT_S2_NORMAL, false)).isEqualTo(MemoryType.NORMAL_NC);
        assertThat(AttrCombine.combine(MemoryType.DEVICE_NGNRNE, Stage2Attr.MT_S2_DEVICE_NGNRE, false)).isEqualTo(MemoryType.DEVICE_NGNRNE);
        assertThat(AttrCombine.combine(MemoryType.DEVICE_NGNRE, Stage2Attr.MT_S2_FWB_NORMAL, true)).isEqualTo(MemoryType.NORMAL_WB);
        assertThat(AttrCombine.combine(MemoryType.NORMAL_WB, Stage2Attr.MT_S2_FWB_DEVICE_NGNRE, true)).isEqualTo(MemoryType.DEVICE_NGNRE);
        assertThat(AttrCombine.combine(MemoryType.NORMAL_NC, Stage2Attr.MT_S2_FWB_AS_S1, true)).isEqualTo(MemoryType.NORMAL_NC);
    }

    @Test
    void esrOfTheQxlFault() {
        long esr = Esr.dataAbort(false, true, false, Esr.FSC_ALIGN);
        assertThat(esr).isEqualTo(0x96000061L);
        assertThat(Esr.ec(esr)).isEqualTo(0x25);
        assertThat(Esr.isWrite(esr)).isTrue();
        assertThat(Esr.describe(esr)).contains("EC=0x25").contains("alignment fault").contains("WnR=1");
        assertThat(Esr.dataAbort(true, true, false, Esr.FSC_ALIGN)).isEqualTo(0x92000061L);
        assertThat(Esr.dataAbort(false, false, false, Esr.fsc(Status.TRANSLATION_FAULT, 3))).isEqualTo(0x96000007L);
        assertThat(Esr.fsc(Status.ACCESS_FLAG_FAULT, 2)).isEqualTo(0b001010);
        assertThat(Esr.fsc(Status.PERMISSION_FAULT, 3)).isEqualTo(0b001111);
        assertThat(Esr.fsc(Status.ADDRESS_SIZE_FAULT, 1)).isEqualTo(0b000001);
        assertThat(Esr.instructionAbort(false, false, 0x0F)).isEqualTo(0x8600000FL);
        assertThat(Esr.dataAbort(true, false, true, 0x07) & Esr.S1PTW).isNotZero();
        assertThat(Esr.describeFsc(0x2A)).isEqualTo("other");
        assertThat(Esr.describeFsc(0x0B)).isEqualTo("access flag fault, level 3");
    }
}
