package dev.gvsim.simcore.regs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** Declarations compile into masks; writes follow the field kinds, run hooks, and record unimplemented bits. */
class RegisterFileTest {
    static final String SRC = "test";

    /** A STATUS/CONTROL pair like a PCI function's COMMAND and STATUS. */
    static RegisterFile file() {
        RegisterFile f = new RegisterFile("test", 16);
        f.declare(Register.of("CTRL", 0x0, 2, 0x0000, SRC, Field.rw("enable", 0), Field.rw("mode", 3, 1), Field.ro("busy", 4),
                Field.wo("go", 15), Field.rsvdP(14, 8)));
        f.declare(Register.of("STS", 0x2, 2, 0x0010, SRC, Field.ro("cap", 4), Field.rw1c("err", 15, 8), Field.rsvdZ(7, 5)));
        f.declare(Register.whole("ID", 0x4, 4, FieldKind.RO, 0x1234_5678L, SRC));
        return f;
    }

    @Test
    void fieldsCompileIntoQemusMasks() {
        RegisterFile f = file();
        assertThat(f.writeMask(0, 2)).isEqualTo(0x800F);
        assertThat(f.clearMask(2, 2)).isEqualTo(0xFF00);
        assertThat(f.declaredMask(0, 2)).as("bits 7:5 of CTRL are nobody's").isEqualTo(0xFF1F);
        assertThat(f.read(0, 8)).isEqualTo(0x1234_5678_0010_0000L);
        assertThat(f.registers()).extracting(Register::name).containsExactly("CTRL", "STS", "ID");
    }

    @Test
    void writesFollowTheFieldKinds() {
        RegisterFile f = file();
        f.set(2, 2, 0xA510); // the device latched errors
        f.write(0, 4, 0xFFFF_FFFFL);
        assertThat(f.read(0, 2)).as("RW kept, RO/RsvdP not, WO cleared").isEqualTo(0x000F);
        assertThat(f.read(2, 2)).as("RW1C cleared, RO kept").isEqualTo(0x0010);
        f.set(2, 2, 0xA510);
        f.write(3, 1, 0x05);
        assertThat(f.read(2, 2)).as("only the ones written clear").isEqualTo(0xA010);
        f.write(4, 4, 0);
        assertThat(f.read(4, 4)).isEqualTo(0x1234_5678L);
    }

    @Test
    void hooksSeeOldAndNewValuesOncePerRegisterAfterTheWholeAccess() {
        RegisterFile f = file();
        List<String> seen = new ArrayList<>();
        f.hook(0x0, (r, old, v) -> seen.add(r.name() + " " + Long.toHexString(old) + "->" + Long.toHexString(v)
                + " sts=" + Long.toHexString(f.read(2, 2))));
        f.hook(0x2, (r, old, v) -> seen.add(r.name() + " " + Long.toHexString(old) + "->" + Long.toHexString(v)));
        f.set(2, 2, 0x0110);
        f.write(0, 4, 0x0100_8003L);
        assertThat(seen).as("CTRL's hook already sees STS written; the WO bit is visible to the hook").containsExactly(
                "CTRL 0->8003 sts=10", "STS 110->10");
        assertThat(f.read(0, 2)).as("write-only bit cleared after the hook").isEqualTo(0x0003);
        seen.clear();
        f.write(1, 1, 0);
        assertThat(seen).as("a byte of a register runs its hook with the whole register").containsExactly("CTRL 3->3 sts=10");
    }

    @Test
    void unimplementedBitsAreCountedAndListedNeverFatal() {
        RegisterFile f = file();
        f.write(0, 2, 0x00E1); // bits 7:5 of CTRL are not declared
        assertThat(f.read(0, 2)).as("the declared bits are written, the others dropped").isEqualTo(0x0001);
        f.write(0, 2, 0x0020);
        f.write(8, 4, 0xDEAD_0000L); // nobody declared 0x8..0xB
        f.write(14, 4, 0xFFFF_FFFFL); // half past the end of the block
        f.write(2, 2, 0x00E0); // RsvdZ bits: declared, not counted
        f.write(8, 4, 0); // writing zeros sets nothing
        assertThat(f.unimplementedWrites()).isEqualTo(4);
        assertThat(f.unimplementedLog()).containsExactly("0x000 CTRL bits 0x00e0 (2 writes)", "0x008/4 undeclared bits 0xdead0000 (1 write)",
                "0x00e/4 undeclared bits 0xffffffff (1 write)");
    }

    @Test
    void theRecordSurvivesACheckpoint() throws InputException {
        RegisterFile f = file();
        f.write(0, 2, 0x00E1);
        f.write(8, 4, 0x1);
        StateWriter w = new StateWriter("m");
        w.save(new dev.gvsim.simcore.state.Checkpointable() {
            @Override
            public String stateName() {
                return "regs";
            }

            @Override
            public void saveState(StateWriter out) {
                f.saveUnimplemented(out);
            }

            @Override
            public void restoreState(StateReader in) {
            }
        });
        RegisterFile g = file();
        StateReader r = new StateReader(w.toBytes());
        r.restore(new dev.gvsim.simcore.state.Checkpointable() {
            @Override
            public String stateName() {
                return "regs";
            }

            @Override
            public void saveState(StateWriter out) {
            }

            @Override
            public void restoreState(StateReader in) throws InputException {
                g.restoreUnimplemented(in);
            }
        });
        assertThat(g.unimplementedLog()).isEqualTo(f.unimplementedLog());
        assertThat(g.unimplementedWrites()).isEqualTo(2);
    }

    @Test
    void sealTakesThePowerOnImageAndResetGoesBack() {
        RegisterFile f = file();
        f.set(4, 4, 0xCAFE_0001L); // the owner refines an identity register before sealing
        f.seal();
        assertThat(f.register(4).reset()).as("declaration in line with the sealed image").isEqualTo(0xCAFE_0001L);
        f.write(0, 2, 0x7);
        f.set(2, 2, 0xFF10);
        f.reset();
        assertThat(f.read(0, 8)).isEqualTo(0xCAFE_0001_0010_0000L);
    }

    @Test
    void redeclareReplacesWholeRegistersOnly() {
        RegisterFile f = file();
        f.redeclare(Register.of("ID", 0x4, 4, 0x10, SRC, Field.rw("addr", 31, 4), Field.ro("flags", 3, 0)));
        f.write(4, 4, 0xFFFF_FFFFL);
        assertThat(f.read(4, 4)).isEqualTo(0xFFFF_FFF0L + 0x0);
        assertThatThrownBy(() -> f.redeclare(Register.whole("HALF", 0x2, 1, FieldKind.RO, 0, SRC))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut STS");
    }

    @Test
    void badDeclarationsAreRefusedWithTheReason() {
        RegisterFile f = file();
        assertThatThrownBy(() -> f.declare(Register.whole("X", 0x4, 2, FieldKind.RO, 0, SRC))).hasMessageContaining("overlaps ID");
        assertThatThrownBy(() -> Register.whole("X", 0x8, 4, FieldKind.RO, 0, " ")).hasMessageContaining("cites its source");
        assertThatThrownBy(() -> Register.whole("X", 0x2, 4, FieldKind.RO, 0, SRC)).hasMessageContaining("not aligned");
        assertThatThrownBy(() -> Register.of("X", 0x8, 2, 0, SRC, Field.rw("a", 3, 0), Field.ro("b", 3, 3))).hasMessageContaining("overlaps");
        assertThatThrownBy(() -> Register.of("X", 0x8, 1, 0, SRC, Field.rw("a", 8, 0))).hasMessageContaining("outside");
        assertThatThrownBy(() -> f.declare(Register.whole("X", 0x10, 4, FieldKind.RO, 0, SRC))).hasMessageContaining("past the");
    }

    @Test
    void writesAndHooksDoNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean tb = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(tb.isThreadAllocatedMemorySupported());
        RegisterFile f = file();
        long[] sum = new long[1];
        f.hook(0x0, (r, old, v) -> sum[0] += v - old);
        f.write(0, 2, 0xE0); // the first unimplemented entry is made before measuring
        for (int round = 0; round < 3; round++) {
            long before = tb.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 200_000; i++) {
                f.write(i & 3, 1 << (i & 1), i);
                sum[0] += f.read(0, 4);
            }
            long allocated = tb.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            if (round == 2) {
                assertThat(allocated).as("bytes allocated by 200k register writes").isLessThan(4096);
            }
        }
        assertThat(sum[0]).isNotZero();
    }
}
