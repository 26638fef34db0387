package dev.gvsim.pciefabric;

import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rsvdP;
import static dev.gvsim.simcore.regs.Field.rsvdZ;
import static dev.gvsim.simcore.regs.Field.rw;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.regs.Field;
import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;
import dev.gvsim.simcore.regs.RegisterFile;

/**
 * A physical function's Single Root I/O Virtualization extended capability (PCIe Base 4.0 §9.3.3,
 * capability ID 0x0010, 0x40 bytes) and the virtual functions it creates: the registers are declared
 * on the PF's configuration space like every other capability (sim-core {@code regs}), and two write
 * hooks give them their effect. Setting VF Enable with NumVFs = N places N {@link VirtualFunction}s on
 * the PF's bus at routing IDs PF RID + First VF Offset + VF Stride × (n − 1), n = 1..N (§9.3.3.9,
 * §9.3.3.10; Linux drivers/pci/iov.c {@code pci_iov_virtfn_bus}/{@code pci_iov_virtfn_devfn}); each VF
 * asks the PF's device for its model ({@link PciFunction#createVirtualFunction}, the device contract)
 * and answers configuration requests with CRS for {@link #VF_ENABLE_TIME} (Linux {@code sriov_enable}
 * waits {@code msleep(100)} after setting VF Enable). Clearing VF Enable, or any reset of the PF that
 * clears it, removes them (§9.3.3.3.1). The VF BAR registers (§9.3.3.14) are sized like BARs (the
 * per-VF size, read back by writing all ones); VF n's BAR i is at VF BAR i + (n − 1) × its size, and
 * decodes while VF Enable and VF MSE (§9.3.3.3.4) are set.
 *
 * <p>Spec choices where the spec says "undefined": NumVFs written while VF Enable is set, or with a
 * value above TotalVFs (§9.3.3.7), keeps the old value and is counted ({@code pcie.sriov.num_vfs_refused});
 * a VF whose routing ID would fall on another bus number (needs a bus range below the port; not
 * modelled) or on a devfn another function holds is not created and is counted
 * ({@code pcie.sriov.vf_not_placed}). First VF Offset and VF Stride do not change with ARI Capable
 * Hierarchy (real devices may; §9.3.3.9). System Page Size is read back but does not re-align VF BARs
 * (each VF BAR of the bundled profiles is at least 1 MiB, larger than any page size Linux selects).
 */
public final class SriovCapability {
    /** SR-IOV extended capability ID (PCIe Base 4.0 §9.3.3.1) and its length. */
    public static final int EXT_CAP_ID = 0x0010;
    public static final int LENGTH = 0x40;
    /** Register offsets inside the capability (PCIe Base 4.0 §9.3.3, Figure 9-10). */
    public static final int CAPABILITIES = 0x04;
    public static final int CONTROL = 0x08;
    public static final int STATUS = 0x0A;
    public static final int INITIAL_VFS = 0x0C;
    public static final int TOTAL_VFS = 0x0E;
    public static final int NUM_VFS = 0x10;
    public static final int FUNCTION_DEPENDENCY_LINK = 0x12;
    public static final int FIRST_VF_OFFSET = 0x14;
    public static final int VF_STRIDE = 0x16;
    public static final int VF_DEVICE_ID = 0x1A;
    public static final int SUPPORTED_PAGE_SIZES = 0x1C;
    public static final int SYSTEM_PAGE_SIZE = 0x20;
    public static final int VF_BAR0 = 0x24;
    public static final int VF_MIGRATION_STATE = 0x3C;
    /** SR-IOV Control bits (§9.3.3.3). */
    public static final int CTRL_VF_ENABLE = 0x01;
    public static final int CTRL_VF_MSE = 0x08;
    public static final int CTRL_ARI_CAPABLE = 0x10;
    /** Supported Page Sizes a PF must support: 4K, 8K, 64K, 256K, 1M, 4M (§9.3.3.12). */
    public static final int REQUIRED_PAGE_SIZES = 0x553;

    public static final ParamDef VF_ENABLE_TIME = ParamDef.duration("pcie.sriov.vf_enable_time", "100ms",
            "PCIe Base 4.0 §9.3.3.3.1 (VFs may answer CRS for up to 100 ms after VF Enable is set); Linux drivers/pci/iov.c sriov_enable: msleep(100)",
            "time after VF Enable is set during which the new VFs answer configuration requests with CRS");

    /** One VF BAR of the capability: the BAR index, kind (memory only, §9.3.3.14), per-VF size and a name (the device's role). */
    public record VfBar(int index, BarKind kind, long size, boolean prefetchable, String name) {
        public VfBar {
            if (kind == BarKind.IO) {
                throw new IllegalArgumentException("VF BAR" + index + ": VF BARs are memory BARs (PCIe Base 4.0 §9.3.3.14)");
            }
            if (index < 0 || index > 5 || (kind == BarKind.MEM64 && index > 4) || size < 16 || Long.bitCount(size) != 1) {
                throw new IllegalArgumentException("VF BAR" + index + ": bad index or size " + size);
            }
        }
    }

    /** What the PF's capability holds: TotalVFs, First VF Offset, VF Stride, VF Device ID and the VF BARs. */
    public record Spec(int totalVfs, int firstVfOffset, int vfStride, int vfDeviceId, List<VfBar> bars) {
        public Spec {
            bars = List.copyOf(bars);
            if (totalVfs < 0 || totalVfs > 0xFFFF || firstVfOffset < 0 || firstVfOffset > 0xFFFF || vfStride < 0 || vfStride > 0xFFFF
                    || (totalVfs > 1 && vfStride == 0) || (totalVfs > 0 && firstVfOffset == 0)) {
                throw new IllegalArgumentException("SR-IOV: TotalVFs, First VF Offset, VF Stride out of range or zero (§9.3.3.9, §9.3.3.10)");
            }
        }

        /** The VF BAR at {@code index}, or null. */
        public VfBar bar(int index) {
            for (VfBar b : bars) {
                if (b.index == index) {
                    return b;
                }
            }
            return null;
        }
    }

    private final PciFunction pf;
    private final int at;
    private final Spec spec;
    private final VirtualFunction[] vfs;
    private PciHost host;
    private PciBus bus;
    private Counter numVfsRefused;
    private Counter notPlaced;

    SriovCapability(PciFunction pf, int at, Spec spec) {
        this.pf = pf;
        this.at = at;
        this.spec = spec;
        this.vfs = new VirtualFunction[spec.totalVfs];
    }

    /** Declares the registers on the PF's configuration space (the extended header is already linked). */
    void declare(RegisterFile r) {
        String s = "PCIe Base 4.0 ";
        r.declare(Register.whole("SRIOV.CAPABILITIES", at + CAPABILITIES, 4, FieldKind.RO, 0,
                s + "§9.3.3.2: VF Migration not supported, ARI Capable Hierarchy Preserved 0, no migration interrupt"));
        r.declare(Register.of("SRIOV.CONTROL", at + CONTROL, 2, 0, s + "§9.3.3.3 (VF Migration Enable and its interrupt RO 0: not migration capable)",
                rw("vf_enable", 0), ro("vf_migration_enable", 1), ro("vf_migration_interrupt_enable", 2), rw("vf_mse", 3),
                rw("ari_capable_hierarchy", 4), rsvdP(15, 5)), this::controlWritten);
        r.declare(Register.of("SRIOV.STATUS", at + STATUS, 2, 0, s + "§9.3.3.4: VF Migration Status (not migration capable: 0)",
                ro("vf_migration_status", 0), rsvdZ(15, 1)));
        r.declare(Register.whole("SRIOV.INITIAL_VFS", at + INITIAL_VFS, 2, FieldKind.RO, spec.totalVfs,
                s + "§9.3.3.5: equals TotalVFs when VF Migration Capable is clear"));
        r.declare(Register.whole("SRIOV.TOTAL_VFS", at + TOTAL_VFS, 2, FieldKind.RO, spec.totalVfs, s + "§9.3.3.6 TotalVFs (the profile's)"));
        r.declare(Register.whole("SRIOV.NUM_VFS", at + NUM_VFS, 2, FieldKind.RW, 0,
                s + "§9.3.3.7 NumVFs: written only while VF Enable is clear and up to TotalVFs (else the model keeps the old value)"),
                this::numVfsWritten);
        r.declare(Register.whole("SRIOV.FUNCTION_DEPENDENCY_LINK", at + FUNCTION_DEPENDENCY_LINK, 1, FieldKind.RO, 0,
                s + "§9.3.3.8: no dependency (a single PF at function 0)"));
        r.declare(Register.of("SRIOV.RESERVED_13", at + 0x13, 1, 0, s + "§9.3.3 (reserved)", rsvdP(7, 0)));
        r.declare(Register.whole("SRIOV.FIRST_VF_OFFSET", at + FIRST_VF_OFFSET, 2, FieldKind.RO, spec.firstVfOffset,
                s + "§9.3.3.9 First VF Offset (the profile's)"));
        r.declare(Register.whole("SRIOV.VF_STRIDE", at + VF_STRIDE, 2, FieldKind.RO, spec.vfStride, s + "§9.3.3.10 VF Stride (the profile's)"));
        r.declare(Register.of("SRIOV.RESERVED_18", at + 0x18, 2, 0, s + "§9.3.3 (reserved)", rsvdP(15, 0)));
        r.declare(Register.whole("SRIOV.VF_DEVICE_ID", at + VF_DEVICE_ID, 2, FieldKind.RO, spec.vfDeviceId, s + "§9.3.3.11 VF Device ID (the profile's)"));
        r.declare(Register.whole("SRIOV.SUPPORTED_PAGE_SIZES", at + SUPPORTED_PAGE_SIZES, 4, FieldKind.RO, REQUIRED_PAGE_SIZES,
                s + "§9.3.3.12: the sizes a PF must support (4K, 8K, 64K, 256K, 1M, 4M)"));
        r.declare(Register.whole("SRIOV.SYSTEM_PAGE_SIZE", at + SYSTEM_PAGE_SIZE, 4, FieldKind.RW, 1, s + "§9.3.3.13 System Page Size (4 KiB at reset)"));
        for (int i = 0; i < 6; i++) {
            VfBar b = spec.bar(i);
            if (b != null) {
                declareVfBar(r, b);
                if (b.kind == BarKind.MEM64) {
                    i++;
                }
            } else {
                r.declare(Register.whole("SRIOV.VF_BAR" + i, at + VF_BAR0 + 4 * i, 4, FieldKind.RO, 0, s + "§9.3.3.14: VF BAR not implemented, 0"));
            }
        }
        r.declare(Register.whole("SRIOV.VF_MIGRATION_STATE", at + VF_MIGRATION_STATE, 4, FieldKind.RO, 0,
                s + "§9.3.3.15: VF Migration State Array Offset (not migration capable: 0)"));
    }

    /** A VF BAR register: like a BAR (PCI Local Bus 3.0 §6.2.5.1) sized by the per-VF size (§9.3.3.14). */
    private void declareVfBar(RegisterFile r, VfBar b) {
        int sizeBits = Long.numberOfTrailingZeros(b.size);
        String src = "PCIe Base 4.0 §9.3.3.14: VF BAR" + b.index + " '" + b.name + "', " + b.size + " bytes per VF" + (b.prefetchable ? ", prefetchable" : "");
        List<Field> low = new ArrayList<>();
        low.add(ro("memory_space", 0));
        low.add(ro("type", 2, 1));
        low.add(ro("prefetchable", 3));
        addressFields(low, 4, sizeBits);
        r.declare(new Register("SRIOV.VF_BAR" + b.index, at + VF_BAR0 + 4 * b.index, 4, (b.kind == BarKind.MEM64 ? 0x4 : 0) | (b.prefetchable ? 0x8 : 0),
                src, low));
        if (b.kind == BarKind.MEM64) {
            List<Field> high = new ArrayList<>();
            addressFields(high, 0, sizeBits - 32);
            r.declare(new Register("SRIOV.VF_BAR" + (b.index + 1), at + VF_BAR0 + 4 * (b.index + 1), 4, 0, src + ", upper 32 address bits", high));
        }
    }

    private static void addressFields(List<Field> fields, int lo, int sizeBits) {
        int split = Math.max(lo, Math.min(sizeBits, 32));
        if (split > lo) {
            fields.add(ro("size_alignment", split - 1, lo));
        }
        if (split <= 31) {
            fields.add(rw("address", 31, split));
        }
    }

    // ------------------------------------------------------------------ effects

    /** Called by the host when the PF is placed: the bus its VFs go on and the counters. */
    void attach(PciHost h, PciBus b) {
        this.host = h;
        this.bus = b;
        this.numVfsRefused = h.stats().counter("pcie.sriov.num_vfs_refused");
        this.notPlaced = h.stats().counter("pcie.sriov.vf_not_placed");
    }

    private void controlWritten(Register r, long old, long value) {
        boolean was = (old & CTRL_VF_ENABLE) != 0;
        boolean now = (value & CTRL_VF_ENABLE) != 0;
        if (!was && now) {
            enable(true);
        } else if (was && !now) {
            disable();
        }
    }

    private void numVfsWritten(Register r, long old, long value) {
        if ((control() & CTRL_VF_ENABLE) != 0 || (value & 0xFFFF) > spec.totalVfs) {
            pf.regs.set(at + NUM_VFS, 2, old); // §9.3.3.7: undefined; the model keeps NumVFs
            if (numVfsRefused != null) {
                numVfsRefused.inc();
            }
        }
    }

    /** Places NumVFs VFs (none with NumVFs = 0); {@code crs}: they answer CRS for {@link #VF_ENABLE_TIME}. */
    private void enable(boolean crs) {
        if (host == null) {
            return;
        }
        int n = numVfs();
        int pfBus = pf.bdf() >> 8;
        for (int k = 1; k <= n; k++) {
            int rid = routingId(k);
            int devfn = rid & 0xFF;
            if (rid >> 8 != pfBus || bus.devfn[devfn] != null) {
                notPlaced.inc();
                continue;
            }
            VirtualFunction vf = pf.createVirtualFunction(this, k);
            if (vf == null) {
                notPlaced.inc();
                continue;
            }
            vfs[k - 1] = vf;
            VirtualFunctions.place(host, bus, devfn, vf);
            if (crs) {
                vf.setReadyAtPs(host.time() + host.vfEnablePs());
            }
        }
    }

    private void disable() {
        for (int k = 0; k < vfs.length; k++) {
            VirtualFunction vf = vfs[k];
            if (vf != null && host != null) {
                int devfn = bus.devfnOf(vf);
                if (devfn >= 0) {
                    VirtualFunctions.place(host, bus, devfn, null);
                }
            }
            vfs[k] = null;
        }
    }

    /** After a reset of the PF (its configuration back to power-on: VF Enable clear): its VFs are gone. */
    void afterReset() {
        if ((control() & CTRL_VF_ENABLE) == 0) {
            disable();
        }
    }

    /** After the PF's configuration was restored: the VFs its VF Enable and NumVFs say (their own state follows in their sections). */
    void afterRestore() {
        disable();
        if ((control() & CTRL_VF_ENABLE) != 0) {
            enable(false);
        }
    }

    // ------------------------------------------------------------------ reads

    public PciFunction physicalFunction() {
        return pf;
    }

    /** The capability's offset in the PF's configuration space. */
    public int offset() {
        return at;
    }

    public Spec spec() {
        return spec;
    }

    public int control() {
        return pf.word(at + CONTROL);
    }

    public boolean vfEnabled() {
        return (control() & CTRL_VF_ENABLE) != 0;
    }

    /** VF Memory Space Enable (§9.3.3.3.4): every VF's memory decode. */
    public boolean vfMemoryEnabled() {
        return (control() & CTRL_VF_MSE) != 0;
    }

    public int numVfs() {
        return pf.word(at + NUM_VFS);
    }

    public int vfDeviceId() {
        return pf.word(at + VF_DEVICE_ID);
    }

    /** The routing ID of VF {@code n} (1-based): PF RID + First VF Offset + VF Stride × (n − 1), modulo 2^16 (§9.3.3.9). */
    public int routingId(int n) {
        return (pf.bdf() + spec.firstVfOffset + spec.vfStride * (n - 1)) & 0xFFFF;
    }

    /** The address programmed in VF BAR {@code i} (the base of VF 1's BAR i), 0 when unassigned or not declared. */
    public long vfBarBase(int i) {
        VfBar b = spec.bar(i);
        if (b == null) {
            return 0;
        }
        int off = at + VF_BAR0 + 4 * i;
        long a = pf.long32(off) & 0xFFFF_FFF0L;
        if (b.kind == BarKind.MEM64) {
            a |= (pf.long32(off + 4) & 0xFFFF_FFFFL) << 32;
        }
        return a;
    }

    /** The VFs now on the bus, by VF number (null where not placed); length TotalVFs. */
    public List<VirtualFunction> virtualFunctions() {
        List<VirtualFunction> out = new ArrayList<>();
        for (VirtualFunction vf : vfs) {
            if (vf != null) {
                out.add(vf);
            }
        }
        return out;
    }

    /** The capability's state for the PF's report. */
    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total_vfs", spec.totalVfs);
        m.put("num_vfs", numVfs());
        m.put("vf_enable", vfEnabled());
        m.put("vf_mse", vfMemoryEnabled());
        m.put("first_vf_offset", spec.firstVfOffset);
        m.put("vf_stride", spec.vfStride);
        m.put("vf_device_id", String.format("0x%04x", vfDeviceId()));
        m.put("vfs", virtualFunctions().stream().map(v -> PciFunction.formatBdf(v.bdf())).toList());
        return m;
    }
}
