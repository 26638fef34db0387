package dev.gvsim.simcore;

import org.agrona.MutableDirectBuffer;

/**
 * The one mutable transaction that travels from the trace record through the MMU, the bus and the
 * fabric to a device and back (the TLM-2.0 generic payload idea). Every stage may rewrite the
 * address it routes on, adds its latency, and may end the access with a {@link Status}.
 *
 * <p>Accesses are reused: callers {@link #reset()} one and fill it; nothing on the path allocates.
 * Data of up to 8 bytes travels in {@link #data}; 16-byte accesses use {@link #dataHi} for bytes
 * 8..15; bulk accesses carry a buffer slice.
 */
public final class Access {
    /** Kinds of access. */
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int FETCH = 2;

    /** Instruction-class flags (docs/trace-format.md {@code flags=}). */
    public static final int F_EXCL = 1;
    public static final int F_ACQ = 1 << 1;
    public static final int F_REL = 1 << 2;
    public static final int F_ATOMIC = 1 << 3;
    public static final int F_PAIR = 1 << 4;
    public static final int F_ZVA = 1 << 5;
    /** The store's value is unknown (a trace {@code wr} without {@code val}): content is left alone. */
    public static final int F_NO_DATA = 1 << 8;
    /** A memory barrier follows this access (used by write-gathering models). */
    public static final int F_BARRIER_AFTER = 1 << 9;
    /** Issued at a lower exception level (EL0 from EL1's view): changes EC. */
    public static final int F_LOWER_EL = 1 << 10;
    /**
     * Set by the PCI host when the access reached a region the VMM emulates: an I/O port, or a memory
     * BAR with register semantics that is not passed through (QEMU backs it with no RAM, so KVM has
     * no memslot for it). Under a host stage 2 such an access traps to the VMM: the vCPU waits until
     * it returns, so a store to it is not posted ({@code MemoryTiming.setTrapsEmulated}).
     */
    public static final int F_EMULATED = 1 << 11;

    public int kind;
    /** The address the issuer used (virtual address for CPU accesses). */
    public long va;
    /** The address the current stage routes on (IPA, PA, bus address). */
    public long address;
    /** Size in bytes: 1, 2, 4, 8 or 16 for CPU accesses; bulk length for bulk accesses. */
    public int size;
    /** Bytes 0..7, little-endian. */
    public long data;
    /** Bytes 8..15 for 16-byte accesses. */
    public long dataHi;
    /** Bulk data, or null. */
    public MutableDirectBuffer buffer;
    public int bufferOffset;
    public int flags;
    /** Issuing CPU or device. */
    public int initiator;
    /** Guest program counter, 0 if unknown. */
    public long pc;
    /** Guest symbol (an interned string owned by the trace), or null. */
    public String sym;

    /** Memory-type codes set by the MMU (see arm64-mmu's MemoryType ordinals); -1 = not translated. */
    public int s1Type = -1;
    public int s2Type = -1;
    public int memType = -1;

    /** Accumulated latency in ps. */
    public long latencyPs;
    public Status status = Status.OK;
    /** Status detail: the ESR value for CPU faults, a device-specific code otherwise. */
    public long detail;
    /** Faulting virtual address of a CPU abort (FAR_EL1, or FAR_EL2 for a stage-2 fault). */
    public long faultAddress;
    /**
     * The faulting IPA of a stage-2 fault (HPFAR_EL2.FIPA holds bits [51:12] of it): the output of
     * stage 1, or for a fault on a stage-1 table walk (S1PTW) the IPA of the table descriptor. 0 otherwise.
     */
    public long faultIpa;
    /** Translation level of a translation/access-flag/permission fault, stage 1 or 2. */
    public int faultLevel;
    public int faultStage;

    /** Clears everything for reuse: a read of nothing, untranslated, status OK. */
    public Access reset() {
        return cpu(READ, 0, 0, 0, 0, 0, null);
    }

    /**
     * A CPU load or store at virtual address {@code va}: the issuer's fields set and every other field
     * back to its default, each field written once (the replayer sets one up per trace access; {@link
     * #reset()} is this with zeros). Data is zero.
     */
    public Access cpu(int kind, long va, int size, int flags, int initiator, long pc, String sym) {
        nextCpu(kind, va, size, flags, initiator, pc, sym);
        buffer = null;
        bufferOffset = 0;
        status = Status.OK;
        detail = 0;
        faultAddress = 0;
        faultIpa = 0;
        faultLevel = 0;
        faultStage = 0;
        return this;
    }

    /**
     * {@link #cpu} for an access whose previous use {@link #endedClean()}: only a failure or a bulk
     * access sets {@code status}, {@code detail}, the fault fields and the buffer, so they still hold
     * their defaults and only the other fields are written (issue 9: eight stores fewer per replayed
     * access). The result is the one {@link #cpu} gives (AccessTest).
     */
    public Access nextCpu(int kind, long va, int size, int flags, int initiator, long pc, String sym) {
        this.kind = kind;
        this.va = va;
        this.address = va;
        this.size = size;
        data = 0;
        dataHi = 0;
        this.flags = flags;
        this.initiator = initiator;
        this.pc = pc;
        this.sym = sym;
        s1Type = -1;
        s2Type = -1;
        memType = -1;
        latencyPs = 0;
        return this;
    }

    /**
     * True when this access ended without failure and without a buffer, after a {@link #cpu} or
     * {@link #nextCpu}: its status, detail, fault fields and buffer are at their defaults, so {@link
     * #nextCpu} may refill it. (Every stage that sets those fields fails the access: {@link #fail},
     * {@link #masterAbort}, the MMU's and the CPU's fault reports.)
     */
    public boolean endedClean() {
        return status == Status.OK && buffer == null;
    }

    public Access read(long addr, int sz) {
        return cpu(READ, addr, sz, 0, 0, 0, null);
    }

    public Access write(long addr, int sz, long value) {
        cpu(WRITE, addr, sz, 0, 0, 0, null);
        data = value;
        return this;
    }

    /** 1, 2, 4 or 8 bytes: what one general-purpose register loads or stores. */
    public static boolean isRegisterSize(int size) {
        return ((size - 1) & ~7) == 0 && (size & (size - 1)) == 0;
    }

    public boolean isRead() {
        return kind != WRITE;
    }

    public boolean isWrite() {
        return kind == WRITE;
    }

    public boolean ok() {
        return status == Status.OK;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Ends the access with a status and detail. */
    public void fail(Status s, long d) {
        status = s;
        detail = d;
    }

    /** Value mask for this access's size (all ones for 8 and 16). */
    public long sizeMask() {
        return sizeMask(size);
    }

    /** The value bits of an access of {@code size} bytes (all 64 for 8 and 16). */
    public static long sizeMask(int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** Completes a read as a master abort: all ones, counted by the caller. */
    public void masterAbort() {
        status = Status.MASTER_ABORT;
        if (kind != WRITE) {
            data = sizeMask();
            dataHi = size > 8 ? -1L : 0;
        }
    }

    @Override
    public String toString() {
        return (kind == WRITE ? "wr" : kind == FETCH ? "fetch" : "rd") + " va=0x" + Long.toHexString(va) + " addr=0x"
                + Long.toHexString(address) + " size=" + size + " data=0x" + Long.toHexString(data) + " status=" + status;
    }
}
