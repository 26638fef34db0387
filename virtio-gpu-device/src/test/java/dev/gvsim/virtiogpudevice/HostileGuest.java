package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import dev.gvsim.pciefabric.Dma;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.virtiogpudevice.virtqueue.VirtqueueError;

/**
 * A hostile guest for the fuzz and property targets (docs/fuzzing.md): one virtio-gpu-pci function
 * over a small guest RAM whose every DMA write goes through an oracle that does not use the device's
 * code. A device write is allowed only inside the control queue's used ring or inside a buffer that
 * some descriptor in guest memory marks device-writable (VIRTQ_DESC_F_WRITE) — in the descriptor
 * table, or in an indirect table one of its descriptors names — at the time the device could have
 * popped it (the allowed ranges accumulate from the start of each pass, since a response may itself
 * rewrite a table). A read outside guest RAM is a model error of {@link Dma#of} (an exception).
 */
final class HostileGuest {
    static final long BASE = 0x4000_0000L;
    /** Guest RAM: 1 MiB at BASE. */
    static final long RAM = 1 << 20;
    /** Controlq rings (queue size at most 64): descriptor table, avail ring, used ring. */
    static final long DESC = BASE;
    static final long AVAIL = BASE + 0x400;
    static final long USED = BASE + 0x600;
    /** Where the property targets put requests and responses. */
    static final long BUFFERS = BASE + 0x1000;
    /** Every response code of enum virtio_gpu_ctrl_type (docs/facts/virtio-gpu.md §1.6). */
    static final Set<Integer> RESPONSES = Set.of(RESP_OK_NODATA, RESP_OK_DISPLAY_INFO, RESP_OK_CAPSET_INFO, RESP_OK_CAPSET, RESP_OK_EDID,
            RESP_OK_RESOURCE_UUID, RESP_OK_MAP_INFO, RESP_ERR_UNSPEC, RESP_ERR_OUT_OF_MEMORY, RESP_ERR_INVALID_SCANOUT_ID,
            RESP_ERR_INVALID_RESOURCE_ID, RESP_ERR_INVALID_CONTEXT_ID, RESP_ERR_INVALID_PARAMETER);
    /** Indirect table entries the oracle looks at (QEMU maps up to len / 16; a table this long is rare in a fuzz input). */
    static final int ORACLE_TABLE_MAX = 4096;

    final SparseMemory ram = new SparseMemory("ram", RAM);
    final Dma raw = Dma.of(ram, BASE);
    final EventKernel kernel = new EventKernel();
    final IrqLine irq = new IrqLine("gpu.intx");
    final Access a = new Access();
    /** The controlq size the probe writes (the heal step uses at least 2: its chain has two descriptors). */
    int queueSize;
    final VirtioGpuPciDevice d;
    /** Allowed write ranges as {addr, len} seen since the pass began. */
    private final List<long[]> allowed = new ArrayList<>();
    private final Set<Long> seen = new HashSet<>();
    /** The descriptor tables the last refresh read, as {addr, len}: only a write into one can change the allowed ranges. */
    private final List<long[]> tables = new ArrayList<>();
    private long[] last;
    /** The first write outside every allowed range, or null. */
    String violation;
    long writes;

    private final Dma checked = new Dma() {
        @Override
        public boolean reachable(long pa, long len) {
            return raw.reachable(pa, len);
        }

        @Override
        public long read(long pa, int size) {
            return raw.read(pa, size);
        }

        @Override
        public void write(long pa, int size, long value) {
            check(pa, size);
            raw.write(pa, size, value);
            refreshIfTable(pa, size);
        }

        @Override
        public void read(long pa, MutableDirectBuffer dst, int dstOff, int len) {
            raw.read(pa, dst, dstOff, len);
        }

        @Override
        public void write(long pa, DirectBuffer src, int srcOff, int len) {
            check(pa, len);
            raw.write(pa, src, srcOff, len);
            refreshIfTable(pa, len);
        }
    };

    /**
     * @param features driver features word 0 (INDIRECT_DESC bit 28, EVENT_IDX bit 29; VERSION_1 is always accepted)
     * @param queueSize controlq size written before queue_enable, a power of two at most 64
     */
    HostileGuest(long features, int queueSize) {
        this.queueSize = queueSize;
        Params p = new Params();
        p.declareAll(VirtioGpuPciDevice.PARAMS);
        // max_hostmem 16 MiB (QEMU's default is 256 MiB): a fuzz input may create resources up to it on every run;
        // blob=on so that RESOURCE_CREATE_BLOB and SET_SCANOUT_BLOB are reached
        d = new VirtioGpuPciDevice(VirtioGpuConfig.fromProps(java.util.Map.of("max_hostmem", "16777216", "blob", "on")),
                kernel.scheduler("gpu"), irq, p, checked);
        d.build(false);
        d.configWrite(0x04, 2, 0x6);
        probe(features);
    }

    long rd(int off, int size) {
        a.read(off, size);
        d.barAccess(d.bar(4), off, a);
        return a.data;
    }

    void wr(int off, int size, long v) {
        a.write(off, size, v);
        d.barAccess(d.bar(4), off, a);
    }

    /** The Linux probe sequence (status, features, controlq at DESC/AVAIL/USED, DRIVER_OK); a reset first. */
    void probe(long features) {
        wr(COMMON_STATUS, 1, 0);
        wr(COMMON_STATUS, 1, 1);
        wr(COMMON_STATUS, 1, 3);
        wr(COMMON_GFSELECT, 4, 0);
        wr(COMMON_GF, 4, features & 0xFFFF_FFFFL);
        wr(COMMON_GFSELECT, 4, 1);
        wr(COMMON_GF, 4, 1);
        wr(COMMON_STATUS, 1, 0xb);
        wr(COMMON_Q_SELECT, 2, 0);
        wr(COMMON_Q_SIZE, 2, queueSize);
        wr(COMMON_Q_DESCLO, 4, DESC);
        wr(COMMON_Q_DESCHI, 4, 0);
        wr(COMMON_Q_AVAILLO, 4, AVAIL);
        wr(COMMON_Q_AVAILHI, 4, 0);
        wr(COMMON_Q_USEDLO, 4, USED);
        wr(COMMON_Q_USEDHI, 4, 0);
        wr(COMMON_Q_ENABLE, 2, 1);
        wr(COMMON_STATUS, 1, 0xf);
    }

    /** Notifies controlq and runs the device's pass; the oracle's ranges start from guest memory as it is now. */
    void notifyAndRun() {
        notifyOnly();
        kernel.runUntilEmpty();
    }

    /** Notifies controlq (the oracle's ranges start from guest memory as it is now); the pass is scheduled, not run. */
    void notifyOnly() {
        allowed.clear();
        seen.clear();
        last = null;
        refresh();
        wr(VirtioGpuPciDevice.NOTIFY_OFFSET, 2, 0);
    }

    /**
     * Reads every pixel of every active scanout, as a display would (the contract: the display side
     * never reads outside a resource or a blob, whatever SET_SCANOUT / SET_SCANOUT_BLOB accepted);
     * returns a checksum. Bounded: at most 4 M pixels per scanout.
     */
    long readScanouts() {
        long sum = 0;
        for (dev.gvsim.pciefabric.Scanout s : d.scanouts()) {
            if (!s.active()) {
                continue;
            }
            int w = s.width();
            int h = s.height();
            if (w <= 0 || h <= 0 || (long) w * h > 4L << 20) {
                continue;
            }
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                s.readRow(y, row);
                sum += row[0] + row[w - 1];
            }
        }
        return sum;
    }

    long status() {
        return rd(COMMON_STATUS, 1);
    }

    boolean queueError() {
        return !d.queueErrors.isEmpty();
    }

    /** Every queue error is one of QEMU 7.2's virtio_error texts (or the transport's own size refusal, which needs no hostile ring). */
    String unknownQueueError() {
        outer:
        for (String e : d.queueErrors) {
            for (VirtqueueError v : VirtqueueError.values()) {
                String m = v.qemuMessage();
                int p = m.indexOf("%u");
                String prefix = p >= 0 ? m.substring(0, p) : m;
                if (v != VirtqueueError.NONE && e.startsWith("queue 0: " + prefix)) {
                    continue outer;
                }
            }
            return e;
        }
        return null;
    }

    private void check(long pa, long len) {
        writes++;
        if (violation != null) {
            return;
        }
        if (last != null && inside(pa, len, last[0], last[1])) {
            return;
        }
        for (long[] r : allowed) {
            if (inside(pa, len, r[0], r[1])) {
                last = r;
                return;
            }
        }
        violation = String.format("device wrote %d bytes at 0x%x: neither the used ring nor a device-writable buffer", len, pa);
    }

    static boolean inside(long pa, long len, long start, long n) {
        return Long.compareUnsigned(pa, start) >= 0 && Long.compareUnsigned(pa - start, n) <= 0 && Long.compareUnsigned(len, n - (pa - start)) <= 0;
    }

    /**
     * After a device write of [pa, pa + len): the descriptors it overwrote, in any table the oracle
     * reads, are read again (a new WRITE buffer is allowed from now on; a main-table descriptor that
     * became INDIRECT brings its table in).
     */
    private void refreshIfTable(long pa, long len) {
        for (int ti = 0, n = tables.size(); ti < n; ti++) {
            long[] t = tables.get(ti);
            long from = Math.max(pa - t[0], 0);
            long to = Math.min(pa + len - t[0], t[1]);
            if (Long.compareUnsigned(pa - t[0], t[1]) >= 0 && Long.compareUnsigned(t[0] - pa, len) >= 0 || from >= to) {
                continue;
            }
            for (long k = from / DESC_SIZE; k * DESC_SIZE < to; k++) {
                entry(t[0] + DESC_SIZE * k, t[2] != 0);
            }
        }
    }

    /** Adds the used ring and every device-writable buffer the tables in guest memory name now. */
    private void refresh() {
        tables.clear();
        tables.add(new long[] {DESC, (long) DESC_SIZE * queueSize, 1});
        add(USED, USED_RING + (long) USED_ELEM_SIZE * queueSize + 2);
        for (int i = 0; i < queueSize; i++) {
            entry(DESC + (long) DESC_SIZE * i, true);
        }
    }

    /** One descriptor: its buffer if device-writable; in the main table, the indirect table it names. */
    private void entry(long dsc, boolean main) {
        long addr = raw.read(dsc + DESC_ADDR, 8);
        long len = raw.read(dsc + DESC_LEN, 4);
        int flags = (int) raw.read(dsc + DESC_FLAGS, 2);
        if ((flags & VIRTQ_DESC_F_WRITE) != 0) {
            add(addr, len);
        }
        if (main && (flags & VIRTQ_DESC_F_INDIRECT) != 0 && len >= DESC_SIZE && raw.reachable(addr, len)) {
            long n = Math.min(len / DESC_SIZE, ORACLE_TABLE_MAX);
            for (long[] t : tables) {
                if (t[0] == addr && t[1] >= n * DESC_SIZE) {
                    return; // read already (and kept up to date by refreshIfTable)
                }
            }
            tables.add(new long[] {addr, n * DESC_SIZE, 0});
            for (long k = 0; k < n; k++) {
                entry(addr + DESC_SIZE * k, false);
            }
        }
    }

    private void add(long addr, long len) {
        if (len == 0) {
            return;
        }
        long key = addr * 31 + len;
        if (seen.add(key)) {
            allowed.add(new long[] {addr, len});
        }
    }

    // ---- guest-side helpers ----

    void desc(long table, int i, long addr, long len, int flags, int next) {
        long dsc = table + (long) DESC_SIZE * i;
        raw.write(dsc + DESC_ADDR, 8, addr);
        raw.write(dsc + DESC_LEN, 4, len & 0xFFFF_FFFFL);
        raw.write(dsc + DESC_FLAGS, 2, flags);
        raw.write(dsc + DESC_NEXT, 2, next);
    }

    int availIdx() {
        return (int) raw.read(AVAIL + AVAIL_IDX, 2);
    }

    /** avail.ring[avail.idx % size] = head, avail.idx + 1. */
    void offer(int head) {
        int idx = availIdx();
        raw.write(AVAIL + AVAIL_RING + 2L * (idx % queueSize), 2, head);
        raw.write(AVAIL + AVAIL_IDX, 2, (idx + 1) & 0xFFFF);
    }

    int usedIdx() {
        return (int) raw.read(USED + USED_IDX, 2);
    }

    int usedId(int slot) {
        return (int) raw.read(USED + USED_RING + (long) USED_ELEM_SIZE * slot + USED_ELEM_ID, 4);
    }

    long usedLen(int slot) {
        return raw.read(USED + USED_RING + (long) USED_ELEM_SIZE * slot + USED_ELEM_LEN, 4);
    }

    /**
     * After whatever the input did: a reset, the probe again, one GET_DISPLAY_INFO in a fresh ring;
     * returns the response type (OK_DISPLAY_INFO when the device healed).
     */
    int resetAndAskDisplayInfo(long features) {
        for (long off = 0; off < 0x800; off += 8) {
            raw.write(BASE + off, 8, 0);
        }
        queueSize = Math.max(2, queueSize);
        probe(features);
        long req = BASE + 0x800;
        long resp = BASE + 0x900;
        raw.write(req, 8, CMD_GET_DISPLAY_INFO);
        raw.write(req + 8, 8, 0);
        raw.write(req + 16, 8, 0);
        raw.write(resp, 4, 0);
        desc(DESC, 0, req, HDR_SIZE, VIRTQ_DESC_F_NEXT, 1);
        desc(DESC, 1, resp, RESP_DISPLAY_INFO_SIZE, VIRTQ_DESC_F_WRITE, 0);
        offer(0);
        notifyAndRun();
        return (int) raw.read(resp, 4);
    }
}
