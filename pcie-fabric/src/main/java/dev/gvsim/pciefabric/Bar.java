package dev.gvsim.pciefabric;

import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.Target;

/** A declared BAR: kind, size (a power of two), prefetchable, the access rules of its region. */
public final class Bar {
    public final int index;
    public final BarKind kind;
    public final long size;
    public final boolean prefetchable;
    public final AccessRules rules;
    public final String name;
    /** The declaring function's {@link PciFunction#barAccess} for this BAR, as the size adapter's region. */
    private Target region;

    public Bar(int index, BarKind kind, long size, boolean prefetchable, AccessRules rules, String name) {
        if (size <= 0 || (size & (size - 1)) != 0) {
            throw new IllegalArgumentException("BAR" + index + " size must be a power of two, got " + size);
        }
        if (kind == BarKind.IO && size < 4) {
            throw new IllegalArgumentException("I/O BAR" + index + " smaller than 4 bytes");
        }
        if (kind != BarKind.IO && size < 16) {
            throw new IllegalArgumentException("memory BAR" + index + " smaller than 16 bytes");
        }
        this.index = index;
        this.kind = kind;
        this.size = size;
        this.prefetchable = prefetchable;
        this.rules = rules;
        this.name = name;
    }

    /** Called when a function declares this BAR: binds its {@link PciFunction#barAccess} for the size adapter. */
    void bind(PciFunction f) {
        if (region != null) {
            throw new IllegalArgumentException("BAR" + index + " '" + name + "' is already declared by a function");
        }
        region = (a, offset) -> f.barAccess(this, offset, a);
    }

    /** The declaring function's BAR access as a {@link Target}: {@link AccessRules#access} calls it for each piece. */
    Target region() {
        return region;
    }

    public boolean isIo() {
        return kind == BarKind.IO;
    }

    public boolean is64() {
        return kind == BarKind.MEM64;
    }
}
