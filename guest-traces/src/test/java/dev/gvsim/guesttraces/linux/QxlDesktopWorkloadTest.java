package dev.gvsim.guesttraces.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.guesttraces.guest.GuestCpu;

/** The desktop workloads' application writes ({@link QxlLinuxDriver#drawImage}) and their determinism, on a CPU that only records. */
class QxlDesktopWorkloadTest {
    /** Records every access as text; loads answer 0; time moves only with delay. */
    static final class Recorder implements GuestCpu {
        final List<String> ops = new ArrayList<>();
        long now;

        @Override
        public void map(long va, long pa, long size, String attr, String comment) {
            ops.add("map " + Long.toHexString(va));
        }

        @Override
        public long read(long va, int size, int flags, String sym) {
            ops.add("rd " + Long.toHexString(va) + " " + size);
            return 0;
        }

        @Override
        public void write(long va, int size, long value, int flags, String sym) {
            ops.add("wr " + Long.toHexString(va) + " " + size + " " + Long.toHexString(value) + " " + sym);
        }

        @Override
        public void memcpy(long dst, long src, long len, String sym) {
            ops.add("memcpy " + Long.toHexString(dst) + " " + Long.toHexString(src) + " " + len);
        }

        @Override
        public void memset(long dst, int value, long len, String sym) {
            ops.add("memset " + Long.toHexString(dst) + " " + Integer.toHexString(value) + " " + len + " " + sym);
        }

        @Override
        public long configRead(int bdf, int offset, int size) {
            return 0;
        }

        @Override
        public void configWrite(int bdf, int offset, int size, long value) {
        }

        @Override
        public long ioRead(long port, int size) {
            return 0;
        }

        @Override
        public void ioWrite(long port, int size, long value) {
        }

        @Override
        public boolean waitForInterrupt(long timeoutPs) {
            now += timeoutPs;
            return false;
        }

        @Override
        public boolean interruptPending() {
            return false;
        }

        @Override
        public void delay(long ps) {
            now += ps;
        }

        @Override
        public void mark(String name) {
            ops.add("mark " + name);
        }

        @Override
        public long now() {
            return now;
        }

        long count(String prefix, String sym) {
            return ops.stream().filter(o -> o.startsWith(prefix) && o.endsWith(sym)).count();
        }
    }

    static QxlLinuxDriver driver(Recorder cpu) {
        return new QxlLinuxDriver(cpu, QxlLinuxDriver.Variant.IOREMAP_WC, 0, 0x3eff0000L, 0x60000000L);
    }

    @Test
    void greyRunsAreMemsetsAndOtherPixelsPairedStores() throws Exception {
        Recorder cpu = new Recorder();
        int w = 16;
        int[] fb = new int[w * 2];
        for (int x = 0; x < 8; x++) {
            fb[x] = 0x808080; // a grey run
            fb[8 + x] = 0x102030 + x; // colours
            fb[w + x] = 0xFFFFFF;
            fb[w + 8 + x] = 0xFFFFFF;
        }
        assertThat(driver(cpu).drawImage(fb, w, 2, 0, 0, 16, 2)).isTrue();
        assertThat(cpu.count("memset", "fb_sys_write")).isEqualTo(2); // row 0's grey run, row 1 whole
        assertThat(cpu.count("wr", "fb_sys_write")).isEqualTo(4); // row 0's 8 colours, two a store
        assertThat(cpu.ops).contains("memset " + Long.toHexString(QxlLinuxDriver.VA_SHADOW_FB) + " 80 32 fb_sys_write");
        assertThat(cpu.ops).contains("wr " + Long.toHexString(QxlLinuxDriver.VA_SHADOW_FB + 32) + " 8 10203100102030 fb_sys_write");
        assertThat(cpu.now).isEqualTo(QxlLinuxDriver.DAMAGE_SETTLE_PS);
    }

    @Test
    void anOddPixelIsAFourByteStoreAndARectangleOutsideTheBufferDrawsNothing() throws Exception {
        Recorder cpu = new Recorder();
        int[] fb = {0x010203, 0x040506, 0x070809};
        assertThat(driver(cpu).drawImage(fb, 3, 1, 0, 0, 3, 1)).isTrue();
        assertThat(cpu.count("wr", "fb_sys_write")).isEqualTo(2);
        assertThat(cpu.ops).anyMatch(o -> o.equals("wr " + Long.toHexString(QxlLinuxDriver.VA_SHADOW_FB + 8) + " 4 70809 fb_sys_write"));
        Recorder none = new Recorder();
        QxlLinuxDriver d = driver(none);
        assertThat(d.drawImage(fb, 3, 1, 1, 0, 3, 1)).isFalse();
        assertThat(d.drawImage(fb, 3, 1, -1, 0, 1, 1)).isFalse();
        assertThat(d.drawImage(fb, 3, 1, 0, 0, 0, 1)).isFalse();
        assertThat(d.drawImage(new int[2], 3, 1, 0, 0, 1, 1)).isFalse();
        assertThat(none.ops).isEmpty();
    }

    @Test
    void theSameSeedGivesTheSameAccessesAnotherSeedOthers() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Recorder c = new Recorder();
        long na = QxlDesktopWorkload.SYNTHETIC.run(driver(a), a, 1024, 768, 7);
        QxlDesktopWorkload.SYNTHETIC.run(driver(b), b, 1024, 768, 7);
        QxlDesktopWorkload.SYNTHETIC.run(driver(c), c, 1024, 768, 8);
        assertThat(na).isGreaterThan(100);
        assertThat(a.ops).isEqualTo(b.ops);
        assertThat(a.ops).isNotEqualTo(c.ops);
        assertThat(a.now).isGreaterThanOrEqualTo(QxlDesktopWorkload.DURATION_PS);
    }

    @Test
    void workloadNamesRoundTripAndUnknownOnesAreClearErrors() {
        for (QxlDesktopWorkload w : QxlDesktopWorkload.values()) {
            assertThat(QxlDesktopWorkload.fromCli(w.cliName())).isEqualTo(w);
        }
        assertThat(QxlDesktopWorkload.WINDOW_DRAG.cliName()).isEqualTo("window-drag");
        assertThatThrownBy(() -> QxlDesktopWorkload.fromCli("gaming")).hasMessageContaining("unknown qxl desktop workload 'gaming'");
    }
}
