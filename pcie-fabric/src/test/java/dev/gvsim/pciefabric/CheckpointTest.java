package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** Config spaces take part in checkpoints: save -> restore into a fresh tree -> save gives the same bytes. */
class CheckpointTest {
    static List<PciFunction> tree(PciHost h) {
        RootPort rp = AllocatorTest.rootPort("rp1", 1, 0);
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        q.setId("qxl0");
        h.add(rp, "pcie.0", -1, 0);
        h.add(q, "rp1", -1, 0);
        return List.of(rp, q);
    }

    static byte[] save(List<PciFunction> fs) {
        StateWriter w = new StateWriter("-M virt -device pcie-root-port,id=rp1 -device qxl,bus=rp1");
        fs.forEach(w::save);
        return w.toBytes();
    }

    @Test
    void assignedTreeRestoresIntoAnUnassignedOneAndRoutesTheSame() throws Exception {
        PciHost a = TestDevices.host();
        List<PciFunction> fa = tree(a);
        LinuxAllocator.assign(a, new Apertures());
        byte[] first = save(fa);

        PciHost b = TestDevices.host();
        List<PciFunction> fb = tree(b); // not assigned: windows closed, BARs 0
        StateReader r = new StateReader(first);
        for (PciFunction f : fb) {
            r.restore(f);
        }
        b.refreshBdfs();
        assertThat(fb.get(1).bdf()).isEqualTo(fa.get(1).bdf()).isEqualTo(0x100);
        assertThat(fb.get(1).barAddress(0)).isEqualTo(fa.get(1).barAddress(0)).isEqualTo(0x1000_0000L);
        assertThat(((RootPort) fb.get(0)).memBase()).isEqualTo(((RootPort) fa.get(0)).memBase());
        dev.gvsim.simcore.Access x = new dev.gvsim.simcore.Access().read(0x1000_0000L, 4);
        b.memAccess(x);
        assertThat(x.status).isEqualTo(dev.gvsim.simcore.Status.OK);
        assertThat(save(fb)).isEqualTo(first);
    }

    @Test
    void aDifferentDeviceUnderTheSameIdIsRefused() throws Exception {
        PciHost a = TestDevices.host();
        byte[] cp = save(tree(a));
        PciHost b = TestDevices.host();
        RootPort other = AllocatorTest.rootPort("qxl0", 1, 0); // a root port where the checkpoint has a qxl
        b.add(other, "pcie.0", -1, 0);
        StateReader r = new StateReader(cp);
        assertThatThrownBy(() -> r.restore(other)).isInstanceOf(InputException.class).hasMessageContaining("this machine has a pcie-root-port");
    }

    // ---------------------------------------------------------------- mid-reset (issue 11)

    /** rp1 with a qxl below it, and an FLR-capable express endpoint "ep" on the root bus, assigned like Linux does. */
    static PciHost resetTree(boolean assign) {
        PciHost h = TestDevices.host();
        RootPort rp = AllocatorTest.rootPort("rp1", 1, 0);
        TestDevices.QxlLike q = new TestDevices.QxlLike();
        q.setId("qxl0");
        TestDevices.ExpressDevice ep = new TestDevices.ExpressDevice(false);
        ep.setId("ep");
        h.add(rp, "pcie.0", 1, 0);
        h.add(q, "rp1", -1, 0);
        h.add(ep, "pcie.0", 2, 0);
        if (assign) {
            LinuxAllocator.assign(h, new Apertures());
        }
        return h;
    }

    static byte[] saveMachine(PciHost h) {
        StateWriter w = new StateWriter("-M virt -device pcie-root-port,id=rp1 -device qxl,bus=rp1 -device test-ep");
        h.functions().forEach(w::save);
        w.save(h);
        w.save(h.stats()); // the pcie.* counters live in the machine's Stats, which the machine saves
        return w.toBytes();
    }

    static final int RP = TestDevices.bdf(0, 1, 0);
    static final int EP = TestDevices.bdf(0, 2, 0);
    static final int QXL = TestDevices.bdf(1, 0, 0);

    /** What a guest sees from here on: SBR released early (a short pulse), reads during and after the reset windows. */
    static List<Object> continueRun(PciHost h) {
        List<Object> seen = new java.util.ArrayList<>();
        seen.add(TestDevices.cfgRead(h, QXL, 0x00, 4)); // bus held in reset: all ones
        TestDevices.setTime(h, dev.gvsim.simcore.SimTime.us(2500)); // 0.5 ms after assertion: shorter than the 1 ms minimum
        TestDevices.cfgWrite(h, RP, PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_SERR);
        TestDevices.setTime(h, dev.gvsim.simcore.SimTime.ms(50));
        seen.add(TestDevices.cfgRead(h, EP, 0x00, 4)); // FLR (100 ms from 1 ms) still running: CRS
        seen.add(TestDevices.cfgRead(h, QXL, 0x00, 4)); // SBR recovery (100 ms from 2.5 ms): CRS
        TestDevices.setTime(h, dev.gvsim.simcore.SimTime.us(101_500));
        seen.add(TestDevices.cfgRead(h, EP, 0x00, 4)); // FLR done
        seen.add(TestDevices.cfgRead(h, QXL, 0x00, 4)); // not yet (102.5 ms)
        TestDevices.setTime(h, dev.gvsim.simcore.SimTime.ms(103));
        seen.add(TestDevices.cfgRead(h, QXL, 0x00, 4));
        dev.gvsim.simcore.Access a = new dev.gvsim.simcore.Access().read(0x3000_0000L, 4);
        h.memAccess(a); // unclaimed: master abort, appended to the recent list
        seen.add(h.report());
        return seen;
    }

    @Test
    void aBridgeInSecondaryBusResetAndAFunctionMidFlrContinueTheSameAfterRestore() throws Exception {
        PciHost a = resetTree(true);
        TestDevices.ExpressDevice epA = (TestDevices.ExpressDevice) a.byId("ep");
        RootPort rpA = (RootPort) a.byId("rp1");
        dev.gvsim.simcore.Access x = new dev.gvsim.simcore.Access().read(0x2F00_0000L, 4);
        a.memAccess(x); // a master abort before the checkpoint: counter and recent list
        a.memAccess(new dev.gvsim.simcore.Access().read(0x1000_0000L, 4)); // fills the decode cache
        rpA.barAccess(rpA.bar(0), 0, new dev.gvsim.simcore.Access().write(0, 4, 0xFEE0_0000L)); // MSI-X table entry 0
        TestDevices.setTime(a, dev.gvsim.simcore.SimTime.ms(1));
        TestDevices.cfgWrite(a, EP, epA.expressCapability() + PciFunction.EXP_DEVCTL, 2, PciFunction.DEVCTL_BCR_FLR);
        TestDevices.setTime(a, dev.gvsim.simcore.SimTime.ms(2));
        TestDevices.cfgWrite(a, RP, PciBridgeBase.BRIDGE_CONTROL, 2, PciBridgeBase.BRIDGE_CTL_SERR | PciBridgeBase.BRIDGE_CTL_BUS_RESET);
        assertThat(rpA.busInReset()).isTrue();
        assertThat(epA.readyAtPs()).isEqualTo(dev.gvsim.simcore.SimTime.ms(101));
        byte[] cp = saveMachine(a);

        PciHost b = resetTree(false);
        TestDevices.setTime(b, dev.gvsim.simcore.SimTime.ms(77)); // fresh-machine state the checkpoint must override
        StateReader r = new StateReader(cp);
        for (PciFunction f : b.functions()) {
            r.restore(f);
        }
        r.restore(b);
        r.restore(b.stats());
        b.refreshBdfs();
        assertThat(b.time()).as("the host keeps no time of its own: it reads the machine's clock").isEqualTo(dev.gvsim.simcore.SimTime.ms(77));
        TestDevices.setTime(b, dev.gvsim.simcore.SimTime.ms(2)); // what the machine's event kernel restores
        RootPort rpB = (RootPort) b.byId("rp1");
        assertThat(rpB.busInReset()).as("SBR asserted survives").isTrue();
        assertThat(b.byId("ep").readyAtPs()).as("FLR readiness time survives").isEqualTo(dev.gvsim.simcore.SimTime.ms(101));
        dev.gvsim.simcore.Access m = new dev.gvsim.simcore.Access().read(0, 4);
        rpB.barAccess(rpB.bar(0), 0, m);
        assertThat(m.data).as("root port MSI-X table").isEqualTo(0xFEE0_0000L);
        assertThat(b.report()).isEqualTo(a.report());
        assertThat(saveMachine(b)).isEqualTo(cp);

        List<Object> ra = continueRun(a);
        List<Object> rb = continueRun(b);
        assertThat(rb).isEqualTo(ra);
        assertThat(ra.subList(0, 6)).containsExactly(0xFFFF_FFFFL, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 0x5678_1234L, 0xFFFF_FFFFL, 0x0100_1B36L);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> rep = (java.util.Map<String, Object>) ra.get(6);
        assertThat(rep.get("sbr_short_pulses")).as("the assertion time came through the checkpoint").isEqualTo(1L);
        assertThat(rep.get("master_aborts_mem")).isEqualTo(2L);
        assertThat(rep.get("unclaimed_recent")).isEqualTo(List.of("mem master-abort 0x2f000000", "mem master-abort 0x30000000"));
    }

    @Test
    void aHostCheckpointForADifferentTreeIsRefused() throws Exception {
        byte[] cp = saveMachine(resetTree(true));
        PciHost other = TestDevices.host();
        other.add(AllocatorTest.rootPort("rp1", 1, 0), "pcie.0", 1, 0);
        StateReader r = new StateReader(cp);
        assertThatThrownBy(() -> r.restore(other)).isInstanceOf(InputException.class).hasMessageContaining("functions");
    }
}
