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
 * below a port) is decided when the fabric places it ({@code PciFunction.placedOn}). QEMU's
 * {@code x-pcie-*} flags other than {@code x-pcie-flr-init} are not modelled.
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
                + "(hw/display/virtio-gpu-pci.c, hw/virtio/virtio-pci.c); the 2D and blob commands of hw/display/virtio-gpu.c with resources "
                + "holding real pixels, scanouts, cursor queue, commands timed in simulated time; hostmem shared-memory BAR4 (optional)";
    }

    @Override
    public PciFunction create(DeviceContext ctx) {
        VirtioGpuConfig cfg = VirtioGpuConfig.fromProps(ctx.props());
        return new VirtioGpuPciDevice(cfg, ctx.scheduler(), ctx.irq(), ctx.params(), ctx.dma());
    }
}
