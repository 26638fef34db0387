package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Counter;
import dev.gvsim.simcore.Status;

/**
 * The root complex's configuration requests (PCIe Base 4.0 §7.2.2 ECAM, §7.3 configuration
 * transactions): the ECAM window's decode into bus/device/function/register, type 0 requests on the
 * root bus and type 1 requests routed by the bridges' secondary/subordinate bus numbers, Configuration
 * Request Retry Status while a function is still in reset (§2.3.1), and QEMU's answers beyond a
 * function's configuration space (hw/pci/pci_host.c pci_host_config_read_common). Part of
 * {@link PciHost}, which owns the tree, the clock and the counters; split out because it is its own
 * path (config cycles, not memory routing).
 */
final class ConfigRequests {
    private final PciHost host;
    private final Counter cfgUnsupported;
    private final Counter cfgCrs;
    private final Counter cfgOutOfRange;

    ConfigRequests(PciHost host, Counter cfgUnsupported, Counter cfgCrs, Counter cfgOutOfRange) {
        this.host = host;
        this.cfgUnsupported = cfgUnsupported;
        this.cfgCrs = cfgCrs;
        this.cfgOutOfRange = cfgOutOfRange;
    }

    void ecamAccess(Access a, long offset) {
        if (offset < 0 || offset >= (256L << 20)) {
            cfgUnsupported.inc();
            a.masterAbort();
            return;
        }
        int bdf = (int) (offset >>> 12);
        int reg = (int) (offset & 0xFFF);
        if (a.size == 8 && (reg & 7) == 0) {
            // An 8-byte ECAM access is split into two dword config requests (QEMU pcie_mmcfg .impl.max_access_size 4).
            long lo;
            long hi;
            long data = a.data;
            a.size = 4;
            access(a, bdf, reg);
            lo = a.data & 0xFFFF_FFFFL;
            Status s = a.status;
            a.data = data >>> 32;
            a.status = Status.OK;
            access(a, bdf, reg + 4);
            hi = a.data & 0xFFFF_FFFFL;
            a.size = 8;
            if (a.isRead()) {
                a.data = lo | hi << 32;
            } else {
                a.data = data;
            }
            if (s != Status.OK) {
                a.status = s;
            }
            return;
        }
        access(a, bdf, reg);
    }

    /**
     * A configuration read or write of {@code a.size} (1, 2 or 4) bytes at {@code offset} of
     * {@code bdf}. A function that does not exist reads all ones (the master abort / UR is counted).
     */
    void access(Access a, int bdf, int offset) {
        int size = a.size;
        if (size != 1 && size != 2 && size != 4 || offset < 0 || offset > PciFunction.CONFIG_SIZE - size || (offset & (size - 1)) != 0) {
            cfgUnsupported.inc();
            a.masterAbort();
            return;
        }
        PciFunction f = lookup((bdf >> 8) & 0xFF, bdf & 0xFF);
        if (f == null) {
            cfgUnsupported.inc();
            a.masterAbort();
            return;
        }
        long[] pc = host.countersOf(f);
        if (host.time() < f.readyAtPs()) {
            // Configuration Request Retry Status (PCIe Base 4.0 §2.3.1); without CRS Software
            // Visibility the root complex completes the read as all ones.
            cfgCrs.inc();
            if (a.isRead()) {
                a.data = a.sizeMask();
            }
            return;
        }
        if (offset + size > f.configSpaceSize()) {
            // QEMU pci_host_config_read_common: beyond the function's config space reads ~0.
            cfgOutOfRange.inc();
            if (a.isRead()) {
                a.data = a.sizeMask();
            }
            return;
        }
        if (a.isRead()) {
            pc[0]++;
            a.data = f.configRead(offset, size) & a.sizeMask();
        } else {
            pc[1]++;
            f.configWrite(offset, size, a.data & a.sizeMask());
            if (f instanceof PciBridgeBase && offset <= PciBridgeBase.SUBORDINATE_BUS && offset + size > PciBridgeBase.PRIMARY_BUS) {
                host.refreshBdfs();
            }
        }
    }

    /** Type 0 on the root bus, type 1 routed by secondary/subordinate bus numbers. */
    PciFunction lookup(int bus, int devfn) {
        if (bus == 0) {
            return host.rootBus().devfn[devfn];
        }
        PciBus b = host.rootBus();
        for (int depth = 0; depth < 256; depth++) {
            PciBus next = null;
            for (PciFunction f : b.devfn) {
                if (f instanceof PciBridgeBase br && br.forwardsConfig(bus)) {
                    next = br.secondaryBusObject();
                    if (br.busInReset()) {
                        return null;
                    }
                    break;
                }
            }
            if (next == null) {
                return null;
            }
            if (next.number() == bus) {
                if (next.singleDevice() && (devfn >> 3) != 0 && !next.bridge().ariForwarding()) {
                    return null; // only device 0 exists on a PCIe link (PCIe Base 4.0 §7.3.1), unless ARI Forwarding (§6.13)
                }
                return next.devfn[devfn];
            }
            b = next;
        }
        return null;
    }
}
