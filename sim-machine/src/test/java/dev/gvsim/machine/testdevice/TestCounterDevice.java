package dev.gvsim.machine.testdevice;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.BarKind;
import dev.gvsim.pciefabric.BarMemory;
import dev.gvsim.pciefabric.DeviceMemory;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * A device that exists only in this test module (issue 19's acceptance test of the device
 * contract): {@code -device gvsim-test-counter}. It is built, replayed, reported, checkpointed and
 * scanned out through the contract alone: nothing outside this package names it.
 *
 * <p>BAR0 (4 KiB MMIO, 4-byte registers): {@link #REG_ID} RO, {@link #REG_COUNT} RO,
 * {@link #REG_DOORBELL} WO (writing N schedules, {@code test_counter.delay} later, COUNT += N and
 * INTx), {@link #REG_IRQ_STATUS} W1C. BAR2 (64 KiB RAM, a KVM memslot): a 16x16 x8r8g8b8
 * framebuffer at offset 0, the device's one scanout.
 */
final class TestCounterDevice extends PciFunction {
    static final String DRIVER = "gvsim-test-counter";
    /** QEMU's test vendor ID (hw/misc/edu.c uses 0x1234 too); 0x7e57 is this fixture's own. */
    static final int VENDOR = 0x1234;
    static final int DEVICE = 0x7E57;
    static final int REG_ID = 0x0;
    static final int REG_COUNT = 0x4;
    static final int REG_DOORBELL = 0x8;
    static final int REG_IRQ_STATUS = 0xC;
    static final int ID_VALUE = 0x7E57_0001;
    static final int FB_SIDE = 16;

    private final Scheduler sched;
    private final IrqLine irq;
    private final long delayPs;
    private final SparseMemory buf = new SparseMemory("test_counter.buf", 64 * 1024);
    private final BarMemory bufBehind = new BarMemory(buf, 0);
    private final EventHandler complete;
    private final List<DeviceMemory> memories = List.of(new DeviceMemory("buf", buf));
    private final List<Scanout> scanouts = List.of(new Fb());

    private long count;
    private long doorbells;
    private int irqStatus;
    private long pending = Scheduler.NO_EVENT;

    TestCounterDevice(Scheduler sched, IrqLine irq, long delayPs) {
        super(DRIVER, VENDOR, DEVICE, 0xFF0000, 1, false);
        this.sched = sched;
        this.irq = irq;
        this.delayPs = delayPs;
        this.complete = sched.handler("complete", this::complete);
        setByte(INTERRUPT_PIN, 1);
        declareBar(new Bar(0, BarKind.MEM32, 4096, false, AccessRules.aligned(4, 4), "regs"));
        declareBar(new Bar(2, BarKind.MEM32, 64 * 1024, false, new AccessRules(1, 16, true, 1, 16), "buf"));
        sealResetImage();
    }

    @Override
    public BarMemory memoryBehind(Bar bar) {
        return bar.index == 2 ? bufBehind : null;
    }

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        if (bar.index == 2) {
            buf.access(a, offset);
            return;
        }
        if (a.isRead()) {
            a.data = switch ((int) offset) {
                case REG_ID -> ID_VALUE;
                case REG_COUNT -> count & 0xFFFF_FFFFL;
                case REG_IRQ_STATUS -> irqStatus;
                default -> 0;
            };
            return;
        }
        if (offset == REG_DOORBELL) {
            doorbells++;
            sched.cancel(pending);
            pending = sched.scheduleIn(delayPs, complete, a.data & 0xFFFF_FFFFL);
        } else if (offset == REG_IRQ_STATUS) {
            irqStatus &= (int) ~a.data;
            irq.set(irqStatus != 0, sched.now());
        }
    }

    private void complete(long now, long n) {
        pending = Scheduler.NO_EVENT;
        count += n;
        irqStatus |= 1;
        irq.set(true, now);
    }

    @Override
    protected void deviceReset(ResetKind kind) {
        sched.cancel(pending);
        pending = Scheduler.NO_EVENT;
        count = 0;
        irqStatus = 0;
    }

    @Override
    public Map<String, Object> report() {
        Map<String, Object> m = new TreeMap<>();
        m.put("count", count);
        m.put("doorbells", doorbells);
        m.put("irq_status", irqStatus);
        m.put("pending", sched.isPending(pending));
        return m;
    }

    @Override
    public List<DeviceMemory> memories() {
        return memories;
    }

    @Override
    public List<Scanout> scanouts() {
        return scanouts;
    }

    @Override
    public void saveState(StateWriter w) {
        super.saveState(w);
        w.putLong(count).putLong(doorbells).putInt(irqStatus).putLong(pending);
    }

    @Override
    public void restoreState(StateReader r) throws InputException {
        super.restoreState(r);
        count = r.getLong();
        doorbells = r.getLong();
        irqStatus = r.getInt();
        pending = r.getLong();
    }

    /** The 16x16 framebuffer at BAR2 offset 0, active once COUNT is non-zero. */
    private final class Fb implements Scanout {
        @Override
        public String name() {
            return "fb";
        }

        @Override
        public boolean active() {
            return count != 0;
        }

        @Override
        public int width() {
            return FB_SIDE;
        }

        @Override
        public int height() {
            return FB_SIDE;
        }

        @Override
        public int bitsPerPixel() {
            return 32;
        }

        @Override
        public int pixel(int x, int y) {
            if (x < 0 || y < 0 || x >= FB_SIDE || y >= FB_SIDE) {
                return 0;
            }
            return buf.readInt(4L * (y * FB_SIDE + x)) & 0xFFFFFF;
        }
    }
}
