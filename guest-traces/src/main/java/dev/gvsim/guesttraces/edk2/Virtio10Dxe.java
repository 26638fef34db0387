package dev.gvsim.guesttraces.edk2;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import java.util.List;

import dev.gvsim.guesttraces.guest.GuestCpu;

/**
 * OvmfPkg/Virtio10Dxe (in ArmVirtQemu's AAVMF 2022.11), as far as it changes PCI state: its
 * Virtio10BindingSupported takes every virtio 1.0 PCI function (vendor 0x1AF4, device ID 0x1040 to
 * 0x107F), and Virtio10BindingStart enables, through PciIo->Attributes(Enable), Bus Master plus the
 * decode the BARs holding its common, notify and device-specific configuration need
 * (UpdateAttributes: memory for a memory BAR, I/O for an I/O BAR). Nothing disables it again at
 * ExitBootServices, so the Command register the kernel finds is the one it set: 0x0006 for
 * virtio-gpu-pci in the recorded AAVMF runs (uefi_vgpu_rp, uefi_vgpu_pcibr, uefi_vgpu_sw).
 */
public final class Virtio10Dxe {
    /** Virtio 1.0 PCI IDs (virtio 1.1 §4.1.2). */
    public static final int VIRTIO_VENDOR = 0x1AF4;
    public static final int MODERN_DEVICE_FIRST = 0x1040;
    public static final int MODERN_DEVICE_LAST = 0x107F;
    /** Vendor-specific capability carrying virtio_pci_cap (virtio 1.1 §4.1.4): cfg_type at +3, bar at +4. */
    public static final int CAP_ID_VENDOR = 0x09;
    public static final int CAP_CFG_TYPE = 3;
    public static final int CAP_BAR = 4;
    /** VIRTIO_PCI_CAP_COMMON_CFG, _NOTIFY_CFG, _DEVICE_CFG. */
    public static final int CFG_COMMON = 1;
    public static final int CFG_NOTIFY = 2;
    public static final int CFG_DEVICE = 4;

    @Helper("no instances")
    private Virtio10Dxe() {
    }

    /** Virtio10BindingSupported: a virtio 1.0 PCI function. */
    @Follows({"OvmfPkg/Virtio10Dxe/Virtio10.c Virtio10BindingSupported"})
    public static boolean supported(PciNode n) {
        return !n.bridge && n.vendorId == VIRTIO_VENDOR && n.deviceId >= MODERN_DEVICE_FIRST && n.deviceId <= MODERN_DEVICE_LAST;
    }

    /** Binds every supported function (ConnectController from the platform boot manager's connect-all), logging each Attributes call. */
    @Follows(value = {"OvmfPkg/Virtio10Dxe/Virtio10.c Virtio10BindingStart"},
            note = "every supported function bound, as the platform boot manager connects all controllers")
    public static void bindAll(GuestCpu cpu, PciBusDxe bus, List<String> log) {
        for (PciNode n : bus.functions()) {
            if (!supported(n)) {
                continue;
            }
            cpu.mark("Virtio10Dxe.Start " + PciNode.bdf(n.bdf));
            long attrs = PciBusDxe.ATTR_BUS_MASTER | regionDecode(cpu, n);
            String err = bus.enableAttributes(n, attrs, bus.supportedAttributes(n));
            log.add("Virtio10Dxe: " + n.name() + " PciIo->Attributes(Enable 0x" + Long.toHexString(attrs) + "): "
                    + (err == null ? "EFI_SUCCESS" : err));
        }
    }

    /** UpdateAttributes for the common, notify and device-specific regions: the decode their BARs need. */
    @Follows({"OvmfPkg/Virtio10Dxe/Virtio10.c ParseCapabilities", "OvmfPkg/Virtio10Dxe/Virtio10.c UpdateAttributes"})
    static long regionDecode(GuestCpu cpu, PciNode n) {
        long attrs = 0;
        if ((cpu.configRead(n.bdf, PciBusDxe.CFG_STATUS, 2) & PciBusDxe.STATUS_CAP_LIST) == 0) {
            return attrs;
        }
        int p = (int) cpu.configRead(n.bdf, PciBusDxe.CFG_CAP_PTR, 1) & 0xFC;
        for (int i = 0; p >= 0x40 && i < PciBusDxe.MAX_CAPS; i++) {
            long hdr = cpu.configRead(n.bdf, p, 2);
            if ((hdr & 0xFF) == CAP_ID_VENDOR) {
                int type = (int) cpu.configRead(n.bdf, p + CAP_CFG_TYPE, 1);
                int bar = (int) cpu.configRead(n.bdf, p + CAP_BAR, 1);
                if ((type == CFG_COMMON || type == CFG_NOTIFY || type == CFG_DEVICE) && bar < 6 && n.barSize(bar) > 0) {
                    attrs |= n.barIsIo(bar) ? PciBusDxe.ATTR_IO : PciBusDxe.ATTR_MEMORY;
                }
            }
            p = (int) (hdr >> 8) & 0xFC;
        }
        return attrs;
    }
}
