package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;
import dev.gvsim.simcore.state.Checkpointable;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * Issue 11: QXL device-private state takes part in checkpoints. A device stopped with two memslots,
 * a primary surface, a drawn frame, a guest error, a worker pass and an async command pending is
 * saved with its three BAR memories, the event kernel and the statistics; restored into a fresh
 * device it saves to the same bytes and continues exactly as the original does.
 */
class QxlCheckpointTest {
    static final String MACHINE = "-M virt -device qxl,id=qxl0";
    static final long DRAW_AREA = QxlDeviceTest.DRAW_AREA;

    static QxlTestDriver named() {
        return new QxlTestDriver(QxlDevice.QXL, null, "qxl0"); // handlers qxl0.async_complete and qxl0.worker, as in a machine
    }

    static Checkpointable[] parts(QxlTestDriver d) {
        return new Checkpointable[] {d.dev, d.dev.ramMemory(), d.dev.vramMemory(), d.dev.romMemory(), d.kernel, d.stats};
    }

    static byte[] save(QxlTestDriver d) {
        StateWriter w = new StateWriter(MACHINE);
        for (Checkpointable c : parts(d)) {
            w.save(c);
        }
        return w.toBytes();
    }

    static void restore(QxlTestDriver d, byte[] cp) throws InputException {
        StateReader r = new StateReader(cp);
        r.requireMachine(MACHINE);
        for (Checkpointable c : parts(d)) {
            r.restore(c);
        }
    }

    /** Drives the guest to the checkpoint point; returns the kernel time there. */
    static void driveToCheckpoint(QxlTestDriver d) {
        d.probe(); // memslots 1 (BAR0 up to the header) and 2 (BAR1)
        d.createPrimary(64, 48, 0);
        int[] px = {0x00FF0000, 0x0000FF00, 0x000000FF, 0x00FFFFFF, 0x00112233, 0x00445566, 0x00778899, 0x00AABBCC};
        long img = DRAW_AREA + 0x1000;
        d.bitmapImage(img, 4, 2, px);
        long dr = DRAW_AREA;
        d.drawable(dr, 0xABCD0001L, DRAW_COPY, 20, 10, 22, 14, CLIP_TYPE_NONE, 0);
        d.wr(0, dr + COPY_SRC_BITMAP, 8, QxlTestDriver.phys(1, img));
        d.wr(0, dr + COPY_SRC_AREA + RECT_BOTTOM, 4, 2);
        d.wr(0, dr + COPY_SRC_AREA + RECT_RIGHT, 4, 4);
        d.wr(0, dr + COPY_ROP, 2, ROPD_OP_PUT);
        d.pushCommand(QxlTestDriver.phys(1, dr), CMD_DRAW);
        d.settle(); // the frame is drawn
        d.pushCommand(QxlTestDriver.phys(5, 0x40), CMD_DRAW); // inactive slot: a spice-side guest error, dropped
        d.settle();
        d.irqHandler();
        // A clipped fill: pushed, the worker pass is scheduled but has not run.
        long dr2 = DRAW_AREA + 0x2000;
        d.clippedSolidFill(dr2, 0xABCD0002L, 48, 64, DRAW_AREA + 0x3000, 30, 30, 33, 32, 0x00336699);
        d.pushCommand(QxlTestDriver.phys(1, dr2), CMD_DRAW);
        // An async memslot add (slot 3, the top of BAR1): the completion event is pending.
        d.hdrWr(RAM_OFF_MEM_SLOT_START, 8, QxlTestDriver.BAR1 + 0x200_0000L);
        d.hdrWr(RAM_OFF_MEM_SLOT_END, 8, QxlTestDriver.BAR1 + 0x400_0000L);
        d.out(IO_MEMSLOT_ADD_ASYNC, 3);
    }

    /** The rest of the run: everything the guest and a report can observe, interrupt edges with their times. */
    static List<Object> continueRun(QxlTestDriver d) {
        List<String> edges = new ArrayList<>();
        d.irq.setListener((line, level, now) -> edges.add((level ? "rise@" : "fall@") + now));
        d.kernel.runUntilEmpty();
        List<Object> seen = new ArrayList<>();
        seen.add(d.kernel.now());
        seen.add(d.irqHandler());
        d.out(IO_FLUSH_RELEASE, 0);
        seen.add(d.hdrRd(RAM_OFF_RELEASE_RING + RING_PROD, 4));
        seen.add(d.hdrRd(RAM_OFF_RELEASE_RING + RING_ITEMS + 8, 8));
        seen.add(d.dev.primaryPixel(10, 20));
        seen.add(d.dev.primaryPixel(31, 32));
        seen.add(d.dev.primaryPixel(32, 32));
        seen.add(d.dev.memslotActive(3));
        // one more async command after the restore point: handles and sequence numbers keep going
        d.out(IO_UPDATE_IRQ, 0);
        d.out(IO_FLUSH_SURFACES_ASYNC, 0);
        d.kernel.runUntilEmpty();
        seen.add(d.irqHandler());
        seen.add(edges);
        seen.add(d.dev.report());
        seen.add(d.stats.get("qxl.commands"));
        return seen;
    }

    @Test
    void midCommandCheckpointRestoresToTheSameBytesAndTheSameFuture() throws Exception {
        QxlTestDriver a = named();
        driveToCheckpoint(a);
        assertThat(a.kernel.pending()).as("worker pass and async completion pending").isEqualTo(2);
        assertThat(a.dev.guestErrors()).hasSize(1);
        byte[] cp = save(a);

        QxlTestDriver b = named();
        b.out(IO_RESET, 0); // a fresh device that did something else first: the checkpoint overrides it
        restore(b, cp);
        assertThat(b.kernel.pending()).isEqualTo(2);
        assertThat(b.kernel.now()).isEqualTo(a.kernel.now());
        assertThat(b.dev.report()).isEqualTo(a.dev.report());
        assertThat(b.dev.memslotActive(1)).isTrue();
        assertThat(b.dev.memslotActive(2)).isTrue();
        assertThat(b.dev.primaryPixel(10, 20)).isEqualTo(0xFF0000);
        assertThat(b.dev.guestErrors()).isEqualTo(a.dev.guestErrors());
        assertThat(save(b)).as("save -> restore -> save").isEqualTo(cp);

        List<Object> ra = continueRun(a);
        List<Object> rb = continueRun(b);
        assertThat(rb).isEqualTo(ra);
        // and the run did what it should, so the equality above compares something
        assertThat(ra.get(4)).isEqualTo(0xFF0000);
        assertThat(ra.get(5)).isEqualTo(0x336699);
        assertThat(ra.get(6)).isEqualTo(0);
        assertThat(ra.get(7)).isEqualTo(true);
        @SuppressWarnings("unchecked")
        List<String> edges = (List<String>) ra.get(9);
        assertThat(edges).isNotEmpty();
        assertThat(edges.get(0)).startsWith("rise@");
        assertThat(save(b)).as("final state").isEqualTo(save(a));
    }

    @Test
    void restoreIntoADifferentlySizedDeviceIsRefused() throws Exception {
        QxlTestDriver a = named();
        a.probe();
        byte[] cp = save(a);
        EventKernel k = new EventKernel();
        QxlDevice other = new QxlDevice(QxlDevice.QXL, QxlConfig.fromProps(Map.of("ram_size_mb", "128")), k.scheduler("qxl0"), new IrqLine("x"),
                new Params(), new Stats());
        other.setId("qxl0");
        StateReader r = new StateReader(cp);
        assertThatThrownBy(() -> r.restore(other)).isInstanceOf(InputException.class).hasMessageContaining("ram_size");
        QxlDevice vga = new QxlDevice(QxlDevice.QXL_VGA, QxlConfig.defaults(), k.scheduler("qxl0b"), null, new Params(), new Stats());
        vga.setId("qxl0b");
        assertThatThrownBy(() -> new StateReader(cp).restore(new Renamed(vga, "pci.qxl0"))).isInstanceOf(InputException.class)
                .hasMessageContaining("qxl-vga");
    }

    @Test
    void aPendingEventOfAnUnnamedDeviceNeedsTheSameHandlerNames() throws Exception {
        QxlTestDriver a = named();
        driveToCheckpoint(a);
        byte[] cp = save(a);
        QxlTestDriver b = new QxlTestDriver(); // never named: its handlers are not "qxl0.*"
        StateReader r = new StateReader(cp);
        r.restore(b.dev.ramMemory());
        assertThatThrownBy(() -> r.restore(b.kernel)).isInstanceOf(InputException.class).hasMessageContaining("handler 'qxl0.");
    }

    @Test
    void vgaAndVbeRegistersTakePart() throws Exception {
        QxlTestDriver a = new QxlTestDriver(QxlDevice.QXL_VGA, null, "qxl0");
        dev.gvsim.simcore.Access x = new dev.gvsim.simcore.Access();
        // Bochs VBE: 800x600x32, enabled with LFB (index port 0x1CE, data port 0x1D0)
        int[][] vbe = {{BochsVbe.INDEX_XRES, 800}, {BochsVbe.INDEX_YRES, 600}, {BochsVbe.INDEX_BPP, 32},
            {BochsVbe.INDEX_ENABLE, BochsVbe.ENABLED | BochsVbe.LFB_ENABLED}};
        for (int[] iv : vbe) {
            a.dev.legacyIoAccess(0x1CE, x.write(0x1CE, 2, iv[0]));
            a.dev.legacyIoAccess(0x1D0, x.write(0x1D0, 2, iv[1]));
        }
        // VGA: Misc Output (colour), a sequencer register, a DAC entry half written
        a.dev.legacyIoAccess(0x3C2, x.write(0x3C2, 1, 0x01));
        a.dev.legacyIoAccess(0x3C4, x.write(0x3C4, 1, 2));
        a.dev.legacyIoAccess(0x3C5, x.write(0x3C5, 1, 0x0F));
        a.dev.legacyIoAccess(0x3C8, x.write(0x3C8, 1, 7));
        a.dev.legacyIoAccess(0x3C9, x.write(0x3C9, 1, 0x11));
        a.dev.legacyIoAccess(0x3C9, x.write(0x3C9, 1, 0x22));
        assertThat(a.dev.vbe().xres()).isEqualTo(800);
        byte[] cp = save(a);

        QxlTestDriver b = new QxlTestDriver(QxlDevice.QXL_VGA, null, "qxl0");
        restore(b, cp);
        assertThat(b.dev.vbe().xres()).isEqualTo(800);
        assertThat(b.dev.vbe().enabled()).isTrue();
        assertThat(save(b)).isEqualTo(cp);
        // the DAC's third component completes entry 7 the same way in both
        for (QxlTestDriver d : List.of(a, b)) {
            d.dev.legacyIoAccess(0x3C9, x.write(0x3C9, 1, 0x33));
            d.dev.legacyIoAccess(0x3C7, x.write(0x3C7, 1, 7));
        }
        long[] got = new long[6];
        for (int i = 0; i < 3; i++) {
            a.dev.legacyIoAccess(0x3C9, x.read(0x3C9, 1));
            got[i] = x.data;
            b.dev.legacyIoAccess(0x3C9, x.read(0x3C9, 1));
            got[3 + i] = x.data;
        }
        assertThat(got).containsExactly(0x11, 0x22, 0x33, 0x11, 0x22, 0x33);
        a.dev.legacyIoAccess(0x3C5, x.read(0x3C5, 1));
        long sa = x.data;
        b.dev.legacyIoAccess(0x3C5, x.read(0x3C5, 1));
        assertThat(x.data).isEqualTo(sa).isEqualTo(0x0F);
    }

    /** A device saved under another section name (to offer a section to a device of another type). */
    private record Renamed(QxlDevice d, String name) implements Checkpointable {
        @Override
        public String stateName() {
            return name;
        }

        @Override
        public void saveState(StateWriter w) {
            d.saveState(w);
        }

        @Override
        public void restoreState(StateReader r) throws InputException {
            d.restoreState(r);
        }
    }
}
