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
import dev.gvsim.simcore.Access;

/**
 * Fabric routing of a memory read through a root port's window to QXL's BAR0 (RAM), a QXL ROM
 * register read, and a full CPU access (MMU + system bus + fabric + device + timing). Ops = accesses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class FabricBenchmark {
    private Machine m;
    private long bar0;
    private long rom;
    private final Access a = new Access();
    private int i;
    static final long VA = 0xffff_8000_1000_0000L;

    @Setup
    public void setup() {
        m = MachineBuilder.build("-M virt -device pcie-root-port,id=rp1,chassis=1 -device qxl,bus=rp1", List.of());
        dev.gvsim.pciefabric.PciFunction q = m.device("qxl");
        bar0 = q.barAddress(0);
        rom = q.barAddress(2);
        m.mmu().map(VA, bar0, 1 << 20, dev.gvsim.arm64mmu.MemoryType.NORMAL_NC);
    }

    @Benchmark
    public long routeThroughRootPort() {
        Access x = a.read(bar0 + ((i++ & 0xFF) << 3), 8);
        m.pci().memAccess(x);
        return x.data;
    }

    @Benchmark
    public long qxlRomRegisterRead() {
        Access x = a.read(rom + ((i++ & 0xF) << 2), 4);
        m.pci().memAccess(x);
        return x.data;
    }

    @Benchmark
    public long cpuAccessFullPath() {
        Access x = a.write(VA + ((i & 0xFFF) << 3), 8, i);
        i++;
        m.cpuAccess(x, 0);
        return x.latencyPs;
    }
}
