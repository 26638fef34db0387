package dev.gvsim.arm64mmu;

import dev.gvsim.simcore.SparseMemory;

/**
 * Memory that holds translation tables, with a bump allocator over a pool, and the page-table
 * builder shared by stage 1 and stage 2 (VMSAv8-64 4 KiB granule, ARM DDI 0487 D8.3 "Translation
 * table descriptor formats"): invalid / table / block / page descriptors, level-1 and level-2
 * blocks, splitting a block when part of it is remapped or unmapped. Wiring/trace time only: the
 * builder may allocate, the walker in {@link Mmu} never does.
 */
final class TableSpace {
    /** Descriptor bit 0: valid. */
    static final long DESC_VALID = 1L;
    /** Bits [1:0] = 0b11: table (levels 0-2) or page (level 3); 0b01: block (levels 1-2). */
    static final long DESC_TABLE_OR_PAGE = 0b11L;
    static final long DESC_BLOCK = 0b01L;
    /** Output / next-level table address bits [47:12] (48-bit OA). */
    static final long OA_MASK = 0x0000_FFFF_FFFF_F000L;
    /** Leaf attributes kept when a block is split: lower [11:2] and upper [63:50] except Contiguous [52]. */
    static final long LEAF_ATTR_MASK = 0xFFFC_0000_0000_0FFCL & ~(1L << 52);

    final String name;
    final SparseMemory mem;
    /** Address of mem offset 0. */
    final long base;
    final long poolStart;
    final long poolEnd;
    private long next;
    private long tablesAllocated;

    TableSpace(String name, SparseMemory mem, long base, long poolStart, long poolEnd) {
        this.name = name;
        this.mem = mem;
        this.base = base;
        this.poolStart = poolStart;
        this.poolEnd = poolEnd;
        this.next = poolStart;
    }

    /** Allocation cursor and count (checkpoints). */
    long next() {
        return next;
    }

    long tablesAllocatedCount() {
        return tablesAllocated;
    }

    void restoreCursor(long n, long allocated) {
        next = n;
        tablesAllocated = allocated;
    }

    boolean contains(long addr) {
        long off = addr - base;
        return off >= 0 && off <= mem.capacity() - 8;
    }

    long read(long addr) {
        return mem.readLong(addr - base);
    }

    void write(long addr, long desc) {
        mem.writeLong(addr - base, desc);
    }

    long tablesAllocated() {
        return tablesAllocated;
    }

    long bytesUsed() {
        return next - poolStart;
    }

    /** A zeroed table of {@code bytes} (a power of two >= 4096), aligned to its size. */
    long alloc(long bytes) {
        long a = (next + bytes - 1) & -bytes;
        if (a < next || a + bytes > poolEnd || a + bytes < a) {
            throw new IllegalArgumentException(String.format("%s: table pool exhausted (%d of %d bytes used); raise its pool parameter", name,
                    next - poolStart, poolEnd - poolStart));
        }
        next = a + bytes;
        mem.fill(a - base, bytes, (byte) 0);
        tablesAllocated += bytes >>> 12;
        return a;
    }

    /** Bits of the index at a level: {@code firstBits} at the start level, 9 below. */
    static int shift(int level) {
        return 12 + 9 * (3 - level);
    }

    /**
     * Writes leaf descriptors for [ia, ia+size) -> [oa, ...) with {@code attrs} (a descriptor
     * without OA and type bits).
     */
    void setRange(long table, int level, int indexBits, long ia, long size, long oa, long attrs, boolean useBlocks) {
        while (size > 0) {
            int sh = shift(level);
            long span = 1L << sh;
            long idx = (ia >>> sh) & ((1L << indexBits) - 1);
            long entry = table + (idx << 3);
            long off = ia & (span - 1);
            long chunk = Math.min(size, span - off);
            if (level == 3) {
                write(entry, (oa & OA_MASK) | (attrs & LEAF_ATTR_MASK) | DESC_TABLE_OR_PAGE);
            } else if (level >= 1 && useBlocks && off == 0 && chunk == span && (oa & (span - 1)) == 0) {
                write(entry, (oa & OA_MASK) | (attrs & LEAF_ATTR_MASK) | DESC_BLOCK);
            } else {
                long sub = subTable(entry, level);
                setRange(sub, level + 1, 9, ia, chunk, oa, attrs, useBlocks);
            }
            ia += chunk;
            oa += chunk;
            size -= chunk;
        }
    }

    /** Invalidates the descriptors of [ia, ia+size), splitting blocks that are partly covered. */
    void clearRange(long table, int level, int indexBits, long ia, long size) {
        while (size > 0) {
            int sh = shift(level);
            long span = 1L << sh;
            long idx = (ia >>> sh) & ((1L << indexBits) - 1);
            long entry = table + (idx << 3);
            long off = ia & (span - 1);
            long chunk = Math.min(size, span - off);
            long d = read(entry);
            if ((d & DESC_VALID) != 0) {
                if (off == 0 && chunk == span) {
                    write(entry, 0L); // a sub-table left behind is not reused (bounded by the pool)
                } else if (level < 3) {
                    clearRange(subTable(entry, level), level + 1, 9, ia, chunk);
                }
            }
            ia += chunk;
            size -= chunk;
        }
    }

    /** The next-level table of an entry, creating it, or splitting a block into 512 smaller leaves. */
    private long subTable(long entry, int level) {
        long d = read(entry);
        if ((d & DESC_TABLE_OR_PAGE) == DESC_TABLE_OR_PAGE) {
            return d & OA_MASK;
        }
        long t = alloc(4096);
        if ((d & DESC_VALID) != 0) { // a block: same attributes, smaller pieces
            int child = level + 1;
            long childSpan = 1L << shift(child);
            long oa = d & OA_MASK & -(1L << shift(level));
            long type = child == 3 ? DESC_TABLE_OR_PAGE : DESC_BLOCK;
            for (int i = 0; i < 512; i++) {
                write(t + ((long) i << 3), ((oa + i * childSpan) & OA_MASK) | (d & LEAF_ATTR_MASK) | type);
            }
        }
        write(entry, t | DESC_TABLE_OR_PAGE);
        return t;
    }
}
