package dev.gvsim.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.machine.Machine;
import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.VirtMemoryMap;
import dev.gvsim.pciefabric.Dma;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.virtiogpudevice.virtqueue.Chain;
import dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue;

/**
 * virtio-gpu-pci per operation (ops = one chain or one command; run with {@code -prof gc}: the
 * device's paths allocate nothing, gc.alloc.rate.norm should be ~0 B/op).
 *
 * <ul>
 * <li>{@link #virtqueuePopPush}: the split-ring walk alone, a {@link SplitVirtqueue} over a
 * {@link Dma} on guest RAM: the driver offers a 2-descriptor chain (request + response), the device
 * pops it, pushes and flushes it, asks whether to interrupt.</li>
 * <li>{@link #getDisplayInfoCommand}: a whole command through the machine ({@code -M virt -device
 * virtio-gpu-pci}, BAR4 where the Linux-like allocator puts it): the chain offered in guest RAM, the
 * notify store through the PCI host, the device's scheduled pass (pop, GpuControl, 408-byte response
 * scattered, push, flush, interrupt decision), the ISR read.</li>
 * <li>{@link #transferDamage256x128} and {@link #transferFullFrame1280x800}: TRANSFER_TO_HOST_2D the
 * same way, on a 1280 × 800 B8G8R8X8 resource whose backing is 1000 guest pages of 4 KiB (as the Linux
 * driver's shmem object attaches it): a 256 × 128 damage rect at (512, 256) (128 rows of 1 KiB,
 * QEMU's row loop) and the full frame (offset 0, full width: QEMU's one copy of stride × height,
 * 4 000 000 bytes). Ops = commands; bytes per op are in the method names.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g"})
public class VirtioGpuBenchmark {
    static final long RAM = VirtMemoryMap.RAM_BASE;
    // the driver's rings and buffers (guest physical): queue size 64
    static final long DESC = RAM + 0x10_0000;
    static final long AVAIL = RAM + 0x10_1000;
    static final long USED = RAM + 0x10_2000;
    static final long REQ = RAM + 0x11_0000;
    static final long RESP = RAM + 0x12_0000;
    static final int SIZE = 64;
    static final long REQ_DAMAGE = RAM + 0x11_1000;
    static final long REQ_FULL = RAM + 0x11_2000;
    static final long REQ_SETUP = RAM + 0x11_3000;
    /** The resource's backing: 1000 pages from 16 MiB into RAM. */
    static final long BACKING = RAM + 0x100_0000;
    static final int W = 1280;
    static final int H = 800;

    // ---- queue walk alone
    private SparseMemory qram;
    private SplitVirtqueue vq;
    private final Chain chain = new Chain();
    private int qavail;

    // ---- whole machine
    private Machine m;
    private SparseMemory ram;
    private long bar4;
    private final Access a = new Access();
    private int avail;

    @Setup
    public void setup() {
        // queue walk: 2 MiB of guest RAM at 1 GiB, rings laid out as above
        qram = new SparseMemory("ram", 2 << 20);
        Dma dma = Dma.of(qram, RAM);
        vq = new SplitVirtqueue(dma);
        vq.configure(SIZE, DESC, AVAIL, USED, SplitVirtqueue.VIRTIO_F_INDIRECT_DESC);
        desc(qram, 0, REQ, 24, 1, 1);
        desc(qram, 1, RESP, 408, 2, 0);

        m = MachineBuilder.build("-M virt -device virtio-gpu-pci", List.of());
        ram = m.ram();
        PciFunction f = m.device("virtio-gpu-pci");
        bar4 = f.barAddress(4);
        f.configWrite(0x04, 2, 0x6); // Memory Space + Bus Master (pci_enable_device, pci_set_master)
        probe();
        ram.write(REQ - RAM, 4, 0x0100); // GET_DISPLAY_INFO
        desc(ram, 0, REQ, 24, 1, 1);
        desc(ram, 1, RESP, 408, 2, 0);
        // the resource: RESOURCE_CREATE_2D id 1, B8G8R8X8_UNORM, 1280 x 800
        ram.write(REQ_SETUP - RAM, 4, 0x0101);
        ram.write(REQ_SETUP - RAM + 24, 4, 1);
        ram.write(REQ_SETUP - RAM + 28, 4, 2);
        ram.write(REQ_SETUP - RAM + 32, 4, W);
        ram.write(REQ_SETUP - RAM + 36, 4, H);
        desc(ram, 6, REQ_SETUP, 40, 1, 7);
        desc(ram, 7, RESP, 24, 2, 0);
        command(6);
        checkOk(RESP);
        // RESOURCE_ATTACH_BACKING id 1: 1000 entries of 4 KiB, one page each, as a shmem scatter list
        long at = REQ_SETUP + 0x100;
        int pages = W * H * 4 / 4096;
        ram.write(at - RAM, 4, 0x0106);
        ram.write(at - RAM + 24, 4, 1);
        ram.write(at - RAM + 28, 4, pages);
        for (int i = 0; i < pages; i++) {
            long e = at - RAM + 32 + 16L * i;
            ram.write(e, 8, BACKING + 4096L * i);
            ram.write(e + 8, 4, 4096);
            ram.write(e + 12, 4, 0);
        }
        desc(ram, 6, at, 32 + 16 * pages, 1, 7);
        command(6);
        checkOk(RESP);
        for (long b = 0; b < (long) W * H * 4; b += 8) {
            ram.write(BACKING - RAM + b, 8, 0x00FF_8040_00FF_8040L + b);
        }
        // TRANSFER_TO_HOST_2D: rect, offset (y * stride + x * 4, as the Linux driver computes it), resource_id
        transferRequest(REQ_DAMAGE, 512, 256, 256, 128);
        desc(ram, 2, REQ_DAMAGE, 56, 1, 3);
        desc(ram, 3, RESP + 0x100, 24, 2, 0);
        transferRequest(REQ_FULL, 0, 0, W, H);
        desc(ram, 4, REQ_FULL, 56, 1, 5);
        desc(ram, 5, RESP + 0x200, 24, 2, 0);
        command(2);
        checkOk(RESP + 0x100);
        command(4);
        checkOk(RESP + 0x200);
    }

    private void transferRequest(long at, int x, int y, int w, int h) {
        long r = at - RAM;
        ram.write(r, 4, 0x0105);
        ram.write(r + 24, 4, x);
        ram.write(r + 28, 4, y);
        ram.write(r + 32, 4, w);
        ram.write(r + 36, 4, h);
        ram.write(r + 40, 8, (long) y * W * 4 + x * 4L);
        ram.write(r + 48, 4, 1);
    }

    /** The response at {@code resp} is OK_NODATA. */
    private void checkOk(long resp) {
        long t = ram.read(resp - RAM, 4);
        if (t != 0x1100) {
            throw new IllegalStateException("response 0x" + Long.toHexString(t) + " at 0x" + Long.toHexString(resp));
        }
    }

    static void desc(SparseMemory mem, int i, long addr, int len, int flags, int next) {
        long d = DESC - RAM + 16L * i;
        mem.write(d, 8, addr);
        mem.write(d + 8, 4, len);
        mem.write(d + 12, 2, flags);
        mem.write(d + 14, 2, next);
    }

    private void mmioWrite(int off, int size, long v) {
        m.pci().memAccess(a.write(bar4 + off, size, v));
    }

    private long mmioRead(int off, int size) {
        m.pci().memAccess(a.read(bar4 + off, size));
        return a.data;
    }

    /** The Linux virtio_pci_modern probe: features INDIRECT_DESC + EVENT_IDX + VERSION_1, controlq, DRIVER_OK. */
    private void probe() {
        mmioWrite(0x14, 1, 1);
        mmioWrite(0x14, 1, 3);
        mmioWrite(0x08, 4, 0);
        mmioWrite(0x0c, 4, 0x3000_0000L);
        mmioWrite(0x08, 4, 1);
        mmioWrite(0x0c, 4, 1);
        mmioWrite(0x14, 1, 0xb);
        mmioWrite(0x16, 2, 0);
        mmioWrite(0x20, 4, DESC);
        mmioWrite(0x24, 4, 0);
        mmioWrite(0x28, 4, AVAIL);
        mmioWrite(0x2c, 4, 0);
        mmioWrite(0x30, 4, USED);
        mmioWrite(0x34, 4, 0);
        mmioWrite(0x1c, 2, 1);
        mmioWrite(0x14, 1, 0xf);
        if (mmioRead(0x14, 1) != 0xf) {
            throw new IllegalStateException("virtio-gpu-pci did not reach DRIVER_OK");
        }
    }

    @Benchmark
    public int virtqueuePopPush() {
        // the driver: avail.ring[idx % 64] = 0, avail.idx + 1
        qram.write(AVAIL - RAM + 4 + 2L * (qavail & (SIZE - 1)), 2, 0);
        qavail = (qavail + 1) & 0xFFFF;
        qram.write(AVAIL - RAM + 2, 2, qavail);
        if (vq.pop(chain) != SplitVirtqueue.CHAIN) {
            throw new IllegalStateException("pop: " + vq.errorMessage());
        }
        vq.push(chain.head(), 408);
        vq.flush();
        return vq.needsInterrupt() ? chain.segments() : -chain.segments();
    }

    /** One GET_DISPLAY_INFO: offer, notify, the device's pass, ISR read (ops = commands). */
    @Benchmark
    public long getDisplayInfoCommand() {
        return command(0);
    }

    /** TRANSFER_TO_HOST_2D of a 256 x 128 damage rect: 128 rows of 1 KiB from 1 KiB inside page runs. */
    @Benchmark
    public long transferDamage256x128() {
        return command(2);
    }

    /** TRANSFER_TO_HOST_2D of the whole 1280 x 800 frame (4 000 000 bytes from 1000 pages). */
    @Benchmark
    public long transferFullFrame1280x800() {
        return command(4);
    }

    private long command(int head) {
        ram.write(AVAIL - RAM + 4 + 2L * (avail & (SIZE - 1)), 2, head);
        avail = (avail + 1) & 0xFFFF;
        ram.write(AVAIL - RAM + 2, 2, avail);
        mmioWrite(0x3000, 2, 0); // notify controlq
        m.kernel().runUntilEmpty(); // virtio_gpu.cmd_latency later: the pass
        long isr = mmioRead(0x1000, 1);
        if (ram.read(USED - RAM + 2, 2) != avail) {
            throw new IllegalStateException("command not answered: used.idx " + ram.read(USED - RAM + 2, 2) + ", avail " + avail);
        }
        return isr;
    }
}
