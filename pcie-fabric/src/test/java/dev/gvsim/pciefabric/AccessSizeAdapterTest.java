package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.Status;

/**
 * Every region of the fabric fits accesses to what it implements through the one adapter,
 * {@link AccessRules#access} (QEMU access_with_adjusted_size): BARs by their declared rules, legacy
 * ports by QEMU's port-list rules ({@link AccessRules#PORTIO}).
 */
class AccessSizeAdapterTest {
    /** A dword register BAR (valid 1..8 aligned, implemented 4) and legacy ports 0x3C0..0x3CF, logging what reaches them. */
    static final class DwordDevice extends PciFunction {
        final List<String> log = new ArrayList<>();

        DwordDevice() {
            super("dword-dev", 0x1234, 0x0042, 0x030000, 0, false);
            declareBar(new Bar(0, BarKind.MEM32, 4096, false, new AccessRules(1, 8, false, 4, 4), "regs"));
            sealResetImage();
        }

        @Override
        public void barAccess(Bar bar, long offset, Access a) {
            log.add((a.isWrite() ? "wr " : "rd ") + offset + "/" + a.size + (a.isWrite() ? "=0x" + Long.toHexString(a.data) : ""));
            if (a.isRead()) {
                a.data = 0x4433_2211L;
            }
        }

        @Override
        public boolean legacyIoAccess(long port, Access a) {
            if (port < 0x3C0 || port > 0x3CF) {
                return false;
            }
            log.add("io " + (a.isWrite() ? "wr " : "rd ") + Long.toHexString(port) + "/" + a.size);
            if (a.isRead()) {
                a.data = a.size == 4 ? 0xA0A0_A0A0L : 0x5A;
            }
            return true;
        }
    }

    static PciHost hostWith(DwordDevice d) {
        PciHost h = TestDevices.host();
        h.add(d, "pcie.0", 1, 0);
        LinuxAllocator.assign(h, new Apertures());
        return h;
    }

    @Test
    void aNarrowWriteToADwordBarIsOneZeroExtendedDwordWriteAtTheSameOffset() {
        DwordDevice d = new DwordDevice();
        PciHost h = hostWith(d);
        long bar = d.barAddress(0);
        Access w = new Access().write(bar + 5, 1, 0xAB);
        h.memAccess(w);
        assertThat(w.status).isEqualTo(Status.OK);
        assertThat(d.log).as("QEMU: no read-modify-write, the byte zero-extended, the offset kept").containsExactly("wr 5/4=0xab");
        Access r = new Access().read(bar + 6, 2);
        h.memAccess(r);
        assertThat(d.log).endsWith("rd 6/4");
        assertThat(r.data).as("the low two bytes of the dword read").isEqualTo(0x2211);
        Access wide = new Access().write(bar + 8, 8, 0x1111_1111_2222_2222L);
        h.memAccess(wide);
        assertThat(d.log).endsWith("wr 8/4=0x22222222", "wr 12/4=0x11111111");
        Access unaligned = new Access().read(bar + 2, 4);
        h.memAccess(unaligned);
        assertThat(unaligned.status).as("not valid: refused before the adapter").isEqualTo(Status.EXTERNAL_ABORT);
    }

    @Test
    void legacyPortsTakeTheSameAdapterWithQemusPortListRules() {
        DwordDevice d = new DwordDevice();
        PciHost h = hostWith(d);
        Access r = new Access().read(0x3C0, 8);
        h.ioAccess(r, 0x3C0);
        assertThat(d.log).as("8 bytes to a port list: two 4-byte accesses (portio_ops implements 1..4)").containsExactly("io rd 3c0/4",
                "io rd 3c4/4");
        assertThat(r.data).isEqualTo(0xA0A0_A0A0_A0A0_A0A0L);
        d.log.clear();
        Access b = new Access().read(0x3C2, 1);
        h.ioAccess(b, 0x3C2);
        assertThat(d.log).as("an implemented size goes through as it is").containsExactly("io rd 3c2/1");
        assertThat(b.data).isEqualTo(0x5A);
        d.log.clear();
        Access edge = new Access().read(0x3CC, 8);
        h.ioAccess(edge, 0x3CC);
        assertThat(d.log).as("claimed by its first piece; the second port is not the device's").containsExactly("io rd 3cc/4");
        assertThat(edge.data).isEqualTo(0xFFFF_FFFF_A0A0_A0A0L);
        Access none = new Access().read(0x3B0, 8);
        h.ioAccess(none, 0x3B0);
        assertThat(none.status).as("no piece claimed: a master abort").isEqualTo(Status.MASTER_ABORT);
        assertThat(h.report().get("master_aborts_io")).isEqualTo(1L);
    }
}
