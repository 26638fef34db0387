package dev.gvsim.arm64mmu;

/**
 * The ARMv8-A memory types gvsim distinguishes (ARM DDI 0487 B2.7 "Memory types and attributes";
 * docs/facts/arm64-memory.md section 1). The four Device types differ in Gathering, Reordering and
 * Early write acknowledgement; Normal memory is reduced to one cacheability (the weaker of inner
 * and outer, see {@link Mair}).
 *
 * <p>The ordinal order is FIXED: traces and {@code Access.s1Type/s2Type/memType} store the ordinal.
 * It also runs from most to least restrictive, which {@link AttrCombine} relies on.
 */
public enum MemoryType {
    /** Device-nGnRnE (ARMv7 "Strongly-ordered"); {@code ioremap_np()}. */
    DEVICE_NGNRNE("device-ngnrne"),
    /** Device-nGnRE (ARMv7 "Device"); {@code ioremap()}, {@code pci_iomap()}. */
    DEVICE_NGNRE("device-ngnre"),
    /** Device-nGRE: may be reordered in the interconnect. */
    DEVICE_NGRE("device-ngre"),
    /** Device-GRE: gathers like Normal-NC but no speculation. */
    DEVICE_GRE("device-gre"),
    /** Normal Non-cacheable; {@code ioremap_wc()}, {@code pgprot_writecombine}. */
    NORMAL_NC("normal-nc"),
    /** Normal Write-Through cacheable. */
    NORMAL_WT("normal-wt"),
    /** Normal Write-Back cacheable; RAM, {@code ioremap_cache()}, {@code memremap(MEMREMAP_WB)}. */
    NORMAL_WB("normal-wb");

    private static final MemoryType[] VALUES = values();
    private final String traceName;

    MemoryType(String traceName) {
        this.traceName = traceName;
    }

    /** The lower-case name used in traces and reports. */
    public String traceName() {
        return traceName;
    }

    /** Parses a trace name; {@link IllegalArgumentException} naming the valid names otherwise. */
    public static MemoryType fromTraceName(String s) {
        if (s != null) {
            String t = s.trim();
            for (MemoryType m : VALUES) {
                if (m.traceName.equals(t)) {
                    return m;
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (MemoryType m : VALUES) {
            sb.append(sb.length() == 0 ? "" : ", ").append(m.traceName);
        }
        throw new IllegalArgumentException("unknown memory type '" + s + "' (valid: " + sb + ")");
    }

    /** The type of an ordinal as stored in traces and {@code Access}; {@link IllegalArgumentException} if out of range. */
    public static MemoryType of(int ordinal) {
        if (ordinal < 0 || ordinal >= VALUES.length) {
            throw new IllegalArgumentException("memory type ordinal " + ordinal + " outside 0.." + (VALUES.length - 1));
        }
        return VALUES[ordinal];
    }

    /** Number of types. */
    public static int count() {
        return VALUES.length;
    }

    public boolean isDevice() {
        return ordinal() <= DEVICE_GRE.ordinal();
    }

    /** Device memory or Normal Non-cacheable: no cache, every access goes to the interconnect. */
    public boolean isUncached() {
        return ordinal() <= NORMAL_NC.ordinal();
    }

    /** Writes may be gathered (the G attribute): Device-GRE and Normal-NC. */
    public boolean gathers() {
        return this == DEVICE_GRE || this == NORMAL_NC;
    }

    /** Writes may be acknowledged early (the E attribute): all types but Device-nGnRnE. */
    public boolean earlyWriteAck() {
        return this != DEVICE_NGNRNE;
    }

    static boolean isDeviceOrdinal(int ordinal) {
        return ordinal >= 0 && ordinal <= 3;
    }
}
