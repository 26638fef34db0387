package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.gvsim.pciefabric.Apertures;
import dev.gvsim.pciefabric.DeviceOptions;
import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;
import dev.gvsim.pciefabric.FabricDevices;
import dev.gvsim.pciefabric.LinuxAllocator;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.PciHost;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile-guest properties and a seeded fuzzer for QXL (issue 10, docs/fuzzing.md). The guest owns
 * the RAM header, the rings and every structure they point to; whatever it writes there, and
 * whatever it writes to the I/O ports, the device must not throw, must finish each worker pass
 * (bounded work per notify), and must record a guest error when it enters the error state. Config
 * requests through the host bridge at any offset/size/value leave qxl and qxl-vga identity intact.
 * Mutation-run size: {@code -Dgvsim.fuzz.tries=N}.
 */
class QxlFuzzTest {
    static final int TRIES = Integer.getInteger("gvsim.fuzz.tries", 3000);
    static final long SEED = Long.getLong("gvsim.fuzz.seed", 0x6775_7369_6d10L);
    /** BAR0 offset of the fuzzer's drawables, images and chunks (slot 1 after probe covers it). */
    static final long DRAW = 0x10_0000;
    static final int DRAW_SPAN = 0x4000;

    /** Header fields a hostile guest aims at (QxlLayout, QEMU hw/display/qxl_dev.h QXLRam). */
    static final int[] HEADER_FIELDS = {RAM_OFF_INT_PENDING, RAM_OFF_INT_MASK,
        RAM_OFF_CMD_RING + RING_NUM_ITEMS, RAM_OFF_CMD_RING + RING_PROD, RAM_OFF_CMD_RING + RING_NOTIFY_ON_PROD,
        RAM_OFF_CMD_RING + RING_CONS, RAM_OFF_CMD_RING + RING_NOTIFY_ON_CONS, RAM_OFF_CMD_RING + RING_ITEMS,
        RAM_OFF_CMD_RING + RING_ITEMS + 8, RAM_OFF_CURSOR_RING + RING_NUM_ITEMS, RAM_OFF_CURSOR_RING + RING_PROD,
        RAM_OFF_CURSOR_RING + RING_CONS, RAM_OFF_CURSOR_RING + RING_ITEMS, RAM_OFF_RELEASE_RING + RING_NUM_ITEMS,
        RAM_OFF_RELEASE_RING + RING_PROD, RAM_OFF_RELEASE_RING + RING_CONS, RAM_OFF_UPDATE_AREA, RAM_OFF_UPDATE_AREA + 4,
        RAM_OFF_UPDATE_AREA + 8, RAM_OFF_UPDATE_AREA + 12, RAM_OFF_UPDATE_SURFACE, RAM_OFF_MEM_SLOT_START, RAM_OFF_MEM_SLOT_END,
        RAM_OFF_CREATE_SURFACE + SC_WIDTH, RAM_OFF_CREATE_SURFACE + SC_HEIGHT, RAM_OFF_CREATE_SURFACE + SC_STRIDE,
        RAM_OFF_CREATE_SURFACE + SC_FORMAT, RAM_OFF_CREATE_SURFACE + SC_FLAGS, RAM_OFF_CREATE_SURFACE + SC_TYPE,
        RAM_OFF_CREATE_SURFACE + SC_MEM, RAM_OFF_FLAGS, RAM_OFF_MONITORS_CONFIG, RAM_OFF_GUEST_CAPABILITIES, RAM_OFF_LOG_BUF};

    /** Fields of the structures commands point to (QxlLayout: QXLDrawable, QXLImage, QXLDataChunk, QXLClipRects, QXLSurfaceCmd). */
    static final int[] STRUCT_FIELDS = {DR_RELEASE_INFO, DR_SURFACE_ID, DR_TYPE, DR_BBOX + RECT_TOP, DR_BBOX + RECT_LEFT,
        DR_BBOX + RECT_BOTTOM, DR_BBOX + RECT_RIGHT, DR_CLIP_TYPE, DR_CLIP_DATA, DR_SELF_BITMAP, DR_SURFACES_DEST, FILL_BRUSH_TYPE,
        FILL_BRUSH_COLOR, FILL_ROP, COPY_SRC_BITMAP, COPY_SRC_AREA, COPY_SRC_AREA + 8, COPY_ROP, COPY_SCALE_MODE, IMG_TYPE, IMG_FLAGS,
        IMG_WIDTH, IMG_HEIGHT, BMP_FORMAT, BMP_FLAGS, BMP_X, BMP_Y, BMP_STRIDE, BMP_PALETTE, BMP_DATA, CHUNK_DATA_SIZE, CHUNK_PREV,
        CHUNK_NEXT, CLIP_RECTS_NUM, CLIP_RECTS_CHUNK, SCMD_SURFACE_ID, SCMD_TYPE, SCMD_FLAGS, SCMD_FORMAT, SCMD_WIDTH, SCMD_HEIGHT,
        SCMD_STRIDE, SCMD_DATA};

    // ------------------------------------------------------------------ guest memory + I/O commands

    /** One hostile guest step. */
    record Step(int kind, long a, long b, long c) {
    }

    @Property
    void anyGuestMemoryAndIoSequenceNeverThrowsAndErrorsAreRecorded(@ForAll("steps") List<Step> steps) {
        Guest g = new Guest(new Random(steps.size()), true);
        for (Step s : steps) {
            g.apply(s);
        }
        g.finish();
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            List<Step> l = new ArrayList<>();
            int n = r.nextInt(60);
            for (int i = 0; i < n; i++) {
                l.add(randomStep(r));
            }
            return l;
        });
    }

    @Example
    void seededIoAndRingFuzz() {
        Random r = new Random(SEED);
        long errors = 0;
        long rendered = 0;
        long commands = 0;
        long recoveries = 0;
        int perDevice = 200;
        for (int done = 0; done < TRIES * 10; done += perDevice) {
            Guest g = new Guest(r, r.nextInt(4) != 0);
            for (int i = 0; i < perDevice; i++) {
                g.apply(randomStep(r));
            }
            g.finish();
            errors += g.stats.get("qxl.guest_bugs");
            rendered += g.stats.get("qxl.draws.rendered");
            commands += g.stats.get("qxl.commands");
            recoveries += g.recoveries;
        }
        System.out.printf("qxl fuzz: %d steps, %d guest errors, %d recoveries, %d commands consumed, %d draws rendered%n",
                TRIES * 10, errors, recoveries, commands, rendered);
        // the fuzzer reaches both the error paths and real work
        assertThat(errors).isPositive();
        assertThat(commands).isPositive();
        assertThat(rendered).isPositive();
    }

    static Step randomStep(Random r) {
        int kind = r.nextInt(100);
        return new Step(kind, r.nextLong(), r.nextLong(), r.nextLong());
    }

    /** A device after the Linux probe (slots 1, 2), optionally with a 64x64 primary. */
    static final class Guest {
        final QxlTestDriver d;
        final Stats stats;
        final Random r;
        final EventKernel kernel;
        int recoveries;

        Guest(Random r, boolean primary) {
            this.r = r;
            d = new QxlTestDriver(r.nextInt(3) == 0 ? QxlDevice.QXL_VGA : QxlDevice.QXL, null);
            stats = d.stats;
            kernel = d.kernel;
            d.probe();
            if (primary) {
                d.createPrimary(64, 64, 0);
            }
        }

        long value(long pick, long raw) {
            return switch ((int) Math.floorMod(pick, 12)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> raw & 0xFF;
                case 3 -> raw & 31;
                case 4 -> QxlTestDriver.phys(1, DRAW + Math.floorMod(raw, DRAW_SPAN));
                case 5 -> QxlTestDriver.phys((int) (raw & 0xFF), raw >>> 8 & 0xFFFF_FFFFFFL);
                case 6 -> QxlTestDriver.phys(2, Math.floorMod(raw, 0x40_0000));
                case 7 -> 0x8000_0000L;
                case 8 -> Long.MIN_VALUE;
                case 9 -> raw & 0xFFFF;
                case 10 -> 64;
                default -> raw;
            };
        }

        void apply(Step s) {
            try {
                int k = s.kind;
                if (d.dev.inErrorState() && (s.a & 3) != 0) {
                    // the guest driver's recovery: reset and set the slots up again (keeps the fuzzer past the first bug)
                    d.probe();
                    recoveries++;
                }
                if (k < 10) {
                    // a header field
                    int off = HEADER_FIELDS[(int) Math.floorMod(s.a, HEADER_FIELDS.length)];
                    int size = new int[] {4, 8, 4, 1, 2}[(int) Math.floorMod(s.a >>> 32, 5)];
                    d.hdrWr(off, size, value(s.b, s.c));
                } else if (k < 45) {
                    // a drawable / image / chunk / clip / surface command field in the draw area
                    long off = DRAW + Math.floorMod(s.a, DRAW_SPAN);
                    if ((s.a & 1) == 0) {
                        // a field of a structure at a 64-byte boundary (drawable, image, chunk, clip list, surface command)
                        off = DRAW + 64 * Math.floorMod(s.a >>> 1, DRAW_SPAN / 64)
                                + STRUCT_FIELDS[(int) Math.floorMod(s.a >>> 20, STRUCT_FIELDS.length)];
                    }
                    int size = new int[] {1, 4, 8, 4, 2}[(int) Math.floorMod(s.a >>> 40, 5)];
                    d.wr(0, off, size, value(s.b, s.c));
                } else if (k < 65) {
                    // a plausible command pushed properly, aimed at the draw area
                    long target = DRAW + 64 * Math.floorMod(s.a, DRAW_SPAN / 64);
                    if (s.b % 3 == 0) {
                        d.drawable(target, s.c & 0xFFFF, (int) Math.floorMod(s.c >>> 16, 12), (int) (s.c >>> 20 & 127) - 8,
                                (int) (s.c >>> 28 & 127) - 8, (int) (s.c >>> 36 & 127), (int) (s.c >>> 44 & 127),
                                (int) Math.floorMod(s.c >>> 52, 3), value(s.a >>> 8, s.b));
                    }
                    d.pushCommand(QxlTestDriver.phys(1, target), (int) Math.floorMod(s.b, 7));
                } else if (k < 68) {
                    // a cursor ring push
                    int rr = RAM_OFF_CURSOR_RING;
                    int prod = (int) d.hdrRd(rr + RING_PROD, 4);
                    long item = rr + RING_ITEMS + (long) (prod & (CURSOR_RING_SIZE - 1)) * COMMAND_SIZE;
                    d.hdrWr((int) item, 8, value(s.a, s.b));
                    d.hdrWr((int) item + 8, 4, Math.floorMod(s.c, 5));
                    d.hdrWr(rr + RING_PROD, 4, prod + 1);
                    d.out(IO_NOTIFY_CURSOR, 0);
                } else if (k < 90) {
                    // an I/O port write (reset only now and then, it heals everything)
                    int port;
                    int val = 0;
                    if (Math.floorMod(s.c, 5) != 0) {
                        // what a driver mostly does: notify, update the irq, flush releases, update area
                        port = new int[] {IO_NOTIFY_CMD, IO_NOTIFY_CMD, IO_UPDATE_IRQ, IO_FLUSH_RELEASE, IO_UPDATE_AREA, IO_NOTIFY_OOM,
                            IO_NOTIFY_CURSOR}[(int) Math.floorMod(s.a, 7)];
                    } else {
                        port = (int) Math.floorMod(s.a, 32);
                        if (port == IO_RESET && s.b % 4 != 0) {
                            port = IO_NOTIFY_CMD;
                        }
                        val = (int) (Math.floorMod(s.c, 3) == 0 ? s.b & 0xFF : Math.floorMod(s.b, 10));
                    }
                    d.out(port, val);
                } else if (k < 97) {
                    d.settle();
                } else if (k < 99) {
                    // any BAR, any offset, any size (RAM BARs accept 1..16, the I/O BAR only 1)
                    int bar = (int) Math.floorMod(s.a, 4);
                    long off = Math.floorMod(s.b, bar == 3 ? 32 : 0x4000_0000L);
                    d.wr(bar, off, new int[] {1, 2, 4, 8}[(int) Math.floorMod(s.c, 4)], s.c);
                } else {
                    // a config write to the command register or a BAR
                    d.dev.configWrite(new int[] {PciFunction.COMMAND, PciFunction.BAR0, 0x3C, PciFunction.STATUS}[(int) Math.floorMod(s.a, 4)],
                            2, s.b & 0xFFFF);
                }
                check();
            } catch (RuntimeException | Error e) {
                throw new AssertionError("step " + s + " threw " + e, e);
            }
        }

        void check() {
            QxlDevice q = d.dev;
            if (q.inErrorState()) {
                assertThat(q.guestErrors()).as("the error state always has a recorded reason").isNotEmpty();
            }
            assertThat(kernel.pending()).as("events stay bounded").isLessThan(64);
            assertThat(q.guestErrors().size()).isLessThanOrEqualTo(256);
        }

        void finish() {
            try {
                d.settle();
                check();
                assertThat(d.kernel.pending()).as("work is not rescheduled forever").isLessThan(4);
                d.dev.report();
                // a hard reset always heals the error state
                d.out(IO_RESET, 0);
                d.settle();
                assertThat(d.dev.inErrorState()).isFalse();
            } catch (RuntimeException | Error e) {
                throw new AssertionError("finish threw " + e, e);
            }
        }
    }

    // ------------------------------------------------------------------ configuration space through the host

    @Example
    void configRequestsToQxlAndQxlVgaBehindPortsKeepTheirIdentity() {
        Random r = new Random(SEED + 1);
        int n = TRIES * 10;
        for (int done = 0; done < n; done += 2000) {
            Host h = new Host();
            for (int i = 0; i < 2000; i++) {
                h.apply(r);
            }
            h.check();
        }
    }

    @Property(tries = 100)
    void configWriteSequencesKeepIdentity(@ForAll long seed) {
        Random r = new Random(seed);
        Host h = new Host();
        for (int i = 0; i < 100; i++) {
            h.apply(r);
        }
        h.check();
    }

    /** qxl-vga on the root bus, qxl behind a root port, qxl behind a PCIe-PCI bridge; allocated as Linux does. */
    static final class Host {
        final PciHost host = new PciHost(new Params(), new Stats(), new dev.gvsim.simcore.EventKernel());
        final List<PciFunction> fns = new ArrayList<>();
        final List<Long> ids = new ArrayList<>();
        final EventKernel kernel = new EventKernel();
        final Access a = new Access();

        Host() {
            String args = "-M virt -device qxl-vga,id=v -device pcie-root-port,id=rp1,chassis=1 -device qxl,id=q1,bus=rp1 "
                    + "-device pcie-root-port,id=rp2,chassis=2 -device pcie-pci-bridge,id=pb,bus=rp2 -device qxl,id=q2,bus=pb,addr=3";
            for (DeviceSpec s : DeviceOptions.parse(args).devices()) {
                PciFunction f = FabricDevices.isFabricDevice(s.driver()) ? FabricDevices.standalone(s)
                        : new QxlDevice(s.driver(), QxlConfig.fromProps(s.props()), kernel.scheduler(s.id()), null, new Params(), new Stats());
                f.setId(s.id());
                host.add(f, s.bus() == null ? PciHost.ROOT_BUS : s.bus(), s.slot(), s.fn());
                fns.add(f);
            }
            LinuxAllocator.assign(host, new Apertures());
            for (PciFunction f : fns) {
                ids.add(id(f));
            }
        }

        static long id(PciFunction f) {
            return f.configRead(0, 4) << 32 ^ f.configRead(8, 4) ^ (long) (f.configRead(0x0E, 1) & 0x7F) << 24
                    ^ (f.isBridge() ? 0 : f.configRead(PciFunction.SUBSYSTEM_VENDOR_ID, 4) * 31); // type 0 header only
        }

        void apply(Random r) {
            PciFunction f = fns.get(r.nextInt(fns.size()));
            int bdf = r.nextInt(8) == 0 ? r.nextInt(0x10000) : f.bdf();
            int off = r.nextInt(3) == 0 ? r.nextInt(0x40) : r.nextInt(0x1100) - 0x80;
            int size = new int[] {1, 2, 4, 4, 3, 8}[r.nextInt(6)];
            long v = r.nextBoolean() ? r.nextLong() : r.nextBoolean() ? 0xFFFF_FFFFL : r.nextInt(8);
            a.reset();
            if (r.nextInt(3) == 0) {
                a.read(0, size);
            } else {
                a.write(0, size, v);
            }
            try {
                host.configAccess(a, bdf, off);
                assertThat(a.status.isCpuFault()).isFalse();
                // then a memory and an I/O access wherever the BARs now decode
                a.reset();
                a.read(f.barAddress(r.nextInt(5)) + r.nextInt(0x2000), new int[] {1, 2, 4, 8}[r.nextInt(4)]);
                host.memAccess(a);
                a.reset();
                a.write(0, 1, r.nextInt(256));
                host.ioAccess(a, (f.barAddress(3) + r.nextInt(40)) & 0xFFFF);
                kernel.runUntil(kernel.now() + 1_000_000_000L);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("config access bdf " + PciFunction.formatBdf(bdf) + " off " + off + " size " + size + " threw " + e, e);
            }
        }

        void check() {
            for (int i = 0; i < fns.size(); i++) {
                assertThat(id(fns.get(i))).as("identity of %s", fns.get(i).id()).isEqualTo(ids.get(i));
            }
            PciFunction q = fns.get(2);
            assertThat(q.configRead(PciFunction.VENDOR_ID, 2)).isEqualTo(VENDOR_ID);
            assertThat(q.configRead(PciFunction.DEVICE_ID, 2)).isEqualTo(DEVICE_ID);
        }
    }
}
