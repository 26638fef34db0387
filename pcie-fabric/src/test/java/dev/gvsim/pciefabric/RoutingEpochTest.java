package dev.gvsim.pciefabric;

import static dev.gvsim.pciefabric.TestDevices.bdf;
import static dev.gvsim.pciefabric.TestDevices.cfgRead;
import static dev.gvsim.pciefabric.TestDevices.cfgWrite;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.Access;

/**
 * The routing epoch that guards the decode cache belongs to one PCI hierarchy: configuration
 * writes, resets and restores in one machine never invalidate another machine's cached decode (two
 * machines in one JVM, as a parameter sweep or a test suite runs them).
 */
class RoutingEpochTest {
    static PciHost machineWithQxl(TestDevices.QxlLike q) {
        PciHost h = TestDevices.host();
        h.add(q, "pcie.0", 1, 0);
        LinuxAllocator.assign(h, new Apertures());
        return h;
    }

    @Test
    void configWritesAndResetsInOneHostLeaveTheOtherHostsEpochAlone() {
        TestDevices.QxlLike qa = new TestDevices.QxlLike();
        TestDevices.QxlLike qb = new TestDevices.QxlLike();
        PciHost a = machineWithQxl(qa);
        PciHost b = machineWithQxl(qb);
        int dev = bdf(0, 1, 0);
        long bar0 = cfgRead(b, dev, PciFunction.BAR0, 4) & ~0xFL;
        Access read = new Access().read(bar0 + 0x10, 4);
        b.memAccess(read); // fills b's decode cache
        assertThat(qb.lastOffset).isEqualTo(0x10);

        long epochA = a.routingEpoch();
        long epochB = b.routingEpoch();
        cfgWrite(a, dev, PciFunction.COMMAND, 2, 0);
        cfgWrite(a, dev, PciFunction.BAR0, 4, 0x2000_0000L);
        qa.reset(PciFunction.ResetKind.FLR);
        a.coldReset();
        assertThat(a.routingEpoch()).as("a's own changes").isGreaterThanOrEqualTo(epochA + 4);
        assertThat(b.routingEpoch()).as("b untouched by a").isEqualTo(epochB);

        // b still decodes through its cache to the same BAR and offset
        Access again = new Access().read(bar0 + 0x20, 4);
        b.memAccess(again);
        assertThat(again.ok()).isTrue();
        assertThat(qb.lastOffset).isEqualTo(0x20);
        assertThat(qa.lastOffset).as("a's device saw nothing").isEqualTo(-1);
    }

    @Test
    void aConfigWriteInAHostInvalidatesItsOwnCachedDecode() {
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        PciHost h = machineWithQxl(q);
        int dev = bdf(0, 1, 0);
        long bar2 = cfgRead(h, dev, PciFunction.BAR0 + 8, 4) & ~0xFL;
        Access read = new Access().read(bar2, 4);
        h.memAccess(read);
        assertThat(q.lastBar.index).isEqualTo(2);
        long before = h.routingEpoch();
        cfgWrite(h, dev, PciFunction.COMMAND, 2, PciFunction.CMD_IO); // memory decode off
        assertThat(h.routingEpoch()).isGreaterThan(before);
        int seen = q.accesses;
        Access after = new Access().read(bar2, 4);
        h.memAccess(after);
        assertThat(q.accesses).as("the cached decode is not used once memory decode is off").isEqualTo(seen);
        assertThat(after.data).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void aFunctionNotYetPlacedChangesNoHostsEpoch() {
        PciHost h = TestDevices.host();
        long before = h.routingEpoch();
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        q.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        q.reset(PciFunction.ResetKind.COLD);
        assertThat(h.routingEpoch()).isEqualTo(before);
        h.add(q, "pcie.0", 1, 0);
        long placed = h.routingEpoch();
        q.configWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY);
        assertThat(h.routingEpoch()).as("once placed, its writes bump the host's epoch").isEqualTo(placed + 1);
    }
}
