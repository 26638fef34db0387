package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;
import dev.gvsim.simcore.Params;

class DeviceOptionsTest {
    @Test
    void parsesTheReferenceRunOptions() {
        DeviceOptions o = DeviceOptions.parse("-M virt -cpu cortex-a57 -m 1024 -nographic -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=0 "
                + "-device qxl,id=gpu0,bus=rp1,addr=0x0.0");
        assertThat(o.machine()).isEqualTo("virt");
        assertThat(o.devices()).hasSize(2);
        DeviceSpec rp = o.devices().get(0);
        assertThat(rp.driver()).isEqualTo("pcie-root-port");
        assertThat(rp.props().keySet()).containsExactly("id", "bus", "chassis", "slot");
        assertThat(rp.id()).isEqualTo("rp1");
        assertThat(rp.bus()).isEqualTo("pcie.0");
        assertThat(rp.slot()).isEqualTo(-1);
        DeviceSpec q = o.devices().get(1);
        assertThat(q.bus()).isEqualTo("rp1");
        assertThat(q.slot()).isZero();
        DeviceSpec f = DeviceOptions.parse("-machine virt,highmem=on -device qxl,addr=1f.7,debug").devices().get(0);
        assertThat(f.slot()).isEqualTo(0x1F);
        assertThat(f.fn()).isEqualTo(7);
        assertThat(f.props().get("debug")).isEqualTo("on");
        assertThat(DeviceOptions.parse("-device qxl,id=a,,b").devices().get(0).id()).isEqualTo("a,b");
    }

    @Test
    void errorsNameTheBadTokenAndWhatWasExpected() {
        assertThatThrownBy(() -> DeviceOptions.parse("-M virt -device")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-device").hasMessageContaining("requires an argument");
        assertThatThrownBy(() -> DeviceOptions.parse("-frobnicate")).hasMessageContaining("'-frobnicate'").hasMessageContaining("-device");
        assertThatThrownBy(() -> DeviceOptions.parse("-device qxl,addr=0x20")).hasMessageContaining("qxl.addr").hasMessageContaining("0x20");
        assertThatThrownBy(() -> DeviceOptions.parse("-device qxl,addr=zz")).hasMessageContaining("'zz'").hasMessageContaining("SLOT[.FN]");
        assertThatThrownBy(() -> DeviceOptions.parse("-device qxl,addr=1.8")).hasMessageContaining("function 0..7");
        assertThatThrownBy(() -> DeviceOptions.parse("-device id=x")).hasMessageContaining("driver");
        assertThatThrownBy(() -> DeviceOptions.parse("-device qxl,=5")).hasMessageContaining("has no name");
        assertThatThrownBy(() -> DeviceOptions.parse("-device qxl,id=a,")).hasMessageContaining("empty parameter");
        assertThatThrownBy(() -> DeviceOptions.parse("-device qxl,id=a,id=b")).hasMessageContaining("'id' given twice");
        assertThatThrownBy(() -> DeviceOptions.parse("-device 'qxl")).hasMessageContaining("unterminated quote");
    }

    @Test
    void fabricDevicesCheckTheirPropertiesLikeQemu() {
        Params p = new Params();
        DeviceSpec rp = DeviceOptions.parse("-device pcie-root-port,id=rp1,chassis=2,slot=3").devices().get(0);
        assertThat(FabricDevices.isFabricDevice("pcie-root-port")).isTrue();
        assertThat(FabricDevices.isFabricDevice("qxl")).isFalse();
        PciFunction f = FabricDevices.standalone(rp);
        assertThat(f).isInstanceOf(RootPort.class);
        assertThat(f.id()).isEqualTo("rp1");
        assertThat(((RootPort) f).slot()).isEqualTo(3);
        assertThat(f.configRead(0x54 + PciFunction.EXP_SLTCAP, 4) >>> 19).isEqualTo(3); // physical slot number
        assertThatThrownBy(() -> FabricDevices.standalone(DeviceOptions.parse("-device pcie-root-port,foo=1").devices().get(0)))
                .hasMessage("Property 'pcie-root-port.foo' not found");
        assertThatThrownBy(() -> FabricDevices.standalone(DeviceOptions.parse("-device pcie-root-port,chassis=x").devices().get(0)))
                .hasMessageContaining("'chassis'").hasMessageContaining("integer");
        assertThatThrownBy(() -> FabricDevices.standalone(DeviceOptions.parse("-device pci-bridge,id=b").devices().get(0)))
                .hasMessageContaining("Bridge chassis not specified");
        PciFunction br = FabricDevices.standalone(DeviceOptions.parse("-device pci-bridge,id=b,chassis_nr=1").devices().get(0));
        assertThat(br.configRead(0, 4)).isEqualTo(0x0001_1B36L);
        assertThat(br.configRead(0x06, 2)).isEqualTo(0x00B0); // 66 MHz | fast back-to-back | capability list
        PciFunction pb = FabricDevices.standalone(DeviceOptions.parse("-device pcie-pci-bridge,id=pb").devices().get(0));
        assertThat(pb.configRead(0, 4)).isEqualTo(0x000E_1B36L);
        assertThat(pb.isExpress()).isTrue();
        assertThatThrownBy(() -> FabricDevices.standalone(DeviceOptions.parse("-device qxl").devices().get(0)))
                .hasMessageContaining("not a fabric device");
    }

    @Test
    void buildsAMachineFromOptions() {
        DeviceOptions o = DeviceOptions.parse("-M virt -device pcie-root-port,id=rp1,chassis=1 -device pcie-pci-bridge,id=pb,bus=rp1 "
                + "-device pci-bridge,id=b2,bus=pb,chassis_nr=2,addr=3");
        PciHost h = TestDevices.host();
        for (DeviceSpec s : o.devices()) {
            h.add(FabricDevices.standalone(s), s.bus() == null ? "pcie.0" : s.bus(), s.slot(), s.fn());
        }
        h.add(new TestDevices.QxlLike(), "b2", 5, 0);
        LinuxAllocator.assign(h, new Apertures());
        assertThat(h.byId("b2").bdf()).isEqualTo(TestDevices.bdf(2, 3, 0));
        PciFunction q = h.functions().get(h.functions().size() - 1);
        assertThat(q.bdf()).isEqualTo(TestDevices.bdf(3, 5, 0));
        assertThat(q.barAddress(0)).isNotZero();
        assertThat(h.allocationFailures()).isEmpty();
        // The BAR is reachable through three bridges.
        dev.gvsim.simcore.Access a = new dev.gvsim.simcore.Access().read(q.barAddress(2) + 8, 4);
        h.memAccess(a);
        assertThat(a.status).isEqualTo(dev.gvsim.simcore.Status.OK);
        assertThat(((TestDevices.QxlLike) q).lastOffset).isEqualTo(8);
        dev.gvsim.simcore.Access io = new dev.gvsim.simcore.Access().read(0, 1);
        h.ioAccess(io, q.barAddress(3) + 1);
        assertThat(io.status).isEqualTo(dev.gvsim.simcore.Status.OK);
    }
}
