package dev.gvsim.virtiogpudevice;

import java.util.List;

import dev.gvsim.pciefabric.DeviceContext;
import dev.gvsim.pciefabric.DeviceType;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.ParamDef;

/**
 * {@code -device virtio-gpu-pci} (QEMU 7.2 hw/display/virtio-gpu-pci.c, TYPE_VIRTIO_GPU_PCI),
 * registered with the machine through META-INF/services.
 *
 * <p>Whether the function gets QEMU's PCI Express capability (virtio_pci_realize: on a PCIe bus
 * that is not a root bus) is decided from {@code bus=}: absent or {@code pcie.0} is the root bus
 * (no PCIe capability), any other bus is taken to be a PCIe port's (pcie-root-port,
 * xio3130-downstream). The device contract does not tell a device its bus type, so a
 * virtio-gpu-pci behind a conventional pci-bridge / pcie-pci-bridge wrongly gets the PCIe
 * capability; QEMU's {@code x-pcie-*} flags other than {@code x-pcie-flr-init} are not modelled.
 */
public final class VirtioGpuDeviceType implements DeviceType {
    /** For {@link java.util.ServiceLoader}. */
    public VirtioGpuDeviceType() {
    }

    @Override
    public List<String> drivers() {
        return List.of(VirtioGpuPciDevice.DRIVER);
    }

    @Override
    public List<ParamDef> params() {
        return VirtioGpuPciDevice.PARAMS;
    }

    @Override
    public String description() {
        return "virtio-gpu-pci as QEMU 7.2 presents it: identity, BARs, capabilities and the virtio-pci modern transport "
                + "(hw/display/virtio-gpu-pci.c, hw/virtio/virtio-pci.c); virtqueues and commands not yet";
    }

    @Override
    public PciFunction create(DeviceContext ctx) {
        VirtioGpuConfig cfg = VirtioGpuConfig.fromProps(ctx.props());
        String bus = ctx.props().get("bus");
        boolean express = bus != null && !bus.equals("pcie.0");
        return new VirtioGpuPciDevice(cfg, express, ctx.scheduler(), ctx.irq(), ctx.params());
    }
}
