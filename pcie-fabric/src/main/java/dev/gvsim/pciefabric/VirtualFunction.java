package dev.gvsim.pciefabric;

import static dev.gvsim.simcore.regs.Field.ro;
import static dev.gvsim.simcore.regs.Field.rsvdP;
import static dev.gvsim.simcore.regs.Field.rw;

import dev.gvsim.simcore.regs.FieldKind;
import dev.gvsim.simcore.regs.Register;

/**
 * An SR-IOV virtual function (PCIe Base 4.0 §9.3.4), created by its PF's {@link SriovCapability} when
 * VF Enable is set and removed when it is cleared. Its configuration space is the VF's, not a copy of
 * the PF's: Vendor ID and Device ID read FFFFh (§9.3.4.1.1, §9.3.4.1.2: software takes the VF Device
 * ID from the PF's capability, as Linux {@code pci_iov_add_virtfn} does; {@link #vfDeviceId}); the
 * Command register's Memory Space Enable and I/O Space Enable are read-only 0 because the PF's VF MSE
 * governs every VF's memory decode (§9.3.4.1.3), Bus Master Enable is the VF's own; its BAR registers
 * in the header are read-only 0 (§9.3.4.1.11): its BARs are the PF's VF BARs, VF n's BAR i at VF BAR i
 * + (n − 1) × size. It has a PCI Express capability with Function Level Reset, which resets this VF
 * alone (§6.6.2; the PF and its siblings are not touched). A device's VF model extends this class and
 * implements {@link #barAccess} for the BARs it declares with {@link #declareVfBar}.
 */
public abstract class VirtualFunction extends PciFunction {
    /** Offset of the VF's PCI Express capability (the model's; the VF's own list starts there). */
    public static final int EXP_OFFSET = 0x40;

    private final SriovCapability sriov;
    private final int number;

    /**
     * @param sriov the PF's capability
     * @param number the VF number, 1..NumVFs
     */
    protected VirtualFunction(String typeName, SriovCapability sriov, int number) {
        super(typeName, 0xFFFF, 0xFFFF, (int) (sriov.physicalFunction().configRead(REVISION_ID, 4) >>> 8),
                (int) sriov.physicalFunction().configRead(REVISION_ID, 1), false);
        this.sriov = sriov;
        this.number = number;
        PciFunction pf = sriov.physicalFunction();
        setId(pf.id() + ".vf" + number);
        setWord(SUBSYSTEM_VENDOR_ID, (int) pf.configRead(SUBSYSTEM_VENDOR_ID, 2));
        setWord(SUBSYSTEM_ID, (int) pf.configRead(SUBSYSTEM_ID, 2));
        redeclareRegister(Register.of("COMMAND", COMMAND, 2, 0, "PCIe Base 4.0 §9.3.4.1.3: a VF's I/O and Memory Space Enable are RO 0 "
                + "(the PF's VF MSE decodes VF memory), Bus Master Enable is the VF's, INTx Disable RO 0 (VFs have no INTx)",
                ro("io_space", 0), ro("memory_space", 1), rw("bus_master", 2), rsvdP(15, 3)));
        addExpressCapability(EXP_OFFSET, EXP_TYPE_ENDPOINT, true, 3, 16);
    }

    /** Declares the VF's BAR {@code bar} (its address comes from the PF's VF BAR registers); the header register stays RO 0. */
    protected final Bar declareVfBar(Bar bar) {
        SriovCapability.VfBar spec = sriov.spec().bar(bar.index);
        if (spec == null || spec.size() != bar.size || spec.kind() != bar.kind) {
            throw new IllegalArgumentException(id() + ": BAR" + bar.index + " is not one of the PF's VF BARs");
        }
        declareBar(bar);
        redeclareRegister(Register.whole("BAR" + bar.index, BAR0 + 4 * bar.index, 4, FieldKind.RO, 0,
                "PCIe Base 4.0 §9.3.4.1.11: a VF's header BARs are RO 0 (its BARs are the PF's VF BARs)"));
        if (bar.is64()) {
            redeclareRegister(Register.whole("BAR" + (bar.index + 1), BAR0 + 4 * (bar.index + 1), 4, FieldKind.RO, 0,
                    "PCIe Base 4.0 §9.3.4.1.11: a VF's header BARs are RO 0"));
        }
        return bar;
    }

    public final PciFunction physicalFunction() {
        return sriov.physicalFunction();
    }

    /** The VF number, 1..NumVFs. */
    public final int vfNumber() {
        return number;
    }

    /** The device ID software uses for this VF: the PF's VF Device ID (§9.3.3.11). */
    public final int vfDeviceId() {
        return sriov.vfDeviceId();
    }

    /** VF n's BAR i: the PF's VF BAR i + (n − 1) × the per-VF size (§9.3.3.14); 0 while the VF BAR is unassigned. */
    @Override
    public long barAddress(int i) {
        Bar b = bar(i);
        if (b == null) {
            return -1;
        }
        long base = sriov.vfBarBase(i);
        return base == 0 ? 0 : base + (number - 1) * b.size;
    }

    /** Decodes while the PF has VF Enable and VF MSE set, the VF BAR is assigned and the PF is in D0. */
    @Override
    public boolean barDecodes(int i) {
        Bar b = bar(i);
        return b != null && sriov.vfEnabled() && sriov.vfMemoryEnabled() && sriov.vfBarBase(i) != 0 && physicalFunction().powerState() == PM_D0;
    }

    @Override
    public java.util.Map<String, Object> report() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("physical_function", physicalFunction().id());
        m.put("vf", number);
        m.put("routing_id", formatBdf(bdf()));
        m.put("device_id", String.format("0x%04x", vfDeviceId()));
        return m;
    }
}
