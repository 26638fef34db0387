package dev.gvsim.guesttraces.linux;

import static dev.gvsim.guesttraces.linux.VirtioPciConfig.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * An executable model of the Linux 6.1 virtio-gpu driver stack on a virtio-gpu-pci function:
 * drivers/virtio/virtio_pci_modern.c + virtio_pci_modern_dev.c (vp_modern_probe: the capability
 * walk in configuration space, the mapped regions), virtio_pci_common.c (INTx interrupt path
 * vp_find_vqs_intx / vp_interrupt), virtio.c (status handshake and feature negotiation),
 * virtio_ring.c ({@link VirtioRing}: split rings, or packed ones when the device offers
 * VIRTIO_F_RING_PACKED, which Linux accepts) and drivers/gpu/drm/virtio (virtgpu_kms.c virtio_gpu_init,
 * virtgpu_vq.c command submission and virtio_gpu_dequeue_ctrl_func, virtgpu_gem.c dumb buffers,
 * virtgpu_plane.c primary-plane updates). Every device access goes through a {@link GuestCpu} in
 * the order the real driver issued it against QEMU 7.2 (the bundled vgpu_root log,
 * docs/facts/virtio-gpu.md §1.8), and the model reads back what the device answers and decides as
 * the driver would.
 *
 * <p>Differences from the real run, on purpose: interrupts are INTx (the machine has no MSI
 * controller, so Linux takes vp_find_vqs_intx: no MSI-X table or msix_config/queue_msix_vector
 * accesses, and every interrupt reads the ISR); the command buffers, the framebuffer pages and the
 * ring addresses are the model's choices (the rings at the addresses Linux got in the real run);
 * completions are reaped right after each submission (Linux reaps from a work item). Constants and
 * offsets come from {@code dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout} only.
 *
 * <p>Several outputs ({@link #setOutputs}): the fbdev emulation drives only the first CRTC; the others
 * are what a KMS client (a compositor) enabling a second CRTC does through the DRM API: a dumb buffer
 * per output (resource 2 + k, created the same way as the fbdev one) and an atomic commit whose
 * mode comes from userspace (virtio_gpu_crtc_mode_set_nofb: SET_SCANOUT of scanout k at that mode,
 * then the primary-plane update: SET_SCANOUT[_BLOB] of resource 2 + k on scanout k). Output 0 takes
 * the mode of GET_DISPLAY_INFO; an output the device reports enabled takes its own pmode; one QEMU
 * reports disabled (all but output 0 at realize) takes the mode the caller gives, by default output
 * 0's. Each framebuffer's pages are in the driver's area, one after the other from
 * {@link #FB_OFFSET}; the area is {@link #AREA_SIZE} (raised from 16 MiB so that 16 outputs at
 * 1280x800 fit), and setup fails with a log line when the framebuffers do not fit it.
 *
 * <p>Why about 850 lines in one class: probe, command submission and completion, and framebuffer
 * setup share the driver's state the way virtgpu_kms.c, virtgpu_vq.c and virtgpu_plane.c share
 * {@code struct virtio_gpu_device} (the rings, the command slots, the negotiated features, the
 * outputs), and the differential test holds their interleaving to the real driver's. The ring
 * ({@link VirtioRing}), the configuration-space probe ({@link VirtioPciConfig}), the framebuffer pages
 * ({@link VirtioGpuFramebuffer}) and the workloads ({@link VirtioGpuWorkload}) are already apart; the
 * next seam is the command-slot layer (command, queue, submit, interrupt, dequeueCtrl: virtgpu_vq.c).
 */
public final class VirtioGpuLinuxDriver {
    /** wait_event_timeout(…, 5 * HZ) of virtio_gpu_init for the display info, in ps. */
    public static final long TIMEOUT_PS = 5_000_000_000_000L;
    /** XRES_DEF / YRES_DEF (virtgpu_display.c) when no display info arrives. */
    public static final int XRES_DEF = 1024;
    public static final int YRES_DEF = 768;

    /** The rings where Linux 6.1 allocated them in the vgpu_root run (queue_desc writes 0x43284000 and 0x43282000). */
    public static final long CONTROLQ_PA = 0x4328_4000L;
    public static final long CURSORQ_PA = 0x4328_2000L;

    /** Synthetic kernel virtual addresses: ioremap of each virtio region, the linear map, the fb vmap. */
    public static final long VA_IO = 0xffff800010000000L;
    public static final long VA_LINEAR = 0xffff000000000000L;
    public static final long VA_FB = 0xffff800020000000L;

    /** Per command: a 4 KiB slot of the driver's buffer area (vbuf: command, mem entries, indirect table, response). */
    static final int SLOT = 0x1000;
    static final int SLOT_DATA = 0x200;
    static final int SLOT_INDIRECT = 0x780;
    static final int SLOT_RESP = 0x800;
    static final int MAX_SLOTS = 64;
    /** The framebuffer starts 1 MiB into the driver's area (the next outputs' ones after it). */
    static final long FB_OFFSET = 0x10_0000L;
    /** The driver's area: command slots, mem_entry array, the framebuffers (64 MiB: 16 outputs at 1280x800 need 63.5). */
    public static final long AREA_SIZE = 64L << 20;
    /** Kernel VAs of output k's framebuffer vmap: {@link #VA_FB} + k * this. */
    static final long VA_FB_STEP = 0x400_0000L;
    /** VIRTIO_GPU_MAX_SCANOUTS: at most this many outputs. */
    public static final int MAX_OUTPUTS = 16;
    /** The mem_entry array (virtio_gpu_object_shmem_init's kvmalloc_array) 256 KiB into the area, after the slots. */
    static final long ENTS_OFFSET = 0x4_0000L;

    private final GuestCpu cpu;
    private final int bdf;
    private final long ramBase;
    private final long areaPa;
    private final boolean wantBlob;
    private final List<String> log = new ArrayList<>();
    private final Map<String, Long> responses = new TreeMap<>();
    /** The commands of the first notifies, one string per notify, in QEMU 7.2's trace-event format (trace-events virtio_gpu_cmd_*). */
    private final List<String> batches = new ArrayList<>();
    private final StringBuilder batch = new StringBuilder();
    static final int MAX_BATCHES = 32;

    private VirtioPciConfig pci;
    private long bar4;
    private long commonVa;
    private long isrVa;
    private long deviceVa;
    private long notifyVa;
    private long notifyMultiplier;
    private long deviceFeatures;
    private long features;
    private VirtioRing ctrlq;
    private VirtioRing cursorq;
    private int numScanouts;
    private int width = XRES_DEF;
    private int height = YRES_DEF;
    private boolean blob;
    private int resourceId;
    long irqs;
    private long framesSubmitted;
    private long errors;
    private int backingEntries;
    private VirtioGpuFramebuffer fb;
    /** Outputs driven (1 = the fbdev one only); the mode for outputs reported disabled (0 = output 0's). */
    private int outputs = 1;
    private int otherWidth;
    private int otherHeight;
    /** Per scanout, from GET_DISPLAY_INFO: enabled and its pmode. */
    private final boolean[] infoEnabled = new boolean[MAX_SCANOUTS];
    private final int[][] infoMode = new int[MAX_SCANOUTS][2];
    /** Per output driven: mode, resource, framebuffer. */
    private int[] outW = new int[0];
    private int[] outH = new int[0];
    private VirtioGpuFramebuffer[] fbs = new VirtioGpuFramebuffer[0];
    /** The output of the command being described (a blob's size). */
    private int describing;
    private String setupError;
    private final int[] slotCmd = new int[MAX_SLOTS];

    /**
     * @param ramBase guest RAM base (the linear map's PHYS_OFFSET)
     * @param areaPa guest RAM the driver owns for command buffers and the framebuffers ({@link #AREA_SIZE})
     * @param blob create the dumb buffer as a guest blob when the device offers RESOURCE_BLOB
     *        (Linux 6.1 virtio_gpu_mode_dumb_create does whenever it is negotiated without virgl)
     */
    public VirtioGpuLinuxDriver(GuestCpu cpu, int bdf, long ramBase, long areaPa, boolean blob) {
        this.cpu = cpu;
        this.bdf = bdf;
        this.ramBase = ramBase;
        this.areaPa = areaPa;
        this.wantBlob = blob;
    }

    public List<String> log() {
        return log;
    }

    /**
     * Drive {@code n} outputs (1..16): output k gets its own framebuffer (resource 2 + k) on scanout k.
     * {@code width} x {@code height} is the mode of outputs the device reports disabled (0 x 0: output
     * 0's mode). Call before {@link #setupFramebuffer}; it fails if {@code n} exceeds the device's
     * num_scanouts or the framebuffers do not fit the area ({@link #setupError()}).
     */
    public void setOutputs(int n, int width, int height) {
        if (n < 1 || n > MAX_OUTPUTS) {
            throw new IllegalArgumentException("outputs must be in 1.." + MAX_OUTPUTS + ", got " + n);
        }
        if (width < 0 || height < 0 || width > 4096 || height > 2160 || (width == 0) != (height == 0)) {
            throw new IllegalArgumentException("output mode must be 1..4096 x 1..2160 (or 0 x 0 for output 0's), got " + width + "x" + height);
        }
        this.outputs = n;
        this.otherWidth = width;
        this.otherHeight = height;
    }

    public int outputs() {
        return outputs;
    }

    /** Why {@link #setupFramebuffer} failed before touching the device (too many outputs, no room), or null. */
    public String setupError() {
        return setupError;
    }

    /** The mode of output k once set up ({width, height}). */
    public int[] outputMode(int k) {
        return new int[] {outW[k], outH[k]};
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public long framesSubmitted() {
        return framesSubmitted;
    }

    public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("features", String.format("0x%x", features));
        m.put("mode", width + "x" + height);
        if (outputs > 1) {
            List<String> modes = new ArrayList<>();
            for (int k = 0; k < outW.length; k++) {
                modes.add(outW[k] + "x" + outH[k]);
            }
            m.put("outputs", outputs);
            m.put("outputModes", modes);
        }
        m.put("blob", blob);
        m.put("backingEntries", backingEntries);
        m.put("irqsHandled", irqs);
        m.put("notifies", ctrlq == null ? 0 : ctrlq.notifies);
        m.put("framesSubmitted", framesSubmitted);
        m.put("responses", responses);
        m.put("batches", batches);
        m.put("errors", errors);
        m.put("log", log);
        return m;
    }

    private long linear(long pa) {
        return VA_LINEAR + (pa - ramBase);
    }

    private long fbPa() {
        return areaPa + FB_OFFSET;
    }

    private long stride() {
        return width * 4L;
    }

    private long stride(int k) {
        return outW[k] * 4L;
    }

    private long fbSize(int k) {
        return VirtioRing.align(stride(k) * outH[k], 0x1000);
    }

    private static long vaFb(int k) {
        return VA_FB + k * VA_FB_STEP;
    }

    // ================================================================ probe

    /**
     * virtio_pci_probe → virtio_pci_modern_probe → register_virtio_device → virtio_dev_probe →
     * virtio_gpu_probe → virtio_gpu_init up to and including DRIVER_OK, then the first commands
     * (GET_EDID, GET_DISPLAY_INFO). Returns false where the real probe fails.
     */
    public boolean probe() throws GuestFault {
        cpu.mark("pci_read_bases");
        long id = cpu.configRead(bdf, CFG_ID, 4);
        if (id != ((long) DEVICE_ID << 16 | VENDOR_ID)) {
            log.add(String.format("no virtio-gpu at %02x:%02x.%x (id 0x%08x)", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7, id));
            return false;
        }
        pci = new VirtioPciConfig(cpu, bdf, log);
        bar4 = pci.bar64(4);

        cpu.mark("virtio_pci_probe");
        // pci_enable_device → do_pci_enable_device: pci_enable_resources, then INTx unmasked
        long cmd = cpu.configRead(bdf, CFG_COMMAND, 2);
        if ((cmd & CMD_MEM) == 0) {
            cpu.configWrite(bdf, CFG_COMMAND, 2, cmd | CMD_MEM);
            log.add(String.format("enabling device (%04x -> %04x)", cmd, cmd | CMD_MEM));
        }
        long pin = cpu.configRead(bdf, CFG_INT_PIN, 1);
        if (pin != 0) {
            cmd = cpu.configRead(bdf, CFG_COMMAND, 2);
            if ((cmd & CMD_INTX_DISABLE) != 0) {
                cpu.configWrite(bdf, CFG_COMMAND, 2, cmd & ~CMD_INTX_DISABLE);
            }
        }

        // vp_modern_probe: the four capabilities, in this order
        int common = pci.findCapability(VIRTIO_PCI_CAP_COMMON_CFG);
        if (common == 0) {
            log.add("leaving for legacy driver");
            return false;
        }
        int isr = pci.findCapability(VIRTIO_PCI_CAP_ISR_CFG);
        int notify = pci.findCapability(VIRTIO_PCI_CAP_NOTIFY_CFG);
        if (isr == 0 || notify == 0) {
            log.add("missing capabilities " + isr + "/" + notify + ", leaving for legacy driver");
            return false;
        }
        int device = pci.findCapability(VIRTIO_PCI_CAP_DEVICE_CFG);
        commonVa = pci.mapCapability(common, COMMON_SIZE, VA_IO, "common", bar4);
        isrVa = pci.mapCapability(isr, 1, VA_IO + 0x10000, "isr", bar4);
        notifyMultiplier = cpu.configRead(bdf, notify + CAP_NOTIFY_OFF_MULTIPLIER, 4);
        cpu.configRead(bdf, notify + CAP_LENGTH, 4);
        cpu.configRead(bdf, notify + CAP_OFFSET, 4);
        notifyVa = pci.mapCapability(notify, 2, VA_IO + 0x20000, "notify", bar4);
        if (device != 0) {
            deviceVa = pci.mapCapability(device, 0, VA_IO + 0x30000, "device", bar4);
        }
        if (commonVa == 0 || isrVa == 0 || notifyVa == 0) {
            return false;
        }

        // pci_set_master → __pci_set_master, pcibios_set_master (conventional PCI: latency timer 64)
        cmd = cpu.configRead(bdf, CFG_COMMAND, 2);
        if ((cmd & CMD_MASTER) == 0) {
            cpu.configWrite(bdf, CFG_COMMAND, 2, cmd | CMD_MASTER);
        }
        long lat = cpu.configRead(bdf, CFG_LATENCY, 1);
        if (lat < 16) {
            cpu.configWrite(bdf, CFG_LATENCY, 1, 64);
        }

        cpu.mark("register_virtio_device");
        // virtio_reset_device → vp_reset: status 0, wait until it reads 0
        setStatus(0);
        for (int i = 0; getStatus() != 0; i++) {
            if (i > 100) {
                log.add("device did not reset");
                return false;
            }
            cpu.delay(1_000_000_000L); // msleep(1)
        }
        addStatus(S_ACKNOWLEDGE);

        cpu.mark("virtio_dev_probe");
        addStatus(S_DRIVER);
        deviceFeatures = 0;
        for (int w = 0; w < 2; w++) {
            cpu.write(commonVa + COMMON_DFSELECT, 4, w, 0, "vp_modern_get_features");
            deviceFeatures |= cpu.read(commonVa + COMMON_DF, 4, 0, "vp_modern_get_features") << (32 * w);
        }
        // virtio_gpu's feature table (VIRGL on little endian, EDID, RESOURCE_UUID, RESOURCE_BLOB, CONTEXT_INIT)
        // and vring_transport_features / vp_transport_features (INDIRECT_DESC, EVENT_IDX, VERSION_1,
        // ACCESS_PLATFORM, RING_PACKED, ORDER_PLATFORM, RING_RESET); SR_IOV needs the SR-IOV capability
        long known = bit(F_VIRGL) | bit(F_EDID) | bit(F_RESOURCE_UUID) | bit(F_RESOURCE_BLOB) | bit(F_CONTEXT_INIT)
                | bit(F_INDIRECT_DESC) | bit(F_EVENT_IDX) | bit(F_VERSION_1) | bit(F_ACCESS_PLATFORM) | bit(F_RING_PACKED)
                | bit(36) /* ORDER_PLATFORM */ | bit(F_RING_RESET);
        features = deviceFeatures & known;
        if ((features & bit(F_VERSION_1)) == 0) {
            log.add("virtio: device uses modern interface but does not have VIRTIO_F_VERSION_1");
            return false;
        }
        for (int w = 0; w < 2; w++) {
            cpu.write(commonVa + COMMON_GFSELECT, 4, w, 0, "vp_modern_set_features");
            cpu.write(commonVa + COMMON_GF, 4, (features >>> (32 * w)) & 0xFFFF_FFFFL, 0, "vp_modern_set_features");
        }
        addStatus(S_FEATURES_OK);
        if ((getStatus() & S_FEATURES_OK) == 0) {
            log.add("virtio: device refuses features");
            addStatus(S_FAILED);
            return false;
        }

        cpu.mark("virtio_gpu_init");
        pci.findCapability(VIRTIO_PCI_CAP_SHARED_MEMORY_CFG, false); // virtio_get_shm_region(HOST_VISIBLE)
        log.add(String.format("features: %cvirgl %cedid %cresource_blob %chost_visible", has(F_VIRGL), has(F_EDID), has(F_RESOURCE_BLOB), '-'));
        log.add(String.format("features: %ccontext_init", has(F_CONTEXT_INIT)));
        // virtio_find_vqs → vp_find_vqs_intx (no MSI domain): request_irq, setup_vq per queue, no vectors
        boolean eventIdx = (features & bit(F_EVENT_IDX)) != 0;
        boolean indirect = (features & bit(F_INDIRECT_DESC)) != 0;
        boolean packedRing = (features & bit(F_RING_PACKED)) != 0; // vring_create_virtqueue → vring_create_virtqueue_packed
        ctrlq = setupVq(CONTROLQ, CONTROLQ_PA, eventIdx, indirect, packedRing);
        cursorq = ctrlq == null ? null : setupVq(CURSORQ, CURSORQ_PA, eventIdx, indirect, packedRing);
        if (ctrlq == null || cursorq == null) {
            log.add("failed to find virt queues");
            return false;
        }
        cpu.map(linear(areaPa), areaPa, FB_OFFSET, "normal-wb", "virtio_gpu vbufs and response buffers (kmem_cache, kmalloc)");
        for (VirtioRing q : new VirtioRing[] {ctrlq, cursorq}) {
            cpu.write(commonVa + COMMON_Q_SELECT, 2, q.index, 0, "vp_modern_set_queue_enable");
            cpu.write(commonVa + COMMON_Q_ENABLE, 2, 1, 0, "vp_modern_set_queue_enable");
        }
        numScanouts = deviceVa == 0 ? 0 : (int) cpu.read(deviceVa + CFG_NUM_SCANOUTS, 4, 0, "virtio_gpu_init");
        if (numScanouts == 0) {
            log.add("number of scanouts is 0");
            return false;
        }
        numScanouts = Math.min(numScanouts, MAX_SCANOUTS);
        log.add("number of scanouts: " + numScanouts);
        long capsets = cpu.read(deviceVa + CFG_NUM_CAPSETS, 4, 0, "virtio_gpu_init");
        log.add("number of cap sets: " + capsets);
        addStatus(S_DRIVER_OK); // virtio_device_ready
        cpu.mark("driver_ok");

        // first commands: GET_EDID per scanout (if negotiated), GET_DISPLAY_INFO, one notify, wait 5 s
        if ((features & bit(F_EDID)) != 0) {
            for (int s = 0; s < numScanouts; s++) {
                long c = command(CMD_GET_EDID, EDID_REQ_SIZE, RESP_EDID_SIZE);
                put(c + EDID_SCANOUT, 4, s, 0, "virtio_gpu_cmd_get_edids");
                queue(c, EDID_REQ_SIZE, 0, RESP_EDID_SIZE);
            }
        }
        long di = command(CMD_GET_DISPLAY_INFO, HDR_SIZE, RESP_DISPLAY_INFO_SIZE);
        queue(di, HDR_SIZE, 0, RESP_DISPLAY_INFO_SIZE);
        if (!submit("display info")) {
            log.add("timed out waiting for display info, using " + width + "x" + height);
        }
        return true;
    }

    private static long bit(int b) {
        return 1L << b;
    }

    private char has(int b) {
        return (features & bit(b)) != 0 ? '+' : '-';
    }

    private long getStatus() throws GuestFault {
        return cpu.read(commonVa + COMMON_STATUS, 1, 0, "vp_get_status");
    }

    private void setStatus(int s) throws GuestFault {
        cpu.write(commonVa + COMMON_STATUS, 1, s, 0, "vp_set_status");
    }

    /** virtio_add_status: read, or in the bit, write. */
    private void addStatus(int bit) throws GuestFault {
        setStatus((int) getStatus() | bit);
    }

    /** setup_vq (virtio_pci_modern.c) with VIRTIO_MSI_NO_VECTOR. */
    private VirtioRing setupVq(int index, long pa, boolean eventIdx, boolean indirect, boolean packedRing) throws GuestFault {
        long numq = cpu.read(commonVa + COMMON_NUMQ, 2, 0, "setup_vq");
        if (index >= numq) {
            return null;
        }
        cpu.write(commonVa + COMMON_Q_SELECT, 2, index, 0, "vp_modern_get_queue_size");
        int num = (int) cpu.read(commonVa + COMMON_Q_SIZE, 2, 0, "vp_modern_get_queue_size");
        cpu.write(commonVa + COMMON_Q_SELECT, 2, index, 0, "vp_modern_get_queue_enable");
        long enabled = cpu.read(commonVa + COMMON_Q_ENABLE, 2, 0, "vp_modern_get_queue_enable");
        if (num == 0 || enabled != 0) {
            return null;
        }
        if ((num & (num - 1)) != 0 || num > MAX_SLOTS) {
            log.add("bad queue size " + num);
            return null;
        }
        long va = linear(pa);
        long bytes = packedRing ? VirtioRing.packedBytes(num) : VirtioRing.bytes(num);
        cpu.map(va, pa, VirtioRing.align(bytes, 0x1000), "normal-wb", "vring dma_alloc_coherent");
        cpu.memset(va, 0, bytes, "vring_alloc_queue"); // dma_alloc_coherent returns zeroed memory
        VirtioRing q = new VirtioRing(cpu, index, num, pa, va, eventIdx, indirect, packedRing);
        cpu.write(commonVa + COMMON_Q_SELECT, 2, index, 0, "vp_modern_set_queue_size");
        cpu.write(commonVa + COMMON_Q_SIZE, 2, num, 0, "vp_modern_set_queue_size");
        cpu.write(commonVa + COMMON_Q_SELECT, 2, index, 0, "vp_modern_queue_address");
        long[] regs = {COMMON_Q_DESCLO, q.descPa, COMMON_Q_AVAILLO, q.availPa, COMMON_Q_USEDLO, q.usedPa};
        for (int i = 0; i < regs.length; i += 2) {
            cpu.write(commonVa + regs[i], 4, regs[i + 1] & 0xFFFF_FFFFL, 0, "vp_iowrite64_twopart");
            cpu.write(commonVa + regs[i] + 4, 4, regs[i + 1] >>> 32, 0, "vp_iowrite64_twopart");
        }
        cpu.write(commonVa + COMMON_Q_SELECT, 2, index, 0, "vp_modern_get_queue_notify_off");
        long off = cpu.read(commonVa + COMMON_Q_NOFF, 2, 0, "vp_modern_get_queue_notify_off");
        q.notifyVa = notifyVa + off * notifyMultiplier;
        return q;
    }

    // ================================================================ commands

    private long slotPa(int head) {
        return areaPa + (long) head * SLOT;
    }

    private int pendingCmd;
    private long pendingCmdPa;

    /**
     * virtio_gpu_alloc_cmd_resp: the command header at the next free slot (the slot of the
     * descriptor the command will take), zeroed as the vbuf cache does; returns its VA.
     */
    long command(int type, int size, int respSize) throws GuestFault {
        if (ctrlq.numFree() < 3) {
            // virtio_gpu_queue_ctrl_sgs: not enough descriptors: notify, wait for the device to return some
            submit("controlq full");
        }
        int head = ctrlq.peekFreeHead();
        long pa = slotPa(head);
        long va = linear(pa);
        cpu.memset(va, 0, size, "virtio_gpu_get_vbuf");
        cpu.memset(va + SLOT_RESP, 0, respSize, "virtio_gpu_alloc_cmd_resp");
        cpu.write(va + HDR_TYPE, 4, type, 0, "virtio_gpu_alloc_cmd");
        pendingCmd = type;
        pendingCmdPa = pa;
        return va;
    }

    /**
     * virtio_gpu_queue_ctrl_sgs: command [+ data] out, response in; the descriptor's head must be
     * the slot command() used (nothing else is added in between).
     */
    private void queue(long cmdVa, int cmdSize, int dataSize, int respSize) throws GuestFault {
        queue(cmdVa, cmdSize, pendingCmdPa + SLOT_DATA, dataSize, respSize);
    }

    void queue(long cmdVa, int cmdSize, long dataPa, long dataSize, int respSize) throws GuestFault {
        long pa = pendingCmdPa;
        int head = (int) ((pa - areaPa) / SLOT);
        long[][] segs = dataSize > 0
                ? new long[][] {{pa, cmdSize}, {dataPa, dataSize}, {pa + SLOT_RESP, respSize}}
                : new long[][] {{pa, cmdSize}, {pa + SLOT_RESP, respSize}};
        int got = ctrlq.add(segs, segs.length - 1, pa + SLOT_INDIRECT, linear(pa + SLOT_INDIRECT),
                ctrlq.packed ? "virtqueue_add_packed" : "virtqueue_add_split");
        if (got != head) {
            throw new IllegalStateException("controlq head " + got + " != slot " + head);
        }
        slotCmd[head] = pendingCmd;
        if (batches.size() < MAX_BATCHES) {
            batch.append(batch.length() == 0 ? "" : " | ").append(describe(cmdVa));
        }
        stored.clear();
    }

    /** The command as QEMU 7.2 traces it (virtio_gpu_cmd_* in hw/display/trace-events), from the request the model built. */
    private String describe(long c) {
        return switch (pendingCmd) {
            case CMD_GET_EDID -> "get_edid scanout " + peek(c + EDID_SCANOUT);
            case CMD_GET_DISPLAY_INFO -> "get_display_info";
            case CMD_RESOURCE_CREATE_2D -> String.format("res_create_2d res 0x%x, fmt 0x%x, w %d, h %d", peek(c + CREATE_2D_RESOURCE_ID),
                    peek(c + CREATE_2D_FORMAT), peek(c + CREATE_2D_WIDTH), peek(c + CREATE_2D_HEIGHT));
            case CMD_RESOURCE_ATTACH_BACKING -> String.format("res_back_attach res 0x%x", peek(c + ATTACH_RESOURCE_ID));
            case CMD_RESOURCE_CREATE_BLOB -> String.format("res_create_blob res 0x%x, size %d", peek(c + BLOB_RESOURCE_ID),
                    describing < outW.length ? fbSize(describing) : peek(c + BLOB_SIZE_FIELD));
            case CMD_SET_SCANOUT -> String.format("set_scanout id %d, res 0x%x, w %d, h %d, x %d, y %d", peek(c + SET_SCANOUT_SCANOUT_ID),
                    peek(c + SET_SCANOUT_RESOURCE_ID), peek(c + SET_SCANOUT_RECT + RECT_WIDTH), peek(c + SET_SCANOUT_RECT + RECT_HEIGHT),
                    peek(c + SET_SCANOUT_RECT + RECT_X), peek(c + SET_SCANOUT_RECT + RECT_Y));
            case CMD_SET_SCANOUT_BLOB -> String.format("set_scanout_blob id %d, res 0x%x", peek(c + SCANOUT_BLOB_SCANOUT_ID),
                    peek(c + SCANOUT_BLOB_RESOURCE_ID));
            case CMD_TRANSFER_TO_HOST_2D -> String.format("res_xfer_toh_2d res 0x%x", peek(c + XFER_2D_RESOURCE_ID));
            case CMD_RESOURCE_FLUSH -> String.format("res_flush res 0x%x, w %d, h %d, x %d, y %d", peek(c + FLUSH_RESOURCE_ID),
                    peek(c + FLUSH_RECT + RECT_WIDTH), peek(c + FLUSH_RECT + RECT_HEIGHT), peek(c + FLUSH_RECT + RECT_X), peek(c + FLUSH_RECT + RECT_Y));
            default -> String.format("0x%x", pendingCmd);
        };
    }

    /** A store of a request field; the model also remembers it to describe the command (see {@link #describe}). */
    void put(long va, int size, long value, int flags, String sym) throws GuestFault {
        cpu.write(va, size, value, flags, sym);
        stored.put(va, value);
    }

    private final Map<Long, Long> stored = new java.util.HashMap<>();

    /** Fields of the request being described, from the values the model stored (no guest access: bookkeeping only). */
    private long peek(long va) {
        Long v = stored.get(va);
        return v == null ? 0 : v;
    }

    /** For {@link VirtioGpuClientPort}: the last response type dequeued, the fence ids used, the notifies made. */
    int lastResponse;
    long fenceIds;
    long kicks;

    /** The kernel's linear-map address of guest physical {@code pa}. */
    public long linearVa(long pa) {
        return linear(pa);
    }

    /** virtio_gpu_notify, then the completions (INTx → vp_interrupt → virtio_gpu_dequeue_ctrl_func). */
    boolean submit(String what) throws GuestFault {
        boolean kicked = ctrlq.kick();
        if (kicked) {
            kicks++;
        }
        if (kicked && batches.size() < MAX_BATCHES) {
            batches.add(batch.toString());
        }
        batch.setLength(0);
        while (ctrlq.inFlight() > 0) {
            if (!cpu.waitForInterrupt(TIMEOUT_PS)) {
                log.add(what + ": no interrupt within 5 s (" + ctrlq.inFlight() + " commands in flight)");
                return false;
            }
            interrupt();
        }
        return true;
    }

    /** vp_interrupt: read the ISR (clears it, lowers INTx); config change; vring_interrupt per queue. */
    private void interrupt() throws GuestFault {
        irqs++;
        int isr = (int) cpu.read(isrVa, 1, 0, "vp_interrupt");
        if ((isr & ISR_CONFIG) != 0) {
            long events = cpu.read(deviceVa + CFG_EVENTS_READ, 4, 0, "virtio_gpu_config_changed_work_func");
            log.add("config change: events 0x" + Long.toHexString(events));
            if ((events & EVENT_DISPLAY) != 0) {
                cpu.write(deviceVa + CFG_EVENTS_CLEAR, 4, events, 0, "virtio_gpu_config_changed_work_func");
            }
        }
        if (ctrlq.moreUsed("vring_interrupt")) {
            dequeueCtrl();
        }
        cursorq.moreUsed("vring_interrupt");
    }

    /** virtio_gpu_dequeue_ctrl_func: reclaim with callbacks off, re-enable, then check each response. */
    private void dequeueCtrl() throws GuestFault {
        List<long[]> done = new ArrayList<>();
        do {
            ctrlq.disableCb("virtio_gpu_dequeue_ctrl_func");
            long[] e;
            while ((e = ctrlq.getBuf("reclaim_vbufs")) != null) {
                done.add(e);
            }
        } while (!ctrlq.enableCb("virtio_gpu_dequeue_ctrl_func"));
        for (long[] e : done) {
            int head = (int) e[0];
            if (e[2] < 0) {
                log.add("used id " + head + " out of range");
                errors++;
                continue;
            }
            long resp = linear(slotPa(head) + SLOT_RESP);
            int type = (int) cpu.read(resp + HDR_TYPE, 4, 0, "virtio_gpu_dequeue_ctrl_func");
            responses.merge(String.format("0x%04x", type), 1L, Long::sum);
            lastResponse = type;
            if (type != RESP_OK_NODATA) {
                if (type >= RESP_ERR_UNSPEC) {
                    int cmd = (int) cpu.read(linear(slotPa(head)) + HDR_TYPE, 4, 0, "virtio_gpu_dequeue_ctrl_func");
                    errors++;
                    if (errors <= 8) {
                        log.add(String.format("*ERROR* response 0x%x (command 0x%x)", type, cmd));
                    }
                    continue;
                }
            }
            if (slotCmd[head] == CMD_GET_DISPLAY_INFO && type == RESP_OK_DISPLAY_INFO) {
                displayInfo(resp);
            } else if (slotCmd[head] == CMD_GET_EDID && type == RESP_OK_EDID) {
                long size = cpu.read(resp + RESP_EDID_SIZE_FIELD, 4, 0, "virtio_get_edid_block");
                long header = size >= 128 ? cpu.read(resp + RESP_EDID_DATA, 8, 0, "virtio_get_edid_block") : 0;
                log.add(String.format("edid: %d bytes%s", size, header == 0x00FF_FFFF_FFFF_FF00L ? ", header ok" : ""));
            }
        }
    }

    /** virtio_gpu_cmd_get_display_info_cb: the pmodes of each scanout; scanout 0's rect is the preferred mode. */
    private void displayInfo(long resp) throws GuestFault {
        for (int s = 0; s < numScanouts; s++) {
            long p = resp + HDR_SIZE + (long) s * DISPLAY_ONE_SIZE;
            long w = cpu.read(p + RECT_WIDTH, 4, 0, "virtio_gpu_cmd_get_display_info_cb");
            long h = cpu.read(p + RECT_HEIGHT, 4, 0, "virtio_gpu_cmd_get_display_info_cb");
            long en = cpu.read(p + DISPLAY_ONE_ENABLED, 4, 0, "virtio_gpu_cmd_get_display_info_cb");
            if (s < MAX_SCANOUTS) {
                infoEnabled[s] = en != 0;
                infoMode[s][0] = (int) w;
                infoMode[s][1] = (int) h;
            }
            if (en != 0) {
                log.add(String.format("output %d: %dx%d+0+0", s, w, h));
                if (s == 0 && w >= 1 && h >= 1 && w <= 4096 && h <= 2160) {
                    width = (int) w;
                    height = (int) h;
                }
            }
        }
    }

    private void rect(long at, long x, long y, long w, long h, String sym) throws GuestFault {
        put(at + RECT_X, 4, x, 0, sym);
        put(at + RECT_Y, 4, y, 0, sym);
        put(at + RECT_WIDTH, 4, w, 0, sym);
        put(at + RECT_HEIGHT, 4, h, 0, sym);
    }

    // ================================================================ the fbdev framebuffer (and the other outputs' dumb buffers)

    /**
     * drm_fbdev_generic: the dumb buffer (virtio_gpu_mode_dumb_create: a guest blob when
     * RESOURCE_BLOB is negotiated and wanted, else RESOURCE_CREATE_2D + ATTACH_BACKING), the
     * modeset (mode_set_nofb: SET_SCANOUT of resource 0 at the mode size), then the first plane
     * update (TRANSFER_TO_HOST_2D + SET_SCANOUT[_BLOB] + RESOURCE_FLUSH of the whole buffer). With
     * several outputs ({@link #setOutputs}), the same for output k = 1.. on scanout k with resource
     * 2 + k, as a KMS client's DUMB_CREATE and atomic commit do (the class comment).
     */
    public boolean setupFramebuffer() throws GuestFault {
        cpu.mark("dumb_create");
        long errorsBefore = errors;
        if (outputs > numScanouts) {
            setupError = "outputs " + outputs + " > the device's num_scanouts " + numScanouts + " (max_outputs)";
            log.add(setupError);
            return false;
        }
        outW = new int[outputs];
        outH = new int[outputs];
        long total = FB_OFFSET;
        for (int k = 0; k < outputs; k++) {
            int w = width;
            int h = height;
            if (k > 0 && infoEnabled[k] && infoMode[k][0] >= 1 && infoMode[k][1] >= 1 && infoMode[k][0] <= 4096 && infoMode[k][1] <= 2160) {
                w = infoMode[k][0];
                h = infoMode[k][1];
            } else if (k > 0 && otherWidth > 0) {
                w = otherWidth;
                h = otherHeight;
            }
            outW[k] = w;
            outH[k] = h;
            total += fbSize(k);
        }
        if (total > AREA_SIZE) {
            setupError = outputs == 1
                    ? "framebuffer " + width + "x" + height + " does not fit the driver's " + (AREA_SIZE >> 20) + " MiB area"
                    : outputs + " framebuffers (" + ((total - FB_OFFSET + (1 << 20) - 1) >> 20) + " MiB) do not fit the driver's "
                            + (AREA_SIZE >> 20) + " MiB area (" + ((AREA_SIZE - FB_OFFSET) >> 20) + " MiB for framebuffers)";
            log.add(setupError);
            return false;
        }
        resourceId = 2; // virtio_gpu_resource_id_get with virtio_gpu_virglrenderer_workaround: seqno + 1
        blob = wantBlob && (features & bit(F_RESOURCE_BLOB)) != 0 && (features & bit(F_VIRGL)) == 0;
        if (wantBlob && !blob) {
            log.add("--blob: the device does not offer RESOURCE_BLOB, using a 2D resource");
        }
        fbs = new VirtioGpuFramebuffer[outputs];
        long pa = fbPa();
        for (int k = 0; k < outputs; k++) {
            if (k > 0) {
                cpu.mark("kms_dumb_create_" + k);
            }
            long size = fbSize(k);
            fbs[k] = new VirtioGpuFramebuffer(cpu, vaFb(k), pa, outW[k], outH[k]);
            // the mem_entry array is reused: the previous output's was consumed when its create completed
            int nents = fbs[k].shmemInit(size, linear(areaPa + ENTS_OFFSET));
            if (k == 0) {
                backingEntries = nents;
            }
            int res = resourceId + k;
            describing = k;
            if (blob) {
                long c = command(CMD_RESOURCE_CREATE_BLOB, BLOB_SIZE, HDR_SIZE);
                put(c + BLOB_RESOURCE_ID, 4, res, 0, "virtio_gpu_cmd_resource_create_blob");
                put(c + BLOB_MEM, 4, BLOB_MEM_GUEST, 0, "virtio_gpu_cmd_resource_create_blob");
                put(c + BLOB_FLAGS, 4, BLOB_FLAG_USE_SHAREABLE, 0, "virtio_gpu_cmd_resource_create_blob");
                put(c + BLOB_NR_ENTRIES, 4, nents, 0, "virtio_gpu_cmd_resource_create_blob");
                put(c + BLOB_ID, 8, 0, 0, "virtio_gpu_cmd_resource_create_blob");
                put(c + BLOB_SIZE_FIELD, 8, size, 0, "virtio_gpu_cmd_resource_create_blob");
                queue(c, BLOB_SIZE, areaPa + ENTS_OFFSET, (long) nents * MEM_ENTRY_SIZE, HDR_SIZE);
            } else {
                long c = command(CMD_RESOURCE_CREATE_2D, CREATE_2D_SIZE, HDR_SIZE);
                put(c + CREATE_2D_RESOURCE_ID, 4, res, 0, "virtio_gpu_cmd_create_resource");
                put(c + CREATE_2D_FORMAT, 4, FORMAT_B8G8R8X8_UNORM, 0, "virtio_gpu_cmd_create_resource");
                put(c + CREATE_2D_WIDTH, 4, outW[k], 0, "virtio_gpu_cmd_create_resource");
                put(c + CREATE_2D_HEIGHT, 4, outH[k], 0, "virtio_gpu_cmd_create_resource");
                queue(c, CREATE_2D_SIZE, 0, HDR_SIZE);
                long a = command(CMD_RESOURCE_ATTACH_BACKING, ATTACH_SIZE, HDR_SIZE);
                put(a + ATTACH_RESOURCE_ID, 4, res, 0, "virtio_gpu_cmd_resource_attach_backing");
                put(a + ATTACH_NR_ENTRIES, 4, nents, 0, "virtio_gpu_cmd_resource_attach_backing");
                queue(a, ATTACH_SIZE, areaPa + ENTS_OFFSET, (long) nents * MEM_ENTRY_SIZE, HDR_SIZE);
            }
            submit("dumb create");
            // the fbdev clears its buffer (the shmem pages come zeroed; the console clears to black)
            cpu.memset(vaFb(k), 0, size, "drm_fbdev_fb_fillrect");

            cpu.mark(k == 0 ? "modeset" : "kms_commit_" + k);
            long s = command(CMD_SET_SCANOUT, SET_SCANOUT_SIZE, HDR_SIZE);
            setScanout(s, k, 0);
            queue(s, SET_SCANOUT_SIZE, 0, HDR_SIZE);
            submit("modeset");
            queueDamage(k, new int[][] {{0, 0, outW[k], outH[k]}}, true);
            submit("plane update");
            pa += size;
        }
        fb = fbs[0];
        if (errors != errorsBefore) {
            log.add("framebuffer setup: the device refused " + (errors - errorsBefore) + " command(s)");
        }
        return errors == errorsBefore;
    }

    private void setScanout(long c, int k, int res) throws GuestFault {
        rect(c + SET_SCANOUT_RECT, 0, 0, outW[k], outH[k], "virtio_gpu_cmd_set_scanout");
        put(c + SET_SCANOUT_SCANOUT_ID, 4, k, 0, "virtio_gpu_cmd_set_scanout");
        put(c + SET_SCANOUT_RESOURCE_ID, 4, res, 0, "virtio_gpu_cmd_set_scanout");
    }

    /**
     * virtio_gpu_primary_plane_update of output k for each damage rectangle: TRANSFER_TO_HOST_2D of
     * the rect (offset = y * pitch + x * 4), on a new framebuffer SET_SCANOUT[_BLOB], RESOURCE_FLUSH;
     * queued only: the caller notifies once for the commit.
     */
    private void queueDamage(int k, int[][] rects, boolean newFb) throws GuestFault {
        int res = resourceId + k;
        for (int[] r : rects) {
            long t = command(CMD_TRANSFER_TO_HOST_2D, XFER_2D_SIZE, HDR_SIZE);
            rect(t + XFER_2D_RECT, r[0], r[1], r[2], r[3], "virtio_gpu_cmd_transfer_to_host_2d");
            put(t + XFER_2D_OFFSET, 8, r[1] * stride(k) + r[0] * 4L, 0, "virtio_gpu_cmd_transfer_to_host_2d");
            put(t + XFER_2D_RESOURCE_ID, 4, res, 0, "virtio_gpu_cmd_transfer_to_host_2d");
            queue(t, XFER_2D_SIZE, 0, HDR_SIZE);
            if (newFb) {
                if (blob) {
                    long b = command(CMD_SET_SCANOUT_BLOB, SCANOUT_BLOB_SIZE, HDR_SIZE);
                    String sym = "virtio_gpu_cmd_set_scanout_blob";
                    rect(b + SCANOUT_BLOB_RECT, 0, 0, outW[k], outH[k], sym);
                    put(b + SCANOUT_BLOB_SCANOUT_ID, 4, k, 0, sym);
                    put(b + SCANOUT_BLOB_RESOURCE_ID, 4, res, 0, sym);
                    put(b + SCANOUT_BLOB_WIDTH, 4, outW[k], 0, sym);
                    put(b + SCANOUT_BLOB_HEIGHT, 4, outH[k], 0, sym);
                    put(b + SCANOUT_BLOB_FORMAT, 4, FORMAT_B8G8R8X8_UNORM, 0, sym);
                    put(b + SCANOUT_BLOB_STRIDES, 4, stride(k), 0, sym);
                    put(b + SCANOUT_BLOB_OFFSETS, 4, 0, 0, sym);
                    queue(b, SCANOUT_BLOB_SIZE, 0, HDR_SIZE);
                } else {
                    long s = command(CMD_SET_SCANOUT, SET_SCANOUT_SIZE, HDR_SIZE);
                    setScanout(s, k, res);
                    queue(s, SET_SCANOUT_SIZE, 0, HDR_SIZE);
                }
                newFb = false;
            }
            long f = command(CMD_RESOURCE_FLUSH, FLUSH_SIZE, HDR_SIZE);
            rect(f + FLUSH_RECT, r[0], r[1], r[2], r[3], "virtio_gpu_cmd_resource_flush");
            put(f + FLUSH_RESOURCE_ID, 4, res, 0, "virtio_gpu_cmd_resource_flush");
            queue(f, FLUSH_SIZE, 0, HDR_SIZE);
        }
    }

    // ================================================================ frames

    /**
     * One plane update of output 0 with the damage rectangles given (x, y, w, h, 0xRRGGBB; each is
     * filled with its colour first, clipped to the framebuffer): TRANSFER_TO_HOST_2D + RESOURCE_FLUSH
     * per rectangle and one notify, as {@code virtio_gpu_primary_plane_update} sends a damage clip.
     * For damage that comes from elsewhere (a real recording's flushes).
     */
    public void damage(int[][] rects) throws GuestFault {
        if (fb == null) {
            return;
        }
        cpu.mark("frame_" + framesSubmitted);
        List<int[]> damage = new ArrayList<>();
        for (int[] r : rects) {
            int[] drawn = fb.fill(r[0], r[1], r[2], r[3], r[4]);
            if (drawn[2] > 0 && drawn[3] > 0) {
                damage.add(drawn);
            }
        }
        if (!damage.isEmpty()) {
            queueDamage(0, damage.toArray(new int[0][]), false);
            submit("plane update");
        }
        framesSubmitted++;
    }

    /**
     * One frame tick: draw, then the damage as plane updates ({@code full}: memset the whole buffer
     * to a grey and draw two rectangles, damage = the screen; {@code partial}: one moving rectangle,
     * its damage; {@code windows}: windows updated at different rates, one damage each; these draw on
     * output 0 only). {@code multi}: output k, when due (every (k + 1)th tick), is redrawn whole
     * (memset to a grey, one rectangle) and its damage is the whole output: TRANSFER + FLUSH of its
     * resource. One notify per tick for all outputs.
     */
    public void frame(VirtioGpuWorkload wl, int i) throws GuestFault {
        if (fb == null) {
            return; // no framebuffer: nothing to draw into (setupFramebuffer logged why)
        }
        cpu.mark("frame_" + framesSubmitted);
        if (wl == VirtioGpuWorkload.MULTI) {
            boolean any = false;
            for (int k = 0; k < fbs.length; k++) {
                if (!VirtioGpuWorkload.redraws(i, k)) {
                    continue;
                }
                cpu.memset(vaFb(k), VirtioGpuWorkload.background(i, k), stride(k) * outH[k], "fb_fillrect");
                for (int[] r : wl.outputRects(i, k, outW[k], outH[k])) {
                    fbs[k].fill(r[0], r[1], r[2], r[3], r[4]);
                }
                queueDamage(k, new int[][] {{0, 0, outW[k], outH[k]}}, false);
                any = true;
            }
            if (any) {
                submit("plane update");
            }
            framesSubmitted++;
            return;
        }
        int[][] rects = wl.rects(i, width, height);
        if (wl == VirtioGpuWorkload.FULL) {
            cpu.memset(VA_FB, VirtioGpuWorkload.background(i), stride() * height, "fb_fillrect");
        }
        List<int[]> damage = new ArrayList<>();
        for (int[] r : rects) {
            int[] drawn = fb.fill(r[0], r[1], r[2], r[3], r[4]);
            if (drawn[2] > 0 && drawn[3] > 0) {
                damage.add(drawn);
            }
        }
        if (wl == VirtioGpuWorkload.FULL) {
            damage = List.of(new int[] {0, 0, width, height});
        }
        if (!damage.isEmpty()) {
            queueDamage(0, damage.toArray(new int[0][]), false);
            submit("plane update");
        }
        framesSubmitted++;
    }
}
