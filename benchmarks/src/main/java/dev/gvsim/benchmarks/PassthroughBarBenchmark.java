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
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;

/**
 * The passed-through GPU's BAR access path (issue 25): a register read (the fence register, through
 * the declared register file), a doorbell write (its write hook) and a full CPU store into VRAM
 * under stage 2 (MMU both stages, fabric, the VRAM memory, write gathering). Ops = accesses; the
 * path must not allocate ({@code -prof gc}: 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PassthroughBarBenchmark {
    private Machine m;
    private long regs;
    private long doorbell;
    private final Access a = new Access();
    private int i;
    static final long VA_VRAM = 0xffff_8000_3000_0000L;
    /** layout.GpuRegs FENCE (the benchmark names no device class). */
    static final int FENCE = 0x14;

    @Setup
    public void setup() {
        m = MachineBuilder.build("-M virt -device pcie-root-port,id=rp1,chassis=1 -device gpu-passthrough,profile=amd-rx580,bus=rp1,host-s2=adaptive",
                List.of());
        PciFunction g = m.device("gpu-passthrough");
        long vram = 0;
        for (int b = 0; b < 6; b++) {
            if (g.bar(b) == null) {
                continue;
            }
            switch (g.bar(b).name) {
                case "registers" -> regs = g.barAddress(b);
                case "doorbell" -> doorbell = g.barAddress(b);
                case "vram" -> vram = g.barAddress(b);
                default -> {
                }
            }
        }
        m.applyStage2("kvm");
        m.mmu().map(VA_VRAM, vram, 1 << 20, dev.gvsim.arm64mmu.MemoryType.NORMAL_NC);
    }

    @Benchmark
    public long registerRead() {
        Access x = a.read(regs + FENCE, 4);
        m.pci().memAccess(x);
        return x.data;
    }

    @Benchmark
    public long doorbellWrite() {
        Access x = a.write(doorbell, 4, i++);
        m.pci().memAccess(x);
        return x.latencyPs;
    }

    @Benchmark
    public long vramStoreFullPath() {
        Access x = a.write(VA_VRAM + ((i & 0xFFF) << 3), 8, i);
        i++;
        m.cpuAccess(x, 0);
        return x.latencyPs;
    }
}
