package dev.gvsim.pciefabric;

import java.util.Objects;

import dev.gvsim.simcore.SparseMemory;

/**
 * The memory behind a BAR that behaves as plain RAM (a RAM region in QEMU's memory API, such as
 * QXL's RAM, VRAM and ROM BARs): every access the BAR's rules accept is {@code latencyPs} added, then
 * {@link SparseMemory#access} at the offset into the BAR. A function declares it with {@link
 * PciFunction#memoryBehind}; the PCI host's decode cache then goes straight to the memory instead of
 * through {@link PciFunction#barAccess} (issue 9), with the same outcome.
 *
 * @param memory the backing memory, indexed by the offset into the BAR
 * @param latencyPs what the function's {@code barAccess} adds before the memory access
 */
public record BarMemory(SparseMemory memory, long latencyPs) {
    public BarMemory {
        Objects.requireNonNull(memory, "memory");
        if (latencyPs < 0) {
            throw new IllegalArgumentException("latency must not be negative, got " + latencyPs);
        }
    }
}
