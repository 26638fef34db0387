package dev.gvsim.qxldevice;

import static dev.gvsim.qxldevice.layout.QxlLayout.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

import dev.gvsim.pciefabric.Bar;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.qxldevice.layout.QxlRamHeader;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.SparseMemory;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The guest's memory slots: QEMU qxl.c's {@code guest_slots[]} (what QXL_IO_MEMSLOT_ADD registered,
 * checked against the BARs as mapped by qxl_add_memslot) and the lookup
 * both sides make with them: QEMU's qxl_phys2virt (a failure is a guest bug) and spice-server's
 * memslot_get_virt (a failure drops the command; the generation bits are checked too). One
 * {@link Slot} per slot, allocated at construction.
 */
final class QxlMemslots {
    /** qxl_add_memslot regions[]: the BARs a guest memslot may cover, in search order. */
    private static final int[] MEMSLOT_REGIONS = {RAM_RANGE_INDEX, VRAM_RANGE_INDEX, VRAM64_RANGE_INDEX};

    /** One memslot. */
    static final class Slot {
        boolean active;
        /** mem_start / mem_end as the guest wrote them. */
        long guestStart;
        long guestEnd;
        /** The BAR the slot lies in (RAM, VRAM or VRAM64 range index) and its offset there. */
        int region;
        long regionOffset;
        long size;
        /** Subtracted from a QXLPHYSICAL's offset (the BAR0 address for the qxl-1 compat slot). */
        long delta;
    }

    private final SparseMemory ram;
    private final SparseMemory vram;
    private final QxlHost host;
    private final Slot[] slots = new Slot[NUM_MEMSLOTS];
    /** Memory of the last successful {@link #resolve}: 0 = BAR0 RAM, 1 = VRAM (avoids returning a pair). */
    private int resolvedMem;

    QxlMemslots(SparseMemory ram, SparseMemory vram, QxlHost host) {
        this.ram = ram;
        this.vram = vram;
        this.host = host;
        for (int i = 0; i < NUM_MEMSLOTS; i++) {
            slots[i] = new Slot();
        }
    }

    /** qxl_reset_memslots: every slot inactive and empty. */
    void reset() {
        for (Slot s : slots) {
            s.active = false;
            s.guestStart = 0;
            s.guestEnd = 0;
            s.size = 0;
            s.delta = 0;
        }
    }

    boolean active(int slot) {
        return slots[slot].active;
    }

    /** The range a QXL_IO_MEMSLOT_ADD asks for (qxl.c copies mem_slot into guest_slots[id].slot). */
    void guestRange(int slot, long start, long end) {
        slots[slot].guestStart = start;
        slots[slot].guestEnd = end;
    }

    /**
     * qxl_add_memslot: the slot's guest range must lie in BAR0, BAR1 or BAR4 of {@code fn} as
     * currently mapped; then it becomes active (and the ROM's slot_generation is set to 0). False,
     * with a guest bug, if it does not.
     */
    boolean add(int slotId, long delta, PciFunction fn, QxlRom rom) {
        Slot s = slots[slotId];
        long guestStart = s.guestStart;
        long guestEnd = s.guestEnd;
        if (Long.compareUnsigned(guestStart, guestEnd) > 0) {
            host.setGuestBug("qxl_add_memslot: guest_start > guest_end 0x" + Long.toHexString(guestStart) + " > 0x"
                    + Long.toHexString(guestEnd));
            return false;
        }
        for (int region : MEMSLOT_REGIONS) {
            if (!fn.barDecodes(region)) {
                continue; // PCI_BAR_UNMAPPED
            }
            long pciStart = fn.barAddress(region);
            long pciEnd = pciStart + fn.bar(region).size;
            if (Long.compareUnsigned(guestStart, pciStart) < 0 || Long.compareUnsigned(guestStart, pciEnd) > 0) {
                continue;
            }
            if (Long.compareUnsigned(guestEnd, pciEnd) > 0) {
                continue;
            }
            s.region = region;
            s.regionOffset = guestStart - pciStart;
            s.size = guestEnd - guestStart;
            s.delta = delta;
            s.active = true;
            rom.slotGeneration(0);
            return true;
        }
        host.setGuestBug("qxl_add_memslot: finished loop without match");
        return false;
    }

    /**
     * QXL_IO_MEMSLOT_ADD: slot {@code val}, the range QXLRam.mem_slot holds, added by
     * {@link #add}; true if added (spice-server was told), false with a guest bug.
     */
    boolean ioAdd(long val, QxlRamHeader hdr, PciFunction fn, QxlRom rom) {
        if (val >= NUM_MEMSLOTS) {
            host.setGuestBug("QXL_IO_MEMSLOT_ADD: val out of range");
            return false;
        }
        if (slots[(int) val].active) {
            host.setGuestBug("QXL_IO_MEMSLOT_ADD: memory slot already active");
            return false;
        }
        guestRange((int) val, hdr.memSlotStart(), hdr.memSlotEnd());
        return add((int) val, 0, fn, rom);
    }

    /** QXL_IO_MEMSLOT_DEL: qxl_del_memslot of slot {@code val}. */
    void ioDelete(long val) {
        if (val >= NUM_MEMSLOTS) {
            host.setGuestBug("QXL_IO_MEMSLOT_DEL: val out of range");
            return;
        }
        slots[(int) val].active = false;
    }

    /** The memory of a memory id: 0 = BAR0 RAM, 1 = VRAM. */
    SparseMemory memory(int id) {
        return id == 0 ? ram : vram;
    }

    /** Memory id of the last successful {@link #resolve}. */
    int resolvedMem() {
        return resolvedMem;
    }

    SparseMemory resolvedMemory() {
        return memory(resolvedMem);
    }

    /**
     * Resolves a QXLPHYSICAL of {@code size} bytes. On success returns the offset in the memory left in
     * {@link #resolvedMem}; on failure -1. {@code qemuPath}: QEMU's qxl_phys2virt (failure is a guest
     * bug); otherwise spice-server's memslot_get_virt (failure is a dropped command, and the
     * generation bits are checked too).
     */
    long resolve(long phys, long size, boolean qemuPath) {
        int slot = (int) (phys >>> PHYS_SLOT_SHIFT) & 0xFF;
        int gen = (int) (phys >>> PHYS_GENERATION_SHIFT) & 0xFF;
        long offset = phys & PHYS_OFFSET_MASK;
        String err = null;
        Slot s = slot < NUM_MEMSLOTS ? slots[slot] : null;
        if (s == null) {
            err = "slot too large " + slot + " >= " + NUM_MEMSLOTS;
        } else if (!s.active) {
            err = "inactive slot " + slot;
        } else if (offset < s.delta) {
            err = "slot " + slot + " offset " + offset + " < delta " + s.delta;
        } else {
            offset -= s.delta;
            if (offset > s.size) {
                err = "slot " + slot + " offset " + offset + " > size " + s.size;
            } else if (size < 0 || size > s.size - offset) {
                err = "slot " + slot + " offset " + offset + " size " + size + ": overrun by " + (size - (s.size - offset)) + " bytes";
            } else if (!qemuPath && gen != 0) {
                err = "address generation is not valid, slot_id " + slot + ", gen " + gen + ", slot_gen 0";
            }
        }
        if (err != null) {
            if (qemuPath) {
                host.setGuestBug(err);
            } else {
                host.spiceError(err + " (addr 0x" + Long.toHexString(phys) + ")");
            }
            return -1;
        }
        resolvedMem = s.region == RAM_RANGE_INDEX ? 0 : 1;
        return s.regionOffset + offset;
    }

    // ================================================================== report and checkpoint

    /** Report key {@code memslots}: the active slots. */
    void report(Map<String, Object> out) {
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < NUM_MEMSLOTS; i++) {
            Slot s = slots[i];
            if (!s.active) {
                continue;
            }
            Map<String, Object> m = new TreeMap<>();
            m.put("id", i);
            m.put("guest_start", "0x" + Long.toHexString(s.guestStart));
            m.put("guest_end", "0x" + Long.toHexString(s.guestEnd));
            m.put("bar", s.region);
            m.put("bar_offset", "0x" + Long.toHexString(s.regionOffset));
            m.put("size", s.size);
            list.add(m);
        }
        out.put("memslots", list);
    }

    /** The slot count, then per slot: active, guest start, guest end, BAR, BAR offset, size, delta. */
    void saveSlots(StateWriter w) {
        w.putInt(NUM_MEMSLOTS);
        for (Slot s : slots) {
            w.putBoolean(s.active).putLong(s.guestStart).putLong(s.guestEnd).putInt(s.region).putLong(s.regionOffset)
                    .putLong(s.size).putLong(s.delta);
        }
    }

    void saveResolved(StateWriter w) {
        w.putInt(resolvedMem);
    }

    /** Reads and checks what {@link #saveSlots} wrote (an active slot must lie in its BAR); the returned action applies it. */
    Runnable restoreSlots(StateReader r, QxlCheckpoint ck, IntFunction<Bar> bars) throws InputException {
        if (r.getInt() != NUM_MEMSLOTS) {
            throw ck.bad("memslot count");
        }
        boolean[] sa = new boolean[NUM_MEMSLOTS];
        long[] sgs = new long[NUM_MEMSLOTS];
        long[] sge = new long[NUM_MEMSLOTS];
        int[] sr = new int[NUM_MEMSLOTS];
        long[] sro = new long[NUM_MEMSLOTS];
        long[] ssz = new long[NUM_MEMSLOTS];
        long[] sd = new long[NUM_MEMSLOTS];
        for (int i = 0; i < NUM_MEMSLOTS; i++) {
            sa[i] = r.getBoolean();
            sgs[i] = r.getLong();
            sge[i] = r.getLong();
            sr[i] = r.getInt();
            sro[i] = r.getLong();
            ssz[i] = r.getLong();
            sd[i] = r.getLong();
            if (sr[i] != RAM_RANGE_INDEX && sr[i] != VRAM_RANGE_INDEX && sr[i] != VRAM64_RANGE_INDEX) {
                throw ck.bad("memslot " + i + " region " + sr[i]);
            }
            if (sa[i]) {
                Bar b = bars.apply(sr[i]);
                if (b == null || sro[i] < 0 || ssz[i] < 0 || sro[i] > b.size || ssz[i] > b.size - sro[i]) {
                    throw ck.bad("memslot " + i + " outside BAR" + sr[i]);
                }
            }
        }
        return () -> {
            for (int i = 0; i < NUM_MEMSLOTS; i++) {
                Slot s = slots[i];
                s.active = sa[i];
                s.guestStart = sgs[i];
                s.guestEnd = sge[i];
                s.region = sr[i];
                s.regionOffset = sro[i];
                s.size = ssz[i];
                s.delta = sd[i];
            }
        };
    }

    Runnable restoreResolved(StateReader r, QxlCheckpoint ck) throws InputException {
        int n = r.getInt();
        ck.check(n >= 0 && n <= 1, QxlCheckpoint.COUNTERS);
        return () -> resolvedMem = n;
    }
}
