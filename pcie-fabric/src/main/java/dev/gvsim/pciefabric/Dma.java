package dev.gvsim.pciefabric;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A bus master's view of guest physical memory: what a device that reads and writes guest RAM
 * (virtqueues, command buffers, backing pages) uses, given by the machine through
 * {@link DeviceContext#dma()}. Addresses are guest physical; {@link #reachable} says whether a range
 * lies wholly in memory the device can reach, and a device checks it before every transfer and
 * answers an unreachable one the way the real device does (QEMU: {@code dma_memory_read} fails with
 * MEMTX_DECODE_ERROR; virtio marks the device broken / needs reset) — a read or write of an
 * unreachable range is a model error, an {@link IllegalArgumentException}. Whether bus mastering is
 * enabled (Command register bit 2) is the device's check, as QEMU's PCI bus-master address space
 * makes it. Nothing here allocates.
 */
public interface Dma {
    /** True if {@code [pa, pa + len)} is guest memory this device can reach ({@code len} &gt;= 0, no wrap). */
    boolean reachable(long pa, long len);

    /** Reads {@code size} (1, 2, 4 or 8) bytes, little-endian. */
    long read(long pa, int size);

    /** Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value}, little-endian. */
    void write(long pa, int size, long value);

    /** Copies {@code len} bytes from guest memory into {@code dst} at {@code dstOff}. */
    void read(long pa, MutableDirectBuffer dst, int dstOff, int len);

    /** Copies {@code len} bytes of {@code src} from {@code srcOff} into guest memory. */
    void write(long pa, DirectBuffer src, int srcOff, int len);

    /** A bus master that reaches nothing (a machine without DMA, device tests that need none). */
    Dma NONE = new Dma() {
        @Override
        public boolean reachable(long pa, long len) {
            return false;
        }

        @Override
        public long read(long pa, int size) {
            throw new IllegalArgumentException("DMA read of 0x" + Long.toHexString(pa) + ": no memory is reachable");
        }

        @Override
        public void write(long pa, int size, long value) {
            throw new IllegalArgumentException("DMA write of 0x" + Long.toHexString(pa) + ": no memory is reachable");
        }

        @Override
        public void read(long pa, MutableDirectBuffer dst, int dstOff, int len) {
            throw new IllegalArgumentException("DMA read of 0x" + Long.toHexString(pa) + ": no memory is reachable");
        }

        @Override
        public void write(long pa, DirectBuffer src, int srcOff, int len) {
            throw new IllegalArgumentException("DMA write of 0x" + Long.toHexString(pa) + ": no memory is reachable");
        }
    };

    /** Guest RAM as a {@link dev.gvsim.simcore.SparseMemory} placed at guest physical {@code base}. */
    static Dma of(dev.gvsim.simcore.SparseMemory ram, long base) {
        return new Dma() {
            @Override
            public boolean reachable(long pa, long len) {
                long off = pa - base;
                return len >= 0 && pa >= base && off <= ram.capacity() - len;
            }

            private long offset(long pa, long len) {
                if (!reachable(pa, len)) {
                    throw new IllegalArgumentException("DMA of " + len + " bytes at 0x" + Long.toHexString(pa) + " outside guest RAM");
                }
                return pa - base;
            }

            @Override
            public long read(long pa, int size) {
                return ram.read(offset(pa, size), size);
            }

            @Override
            public void write(long pa, int size, long value) {
                ram.write(offset(pa, size), size, value);
            }

            @Override
            public void read(long pa, MutableDirectBuffer dst, int dstOff, int len) {
                ram.readBytes(offset(pa, len), dst, dstOff, len);
            }

            @Override
            public void write(long pa, DirectBuffer src, int srcOff, int len) {
                ram.writeBytes(offset(pa, len), src, srcOff, len);
            }
        };
    }
}
