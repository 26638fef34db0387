package dev.gvsim.simcore;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class AccessTest {

    /** Every instance field set to a non-default value, so a field cpu() forgets to reset shows. */
    private static Access dirty() throws IllegalAccessException {
        Access a = new Access();
        for (Field f : Access.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            Class<?> t = f.getType();
            if (t == int.class) {
                f.setInt(a, 77);
            } else if (t == long.class) {
                f.setLong(a, 0x7777L);
            } else if (t == boolean.class) {
                f.setBoolean(a, true);
            } else if (t == Status.class) {
                f.set(a, Status.EXTERNAL_ABORT);
            } else if (t == String.class) {
                f.set(a, "dirty");
            } else if (t == org.agrona.MutableDirectBuffer.class) {
                f.set(a, new UnsafeBuffer(new byte[8]));
            } else {
                throw new AssertionError("AccessTest does not know how to dirty " + f + ": extend it");
            }
        }
        return a;
    }

    @Test
    void resetGivesEveryFieldItsInitialValue() throws Exception {
        Access fresh = new Access();
        Access reset = dirty().reset();
        for (Field f : Access.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertThat(f.get(reset)).as(f.getName()).isEqualTo(f.get(fresh));
            }
        }
    }

    @Test
    void cpuSetsEveryFieldAsResetPlusTheIssuersFields() throws Exception {
        Access viaCpu = dirty().cpu(Access.WRITE, 0xffff_8000_1000_0000L, 8, Access.F_PAIR, 3, 0x1234, "memcpy+0x140");
        Access viaReset = dirty().reset();
        viaReset.kind = Access.WRITE;
        viaReset.va = 0xffff_8000_1000_0000L;
        viaReset.address = viaReset.va;
        viaReset.size = 8;
        viaReset.flags = Access.F_PAIR;
        viaReset.initiator = 3;
        viaReset.pc = 0x1234;
        viaReset.sym = "memcpy+0x140";
        int compared = 0;
        for (Field f : Access.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertThat(f.get(viaCpu)).as(f.getName()).isEqualTo(f.get(viaReset));
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(21);
        assertThat(viaCpu.status).isEqualTo(Status.OK);
        assertThat(viaCpu.memType).isEqualTo(-1);
    }

    /**
     * After an access that ended clean (no failure, no buffer: so status, detail, the fault fields
     * and the buffer are at their defaults, every other field dirty), nextCpu gives what cpu gives.
     */
    @Test
    void nextCpuAfterACleanAccessIsCpu() throws Exception {
        Access viaNext = clean(dirty());
        assertThat(viaNext.endedClean()).isTrue();
        viaNext.nextCpu(Access.READ, 0xffff_8000_1800_0004L, 4, Access.F_PAIR, 1, 0x88, "qxl_device_init+0x46c");
        Access viaCpu = dirty().cpu(Access.READ, 0xffff_8000_1800_0004L, 4, Access.F_PAIR, 1, 0x88, "qxl_device_init+0x46c");
        for (Field f : Access.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertThat(f.get(viaNext)).as(f.getName()).isEqualTo(f.get(viaCpu));
            }
        }
    }

    @Test
    void anAccessThatFailedOrCarriedABufferDidNotEndClean() throws Exception {
        Access failed = clean(dirty());
        failed.fail(Status.EXTERNAL_ABORT, 0x96000010L);
        assertThat(failed.endedClean()).isFalse();
        Access aborted = clean(dirty());
        aborted.masterAbort();
        assertThat(aborted.endedClean()).isFalse();
        Access bulk = clean(dirty());
        bulk.buffer = new UnsafeBuffer(new byte[8]);
        assertThat(bulk.endedClean()).isFalse();
        assertThat(new Access().endedClean()).isTrue();
    }

    /** The fields only a failure or a bulk access sets, back at their defaults. */
    private static Access clean(Access a) {
        a.status = Status.OK;
        a.detail = 0;
        a.faultAddress = 0;
        a.faultIpa = 0;
        a.faultLevel = 0;
        a.faultStage = 0;
        a.buffer = null;
        a.bufferOffset = 0;
        return a;
    }
}
