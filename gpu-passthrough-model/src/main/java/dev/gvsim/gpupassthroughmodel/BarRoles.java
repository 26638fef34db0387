package dev.gvsim.gpupassthroughmodel;

import java.util.List;
import java.util.function.Function;

import dev.gvsim.gpupassthroughmodel.layout.GpuProfile;
import dev.gvsim.pciefabric.Bar;
import dev.gvsim.simcore.AccessRules;

/**
 * The BARs a function of the card declares from its profile's BAR specs, found again by their role
 * (registers, VRAM, doorbell): the PF ({@link GpuPassthroughDevice}) from its function's BARs, each VF
 * ({@link GpuVirtualFunction}) from the SR-IOV capability's VF BARs.
 */
final class BarRoles {
    Bar registers;
    Bar vram;
    Bar doorbell;

    private BarRoles() {
    }

    /** Declares every spec with {@code declare} (in the profile's order) and keeps the BARs of the three roles. */
    static BarRoles declare(List<GpuProfile.BarSpec> specs, Function<GpuProfile.BarSpec, Bar> declare) {
        BarRoles r = new BarRoles();
        for (GpuProfile.BarSpec b : specs) {
            Bar bar = declare.apply(b);
            switch (b.role()) {
                case GpuProfile.ROLE_REGISTERS -> r.registers = bar;
                case GpuProfile.ROLE_VRAM -> r.vram = bar;
                case GpuProfile.ROLE_DOORBELL -> r.doorbell = bar;
                default -> {
                }
            }
        }
        return r;
    }

    /** The access rules of a BAR by its role: VRAM takes any access, an I/O BAR port rules, a register BAR the register rules. */
    static AccessRules rules(GpuProfile.BarSpec b) {
        return GpuProfile.ROLE_VRAM.equals(b.role()) ? AccessRules.ANY : b.isIo() ? AccessRules.PORTIO : GpuPassthroughDevice.REGISTER_RULES;
    }
}
