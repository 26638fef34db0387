package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;

/**
 * A type 1 (PCI-to-PCI bridge) configuration header and its forwarding rules (PCI-to-PCI Bridge
 * Architecture 1.2 §3.2; PCIe Base 4.0 §7.5.1.3), with the register masks and reset values of QEMU's
 * hw/pci/pci.c {@code pci_init_mask_bridge} and hw/pci/pci_bridge.c.
 *
 * <ul>
 * <li>bus numbers: primary, secondary, subordinate (RW);</li>
 * <li>I/O base/limit in 4 KiB granules; low nibble RO = 0 (16-bit decode) or 1 (32-bit decode, with
 * the upper-16 registers at 0x30/0x32);</li>
 * <li>memory base/limit in 1 MiB granules; prefetchable base/limit with type nibble 1 = 64-bit and
 * the upper-32 registers at 0x28/0x2C;</li>
 * <li>Bridge Control: ISA Enable, VGA Enable, VGA 16-bit decode, Secondary Bus Reset.</li>
 * </ul>
 * A window is open only if limit >= base and the matching COMMAND decode bit is set (QEMU
 * pci_bridge_update_mappings; bridge spec §3.2.5.6, §3.2.5.8).
 */
public abstract class PciBridgeBase extends PciFunction {
    /** Type 1 header registers (PCI-to-PCI Bridge 1.2 §3.2). */
    public static final int PRIMARY_BUS = 0x18;
    public static final int SECONDARY_BUS = 0x19;
    public static final int SUBORDINATE_BUS = 0x1A;
    public static final int SEC_LATENCY_TIMER = 0x1B;
    public static final int IO_BASE = 0x1C;
    public static final int IO_LIMIT = 0x1D;
    public static final int SEC_STATUS = 0x1E;
    public static final int MEMORY_BASE = 0x20;
    public static final int MEMORY_LIMIT = 0x22;
    public static final int PREF_MEMORY_BASE = 0x24;
    public static final int PREF_MEMORY_LIMIT = 0x26;
    public static final int PREF_BASE_UPPER32 = 0x28;
    public static final int PREF_LIMIT_UPPER32 = 0x2C;
    public static final int IO_BASE_UPPER16 = 0x30;
    public static final int IO_LIMIT_UPPER16 = 0x32;
    public static final int BRIDGE_CONTROL = 0x3E;

    /** I/O base/limit type nibble (§3.2.5.6). */
    public static final int IO_RANGE_TYPE_16 = 0x0;
    public static final int IO_RANGE_TYPE_32 = 0x1;
    public static final int IO_RANGE_MASK = 0xF0;
    /** Memory / prefetchable ranges (§3.2.5.8, §3.2.5.9). */
    public static final int MEMORY_RANGE_MASK = 0xFFF0;
    public static final int PREF_RANGE_TYPE_64 = 0x1;
    public static final int PREF_RANGE_MASK = 0xFFF0;

    /** Bridge Control bits (§3.2.5.18; Linux PCI_BRIDGE_CTL_*). */
    public static final int BRIDGE_CTL_PARITY = 0x0001;
    public static final int BRIDGE_CTL_SERR = 0x0002;
    public static final int BRIDGE_CTL_ISA = 0x0004;
    public static final int BRIDGE_CTL_VGA = 0x0008;
    public static final int BRIDGE_CTL_VGA_16BIT = 0x0010;
    public static final int BRIDGE_CTL_MASTER_ABORT = 0x0020;
    public static final int BRIDGE_CTL_BUS_RESET = 0x0040;
    public static final int BRIDGE_CTL_FAST_BACK = 0x0080;
    public static final int BRIDGE_CTL_DISCARD = 0x0100;
    public static final int BRIDGE_CTL_SEC_DISCARD = 0x0200;
    public static final int BRIDGE_CTL_DISCARD_STATUS = 0x0400;
    public static final int BRIDGE_CTL_DISCARD_SERR = 0x0800;

    /** VGA ranges a bridge forwards when VGA Enable is set (QEMU include/hw/pci/pci_bridge.h, bridge spec §4.5.1). */
    public static final int VGA_IO_LO_BASE = 0x3B0;
    public static final int VGA_IO_LO_SIZE = 0xC;
    public static final int VGA_IO_HI_BASE = 0x3C0;
    public static final int VGA_IO_HI_SIZE = 0x20;
    public static final long VGA_MEM_BASE = 0xA0000;
    public static final long VGA_MEM_SIZE = 0x20000;

    /** ISA Enable: within the I/O window and below 64 KiB, the top 768 bytes of each 1 KiB block are not forwarded (§3.2.5.18). */
    public static final int ISA_ALIAS_BLOCK_MASK = 0x300;

    private final boolean io32;
    private final boolean pref64;
    private PciBus secondary;
    /** Set while SBR is asserted: the secondary bus is held in reset. */
    private boolean busInReset;
    private SecondaryResetListener sbrListener;

    /** Receives Secondary Bus Reset edges (the fabric resets everything below and applies timing). */
    public interface SecondaryResetListener {
        void secondaryReset(PciBridgeBase bridge, boolean asserted);
    }

    protected PciBridgeBase(String typeName, int vendorId, int deviceId, int revision, boolean io32, boolean pref64) {
        super(typeName, vendorId, deviceId, 0x060400, revision, true);
        this.io32 = io32;
        this.pref64 = pref64;
        // The type 1 header's registers and masks: QEMU pci_init_mask_bridge (hw/pci/pci.c).
        Type1Header.declare(regs, io32, pref64);
    }

    /**
     * QEMU pci_bridge_disable_base_limit (hw/pci/pci_bridge.c): base above limit in every window,
     * the reset state of QEMU's PCIe root ports (qxl_rp trace: @0x1c -> 0xf0, @0x20 -> 0xfff0,
     * @0x24 -> 0x1fff1).
     */
    protected final void disableBaseLimit() {
        config[IO_BASE] |= (byte) IO_RANGE_MASK;
        config[IO_LIMIT] &= (byte) ~IO_RANGE_MASK;
        setWord(MEMORY_BASE, word(MEMORY_BASE) | MEMORY_RANGE_MASK);
        setWord(MEMORY_LIMIT, word(MEMORY_LIMIT) & ~MEMORY_RANGE_MASK);
        setWord(PREF_MEMORY_BASE, word(PREF_MEMORY_BASE) | PREF_RANGE_MASK);
        setWord(PREF_MEMORY_LIMIT, word(PREF_MEMORY_LIMIT) & ~PREF_RANGE_MASK);
        setLong32(PREF_BASE_UPPER32, 0);
        setLong32(PREF_LIMIT_UPPER32, 0);
    }

    public final boolean io32() {
        return io32;
    }

    public final boolean pref64() {
        return pref64;
    }

    public final PciBus secondaryBusObject() {
        return secondary;
    }

    final void attachSecondary(PciBus bus) {
        this.secondary = bus;
    }

    final void setSecondaryResetListener(SecondaryResetListener l) {
        this.sbrListener = l;
    }

    /** True for ports whose secondary side is a PCIe link (one device, device 0 only). */
    public boolean secondaryIsLink() {
        return false;
    }

    /** Device Control 2 ARI Forwarding Enable (PCIe Base 4.0 §7.5.3.16, §6.13): the port forwards requests to device numbers other than 0 (ARI functions 8..255). */
    public final boolean ariForwarding() {
        int e = expressCapability();
        return e != 0 && (word(e + EXP_DEVCTL2) & ARI_FORWARDING_ENABLE) != 0;
    }

    /** Device Control 2 bit 5. */
    public static final int ARI_FORWARDING_ENABLE = 0x20;

    /** True if the bridge (a hot-plug capable port) has Slot Capabilities Hot-Plug Capable set. */
    public boolean hotplugCapable() {
        return false;
    }

    // ---------------------------------------------------------------- bus numbers

    public final int primaryBus() {
        return config[PRIMARY_BUS] & 0xFF;
    }

    public final int secondaryBus() {
        return config[SECONDARY_BUS] & 0xFF;
    }

    public final int subordinateBus() {
        return config[SUBORDINATE_BUS] & 0xFF;
    }

    public final int bridgeControl() {
        return word(BRIDGE_CONTROL);
    }

    public final boolean busInReset() {
        return busInReset;
    }

    // ---------------------------------------------------------------- windows

    /** I/O window base (bus address), 4 KiB aligned. */
    public final long ioBase() {
        long b = (config[IO_BASE] & IO_RANGE_MASK & 0xFFL) << 8;
        if (io32 && (config[IO_BASE] & 0xF) == IO_RANGE_TYPE_32) {
            b |= (long) word(IO_BASE_UPPER16) << 16;
        }
        return b;
    }

    /** I/O window limit (inclusive): limit register | 0xFFF. */
    public final long ioLimit() {
        long l = (config[IO_LIMIT] & IO_RANGE_MASK & 0xFFL) << 8 | 0xFFF;
        if (io32 && (config[IO_LIMIT] & 0xF) == IO_RANGE_TYPE_32) {
            l |= (long) word(IO_LIMIT_UPPER16) << 16;
        }
        return l;
    }

    public final long memBase() {
        return (long) (word(MEMORY_BASE) & MEMORY_RANGE_MASK) << 16;
    }

    public final long memLimit() {
        return (long) (word(MEMORY_LIMIT) & MEMORY_RANGE_MASK) << 16 | 0xFFFFF;
    }

    public final long prefBase() {
        long b = (long) (word(PREF_MEMORY_BASE) & PREF_RANGE_MASK) << 16;
        if (pref64) {
            b |= (long32(PREF_BASE_UPPER32) & 0xFFFF_FFFFL) << 32;
        }
        return b;
    }

    public final long prefLimit() {
        long l = (long) (word(PREF_MEMORY_LIMIT) & PREF_RANGE_MASK) << 16 | 0xFFFFF;
        if (pref64) {
            l |= (long32(PREF_LIMIT_UPPER32) & 0xFFFF_FFFFL) << 32;
        }
        return l;
    }

    public final boolean ioWindowOpen() {
        return Long.compareUnsigned(ioLimit(), ioBase()) >= 0;
    }

    public final boolean memWindowOpen() {
        return Long.compareUnsigned(memLimit(), memBase()) >= 0;
    }

    public final boolean prefWindowOpen() {
        return Long.compareUnsigned(prefLimit(), prefBase()) >= 0;
    }

    /** True if a memory request to {@code addr} is forwarded from the primary to the secondary side. */
    public final boolean forwardsMem(long addr) {
        if (!memDecode() || powerState() != PM_D0) {
            return false;
        }
        if (memWindowOpen() && inRange(addr, memBase(), memLimit())) {
            return true;
        }
        if (prefWindowOpen() && inRange(addr, prefBase(), prefLimit())) {
            return true;
        }
        return (bridgeControl() & BRIDGE_CTL_VGA) != 0 && addr >= VGA_MEM_BASE && addr < VGA_MEM_BASE + VGA_MEM_SIZE;
    }

    /**
     * True if an I/O request to {@code port} is forwarded downstream. {@code isaFilter}: apply ISA
     * Enable (QEMU does not); {@code vgaAlias}: with VGA 16-bit decode clear, decode VGA ports on
     * address bits 9:0 only (the spec's 10-bit decode; QEMU always decodes 16 bits).
     */
    public final boolean forwardsIo(long port, boolean isaFilter, boolean vgaAlias) {
        if (!ioDecode() || powerState() != PM_D0) {
            return false;
        }
        int ctl = bridgeControl();
        if (ioWindowOpen() && inRange(port, ioBase(), ioLimit())) {
            boolean isaBlocked = isaFilter && (ctl & BRIDGE_CTL_ISA) != 0 && port < 0x10000 && (port & ISA_ALIAS_BLOCK_MASK) != 0;
            if (!isaBlocked) {
                return true;
            }
        }
        if ((ctl & BRIDGE_CTL_VGA) != 0) {
            long p = port;
            if (vgaAlias && (ctl & BRIDGE_CTL_VGA_16BIT) == 0 && port < 0x10000) {
                p = port & 0x3FF;
            }
            return (p >= VGA_IO_LO_BASE && p < VGA_IO_LO_BASE + VGA_IO_LO_SIZE) || (p >= VGA_IO_HI_BASE && p < VGA_IO_HI_BASE + VGA_IO_HI_SIZE);
        }
        return false;
    }

    /** True if a type 1 configuration request for {@code bus} is forwarded (secondary <= bus <= subordinate). */
    public final boolean forwardsConfig(int bus) {
        int sec = secondaryBus();
        return sec != 0 && bus >= sec && bus <= subordinateBus();
    }

    private static boolean inRange(long a, long lo, long hi) {
        return Long.compareUnsigned(a, lo) >= 0 && Long.compareUnsigned(a, hi) <= 0;
    }

    // ---------------------------------------------------------------- config writes

    @Override
    public void configWrite(int offset, int size, long value) {
        boolean sbrBefore = (bridgeControl() & BRIDGE_CTL_BUS_RESET) != 0;
        super.configWrite(offset, size, value);
        boolean sbrAfter = (bridgeControl() & BRIDGE_CTL_BUS_RESET) != 0;
        if (sbrBefore != sbrAfter) {
            busInReset = sbrAfter;
            if (sbrListener != null) {
                sbrListener.secondaryReset(this, sbrAfter);
            }
        }
    }

    @Override
    public void reset(ResetKind kind) {
        super.reset(kind);
        busInReset = false;
    }

    /** Config image (super), then {@code busInReset}: SBR asserted, the secondary bus held in reset. */
    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        super.saveState(w);
        w.putBoolean(busInReset);
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        super.restoreState(r);
        busInReset = r.getBoolean();
    }

    /** Bridges have no BAR behaviour of their own unless a subclass declares one (MSI-X table, SHPC). */
    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        if (a.isRead()) {
            a.data = 0;
        }
    }
}
