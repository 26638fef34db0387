package dev.gvsim.gpupassthroughmodel;

import java.util.List;
import java.util.Set;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.gpupassthroughmodel.layout.GpuProfiles;
import dev.gvsim.pciefabric.DeviceContext;
import dev.gvsim.pciefabric.DeviceType;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.ParamDef;

/**
 * {@code -device gpu-passthrough,profile=NAME[,host-s2=device|normal-nc|adaptive]} and
 * {@code -device gpu-passthrough-audio,profile=NAME} (the card's audio function, normally at
 * {@code addr=SLOT.1}), registered through META-INF/services. The parameters are the host kernel's
 * reset waits the VMM's reset flows use (docs/facts/sharing-passthrough.md §2.2) and the times of the
 * reboot study, each with its source.
 */
public final class GpuPassthroughDeviceType implements DeviceType {
    public static final ParamDef FLR_WAIT = ParamDef.duration("passthrough.linux.flr_wait", "100ms",
            "Linux drivers/pci/pci.c pcie_flr: msleep(100) after Initiate FLR (docs/facts/sharing-passthrough.md §2.2)",
            "what the host kernel waits after starting an FLR before its first config read");
    public static final ParamDef D3HOT_WAIT = ParamDef.duration("passthrough.linux.d3hot_wait", "10ms",
            "Linux drivers/pci/pci.h PCI_PM_D3HOT_WAIT 10 (docs/facts/sharing-passthrough.md §2.2)",
            "what the host kernel waits after each PMCSR power-state write (D0->D3hot, D3hot->D0)");
    public static final ParamDef D3COLD_WAIT = ParamDef.duration("passthrough.linux.d3cold_wait", "100ms",
            "Linux drivers/pci/pci.h PCI_PM_D3COLD_WAIT 100 (docs/facts/sharing-passthrough.md §2.2, §2.4)",
            "what the host kernel waits after restoring power (D3cold -> D0) before its first config read");
    public static final ParamDef SBR_HOLD = ParamDef.duration("passthrough.linux.sbr_hold", "2ms",
            "Linux pci_reset_secondary_bus: msleep(2) with the bit set (spec Trst >= 1 ms; docs/facts/sharing-passthrough.md §2.2)",
            "how long the host kernel holds Secondary Bus Reset");
    public static final ParamDef SBR_WAIT = ParamDef.duration("passthrough.linux.sbr_wait", "1s",
            "Linux pci_reset_secondary_bus in older kernels: ssleep(1) after deassert (Trhfa; docs/facts/sharing-passthrough.md §2.2)",
            "what the host kernel waits after releasing Secondary Bus Reset before touching the devices below");
    public static final ParamDef READY_POLL = ParamDef.duration("passthrough.linux.ready_poll", "1ms",
            "Linux drivers/pci/pci.c pci_dev_wait: 'int delay = 1;' (ms; as quoted in linux-pci patches 2022-2024 touching the function), "
                    + "then 'msleep(delay); delay *= 2;' each retry (the loop as quoted in Maciej Rozycki's 2023 link-retrain patch to it)",
            "first interval of the host kernel's ready poll (config reads answered with CRS/all ones); doubled each retry");
    public static final ParamDef READY_TIMEOUT = ParamDef.duration("passthrough.linux.ready_timeout", "60s",
            "Linux PCIE_RESET_READY_POLL_MS = 60000 (docs/facts/sharing-passthrough.md §2.2)",
            "how long the host kernel polls for a device to answer after a reset before giving up");
    public static final ParamDef T4_NO_BUS_RESET = ParamDef.bool("passthrough.linux.t4_no_bus_reset_quirk", false,
            "Linux commit d5af729dc207 'PCI: Mark NVIDIA T4 GPUs to avoid bus reset' (v6.6-rc; 4.19-6.1 stable, September 2023), reverted by "
                    + "5260bd6d36c8 (also to stable): current kernels do not have it, hence off",
            "the host kernel carries the T4 no-bus-reset quirk (drivers/pci/quirks.c quirk_nvidia_no_bus_reset): a T4 then has no reset method");
    public static final ParamDef VM_DOWN = ParamDef.duration("passthrough.vm_down_time", "2s",
            "assumption of the reboot study: the VMM tears the VM down and starts it again in 2 s",
            "time the VM is down between two boots (the device's residency in the state the flow leaves it in)");
    public static final ParamDef GUEST_RUN = ParamDef.duration("passthrough.guest_run_time", "10s",
            "assumption of the reboot study: each boot runs the guest 10 s after its driver init",
            "time each guest runs with the device in D0 between its driver init and its shutdown");
    public static final ParamDef MDEV_JOB = ParamDef.duration("passthrough.mdev.job_time", "5ms",
            "assumption: one frame's GPU work of 5 ms per VM (a 60 fps frame leaves 16.7 ms); not a measured workload",
            "engine time of the job each mdev instance submits in the device's slice schedule (report: mdev.schedule)");
    public static final List<ParamDef> PARAMS = List.of(FLR_WAIT, D3HOT_WAIT, D3COLD_WAIT, SBR_HOLD, SBR_WAIT, READY_POLL, READY_TIMEOUT, T4_NO_BUS_RESET, VM_DOWN, GUEST_RUN,
            MDEV_JOB);

    private static final Set<String> PROPS = Set.of("profile", "host-s2", "id", "bus", "addr", "multifunction");

    /** For {@link java.util.ServiceLoader}. */
    public GpuPassthroughDeviceType() {
    }

    @Override
    public List<String> drivers() {
        return List.of(GpuPassthroughDevice.GPU, GpuPassthroughDevice.AUDIO);
    }

    @Override
    public List<ParamDef> params() {
        return PARAMS;
    }

    @Override
    public String description() {
        return "a GPU passed through with VFIO, from a profile (profile=" + String.join("|", GpuProfiles.BUNDLED)
                + " or a .json file; gvsim profiles), host-s2=device|normal-nc|adaptive stage-2 policy; -audio: its audio function";
    }

    @Override
    public PciFunction create(DeviceContext ctx) {
        String driver = ctx.driver();
        for (String k : ctx.props().keySet()) {
            if (!PROPS.contains(k)) {
                throw new IllegalArgumentException("Property '" + driver + "." + k + "' not found");
            }
        }
        String name = ctx.props().get("profile");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("Property '" + driver + ".profile' is required (bundled: " + String.join(", ", GpuProfiles.BUNDLED) + ")");
        }
        GpuProfile profile = GpuProfiles.get(name);
        String s2 = ctx.props().getOrDefault("host-s2", "normal-nc");
        if (GpuPassthroughDevice.AUDIO.equals(driver) && ctx.props().containsKey("host-s2")) {
            throw new IllegalArgumentException("Property '" + driver + ".host-s2' not found (the policy is the graphics function's)");
        }
        GpuPassthroughDevice d = new GpuPassthroughDevice(driver, profile, GpuPassthroughDevice.HostS2.parse(driver, s2), ctx.scheduler(), ctx.stats(),
                ctx.id());
        if (ctx.params() != null) {
            d.mdevJobPs = ctx.params().getDuration(MDEV_JOB);
        }
        return d;
    }
}
