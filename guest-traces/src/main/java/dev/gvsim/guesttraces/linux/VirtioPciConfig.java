package dev.gvsim.guesttraces.linux;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import java.util.List;

import dev.gvsim.guesttraces.guest.GuestCpu;

/**
 * The configuration-space side of Linux 6.1's virtio-pci modern probe (drivers/virtio/
 * virtio_pci_modern_dev.c virtio_pci_find_capability, vp_modern_map_capability; the shared-memory
 * walk of virtio_pci_modern.c virtio_pci_find_shm_cap; drivers/pci/pci.c pci_find_capability /
 * pci_find_next_capability), for {@link VirtioGpuLinuxDriver}: each configuration read in the order
 * and size the kernel makes it.
 */
final class VirtioPciConfig {
    // PCI configuration space (PCI Local Bus 3.0 §6.1)
    static final int CFG_ID = 0x00;
    static final int CFG_COMMAND = 0x04;
    static final int CFG_STATUS = 0x06;
    static final int CFG_LATENCY = 0x0D;
    static final int CFG_BAR0 = 0x10;
    static final int CFG_CAP_PTR = 0x34;
    static final int CFG_INT_PIN = 0x3D;
    static final int CMD_MEM = 0x2;
    static final int CMD_MASTER = 0x4;
    static final int CMD_INTX_DISABLE = 0x400;
    static final int STATUS_CAP_LIST = 0x10;

    private final GuestCpu cpu;
    private final int bdf;
    private final List<String> log;

    VirtioPciConfig(GuestCpu cpu, int bdf, List<String> log) {
        this.cpu = cpu;
        this.bdf = bdf;
        this.log = log;
    }

    /** PCI core's pci_read_bases at enumeration: where BAR4 (64-bit) was assigned (pci_resource_start). */
    long bar64(int bar) {
        long lo = cpu.configRead(bdf, CFG_BAR0 + 4 * bar, 4);
        long hi = cpu.configRead(bdf, CFG_BAR0 + 4 * bar + 4, 4);
        return (hi << 32 | lo) & ~0xFL;
    }

    int findCapability(int type) {
        return findCapability(type, true);
    }

    /**
     * virtio_pci_find_capability (readBar, reading cfg_type and bar of each vendor capability) or
     * virtio_pci_find_shm_cap's walk (cfg_type only), over pci_find_capability /
     * pci_find_next_capability (status, the capability pointer, one word per capability).
     */
    int findCapability(int type, boolean readBar) {
        if ((cpu.configRead(bdf, CFG_STATUS, 2) & STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int pos = nextCap(CFG_CAP_PTR);
        while (pos != 0) {
            int t = (int) cpu.configRead(bdf, pos + CAP_CFG_TYPE, 1);
            int bar = readBar ? (int) cpu.configRead(bdf, pos + CAP_BAR, 1) : 0;
            if (t == type && bar < 6) {
                return pos;
            }
            pos = nextCap(pos + 1);
        }
        return 0;
    }

    /** __pci_find_next_cap: the pointer byte, then one word per capability until a vendor one (48 at most). */
    private int nextCap(int ptrAt) {
        int pos = (int) cpu.configRead(bdf, ptrAt, 1);
        for (int ttl = 48; ttl > 0; ttl--) {
            if (pos < 0x40) {
                return 0;
            }
            pos &= ~3;
            int ent = (int) cpu.configRead(bdf, pos, 2);
            int capId = ent & 0xFF;
            if (capId == 0xFF) {
                return 0;
            }
            if (capId == PCI_CAP_ID_VNDR) {
                return pos;
            }
            pos = ent >> 8;
        }
        return 0;
    }

    /** vp_modern_map_capability: bar, offset, length from the capability, then pci_iomap_range (Device-nGnRE). */
    long mapCapability(int cap, int minLen, long va, String what, long bar4) {
        int bar = (int) cpu.configRead(bdf, cap + CAP_BAR, 1);
        long offset = cpu.configRead(bdf, cap + CAP_OFFSET, 4);
        long length = cpu.configRead(bdf, cap + CAP_LENGTH, 4);
        if (bar != 4 || length < minLen) {
            log.add(String.format("virtio_pci: bad %s capability: bar %d length %d", what, bar, length));
            return 0;
        }
        cpu.map(va, bar4 + offset, Math.max(0x1000, VirtioRing.align(length, 0x1000)), "device-ngnre", "virtio " + what + " pci_iomap_range");
        return va;
    }
}
