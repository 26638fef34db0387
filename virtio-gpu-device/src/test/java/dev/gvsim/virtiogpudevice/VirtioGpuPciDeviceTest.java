package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.VirtioPciCommonConfig.*;
import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.EventKernel;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/** The virtio-gpu-pci function alone: config space against QEMU 7.2's answers, and the virtio-pci modern transport. */
class VirtioGpuPciDeviceTest {
    final Access a = new Access();
    final IrqLine irq = new IrqLine("gpu.intx");

    VirtioGpuPciDevice dev(boolean express, String featuresOk, Map<String, String> props) {
        Params p = new Params();
        p.declareAll(VirtioGpuPciDevice.PARAMS);
        p.set(VirtioGpuPciDevice.P_FEATURES_OK.name(), featuresOk);
        VirtioGpuPciDevice d = new VirtioGpuPciDevice(VirtioGpuConfig.fromProps(props), new EventKernel().scheduler("gpu"), irq, p);
        d.build(express);
        return d;
    }

    VirtioGpuPciDevice dev() {
        return dev(false, "qemu", Map.of());
    }

    long rd(VirtioGpuPciDevice d, int bar, long off, int size) {
        a.read(off, size);
        d.barAccess(d.bar(bar), off, a);
        return a.data;
    }

    void wr(VirtioGpuPciDevice d, int bar, long off, int size, long v) {
        a.write(off, size, v);
        d.barAccess(d.bar(bar), off, a);
    }

    long common(VirtioGpuPciDevice d, int off, int size) {
        return rd(d, 4, off, size);
    }

    void common(VirtioGpuPciDevice d, int off, int size, long v) {
        wr(d, 4, off, size, v);
    }

    /** pci_cfg_read answers of 00:01.0 in the vgpu_root QEMU log (virtio-gpu-pci on pcie.0). */
    @ParameterizedTest(name = "@{0}")
    @CsvSource({"0x00,4,0x10501af4", "0x06,2,0x10", "0x08,4,0x3800001", "0x0e,1,0x0", "0x2c,2,0x1af4", "0x2e,2,0x1100", "0x34,1,0x98",
        "0x3d,1,0x1", "0x40,2,0x9", "0x43,1,0x1", "0x44,1,0x4", "0x48,4,0x0", "0x4c,4,0x1000", "0x50,2,0x4009", "0x53,1,0x3", "0x58,4,0x1000",
        "0x5c,4,0x1000", "0x60,2,0x5009", "0x63,1,0x4", "0x68,4,0x2000", "0x6c,4,0x1000", "0x70,2,0x6009", "0x73,1,0x2", "0x78,4,0x3000",
        "0x7c,4,0x1000", "0x80,4,0x4", "0x84,2,0x7009", "0x87,1,0x5", "0x88,1,0x0", "0x98,2,0x8411", "0x9a,2,0x2", "0x9c,4,0x1",
        "0x10,4,0x0", "0x20,4,0xc", "0x30,4,0x0"})
    void configSpaceOnTheRootBusIsQemus(String off, int size, String value) {
        assertThat(dev().configRead(Integer.decode(off), size)).isEqualTo(Long.decode(value));
    }

    /** pci_cfg_read answers of 01:00.0 in the uefi_vgpurp1_qxlrp2 QEMU log (virtio-gpu-pci behind a pcie-root-port). */
    @ParameterizedTest(name = "@{0}")
    @CsvSource({"0x2c,4,0x11001af4", "0x34,1,0xdc", "0x40,2,0x10", "0x42,2,0x2", "0x44,4,0x10008000", "0x48,4,0x0", "0x4c,4,0x411",
        "0x52,2,0x11", "0x64,4,0x300000", "0x6c,4,0x0", "0x7c,2,0x4001", "0x7e,2,0x3", "0x80,4,0x0", "0x84,4,0x1107c09", "0x88,4,0x4",
        "0x8c,4,0x0", "0x90,4,0x1000", "0x94,4,0x3108409", "0x98,4,0x4", "0x9c,4,0x1000", "0xa4,4,0x4109409", "0xac,4,0x2000",
        "0xb4,4,0x214a409", "0xbc,4,0x3000", "0xc4,4,0x4", "0xc8,4,0x514b409", "0xcc,4,0x0", "0xdc,2,0xc811", "0xde,2,0x2", "0x100,4,0x0",
        "0x3d,1,0x1"})
    void configSpaceBehindARootPortIsQemus(String off, int size, String value) {
        assertThat(dev(true, "qemu", Map.of()).configRead(Integer.decode(off), size)).isEqualTo(Long.decode(value));
    }

    /** Placed by the fabric: the PCIe and PM capabilities only on a PCIe bus below a port, as virtio_pci_realize decides. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"root bus, 0x98", "pcie-root-port, 0xdc", "pci-bridge, 0x98", "pcie-pci-bridge, 0x98"})
    void theCapabilityChainFollowsTheBusItIsPlacedOn(String bus, String capPtr) {
        Params p = new Params();
        p.declareAll(dev.gvsim.pciefabric.PciHost.PARAMS);
        p.declareAll(VirtioGpuPciDevice.PARAMS);
        dev.gvsim.pciefabric.PciHost h = new dev.gvsim.pciefabric.PciHost(p, new dev.gvsim.simcore.Stats(), new EventKernel());
        dev.gvsim.pciefabric.PciFunction br = switch (bus) {
            case "pcie-root-port" -> new dev.gvsim.pciefabric.RootPort(1, 0);
            case "pci-bridge" -> new dev.gvsim.pciefabric.PciBridge(1);
            case "pcie-pci-bridge" -> new dev.gvsim.pciefabric.PciePciBridge();
            default -> null;
        };
        if (br != null) {
            br.setId("b1");
            h.add(br, "pcie.0", -1, 0);
        }
        VirtioGpuPciDevice d = new VirtioGpuPciDevice(VirtioGpuConfig.defaults(), new EventKernel().scheduler("gpu"), irq, p);
        h.add(d, br == null ? "pcie.0" : "b1", br == null ? -1 : (bus.equals("pcie-root-port") ? 0 : 1), 0);
        assertThat(d.configRead(0x34, 1)).isEqualTo(Long.decode(capPtr));
        assertThat(d.isExpress()).isEqualTo(bus.equals("pcie-root-port"));
        assertThat(d.undeclaredConfigBytes()).isEmpty();
    }

    @Test
    void barsSizeAsQemusDo() {
        VirtioGpuPciDevice d = dev();
        d.configWrite(0x14, 4, 0xFFFF_FFFFL);
        assertThat(d.configRead(0x14, 4)).isEqualTo(0xFFFF_F000L); // BAR1 4 KiB MSI-X
        d.configWrite(0x20, 4, 0xFFFF_FFFFL);
        assertThat(d.configRead(0x20, 4)).isEqualTo(0xFFFF_C00CL); // BAR4 16 KiB 64-bit prefetchable
        d.configWrite(0x24, 4, 0xFFFF_FFFFL);
        assertThat(d.configRead(0x24, 4)).isEqualTo(0xFFFF_FFFFL);
        d.configWrite(0x18, 4, 0xFFFF_FFFFL);
        assertThat(d.configRead(0x18, 4)).isZero();
        assertThat(d.undeclaredConfigBytes()).isEmpty();
    }

    @Test
    void linuxProbeSequenceOfTheVgpuRootRun() {
        VirtioGpuPciDevice d = dev();
        common(d, COMMON_STATUS, 1, 1);
        common(d, COMMON_STATUS, 1, 3);
        common(d, COMMON_DFSELECT, 4, 0);
        assertThat(common(d, COMMON_DF, 4)).isEqualTo(0x3000_0002L);
        common(d, COMMON_DFSELECT, 4, 1);
        assertThat(common(d, COMMON_DF, 4)).isEqualTo(0x101L);
        common(d, COMMON_GFSELECT, 4, 0);
        common(d, COMMON_GF, 4, 0x3000_0002L);
        common(d, COMMON_GFSELECT, 4, 1);
        common(d, COMMON_GF, 4, 0x101);
        common(d, COMMON_STATUS, 1, 0xb);
        assertThat(common(d, COMMON_STATUS, 1)).isEqualTo(0xb);
        common(d, COMMON_Q_SELECT, 2, 0);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(0x40);
        common(d, COMMON_Q_DESCLO, 4, 0x4328_4000L);
        common(d, COMMON_Q_DESCHI, 4, 0);
        common(d, COMMON_Q_AVAILLO, 4, 0x4328_4400L);
        common(d, COMMON_Q_USEDLO, 4, 0x4328_44C0L);
        common(d, COMMON_Q_MSIX, 2, 1);
        assertThat(common(d, COMMON_Q_MSIX, 2)).isEqualTo(1);
        assertThat(common(d, COMMON_Q_NOFF, 2)).isZero();
        common(d, COMMON_Q_ENABLE, 2, 1);
        common(d, COMMON_Q_SELECT, 2, 1);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(0x10);
        assertThat(common(d, COMMON_Q_NOFF, 2)).isEqualTo(1);
        assertThat(common(d, COMMON_Q_ENABLE, 2)).isZero();
        common(d, COMMON_Q_SELECT, 2, 0);
        assertThat(common(d, COMMON_Q_ENABLE, 2)).isEqualTo(1);
        assertThat(common(d, COMMON_Q_DESCLO, 4)).isEqualTo(0x4328_4000L);
        assertThat(common(d, COMMON_Q_USEDLO, 4)).isEqualTo(0x4328_44C0L);
        assertThat(common(d, COMMON_NUMQ, 2)).isEqualTo(2);
        assertThat(rd(d, 4, 0x2008, 4)).isEqualTo(1); // num_scanouts
        assertThat(rd(d, 4, 0x200C, 4)).isZero(); // num_capsets
        common(d, COMMON_STATUS, 1, 0xf);
        wr(d, 4, 0x3000, 2, 0);
        wr(d, 4, 0x3004, 2, 1);
        wr(d, 4, 0x3000, 2, 0);
        assertThat(d.notifies).containsExactly(2, 1);
        assertThat(d.common.negotiated).isEqualTo(0x1_3000_0002L | 1L << 40);
        assertThat(d.report()).containsEntry("status", "0x0f").containsEntry("negotiated_features", "0x10130000002");
    }

    @Test
    void writingStatusZeroResetsTheDevice() {
        VirtioGpuPciDevice d = dev();
        assertThat(d.report()).doesNotContainKey("unimplemented_writes");
        negotiate(d, 0x3000_0002L, 0x101);
        common(d, COMMON_MSIX, 2, 0);
        common(d, COMMON_Q_SELECT, 2, 1);
        common(d, COMMON_Q_DESCLO, 4, 0x1000);
        common(d, COMMON_Q_ENABLE, 2, 1);
        common(d, COMMON_STATUS, 1, 0);
        assertThat(common(d, COMMON_STATUS, 1)).isZero();
        assertThat(common(d, COMMON_Q_SELECT, 2)).isZero();
        assertThat(common(d, COMMON_MSIX, 2)).isEqualTo(NO_VECTOR);
        common(d, COMMON_Q_SELECT, 2, 1);
        assertThat(common(d, COMMON_Q_ENABLE, 2)).isZero();
        assertThat(common(d, COMMON_Q_DESCLO, 4)).isZero();
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(16);
        assertThat(d.common.negotiated).isZero();
    }

    void negotiate(VirtioGpuPciDevice d, long lo, long hi) {
        common(d, COMMON_STATUS, 1, 3);
        common(d, COMMON_GFSELECT, 4, 0);
        common(d, COMMON_GF, 4, lo);
        common(d, COMMON_GFSELECT, 4, 1);
        common(d, COMMON_GF, 4, hi);
        common(d, COMMON_STATUS, 1, 0xb);
    }

    @Test
    void unofferedFeaturesAreDroppedAsQemuDoesAndRefusedInSpecMode() {
        VirtioGpuPciDevice q = dev();
        negotiate(q, 0x3000_000FL, 0x101); // VIRGL, RESOURCE_UUID and BLOB were not offered
        assertThat(common(q, COMMON_STATUS, 1)).isEqualTo(0xb);
        assertThat(q.common.negotiated).isEqualTo(0x1_3000_0002L | 1L << 40);
        assertThat(q.common.unofferedAccepted).isEqualTo(1);

        VirtioGpuPciDevice s = dev(false, "spec", Map.of());
        negotiate(s, 0x3000_000FL, 0x101);
        assertThat(common(s, COMMON_STATUS, 1) & S_FEATURES_OK).isZero();
        assertThat(s.common.featuresOkRefused).isEqualTo(1);

        VirtioGpuPciDevice ok = dev(false, "spec", Map.of());
        negotiate(ok, 0x2, 0x1); // a subset is accepted
        assertThat(common(ok, COMMON_STATUS, 1)).isEqualTo(0xb);
    }

    @Test
    void featuresCannotChangeOnceFeaturesOkIsSet() {
        VirtioGpuPciDevice d = dev();
        negotiate(d, 0x2, 0x1);
        common(d, COMMON_GFSELECT, 4, 0);
        common(d, COMMON_GF, 4, 0x3000_0000L);
        assertThat(d.common.negotiated).isEqualTo(1L << 32 | 0x2);
    }

    @Test
    void offeredFeaturesFollowTheOptions() {
        VirtioGpuPciDevice d = dev(false, "qemu", Map.of("edid", "off", "blob", "on", "max_outputs", "2"));
        common(d, COMMON_DFSELECT, 4, 0);
        assertThat(common(d, COMMON_DF, 4)).isEqualTo(0x3000_0008L);
        common(d, COMMON_DFSELECT, 4, 2);
        assertThat(common(d, COMMON_DF, 4)).isZero();
        assertThat(rd(d, 4, 0x2008, 4)).isEqualTo(2);
    }

    @Test
    void accessesNotAtARegisterStartReadZeroAndWriteNothing() {
        VirtioGpuPciDevice d = dev();
        assertThat(common(d, COMMON_Q_SIZE + 1, 1)).isZero();
        assertThat(common(d, COMMON_Q_SELECT, 4)).isZero(); // queue_select alone, not queue_size above it
        common(d, COMMON_STATUS, 1, 1);
        assertThat(common(d, COMMON_STATUS, 4)).isEqualTo(1);
        common(d, COMMON_Q_SELECT, 4, 0x0040_0001L); // the whole value >= VIRTIO_QUEUE_MAX: ignored
        assertThat(common(d, COMMON_Q_SELECT, 2)).isZero();
        common(d, 0x3E, 2, 5);
        assertThat(common(d, 0x800, 4)).isZero();
    }

    @Test
    void queueRegistersOfAQueueTheDeviceDoesNotHave() {
        VirtioGpuPciDevice d = dev();
        common(d, COMMON_Q_SELECT, 2, 5);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isZero();
        assertThat(common(d, COMMON_Q_NOFF, 2)).isEqualTo(5);
        assertThat(common(d, COMMON_Q_MSIX, 2)).isEqualTo(NO_VECTOR);
        common(d, COMMON_Q_DESCLO, 4, 0x1234);
        assertThat(common(d, COMMON_Q_DESCLO, 4)).isZero();
        common(d, COMMON_Q_SELECT, 2, 1024);
        assertThat(common(d, COMMON_Q_SELECT, 2)).isEqualTo(5);
    }

    @Test
    void queueResetDisablesTheQueueAndKeepsTheAddressesAsQemuDoes() {
        VirtioGpuPciDevice d = dev();
        negotiate(d, 0x2, 0x101);
        common(d, COMMON_Q_SELECT, 2, 1);
        common(d, COMMON_Q_SIZE, 2, 8);
        common(d, COMMON_Q_DESCLO, 4, 0x4328_2000L);
        common(d, COMMON_Q_MSIX, 2, 2);
        common(d, COMMON_Q_ENABLE, 2, 1);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(8);
        common(d, COMMON_Q_RESET, 2, 1);
        assertThat(common(d, COMMON_Q_RESET, 2)).isZero(); // done at once
        assertThat(common(d, COMMON_Q_ENABLE, 2)).isZero();
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(16);
        assertThat(common(d, COMMON_Q_MSIX, 2)).isEqualTo(NO_VECTOR);
        assertThat(common(d, COMMON_Q_DESCLO, 4)).isEqualTo(0x4328_2000L);
        assertThat(d.common.queueResets).isEqualTo(1);
    }

    @Test
    void vectorsTheFunctionDoesNotHaveReadBackNoVector() {
        VirtioGpuPciDevice d = dev();
        common(d, COMMON_MSIX, 2, 3);
        assertThat(common(d, COMMON_MSIX, 2)).isEqualTo(NO_VECTOR);
        common(d, COMMON_MSIX, 2, 2);
        assertThat(common(d, COMMON_MSIX, 2)).isEqualTo(2);
        common(d, COMMON_Q_MSIX, 2, 7);
        assertThat(common(d, COMMON_Q_MSIX, 2)).isEqualTo(NO_VECTOR);
    }

    @Test
    void queueSizeWrittenAppliesAtEnableWithinQemusBounds() {
        VirtioGpuPciDevice d = dev();
        common(d, COMMON_Q_SIZE, 2, 32);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(64); // vring.num until the queue is enabled
        common(d, COMMON_Q_ENABLE, 2, 1);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(32);
        common(d, COMMON_Q_SELECT, 2, 1);
        common(d, COMMON_Q_SIZE, 2, 2048);
        common(d, COMMON_Q_ENABLE, 2, 1);
        assertThat(common(d, COMMON_Q_SIZE, 2)).isEqualTo(16); // > VIRTQUEUE_MAX_SIZE: ignored
    }

    @Test
    void aWrongQueueEnableIsADeviceErrorWithNeedsResetIsrAndGeneration() {
        VirtioGpuPciDevice d = dev();
        negotiate(d, 0x2, 0x1);
        common(d, COMMON_STATUS, 1, 0xf);
        common(d, COMMON_Q_ENABLE, 2, 2);
        assertThat(common(d, COMMON_STATUS, 1)).isEqualTo(0x4f);
        assertThat(common(d, COMMON_CFGGENERATION, 1)).isEqualTo(1);
        assertThat(rd(d, 4, 0x1000, 1)).isEqualTo(2); // ISR: configuration change
        assertThat(rd(d, 4, 0x1000, 1)).isZero(); // read to clear
        common(d, COMMON_STATUS, 1, 0);
        assertThat(common(d, COMMON_STATUS, 1)).isZero();
    }

    @Test
    void beforeVersion1NoNeedsResetAndBeforeDriverOkNoNotification() {
        VirtioGpuPciDevice d = dev();
        d.deviceError();
        assertThat(common(d, COMMON_STATUS, 1)).isZero();
        negotiate(d, 0x2, 0x1);
        d.deviceError();
        assertThat(common(d, COMMON_STATUS, 1)).isEqualTo(0x4b);
        assertThat(rd(d, 4, 0x1000, 1)).isZero();
        assertThat(common(d, COMMON_CFGGENERATION, 1)).isZero();
    }

    @Test
    void deviceConfigEventsClearIsWriteOneToClearAndBeyondReadsAllOnes() {
        VirtioGpuPciDevice d = dev();
        d.displayEvent();
        assertThat(rd(d, 4, 0x2000, 4)).isEqualTo(1);
        wr(d, 4, 0x2000, 4, 0); // events_read is read-only
        wr(d, 4, 0x2008, 4, 9); // num_scanouts too
        assertThat(rd(d, 4, 0x2000, 4)).isEqualTo(1);
        assertThat(rd(d, 4, 0x2008, 4)).isEqualTo(1);
        wr(d, 4, 0x2004, 4, 1);
        assertThat(rd(d, 4, 0x2000, 4)).isZero();
        assertThat(rd(d, 4, 0x2004, 4)).isZero();
        assertThat(rd(d, 4, 0x2010, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(rd(d, 4, 0x200E, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(rd(d, 4, 0x2009, 1)).isZero();
    }

    @Test
    void notifyAddressesSelectTheQueueByTheMultiplier() {
        VirtioGpuPciDevice d = dev();
        wr(d, 4, 0x3000, 2, 0);
        wr(d, 4, 0x3004, 2, 1);
        wr(d, 4, 0x3008, 2, 2);
        assertThat(rd(d, 4, 0x3000, 2)).isZero();
        assertThat(d.notifies).containsExactly(1, 1);
        assertThat(d.notifiesOther).isEqualTo(1);
    }

    @Test
    void msixTableResetsMaskedAndPbaIsReadOnly() {
        VirtioGpuPciDevice d = dev();
        assertThat(rd(d, 1, 0x0C, 4)).isEqualTo(1);
        assertThat(rd(d, 1, 0x2C, 4)).isEqualTo(1);
        wr(d, 1, 0x10, 4, 0x0800_0000L);
        wr(d, 1, 0x1C, 4, 0xFFFF_FFFFL);
        assertThat(rd(d, 1, 0x10, 4)).isEqualTo(0x0800_0000L);
        assertThat(rd(d, 1, 0x1C, 4)).isEqualTo(1); // only the mask bit is writable
        wr(d, 1, 0x800, 4, 0xFF);
        assertThat(rd(d, 1, 0x800, 4)).isZero();
        assertThat(rd(d, 1, 0x400, 4)).isZero();
    }

    @Test
    void pciCfgCapabilityReachesTheModernBar() {
        VirtioGpuPciDevice d = dev();
        int cap = 0x84;
        d.configWrite(cap + 4, 1, 4);
        d.configWrite(cap + 8, 4, 0x2008); // num_scanouts
        d.configWrite(cap + 12, 4, 4);
        assertThat(d.configRead(cap + 16, 4)).isEqualTo(1);
        d.configWrite(cap + 8, 4, COMMON_STATUS);
        d.configWrite(cap + 12, 4, 1);
        d.configWrite(cap + 16, 4, 3);
        assertThat(common(d, COMMON_STATUS, 1)).isEqualTo(3);
        d.configWrite(cap + 8, 4, 0xFFFF_FFF0L);
        assertThat(d.configRead(cap + 16, 4)).isEqualTo(3); // out of the BAR: nothing accessed
    }

    @Test
    void unknownAndBadPropertiesAreRejectedAsQemuDoes() {
        assertThatThrownBy(() -> VirtioGpuConfig.fromProps(Map.of("vram_size", "1"))).hasMessage("Property 'virtio-gpu-pci.vram_size' not found");
        assertThatThrownBy(() -> VirtioGpuConfig.fromProps(Map.of("max_outputs", "17"))).hasMessageContaining("invalid max_outputs");
        assertThatThrownBy(() -> VirtioGpuConfig.fromProps(Map.of("edid", "maybe"))).hasMessageContaining("'edid'");
        assertThat(VirtioGpuConfig.defaults()).isEqualTo(new VirtioGpuConfig(1, 1280, 800, true, false, true, true, true, true, 256L << 20, 0, false, false));
    }

    @Test
    void checkpointRestoresEveryRegister() throws Exception {
        VirtioGpuPciDevice d = dev();
        negotiate(d, 0x3000_0002L, 0x101);
        common(d, COMMON_Q_SELECT, 2, 1);
        common(d, COMMON_Q_DESCLO, 4, 0x4328_2000L);
        common(d, COMMON_Q_MSIX, 2, 2);
        common(d, COMMON_Q_ENABLE, 2, 1);
        common(d, COMMON_STATUS, 1, 0xf);
        wr(d, 1, 0x0C, 4, 0);
        wr(d, 4, 0x3000, 2, 0);
        d.displayEvent();
        StateWriter w = new StateWriter("m");
        w.save(d);
        byte[] cp = w.toBytes();

        VirtioGpuPciDevice e = dev();
        StateReader r = new StateReader(cp);
        r.restore(e);
        assertThat(e.report()).isEqualTo(d.report());
        assertThat(common(e, COMMON_Q_SELECT, 2)).isEqualTo(1);
        assertThat(common(e, COMMON_Q_DESCLO, 4)).isEqualTo(0x4328_2000L);
        assertThat(common(e, COMMON_STATUS, 1)).isEqualTo(0xf);
        assertThat(rd(e, 1, 0x0C, 4)).isZero();
        assertThat(rd(e, 4, 0x1000, 1)).isEqualTo(2);
        assertThat(rd(e, 4, 0x2000, 4)).isEqualTo(1);
        common(e, COMMON_GFSELECT, 4, 1);
        assertThat(common(e, COMMON_GF, 4)).isEqualTo(0x101);

        VirtioGpuPciDevice f = dev();
        new StateReader(cp).restore(f);
        StateWriter w2 = new StateWriter("m");
        w2.save(f);
        assertThat(w2.toBytes()).as("save -> restore -> save").isEqualTo(cp);
    }

    @Test
    void registerAccessesAllocateNothing() {
        VirtioGpuPciDevice d = dev();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Runnable loop = () -> {
            for (int i = 0; i < 20_000; i++) {
                common(d, COMMON_Q_SELECT, 2, i & 1);
                common(d, COMMON_Q_DESCLO, 4, i);
                common(d, COMMON_Q_SIZE, 2);
                common(d, COMMON_STATUS, 1, 3);
                common(d, COMMON_GF, 4, 2);
                rd(d, 4, 0x1000, 1);
                rd(d, 4, 0x2008, 4);
                wr(d, 4, 0x3000, 2, 0);
                rd(d, 1, 0x0C, 4);
                d.configRead(0x84 + 16, 4);
            }
        };
        loop.run(); // warm up
        long before = mx.getCurrentThreadAllocatedBytes();
        loop.run();
        long after = mx.getCurrentThreadAllocatedBytes();
        assertThat(after - before).as("bytes allocated by 200,000 register accesses").isLessThan(4096);
    }
}
