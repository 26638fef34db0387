package dev.gvsim.pciefabric;

import java.util.Objects;

import dev.gvsim.simcore.SparseMemory;

/**
 * A memory a device owns (a BAR's RAM, its VRAM, its ROM): saved and restored with checkpoints as
 * section {@code devmem.<device id>.<name>}. Whether a BAR is a KVM memslot (stage 2 maps it as
 * normal memory) follows from {@link PciFunction#memoryBehind}, not from this list.
 */
public record DeviceMemory(String name, SparseMemory memory) {
    public DeviceMemory {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(memory, "memory");
    }
}
