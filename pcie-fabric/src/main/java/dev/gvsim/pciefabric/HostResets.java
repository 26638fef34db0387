package dev.gvsim.pciefabric;

import java.util.Map;

import dev.gvsim.simcore.Clock;
import dev.gvsim.simcore.Counter;

/**
 * Resets in a PCI hierarchy and their timing, judged on the machine's {@link Clock} with the
 * host's parameters ({@link PciHost#FLR_TIME}, {@link PciHost#D3HOT_D0_TIME},
 * {@link PciHost#SBR_LINKUP_TIME}, {@link PciHost#SBR_MIN_HOLD}, each with its source): a function
 * that resets itself (Function Level Reset, PCIe Base 4.0 §6.6.2; D3hot to D0 without
 * No_Soft_Reset, PCI PM 1.2 §5.4) answers configuration requests with CRS until it is ready; a
 * bridge's Secondary Bus Reset resets everything below it while asserted and, once released, leaves
 * it not ready for the recovery time (PCIe Base 4.0 §6.6.1); a pulse shorter than the minimum hold
 * is counted. Part of {@link PciHost}.
 */
final class HostResets {
    private final Clock clock;
    private final long flrTime;
    private final long d3Time;
    private final long sbrTime;
    private final long sbrMinHold;
    private final Counter shortPulses;
    /** When each bridge asserted its Secondary Bus Reset (only while asserted). */
    private final Map<PciBridgeBase, Long> sbrAssertedAt = new java.util.IdentityHashMap<>();

    private final boolean slotPower;
    private final long d3coldTime;

    HostResets(Clock clock, long flrTime, long d3Time, long sbrTime, long sbrMinHold, Counter shortPulses, boolean slotPower, long d3coldTime) {
        this.slotPower = slotPower;
        this.d3coldTime = d3coldTime;
        this.clock = clock;
        this.flrTime = flrTime;
        this.d3Time = d3Time;
        this.sbrTime = sbrTime;
        this.sbrMinHold = sbrMinHold;
        this.shortPulses = shortPulses;
    }

    /** A function reset itself (FLR or D3hot->D0): not ready until the reset's time has passed. */
    void selfReset(PciFunction f, PciFunction.ResetKind kind) {
        f.setReadyAtPs(clock.now() + (kind == PciFunction.ResetKind.FLR ? flrTime : d3Time));
    }

    /** A bridge's Secondary Bus Reset bit changed. */
    void secondaryReset(PciBridgeBase br, boolean asserted) {
        PciBus sec = br.secondaryBusObject();
        long now = clock.now();
        if (asserted) {
            sbrAssertedAt.put(br, now);
            resetBelow(sec, PciFunction.ResetKind.SECONDARY_BUS);
        } else {
            Long at = sbrAssertedAt.remove(br);
            if (at != null && now - at < sbrMinHold) {
                shortPulses.inc();
            }
            markNotReady(sec, now + sbrTime);
        }
    }

    /**
     * A root port's Slot Control Power Controller Control changed ({@link PciHost#SLOT_POWER}; off by
     * default): power off removes main power below the port (D3cold: a cold reset, and no answer to
     * configuration requests while off); power on leaves the functions not ready for
     * {@link PciHost#D3COLD_D0_TIME} (PCIe Base 4.0 §6.6.1).
     */
    void slotPower(RootPort port, boolean on) {
        PciBus sec = port.secondaryBusObject();
        if (!slotPower || sec == null) {
            return;
        }
        if (on) {
            markNotReady(sec, clock.now() + d3coldTime);
        } else {
            markNotReady(sec, Long.MAX_VALUE); // first: a function's reset sees that it has no power
            resetBelow(sec, PciFunction.ResetKind.COLD);
        }
    }

    /** Resets every function on {@code bus} and below it. */
    static void resetBelow(PciBus bus, PciFunction.ResetKind kind) {
        for (PciFunction f : bus.devfn) {
            if (f != null) {
                f.reset(kind);
                if (f instanceof PciBridgeBase b) {
                    resetBelow(b.secondaryBusObject(), kind);
                }
            }
        }
    }

    private static void markNotReady(PciBus bus, long until) {
        for (PciFunction f : bus.devfn) {
            if (f != null) {
                f.setReadyAtPs(until);
                if (f instanceof PciBridgeBase b) {
                    markNotReady(b.secondaryBusObject(), until);
                }
            }
        }
    }

    long shortPulses() {
        return shortPulses.get();
    }

    /** When {@code br} asserted the Secondary Bus Reset it still holds, or null. */
    Long assertedAt(PciBridgeBase br) {
        return sbrAssertedAt.get(br);
    }

    void clearAssertions() {
        sbrAssertedAt.clear();
    }

    void restoreAssertion(PciBridgeBase br, long at) {
        sbrAssertedAt.put(br, at);
    }
}
