package dev.gvsim.qxldevice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.state.Checkpointable;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** The Bochs VBE DISPI registers are declared once each and the register layer does their reads, writes and masks. */
class BochsVbeRegistersTest {
    static BochsVbe vbe() {
        return new BochsVbe(new SparseMemory("vram", 64L << 20), 16L << 20, 64L << 20);
    }

    void write(BochsVbe v, int index, int value) {
        v.writeIndex(index);
        v.writeData(value);
    }

    int read(BochsVbe v, int index) {
        v.writeIndex(index);
        return v.readData();
    }

    @Test
    void eachDispiRegisterIsDeclaredOnceWithItsResetValueAndSource() {
        BochsVbe v = vbe();
        assertThat(v.registers()).extracting(Register::name).containsExactly("ID", "XRES", "YRES", "BPP", "ENABLE", "BANK", "VIRT_WIDTH",
                "VIRT_HEIGHT", "X_OFFSET", "Y_OFFSET", "VIDEO_MEMORY_64K");
        for (Register r : v.registers()) {
            assertThat(r.offset()).as("byte offset = 2 * index").isEqualTo(2 * v.registers().indexOf(r));
            assertThat(r.width()).isEqualTo(2);
            assertThat(r.source()).contains("bochs-vbe.h");
        }
        assertThat(v.registers().get(BochsVbe.INDEX_ID).reset()).isEqualTo(BochsVbe.ID5);
        assertThat(v.registers().get(BochsVbe.INDEX_VIDEO_MEMORY_64K).reset()).as("16 MiB in 64 KiB units").isEqualTo(256);
        assertThat(v.registers().get(BochsVbe.INDEX_VIRT_HEIGHT).fields().get(0).kind()).isEqualTo(FieldKind.RO);
    }

    @Test
    void readsWritesAndMasksFollowVgaC() {
        BochsVbe v = vbe();
        write(v, BochsVbe.INDEX_ID, 0x1234);
        assertThat(read(v, BochsVbe.INDEX_ID)).as("an unknown interface version is ignored").isEqualTo(BochsVbe.ID5);
        write(v, BochsVbe.INDEX_ID, BochsVbe.ID2);
        assertThat(read(v, BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID2);
        write(v, BochsVbe.INDEX_VIRT_HEIGHT, 77);
        write(v, BochsVbe.INDEX_VIDEO_MEMORY_64K, 1);
        assertThat(read(v, BochsVbe.INDEX_VIRT_HEIGHT)).isZero();
        assertThat(read(v, BochsVbe.INDEX_VIDEO_MEMORY_64K)).isEqualTo(256);
        write(v, BochsVbe.INDEX_BANK, 0xFFFF);
        assertThat(read(v, BochsVbe.INDEX_BANK)).as("64 MiB of VGA RAM: 1024 banks").isEqualTo(0x3FF);
        assertThat(v.bankOffset()).isEqualTo(0x3FFL << 16);
        write(v, BochsVbe.INDEX_XRES, 801);
        write(v, BochsVbe.INDEX_YRES, 600);
        write(v, BochsVbe.INDEX_BPP, 32);
        write(v, BochsVbe.INDEX_ENABLE, BochsVbe.ENABLED | BochsVbe.LFB_ENABLED | 0x0100);
        assertThat(read(v, BochsVbe.INDEX_ENABLE)).as("vga.c stores the whole ENABLE value").isEqualTo(0x0141);
        assertThat(v.xres()).as("fixed up when enabled").isEqualTo(800);
        assertThat(v.lineOffset()).isEqualTo(3200);
        assertThat(read(v, BochsVbe.INDEX_VIRT_HEIGHT)).isEqualTo((16 << 20) / 3200);
        write(v, BochsVbe.INDEX_ENABLE, BochsVbe.ENABLED | BochsVbe.GETCAPS);
        assertThat(read(v, BochsVbe.INDEX_XRES)).isEqualTo(BochsVbe.MAX_XRES);
        assertThat(v.unimplementedWrites()).isEmpty();
    }

    @Test
    void writesToIndexesTheInterfaceDoesNotHaveAreIgnoredAndListed() throws InputException {
        BochsVbe v = vbe();
        write(v, 0x20, 0x1234);
        write(v, 0x20, 0x0001);
        write(v, 0x0B, 0);
        assertThat(read(v, 0x20)).isZero();
        assertThat(v.unimplementedWrites()).containsExactly("0x040/2 undeclared bits 0x1235 (2 writes)");
        StateWriter w = new StateWriter("m");
        w.save(section(v));
        BochsVbe restored = vbe();
        new StateReader(w.toBytes()).restore(section(restored));
        assertThat(restored.unimplementedWrites()).isEqualTo(v.unimplementedWrites());
        assertThat(read(restored, BochsVbe.INDEX_ID)).isEqualTo(BochsVbe.ID5);
    }

    static Checkpointable section(BochsVbe v) {
        return new Checkpointable() {
            @Override
            public String stateName() {
                return "vbe";
            }

            @Override
            public void saveState(StateWriter w) {
                v.saveState(w);
            }

            @Override
            public void restoreState(StateReader r) throws InputException {
                v.restoreState(r);
            }
        };
    }
}
