package dev.gvsim.simcore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Routes by address range. Ranges are {@code [base, base + size)}, must not overlap (rejected when
 * added, naming both ranges) and are kept sorted; lookup is a binary search over primitive arrays
 * and does not allocate.
 */
public final class AddressMap {
    private long[] bases = new long[8];
    private long[] ends = new long[8]; // exclusive, compared unsigned-safe: ranges stay below 2^63
    private Target[] targets = new Target[8];
    private String[] names = new String[8];
    private int count;
    private final String mapName;

    public AddressMap(String mapName) {
        this.mapName = mapName;
    }

    public String name() {
        return mapName;
    }

    /** Adds a range; throws with a clear message on overlap or an empty/negative range. */
    public void add(String name, long base, long size, Target target) {
        if (size <= 0) {
            throw new IllegalArgumentException(mapName + ": range '" + name + "' has size " + size);
        }
        if (base < 0 || base + size < base) {
            throw new IllegalArgumentException(mapName + ": range '" + name + "' at 0x" + Long.toHexString(base) + " overflows");
        }
        long end = base + size;
        int idx = 0;
        while (idx < count && bases[idx] < base) {
            idx++;
        }
        if (idx > 0 && ends[idx - 1] > base) {
            throw overlap(name, base, end, idx - 1);
        }
        if (idx < count && bases[idx] < end) {
            throw overlap(name, base, end, idx);
        }
        if (count == bases.length) {
            int cap = count * 2;
            bases = Arrays.copyOf(bases, cap);
            ends = Arrays.copyOf(ends, cap);
            targets = Arrays.copyOf(targets, cap);
            names = Arrays.copyOf(names, cap);
        }
        System.arraycopy(bases, idx, bases, idx + 1, count - idx);
        System.arraycopy(ends, idx, ends, idx + 1, count - idx);
        System.arraycopy(targets, idx, targets, idx + 1, count - idx);
        System.arraycopy(names, idx, names, idx + 1, count - idx);
        bases[idx] = base;
        ends[idx] = end;
        targets[idx] = target;
        names[idx] = name;
        count++;
    }

    private IllegalArgumentException overlap(String name, long base, long end, int other) {
        return new IllegalArgumentException(String.format("%s: range '%s' [0x%x-0x%x] overlaps '%s' [0x%x-0x%x]", mapName, name,
                base, end - 1, names[other], bases[other], ends[other] - 1));
    }

    /** Removes the range that starts at {@code base}; returns false if there is none. */
    public boolean remove(long base) {
        for (int i = 0; i < count; i++) {
            if (bases[i] == base) {
                int n = count - i - 1;
                System.arraycopy(bases, i + 1, bases, i, n);
                System.arraycopy(ends, i + 1, ends, i, n);
                System.arraycopy(targets, i + 1, targets, i, n);
                System.arraycopy(names, i + 1, names, i, n);
                count--;
                targets[count] = null;
                names[count] = null;
                return true;
            }
        }
        return false;
    }

    public void clear() {
        Arrays.fill(targets, 0, count, null);
        Arrays.fill(names, 0, count, null);
        count = 0;
    }

    /** Index of the range holding {@code addr}, or -1. */
    public int find(long addr) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (bases[mid] > addr) {
                hi = mid - 1;
            } else if (ends[mid] <= addr) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** True if {@code [addr, addr+len)} lies inside one range. */
    public boolean containsRange(long addr, long len) {
        int i = find(addr);
        return i >= 0 && addr + len <= ends[i] && addr + len >= addr;
    }

    /**
     * Routes the access by {@code a.address}: calls the owning target with the offset, or returns
     * false (caller decides what "unclaimed" means on its bus) when no range holds it or the access
     * runs past the end of the range.
     */
    public boolean route(Access a) {
        long addr = a.address;
        int i = lastHit;
        // consecutive accesses usually hit the range the previous one did: skip the search then
        if (i >= count || addr < bases[i] || addr >= ends[i]) {
            i = find(addr);
            if (i < 0) {
                return false;
            }
            lastHit = i;
        }
        if (addr + Math.max(1, a.size) > ends[i]) {
            return false;
        }
        targets[i].access(a, addr - bases[i]);
        return true;
    }

    /** The range the last {@link #route} reached (an index; checked against the range before use). */
    private int lastHit;

    public int size() {
        return count;
    }

    public long baseAt(int i) {
        return bases[i];
    }

    public long endAt(int i) {
        return ends[i];
    }

    public Target targetAt(int i) {
        return targets[i];
    }

    public String nameAt(int i) {
        return names[i];
    }

    /** Lines {@code 0x..-0x.. name} in address order, for reports. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(String.format("0x%010x-0x%010x %s", bases[i], ends[i] - 1, names[i]));
        }
        return out;
    }
}
