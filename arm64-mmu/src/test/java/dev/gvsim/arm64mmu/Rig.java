package dev.gvsim.arm64mmu;

import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.Stats;

/** A small machine for tests: 64 MiB of guest RAM at 0x4000_0000 (QEMU virt), an MMU and its stats. */
final class Rig {
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 64L << 20;
    /** The qxl ram_header VA of the reference oops and its BAR (facts section 4). */
    static final long QXL_VA_PAGE = 0xffff800011f62000L;
    static final long QXL_STORE_VA = 0xffff800011f6349cL;
    static final long BAR_PA = 0x1000_0000L;

    final Params params = new Params().declareAll(MmuParams.ALL);
    final Stats stats = new Stats();
    final SparseMemory ram = new SparseMemory("ram", RAM_SIZE);
    Mmu mmu;

    Rig(String... sets) {
        for (String s : sets) {
            params.set(s);
        }
        mmu = new Mmu(ram, RAM_BASE, params, stats);
    }
}
