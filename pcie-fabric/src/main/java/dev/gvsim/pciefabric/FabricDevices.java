package dev.gvsim.pciefabric;

import java.util.List;
import java.util.Set;

import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;
import dev.gvsim.simcore.ParamDef;

/**
 * The fabric's own devices (root ports, bridges, switch ports) as one {@link DeviceType}: built from
 * {@code -device} specs, their properties checked as QEMU does. Registered like every device type
 * (META-INF/services); the host bridge's parameters are the machine's ({@link PciHost#PARAMS}).
 */
public final class FabricDevices implements DeviceType {
    public static final List<String> DRIVERS = List.of(RootPort.TYPE, PciePciBridge.TYPE, PciBridge.TYPE, SwitchUpstreamPort.TYPE,
            SwitchDownstreamPort.TYPE, UnmodelledFunction.TYPE);

    private static final Set<String> COMMON = Set.of("id", "bus", "addr", "multifunction", "romfile", "rombar", "x-pcie-lnksta-dllla",
            "failover_pair_id");
    private static final Set<String> ROOT_PORT_PROPS = Set.of("chassis", "slot", "port", "bus-reserve", "io-reserve", "mem-reserve",
            "pref32-reserve", "pref64-reserve", "hotplug", "x-speed", "x-width", "aer_log_max");
    private static final Set<String> PCIE_PCI_BRIDGE_PROPS = Set.of("msi");
    private static final Set<String> PCI_BRIDGE_PROPS = Set.of("chassis_nr", "msi", "shpc", "io-reserve", "mem-reserve",
            "pref32-reserve", "pref64-reserve", "bus-reserve");

    /** For {@link java.util.ServiceLoader}. */
    public FabricDevices() {
    }

    @Override
    public List<String> drivers() {
        return DRIVERS;
    }

    @Override
    public List<ParamDef> params() {
        return List.of();
    }

    @Override
    public String description() {
        return "PCIe root ports, PCIe-to-PCI and PCI-PCI bridges, x3130 switch ports (QEMU hw/pci-bridge, hw/pci/pcie_port.c); "
                + "unmodelled,of=DEVICE: a placeholder for a device gvsim does not model (present in its slot, its config reads not compared)";
    }

    @Override
    public PciFunction create(DeviceContext ctx) {
        return create(ctx.spec());
    }

    /** True if {@code driver} is one of the fabric's own ({@link #DRIVERS}). */
    public static boolean isFabricDevice(String driver) {
        return DRIVERS.contains(driver);
    }

    /**
     * A fabric device built outside a machine (fabric tests and tools): {@link #create(DeviceContext)}'s
     * construction, named with the spec's {@code id=} if it has one.
     */
    public static PciFunction standalone(DeviceSpec s) {
        PciFunction f = create(s);
        if (s.id() != null) {
            f.setId(s.id());
        }
        return f;
    }

    private static PciFunction create(DeviceSpec s) {
        PciFunction f;
        switch (s.driver()) {
            case RootPort.TYPE -> {
                check(s, ROOT_PORT_PROPS);
                int chassis = (int) s.intProp("chassis", 0, 0, 255);
                int slot = (int) s.intProp("slot", 0, 0, 0x1FFF);
                f = new RootPort(chassis, slot);
            }
            case PciePciBridge.TYPE -> {
                check(s, PCIE_PCI_BRIDGE_PROPS);
                f = new PciePciBridge();
            }
            case PciBridge.TYPE -> {
                check(s, PCI_BRIDGE_PROPS);
                long chassis = s.intProp("chassis_nr", 0, 0, 255);
                boolean shpc = !"off".equals(s.props().getOrDefault("shpc", "on"));
                if (chassis == 0 && shpc) {
                    // hw/pci-bridge/pci_bridge_dev.c pci_bridge_dev_realize via slotid_cap_init
                    throw new IllegalArgumentException("pci-bridge: Bridge chassis not specified. Each bridge is required to be assigned a unique chassis id > 0.");
                }
                f = new PciBridge((int) chassis, shpc);
            }
            case SwitchUpstreamPort.TYPE -> {
                check(s, Set.of());
                f = new SwitchUpstreamPort();
            }
            case SwitchDownstreamPort.TYPE -> {
                check(s, Set.of("chassis", "slot", "port", "hotplug"));
                f = new SwitchDownstreamPort((int) s.intProp("chassis", 0, 0, 255), (int) s.intProp("slot", 0, 0, 0x1FFF));
            }
            case UnmodelledFunction.TYPE -> {
                check(s, Set.of("of", "vendor", "device"));
                String of = s.props().get("of");
                if (of == null || of.isBlank()) {
                    throw new IllegalArgumentException("unmodelled: of= is required: the QEMU device it stands for (e.g. -device unmodelled,of=e1000,bus=rp1)");
                }
                f = new UnmodelledFunction(of, (int) s.intProp("vendor", 0xFFFF, 0, 0xFFFF), (int) s.intProp("device", 0xFFFF, 0, 0xFFFF));
            }
            default -> throw new IllegalArgumentException("'" + s.driver() + "' is not a fabric device (known: " + String.join(", ", DRIVERS) + ")");
        }
        return f;
    }

    private static void check(DeviceSpec s, Set<String> own) {
        for (String k : s.props().keySet()) {
            if (!COMMON.contains(k) && !own.contains(k)) {
                throw new IllegalArgumentException("Property '" + s.driver() + "." + k + "' not found");
            }
        }
    }
}
