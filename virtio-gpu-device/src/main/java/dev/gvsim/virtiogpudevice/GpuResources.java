package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The resource table of QEMU 7.2's 2D virtio-gpu (hw/display/virtio-gpu.c {@code g->reslist} of
 * {@code struct virtio_gpu_simple_resource}): per resource its format and size, the host image of a
 * 2D resource (pixman's, here a {@code byte[]} allocated at RESOURCE_CREATE_2D and charged against
 * {@code max_hostmem}), the guest backing as primitive arrays of (guest address, length) entries
 * (QEMU's {@code res->addrs} / {@code res->iov}), and for a blob resource the view over its guest
 * pages (QEMU's udmabuf mapping, {@code res->blob}; no copy is kept, pixels are read from guest RAM
 * through the {@link Dma}).
 *
 * <p>Limits: QEMU's, resource id 0 invalid, {@code max_hostmem}, 16384 entries per backing
 * (virtio_gpu_create_mapping_iov); gvsim's own, {@link #MAX_RESOURCES} resources and
 * {@link #MAX_TOTAL_ENTRIES} backing entries in all (QEMU has no such bound; past them gvsim
 * answers ERR_OUT_OF_MEMORY and ERR_UNSPEC), so a hostile guest cannot exhaust the simulator.
 *
 * <p>Deviations: QEMU 7.2 computes the host memory charge in 32 bits (calc_image_hostmem), so a
 * resource of 4 GiB or more wraps, passes the {@code max_hostmem} check and pixman then tries to
 * allocate it; gvsim charges the real size and answers ERR_OUT_OF_MEMORY. A backing entry that QEMU
 * would map partly through a bounce buffer (guest RAM running into MMIO) is refused as a whole
 * (dma_memory_map failure, ERR_UNSPEC). The udmabuf of a blob is modelled as the host kernel builds
 * it (drivers/dma-buf/udmabuf.c, 4 KiB host pages): a one-entry backing is used in place, whatever
 * the blob size (virtio_gpu_init_udmabuf's {@code iov_cnt == 1} case; later QEMU adds "and shorter
 * than 4096"); with more entries the dma-buf exists when every entry is page aligned in address and
 * length, and its mmap of blob_size works for 1..the backing size; otherwise {@code res->blob} stays
 * NULL as in QEMU and the resource cannot be scanned out. Guest RAM is taken to be memfd-backed
 * (QEMU refuses {@code blob=on} without udmabuf).
 */
final class GpuResources {
    /** virtio_gpu_create_mapping_iov: "nr_entries is too big (%d > 16384)". */
    static final int MAX_MEM_ENTRIES = 16384;
    /** gvsim bound on live resources (QEMU: none). */
    static final int MAX_RESOURCES = 65536;
    /** gvsim bound on backing entries over all resources (QEMU: none). */
    static final long MAX_TOTAL_ENTRIES = 1L << 22;
    /** The host page of the udmabuf checks (4 KiB assumed for the host). */
    static final int HOST_PAGE = 4096;

    /** One {@code struct virtio_gpu_simple_resource}. */
    static final class Resource {
        final int id;
        /** The virtio format of a 2D resource; 0 for a blob. */
        final int format;
        /** 2D size (uint32 as the guest gave it); 0 for a blob, as QEMU leaves it. */
        final int width;
        final int height;
        final boolean blob;
        final long blobSize;
        final int blobMem;
        final int blobFlags;
        /** The host image of a 2D resource (stride width × 4); null for a blob. */
        final UnsafeBuffer image;
        final long hostmem;
        /** Backing entries: guest address, length, offset of the entry in the backing. */
        long[] addr = new long[0];
        int[] len = new int[0];
        long[] start = new long[0];
        int entries;
        /** QEMU res->iov != NULL. */
        boolean backed;
        /** QEMU res->blob != NULL: the udmabuf view exists. */
        boolean blobMapped;
        /** Scanouts showing this resource (QEMU res->scanout_bitmask). */
        int scanoutMask;
        /** spec MAP_BLOB: offset in the host-visible region, or -1. */
        long mapOffset = -1;

        Resource(int id, int format, int width, int height, boolean blob, long blobSize, int blobMem, int blobFlags, UnsafeBuffer image,
                long hostmem) {
            this.id = id;
            this.format = format;
            this.width = width;
            this.height = height;
            this.blob = blob;
            this.blobSize = blobSize;
            this.blobMem = blobMem;
            this.blobFlags = blobFlags;
            this.image = image;
            this.hostmem = hostmem;
        }

        long backingSize() {
            return entries == 0 ? 0 : start[entries - 1] + (len[entries - 1] & 0xFFFF_FFFFL);
        }

        /** Bytes per row of the host image (pixman stride for 32 bpp). */
        int stride() {
            return width * BYTES_PER_PIXEL;
        }
    }

    private final Dma dma;
    private final long maxHostmem;
    private final Int2ObjectHashMap<Resource> table = new Int2ObjectHashMap<>();
    /** Host memory charged (QEMU g->hostmem). */
    long hostmem;
    long totalEntries;
    /** Scratch for the entries of one ATTACH_BACKING / CREATE_BLOB (read before the resource is touched). */
    final long[] scratchAddr = new long[MAX_MEM_ENTRIES];
    final int[] scratchLen = new int[MAX_MEM_ENTRIES];
    private final UnsafeBuffer word = new UnsafeBuffer(new byte[8]);

    /** virtio_gpu.transfer=zero-copy: a 2D resource's pixels are read from its backing pages, as a blob's are. */
    boolean zeroCopy2d;

    GpuResources(Dma dma, long maxHostmem) {
        this.dma = dma;
        this.maxHostmem = maxHostmem;
    }

    Resource find(int id) {
        return table.get(id);
    }

    int count() {
        return table.size();
    }

    /** virtio_gpu_get_pixman_format: the eight 32-bit formats of docs/facts/virtio-gpu.md §1.7. */
    static boolean formatSupported(int f) {
        return switch (f) {
            case FORMAT_B8G8R8A8_UNORM, FORMAT_B8G8R8X8_UNORM, FORMAT_A8R8G8B8_UNORM, FORMAT_X8R8G8B8_UNORM, FORMAT_R8G8B8A8_UNORM,
                    FORMAT_X8B8G8R8_UNORM, FORMAT_A8B8G8R8_UNORM, FORMAT_R8G8B8X8_UNORM -> true;
            default -> false;
        };
    }

    /**
     * A pixel word as it sits in memory (little-endian load of the 4 bytes) to 0xRRGGBB. The virtio
     * format names the bytes in memory order (B8G8R8X8 = bytes B, G, R, X; QEMU maps it to
     * PIXMAN_x8r8g8b8 on a little-endian host, virtio_gpu_get_pixman_format).
     */
    static int toRgb(int format, int w) {
        return switch (format) {
            case FORMAT_B8G8R8A8_UNORM, FORMAT_B8G8R8X8_UNORM -> w & 0xFFFFFF; // bytes B G R X
            case FORMAT_A8B8G8R8_UNORM, FORMAT_X8B8G8R8_UNORM -> w >>> 8; // bytes X B G R
            case FORMAT_A8R8G8B8_UNORM, FORMAT_X8R8G8B8_UNORM -> swapRb(w >>> 8); // bytes X R G B
            case FORMAT_R8G8B8A8_UNORM, FORMAT_R8G8B8X8_UNORM -> swapRb(w & 0xFFFFFF); // bytes R G B X
            default -> 0;
        };
    }

    private static int swapRb(int bgr) {
        return (bgr & 0xFF) << 16 | (bgr & 0xFF00) | (bgr >>> 16 & 0xFF);
    }

    // ---------------------------------------------------------------- creation and destruction

    /** virtio_gpu_resource_create_2d; returns 0 or the error response. */
    int create2d(int id, int format, int width, int height) {
        if (id == 0 || table.containsKey(id)) {
            return RESP_ERR_INVALID_RESOURCE_ID; // "resource id 0 is not allowed" / "resource already exists"
        }
        if (!formatSupported(format)) {
            return RESP_ERR_INVALID_PARAMETER; // "host couldn't handle guest format"
        }
        long w = width & 0xFFFF_FFFFL;
        long h = height & 0xFFFF_FFFFL;
        long bytes = w * BYTES_PER_PIXEL * h;
        // pixman create_bits: width × bpp and height × stride must not overflow an int (w, h are ints there)
        boolean pixmanFails = w != 0 && h != 0 && (w > Integer.MAX_VALUE / 32 || h > Integer.MAX_VALUE || bytes > Integer.MAX_VALUE - 64);
        if (pixmanFails || bytes + hostmem >= maxHostmem || table.size() >= MAX_RESOURCES) {
            return RESP_ERR_OUT_OF_MEMORY; // "resource creation failed"
        }
        UnsafeBuffer image;
        try {
            image = new UnsafeBuffer(new byte[(int) bytes]);
        } catch (OutOfMemoryError e) {
            return RESP_ERR_OUT_OF_MEMORY; // pixman_image_create_bits returned NULL
        }
        table.put(id, new Resource(id, format, width, height, false, 0, 0, 0, image, bytes));
        hostmem += bytes;
        return 0;
    }

    /**
     * virtio_gpu_resource_create_blob after its checks (the entries are in the scratch arrays, n of
     * them, already validated by {@link #checkEntries}); the udmabuf view as virtio_gpu_init_udmabuf builds it.
     */
    int createBlob(int id, int blobMem, int blobFlags, long size, int n) {
        if (table.size() >= MAX_RESOURCES) {
            return RESP_ERR_OUT_OF_MEMORY; // gvsim bound
        }
        Resource r = new Resource(id, 0, 0, 0, true, size, blobMem, blobFlags, null, 0);
        setBacking(r, n);
        r.blobMapped = udmabufWorks(r);
        table.put(id, r);
        return 0;
    }

    private static boolean udmabufWorks(Resource r) {
        if (r.entries == 0) {
            return false; // UDMABUF_CREATE_LIST with count 0: -EINVAL
        }
        if (r.entries == 1) {
            return true; // used in place (QEMU 7.2: iov_cnt == 1)
        }
        for (int i = 0; i < r.entries; i++) {
            if ((r.addr[i] & (HOST_PAGE - 1)) != 0 || (r.len[i] & (HOST_PAGE - 1)) != 0) {
                return false; // udmabuf_create: !PAGE_ALIGNED(offset/size)
            }
        }
        // virtio_gpu_remap_udmabuf: mmap(blob_size) of the dma-buf fails for 0 or past its size
        return r.blobSize > 0 && Long.compareUnsigned(r.blobSize, r.backingSize()) <= 0;
    }

    /** virtio_gpu_resource_destroy (the caller disables its scanouts first); returns the resource or null. */
    Resource destroy(int id) {
        Resource r = table.remove(id);
        if (r != null) {
            hostmem -= r.hostmem;
            totalEntries -= r.entries;
        }
        return r;
    }

    /** virtio_gpu_reset: every resource destroyed. */
    void clear() {
        table.clear();
        hostmem = 0;
        totalEntries = 0;
    }

    // ---------------------------------------------------------------- backing

    /**
     * The entries of virtio_gpu_create_mapping_iov, already in the scratch arrays: every one must map
     * (dma_memory_map fails for a 0-length entry and for memory the device cannot reach); returns true if all do.
     */
    boolean checkEntries(int n) {
        if (totalEntries + n > MAX_TOTAL_ENTRIES) {
            return false; // gvsim bound
        }
        for (int i = 0; i < n; i++) {
            long l = scratchLen[i] & 0xFFFF_FFFFL;
            if (l == 0 || !dma.reachable(scratchAddr[i], l)) {
                return false; // "failed to map MMIO memory for element %d"
            }
        }
        return true;
    }

    /** The scratch entries become {@code r}'s backing (res->iov; NULL when n is 0, as QEMU's create_mapping_iov leaves it). */
    void setBacking(Resource r, int n) {
        r.addr = Arrays.copyOf(scratchAddr, n);
        r.len = Arrays.copyOf(scratchLen, n);
        r.start = new long[n];
        long s = 0;
        for (int i = 0; i < n; i++) {
            r.start[i] = s;
            s += scratchLen[i] & 0xFFFF_FFFFL;
        }
        r.entries = n;
        r.backed = n > 0;
        totalEntries += n;
    }

    /** virtio_gpu_cleanup_mapping: the backing and, for a blob, its udmabuf view go. */
    void cleanupMapping(Resource r) {
        totalEntries -= r.entries;
        r.addr = new long[0];
        r.len = new int[0];
        r.start = new long[0];
        r.entries = 0;
        r.backed = false;
        r.blobMapped = false;
    }

    /** QEMU virtio_gpu_find_check_resource(require_backing): res->iov and (res->image or res->blob). */
    static boolean hasBacking(Resource r) {
        return r.backed && (!r.blob || r.blobMapped);
    }

    /** The backing entry holding byte {@code off}, or -1. */
    private static int entryAt(Resource r, long off) {
        if (off < 0 || off >= r.backingSize()) {
            return -1;
        }
        int i = Arrays.binarySearch(r.start, 0, r.entries, off);
        if (i < 0) {
            i = -i - 2;
        }
        while (i + 1 < r.entries && r.start[i + 1] <= off) {
            i++; // past zero-length entries (none are accepted, but be safe)
        }
        return i;
    }

    /**
     * QEMU iov_to_buf(res->iov, res->iov_cnt, off, dst + dstOff, len): copies what the backing holds
     * from byte {@code off} on, at most {@code len} bytes, straight from guest RAM; returns the bytes copied.
     */
    long copyFromBacking(Resource r, long off, MutableDirectBuffer dst, int dstOff, int len) {
        int i = entryAt(r, off);
        if (i < 0) {
            return 0;
        }
        long done = 0;
        long in = off - r.start[i];
        while (done < len && i < r.entries) {
            long avail = (r.len[i] & 0xFFFF_FFFFL) - in;
            int n = (int) Math.min(avail, len - done);
            if (n > 0) {
                dma.read(r.addr[i] + in, dst, dstOff + (int) done, n);
                done += n;
            }
            i++;
            in = 0;
        }
        return done;
    }

    /** The guest physical address of backing byte {@code off} when bytes off..off+n-1 lie in one entry, else -1. */
    long guestAddress(Resource r, long off, int n) {
        int i = entryAt(r, off);
        if (i < 0) {
            return -1;
        }
        long in = off - r.start[i];
        return in + n <= (r.len[i] & 0xFFFF_FFFFL) ? r.addr[i] + in : -1;
    }

    /** The little-endian word at byte {@code off} of the resource's memory (host image, or the guest pages of a blob or, zero-copy, of any resource); 0 outside it. */
    int word(Resource r, long off) {
        if (off < 0) {
            return 0;
        }
        if (!r.blob && !zeroCopy2d) {
            return off + 4 <= r.image.capacity() ? r.image.getInt((int) off) : 0;
        }
        if (r.blob && !r.blobMapped) {
            return 0;
        }
        long pa = guestAddress(r, off, 4);
        if (pa >= 0) {
            return (int) dma.read(pa, 4);
        }
        word.putInt(0, 0);
        copyFromBacking(r, off, word, 0, 4); // straddles two entries
        return word.getInt(0);
    }

    // ---------------------------------------------------------------- transfer

    /**
     * The copy of virtio_gpu_transfer_to_host_2d once its checks passed: row by row from the backing at
     * offset + row × stride (32-bit arithmetic, as QEMU's uint32_t src_offset) into the image, or, for
     * offset 0 at (0, 0) with the full width, one bulk copy of the whole image (QEMU copies stride ×
     * image height then, whatever the rect's height). {@code forceRows} takes the row path always (for
     * the differential test). Returns the bytes copied; allocates nothing.
     */
    long transfer(Resource r, int x, int y, int w, int h, long offset, boolean forceRows) {
        int stride = r.stride();
        if (!forceRows && offset == 0 && x == 0 && y == 0 && w == r.width) {
            return copyFromBacking(r, 0, r.image, 0, r.image.capacity());
        }
        long copied = 0;
        int rowBytes = w * BYTES_PER_PIXEL;
        for (int row = 0; row < h; row++) {
            long src = (offset + (long) stride * row) & 0xFFFF_FFFFL;
            int dst = (y + row) * stride + x * BYTES_PER_PIXEL;
            copied += copyFromBacking(r, src, r.image, dst, rowBytes);
        }
        return copied;
    }

    // ---------------------------------------------------------------- spec MAP_BLOB (virtio_gpu.map_blob=spec)

    /** The resource mapped over byte {@code off} of the host-visible region, or null. Linear in the mapped count; allocates nothing. */
    Resource mappedAt(long off) {
        for (Resource r : table.values()) {
            if (r.mapOffset >= 0 && off >= r.mapOffset && off - r.mapOffset < r.blobSize) {
                return r;
            }
        }
        return null;
    }

    /**
     * An access to the host-visible region (BAR4 with {@code hostmem}): with map_blob=spec a mapped
     * blob's guest pages answer at its offset; elsewhere, as QEMU's empty "virtio-gpu-hostmem"
     * container, reads 0 and writes go nowhere. An access straddling two backing entries reads 0.
     */
    void hostmemAccess(long off, Access a) {
        Resource r = mappedAt(off);
        long pa = r == null ? -1 : guestAddress(r, off - r.mapOffset, a.size);
        if (a.isRead()) {
            a.data = pa >= 0 ? dma.read(pa, a.size) : 0;
        } else if (pa >= 0) {
            dma.write(pa, a.size, a.data);
        }
    }

    /** True if [off, off + size) overlaps a mapped blob. */
    boolean mappedOverlaps(long off, long size) {
        for (Resource r : table.values()) {
            if (r.mapOffset >= 0 && off < r.mapOffset + r.blobSize && r.mapOffset < off + size) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- report and state

    /** Resources listed in the report by id (the lowest ones); more are only counted. */
    static final int REPORT_LISTED = 32;

    void report(Map<String, Object> m) {
        m.put("resources", table.size());
        int[] ids = sortedIds();
        Map<String, Object> list = new LinkedHashMap<>();
        for (int k = 0; k < Math.min(ids.length, REPORT_LISTED); k++) {
            list.put(Integer.toString(ids[k]), describe(table.get(ids[k])));
        }
        m.put("resource_table", list);
        m.put("hostmem", hostmem);
        m.put("backing_entries", totalEntries);
    }

    /** Per resource, by id: the table entry. */
    Map<String, Object> describe(Resource r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("blob", r.blob);
        if (r.blob) {
            m.put("size", r.blobSize);
            m.put("mapped", r.blobMapped);
        } else {
            m.put("format", r.format);
            m.put("width", r.width & 0xFFFF_FFFFL);
            m.put("height", r.height & 0xFFFF_FFFFL);
        }
        m.put("entries", r.entries);
        if (r.scanoutMask != 0) {
            m.put("scanouts", r.scanoutMask);
        }
        return m;
    }

    private int[] sortedIds() {
        int[] ids = new int[table.size()];
        int k = 0;
        for (Resource r : table.values()) {
            ids[k++] = r.id;
        }
        Arrays.sort(ids);
        return ids;
    }

    void save(StateWriter w) {
        int[] ids = sortedIds();
        w.putInt(ids.length);
        for (int id : ids) {
            Resource r = table.get(id);
            w.putInt(r.id).putBoolean(r.blob).putInt(r.format).putInt(r.width).putInt(r.height).putLong(r.blobSize).putInt(r.blobMem)
                    .putInt(r.blobFlags).putBoolean(r.backed).putBoolean(r.blobMapped).putInt(r.scanoutMask).putLong(r.mapOffset)
                    .putInt(r.entries);
            for (int i = 0; i < r.entries; i++) {
                w.putLong(r.addr[i]).putInt(r.len[i]);
            }
            if (!r.blob) {
                w.putInt(r.image.capacity());
                w.putBytes(r.image.byteArray(), 0, r.image.capacity());
            }
        }
    }

    void restore(StateReader rd) throws InputException {
        int n = rd.getInt();
        if (n < 0 || n > MAX_RESOURCES) {
            throw new InputException("checkpoint virtio-gpu: " + n + " resources");
        }
        Int2ObjectHashMap<Resource> t = new Int2ObjectHashMap<>();
        long mem = 0;
        long ents = 0;
        for (int k = 0; k < n; k++) {
            int id = rd.getInt();
            boolean blob = rd.getBoolean();
            int format = rd.getInt();
            int width = rd.getInt();
            int height = rd.getInt();
            long blobSize = rd.getLong();
            int blobMem = rd.getInt();
            int blobFlags = rd.getInt();
            boolean backed = rd.getBoolean();
            boolean mapped = rd.getBoolean();
            int mask = rd.getInt();
            long mapOffset = rd.getLong();
            int e = rd.getInt();
            if (id == 0 || t.containsKey(id) || e < 0 || e > MAX_MEM_ENTRIES || (!blob && !formatSupported(format))) {
                throw new InputException("checkpoint virtio-gpu: bad resource " + id);
            }
            long[] a = new long[e];
            int[] l = new int[e];
            for (int i = 0; i < e; i++) {
                a[i] = rd.getLong();
                l[i] = rd.getInt();
            }
            UnsafeBuffer image = null;
            long bytes = 0;
            if (!blob) {
                int size = rd.getInt();
                bytes = (width & 0xFFFF_FFFFL) * BYTES_PER_PIXEL * (height & 0xFFFF_FFFFL);
                if (size != bytes || bytes + mem >= maxHostmem) {
                    throw new InputException("checkpoint virtio-gpu: resource " + id + " image of " + size + " bytes");
                }
                image = new UnsafeBuffer(rd.getBytes(size));
            }
            Resource r = new Resource(id, format, width, height, blob, blobSize, blobMem, blobFlags, image, bytes);
            r.addr = a;
            r.len = l;
            r.start = new long[e];
            long s = 0;
            for (int i = 0; i < e; i++) {
                r.start[i] = s;
                s += l[i] & 0xFFFF_FFFFL;
            }
            r.entries = e;
            r.backed = backed;
            r.blobMapped = mapped;
            r.scanoutMask = mask;
            r.mapOffset = mapOffset;
            mem += bytes;
            ents += e;
            t.put(id, r);
        }
        table.clear();
        table.putAll(t);
        hostmem = mem;
        totalEntries = ents;
    }
}
