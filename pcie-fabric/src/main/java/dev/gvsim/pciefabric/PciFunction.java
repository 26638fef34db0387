package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;

/**
 * One PCI function: its 4 KiB configuration space and its BARs. A device model extends this,
 * declares its BARs (and capabilities) in its constructor, and implements the BAR callbacks; the
 * fabric decodes addresses, checks the command register's decode enables, applies the BAR's
 * {@link dev.gvsim.simcore.AccessRules}, and calls {@link #barAccess(Bar, long, Access)} with the
 * offset inside the BAR.
 *
 * <p>Configuration space follows QEMU's model (hw/pci/pci.c): a byte image plus a write mask
 * ({@code wmask}: bits software may write) and a write-one-to-clear mask ({@code w1cmask}); a
 * config write is {@code new = (old & ~wmask) | (val & wmask)} then {@code new &= ~(val & w1cmask)}.
 * BAR registers read back the programmed address ANDed with the size mask, so sizing by writing
 * all ones reads back the size mask bit-exactly (PCI Local Bus 3.0 §6.2.5.1).
 */
public abstract class PciFunction {
    /** Standard configuration header offsets (PCI Local Bus 3.0 §6.1, PCIe Base 4.0 §7.5.1). */
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int LATENCY_TIMER = 0x0D;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int EXPANSION_ROM = 0x30;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    /** Command register bits. */
    public static final int CMD_IO = 0x1;
    public static final int CMD_MEMORY = 0x2;
    public static final int CMD_MASTER = 0x4;
    public static final int CMD_SERR = 0x100;
    public static final int CMD_INTX_DISABLE = 0x400;

    /** Status register bits. */
    public static final int STATUS_CAP_LIST = 0x10;
    public static final int STATUS_INTERRUPT = 0x08;

    public static final int CONFIG_SIZE = 4096;

    protected final byte[] config = new byte[CONFIG_SIZE];
    protected final byte[] wmask = new byte[CONFIG_SIZE];
    protected final byte[] w1cmask = new byte[CONFIG_SIZE];
    /** Power-on image, restored by resets. */
    private byte[] resetImage;

    protected final Bar[] bars = new Bar[6];
    private final String typeName;
    private String id;
    /** Bus/device/function as assigned by the fabric when placed: bus << 8 | dev << 3 | fn. */
    private int bdf = -1;

    protected PciFunction(String typeName, int vendorId, int deviceId, int classCode, int revision, boolean bridge) {
        this.typeName = typeName;
        setWord(VENDOR_ID, vendorId);
        setWord(DEVICE_ID, deviceId);
        config[REVISION_ID] = (byte) revision;
        config[CLASS_PROG] = (byte) classCode;
        config[CLASS_PROG + 1] = (byte) (classCode >> 8);
        config[CLASS_PROG + 2] = (byte) (classCode >> 16);
        config[HEADER_TYPE] = (byte) (bridge ? 1 : 0);
        // Command: I/O, memory, bus master, SERR, INTx disable writable (QEMU pci_init_wmask).
        setWordMask(wmask, COMMAND, CMD_IO | CMD_MEMORY | CMD_MASTER | CMD_SERR | CMD_INTX_DISABLE);
        // Status error bits are RW1C (QEMU pci_init_w1cmask).
        setWordMask(w1cmask, STATUS, 0xF900);
        wmask[CACHE_LINE_SIZE] = (byte) 0xFF;
        wmask[INTERRUPT_LINE] = (byte) 0xFF;
    }

    /** QEMU's type name ({@code qxl}, {@code pcie-root-port}); used in reports. */
    public final String typeName() {
        return typeName;
    }

    /** The {@code id=} the user gave, or the type name. */
    public final String id() {
        return id == null ? typeName : id;
    }

    public final void setId(String id) {
        this.id = id;
    }

    public final int bdf() {
        return bdf;
    }

    /** Called by the fabric when the function is placed on a bus. */
    public void setBdf(int bdf) {
        this.bdf = bdf;
    }

    public static String formatBdf(int bdf) {
        return String.format("%02x:%02x.%x", (bdf >> 8) & 0xFF, (bdf >> 3) & 0x1F, bdf & 7);
    }

    public final boolean isBridge() {
        return (config[HEADER_TYPE] & 0x7F) == 1;
    }

    // ---------------------------------------------------------------- declaration (constructors)

    /** Declares a BAR (index 0..5; a 64-bit BAR also takes index + 1). */
    protected final Bar declareBar(Bar bar) {
        int i = bar.index;
        int maxIndex = isBridge() ? 1 : 5;
        if (i < 0 || i > maxIndex || (bar.is64() && i + 1 > maxIndex) || bars[i] != null) {
            throw new IllegalArgumentException(typeName + ": BAR" + i + " cannot be declared here");
        }
        bars[i] = bar;
        int off = BAR0 + 4 * i;
        long mask = ~(bar.size - 1);
        if (bar.isIo()) {
            setLong32(off, 0x1);
            setLongMask32(wmask, off, (int) (mask & 0xFFFF_FFFCL));
        } else {
            int low = (bar.is64() ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
            setLong32(off, low);
            setLongMask32(wmask, off, (int) (mask & 0xFFFF_FFF0L));
            if (bar.is64()) {
                setLongMask32(wmask, off + 4, (int) (mask >>> 32));
            }
        }
        return bar;
    }

    public final Bar bar(int index) {
        return index >= 0 && index < 6 ? bars[index] : null;
    }

    /** Snapshots the current configuration image as the power-on state; call at the end of the constructor chain. */
    protected final void sealResetImage() {
        resetImage = config.clone();
    }

    // ---------------------------------------------------------------- decode

    public final int command() {
        return word(COMMAND);
    }

    public final boolean ioDecode() {
        return (command() & CMD_IO) != 0;
    }

    public final boolean memDecode() {
        return (command() & CMD_MEMORY) != 0;
    }

    /** The bus address programmed in BAR {@code i} (without the flag bits), or -1 if not declared. */
    public final long barAddress(int i) {
        Bar b = bars[i];
        if (b == null) {
            return -1;
        }
        int off = BAR0 + 4 * i;
        long low = long32(off) & 0xFFFF_FFFFL;
        if (b.isIo()) {
            return low & ~0x3L;
        }
        long addr = low & ~0xFL;
        if (b.is64()) {
            addr |= (long32(off + 4) & 0xFFFF_FFFFL) << 32;
        }
        return addr;
    }

    /**
     * True if BAR {@code i} currently decodes: declared, its space enabled in COMMAND, and a
     * non-zero address (QEMU pci_bar_address: an address of 0 is treated as unmapped, and so is an
     * I/O BAR or a 32-bit BAR whose range wraps).
     */
    public final boolean barDecodes(int i) {
        Bar b = bars[i];
        if (b == null) {
            return false;
        }
        if (b.isIo() ? !ioDecode() : !memDecode()) {
            return false;
        }
        long a = barAddress(i);
        if (a == 0) {
            return false;
        }
        long end = a + b.size - 1;
        if (b.isIo()) {
            return end <= 0xFFFF_FFFFL;
        }
        return b.is64() || end <= 0xFFFF_FFFFL;
    }

    // ---------------------------------------------------------------- config access

    /** A configuration read of {@code size} (1, 2, 4) bytes at {@code offset} (0..4095). */
    public long configRead(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (config[offset + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    /** A configuration write; applies wmask/w1cmask, then {@link #configWritten}. */
    public void configWrite(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            int val = (int) (value >>> (8 * i)) & 0xFF;
            int wm = wmask[o] & 0xFF;
            int w1c = w1cmask[o] & 0xFF;
            int old = config[o] & 0xFF;
            int nv = (old & ~wm) | (val & wm);
            nv &= ~(val & w1c);
            config[o] = (byte) nv;
        }
        configWritten(offset, size, value);
    }

    /** Side effects of a configuration write (BAR remap, bridge windows, FLR, power state). */
    protected void configWritten(int offset, int size, long value) {
    }

    // ---------------------------------------------------------------- BAR access

    /**
     * An access to BAR {@code bar} at {@code offset} within it (already checked against the BAR's
     * rules and size). Reads set {@code a.data}; writes take {@code a.data}. Bulk accesses carry
     * {@code a.buffer}.
     */
    public abstract void barAccess(Bar bar, long offset, Access a);

    // ---------------------------------------------------------------- reset

    /** Kinds of reset, each with its spec behaviour. */
    public enum ResetKind {
        /** Power-on / conventional reset: everything back to the power-on image. */
        COLD,
        /** Secondary bus reset from the bridge above (a conventional reset of this function). */
        SECONDARY_BUS,
        /** Function Level Reset (PCIe Base 4.0 §6.6.2). */
        FLR,
        /** D3hot to D0 transition without No_Soft_Reset (PCI PM 1.2 §5.4). */
        D3HOT_TO_D0
    }

    /** Resets configuration space to the power-on image (sticky bits aside) and calls {@link #deviceReset}. */
    public void reset(ResetKind kind) {
        if (resetImage != null) {
            System.arraycopy(resetImage, 0, config, 0, CONFIG_SIZE);
        }
        deviceReset(kind);
    }

    /** The device's own reset behaviour (registers, rings, queues). */
    protected void deviceReset(ResetKind kind) {
    }

    // ---------------------------------------------------------------- helpers

    protected final int word(int off) {
        return (config[off] & 0xFF) | (config[off + 1] & 0xFF) << 8;
    }

    protected final int long32(int off) {
        return (config[off] & 0xFF) | (config[off + 1] & 0xFF) << 8 | (config[off + 2] & 0xFF) << 16 | (config[off + 3] & 0xFF) << 24;
    }

    protected final void setByte(int off, int v) {
        config[off] = (byte) v;
    }

    protected final void setWord(int off, int v) {
        config[off] = (byte) v;
        config[off + 1] = (byte) (v >> 8);
    }

    protected final void setLong32(int off, int v) {
        setWord(off, v);
        setWord(off + 2, v >>> 16);
    }

    protected static void setWordMask(byte[] mask, int off, int v) {
        mask[off] = (byte) v;
        mask[off + 1] = (byte) (v >> 8);
    }

    protected static void setLongMask32(byte[] mask, int off, int v) {
        setWordMask(mask, off, v);
        setWordMask(mask, off + 2, v >>> 16);
    }

    @Override
    public String toString() {
        return id() + " [" + String.format("%04x:%04x", word(VENDOR_ID), word(DEVICE_ID)) + "]" + (bdf >= 0 ? " at " + formatBdf(bdf) : "");
    }
}
