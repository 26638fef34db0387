package dev.gvsim.simcore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sparse, off-heap, little-endian memory: guest RAM over a physical space of up to 2^48 bytes, and
 * the RAM behind RAM-like BARs. 4 KiB pages are allocated on first write (a read of a page never
 * written returns zeros and allocates nothing) from direct chunks of 64 KiB growing to 1 MiB, and found through a
 * three-level radix table (12 + 12 + 12 bits of page number), so an access costs three array loads.
 *
 * <p>As a {@link Target} an access outside {@code [0, capacity)} ends with
 * {@link Status#ADDRESS_ERROR}; the direct accessors below require {@link #contains(long, long)} and
 * throw {@link IndexOutOfBoundsException} otherwise (a model bug, never a guest-reachable path:
 * models check first).
 */
public final class SparseMemory implements Target, dev.gvsim.simcore.state.Checkpointable {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    private static final int LEVEL_BITS = 12;
    private static final int LEVEL_MASK = (1 << LEVEL_BITS) - 1;
    /**
     * Direct memory is taken in chunks that start at 64 KiB and double up to 1 MiB: a machine has
     * several sparse memories (RAM, each RAM-backed BAR) and most touch a few pages, so zeroing a
     * whole 1 MiB per memory per run was a measurable part of a replay (JMH, issue 9).
     */
    private static final int FIRST_CHUNK_PAGES = 16;
    private static final int MAX_CHUNK_PAGES = 256;
    /** The largest capacity: a 48-bit physical address space. */
    public static final long MAX_CAPACITY = 1L << 48;

    private final String name;
    private final long capacity;
    private final long accessLatencyPs;
    private final UnsafeBuffer[][][] root = new UnsafeBuffer[1 << LEVEL_BITS][][];
    private ByteBuffer chunk;
    private int chunkPages;
    private int chunkUsed;
    private long pagesAllocated;
    private final UnsafeBuffer copyBuffer = new UnsafeBuffer(new byte[PAGE_SIZE]);

    /**
     * @param capacity bytes, at most 2^48
     * @param accessLatencyPs latency added to each access through the {@link Target} path
     */
    public SparseMemory(String name, long capacity, long accessLatencyPs) {
        if (capacity <= 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException(name + ": capacity " + capacity + " outside 1..2^48");
        }
        this.name = name;
        this.capacity = capacity;
        this.accessLatencyPs = accessLatencyPs;
    }

    public SparseMemory(String name, long capacity) {
        this(name, capacity, 0);
    }

    public String name() {
        return name;
    }

    public long capacity() {
        return capacity;
    }

    public long pagesAllocated() {
        return pagesAllocated;
    }

    public boolean contains(long addr, long len) {
        return addr >= 0 && len >= 0 && addr <= capacity && len <= capacity - addr;
    }

    private void check(long addr, long len) {
        if (!contains(addr, len)) {
            throw new IndexOutOfBoundsException(String.format("%s: [0x%x, +%d) outside capacity 0x%x", name, addr, len, capacity));
        }
    }

    /** The page holding {@code addr}, or null if never written. */
    private UnsafeBuffer pageOrNull(long addr) {
        long pn = addr >>> PAGE_SHIFT;
        UnsafeBuffer[][] mid = root[(int) (pn >>> (2 * LEVEL_BITS)) & LEVEL_MASK];
        if (mid == null) {
            return null;
        }
        UnsafeBuffer[] leaf = mid[(int) (pn >>> LEVEL_BITS) & LEVEL_MASK];
        if (leaf == null) {
            return null;
        }
        return leaf[(int) pn & LEVEL_MASK];
    }

    private UnsafeBuffer page(long addr) {
        long pn = addr >>> PAGE_SHIFT;
        int i0 = (int) (pn >>> (2 * LEVEL_BITS)) & LEVEL_MASK;
        int i1 = (int) (pn >>> LEVEL_BITS) & LEVEL_MASK;
        int i2 = (int) pn & LEVEL_MASK;
        UnsafeBuffer[][] mid = root[i0];
        if (mid == null) {
            mid = new UnsafeBuffer[1 << LEVEL_BITS][];
            root[i0] = mid;
        }
        UnsafeBuffer[] leaf = mid[i1];
        if (leaf == null) {
            leaf = new UnsafeBuffer[1 << LEVEL_BITS];
            mid[i1] = leaf;
        }
        UnsafeBuffer p = leaf[i2];
        if (p == null) {
            if (chunkUsed == chunkPages) {
                chunkPages = chunkPages == 0 ? FIRST_CHUNK_PAGES : Math.min(MAX_CHUNK_PAGES, chunkPages * 2);
                chunk = ByteBuffer.allocateDirect(chunkPages * PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                chunkUsed = 0;
            }
            p = new UnsafeBuffer(chunk, chunkUsed * PAGE_SIZE, PAGE_SIZE);
            chunkUsed++;
            pagesAllocated++;
            leaf[i2] = p;
        }
        return p;
    }

    /** Reads {@code size} (1..8) bytes little-endian, zero-extended. */
    public long read(long addr, int size) {
        check(addr, size);
        int off = (int) (addr & PAGE_MASK);
        if (off + size <= PAGE_SIZE) {
            UnsafeBuffer p = pageOrNull(addr);
            if (p == null) {
                return 0;
            }
            switch (size) {
                case 1:
                    return p.getByte(off) & 0xFFL;
                case 2:
                    return p.getShort(off, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFFL;
                case 4:
                    return p.getInt(off, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
                case 8:
                    return p.getLong(off, java.nio.ByteOrder.LITTLE_ENDIAN);
                default:
                    break;
            }
        }
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (readByte(addr + i) & 0xFFL) << (8 * i);
        }
        return v;
    }

    /** Writes the low {@code size} (1..8) bytes of {@code value} little-endian. */
    public void write(long addr, int size, long value) {
        check(addr, size);
        int off = (int) (addr & PAGE_MASK);
        if (off + size <= PAGE_SIZE) {
            UnsafeBuffer p = page(addr);
            switch (size) {
                case 1:
                    p.putByte(off, (byte) value);
                    return;
                case 2:
                    p.putShort(off, (short) value, java.nio.ByteOrder.LITTLE_ENDIAN);
                    return;
                case 4:
                    p.putInt(off, (int) value, java.nio.ByteOrder.LITTLE_ENDIAN);
                    return;
                case 8:
                    p.putLong(off, value, java.nio.ByteOrder.LITTLE_ENDIAN);
                    return;
                default:
                    break;
            }
        }
        for (int i = 0; i < size; i++) {
            writeByte(addr + i, (byte) (value >>> (8 * i)));
        }
    }

    public byte readByte(long addr) {
        check(addr, 1);
        UnsafeBuffer p = pageOrNull(addr);
        return p == null ? 0 : p.getByte((int) (addr & PAGE_MASK));
    }

    public void writeByte(long addr, byte b) {
        check(addr, 1);
        page(addr).putByte((int) (addr & PAGE_MASK), b);
    }

    public long readLong(long addr) {
        return read(addr, 8);
    }

    public int readInt(long addr) {
        return (int) read(addr, 4);
    }

    public void writeLong(long addr, long v) {
        write(addr, 8, v);
    }

    public void writeInt(long addr, int v) {
        write(addr, 4, v);
    }

    /** Copies {@code len} bytes out of memory into {@code dst} at {@code dstOff}. */
    public void readBytes(long addr, MutableDirectBuffer dst, int dstOff, int len) {
        check(addr, len);
        long a = addr;
        int done = 0;
        while (done < len) {
            int off = (int) (a & PAGE_MASK);
            int n = Math.min(len - done, PAGE_SIZE - off);
            UnsafeBuffer p = pageOrNull(a);
            if (p == null) {
                dst.setMemory(dstOff + done, n, (byte) 0);
            } else {
                dst.putBytes(dstOff + done, p, off, n);
            }
            done += n;
            a += n;
        }
    }

    public void readBytes(long addr, byte[] dst, int dstOff, int len) {
        readBytes(addr, new UnsafeBuffer(dst), dstOff, len);
    }

    /** Copies {@code len} bytes from {@code src} at {@code srcOff} into memory. */
    public void writeBytes(long addr, DirectBuffer src, int srcOff, int len) {
        check(addr, len);
        long a = addr;
        int done = 0;
        while (done < len) {
            int off = (int) (a & PAGE_MASK);
            int n = Math.min(len - done, PAGE_SIZE - off);
            page(a).putBytes(off, src, srcOff + done, n);
            done += n;
            a += n;
        }
    }

    public void writeBytes(long addr, byte[] src, int srcOff, int len) {
        writeBytes(addr, new UnsafeBuffer(src), srcOff, len);
    }

    /** Fills {@code len} bytes with {@code value}; filling untouched pages with zero allocates nothing. */
    public void fill(long addr, long len, byte value) {
        check(addr, len);
        long a = addr;
        long done = 0;
        while (done < len) {
            int off = (int) (a & PAGE_MASK);
            int n = (int) Math.min(len - done, PAGE_SIZE - off);
            if (value == 0) {
                UnsafeBuffer p = pageOrNull(a);
                if (p != null) {
                    p.setMemory(off, n, value);
                }
            } else {
                page(a).setMemory(off, n, value);
            }
            done += n;
            a += n;
        }
    }

    /** Copies within this memory (overlap-safe: copies backwards when dst is above src). */
    public void copy(long dst, long src, long len) {
        check(dst, len);
        check(src, len);
        if (dst <= src || dst >= src + len) {
            for (long done = 0; done < len; ) {
                int n = (int) Math.min(PAGE_SIZE, len - done);
                readBytes(src + done, copyBuffer, 0, n);
                writeBytes(dst + done, copyBuffer, 0, n);
                done += n;
            }
        } else {
            for (long left = len; left > 0; ) {
                int n = (int) Math.min(PAGE_SIZE, left);
                left -= n;
                readBytes(src + left, copyBuffer, 0, n);
                writeBytes(dst + left, copyBuffer, 0, n);
            }
        }
    }

    /** Calls {@code visitor} for each allocated page in address order (checkpoints, dumps). */
    public void forEachPage(PageVisitor visitor) {
        for (int i0 = 0; i0 < root.length; i0++) {
            UnsafeBuffer[][] mid = root[i0];
            if (mid == null) {
                continue;
            }
            for (int i1 = 0; i1 < mid.length; i1++) {
                UnsafeBuffer[] leaf = mid[i1];
                if (leaf == null) {
                    continue;
                }
                for (int i2 = 0; i2 < leaf.length; i2++) {
                    if (leaf[i2] != null) {
                        long pn = ((long) i0 << (2 * LEVEL_BITS)) | ((long) i1 << LEVEL_BITS) | i2;
                        visitor.page(pn << PAGE_SHIFT, leaf[i2]);
                    }
                }
            }
        }
    }

    /** Visits allocated pages. */
    @FunctionalInterface
    public interface PageVisitor {
        void page(long address, DirectBuffer contents);
    }

    @Override
    public void access(Access a, long offset) {
        a.latencyPs += accessLatencyPs;
        int len = a.size;
        if (!contains(offset, len)) {
            a.fail(Status.ADDRESS_ERROR, offset);
            if (a.isRead()) {
                a.data = a.sizeMask();
            }
            return;
        }
        if (a.buffer != null) {
            if (a.isWrite()) {
                if (!a.has(Access.F_NO_DATA)) {
                    writeBytes(offset, a.buffer, a.bufferOffset, a.size);
                }
            } else {
                readBytes(offset, a.buffer, a.bufferOffset, a.size);
            }
            return;
        }
        if (a.isWrite()) {
            if (a.has(Access.F_NO_DATA)) {
                return;
            }
            if (a.size == 16) {
                write(offset, 8, a.data);
                write(offset + 8, 8, a.dataHi);
            } else {
                write(offset, a.size, a.data);
            }
        } else {
            if (a.size == 16) {
                a.data = read(offset, 8);
                a.dataHi = read(offset + 8, 8);
            } else {
                a.data = read(offset, a.size);
            }
        }
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String stateName() {
        return "memory." + name;
    }

    /** Capacity, then every allocated page that is not all zeros: address and its 4 KiB. */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        w.putLong(capacity);
        java.util.List<Long> pages = new java.util.ArrayList<>();
        forEachPage((addr, contents) -> {
            for (int i = 0; i < PAGE_SIZE; i += 8) {
                if (contents.getLong(i) != 0) {
                    pages.add(addr);
                    return;
                }
            }
        });
        w.putLong(pages.size());
        byte[] buf = new byte[PAGE_SIZE];
        for (long addr : pages) {
            readBytes(addr, buf, 0, PAGE_SIZE);
            w.putLong(addr);
            w.putBytes(buf, 0, PAGE_SIZE);
        }
    }

    /** Restores into this memory: everything not in the checkpoint reads as zero afterwards. */
    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws InputException {
        long cap = r.getLong();
        if (cap != capacity) {
            throw new InputException("checkpoint memory " + name + " has capacity " + cap + ", this machine " + capacity);
        }
        long n = r.getLong();
        if (n < 0 || n > capacity / PAGE_SIZE) {
            throw new InputException("checkpoint memory " + name + ": " + n + " pages");
        }
        java.util.List<Long> allocated = new java.util.ArrayList<>();
        forEachPage((addr, contents) -> allocated.add(addr));
        for (long addr : allocated) {
            fill(addr, PAGE_SIZE, (byte) 0);
        }
        byte[] buf = new byte[PAGE_SIZE];
        for (long i = 0; i < n; i++) {
            long addr = r.getLong();
            if ((addr & (PAGE_SIZE - 1)) != 0 || addr < 0 || addr > capacity - PAGE_SIZE) {
                throw new InputException("checkpoint memory " + name + ": page address 0x" + Long.toHexString(addr) + " out of range");
            }
            r.getBytes(buf, 0, PAGE_SIZE);
            writeBytes(addr, buf, 0, PAGE_SIZE);
        }
    }
}
