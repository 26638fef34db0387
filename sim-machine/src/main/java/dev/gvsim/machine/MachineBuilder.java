package dev.gvsim.machine;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.arm64mmu.MmuParams;
import dev.gvsim.machine.display.DisplayParams;
import dev.gvsim.pciefabric.Apertures;
import dev.gvsim.pciefabric.DeviceOptions;
import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;
import dev.gvsim.pciefabric.Edk2Allocator;
import dev.gvsim.pciefabric.DeviceContext;
import dev.gvsim.pciefabric.DeviceRegistry;
import dev.gvsim.pciefabric.DeviceType;
import dev.gvsim.pciefabric.LinuxAllocator;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.PciHost;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;

/**
 * Builds a {@link Machine} from QEMU-style options ({@code -M virt -device pcie-root-port,id=rp1
 * -device qxl,bus=rp1}) and {@code --set NAME=VALUE} parameter overrides. Errors are
 * {@link IllegalArgumentException}s with a one-line reason naming the bad option.
 */
public final class MachineBuilder {
    /**
     * {@code -M virt,pci-assign=linux|linux-acpi|edk2|none}: a gvsim machine property (not QEMU's) saying who
     * assigned bus numbers, BARs and windows before the trace starts; {@code none} for traces that
     * begin at boot and do it themselves (imported QEMU logs). Overrides {@code pci.allocator}.
     */
    public static final String PCI_ASSIGN = "pci-assign";
    /** QEMU virt machine properties that do not change what gvsim models (hw/arm/virt.c). */
    public static final List<String> QEMU_VIRT_PROPS_NOT_MODELLED = List.of("accel", "gic-version", "highmem", "virtualization",
            "secure", "iommu", "ras", "its", "mte", "acpi", "dtb-randomness");

    private MachineBuilder() {
    }

    /** Every parameter any part of a machine declares, for {@code gvsim params} and validation. */
    public static Params declaredParams() {
        Params p = new Params();
        p.declareAll(Machine.PARAMS);
        p.declareAll(MmuParams.ALL);
        p.declareAll(PciHost.PARAMS);
        p.declareAll(DisplayParams.ALL);
        p.declareAll(dev.gvsim.machine.forwarding.ForwardingParams.ALL);
        p.declareAll(dev.gvsim.machine.qos.QosParams.ALL);
        p.declareAll(DeviceRegistry.load().params());
        return p;
    }

    public static List<ParamDef> allParamDefs() {
        return new ArrayList<>(declaredParams().definitions().values());
    }

    public static Machine build(String args, List<String> paramSets) {
        Params params = declaredParams();
        for (String s : paramSets) {
            params.set(s);
        }
        DeviceOptions opts = DeviceOptions.parse(args);
        if (!"virt".equals(opts.machine())) {
            throw new IllegalArgumentException("machine '" + opts.machine() + "' is not modelled (only -M virt, the arm virt board)");
        }
        for (var e : opts.machineProps().entrySet()) {
            if (e.getKey().equals(PCI_ASSIGN)) {
                // gvsim's machine property: who assigned PCI resources before the trace begins
                params.set(Machine.ALLOCATOR.name(), e.getValue());
            } else if (!QEMU_VIRT_PROPS_NOT_MODELLED.contains(e.getKey())) {
                throw new IllegalArgumentException("-M virt: unknown machine property '" + e.getKey() + "' (gvsim knows " + PCI_ASSIGN
                        + "=linux|linux-acpi|edk2|none and accepts, without modelling them, " + QEMU_VIRT_PROPS_NOT_MODELLED + ")");
            }
        }
        Machine m = new Machine(args, params);
        PciHost host = m.host;
        DeviceRegistry registry = DeviceRegistry.load();
        for (DeviceSpec spec : opts.devices()) {
            DeviceType type = registry.find(spec.driver());
            if (type == null) {
                throw new IllegalArgumentException("unknown device '" + spec.driver() + "' (known: " + String.join(", ", registry.drivers()) + ")");
            }
            String id = spec.id() != null ? spec.id() : spec.driver() + countOf(m, spec.driver());
            DeviceContext ctx = new DeviceContext(spec, id, params, m.stats, m.kernel.scheduler(id), devId -> {
                IrqLine irq = new IrqLine(devId + ".intx");
                m.irqs.put(devId, irq);
                return irq;
            }, m.dma, m.displays::attach);
            PciFunction f = type.create(ctx);
            f.setId(id);
            host.add(f, spec.bus() != null ? spec.bus() : "pcie.0", spec.slot(), spec.fn());
            m.devices.add(f);
        }
        Apertures ap = host.apertures();
        switch (params.getString(Machine.ALLOCATOR)) {
            case "linux" -> LinuxAllocator.assign(host, ap);
            case "linux-acpi" -> LinuxAllocator.assignAcpi(host, ap, params.getString(Machine.LINUX_REALLOC));
            case "edk2" -> Edk2Allocator.assign(host, ap);
            case "none" -> {
            }
            default -> throw new IllegalArgumentException("pci.allocator must be linux, linux-acpi, edk2 or none, got '"
                    + params.getString(Machine.ALLOCATOR) + "'");
        }
        return m;
    }

    private static int countOf(Machine m, String driver) {
        int n = 0;
        for (PciFunction f : m.devices) {
            if (f.typeName().equals(driver)) {
                n++;
            }
        }
        return n;
    }
}
