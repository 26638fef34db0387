package dev.gvsim.qxldevice;

import java.util.List;

import dev.gvsim.pciefabric.DeviceContext;
import dev.gvsim.pciefabric.DeviceType;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.ParamDef;

/**
 * {@code -device qxl} and {@code -device qxl-vga} (QEMU hw/display/qxl.c, TYPE_PCI_QXL /
 * TYPE_PCI_QXL_VGA), registered with the machine through META-INF/services.
 */
public final class QxlDeviceType implements DeviceType {
    /** For {@link java.util.ServiceLoader}. */
    public QxlDeviceType() {
    }

    @Override
    public List<String> drivers() {
        return List.of(QxlDevice.QXL, QxlDevice.QXL_VGA);
    }

    @Override
    public List<ParamDef> params() {
        return QxlDevice.PARAMS;
    }

    @Override
    public String description() {
        return "QXL paravirtual display as QEMU 7.2 models it (hw/display/qxl.c; qxl-vga adds VGA and Bochs VBE)";
    }

    @Override
    public PciFunction create(DeviceContext ctx) {
        QxlConfig cfg = QxlConfig.fromProps(ctx.props());
        return new QxlDevice(ctx.driver(), cfg, ctx.scheduler(), ctx.irq(), ctx.params(), ctx.stats());
    }
}
