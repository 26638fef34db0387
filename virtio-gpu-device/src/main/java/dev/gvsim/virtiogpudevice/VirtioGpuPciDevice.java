package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout;

import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rw;

import java.util.List;
import java.util.Map;

import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.BarKind;
import dev.gvsim.pciefabric.DisplayListener;
import dev.gvsim.pciefabric.Dma;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.EventHandler;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;
import dev.gvsim.virtiogpudevice.virtqueue.Chain;
import dev.gvsim.virtiogpudevice.virtqueue.PackedVirtqueue;
import dev.gvsim.virtiogpudevice.virtqueue.SplitVirtqueue;
import dev.gvsim.virtiogpudevice.virtqueue.Virtqueue;
import dev.gvsim.virtiogpudevice.virtqueue.VirtqueueError;

/**
 * {@code -device virtio-gpu-pci} as QEMU 7.2 presents it (hw/display/virtio-gpu-pci.c over
 * hw/virtio/virtio-pci.c): the PCI function and its virtio-pci modern transport. Facts:
 * docs/facts/virtio-gpu.md §1-2, docs/facts/qemu-reference-runs.md (vgpu_root, uefi_vgpurp1_qxlrp2).
 *
 * <ul>
 * <li>Identity (virtio_pci_device_plugged, "pure virtio-1.0"): 1af4:1050 revision 1, class 0x038000
 * (PCI_CLASS_DISPLAY_OTHER, virtio_gpu_pci_class_init), subsystem 1af4:1100 (pci_default subsystem
 * IDs: PCI_SUBVENDOR_ID_REDHAT_QUMRANET / PCI_SUBDEVICE_ID_QEMU), interrupt pin A.</li>
 * <li>BAR1: the MSI-X exclusive BAR, 4 KiB (msix_init_exclusive_bar: table at 0, PBA at 0x800), 3 vectors
 * (virtio-gpu-pci {@code vectors} default 3). BAR4: 16 KiB 64-bit prefetchable (virtio_pci_realize
 * modern_mem_bar_idx 4): common config +0x0000, ISR +0x1000, device config +0x2000, notify +0x3000,
 * each 4 KiB (QEMU_VIRTIO_PCI_QUEUE_MEM_MULT is not used without page-per-vq: notify_off_multiplier 4).
 * With {@code hostmem} (not a QEMU 7.2 property: the later "virtio-gpu: hostmem" patch) the registers
 * move to BAR2 and BAR4 is the host-visible shared memory, 64-bit prefetchable, described by a
 * VIRTIO_PCI_CAP_SHARED_MEMORY_CFG capability (struct virtio_pci_cap64, shmid 1) placed before the
 * other vendor capabilities; it reads 0 except where {@code virtio_gpu.map_blob=spec} mapped a blob.</li>
 * <li>Capabilities, in QEMU's order (pci_add_capability puts the newest first): on a PCIe port the PCI
 * Express endpoint capability at 0x40 and PM at 0x7c (virtio_pci_realize), then the virtio vendor
 * capabilities common, ISR, device, notify and PCI-cfg (virtio_pci_device_plugged), then MSI-X; on the
 * root bus (no PCIe capability: pci_bus_is_root) the vendor capabilities start at 0x40.</li>
 * </ul>
 * The commands are {@link GpuControl}'s; {@code processQueue} runs them one at a time in simulated time,
 * over a split or, when the driver accepted VIRTIO_F_RING_PACKED ({@code packed=on}), a packed ring per
 * queue ({@link Virtqueue}; the kind is picked in {@code queueEnabled}, kept in the checkpoint).
 * Register accesses are QEMU's MemoryRegionOps: every region of BAR4 implements 1..4-byte accesses
 * ({@code virtio_pci_modern_regions_init}); the MSI-X table and PBA accept 4 and 8 and implement 4
 * (hw/pci/msix.c msix_table_mmio_ops).
 */
final class VirtioGpuPciDevice extends PciFunction implements VirtioPciCommonConfig.Device {
    static final String DRIVER = "virtio-gpu-pci";

    // ---------------------------------------------------------------- identity (docs/facts/virtio-gpu.md §1.1; vendor and device ID in layout.VirtioGpuLayout)
    /** PCI_CLASS_DISPLAY_OTHER << 8 (virtio_gpu_pci_class_init). */
    static final int CLASS = 0x038000;
    /** pci_config_set_revision(config, 1) for a modern-only device (virtio_pci_device_plugged). */
    static final int REVISION = 1;
    /** PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU (QEMU include/hw/pci/pci.h; pci_qdev_realize defaults). */
    static final int SUBSYSTEM_VENDOR = 0x1AF4;
    static final int SUBSYSTEM = 0x1100;

    // ---------------------------------------------------------------- BARs and regions (virtio_pci_realize, virtio_pci_modern_regions_init)
    static final int MSIX_BAR = 1;
    static final int MODERN_BAR = 4;
    /** With {@code hostmem}: modern registers on BAR2, the host-visible shared memory on BAR4 (hw/display/virtio-gpu-pci.c, "virtio-gpu: hostmem"). */
    static final int MODERN_BAR_HOSTMEM = 2;
    static final int HOSTMEM_BAR = 4;
    static final long MSIX_BAR_SIZE = 4096;
    static final long MSIX_PBA_OFFSET = 0x800;
    /** virtio-gpu-pci {@code vectors} default (hw/display/virtio-gpu-pci.c virtio_gpu_pci_properties). */
    static final int MSIX_VECTORS = 3;
    static final int MSIX_ENTRY_SIZE = 16;
    static final int COMMON_OFFSET = 0x0000;
    static final int ISR_OFFSET = 0x1000;
    static final int DEVICE_OFFSET = 0x2000;
    static final int NOTIFY_OFFSET = 0x3000;
    static final int REGION_SIZE = 0x1000;
    static final long MODERN_BAR_SIZE = 0x4000;
    /** virtio_pci_queue_mem_mult without VIRTIO_PCI_FLAG_PAGE_PER_VQ: 4 (notify_off_multiplier). */
    static final int NOTIFY_MULTIPLIER = 4;

    // ---------------------------------------------------------------- capabilities, features, ISR, device configuration: layout.VirtioGpuLayout
    /** PCI_PM_SIZEOF (virtio_pci_realize adds PM after the PCIe capability). */
    static final int PM_SIZEOF = 8;

    /** The device's parameters: {@link VirtioGpuParams}. */
    static final ParamDef P_FEATURES_OK = VirtioGpuParams.FEATURES_OK;
    static final List<ParamDef> PARAMS = java.util.stream.Stream.concat(VirtioGpuParams.ALL.stream(),
            dev.gvsim.virtiogpudevice.video.VideoParams.ALL.stream()).toList();
    /** The event that processes a queue (arg = queue index); named {@code <id>.queue}. */
    static final String EVENT_QUEUE = "queue";
    /** Queue errors kept for the report (the first ones; later ones are only counted). */
    static final int MAX_ERRORS_KEPT = 16;

    final VirtioGpuConfig cfg;
    /** The BAR of the virtio-pci modern registers: 4, or 2 with {@code hostmem}. */
    final int modernBar;
    private final IrqLine irq;
    private final Scheduler sched;
    private final Dma dma;
    private final VirtioGpuParams params;
    private final EventHandler processQueue;
    /**
     * The device's virtqueues (0 controlq, 1 cursorq): per queue the split or the packed ring, picked
     * when the queue is enabled from the negotiated VIRTIO_F_RING_PACKED; one reused chain; the command layer.
     */
    final Virtqueue[] vqs = new Virtqueue[VirtioPciCommonConfig.NUM_QUEUES];
    private final SplitVirtqueue[] splitVqs = new SplitVirtqueue[VirtioPciCommonConfig.NUM_QUEUES];
    private final PackedVirtqueue[] packedVqs = new PackedVirtqueue[VirtioPciCommonConfig.NUM_QUEUES];
    private final Chain chain = new Chain();
    final GpuControl control;
    /** Pending queue-processing event per queue. */
    private final long[] event = {Scheduler.NO_EVENT, Scheduler.NO_EVENT};
    /** QEMU vdev->broken: a queue error stops every queue until reset. */
    private boolean broken;
    /** Queue errors with QEMU's message ("queue N: message"), the first MAX_ERRORS_KEPT. */
    final List<String> queueErrors = new java.util.ArrayList<>();
    long queueErrorCount;
    /** Times clearing Bus Master cleared DRIVER_OK (virtio_write_config). */
    long busMasterClearedDriverOk;
    /** Processing passes that found Bus Master Enable clear (nothing popped). */
    long busMasterOff;
    /** Used-buffer interrupts raised (ISR bit 0 + INTx, or an MSI-X message counted). */
    long queueInterrupts;
    /** Chains popped per queue. */
    final long[] chains = new long[VirtioPciCommonConfig.NUM_QUEUES];
    /** Capabilities built ({@link #build}): when placed, once the bus type is known. */
    private boolean built;
    boolean express;
    private int cfgCap;
    final VirtioPciCommonConfig common;
    final RegisterFile devcfg = new RegisterFile("virtio-gpu device configuration", CFG_SIZE);
    final RegisterFile msix = new RegisterFile("virtio-gpu MSI-X table and PBA", (int) MSIX_BAR_SIZE);
    int isr;
    /** Notifications per queue (0 controlq, 1 cursorq) and to a queue the device does not have. */
    final long[] notifies = new long[VirtioPciCommonConfig.NUM_QUEUES];
    long notifiesOther;
    long isrReads;
    long deviceErrors;
    /** MSI-X messages the device would have sent (delivery is not modelled by the machine yet). */
    long msixMessages;
    long hostmemAccesses;
    /** Per queue: the chain whose response is due when the running command's cost has elapsed (-1: none), its used length. */
    private final int[] pendingHead = {-1, -1};
    private final int[] pendingLen = new int[2];
    /** Per queue: simulated time spent on commands (ps). */
    final long[] busyPs = new long[2];
    /** Time the host display side held the device's thread beyond the commands' own costs (ps). */
    long hostHeldPs;

    VirtioGpuPciDevice(VirtioGpuConfig cfg, Scheduler sched, IrqLine irq, Params params) {
        this(cfg, sched, irq, params, Dma.NONE);
    }

    VirtioGpuPciDevice(VirtioGpuConfig cfg, Scheduler sched, IrqLine irq, Params params, Dma dma) {
        this(cfg, sched, irq, params, dma, DisplayListener.NONE);
    }

    /** @param display the host display side the outputs feed (QEMU's consoles): surfaces, dirty rects, copies */
    VirtioGpuPciDevice(VirtioGpuConfig cfg, Scheduler sched, IrqLine irq, Params params, Dma dma, DisplayListener display) {
        super(DRIVER, VirtioGpuLayout.VENDOR_ID, VirtioGpuLayout.DEVICE_ID, CLASS, REVISION, false);
        this.cfg = cfg;
        this.sched = sched;
        this.irq = irq;
        this.dma = dma;
        this.params = new VirtioGpuParams(params);
        this.processQueue = sched.handler(EVENT_QUEUE, this::processQueue);
        for (int q = 0; q < vqs.length; q++) {
            splitVqs[q] = new SplitVirtqueue(dma);
            packedVqs[q] = new PackedVirtqueue(dma);
            vqs[q] = splitVqs[q];
        }
        this.control = new GpuControl(cfg, dma, this.params.specMapBlob, display, sched, this.params::copyPs);
        this.control.specCommands = this.params.specCommands;
        this.control.resources.zeroCopy2d = this.params.zeroCopy2d;
        if (cfg.video()) {
            this.control.video = new GpuVideo(control.resources, dma, sched, dev.gvsim.virtiogpudevice.video.VideoParams.engine(params),
                    dev.gvsim.virtiogpudevice.video.VideoParams.encodeBitsPerPixel(params));
            this.control.video.blitPsPerByte = dev.gvsim.virtiogpudevice.video.VideoParams.blitPsPerByte(params);
        }
        setWord(SUBSYSTEM_VENDOR_ID, SUBSYSTEM_VENDOR);
        setWord(SUBSYSTEM_ID, SUBSYSTEM);
        setByte(INTERRUPT_PIN, 1);
        declareBar(new Bar(MSIX_BAR, BarKind.MEM32, MSIX_BAR_SIZE, false, new AccessRules(4, 8, false, 1, 4), "msix-table"));
        modernBar = cfg.hostmem() != 0 ? MODERN_BAR_HOSTMEM : MODERN_BAR;
        declareBar(new Bar(modernBar, BarKind.MEM64, MODERN_BAR_SIZE, true, new AccessRules(1, 4, false, 1, 4), "virtio-pci"));
        if (cfg.hostmem() != 0) {
            // memory_region_init(&g->hostmem, "virtio-gpu-hostmem", hostmem); pci_register_bar(4, MEMORY | PREFETCH | TYPE_64)
            declareBar(new Bar(HOSTMEM_BAR, BarKind.MEM64, cfg.hostmem(), true, new AccessRules(1, 8, false, 1, 8), "virtio-gpu-hostmem"));
        }
        declareDeviceConfig();
        declareMsixTable();
        long offered = 1L << F_VERSION_1 | (cfg.queueReset() ? 1L << F_RING_RESET : 0) | (cfg.indirectDesc() ? 1L << F_INDIRECT_DESC : 0)
                | (cfg.eventIdx() ? 1L << F_EVENT_IDX : 0) | (cfg.edid() ? 1L << F_EDID : 0) | (cfg.blob() ? 1L << F_RESOURCE_BLOB : 0)
                | (cfg.packed() ? 1L << F_RING_PACKED : 0) | (cfg.video() ? 1L << F_VIRGL : 0);
        // queue sizes: virtio_gpu_device_realize / virtio_gpu_base_device_realize: controlq 64 (256 with virgl), cursorq 16
        common = new VirtioPciCommonConfig(this, offered, new int[] {64, 16}, this.params.specFeaturesOk);
    }

    /** QEMU realizes the function on its bus: the capabilities depend on the bus type (virtio_pci_realize). */
    @Override
    protected void placedOn(dev.gvsim.pciefabric.PciBus bus) {
        if (!built) {
            build(bus.isExpressBelowPort());
        }
    }

    /**
     * The capability chain and the power-on image: on a PCIe bus below a port ({@code express}) the
     * PCI Express and PM capabilities first, as virtio_pci_realize adds them before
     * virtio_pci_device_plugged adds the virtio ones and MSI-X.
     */
    void build(boolean express) {
        if (built) {
            throw new IllegalStateException(DRIVER + ": capabilities already built");
        }
        this.express = express;
        int at = 0x40;
        if (express) {
            // virtio_pci_realize: pcie_endpoint_cap_init (v2), then PM with PMC version 3 (PCI PM 1.2)
            addExpressCapability(at, EXP_TYPE_ENDPOINT, cfg.pcieFlr(), 1, 1);
            redeclareRegister(Register.whole("EXP.DEVCAP2", at + EXP_DEVCAP2, 4, FieldKind.RO, 0x0030_0000,
                    "PCIe Base 4.0 §7.5.3.15: Extended Fmt Field and End-End TLP Prefix Supported (QEMU pcie_cap_v2_fill; "
                            + "uefi_vgpurp1_qxlrp2 trace @0x64 -> 0x300000)"));
            redeclareRegister(Register.whole("EXP.LNKCAP2", at + EXP_LNKCAP2, 4, FieldKind.RO, 0,
                    "PCIe Base 4.0 §7.5.3.18: QEMU fills it only above 2.5 GT/s (pcie_cap_fill_link_ep_usp; trace @0x6c -> 0)"));
            at += EXP_V2_SIZEOF;
            addPmCapability(at, false);
            at += PM_SIZEOF;
        }
        if (cfg.hostmem() != 0) {
            // virtio_gpu_pci_base_realize adds it before qdev_realize plugs the device (virtio_pci_device_plugged adds the others)
            at = shmCap(at);
        }
        at = virtioCap(at, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFFSET, REGION_SIZE, CAP_LEN);
        at = virtioCap(at, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFFSET, REGION_SIZE, CAP_LEN);
        at = virtioCap(at, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFFSET, REGION_SIZE, CAP_LEN);
        at = virtioCap(at, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFFSET, REGION_SIZE, NOTIFY_CAP_LEN);
        cfgCap = at;
        at = virtioCap(at, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, CFG_CAP_LEN);
        addMsixCapability(at, MSIX_VECTORS, MSIX_BAR, 0, MSIX_BAR, MSIX_PBA_OFFSET);
        sealResetImage();
        built = true;
    }

    /**
     * One virtio vendor capability (struct virtio_pci_cap; the notify capability adds
     * notify_off_multiplier, the PCI-cfg one pci_cfg_data) at {@code at}; returns the next free offset
     * (QEMU pci_find_space: capabilities are packed, dword aligned).
     */
    private int virtioCap(int at, int type, int offset, int length, int len) {
        addCapability(CAP_ID_VENDOR, at, len);
        String s = "VIRTIO 1.2 §4.1.4 struct virtio_pci_cap (QEMU virtio_pci_add_mem_cap)";
        boolean pciCfg = type == VIRTIO_PCI_CAP_PCI_CFG;
        declareRegister(Register.whole("VIRTIO" + type + ".cap_len", at + 2, 1, FieldKind.RO, len, s));
        declareRegister(Register.whole("VIRTIO" + type + ".cfg_type", at + 3, 1, FieldKind.RO, type, s));
        // the PCI-cfg capability's bar, offset, length and data are writable (virtio_pci_device_plugged cfg_mask)
        FieldKind k = pciCfg ? FieldKind.RW : FieldKind.RO;
        declareRegister(Register.whole("VIRTIO" + type + ".bar", at + 4, 1, k, pciCfg ? 0 : modernBar, s));
        declareRegister(Register.whole("VIRTIO" + type + ".id", at + 5, 1, FieldKind.RO, 0, s));
        declareRegister(Register.whole("VIRTIO" + type + ".padding", at + 6, 2, FieldKind.RO, 0, s));
        declareRegister(Register.whole("VIRTIO" + type + ".offset", at + 8, 4, k, offset, s));
        declareRegister(Register.whole("VIRTIO" + type + ".length", at + 12, 4, k, length, s));
        if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
            declareRegister(Register.whole("VIRTIO2.notify_off_multiplier", at + 16, 4, FieldKind.RO, NOTIFY_MULTIPLIER,
                    "VIRTIO 1.2 §4.1.4.4 (QEMU virtio_pci_queue_mem_mult)"));
        } else if (pciCfg) {
            declareRegister(Register.whole("VIRTIO5.pci_cfg_data", at + 16, 4, FieldKind.RW, 0,
                    "VIRTIO 1.2 §4.1.4.9 (QEMU virtio_read_config/virtio_write_config)"));
        }
        return at + len;
    }

    /** virtio_pci_add_shm_cap(vpci_dev, 4, 0, hostmem, VIRTIO_GPU_SHM_ID_HOST_VISIBLE): a struct virtio_pci_cap64. */
    private int shmCap(int at) {
        addCapability(CAP_ID_VENDOR, at, CAP64_LEN);
        String s = "VIRTIO 1.2 §4.1.4.7 shared memory capability, struct virtio_pci_cap64 (QEMU virtio_pci_add_shm_cap)";
        int t = VIRTIO_PCI_CAP_SHARED_MEMORY_CFG;
        declareRegister(Register.whole("VIRTIO" + t + ".cap_len", at + 2, 1, FieldKind.RO, CAP64_LEN, s));
        declareRegister(Register.whole("VIRTIO" + t + ".cfg_type", at + 3, 1, FieldKind.RO, t, s));
        declareRegister(Register.whole("VIRTIO" + t + ".bar", at + CAP_BAR, 1, FieldKind.RO, HOSTMEM_BAR, s));
        declareRegister(Register.whole("VIRTIO" + t + ".id", at + CAP_ID, 1, FieldKind.RO, SHM_ID_HOST_VISIBLE, s));
        declareRegister(Register.whole("VIRTIO" + t + ".padding", at + 6, 2, FieldKind.RO, 0, s));
        declareRegister(Register.whole("VIRTIO" + t + ".offset", at + CAP_OFFSET, 4, FieldKind.RO, 0, s));
        declareRegister(Register.whole("VIRTIO" + t + ".length", at + CAP_LENGTH, 4, FieldKind.RO, cfg.hostmem() & 0xFFFF_FFFFL, s));
        declareRegister(Register.whole("VIRTIO" + t + ".offset_hi", at + CAP_OFFSET_HI, 4, FieldKind.RO, 0, s));
        declareRegister(Register.whole("VIRTIO" + t + ".length_hi", at + CAP_LENGTH_HI, 4, FieldKind.RO, cfg.hostmem() >>> 32, s));
        return at + CAP64_LEN;
    }

    private void declareDeviceConfig() {
        String s = "VIRTIO 1.2 §5.7.4 struct virtio_gpu_config (QEMU hw/display/virtio-gpu-base.c virtio_gpu_base_get_config/set_config)";
        devcfg.declare(Register.whole("events_read", CFG_EVENTS_READ, 4, FieldKind.RO, 0, s + ": set by the device"));
        devcfg.declare(Register.whole("events_clear", CFG_EVENTS_CLEAR, 4, FieldKind.RW, 0, s + ": clears those bits of events_read, reads 0"),
                this::eventsClearWritten);
        devcfg.declare(Register.whole("num_scanouts", CFG_NUM_SCANOUTS, 4, FieldKind.RO, cfg.maxOutputs(), s + ": max_outputs"));
        // video=on: virgl and virgl2, as QEMU's virgl device (virtio_gpu_virgl_get_num_capsets)
        devcfg.declare(Register.whole("num_capsets", CFG_NUM_CAPSETS, 4, FieldKind.RO, cfg.video() ? 2 : 0, s + ": 0 without virgl, 2 with"));
        devcfg.seal();
    }

    private void declareMsixTable() {
        String s = "PCI Local Bus 3.0 §6.8.2.6-7 (QEMU hw/pci/msix.c msix_table_mmio_write; entries reset masked, msix_mask_all)";
        for (int v = 0; v < MSIX_VECTORS; v++) {
            int at = v * MSIX_ENTRY_SIZE;
            msix.declare(Register.whole("entry" + v + ".addr_lo", at, 4, FieldKind.RW, 0, s));
            msix.declare(Register.whole("entry" + v + ".addr_hi", at + 4, 4, FieldKind.RW, 0, s));
            msix.declare(Register.whole("entry" + v + ".data", at + 8, 4, FieldKind.RW, 0, s));
            msix.declare(Register.of("entry" + v + ".vector_control", at + 12, 4, 1, s, rw("mask", 0), ro("reserved", 31, 1)));
        }
        for (int i = 0; i < 2; i++) {
            msix.declare(Register.whole("pba" + i, (int) MSIX_PBA_OFFSET + 4 * i, 4, FieldKind.RO, 0, "PCI Local Bus 3.0 §6.8.2.8 Pending Bit Array"));
        }
        msix.seal();
    }

    // ---------------------------------------------------------------- BAR access

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        int off = (int) offset;
        if (bar.index == MSIX_BAR) {
            msixAccess(off, a);
            return;
        }
        if (bar.index != modernBar) {
            control.resources.hostmemAccess(offset, a); // BAR4, the host-visible region (hostmem)
            hostmemAccesses++;
            return;
        }
        int region = off & ~(REGION_SIZE - 1);
        int in = off & (REGION_SIZE - 1);
        boolean read = a.isRead();
        switch (region) {
            case COMMON_OFFSET -> {
                if (read) {
                    a.data = common.read(in, a.size);
                } else {
                    common.write(in, a.size, a.data);
                }
            }
            case ISR_OFFSET -> {
                if (read) {
                    a.data = isr; // virtio_pci_isr_read: read-to-clear, deasserts INTx
                    isr = 0;
                    isrReads++;
                    irq.set(false, sched.now());
                }
            }
            case DEVICE_OFFSET -> deviceConfigAccess(in, a);
            default -> {
                if (read) {
                    a.data = 0; // virtio_pci_notify_read
                } else {
                    queueNotified(in / NOTIFY_MULTIPLIER);
                }
            }
        }
    }

    /** virtio_config_modern_read/write{b,w,l}: beyond config_len reads all ones and writes nothing. */
    private void deviceConfigAccess(int in, Access a) {
        if (in + a.size > CFG_SIZE) {
            if (a.isRead()) {
                a.data = a.sizeMask();
            }
            return;
        }
        if (a.isRead()) {
            a.data = devcfg.read(in, a.size);
        } else {
            devcfg.write(in, a.size, a.data);
        }
    }

    private void eventsClearWritten(Register r, long old, long value) {
        devcfg.set(CFG_EVENTS_READ, 4, devcfg.read(CFG_EVENTS_READ, 4) & ~value);
        devcfg.set(CFG_EVENTS_CLEAR, 4, 0);
    }

    private void msixAccess(int off, Access a) {
        boolean table = off < MSIX_VECTORS * MSIX_ENTRY_SIZE;
        boolean pba = off >= MSIX_PBA_OFFSET && off < MSIX_PBA_OFFSET + 8;
        if (a.isRead()) {
            a.data = table || pba ? msix.read(off, a.size) : 0;
        } else if (table) {
            msix.write(off, a.size, a.data);
        }
    }

    /**
     * A driver notification of queue {@code queue} (virtio_pci_notify_write: offset / multiplier,
     * ignored at or above VIRTIO_QUEUE_MAX). Counts per queue for now; the virtqueue processing plugs in here.
     */
    void queueNotified(int queue) {
        if (queue >= 0 && queue < notifies.length) {
            notifies[queue]++;
            // virtio_queue_notify → virtio_gpu_handle_ctrl_cb / _cursor_cb: the queue is processed later (a bottom half)
            if (vqs[queue].ready() && !sched.isPending(event[queue])) {
                event[queue] = sched.scheduleIn(params.cmdLatencyPs, processQueue, queue);
            }
        } else {
            notifiesOther++;
        }
    }

    /** Bus Master Enable (PCI Command bit 2). */
    private boolean busMaster() {
        return (command() & 0x4) != 0;
    }

    /**
     * Queue {@code q} enabled: the ring kind picked from the negotiated features (QEMU asks
     * virtio_vdev_has_feature(VIRTIO_F_RING_PACKED) on every ring access; the features are fixed once
     * FEATURES_OK is set, before any queue is enabled), its size screened (QEMU virtio_queue_set_num
     * already refused sizes above VIRTQUEUE_MAX_SIZE; a size 0 queue is not set up,
     * virtio_queue_set_rings), then the rings mapped with the negotiated EVENT_IDX / INDIRECT_DESC
     * (virtio_init_region_cache: "Cannot map desc/used/avail" is a virtio_error). A split ring size
     * that is not a power of two, which QEMU's split ring accepts (it uses % num), is refused here as
     * a device error: SplitVirtqueue masks indices. A packed ring takes any size.
     */
    @Override
    public void queueEnabled(int q) {
        int size = common.vringNum[q];
        if (size == 0) {
            return;
        }
        boolean packed = (common.negotiated & PackedVirtqueue.VIRTIO_F_RING_PACKED) != 0;
        Virtqueue other = packed ? splitVqs[q] : packedVqs[q];
        if (other.ready() || other.broken()) {
            other.reset(); // features changed since the queue was last enabled (a reset came between)
        }
        vqs[q] = packed ? packedVqs[q] : splitVqs[q];
        if (!packed && !SplitVirtqueue.validSize(size)) {
            queueError(q, "queue size " + size + " is not a power of two (gvsim: split ring sizes must be; QEMU 7.2 accepts it)");
            return;
        }
        long features = common.negotiated & (SplitVirtqueue.VIRTIO_F_EVENT_IDX | SplitVirtqueue.VIRTIO_F_INDIRECT_DESC
                | SplitVirtqueue.VIRTIO_F_NOTIFY_ON_EMPTY);
        VirtqueueError e = vqs[q].configure(size, common.desc[q], common.avail[q], common.used[q], features);
        if (e != VirtqueueError.NONE) {
            queueError(q, vqs[q].errorMessage());
        }
    }

    @Override
    public void queueWasReset(int q) {
        sched.cancel(event[q]);
        event[q] = Scheduler.NO_EVENT;
        pendingHead[q] = -1;
        vqs[q].reset();
    }

    /** virtio_error: recorded with QEMU's message, DEVICE_NEEDS_RESET, every queue stops (vdev->broken). */
    private void queueError(int q, String message) {
        queueErrorCount++;
        if (queueErrors.size() < MAX_ERRORS_KEPT) {
            queueErrors.add("queue " + q + ": " + message);
        }
        broken = true;
        deviceError();
    }

    /**
     * The queue's bottom half, one command at a time in simulated time: a chain is popped and handled
     * (its effects and its response bytes happen then), and its response is pushed, flushed and the
     * used-buffer interrupt raised when the ring asks for it once the command's cost has elapsed
     * ({@code virtio_gpu.cmd_cost}, {@code virtio_gpu.map_entry_cost} per backing entry it mapped, and
     * the bytes it copied at {@code virtio_gpu.memcpy_bandwidth});
     * then the next chain is popped, until the ring is empty (virtio_gpu_handle_ctrl →
     * virtio_gpu_process_cmdq → virtio_gpu_ctrl_response → virtqueue_push + virtio_notify, once per
     * command; virtio_gpu_handle_cursor). The two queues run independently (QEMU runs both bottom
     * halves on one main loop; their interleaving is not modelled). With Bus Master Enable clear
     * nothing is read: QEMU's virtio_pci_write_config marks the device disabled then
     * (virtio_set_disabled) and its DMA address space is off, so the chains stay available until the
     * driver enables it and notifies again.
     *
     * <p>Known difference: QEMU's virtio_gpu_handle_ctrl pops every chain before it processes any, so
     * when a later chain of the same pass is hostile, the earlier commands' responses are written but
     * never reach the used ring (virtqueue_fill on a broken device). Here chains are handled as they
     * are popped, so the commands before the hostile chain are answered. Chains are not stored
     * (one reused {@link Chain}), which is why.
     */
    private void processQueue(long now, long arg) {
        int q = (int) arg;
        event[q] = Scheduler.NO_EVENT;
        Virtqueue vq = vqs[q];
        if (pendingHead[q] >= 0) {
            int head = pendingHead[q];
            pendingHead[q] = -1;
            // QEMU 7.2 answers within the bottom half, so a command never outlives Bus Master Enable there; here
            // its cost may: with Bus Master clear the device may not write the used ring (virtio_write_config:
            // virtio_set_disabled, and fill/flush on a disabled device write nothing), so the element is dropped
            if (!broken && vq.ready() && busMaster()) {
                vq.push(head, pendingLen[q]);
                vq.flush();
                if (vq.needsInterrupt()) {
                    queueInterrupt(q);
                }
            }
        }
        if (broken || !vq.ready()) {
            return;
        }
        if (!busMaster()) {
            busMasterOff++;
            return;
        }
        int r = vq.pop(chain);
        if (r == Virtqueue.EMPTY) {
            return;
        }
        if (r == Virtqueue.FAILED) {
            queueError(q, vq.errorMessage());
            return;
        }
        chains[q]++;
        int len = q == 0 ? control.control(chain) : control.cursor(chain);
        long cost = params.commandPs(control.lastEntries, control.lastBytes);
        // the host display side may hold the thread longer (a synchronous UI update, a busy main loop)
        long held = control.hostDoneAt() - sched.now();
        if (held > cost) {
            hostHeldPs += held - cost;
            cost = held;
        }
        busyPs[q] += cost;
        // len < 0: QEMU never returns the chain (it stays in fenceq); the next one is handled after the cost all the same
        pendingHead[q] = len < 0 ? -1 : chain.head();
        pendingLen[q] = Math.max(len, 0);
        event[q] = sched.scheduleIn(cost, processQueue, q);
    }

    /** virtio_notify → virtio_irq: ISR bit 0, then the queue's MSI-X vector or INTx (virtio_pci_notify). */
    private void queueInterrupt(int q) {
        queueInterrupts++;
        isr |= ISR_QUEUE;
        if (msixEnabled()) {
            if (common.vector[q] != NO_VECTOR) {
                msixMessages++;
            }
        } else {
            irq.set(true, sched.now());
        }
    }

    /** A device error (QEMU virtio_error): DEVICE_NEEDS_RESET and a configuration change notification. */
    @Override
    public void deviceError() {
        deviceErrors++;
        broken = true; // virtio_error: vdev->broken, nothing more is processed until a reset

        if (common.needsReset()) {
            notifyConfig();
        }
    }

    /** Raises VIRTIO_GPU_EVENT_DISPLAY in events_read and notifies a configuration change (virtio_gpu_notify_event). */
    void displayEvent() {
        devcfg.set(CFG_EVENTS_READ, 4, devcfg.read(CFG_EVENTS_READ, 4) | EVENT_DISPLAY);
        notifyConfig();
    }

    /** virtio_notify_config: only once DRIVER_OK; ISR bit 1, generation + 1, the config vector (MSI-X) or INTx level = ISR bit 0. */
    private void notifyConfig() {
        if ((common.status & S_DRIVER_OK) == 0) {
            return;
        }
        isr |= ISR_CONFIG;
        common.bumpGeneration();
        if (msixEnabled()) {
            if (common.configVector != NO_VECTOR) {
                msixMessages++;
            }
        } else {
            irq.set((isr & ISR_QUEUE) != 0, sched.now());
        }
    }

    // ---------------------------------------------------------------- VirtioPciCommonConfig.Device

    @Override
    public void virtioReset() {
        isr = 0;
        broken = false;
        for (int q = 0; q < vqs.length; q++) {
            sched.cancel(event[q]);
            event[q] = Scheduler.NO_EVENT;
            pendingHead[q] = -1;
            splitVqs[q].reset();
            packedVqs[q].reset();
            vqs[q] = splitVqs[q]; // no features negotiated after a reset
        }
        control.reset(); // virtio_gpu_reset: every resource destroyed, scanouts off
        // virtio_gpu_reset keeps events_read (the display configuration does not change on a reset)
    }

    @Override
    public int msixVectors() {
        return MSIX_VECTORS;
    }

    // ---------------------------------------------------------------- PCI config (virtio_read_config / virtio_write_config)

    @Override
    public long configRead(int offset, int size) {
        int data = cfgCap + 16;
        if (cfgCap != 0 && offset < data + 4 && offset + size > data) {
            pciCfgAccess(true);
        }
        return super.configRead(offset, size);
    }

    @Override
    protected void configWritten(int offset, int size, long value) {
        if (offset <= COMMAND && offset + size > COMMAND && !busMaster()) {
            // QEMU 7.2 virtio_write_config: Bus Master cleared → virtio_set_disabled(vdev, true) (no queue is
            // processed: checked in processQueue) and virtio_set_status(vdev, status & ~DRIVER_OK)
            if ((common.status & S_DRIVER_OK) != 0) {
                busMasterClearedDriverOk++;
            }
            common.clearDriverOk();
        }
        int data = cfgCap + 16;
        if (cfgCap != 0 && offset < data + 4 && offset + size > data) {
            pciCfgAccess(false);
        }
    }

    /** The VIRTIO_PCI_CAP_PCI_CFG window: a 1, 2 or 4-byte access at cap.offset of the modern BAR (VIRTIO 1.2 §4.1.4.9). */
    private final Access window = new Access();

    private void pciCfgAccess(boolean read) {
        long off = long32(cfgCap + 8) & 0xFFFF_FFFFL;
        int len = long32(cfgCap + 12);
        if ((len != 1 && len != 2 && len != 4) || off + len > MODERN_BAR_SIZE || (off & (len - 1)) != 0) {
            return;
        }
        window.size = len;
        if (read) {
            window.kind = Access.READ;
            barAccess(bar(modernBar), off, window);
            setLong32(cfgCap + 16, (int) window.data);
        } else {
            window.kind = Access.WRITE;
            window.data = long32(cfgCap + 16) & (len == 4 ? 0xFFFF_FFFFL : (1L << 8 * len) - 1);
            barAccess(bar(modernBar), off, window);
        }
    }

    @Override
    protected void deviceReset(ResetKind kind) {
        common.resetDevice();
        msix.reset();
    }

    // ---------------------------------------------------------------- report and state

    /** One {@link dev.gvsim.pciefabric.Scanout} per output, {@code scanout0}..., reading the resource shown on demand. */
    @Override
    public List<dev.gvsim.pciefabric.Scanout> scanouts() {
        return control.scanouts.views();
    }

    @Override
    public Map<String, Object> report() {
        return VirtioGpuReport.of(this);
    }

    @Override
    public void saveState(StateWriter w) {
        super.saveState(w);
        common.save(w);
        w.putBytes(devcfg.image(), 0, CFG_SIZE);
        w.putBytes(msix.image(), 0, (int) MSIX_BAR_SIZE);
        devcfg.saveUnimplemented(w);
        msix.saveUnimplemented(w);
        w.putInt(isr).putLong(notifies[0]).putLong(notifies[1]).putLong(notifiesOther).putLong(isrReads).putLong(deviceErrors)
                .putLong(msixMessages);
        for (int q = 0; q < vqs.length; q++) {
            w.putBoolean(vqs[q].packed()); // the ring kind, then that ring's state
            vqs[q].saveState(w);
            w.putLong(event[q]).putLong(chains[q]).putInt(pendingHead[q]).putInt(pendingLen[q]).putLong(busyPs[q]);
        }
        control.save(w);
        w.putLong(busMasterClearedDriverOk).putLong(hostmemAccesses);
        w.putBoolean(broken).putLong(queueErrorCount).putLong(busMasterOff).putLong(queueInterrupts).putInt(queueErrors.size());
        for (String e : queueErrors) {
            w.putString(e);
        }
    }

    @Override
    public void restoreState(StateReader r) throws InputException {
        super.restoreState(r);
        common.restore(r);
        byte[] dc = new byte[CFG_SIZE];
        byte[] mx = new byte[(int) MSIX_BAR_SIZE];
        r.getBytes(dc, 0, CFG_SIZE);
        r.getBytes(mx, 0, (int) MSIX_BAR_SIZE);
        devcfg.restoreUnimplemented(r);
        msix.restoreUnimplemented(r);
        int i = r.getInt();
        long n0 = r.getLong();
        long n1 = r.getLong();
        long other = r.getLong();
        long isrs = r.getLong();
        long errors = r.getLong();
        long messages = r.getLong();
        for (int q = 0; q < vqs.length; q++) {
            Virtqueue vq = r.getBoolean() ? packedVqs[q] : splitVqs[q];
            vq.restoreState(r); // checks before it changes anything
            Virtqueue unused = vq.packed() ? splitVqs[q] : packedVqs[q];
            unused.reset(); // the ring kind this queue does not use starts clean
            vqs[q] = vq;
            event[q] = r.getLong();
            chains[q] = r.getLong();
            pendingHead[q] = r.getInt();
            pendingLen[q] = r.getInt();
            busyPs[q] = r.getLong();
        }
        control.restore(r);
        long bmCleared = r.getLong();
        hostmemAccesses = r.getLong();
        boolean brk = r.getBoolean();
        long errCount = r.getLong();
        long bmOff = r.getLong();
        long qInts = r.getLong();
        int nErr = r.getInt();
        if (nErr < 0 || nErr > MAX_ERRORS_KEPT) {
            throw new InputException("checkpoint " + stateName() + ": " + nErr + " queue errors kept");
        }
        List<String> errs = new java.util.ArrayList<>();
        for (int k = 0; k < nErr; k++) {
            errs.add(r.getString());
        }
        broken = brk;
        busMasterClearedDriverOk = bmCleared;
        queueErrorCount = errCount;
        busMasterOff = bmOff;
        queueInterrupts = qInts;
        queueErrors.clear();
        queueErrors.addAll(errs);
        if (i < 0 || i > (ISR_QUEUE | ISR_CONFIG)) {
            throw new InputException("checkpoint " + stateName() + ": ISR " + i + " out of range");
        }
        System.arraycopy(dc, 0, devcfg.image(), 0, CFG_SIZE);
        System.arraycopy(mx, 0, msix.image(), 0, (int) MSIX_BAR_SIZE);
        isr = i;
        notifies[0] = n0;
        notifies[1] = n1;
        notifiesOther = other;
        isrReads = isrs;
        deviceErrors = errors;
        msixMessages = messages;
    }
}
