package dev.gvsim.pciefabric;

/**
 * Read access to the fabric's per-function counters (what {@link PciHost#report()} lists under
 * {@code functions}) for observers that sample them during a run, such as the replay's timeline:
 * no allocation, no map built. Kept out of {@link PciHost} to keep that class small.
 */
public final class FunctionCounters {
    /** Which counter: configuration reads, configuration writes, memory accesses, I/O accesses. */
    public static final int CONFIG_READS = 0;
    public static final int CONFIG_WRITES = 1;
    public static final int MEM = 2;
    public static final int IO = 3;

    private FunctionCounters() {
    }

    /** Counter {@code which} of function {@code f} placed in {@code host}; 0 for a function not placed there. */
    public static long get(PciHost host, PciFunction f, int which) {
        long[] c = host.perFunction.get(f);
        return c == null ? 0 : c[which];
    }

    /** Changes whenever a function is placed in or removed from {@code host} (SR-IOV VFs): a reader of {@link PciHost#functions()} re-reads it then. */
    public static int version(PciHost host) {
        return host.functionsVersion;
    }
}
