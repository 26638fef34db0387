package dev.gvsim.virtiogpudevice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.DeviceRegistry;
import dev.gvsim.pciefabric.DeviceType;

/** The registration through META-INF/services: {@code -device virtio-gpu-pci} finds this type. */
class VirtioGpuDeviceTypeTest {
    @Test
    void registeredForVirtioGpuPciWithSourcedParameters() {
        DeviceType t = DeviceRegistry.load().find("virtio-gpu-pci");
        assertThat(t).isInstanceOf(VirtioGpuDeviceType.class);
        assertThat(t.drivers()).containsExactly("virtio-gpu-pci");
        assertThat(t.description()).contains("QEMU 7.2");
        assertThat(t.params()).allSatisfy(p -> assertThat(p.source()).isNotBlank());
    }
}
