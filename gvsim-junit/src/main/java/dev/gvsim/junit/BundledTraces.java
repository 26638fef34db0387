package dev.gvsim.junit;

import dev.gvsim.machine.scenario.QxlArm64IoremapScenario;
import dev.gvsim.machine.scenario.QxlUefiBehindBridgeScenario;

/** The real recordings gvsim ships (guest-traces, traces/README.md), as {@link Gvsim#replay(String)} takes them. */
public final class BundledTraces {
    /** Linux 6.1 arm64 guest on QEMU 7.2 virt with qxl, the ioremap_wc driver (scenario qxl-arm64-ioremap). */
    public static final String QXL_LINUX61_ARM64_WC = Gvsim.CLASSPATH + QxlArm64IoremapScenario.REAL_TRACE;
    /** Where that guest mapped QXL's ROM (BAR2) and RAM header (BAR0 + 0x3FFE000): {@code PA=device-ngnre} gives the pre-fix ioremap. */
    public static final long QXL_ROM_PA = QxlArm64IoremapScenario.ROM_PA;
    public static final long QXL_RAM_HEADER_PA = QxlArm64IoremapScenario.RAM_HEADER_PA;
    /** The topology of the real UEFI run with two root ports (scenario qxl-uefi-behind-bridge), as QEMU options. */
    public static final String UEFI_REFERENCE_TOPOLOGY = QxlUefiBehindBridgeScenario.REFERENCE_TOPOLOGY;

    private BundledTraces() {
    }
}
