package dev.gvsim.machine.guest;

import java.io.IOException;
import java.io.UncheckedIOException;

import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.guesttraces.format.TraceWriter;
import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;
import dev.gvsim.machine.Machine;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.ReplayResult;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;

/**
 * The guest-CPU API of executable guest models, backed by a {@link Machine}. Every call becomes a
 * trace record that is executed by a {@link Replayer} on the machine (so a guest model and a
 * replayed trace take exactly the same path) and, when a writer is given, recorded with the value
 * the machine answered ({@code expect=} on loads, {@code val=} on stores). Replaying the recording
 * on a fresh machine built from its {@code machine} record gives the same result.
 */
public final class MachineGuestCpu implements GuestCpu {
    private final Machine machine;
    private final Replayer replayer;
    private final TraceWriter writer;
    private final TraceRecord rec = new TraceRecord();
    private final IrqLine irq;

    /**
     * @param irq the interrupt line {@link #waitForInterrupt} watches (the driven device's INTx)
     * @param writer where to record, or null
     */
    public MachineGuestCpu(Machine machine, ReplayOptions options, IrqLine irq, TraceWriter writer, String name) {
        this.machine = machine;
        this.replayer = new Replayer(options, name, machine);
        this.writer = writer;
        this.irq = irq;
        begin(Op.MACHINE);
        rec.machineArgs = machine.args();
        record();
    }

    /** Ends the run: settles simulated time and returns the replay result of everything issued. */
    public ReplayResult finish() {
        return replayer.finishRun();
    }

    public Replayer replayer() {
        return replayer;
    }

    private void begin(Op op) {
        rec.clear();
        rec.op = op;
        rec.cpu = 0;
    }

    private Access exec() {
        return replayer.execute(rec);
    }

    private void record() {
        if (writer != null) {
            try {
                writer.write(rec);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void faultCheck(Access a, String what) throws GuestFault {
        if (a.status.isCpuFault()) {
            throw new GuestFault(a.status.name().toLowerCase().replace('_', '-'), a.detail, a.faultAddress,
                    String.format("%s at va 0x%x: %s, ESR 0x%08x FAR 0x%x", what, a.va, a.status, a.detail, a.faultAddress));
        }
    }

    @Override
    public void map(long va, long pa, long size, String attr, String comment) {
        begin(Op.MAP);
        rec.va = va;
        rec.pa = pa;
        rec.size = size;
        rec.attr = MemoryType.fromTraceName(attr).ordinal();
        exec();
        record();
    }

    @Override
    public long read(long va, int size, int flags, String sym) throws GuestFault {
        begin(Op.RD);
        rec.va = va;
        rec.size = size;
        rec.flags = flags;
        rec.sym = sym;
        Access a = exec();
        boolean ok = a.ok();
        long value = a.data;
        if (ok) {
            rec.hasExpect = true;
            rec.expect = value & Access.sizeMask(size);
        }
        record();
        faultCheck(a, "load");
        return rec.expect;
    }

    @Override
    public void write(long va, int size, long value, int flags, String sym) throws GuestFault {
        begin(Op.WR);
        rec.va = va;
        rec.size = size;
        rec.flags = flags;
        rec.sym = sym;
        rec.hasVal = true;
        rec.val = value & Access.sizeMask(size);
        Access a = exec();
        record();
        faultCheck(a, "store");
    }

    @Override
    public void memcpy(long dst, long src, long len, String sym) throws GuestFault {
        begin(Op.MEMCPY);
        rec.dst = dst;
        rec.src = src;
        rec.len = len;
        rec.sym = sym;
        execStringOp("memcpy");
    }

    @Override
    public void memset(long dst, int value, long len, String sym) throws GuestFault {
        begin(Op.MEMSET);
        rec.dst = dst;
        rec.len = len;
        rec.hasVal = true;
        rec.val = value & 0xFF;
        rec.sym = sym;
        execStringOp("memset");
    }

    /** Executes and records a memcpy/memset record; a fault in any of its expanded accesses is the guest's fault. */
    private void execStringOp(String what) throws GuestFault {
        long before = replayer.result().faultCount;
        Access a = exec();
        record();
        if (replayer.result().faultCount != before) {
            faultCheck(a, what);
        }
    }

    @Override
    public long configRead(int bdf, int offset, int size) {
        begin(Op.CFGRD);
        rec.bdf = bdf;
        rec.off = offset;
        rec.size = size;
        return execReadBack();
    }

    /** Executes a config/I/O read record and records it with the value the machine answered. */
    private long execReadBack() {
        Access a = exec();
        rec.hasExpect = true;
        rec.expect = a.data & Access.sizeMask((int) rec.size);
        record();
        return rec.expect;
    }

    @Override
    public void configWrite(int bdf, int offset, int size, long value) {
        begin(Op.CFGWR);
        rec.bdf = bdf;
        rec.off = offset;
        rec.size = size;
        rec.hasVal = true;
        rec.val = value & Access.sizeMask(size);
        exec();
        record();
    }

    @Override
    public long ioRead(long port, int size) {
        begin(Op.IORD);
        rec.port = port;
        rec.size = size;
        return execReadBack();
    }

    @Override
    public void ioWrite(long port, int size, long value) {
        begin(Op.IOWR);
        rec.port = port;
        rec.size = size;
        rec.hasVal = true;
        rec.val = value & Access.sizeMask(size);
        exec();
        record();
    }

    @Override
    public boolean waitForInterrupt(long timeoutPs) {
        long deadline = Math.addExact(now(), timeoutPs);
        EventKernel k = machine.kernel();
        while (true) {
            if (irq != null && irq.level()) {
                return true;
            }
            long next = k.nextEventTime();
            long until = next == EventKernel.NO_EVENT || next > deadline ? deadline : Math.max(next, now());
            if (until <= now() && (next == EventKernel.NO_EVENT || next > deadline)) {
                return irq != null && irq.level();
            }
            delay(until - now());
            if (until >= deadline) {
                return irq != null && irq.level();
            }
        }
    }

    @Override
    public boolean interruptPending() {
        return irq != null && irq.level();
    }

    @Override
    public void delay(long ps) {
        begin(Op.DELAY);
        rec.ps = ps;
        exec();
        record();
    }

    @Override
    public void mark(String name) {
        begin(Op.MARK);
        rec.name = name;
        exec();
        record();
    }

    @Override
    public long now() {
        return Math.max(replayer.cpuClock(0), machine.kernel().now());
    }
}
