package dev.gvsim.arm64mmu;

import static dev.gvsim.arm64mmu.Rig.BAR_PA;
import static dev.gvsim.arm64mmu.Rig.QXL_STORE_VA;
import static dev.gvsim.arm64mmu.Rig.QXL_VA_PAGE;
import static dev.gvsim.arm64mmu.Rig.RAM_BASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.Status;

class MmuTest {
    private final Access a = new Access();

    private static Access store(Access a, long va, int size) {
        return a.write(va, size, 0x1122334455667788L);
    }

    // ---- the acceptance case ------------------------------------------------------------------

    @Test
    void qxlStoreToIoremapFaultsWithEsr96000061() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x2000, MemoryType.DEVICE_NGNRE); // ioremap()
        r.mmu.translate(store(a, QXL_STORE_VA, 8)); // STUR X3, [X4, #0x9c] at 4 mod 8
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        assertThat(a.detail).isEqualTo(0x96000061L);
        assertThat(a.faultAddress).isEqualTo(QXL_STORE_VA);
        assertThat(a.faultStage).isEqualTo(1);
        assertThat(r.stats.get("mmu.faults.alignment")).isEqualTo(1);
        // a 4-byte store at the same address is aligned and goes through
        r.mmu.translate(store(a, QXL_STORE_VA, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(BAR_PA + 0x149c);
        assertThat(a.memType).isEqualTo(MemoryType.DEVICE_NGNRE.ordinal());
    }

    @Test
    void sameStoreThroughIoremapWcSucceeds() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x2000, MemoryType.NORMAL_NC); // ioremap_wc()
        r.mmu.translate(store(a, QXL_STORE_VA, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(BAR_PA + 0x149c);
        assertThat(a.s1Type).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        assertThat(a.s2Type).isEqualTo(-1);
    }

    @Test
    void unalignedOnEveryDeviceTypeFaultsAndLowerElChangesEc() {
        for (MemoryType t : MemoryType.values()) {
            Rig r = new Rig();
            r.mmu.map(0x40_0000L, BAR_PA, 0x1000, t); // a user (TTBR0) mapping
            r.mmu.translate(a.read(0x40_0002L, 4));
            a.flags = 0;
            if (t.isDevice()) {
                assertThat(a.status).as("%s", t).isEqualTo(Status.ALIGNMENT_FAULT);
                assertThat(a.detail).isEqualTo(0x96000021L); // read: WnR = 0
            } else {
                assertThat(a.status).as("%s", t).isEqualTo(Status.OK);
            }
            store(a, 0x40_0004L, 8).flags = Access.F_LOWER_EL;
            r.mmu.translate(a);
            if (t.isDevice()) {
                assertThat(a.detail).as("EL0 store, %s", t).isEqualTo(0x92000061L);
            } else {
                assertThat(a.status).isEqualTo(Status.OK);
            }
        }
    }

    @Test
    void stage1DeviceStillFaultsWithFwbForcingWriteBack() {
        Rig r = new Rig();
        r.mmu.setFwb(true);
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x2000, MemoryType.DEVICE_NGNRE);
        r.mmu.s2map(BAR_PA, BAR_PA, 0x2000, MemoryType.NORMAL_WB); // QXL BAR = QEMU RAM memslot, FWB forced WB
        r.mmu.translate(store(a, QXL_STORE_VA, 8));
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        assertThat(a.faultStage).isEqualTo(1);
        assertThat(a.detail).isEqualTo(0x96000061L);
        // aligned: the forced WB wins, no mismatch counted
        r.mmu.translate(store(a, QXL_STORE_VA - 4, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.s1Type).isEqualTo(MemoryType.DEVICE_NGNRE.ordinal());
        assertThat(a.s2Type).isEqualTo(MemoryType.NORMAL_WB.ordinal());
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_WB.ordinal());
        assertThat(r.stats.get("mmu.attr_mismatch")).isZero();
    }

    @Test
    void passthroughBarBeforeAndAfterLinux69() {
        // Before 6.9: KVM maps the VFIO BAR Device-nGnRE at stage 2; the guest's ioremap_wc is overridden
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, 0x8000_0000L, 0x2000, MemoryType.NORMAL_NC);
        r.mmu.s2map(0x8000_0000L, 0x40_0000_0000L, 0x2000, MemoryType.DEVICE_NGNRE);
        r.mmu.translate(store(a, QXL_STORE_VA, 8));
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        assertThat(a.faultAddress).as("FAR_EL2: the VA").isEqualTo(QXL_STORE_VA);
        assertThat(a.faultIpa).as("HPFAR_EL2: the IPA").isEqualTo(0x8000_149cL);
        assertThat(Esr.ec(a.detail)).isEqualTo(Esr.EC_DABT_LOW);
        r.mmu.translate(store(a, QXL_STORE_VA - 4, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.memType).isEqualTo(MemoryType.DEVICE_NGNRE.ordinal());
        assertThat(a.address).isEqualTo(0x40_0000_1498L);
        // 6.9 (VM_ALLOW_ANY_UNCACHED): Normal-NC at stage 2, the guest choice stands
        r.mmu.s2map(0x8000_0000L, 0x40_0000_0000L, 0x2000, MemoryType.NORMAL_NC);
        r.mmu.translate(store(a, QXL_STORE_VA, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_NC.ordinal());
    }

    @Test
    void attributeMismatchCountedWithoutFwbOnly() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x2000, MemoryType.NORMAL_NC);
        r.mmu.s2map(BAR_PA, BAR_PA, 0x2000, MemoryType.NORMAL_WB);
        r.mmu.translate(store(a, QXL_STORE_VA, 4));
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        assertThat(r.stats.get("mmu.attr_mismatch")).isEqualTo(1);
        r.mmu.setFwb(true); // KVM-style re-encoding: 0b0110 forces WB
        assertThat((r.mmu.s2Descriptor(BAR_PA) >>> Mmu.S2_MEMATTR_SHIFT) & 0xF).isEqualTo(Stage2Attr.MT_S2_FWB_NORMAL);
        r.mmu.translate(store(a, QXL_STORE_VA, 4));
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_WB.ordinal());
        assertThat(r.stats.get("mmu.attr_mismatch")).isEqualTo(1);
        assertThat(r.mmu.report()).containsEntry("mmu.attr_mismatch", 1L);
    }

    @Test
    void fwbAsStage1Encoding() {
        Rig r = new Rig();
        r.mmu.setFwb(true);
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.NORMAL_NC);
        r.mmu.s2mapRaw(BAR_PA, BAR_PA, 0x1000, (0b0111L << Mmu.S2_MEMATTR_SHIFT) | Mmu.S2AP_R | Mmu.S2AP_W | Mmu.AF);
        r.mmu.translate(a.read(QXL_VA_PAGE, 8));
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        assertThat(a.s2Type).isEqualTo(MemoryType.NORMAL_NC.ordinal());
    }

    // ---- real descriptors ---------------------------------------------------------------------

    @Test
    void builderWritesLinuxDescriptorsIntoGuestRam() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        // walk the tables by hand from TTBR1 through guest RAM
        long table = r.mmu.ttbr1();
        assertThat(table).isBetween(RAM_BASE + Rig.RAM_SIZE - (4L << 20), RAM_BASE + Rig.RAM_SIZE);
        long d = 0;
        for (int level = 0; level <= 3; level++) {
            int shift = 12 + 9 * (3 - level);
            long idx = (QXL_VA_PAGE >>> shift) & 511;
            d = r.ram.readLong(table - RAM_BASE + idx * 8);
            assertThat(d & 3).as("level %d descriptor type", level).isEqualTo(3L);
            table = d & 0x0000_FFFF_FFFF_F000L;
        }
        assertThat(d & 0x0000_FFFF_FFFF_F000L).isEqualTo(BAR_PA);
        assertThat((d >>> 2) & 7).as("AttrIndx = MT_DEVICE_nGnRE").isEqualTo(4L);
        assertThat(d & Mmu.AF).isNotZero();
        assertThat(d & Mmu.PXN).isNotZero();
        assertThat(d & Mmu.UXN).isNotZero();
        assertThat(d & Mmu.AP1_EL0).isZero();
        assertThat(d & Mmu.AP2_RO).isZero();
        assertThat(r.mmu.s1Descriptor(QXL_VA_PAGE)).isEqualTo(d);
        assertThat(r.mmu.s1TablePages()).isEqualTo(2 + 3); // two roots + L1, L2, L3
    }

    @Test
    void blocksAreUsedAndSplitOnPartialUnmap() {
        Rig r = new Rig();
        long va = 0xffff000080000000L;
        r.mmu.map(va, 0x2_0000_0000L, 2L << 20, MemoryType.NORMAL_WB);
        assertThat(r.mmu.s1Descriptor(va) & 3).as("2 MiB block").isEqualTo(1L);
        r.mmu.translate(a.read(va + 0x12345, 4));
        assertThat(a.address).isEqualTo(0x2_0001_2345L);
        r.mmu.unmap(va + 0x10000, 0x1000);
        r.mmu.translate(a.read(va + 0x10008, 4));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultLevel).isEqualTo(3);
        r.mmu.translate(a.read(va + 0x12345, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(0x2_0001_2345L);
        r.mmu.translate(a.read(va + 0xF008, 4));
        assertThat(a.address).isEqualTo(0x2_0000_F008L);
        assertThat(r.mmu.s1Descriptor(va + 0x12000) & 3).as("now a page").isEqualTo(3L);
    }

    // ---- translation, access flag, permission faults with their level -------------------------

    @Test
    void translationFaultsReportTheLevel() {
        Rig r = new Rig();
        r.mmu.translate(a.read(0xffff000000001000L, 8));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultLevel).isZero();
        assertThat(a.detail).isEqualTo(0x96000004L);
        assertThat(a.faultAddress).isEqualTo(0xffff000000001000L);

        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.translate(a.read(QXL_VA_PAGE + 0x1000, 8)); // same L3 table
        assertThat(a.faultLevel).isEqualTo(3);
        assertThat(a.detail).isEqualTo(0x96000007L);
        r.mmu.translate(a.read(QXL_VA_PAGE + (2L << 20), 8)); // same L2 table, empty entry
        assertThat(a.faultLevel).isEqualTo(2);
        r.mmu.translate(a.read(QXL_VA_PAGE + (1L << 30), 8)); // same L1 table
        assertThat(a.faultLevel).isEqualTo(1);
        r.mmu.translate(store(a, QXL_VA_PAGE + (1L << 30), 8));
        assertThat(a.detail).isEqualTo(0x96000045L); // WnR, level 1
        // a VA in neither TTBR0 nor TTBR1 range
        r.mmu.translate(a.read(0x0001_0000_0000_0000L, 8));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultLevel).isZero();
        assertThat(r.stats.get("mmu.faults.translation")).isEqualTo(6);
    }

    @Test
    void accessFlagFaultsAtPageAndBlockLevel() {
        Rig r = new Rig();
        long noAf = r.mmu.linuxS1Attrs(QXL_VA_PAGE, MemoryType.NORMAL_WB) & ~Mmu.AF;
        r.mmu.mapRaw(QXL_VA_PAGE, BAR_PA, 0x1000, noAf);
        r.mmu.translate(a.read(QXL_VA_PAGE, 8));
        assertThat(a.status).isEqualTo(Status.ACCESS_FLAG_FAULT);
        assertThat(a.faultLevel).isEqualTo(3);
        assertThat(Esr.fsc(a.detail)).isEqualTo(0b001011);
        long blockVa = 0xffff000040000000L;
        r.mmu.mapRaw(blockVa, 0x2_0000_0000L, 2L << 20, noAf);
        r.mmu.translate(a.read(blockVa + 8, 8));
        assertThat(a.status).isEqualTo(Status.ACCESS_FLAG_FAULT);
        assertThat(a.faultLevel).isEqualTo(2);
        assertThat(Esr.fsc(a.detail)).isEqualTo(0b001010);
    }

    @Test
    void permissionFaults() {
        Rig r = new Rig();
        long ro = r.mmu.linuxS1Attrs(QXL_VA_PAGE, MemoryType.NORMAL_WB) | Mmu.AP2_RO;
        r.mmu.mapRaw(QXL_VA_PAGE, BAR_PA, 0x1000, ro);
        r.mmu.translate(a.read(QXL_VA_PAGE, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        r.mmu.translate(store(a, QXL_VA_PAGE, 8));
        assertThat(a.status).isEqualTo(Status.PERMISSION_FAULT);
        assertThat(a.faultLevel).isEqualTo(3);
        assertThat(a.detail).isEqualTo(0x9600004FL);
        // EL0 may not touch a kernel mapping: EC 0x24
        r.mmu.translate(a.read(QXL_VA_PAGE, 8));
        a.flags = Access.F_LOWER_EL;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.PERMISSION_FAULT);
        assertThat(a.detail).isEqualTo(0x9200000FL);
        // execute from a data mapping (PXN): instruction abort
        a.reset();
        a.kind = Access.FETCH;
        a.va = QXL_VA_PAGE;
        a.size = 4;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.PERMISSION_FAULT);
        assertThat(a.detail).isEqualTo(0x8600000FL);
        // a user mapping is reachable from EL0
        r.mmu.map(0x40_0000L, BAR_PA, 0x1000, MemoryType.NORMAL_WB);
        r.mmu.translate(store(a, 0x40_0000L, 8));
        a.flags = Access.F_LOWER_EL;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
    }

    @Test
    void tableLevelApTableIsHonoured() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.NORMAL_WB);
        // set APTable[1] (read-only) in the level-2 table descriptor, as a kernel could
        long t = r.mmu.ttbr1();
        long entry = 0;
        for (int level = 0; level <= 2; level++) {
            int shift = 12 + 9 * (3 - level);
            entry = t + ((QXL_VA_PAGE >>> shift) & 511) * 8;
            t = r.ram.readLong(entry - RAM_BASE) & 0x0000_FFFF_FFFF_F000L;
        }
        r.ram.writeLong(entry - RAM_BASE, r.ram.readLong(entry - RAM_BASE) | Mmu.AP_TABLE_RO);
        r.mmu.invalidateAll();
        r.mmu.translate(store(a, QXL_VA_PAGE, 8));
        assertThat(a.status).isEqualTo(Status.PERMISSION_FAULT);
        assertThat(a.faultLevel).isEqualTo(3);
    }

    // ---- stage 2 ------------------------------------------------------------------------------

    @Test
    void stage2FaultsReportTheVaAndTheIpa() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, 0x9000_0000L, 0x2000, MemoryType.DEVICE_NGNRE);
        r.mmu.s2map(0x9000_0000L, 0x50_0000_0000L, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.translate(a.read(QXL_VA_PAGE + 0x1010, 4));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        assertThat(a.faultAddress).isEqualTo(QXL_VA_PAGE + 0x1010);
        assertThat(a.faultIpa).isEqualTo(0x9000_1010L);
        assertThat(a.faultLevel).isEqualTo(3);
        assertThat(a.detail).isEqualTo(0x92000007L);
        // S2 read-only: writes fault at stage 2
        r.mmu.s2mapRaw(0x9000_1000L, 0x50_0000_1000L, 0x1000, (1L << Mmu.S2_MEMATTR_SHIFT) | Mmu.S2AP_R | Mmu.AF);
        r.mmu.translate(a.read(QXL_VA_PAGE + 0x1010, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(0x50_0000_1010L);
        r.mmu.translate(store(a, QXL_VA_PAGE + 0x1010, 4));
        assertThat(a.status).isEqualTo(Status.PERMISSION_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        assertThat(a.faultAddress).isEqualTo(QXL_VA_PAGE + 0x1010);
        assertThat(a.faultIpa).isEqualTo(0x9000_1010L);
        assertThat(a.detail).isEqualTo(0x9200004FL);
        // S2 access flag
        r.mmu.s2mapRaw(0x9000_1000L, 0x50_0000_1000L, 0x1000, (1L << Mmu.S2_MEMATTR_SHIFT) | Mmu.S2AP_R);
        r.mmu.translate(a.read(QXL_VA_PAGE + 0x1010, 4));
        assertThat(a.status).isEqualTo(Status.ACCESS_FLAG_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        // s2unmap
        r.mmu.translate(a.read(QXL_VA_PAGE + 0x10, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        r.mmu.s2unmap(0x9000_0000L, 0x1000);
        r.mmu.translate(a.read(QXL_VA_PAGE + 0x10, 4));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        assertThat(r.stats.get("mmu.faults.stage2")).isEqualTo(4);
    }

    @Test
    void stage1WalkGoesThroughStage2AndSetsS1ptw() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.s2map(BAR_PA, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE); // guest RAM is identity-mapped too
        r.mmu.translate(a.read(QXL_VA_PAGE, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        long pool = 4L << 20;
        long tablesIpa = RAM_BASE + Rig.RAM_SIZE - pool;
        r.mmu.s2unmap(tablesIpa, pool); // the hypervisor takes the guest's page tables away
        r.mmu.translate(a.read(QXL_VA_PAGE, 4));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultStage).isEqualTo(2);
        assertThat(a.detail & Esr.S1PTW).isNotZero();
        assertThat(a.faultAddress).as("FAR_EL2: the VA whose walk faulted").isEqualTo(QXL_VA_PAGE);
        assertThat(a.faultIpa).as("HPFAR_EL2: the level-0 descriptor's IPA").isEqualTo(r.mmu.ttbr1() + ((QXL_VA_PAGE >>> 39) & 511) * 8);
    }

    // ---- TLB ----------------------------------------------------------------------------------

    @Test
    void tlbHitsAndIsInvalidatedOnUnmapAndRemap() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.translate(a.read(QXL_VA_PAGE, 4));
        r.mmu.translate(a.read(QXL_VA_PAGE + 8, 4));
        assertThat(r.stats.get("mmu.tlb.misses")).isEqualTo(1);
        assertThat(r.stats.get("mmu.tlb.hits")).isEqualTo(1);
        assertThat(r.stats.get("mmu.walks.descriptor_reads")).isEqualTo(4);
        r.mmu.map(QXL_VA_PAGE, BAR_PA + 0x5000, 0x1000, MemoryType.NORMAL_NC); // remap
        r.mmu.translate(store(a, QXL_VA_PAGE + 4, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(BAR_PA + 0x5004);
        assertThat(a.memType).isEqualTo(MemoryType.NORMAL_NC.ordinal());
        r.mmu.unmap(QXL_VA_PAGE, 0x1000);
        r.mmu.translate(a.read(QXL_VA_PAGE, 4));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(r.stats.get("mmu.tlb.hits")).isEqualTo(1);
    }

    @Test
    void faultsAreNotCached() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.translate(store(a, QXL_STORE_VA - 0x1000, 8));
        r.mmu.translate(store(a, QXL_STORE_VA - 0x1000, 8));
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        assertThat(r.stats.get("mmu.faults.alignment")).isEqualTo(2);
    }

    // ---- alignment and instruction class ------------------------------------------------------

    @Test
    void exclusivesAtomicsAndAcquireRelease() {
        Rig r = new Rig();
        r.mmu.map(0xffff000000400000L, 0x2_0000_0000L, 0x1000, MemoryType.NORMAL_WB);
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.NORMAL_NC);
        long wb = 0xffff000000400000L;
        r.mmu.translate(a.read(wb + 4, 8));
        assertThat(a.status).as("plain unaligned load on Normal").isEqualTo(Status.OK);
        for (int f : new int[] {Access.F_EXCL, Access.F_ACQ, Access.F_REL, Access.F_ATOMIC}) {
            a.read(wb + 4, 8).flags = f;
            r.mmu.translate(a);
            assertThat(a.status).as("flag %d", f).isEqualTo(Status.ALIGNMENT_FAULT);
        }
        // exclusive on Normal-NC (the qxl IRQ handler's xchg): allowed by default, counted
        a.read(QXL_VA_PAGE, 4).flags = Access.F_EXCL;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(r.stats.get("mmu.excl_atomic_uncached")).isEqualTo(1);
        a.read(wb, 8).flags = Access.F_ATOMIC;
        r.mmu.translate(a);
        assertThat(r.stats.get("mmu.excl_atomic_uncached")).isEqualTo(1);
    }

    @Test
    void lse2RelaxesAtomicsOnNormalWithin16Bytes() {
        Rig r = new Rig("mmu.feat_lse2=true");
        long wb = 0xffff000000400000L;
        r.mmu.map(wb, 0x2_0000_0000L, 0x1000, MemoryType.NORMAL_WB);
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        a.read(wb + 4, 8).flags = Access.F_ACQ;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
        a.read(wb + 12, 8).flags = Access.F_ACQ; // crosses the 16-byte granule
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        a.read(wb + 4, 8).flags = Access.F_EXCL; // exclusives still must be aligned
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        a.read(QXL_VA_PAGE + 4, 8).flags = Access.F_ATOMIC; // Device
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
    }

    @Test
    void exclusiveOnUncachedCanBeAnExternalAbort() {
        Rig r = new Rig("mmu.excl_uncached=external_abort");
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        a.read(QXL_VA_PAGE, 4).flags = Access.F_EXCL;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.EXTERNAL_ABORT);
        assertThat(Esr.fsc(a.detail)).isEqualTo(Esr.FSC_EXTABT);
        assertThat(r.stats.get("mmu.excl_atomic_uncached")).isEqualTo(1);
        assertThatThrownBy(() -> new Rig("mmu.excl_uncached=maybe")).hasMessageContaining("allowed, external_abort, unsupported_fault");
    }

    @Test
    void sctlrAFaultsEveryUnalignedAccess() {
        Rig r = new Rig("mmu.sctlr.a=true");
        r.mmu.map(0xffff000000400000L, 0x2_0000_0000L, 0x1000, MemoryType.NORMAL_WB);
        r.mmu.translate(a.read(0xffff000000400002L, 4));
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        // LDP of two 8-byte registers needs 8-byte alignment only
        a.read(0xffff000000400008L, 16).flags = Access.F_PAIR;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
    }

    @Test
    void onePairElementAtFourModEightOnDeviceFaultsLikeTheRomLdpOfTheRealTrace() {
        // real trace: rd va=ROM+0x84 size=8 flags=pair ("ldp x3, x4, [x1]"): one 8-byte element at 4 mod 8
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        a.read(QXL_VA_PAGE + 0x84, 8).flags = Access.F_PAIR;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        assertThat(a.detail).isEqualTo(0x96000021L);
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.NORMAL_NC);
        a.read(QXL_VA_PAGE + 0x84, 8).flags = Access.F_PAIR;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
    }

    @Test
    void dcZvaToDeviceFaults() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.DEVICE_NGNRE);
        r.mmu.map(QXL_VA_PAGE + 0x1000, BAR_PA + 0x1000, 0x1000, MemoryType.NORMAL_NC);
        store(a, QXL_VA_PAGE + 0x40, 64).flags = Access.F_ZVA;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
        assertThat(a.detail).isEqualTo(0x96000061L);
        store(a, QXL_VA_PAGE + 0x1040, 64).flags = Access.F_ZVA;
        r.mmu.translate(a);
        assertThat(a.status).isEqualTo(Status.OK);
    }

    @Test
    void mmuOffIsDeviceNgnrne() {
        Rig r = new Rig("mmu.sctlr.m=false");
        r.mmu.translate(a.read(0x4000_1000L, 4));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(a.address).isEqualTo(0x4000_1000L);
        assertThat(a.memType).isEqualTo(MemoryType.DEVICE_NGNRNE.ordinal());
        r.mmu.translate(a.read(0x4000_1002L, 4));
        assertThat(a.status).isEqualTo(Status.ALIGNMENT_FAULT);
    }

    @Test
    void pageCrossingUnalignedAccessTranslatesBothPages() {
        Rig r = new Rig();
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.NORMAL_NC);
        r.mmu.translate(store(a, QXL_VA_PAGE + 0xFFC, 8));
        assertThat(a.status).isEqualTo(Status.TRANSLATION_FAULT);
        assertThat(a.faultAddress).isEqualTo(QXL_VA_PAGE + 0x1000);
        r.mmu.map(QXL_VA_PAGE + 0x1000, BAR_PA + 0x1000, 0x1000, MemoryType.NORMAL_NC);
        r.mmu.translate(store(a, QXL_VA_PAGE + 0xFFC, 8));
        assertThat(a.status).isEqualTo(Status.OK);
        assertThat(r.stats.get("mmu.page_cross_discontiguous")).isZero();
    }

    @Test
    void reservedMairByteIsCountedAndTreatedAsStronglyOrdered() {
        Rig r = new Rig();
        r.mmu.setMair(Mair.withAttr(Mair.LINUX_PRESET, Mair.MT_NORMAL_NC, 0x01));
        r.mmu.map(QXL_VA_PAGE, BAR_PA, 0x1000, MemoryType.NORMAL_NC);
        r.mmu.translate(a.read(QXL_VA_PAGE, 4));
        assertThat(a.memType).isEqualTo(MemoryType.DEVICE_NGNRNE.ordinal());
        assertThat(r.stats.get("mmu.mair_reserved")).isEqualTo(1);
    }

    @Test
    void hostileSizesAndRangesAreRejectedCleanly() {
        Rig r = new Rig();
        r.mmu.translate(a.read(QXL_VA_PAGE, 3));
        assertThat(a.status).isEqualTo(Status.ADDRESS_ERROR);
        assertThatThrownBy(() -> r.mmu.map(0x0001_0000_0000_0000L, 0, 0x1000, MemoryType.NORMAL_WB)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TTBR0");
        assertThatThrownBy(() -> r.mmu.map(QXL_VA_PAGE, 0x1_0000_0000_0000L, 0x1000, MemoryType.NORMAL_WB))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.mmu.map(QXL_VA_PAGE + 1, 0, 0x1000, MemoryType.NORMAL_WB)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.mmu.s2map(1L << 41, 0, 0x1000, MemoryType.NORMAL_WB)).hasMessageContaining("IPA");
        Rig small = new Rig("mmu.s1_table_pool=16384");
        assertThatThrownBy(() -> {
            for (long i = 0; i < 64; i++) {
                small.mmu.map(0x40_0000L + (i << 30), 0, 0x1000, MemoryType.NORMAL_WB);
            }
        }).hasMessageContaining("table pool exhausted");
    }

    @Test
    void reportIsSortedAndComplete() {
        Rig r = new Rig();
        r.mmu.translate(a.read(QXL_VA_PAGE, 4));
        assertThat(new java.util.ArrayList<>(r.mmu.report().keySet())).isSorted().contains("mmu.tlb.hits", "mmu.tlb.misses", "mmu.faults.alignment",
                "mmu.faults.translation", "mmu.faults.permission", "mmu.faults.access_flag", "mmu.attr_mismatch", "mmu.excl_atomic_uncached");
        assertThat(r.mmu.report()).containsEntry("mmu.faults.translation", 1L);
    }
}
