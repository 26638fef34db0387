package dev.gvsim.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.arm64mmu.Mmu;
import dev.gvsim.arm64mmu.MmuParams;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;

/**
 * Stage-1 (and stage-1 + stage-2) translation of one access: a TLB hit (the same few pages), a TLB
 * miss with a full table walk (random pages over 1 GiB, far more than the TLB holds). Ops = accesses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class MmuBenchmark {
    static final long RAM_BASE = 0x4000_0000L;
    static final long VA = 0xffff_0000_0000_0000L;
    static final long SPAN = 1L << 30;
    static final int N = 1 << 16;

    @Param({"false", "true"})
    boolean stage2;

    private Mmu mmu;
    private final Access a = new Access();
    private final long[] missVas = new long[N];
    private int i;

    @Setup
    public void setup() {
        Params p = new Params().declareAll(MmuParams.ALL);
        SparseMemory ram = new SparseMemory("ram", 2L << 30);
        mmu = new Mmu(ram, RAM_BASE, p, new Stats());
        mmu.map(VA, RAM_BASE, SPAN, MemoryType.NORMAL_WB);
        if (stage2) {
            mmu.s2map(RAM_BASE, RAM_BASE, 2L << 30, MemoryType.NORMAL_WB);
        }
        SplittableRandom r = new SplittableRandom(42);
        for (int k = 0; k < N; k++) {
            missVas[k] = VA + (r.nextLong(SPAN) & ~7L);
        }
    }

    @Benchmark
    public long tlbHit() {
        Access x = a.read(VA + ((i++ & 7) << 3), 8);
        mmu.translate(x);
        return x.address;
    }

    @Benchmark
    public long tlbMissWalk() {
        Access x = a.read(missVas[i++ & (N - 1)], 8);
        mmu.translate(x);
        return x.address;
    }
}
