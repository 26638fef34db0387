package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Stats;

/** Small PciFunction subclasses with the BAR layouts of the reference devices. */
final class TestDevices {
    private TestDevices() {
    }

    /** Records the last BAR access. */
    abstract static class Recording extends PciFunction {
        Bar lastBar;
        long lastOffset = -1;
        long lastData;
        int accesses;

        Recording(String type, int vendor, int device, int cls, int rev) {
            super(type, vendor, device, cls, rev, false);
        }

        @Override
        public void barAccess(Bar bar, long offset, Access a) {
            lastBar = bar;
            lastOffset = offset;
            accesses++;
            if (a.isWrite()) {
                lastData = a.data;
            } else {
                a.data = 0x5A5A_0000L | offset;
            }
        }
    }

    /** QXL's BARs (docs/facts/qxl.md §4.2): 64 MiB, 64 MiB, 8 KiB 32-bit memory, 32 B I/O; 1b36:0100 class 0x038000 rev 5. */
    static final class QxlLike extends Recording {
        QxlLike() {
            super("qxl", 0x1B36, 0x0100, 0x038000, 5);
            config[INTERRUPT_PIN] = 1;
            setWord(SUBSYSTEM_VENDOR_ID, 0x1AF4);
            setWord(SUBSYSTEM_ID, 0x1100);
            declareBar(new Bar(0, BarKind.MEM32, 64L << 20, false, AccessRules.ANY, "vram"));
            declareBar(new Bar(1, BarKind.MEM32, 64L << 20, false, AccessRules.ANY, "surface"));
            declareBar(new Bar(2, BarKind.MEM32, 8192, false, AccessRules.ANY, "rom"));
            declareBar(new Bar(3, BarKind.IO, 32, false, AccessRules.aligned(1, 1), "ioports"));
            sealResetImage();
        }
    }

    /** Two 32-bit memory BARs of the given sizes (a display-class endpoint for allocation tests). */
    static final class TwoMemBars extends Recording {
        TwoMemBars(long size0, long size1) {
            super("two-mem-bars", 0x1B36, 0x00FF, 0x038000, 1);
            declareBar(new Bar(0, BarKind.MEM32, size0, false, AccessRules.ANY, "bar0"));
            declareBar(new Bar(1, BarKind.MEM32, size1, false, AccessRules.ANY, "bar1"));
            sealResetImage();
        }
    }

    /** virtio-gpu-pci's BARs: BAR1 4 KiB (MSI-X), BAR4 16 KiB 64-bit prefetchable; 1af4:1050. */
    static final class VirtioGpuLike extends Recording {
        VirtioGpuLike() {
            super("virtio-gpu-pci", 0x1AF4, 0x1050, 0x038000, 1);
            declareBar(new Bar(1, BarKind.MEM32, 4096, false, AccessRules.ANY, "msix"));
            declareBar(new Bar(4, BarKind.MEM64, 16384, true, AccessRules.ANY, "modern"));
            addExpressCapability(0x80, EXP_TYPE_ENDPOINT, false, 1, 1); // QEMU virtio-pci on PCIe: x1, 2.5 GT/s
            sealResetImage();
        }
    }

    /** An express endpoint with FLR, PM, MSI-X, a 64-bit BAR, an I/O BAR and an expansion ROM. */
    static final class ExpressDevice extends Recording {
        ExpressDevice(boolean noSoftReset) {
            super("test-ep", 0x1234, 0x5678, 0x030000, 1);
            declareBar(new Bar(0, BarKind.MEM64, 16384, true, AccessRules.ANY, "mem64"));
            declareBar(new Bar(2, BarKind.MEM32, 4096, false, AccessRules.aligned(4, 4), "regs"));
            declareBar(new Bar(4, BarKind.IO, 256, false, AccessRules.ANY, "io"));
            declareRom(64 * 1024);
            addPmCapability(0x40, noSoftReset);
            addMsixCapability(0x50, 4, 2, 0x800, 2, 0xC00);
            addExpressCapability(0x60, EXP_TYPE_ENDPOINT, true, 3, 4);
            addVendorCapability(0xA0, new byte[] {1, 2, 3});
            sealResetImage();
        }
    }

    /** A generic bridge with 32-bit I/O decode. */
    static final class Io32Bridge extends PciBridgeBase {
        Io32Bridge() {
            super("io32-bridge", 0x1234, 0x0001, 0, true, false);
            sealResetImage();
        }
    }

    /** A settable clock: a machine passes its event kernel, a test sets the time where it needs it. */
    static final class TestClock implements Clock {
        long now;

        @Override
        public long now() {
            return now;
        }
    }

    static PciHost host() {
        return new PciHost(new Params(), new Stats(), new TestClock());
    }

    /** Sets the time of a host built here (its {@link TestClock}). */
    static void setTime(PciHost h, long ps) {
        ((TestClock) h.clock()).now = ps;
    }

    /** A host with the PCI specification's behaviour instead of QEMU's (the defaults follow QEMU). */
    static PciHost specHost() {
        Params p = new Params().declareAll(PciHost.PARAMS);
        p.set("pcie.bridge_isa_filter", "true");
        p.set("pcie.bridge_window_holes_fall_through", "false");
        p.set("pcie.allow_0_io_address", "false");
        return new PciHost(p, new Stats(), new TestClock());
    }

    static long cfgRead(PciHost h, int bdf, int off, int size) {
        Access a = new Access().read(0, size);
        h.configAccess(a, bdf, off);
        return a.data;
    }

    static void cfgWrite(PciHost h, int bdf, int off, int size, long v) {
        Access a = new Access().write(0, size, v);
        h.configAccess(a, bdf, off);
    }

    static int bdf(int bus, int dev, int fn) {
        return bus << 8 | dev << 3 | fn;
    }
}
