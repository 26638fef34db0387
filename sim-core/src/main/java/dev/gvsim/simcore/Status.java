package dev.gvsim.simcore;

/**
 * How an {@link Access} ended. The first group are synchronous faults the issuing CPU takes
 * (they stop that CPU's stream unless the replay continues past faults); the others are
 * completions the bus defines (a master abort reads all ones and drops writes).
 */
public enum Status {
    /** Completed normally. */
    OK(false),
    /** Alignment fault (DFSC 0b100001). */
    ALIGNMENT_FAULT(true),
    /** Translation fault at some level (DFSC 0b0001LL). */
    TRANSLATION_FAULT(true),
    /** Access flag fault (DFSC 0b0010LL). */
    ACCESS_FLAG_FAULT(true),
    /** Permission fault (DFSC 0b0011LL). */
    PERMISSION_FAULT(true),
    /** Address size fault (DFSC 0b0000LL): output address beyond the configured PA size. */
    ADDRESS_SIZE_FAULT(true),
    /** Synchronous external abort (DFSC 0b010000): the bus or device answered with an error. */
    EXTERNAL_ABORT(true),
    /** A PCIe Unsupported Request completion (the function rejected the request). */
    UNSUPPORTED_REQUEST(false),
    /** Nobody claimed the address: reads return all ones, writes are dropped. */
    MASTER_ABORT(false),
    /** The device reported an error of its own (guest error recorded by the device). */
    DEVICE_ERROR(false),
    /** Outside the physical address space of a memory (e.g. beyond 48 bits). */
    ADDRESS_ERROR(false);

    private final boolean cpuFault;

    Status(boolean cpuFault) {
        this.cpuFault = cpuFault;
    }

    /** True for the statuses the CPU takes as a synchronous data abort. */
    public boolean isCpuFault() {
        return cpuFault;
    }
}
