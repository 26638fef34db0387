package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;

/**
 * The arm {@code virt} GPEX host bridge function at 00:00.0 (QEMU hw/pci-host/gpex.c, "gpex-root"):
 * 1b36:0008, class 0x060000, revision 0, subsystem 1af4:1100, no BARs, no expansion ROM, status 0
 * (reference traces: @0x0 -> 0x81b36, @0x8 -> 0x6000000, @0x2c -> 0x1af4, @0x2e -> 0x1100,
 * @0x30 sizing reads 0).
 */
public final class HostBridge extends PciFunction {
    public static final String TYPE = "gpex-root";
    public static final int DEVICE_ID = 0x0008;
    public static final int SUBSYS_VENDOR_QUMRANET = 0x1AF4;
    public static final int SUBSYS_ID_QEMU = 0x1100;

    HostBridge() {
        super(TYPE, RootPort.VENDOR_REDHAT, DEVICE_ID, 0x060000, 0, false);
        setWord(SUBSYSTEM_VENDOR_ID, SUBSYS_VENDOR_QUMRANET);
        setWord(SUBSYSTEM_ID, SUBSYS_ID_QEMU);
        sealResetImage();
    }

    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        if (a.isRead()) {
            a.data = a.sizeMask();
        }
    }
}
