package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rw;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The virtio-pci common configuration structure (VIRTIO 1.2 §4.1.4.3, {@code struct
 * virtio_pci_common_cfg}) of one modern virtio-pci function, as QEMU 7.2 implements it
 * (hw/virtio/virtio-pci.c {@code virtio_pci_common_read/write}, hw/virtio/virtio.c
 * {@code virtio_set_status}, {@code virtio_set_features_nocheck}, {@code virtio_reset}), declared on
 * the register layer. Facts: docs/facts/virtio-gpu.md §2.2.
 *
 * <p>QEMU's region is a switch on the exact offset: an access that does not start at a register
 * reads 0 and writes nothing, and a read returns the register alone (a 4-byte read at
 * {@code device_status} does not include {@code config_generation}). The per-queue registers show the
 * queue {@code queue_select} names; the image is reloaded on every select. Queue state lives in
 * primitive arrays bounded by {@link #NUM_QUEUES}; nothing is allocated per access.
 */
final class VirtioPciCommonConfig {
    // register offsets, status bits and feature numbers: dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout


    /** VIRTIO_QUEUE_MAX (QEMU include/hw/virtio/virtio.h): queue_select writes at or above it are ignored. */
    static final int QUEUE_MAX = 1024;
    /** VIRTQUEUE_MAX_SIZE (QEMU include/hw/virtio/virtio.h). */
    static final int QUEUE_MAX_SIZE = 1024;
    /** virtio-gpu's queues: 0 controlq, 1 cursorq (docs/facts/virtio-gpu.md §1.2). */
    static final int NUM_QUEUES = 2;

    /** What the transport asks of its device. */
    interface Device {
        /** The device's own reset (virtio_reset → the device class reset); queues are reset here. */
        void virtioReset();

        /** MSI-X vectors the function has (msix_vector_use fails at or above it). */
        int msixVectors();

        /** A device error the transport found (QEMU virtio_error): needs-reset and a configuration change notification. */
        void deviceError();

        /** Queue {@code q} was enabled (queue_enable written 1): QEMU virtio_queue_set_rings → virtio_init_region_cache. */
        void queueEnabled(int q);

        /** Queue {@code q} was reset (queue_reset written 1): QEMU virtio_queue_reset. */
        void queueWasReset(int q);
    }

    final RegisterFile regs = new RegisterFile("virtio-pci common configuration", COMMON_SIZE);
    private final Device dev;
    private final long offered;
    private final int[] defaultSize;
    private final boolean specFeaturesOk;

    // per-queue state: QEMU VirtIOPCIProxy.vqs[] (num, enabled, reset, desc/avail/used halves) and VirtQueue (vring.num, vector)
    final int[] proxyNum = new int[NUM_QUEUES];
    final int[] vringNum = new int[NUM_QUEUES];
    final int[] vector = new int[NUM_QUEUES];
    final boolean[] enabled = new boolean[NUM_QUEUES];
    final boolean[] queueReset = new boolean[NUM_QUEUES];
    final long[] desc = new long[NUM_QUEUES];
    final long[] avail = new long[NUM_QUEUES];
    final long[] used = new long[NUM_QUEUES];

    // device state: VirtIODevice.status, guest_features, config_vector, generation, queue_sel; VirtIOPCIProxy.guest_features[2]
    int status;
    long negotiated;
    final int[] guestFeatures = new int[2];
    int configVector = NO_VECTOR;
    int generation;
    int queueSel;
    /** Times FEATURES_OK was refused (spec mode) and times the driver accepted features not offered. */
    long featuresOkRefused;
    long unofferedAccepted;
    /** Queue resets the driver asked for (queue_reset written 1). */
    long queueResets;

    /**
     * @param offered        the device features (host_features without the legacy ones)
     * @param defaultSize    each queue's size (vring.num_default)
     * @param specFeaturesOk refuse FEATURES_OK when the driver accepted a feature not offered (VIRTIO 1.2 §3.1.1);
     *                       false = QEMU 7.2 (the unoffered bits are dropped and FEATURES_OK is accepted)
     */
    VirtioPciCommonConfig(Device dev, long offered, int[] defaultSize, boolean specFeaturesOk) {
        this.dev = dev;
        this.offered = offered;
        this.defaultSize = defaultSize.clone();
        this.specFeaturesOk = specFeaturesOk;
        String s = "VIRTIO 1.2 §4.1.4.3; QEMU 7.2 hw/virtio/virtio-pci.c virtio_pci_common_";
        regs.declare(Register.whole("device_feature_select", COMMON_DFSELECT, 4, FieldKind.RW, 0, s + "write COMMON_DFSELECT"), this::dfselectWritten);
        regs.declare(Register.whole("device_feature", COMMON_DF, 4, FieldKind.RO, offered & 0xFFFF_FFFFL, s + "read COMMON_DF: host_features >> 32*select (select <= 1)"));
        regs.declare(Register.whole("driver_feature_select", COMMON_GFSELECT, 4, FieldKind.RW, 0, s + "write COMMON_GFSELECT"), this::gfselectWritten);
        regs.declare(Register.whole("driver_feature", COMMON_GF, 4, FieldKind.RW, 0, s + "write COMMON_GF → virtio_set_features"), this::gfWritten);
        regs.declare(Register.whole("msix_config", COMMON_MSIX, 2, FieldKind.RW, NO_VECTOR, s + "write COMMON_MSIX: a vector msix_vector_use refuses reads back NO_VECTOR"),
                this::msixConfigWritten);
        regs.declare(Register.whole("num_queues", COMMON_NUMQ, 2, FieldKind.RO, NUM_QUEUES, s + "read COMMON_NUMQ: controlq and cursorq"));
        regs.declare(Register.of("device_status", COMMON_STATUS, 1, 0, "VIRTIO 1.2 §2.1, §3.1.1; QEMU hw/virtio/virtio.c virtio_set_status; 0 resets",
                rw("acknowledge", 0), rw("driver", 1), rw("driver_ok", 2), rw("features_ok", 3), rw("reserved", 5, 4), rw("device_needs_reset", 6),
                rw("failed", 7)), this::statusWritten);
        regs.declare(Register.whole("config_generation", COMMON_CFGGENERATION, 1, FieldKind.RO, 0, "VIRTIO 1.2 §4.1.4.3.1; QEMU virtio_notify_config bumps it"));
        regs.declare(Register.whole("queue_select", COMMON_Q_SELECT, 2, FieldKind.RW, 0, s + "write COMMON_Q_SELECT: values >= VIRTIO_QUEUE_MAX ignored"),
                this::queueSelectWritten);
        regs.declare(Register.whole("queue_size", COMMON_Q_SIZE, 2, FieldKind.RW, defaultSize[0], s + "read COMMON_Q_SIZE returns vring.num; the write is "
                + "proxy num, applied at queue_enable (virtio_queue_set_num)"), this::queueSizeWritten);
        regs.declare(Register.whole("queue_msix_vector", COMMON_Q_MSIX, 2, FieldKind.RW, NO_VECTOR, s + "write COMMON_Q_MSIX"), this::queueVectorWritten);
        regs.declare(Register.whole("queue_enable", COMMON_Q_ENABLE, 2, FieldKind.RW, 0, s + "write COMMON_Q_ENABLE: 1 enables, other values are a device error"),
                this::queueEnableWritten);
        regs.declare(Register.whole("queue_notify_off", COMMON_Q_NOFF, 2, FieldKind.RO, 0, s + "read COMMON_Q_NOFF: queues mapped in order (= queue_select)"));
        String[] halves = {"queue_desc_lo", "queue_desc_hi", "queue_driver_lo", "queue_driver_hi", "queue_device_lo", "queue_device_hi"};
        for (int i = 0; i < halves.length; i++) {
            regs.declare(Register.whole(halves[i], COMMON_Q_DESCLO + 4 * i, 4, FieldKind.RW, 0, s + "write COMMON_Q_DESCLO..Q_USEDHI"), this::ringWritten);
        }
        regs.declare(Register.of("queue_reset", COMMON_Q_RESET, 2, 0, "VIRTIO 1.2 §4.1.4.3.2; QEMU 7.2 virtio_pci_common_write COMMON_Q_RESET: reads 0 once the "
                + "reset is done (synchronously)",
                rw("reset", 0)), this::queueResetWritten);
        regs.seal();
        resetDevice();
    }

    // ---------------------------------------------------------------- access (QEMU: a switch on the exact offset)

    /** A read of {@code size} bytes at {@code offset} (0..0xFFF). */
    long read(int offset, int size) {
        Register r = regs.register(offset);
        if (r == null || r.offset() != offset) {
            return 0;
        }
        return regs.read(offset, Math.min(size, r.width()));
    }

    /** A write of {@code size} bytes at {@code offset} (0..0xFFF). */
    void write(int offset, int size, long value) {
        Register r = regs.register(offset);
        if (r == null || r.offset() != offset) {
            return;
        }
        if (offset == COMMON_Q_SELECT && (value & 0xFFFF_FFFFL) >= QUEUE_MAX) {
            return; // QEMU compares the whole written value
        }
        int n = Math.min(size, r.width());
        regs.write(offset, n, value & (n == 8 ? -1L : (1L << (8 * n)) - 1));
    }

    // ---------------------------------------------------------------- write hooks

    private void dfselectWritten(Register r, long old, long value) {
        int sel = (int) value;
        // virtio_pci_common_read COMMON_DF: (host_features & ~legacy_features) >> (32 * dfselect) if dfselect <= 1, else 0
        long df = sel == 0 ? offered & 0xFFFF_FFFFL : sel == 1 ? offered >>> 32 : 0;
        regs.set(COMMON_DF, 4, df);
    }

    private void gfselectWritten(Register r, long old, long value) {
        int sel = (int) value;
        regs.set(COMMON_GF, 4, sel == 0 || sel == 1 ? guestFeatures[sel] : 0);
    }

    private void gfWritten(Register r, long old, long value) {
        int sel = (int) regs.read(COMMON_GFSELECT, 4);
        if (sel != 0 && sel != 1) {
            regs.set(COMMON_GF, 4, 0); // QEMU: guest_features[] is not written; the read returns 0
            return;
        }
        guestFeatures[sel] = (int) value;
        // virtio_set_features: refused once FEATURES_OK is set; virtio_set_features_nocheck drops bits not offered
        if ((status & S_FEATURES_OK) != 0) {
            return;
        }
        long want = (guestFeatures[0] & 0xFFFF_FFFFL) | (long) guestFeatures[1] << 32;
        negotiated = want & offered;
    }

    private void msixConfigWritten(Register r, long old, long value) {
        configVector = (int) value < dev.msixVectors() ? (int) value : NO_VECTOR;
        regs.set(COMMON_MSIX, 2, configVector);
    }

    private void statusWritten(Register r, long old, long value) {
        int val = (int) value & 0xFF;
        if ((negotiated & 1L << F_VERSION_1) != 0 && (status & S_FEATURES_OK) == 0 && (val & S_FEATURES_OK) != 0) {
            long want = (guestFeatures[0] & 0xFFFF_FFFFL) | (long) guestFeatures[1] << 32;
            if ((want & ~offered) != 0) {
                unofferedAccepted++;
                if (specFeaturesOk) {
                    // VIRTIO 1.2 §3.1.1 step 6 / §2.2.2: the device does not accept FEATURES_OK
                    featuresOkRefused++;
                    val &= ~S_FEATURES_OK;
                }
            }
        }
        status = val;
        regs.set(COMMON_STATUS, 1, status);
        if (status == 0) {
            resetDevice(); // virtio_pci_common_write COMMON_STATUS: virtio_pci_reset when the status reads 0
        }
    }

    private void queueSelectWritten(Register r, long old, long value) {
        queueSel = (int) value;
        loadQueue();
    }

    private void queueSizeWritten(Register r, long old, long value) {
        if (queueSel < NUM_QUEUES) {
            proxyNum[queueSel] = (int) value;
        }
        loadQueue();
    }

    private void queueVectorWritten(Register r, long old, long value) {
        if (queueSel < NUM_QUEUES) {
            vector[queueSel] = (int) value < dev.msixVectors() ? (int) value : NO_VECTOR;
        }
        loadQueue();
    }

    private void queueEnableWritten(Register r, long old, long value) {
        if (value != 1) {
            dev.deviceError(); // QEMU 7.2: virtio_error "wrong value for queue_enable"
        } else if (queueSel < NUM_QUEUES) {
            int q = queueSel;
            int num = proxyNum[q];
            // virtio_queue_set_num: ignored when it would change a queue's existence or exceeds VIRTQUEUE_MAX_SIZE
            if ((num != 0) == (vringNum[q] != 0) && num <= QUEUE_MAX_SIZE && num >= 0) {
                vringNum[q] = num;
            }
            enabled[q] = true;
            queueReset[q] = false;
            loadQueue();
            dev.queueEnabled(q);
        }
        loadQueue();
    }

    private void ringWritten(Register r, long old, long value) {
        if (queueSel < NUM_QUEUES) {
            int q = queueSel;
            long v = value & 0xFFFF_FFFFL;
            switch (r.offset()) {
                case COMMON_Q_DESCLO -> desc[q] = desc[q] & ~0xFFFF_FFFFL | v;
                case COMMON_Q_DESCHI -> desc[q] = desc[q] & 0xFFFF_FFFFL | v << 32;
                case COMMON_Q_AVAILLO -> avail[q] = avail[q] & ~0xFFFF_FFFFL | v;
                case COMMON_Q_AVAILHI -> avail[q] = avail[q] & 0xFFFF_FFFFL | v << 32;
                case COMMON_Q_USEDLO -> used[q] = used[q] & ~0xFFFF_FFFFL | v;
                default -> used[q] = used[q] & 0xFFFF_FFFFL | v << 32;
            }
        }
        loadQueue();
    }

    private void queueResetWritten(Register r, long old, long value) {
        // QEMU 7.2 virtio_pci_common_write COMMON_Q_RESET: on 1, reset = 1, virtio_queue_reset (__virtio_queue_reset:
        // vring.num back to its default, vector NO_VECTOR), then reset = 0 and enabled = 0; the proxy's
        // desc/avail/used halves are kept (they read back unchanged). Not conditioned on VIRTIO_F_RING_RESET.
        if (value == 1 && queueSel < NUM_QUEUES) {
            int q = queueSel;
            vringNum[q] = defaultSize[q];
            vector[q] = NO_VECTOR;
            enabled[q] = false;
            queueReset[q] = false;
            queueResets++;
            dev.queueWasReset(q);
        }
        loadQueue();
    }

    // ---------------------------------------------------------------- device side

    /** A device error (QEMU virtio_error): DEVICE_NEEDS_RESET once VERSION_1 is negotiated, then a config change notification. */
    boolean needsReset() {
        if ((negotiated & 1L << F_VERSION_1) == 0) {
            return false;
        }
        status |= S_NEEDS_RESET;
        regs.set(COMMON_STATUS, 1, status);
        return true;
    }

    /** virtio_set_status(vdev, status & ~DRIVER_OK) as virtio_write_config does when Bus Master is cleared (no reset). */
    void clearDriverOk() {
        status &= ~S_DRIVER_OK;
        regs.set(COMMON_STATUS, 1, status);
    }

    /** virtio_notify_config's generation bump (only once DRIVER_OK is set). */
    void bumpGeneration() {
        generation = (generation + 1) & 0xFF;
        regs.set(COMMON_CFGGENERATION, 1, generation);
    }

    /**
     * Reset (status 0, FLR, bus reset): QEMU virtio_reset + virtio_pci_reset. The proxy's
     * device/driver feature selects and driver feature words survive, as in QEMU 7.2 (its
     * virtio_pci_reset clears only the per-queue state; clearing guest_features came in 2025).
     */
    void resetDevice() {
        status = 0;
        negotiated = 0;
        configVector = NO_VECTOR;
        queueSel = 0;
        for (int q = 0; q < NUM_QUEUES; q++) {
            resetQueue(q);
        }
        regs.set(COMMON_STATUS, 1, 0);
        regs.set(COMMON_MSIX, 2, NO_VECTOR);
        regs.set(COMMON_Q_SELECT, 2, 0);
        dev.virtioReset();
        loadQueue();
    }

    private void resetQueue(int q) {
        proxyNum[q] = 0;
        vringNum[q] = defaultSize[q];
        vector[q] = NO_VECTOR;
        enabled[q] = false;
        queueReset[q] = false;
        desc[q] = 0;
        avail[q] = 0;
        used[q] = 0;
    }

    /** The per-queue registers of the selected queue into the image (a queue beyond NUM_QUEUES reads 0, vector NO_VECTOR). */
    private void loadQueue() {
        int q = queueSel;
        boolean have = q < NUM_QUEUES;
        regs.set(COMMON_Q_SIZE, 2, have ? vringNum[q] : 0);
        regs.set(COMMON_Q_MSIX, 2, have ? vector[q] : NO_VECTOR);
        regs.set(COMMON_Q_ENABLE, 2, have && enabled[q] ? 1 : 0);
        regs.set(COMMON_Q_NOFF, 2, q);
        regs.set(COMMON_Q_DESCLO, 4, have ? desc[q] : 0);
        regs.set(COMMON_Q_DESCHI, 4, have ? desc[q] >>> 32 : 0);
        regs.set(COMMON_Q_AVAILLO, 4, have ? avail[q] : 0);
        regs.set(COMMON_Q_AVAILHI, 4, have ? avail[q] >>> 32 : 0);
        regs.set(COMMON_Q_USEDLO, 4, have ? used[q] : 0);
        regs.set(COMMON_Q_USEDHI, 4, have ? used[q] >>> 32 : 0);
        regs.set(COMMON_Q_RESET, 2, have && queueReset[q] ? 1 : 0);
        int gs = (int) regs.read(COMMON_GFSELECT, 4);
        regs.set(COMMON_GF, 4, gs == 0 || gs == 1 ? guestFeatures[gs] : 0);
    }

    // ---------------------------------------------------------------- report and state

    Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", String.format("0x%02x", status));
        m.put("device_features", String.format("0x%x", offered));
        m.put("driver_features", String.format("0x%x", (guestFeatures[0] & 0xFFFF_FFFFL) | (long) guestFeatures[1] << 32));
        m.put("negotiated_features", String.format("0x%x", negotiated));
        m.put("msix_config", configVector);
        m.put("config_generation", generation);
        m.put("unoffered_features_accepted", unofferedAccepted);
        m.put("features_ok_refused", featuresOkRefused);
        m.put("queue_resets", queueResets);
        List<Map<String, Object>> qs = new java.util.ArrayList<>();
        for (int q = 0; q < NUM_QUEUES; q++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("size", vringNum[q]);
            e.put("enabled", enabled[q]);
            e.put("msix_vector", vector[q]);
            e.put("desc", String.format("0x%x", desc[q]));
            e.put("driver", String.format("0x%x", avail[q]));
            e.put("device", String.format("0x%x", used[q]));
            qs.add(e);
        }
        m.put("queues", qs);
        return m;
    }

    void save(StateWriter w) {
        w.putBytes(regs.image(), 0, COMMON_SIZE);
        regs.saveUnimplemented(w);
        w.putInt(status).putLong(negotiated).putInt(guestFeatures[0]).putInt(guestFeatures[1]).putInt(configVector).putInt(generation)
                .putInt(queueSel).putLong(featuresOkRefused).putLong(unofferedAccepted).putLong(queueResets);
        for (int q = 0; q < NUM_QUEUES; q++) {
            w.putInt(proxyNum[q]).putInt(vringNum[q]).putInt(vector[q]).putBoolean(enabled[q]).putBoolean(queueReset[q]).putLong(desc[q])
                    .putLong(avail[q]).putLong(used[q]);
        }
    }

    void restore(StateReader r) throws InputException {
        byte[] img = new byte[COMMON_SIZE];
        r.getBytes(img, 0, COMMON_SIZE);
        regs.restoreUnimplemented(r);
        int st = r.getInt();
        long neg = r.getLong();
        int g0 = r.getInt();
        int g1 = r.getInt();
        int cv = r.getInt();
        int gen = r.getInt();
        int sel = r.getInt();
        long refused = r.getLong();
        long unoffered = r.getLong();
        long resets = r.getLong();
        int[] pn = new int[NUM_QUEUES];
        int[] vn = new int[NUM_QUEUES];
        int[] vec = new int[NUM_QUEUES];
        boolean[] en = new boolean[NUM_QUEUES];
        boolean[] rs = new boolean[NUM_QUEUES];
        long[] d = new long[NUM_QUEUES];
        long[] a = new long[NUM_QUEUES];
        long[] u = new long[NUM_QUEUES];
        for (int q = 0; q < NUM_QUEUES; q++) {
            pn[q] = r.getInt();
            vn[q] = r.getInt();
            vec[q] = r.getInt();
            en[q] = r.getBoolean();
            rs[q] = r.getBoolean();
            d[q] = r.getLong();
            a[q] = r.getLong();
            u[q] = r.getLong();
            if (vn[q] < 0 || vn[q] > QUEUE_MAX_SIZE) {
                throw new InputException("checkpoint: virtio queue " + q + " size " + vn[q] + " out of range");
            }
        }
        if (st < 0 || st > 0xFF || sel < 0 || sel >= QUEUE_MAX || gen < 0 || gen > 0xFF) {
            throw new InputException("checkpoint: virtio common configuration out of range");
        }
        // checked: now apply
        System.arraycopy(img, 0, regs.image(), 0, COMMON_SIZE);
        status = st;
        negotiated = neg;
        guestFeatures[0] = g0;
        guestFeatures[1] = g1;
        configVector = cv;
        generation = gen;
        queueSel = sel;
        featuresOkRefused = refused;
        unofferedAccepted = unoffered;
        queueResets = resets;
        System.arraycopy(pn, 0, proxyNum, 0, NUM_QUEUES);
        System.arraycopy(vn, 0, vringNum, 0, NUM_QUEUES);
        System.arraycopy(vec, 0, vector, 0, NUM_QUEUES);
        System.arraycopy(en, 0, enabled, 0, NUM_QUEUES);
        System.arraycopy(rs, 0, queueReset, 0, NUM_QUEUES);
        System.arraycopy(d, 0, desc, 0, NUM_QUEUES);
        System.arraycopy(a, 0, avail, 0, NUM_QUEUES);
        System.arraycopy(u, 0, used, 0, NUM_QUEUES);
    }
}
