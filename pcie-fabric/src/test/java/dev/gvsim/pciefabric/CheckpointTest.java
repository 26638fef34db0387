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
}
