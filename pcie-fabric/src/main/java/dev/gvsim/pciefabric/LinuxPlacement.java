package dev.gvsim.pciefabric;

import dev.gvsim.simcore.cite.Follows;
import dev.gvsim.simcore.cite.Helper;

import static dev.gvsim.pciefabric.AllocSupport.F_IO;
import static dev.gvsim.pciefabric.AllocSupport.F_MEM;
import static dev.gvsim.pciefabric.AllocSupport.F_MEM64;
import static dev.gvsim.pciefabric.AllocSupport.F_PREF;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.gvsim.pciefabric.AllocSupport.Res;
import dev.gvsim.pciefabric.AllocSupport.Space;

/**
 * How Linux 6.1 places the sorted resources of one bus into its parent's windows (drivers/pci/setup-bus.c
 * {@code __assign_resources_sorted} and its helpers, drivers/pci/setup-res.c {@code pci_assign_resource} /
 * {@code pci_reassign_resource}), with or without a realloc list. Checked against the source of the kernel the
 * recordings ran (Debian linux-source-6.1 6.1.192-3) and the recorded consoles.
 */
final class LinuxPlacement {
    private final PciHost h;
    /**
     * The realloc list ({@code realloc_head}) in list order: {@code add_to_list} puts each new entry first, so it
     * is the reverse of the order sizing found them; null on the path without one (pci_host_probe).
     */
    private final List<Res> reallocList;
    /** A resource that failed, with the flags it had then (setup-bus.c add_to_list onto {@code fail_head}). */
    record Failed(Res res, int flags) {
    }

    /** The failed resources of a pass ({@code fail_head}), when the caller retries (pci=realloc); null otherwise. */
    List<Failed> failHead;

    @Helper("holds the realloc list")
    LinuxPlacement(PciHost h, List<Res> reallocList) {
        this.h = h;
        this.reallocList = reallocList;
    }

    /** setup-bus.c add_to_list: the new entry goes first. */
    @Follows({"drivers/pci/setup-bus.c add_to_list"})
    void addToReallocList(Res r) {
        reallocList.add(0, r);
    }

    @Helper("the realloc list itself (the distribution pass takes windows off it)")
    List<Res> reallocList() {
        return reallocList;
    }

    /**
     * setup-bus.c pdev_sort_resources: each resource goes in before the first one of smaller alignment
     * ({@code pci_resource_alignment}: a BAR's size, a window's computed start), so equal alignments keep
     * discovery order; resources already assigned (a parent) or reset (no flags) are left out.
     */
    @Follows({"drivers/pci/setup-bus.c pdev_sort_resources"})
    static void sortInto(List<Res> head, Res r) {
        if (r.flags == 0 || r.parent != null) {
            return;
        }
        int at = head.size();
        for (int i = 0; i < head.size(); i++) {
            if (r.align > head.get(i).align) {
                at = i;
                break;
            }
        }
        head.add(at, r);
    }

    /**
     * setup-bus.c __assign_resources_sorted. With a non-empty realloc list, every resource is first tried with
     * its optional add size (a window's alignment raised to its add_align and the list re-sorted); if all fit,
     * done. Otherwise the failed types are computed (pci_fail_res_type_mask), the assigned resources that
     * pci_need_to_release says are of a failed type are released and restored to their required sizes, the
     * others kept; then the required sizes are assigned in list order (assign_requested_resources_sorted) and
     * the optional sizes added in realloc-list order (reassign_resources_sorted). Recorded: with 16 hot-plug
     * root ports the 16th port's I/O fails with add sizes, all I/O windows are released, and the reassignment
     * (realloc-list order, last port first) leaves the first port without I/O (uefi_vgpu_16rp).
     */
    @Follows(value = {"drivers/pci/setup-bus.c __assign_resources_sorted"},
            note = "recorded: uefi_vgpu_16rp")
    void assignSorted(List<Res> head, List<Space> spaces) {
        if (reallocList != null && !reallocList.isEmpty() && tryWithAddSizes(head, spaces)) {
            return;
        }
        assignRequested(head, spaces, failHead);
        if (reallocList != null) {
            reassignSorted(head, spaces);
        }
    }

    /** The first half of __assign_resources_sorted: true when everything fitted with its add size. */
    @Follows({"drivers/pci/setup-bus.c __assign_resources_sorted", "drivers/pci/setup-bus.c pci_fail_res_type_mask"})
    private boolean tryWithAddSizes(List<Res> head, List<Space> spaces) {
        Map<Res, long[]> save = new IdentityHashMap<>();
        Map<Res, Long> want = new IdentityHashMap<>();
        for (Res r : head) {
            save.put(r, new long[] {r.align, r.flags});
        }
        for (Res r : new ArrayList<>(head)) {
            boolean listed = indexOf(reallocList, r) >= 0;
            want.put(r, r.size + (listed ? r.add : 0));
            if (!r.window() || !listed || r.addAlign <= r.align) {
                continue; // only bridge windows (IORESOURCE_STARTALIGN) get their add_align
            }
            r.align = r.addAlign;
            for (Res r2 : head) {
                if (r2 != r && r.addAlign > r2.align) { // list_move_tail before the first smaller alignment
                    head.remove(r);
                    head.add(head.indexOf(r2), r);
                    break;
                }
            }
        }
        int failType = 0;
        boolean failed = false;
        for (Res r : head) {
            long w = want.get(r);
            if (w > 0 && !assign(r, spaces, w, r.align)) {
                // assign_requested_resources_sorted: a ROM BAR the firmware did not enable is not listed as failed
                if (r.index != AllocSupport.ROM_INDEX) {
                    failType |= r.flags;
                    failed = true;
                }
                reset(r);
            }
        }
        if (!failed) {
            for (Res r : head) {
                remove(reallocList, r);
            }
            return true;
        }
        failType &= F_IO | F_MEM | F_PREF; // pci_fail_res_type_mask
        for (Res r : new ArrayList<>(head)) {
            if (r.parent != null && !needToRelease(failType, r)) {
                remove(reallocList, r);
                save.remove(r);
                head.remove(r);
            }
        }
        for (Res r : head) {
            if (r.parent != null) {
                release(r);
            }
        }
        for (Res r : head) {
            long[] s = save.get(r);
            if (s != null) {
                r.align = s[0];
                r.flags = (int) s[1];
            }
        }
        return false;
    }

    /**
     * setup-bus.c pci_need_to_release: I/O if I/O failed; prefetchable if prefetchable failed, or if memory failed
     * and it sits in a non-prefetchable window; memory if memory failed.
     */
    @Follows({"drivers/pci/setup-bus.c pci_need_to_release"})
    static boolean needToRelease(int mask, Res r) {
        if ((r.flags & F_IO) != 0) {
            return (mask & F_IO) != 0;
        }
        if ((r.flags & F_PREF) != 0) {
            if ((mask & F_PREF) != 0) {
                return true;
            }
            return (mask & F_MEM) != 0 && (r.parent.flags & F_PREF) == 0;
        }
        return (r.flags & F_MEM) != 0 && (mask & F_MEM) != 0;
    }

    /**
     * setup-bus.c assign_requested_resources_sorted: each resource with a non-zero required size, in list
     * order; a failure is reset (reset_resource) and, when the caller keeps one, listed as failed.
     */
    @Follows({"drivers/pci/setup-bus.c assign_requested_resources_sorted"})
    private void assignRequested(List<Res> head, List<Space> spaces, List<Failed> fails) {
        for (Res r : head) {
            if (r.size > 0 && !assign(r, spaces, r.size, r.align)) {
                if (fails != null && r.index != AllocSupport.ROM_INDEX) {
                    fails.add(new Failed(r, r.flags));
                }
                reset(r);
            }
        }
    }

    /**
     * setup-bus.c reassign_resources_sorted, in realloc-list order: a reset resource is dropped; one of this
     * bus with no required size is placed with its add size at its add_align (pci_assign_resource); one that
     * has a place is expanded by its add size (pci_reassign_resource).
     */
    @Follows({"drivers/pci/setup-bus.c reassign_resources_sorted"})
    private void reassignSorted(List<Res> head, List<Space> spaces) {
        for (Res a : new ArrayList<>(reallocList)) {
            if (a.flags == 0) {
                remove(reallocList, a);
                continue;
            }
            if (indexOf(head, a) < 0) {
                continue;
            }
            if (a.size == 0) {
                a.align = a.addAlign; // res->start = add_res->min_align: the STARTALIGN alignment
                if (!assign(a, spaces, a.add, a.align)) {
                    reset(a);
                }
            } else if (a.parent != null) {
                expand(a, spaces);
            }
            remove(reallocList, a);
        }
    }

    /**
     * setup-res.c pci_assign_resource: __pci_assign_resource's three passes; on failure "can't assign; no space",
     * no firmware address to fall back to on arm64 (pcibios_retrieve_fw_addr is the __weak 0), "failed to
     * assign"; on success "assigned" and a BAR is written (pci_update_resource).
     */
    @Follows(value = {"drivers/pci/setup-res.c pci_assign_resource", "drivers/pci/setup-res.c pci_revert_fw_address"},
            note = "pcibios_retrieve_fw_addr is the __weak 0 on arm64: no firmware address to fall back to")
    boolean assign(Res r, List<Space> spaces, long size, long align) {
        long saved = r.align;
        r.align = align;
        long s = allocate(r, spaces, size);
        r.align = saved;
        if (s < 0) {
            h.logFailure(AllocSupport.name(r.f) + ": " + r.label() + " " + r.sizeRange(size) + ": can't assign; no space");
            h.logFailure(AllocSupport.name(r.f) + ": " + r.label() + " " + r.sizeRange(size) + ": failed to assign");
            return false;
        }
        r.start = s;
        r.assigned = size;
        h.logAssigned(AllocSupport.name(r.f) + ": " + r.label() + " " + r.range(r.start, r.end()) + ": assigned");
        if (!r.window()) {
            AllocSupport.programBar(r);
        }
        return true;
    }

    /**
     * setup-res.c pci_reassign_resource: the resource grows by its add size at its add_align; kernel/resource.c
     * reallocate_resource looks for the lowest fit with its own old range counted as free, else it keeps the
     * old one ("failed to expand by").
     */
    @Follows({"drivers/pci/setup-res.c pci_reassign_resource", "kernel/resource.c reallocate_resource"})
    private void expand(Res r, List<Space> spaces) {
        long oldStart = r.start;
        long oldEnd = r.end();
        Space oldParent = r.parent;
        release(r);
        long saved = r.align;
        r.align = r.addAlign;
        long s = allocate(r, spaces, r.size + r.add);
        r.align = saved;
        if (s < 0) {
            oldParent.claim(oldStart, oldEnd);
            r.parent = oldParent;
            r.start = oldStart;
            r.assigned = oldEnd - oldStart + 1;
            h.logFailure(AllocSupport.name(r.f) + ": " + r.label() + " " + r.range(r.start, r.end()) + ": failed to expand by 0x"
                    + Long.toHexString(r.add));
            return;
        }
        r.start = s;
        r.assigned = r.size + r.add;
        h.logAssigned(AllocSupport.name(r.f) + ": " + r.label() + " " + r.range(r.start, r.end()) + ": reassigned; expanded by 0x"
                + Long.toHexString(r.add));
        if (!r.window()) {
            AllocSupport.programBar(r);
        }
    }

    /** kernel/resource.c release_resource. */
    @Follows({"kernel/resource.c release_resource"})
    static void release(Res r) {
        r.parent.release(r.start);
        r.parent = null;
        r.start = -1;
        r.assigned = 0;
    }

    /** setup-bus.c reset_resource: no place, no flags (a bridge window stays closed). */
    @Follows({"drivers/pci/setup-bus.c reset_resource"})
    static void reset(Res r) {
        r.flags = 0;
        r.start = -1;
        r.parent = null;
    }

    @Helper("identity search in a list")
    private static int indexOf(List<Res> list, Res r) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == r) {
                return i;
            }
        }
        return -1;
    }

    @Follows({"drivers/pci/setup-bus.c remove_from_list"})
    private static void remove(List<Res> list, Res r) {
        int i = indexOf(list, r);
        if (i >= 0) {
            list.remove(i);
        }
    }

    // ------------------------------------------------------------ setup-res.c __pci_assign_resource

    /** __pci_assign_resource's three passes over the bus windows, 64-bit resources above 4 GiB first. */
    @Follows({"drivers/pci/setup-res.c __pci_assign_resource"})
    static long allocate(Res r, List<Space> spaces, long size) {
        long min = r.io() ? Apertures.LINUX_PCIBIOS_MIN_IO : 0;
        long s = fromRegions(r, spaces, size, min, F_PREF | F_MEM64);
        if (s >= 0) {
            return s;
        }
        if ((r.flags & (F_PREF | F_MEM64)) == (F_PREF | F_MEM64)) {
            s = fromRegions(r, spaces, size, min, F_PREF);
            if (s >= 0) {
                return s;
            }
        }
        if ((r.flags & (F_PREF | F_MEM64)) != 0) {
            s = fromRegions(r, spaces, size, min, 0);
        }
        return s;
    }

    /** drivers/pci/bus.c pci_bus_alloc_resource: 64-bit resources try the region above 4 GiB first. */
    @Follows({"drivers/pci/bus.c pci_bus_alloc_resource"})
    private static long fromRegions(Res r, List<Space> spaces, long size, long min, int typeMask) {
        if ((r.flags & F_MEM64) != 0) {
            long s = fromRegion(r, spaces, size, min, typeMask, 0x1_0000_0000L, Long.MAX_VALUE);
            return s >= 0 ? s : fromRegion(r, spaces, size, min, typeMask, 0, Long.MAX_VALUE);
        }
        return fromRegion(r, spaces, size, min, typeMask, 0, 0xFFFF_FFFFL);
    }

    /** drivers/pci/bus.c pci_bus_alloc_from_region: the first bus window of a matching type with room (allocate_resource, first fit). */
    @Follows(value = {"drivers/pci/bus.c pci_bus_alloc_from_region", "kernel/resource.c allocate_resource"},
            note = "PCIBIOS_MIN_IO 0x1000 and PCIBIOS_MIN_MEM 0 (arch/arm64/include/asm/pci.h); pcibios_align_resource is the __weak identity")
    private static long fromRegion(Res r, List<Space> spaces, long size, long min, int typeMask, long regionLo, long regionHi) {
        int mask = typeMask | F_IO | F_MEM;
        for (Space sp : spaces) {
            if (((r.flags ^ sp.flags) & mask) != 0) {
                continue;
            }
            if ((sp.flags & F_PREF) != 0 && (r.flags & F_PREF) == 0) {
                continue;
            }
            long lo = Math.max(sp.start, regionLo);
            long hi = Math.min(sp.end, regionHi);
            if (lo > hi) {
                continue;
            }
            long minUsed = lo != 0 ? lo : min;
            if (size > hi - minUsed + 1) {
                continue;
            }
            long s = sp.allocate(size, r.align, minUsed, hi);
            if (s >= 0) {
                r.parent = sp;
                return s;
            }
        }
        return -1;
    }
}
