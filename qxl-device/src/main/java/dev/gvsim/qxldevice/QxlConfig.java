package dev.gvsim.qxldevice;

import java.util.Map;
import java.util.TreeMap;

import dev.gvsim.qxldevice.layout.QxlLayout;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The QEMU properties of a {@code qxl} / {@code qxl-vga} device and the BAR sizes they give, computed
 * as QEMU's {@code qxl_init_ramsize()} does (QEMU 7.2 hw/display/qxl.c):
 * <ul>
 * <li>{@code vgamem_mb} (default 16) clamped to 8..256 MiB, rounded up to a power of two;</li>
 * <li>BAR0 = {@code ram_size} (bytes, default 64 MiB) or {@code ram_size_mb}, at least 2 x vgamem,
 * rounded up to a power of two;</li>
 * <li>BAR1 = {@code vram_size} (bytes, default 64 MiB) or {@code vram_size_mb}, at least 4 KiB;</li>
 * <li>the 64-bit surface memory = {@code vram64_size_mb}, at least BAR1; BAR4 exists only if larger;</li>
 * <li>{@code revision} 1..5 (default 5 = QXL_DEFAULT_REVISION = QXL_REVISION_STABLE_V12 + 1); revision 1
 * forces both vram sizes to 4 KiB; {@code surfaces} default 1024.</li>
 * </ul>
 */
public final class QxlConfig {
    public static final int DEFAULT_REVISION = 5;
    private static final long MIB = 1024L * 1024;
    /** 32-bit BARs: QEMU keeps these sizes in uint32 properties; gvsim rejects sizes above 1 GiB. */
    private static final long MAX_BAR32 = 1L << 30;
    private static final long MAX_BAR64 = 1L << 36;

    public final long ramSize;
    public final long vram32Size;
    public final long vram64Size;
    public final long vgamemSize;
    public final int revision;
    public final int numSurfaces;
    /** {@code guestdebug}: written to ROM log_level. */
    public final int guestDebug;

    private QxlConfig(long ramSize, long vram32Size, long vram64Size, long vgamemSize, int revision, int numSurfaces, int guestDebug) {
        this.ramSize = ramSize;
        this.vram32Size = vram32Size;
        this.vram64Size = vram64Size;
        this.vgamemSize = vgamemSize;
        this.revision = revision;
        this.numSurfaces = numSurfaces;
        this.guestDebug = guestDebug;
    }

    /** QEMU defaults (64 MiB RAM, 64 MiB VRAM, 16 MiB vgamem, revision 5, 1024 surfaces). */
    public static QxlConfig defaults() {
        return fromProps(Map.of());
    }

    /**
     * From QEMU {@code -device qxl,KEY=VALUE} properties. Unknown keys and malformed values are
     * rejected with {@link IllegalArgumentException} naming the property.
     */
    public static QxlConfig fromProps(Map<String, String> qemuProps) {
        Map<String, String> p = new TreeMap<>(qemuProps == null ? Map.of() : qemuProps);
        long ramSize = num(p, "ram_size", 64 * MIB);
        long vram32 = num(p, "vram_size", 64 * MIB);
        long ramSizeMb = num(p, "ram_size_mb", -1);
        long vram32Mb = num(p, "vram_size_mb", -1);
        long vram64Mb = num(p, "vram64_size_mb", -1);
        long vgamemMb = num(p, "vgamem_mb", 16);
        long revision = num(p, "revision", DEFAULT_REVISION);
        long surfaces = num(p, "surfaces", 1024);
        long guestDebug = num(p, "guestdebug", 0);
        for (String k : p.keySet()) {
            if (!KNOWN.contains(k)) {
                throw new IllegalArgumentException("qxl: unknown property '" + k + "' (known: " + KNOWN + ")");
            }
        }
        if (revision < 1 || revision > DEFAULT_REVISION) {
            throw new IllegalArgumentException("qxl: Invalid revision " + revision + " for qxl device (max " + DEFAULT_REVISION + ")");
        }
        if (surfaces < 1 || surfaces > 1 << 16) {
            throw new IllegalArgumentException("qxl: surfaces=" + surfaces + " outside 1..65536");
        }
        // qxl_init_ramsize()
        if (vgamemMb < 8) {
            vgamemMb = 8;
        }
        if (vgamemMb > 256) {
            vgamemMb = 256;
        }
        long vgamem = vgamemMb * MIB;
        if (ramSizeMb != -1) {
            ramSize = ramSizeMb * MIB;
        }
        if (ramSize < vgamem * 2) {
            ramSize = vgamem * 2;
        }
        if (vram32Mb != -1) {
            vram32 = vram32Mb * MIB;
        }
        if (vram32 < 4096) {
            vram32 = 4096;
        }
        long vram64 = vram32;
        if (vram64Mb != -1) {
            vram64 = vram64Mb * MIB;
        }
        if (vram64 < vram32) {
            vram64 = vram32;
        }
        if (revision == 1) {
            vram32 = 4096;
            vram64 = 4096;
        }
        vgamem = pow2ceil(vgamem);
        ramSize = pow2ceil(ramSize);
        vram32 = pow2ceil(vram32);
        vram64 = pow2ceil(vram64);
        if (ramSize > MAX_BAR32 || vram32 > MAX_BAR32) {
            throw new IllegalArgumentException("qxl: ram_size/vram_size above " + (MAX_BAR32 / MIB) + " MiB not modelled (32-bit BARs)");
        }
        if (vram64 > MAX_BAR64) {
            throw new IllegalArgumentException("qxl: vram64_size_mb above " + (MAX_BAR64 / MIB) + " MiB not modelled");
        }
        return new QxlConfig(ramSize, vram32, vram64, vgamem, (int) revision, (int) surfaces, (int) guestDebug);
    }

    private static final java.util.Set<String> KNOWN = new java.util.TreeSet<>(java.util.List.of("ram_size", "vram_size",
            "ram_size_mb", "vram_size_mb", "vram64_size_mb", "vgamem_mb", "revision", "surfaces", "guestdebug", "debug",
            "cmdlog", "id", "bus", "addr", "xres", "yres", "max_outputs", "global-vmstate", "multifunction", "romfile",
            "rombar"));

    private static long num(Map<String, String> p, String key, long def) {
        String v = p.get(key);
        if (v == null) {
            return def;
        }
        String t = v.trim();
        try {
            long r = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (r < -1 || r > 0xFFFF_FFFFL) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("qxl: property " + key + "='" + v + "' is not a 32-bit unsigned number");
        }
    }

    static long pow2ceil(long v) {
        if (v <= 1) {
            return 1;
        }
        return Long.highestOneBit(v - 1) << 1;
    }

    /** ram_header_offset = ram_size - ALIGN(sizeof(QXLRam), 4096) (init_qxl_rom). */
    public long ramHeaderOffset() {
        return ramSize - QxlLayout.RAM_HEADER_SIZE;
    }

    /** surface0_area_size = pages_offset = ALIGN(vgamem, 4096). */
    public long surface0AreaSize() {
        return (vgamemSize + 4095) & ~4095L;
    }

    /** num_pages = (ram_size - ram header - surface0 area) / QXL_PAGE_SIZE. */
    public long numPages() {
        return (ramSize - QxlLayout.RAM_HEADER_SIZE - surface0AreaSize()) / QxlLayout.PAGE_SIZE;
    }

    /** True if the 64-bit prefetchable BAR4 is exposed (vram64 larger than vram32). */
    public boolean hasVram64Bar() {
        return vram32Size < vram64Size;
    }

    /** The configuration a device checkpoint belongs to: device type (VGA or not), revision, sizes, surfaces. */
    void saveFingerprint(StateWriter w, boolean vga) {
        w.putBoolean(vga).putInt(revision).putLong(ramSize).putLong(vram32Size).putLong(vram64Size).putLong(vgamemSize)
                .putInt(numSurfaces);
    }

    /** Reads what {@link #saveFingerprint} wrote; refuses a checkpoint of a differently configured device. */
    void checkFingerprint(StateReader r, boolean vga, String typeName, String stateName) throws InputException {
        boolean v = r.getBoolean();
        int rev = r.getInt();
        long rs = r.getLong();
        long v32 = r.getLong();
        long v64 = r.getLong();
        long vgm = r.getLong();
        int ns = r.getInt();
        if (v != vga || rev != revision || rs != ramSize || v32 != vram32Size || v64 != vram64Size || vgm != vgamemSize
                || ns != numSurfaces) {
            throw new InputException("checkpoint " + stateName + ": saved for a " + (v ? QxlDevice.QXL_VGA : QxlDevice.QXL)
                    + " with revision " + rev + ", ram_size " + rs + ", vram_size " + v32 + ", vram64_size " + v64 + ", vgamem " + vgm
                    + ", surfaces " + ns + "; this machine has a " + typeName + " with revision " + revision + ", ram_size " + ramSize
                    + ", vram_size " + vram32Size + ", vram64_size " + vram64Size + ", vgamem " + vgamemSize + ", surfaces "
                    + numSurfaces);
        }
    }

    @Override
    public String toString() {
        return "QxlConfig{ram=" + ramSize + ", vram32=" + vram32Size + ", vram64=" + vram64Size + ", vgamem=" + vgamemSize
                + ", revision=" + revision + ", surfaces=" + numSurfaces + "}";
    }
}
