package dev.gvsim.pciefabric;

/**
 * A counter of the events that may change where a memory request is routed in one PCI hierarchy:
 * every configuration write and every reset or restore of one of its functions (BARs, COMMAND,
 * bridge windows and Bridge Control, power state only change through those). The {@link PciHost}
 * owns one and hands it to each function it places ({@link PciFunction#useRoutingEpoch}); its
 * decode cache is valid while the epoch it was filled at is still current. One per host, so two
 * machines in one JVM (a parameter sweep, a test suite) never invalidate each other's caches.
 *
 * <p>A plain field: a machine is simulated by one thread.
 */
final class RoutingEpoch {
    private long value;

    /** The current epoch. */
    long get() {
        return value;
    }

    /** Something that decides routing may have changed. */
    void bump() {
        value++;
    }
}
