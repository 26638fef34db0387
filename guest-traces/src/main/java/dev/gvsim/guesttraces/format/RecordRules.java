package dev.gvsim.guesttraces.format;

import dev.gvsim.simcore.Access;

/**
 * The value rules of docs/trace-format.md, shared by the text reader, the binary reader and both writers,
 * so that nothing a writer accepts is refused by a reader. Returns null when the record is valid,
 * else a message "expected ... but found ..." (the caller prefixes the line or byte offset). Only
 * the error path allocates.
 */
final class RecordRules {
    /** Highest {@code cpu=}: bounds per-CPU state in consumers. */
    static final int MAX_CPU = 4095;
    /** Stage-1/stage-2 mappings work on the smallest VMSAv8-64 translation granule, 4 KiB (ARM DDI 0487 D8.2). */
    static final long GRANULE = 0x1000;
    /** Largest memcpy/memset length: bounds the accesses one record expands into. */
    static final long MAX_STRING_LEN = 1L << 32;
    /** PCIe configuration space of one function, 4 KiB (PCIe Base Spec 7.2.2, ECAM). */
    static final int CFG_SPACE = 0x1000;
    /** PCI I/O space addresses are 32 bits (PCI Local Bus Spec 3.0, 3.2.2). */
    static final long MAX_PORT = 0xffff_ffffL;
    /** DC ZVA block: 4 << DCZID_EL0.BS bytes, BS ≤ 9 (ARM DDI 0487 D13.2.36). */
    static final long MAX_ZVA = 2048;

    private RecordRules() {
    }

    static String check(TraceRecord r, long lastT) {
        if (r.op == null) {
            return "expected an op but found none";
        }
        if (r.hasT) {
            if (r.t < 0) {
                return "expected t >= 0 but found t=" + Long.toUnsignedString(r.t);
            }
            if (r.t < lastT) {
                return "expected t >= " + lastT + " (time must not go backwards) but found t=" + r.t;
            }
        }
        if (r.cpu < 0 || r.cpu > MAX_CPU) {
            return "expected cpu 0.." + MAX_CPU + " but found cpu=" + r.cpu;
        }
        boolean access = isAccess(r.op);
        if (!access && (r.hasPc || r.sym != null)) {
            return "expected pc= and sym= only on access records but found them on " + r.op.word();
        }
        if (r.flags != 0 && r.op != Op.RD && r.op != Op.WR) {
            return "expected flags= only on rd/wr but found it on " + r.op.word();
        }
        if ((r.flags & ~TraceRecord.TRACE_FLAGS) != 0) {
            return "expected flags from excl, acq, rel, atomic, pair, zva but found bits 0x" + Integer.toHexString(r.flags);
        }
        if (r.hasExpect && r.op != Op.RD && r.op != Op.CFGRD && r.op != Op.IORD) {
            return "expected expect= only on rd/cfgrd/iord but found it on " + r.op.word();
        }
        if (r.hasVal && r.op != Op.WR && r.op != Op.MEMSET && r.op != Op.CFGWR && r.op != Op.IOWR) {
            return "expected val= only on wr/memset/cfgwr/iowr but found it on " + r.op.word();
        }
        if (r.implName() != null && r.op != Op.MEMCPY && r.op != Op.MEMSET) {
            return "expected impl= only on memcpy/memset but found it on " + r.op.word();
        }
        if (r.fwb != -1 && (r.op != Op.S2MAP || r.fwb != 0 && r.fwb != 1)) {
            return r.op == Op.S2MAP ? "expected fwb=0 or fwb=1 but found fwb=" + r.fwb
                    : "expected fwb= only on s2map but found it on " + r.op.word();
        }
        if (r.stage != 1 && (r.op != Op.UNMAP || r.stage != 2)) {
            return r.op == Op.UNMAP ? "expected stage=1 or stage=2 but found stage=" + r.stage
                    : "expected stage= only on unmap but found it on " + r.op.word();
        }
        if (r.metaCount() != 0 && r.op != Op.META) {
            return "expected meta pairs only on meta but found them on " + r.op.word();
        }
        switch (r.op) {
            case META:
                for (int i = 0; i < r.metaCount(); i++) {
                    String k = r.metaKey(i);
                    if (!BinaryFormat.keySafe(k) || k.equals("t") || k.equals("cpu") || k.startsWith("x-")) {
                        return "expected a meta key without spaces, '=', '\"', '#', other than t, cpu and x-* but found '" + k + "'";
                    }
                }
                return null;
            case MACHINE:
                return r.machineArgs == null ? "expected args= on machine but found none" : null;
            case MAP:
                return checkMapping("va", r.va, r.pa, r.size, r.attr);
            case S2MAP:
                return checkMapping("ipa", r.ipa, r.pa, r.size, r.attr);
            case UNMAP:
                return checkMapping(r.stage == 2 ? "ipa" : "va", r.stage == 2 ? r.ipa : r.va, 0, r.size, 0);
            case RD:
            case WR:
                return checkCpuAccess(r);
            case MEMCPY:
            case MEMSET: {
                if (Long.compareUnsigned(r.len, MAX_STRING_LEN) > 0) {
                    return "expected len <= 0x" + Long.toHexString(MAX_STRING_LEN) + " but found len=0x" + Long.toHexString(r.len);
                }
                if (wraps(r.dst, r.len) || r.op == Op.MEMCPY && wraps(r.src, r.len)) {
                    return "expected dst/src + len within the 64-bit address space but found a range that wraps";
                }
                if (r.op == Op.MEMSET) {
                    if (!r.hasVal) {
                        return "expected val= (fill byte) on memset but found none";
                    }
                    if (r.valHi != 0 || Long.compareUnsigned(r.val, 0xff) > 0) {
                        return "expected memset val 0..0xff (the fill byte) but found val=" + hex128(r.valHi, r.val);
                    }
                }
                return null;
            }
            case CFGRD:
            case CFGWR: {
                String s = checkSize(r, 4);
                if (s != null) {
                    return s;
                }
                if (r.bdf < 0 || r.bdf > 0xffff) {
                    return "expected bdf BB:DD.F but found 0x" + Integer.toHexString(r.bdf);
                }
                if (r.off < 0 || r.off + r.size > CFG_SPACE) {
                    return "expected off + size <= 0x1000 (4 KiB config space) but found off=0x" + Integer.toHexString(r.off)
                            + " size=" + r.size;
                }
                return r.op == Op.CFGWR && !r.hasVal ? "expected val= on cfgwr but found none" : checkValue(r);
            }
            case IORD:
            case IOWR: {
                String s = checkSize(r, 4);
                if (s != null) {
                    return s;
                }
                if (r.port < 0 || r.port > MAX_PORT) {
                    return "expected port 0..0xffffffff but found port=0x" + Long.toHexString(r.port);
                }
                return r.op == Op.IOWR && !r.hasVal ? "expected val= on iowr but found none" : checkValue(r);
            }
            case DELAY:
                return r.ps < 0 ? "expected ps >= 0 but found ps=" + Long.toUnsignedString(r.ps) : null;
            case MARK:
                return r.name == null ? "expected name= on mark but found none" : null;
            default:
                return "expected an op of version 1 but found " + r.op;
        }
    }

    /**
     * The part of {@link #check} that can differ between two rd/wr records of one binary template: the
     * template fixes op, size, flags, pc, sym and x- keys, which {@link #check} verified on the record
     * that introduced it, and the decoder itself bounds t (never backwards) and cpu.
     */
    static String checkTemplated(TraceRecord r) {
        return (r.flags & Access.F_ZVA) != 0 ? checkZvaRecord(r) : checkValue(r);
    }

    /** The rules of a DC ZVA store that depend on the record, not on its op, size or flags. */
    private static String checkZvaRecord(TraceRecord r) {
        if (r.hasVal) {
            return "expected no val= on a zva store (it writes zeros) but found val=" + hex128(r.valHi, r.val);
        }
        return wraps(r.va, r.size) ? "expected va + size within the address space but found a range that wraps" : null;
    }

    static boolean isAccess(Op op) {
        switch (op) {
            case RD: case WR: case MEMCPY: case MEMSET: case CFGRD: case CFGWR: case IORD: case IOWR:
                return true;
            default:
                return false;
        }
    }

    private static String checkMapping(String base, long addr, long pa, long size, int attr) {
        if (size == 0 || (size & (GRANULE - 1)) != 0) {
            return "expected size a non-zero multiple of 0x1000 (4 KiB granule) but found size=0x" + Long.toHexString(size);
        }
        if ((addr & (GRANULE - 1)) != 0 || (pa & (GRANULE - 1)) != 0) {
            return "expected " + base + " and pa aligned to 0x1000 (4 KiB granule) but found " + base + "=0x"
                    + Long.toHexString(addr) + " pa=0x" + Long.toHexString(pa);
        }
        if (wraps(addr, size) || wraps(pa, size)) {
            return "expected " + base + "/pa + size within the 64-bit address space but found a range that wraps";
        }
        if (attr < 0 || attr >= TraceRecord.ATTR_NAMES.length) {
            return "expected attr one of " + String.join(", ", TraceRecord.ATTR_NAMES) + " but found "
                    + (attr == -1 ? "none" : "index " + attr);
        }
        return null;
    }

    private static String checkCpuAccess(TraceRecord r) {
        if ((r.flags & Access.F_ZVA) != 0) {
            if (r.op != Op.WR) {
                return "expected flags=zva only on wr (DC ZVA writes zeros) but found it on rd";
            }
            if (r.size < 4 || r.size > MAX_ZVA || Long.bitCount(r.size) != 1) {
                return "expected zva size a power of two 4..2048 (DCZID_EL0 block) but found size=" + r.size;
            }
            return checkZvaRecord(r);
        }
        String s = checkSize(r, 16);
        if (s != null) {
            return s;
        }
        return checkValue(r);
    }

    private static String checkSize(TraceRecord r, int max) {
        long sz = r.size;
        if (sz != 1 && sz != 2 && sz != 4 && !(max >= 8 && sz == 8) && !(max >= 16 && sz == 16)) {
            return "expected size " + (max == 16 ? "1, 2, 4, 8 or 16" : "1, 2 or 4") + " for " + r.op.word() + " but found size="
                    + Long.toUnsignedString(sz);
        }
        return null;
    }

    /** expect/val must fit in size bytes. */
    private static String checkValue(TraceRecord r) {
        long lo;
        long hi;
        String key;
        if (r.hasExpect) {
            lo = r.expect;
            hi = r.expectHi;
            key = "expect";
        } else if (r.hasVal) {
            lo = r.val;
            hi = r.valHi;
            key = "val";
        } else {
            return null;
        }
        int bits = (int) r.size * 8;
        boolean fits = bits >= 128 || hi == 0 && (bits >= 64 || (lo >>> bits) == 0);
        if (!fits) {
            return "expected " + key + " to fit in " + r.size + " bytes but found " + key + "=" + hex128(hi, lo);
        }
        return null;
    }

    static boolean wraps(long base, long size) {
        return size != 0 && Long.compareUnsigned(base + size - 1, base) < 0;
    }

    static String hex128(long hi, long lo) {
        return hi == 0 ? "0x" + Long.toHexString(lo) : "0x" + Long.toHexString(hi) + String.format("%016x", lo);
    }
}
