package dev.gvsim.pciefabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The standard hot-plug controller of the conventional bridges against the values the vgpu_pcibr and
 * qxl_pcibr_pcibr recordings read from QEMU 7.2, and its commands per QEMU hw/pci/shpc.c.
 */
class ShpcTest {
    @Test
    void resetValuesAsQemuReturnedThem() {
        Shpc s = new Shpc();
        PciBus sec = new PciBus("b", null, false);
        sec.devfn[1 << 3] = new UnmodelledFunction("x", 0xFFFF, 0xFFFF); // a device at PCI slot 1 = SHPC slot 0
        s.reset(sec);
        assertThat(s.read(Shpc.BASE_OFFSET, 4)).isZero();
        assertThat(s.read(Shpc.SLOTS_33, 4)).isEqualTo(0x1F);
        assertThat(s.read(Shpc.NSLOTS, 4)).isEqualTo(0xE001011FL); // 31 slots, first device 1, physical slot 1 | up | MRL | button
        assertThat(s.read(0x10, 4)).isEqualTo(0x1000000L); // secondary bus 33 MHz, programming interface 1.0
        assertThat(s.read(Shpc.SERR_INT, 4)).isEqualTo(0xF);
        assertThat(s.read(Shpc.slotReg(0), 4)).isEqualTo(0x7F000006L); // enabled, power indicator on, a card, events masked
        assertThat(s.read(Shpc.slotReg(1), 4)).isEqualTo(0x7F000D0FL); // disabled, indicator off, MRL open, empty
        assertThat(s.read(Shpc.SIZE, 4)).as("beyond the register set").isZero();
    }

    @Test
    void masksCommandsAndTheInterruptLocator() {
        Shpc s = new Shpc();
        s.reset(new PciBus("b", null, false));
        // the SERR/INT disable byte of a slot is writable (0x7f), its status word is not
        s.write(Shpc.slotReg(2), 4, 0x60000000L);
        assertThat(s.read(Shpc.slotReg(2), 4)).isEqualTo(0x60000D0FL);
        // a slot command: slot 3 (logical) power indicator blink (code 0x08), target 3: command detected, no invalid status
        s.write(Shpc.CMD_CODE, 2, 0x0308);
        assertThat(s.read(Shpc.slotReg(2), 2) & Shpc.SLOT_PWR_LED_MASK).isEqualTo(2 << 2);
        assertThat(s.read(Shpc.CMD_STATUS, 2)).isZero();
        assertThat(s.read(Shpc.SERR_INT, 4) & Shpc.CMD_DETECTED).isNotZero();
        // with command interrupts enabled (and the global INT_DIS cleared) the locator shows the command and the interrupt is asserted
        s.write(Shpc.SERR_INT, 4, Shpc.SERR_DIS | Shpc.ARB_SERR_DIS);
        assertThat(s.read(Shpc.INT_LOCATOR, 4)).isEqualTo(Shpc.INT_COMMAND);
        assertThat(s.interruptPending()).isTrue();
        // command detected is write-1-to-clear
        s.write(Shpc.SERR_INT, 4, Shpc.CMD_DETECTED | Shpc.SERR_DIS | Shpc.ARB_SERR_DIS);
        assertThat(s.read(Shpc.SERR_INT, 4) & Shpc.CMD_DETECTED).isZero();
        assertThat(s.interruptPending()).isFalse();
        // target 0 is invalid; an unknown code too; a bus speed other than 33 MHz is an invalid mode
        s.write(Shpc.CMD_CODE, 2, 0x0001);
        assertThat(s.read(Shpc.CMD_STATUS, 2)).isEqualTo(Shpc.CMD_STATUS_INVALID_CMD);
        s.write(Shpc.CMD_CODE, 1, 0x41);
        assertThat(s.read(Shpc.CMD_STATUS, 2)).isEqualTo(Shpc.CMD_STATUS_INVALID_MODE);
        s.write(Shpc.CMD_CODE, 1, 0x77);
        assertThat(s.read(Shpc.CMD_STATUS, 2)).isEqualTo(Shpc.CMD_STATUS_INVALID_CMD);
        // writes outside the set are ignored, never thrown
        s.write(-4, 4, 0xFFFF_FFFFL);
        s.write(Shpc.SIZE + 8, 4, 0xFFFF_FFFFL);
    }

    @Test
    void slotZeroIsReservedUnlessTheControllerIsOff() {
        PciHost host = new PciHost(new dev.gvsim.simcore.Params().declareAll(PciHost.PARAMS), new dev.gvsim.simcore.Stats(), new TestDevices.TestClock());
        host.add(FabricDevices.standalone(DeviceOptions.parse("-device pcie-pci-bridge,id=pb").devices().get(0)), null, -1, 0);
        PciFunction dev = FabricDevices.standalone(DeviceOptions.parse("-device unmodelled,of=e1000,id=nic").devices().get(0));
        assertThatThrownBy(() -> host.add(dev, "pb", 0, 0)).hasMessageContaining("Unsupported PCI slot 0 for standard hotplug controller");
        host.add(dev, "pb", 1, 0);
        host.add(FabricDevices.standalone(DeviceOptions.parse("-device pci-bridge,id=b2,chassis_nr=2,shpc=off").devices().get(0)), null, -1, 0);
        host.add(FabricDevices.standalone(DeviceOptions.parse("-device unmodelled,of=e1000,id=nic2").devices().get(0)), "b2", 0, 0);
        assertThat(dev.modelled()).isFalse();
        assertThatThrownBy(() -> FabricDevices.standalone(DeviceOptions.parse("-device unmodelled,id=x").devices().get(0)))
                .hasMessageContaining("of= is required");
    }
}
