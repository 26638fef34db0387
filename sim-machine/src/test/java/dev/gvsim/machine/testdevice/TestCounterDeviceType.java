package dev.gvsim.machine.testdevice;

import java.util.List;
import java.util.Set;

import dev.gvsim.pciefabric.DeviceContext;
import dev.gvsim.pciefabric.DeviceType;
import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.simcore.ParamDef;

/** Registers {@link TestCounterDevice} (src/test/resources/META-INF/services): the only place it is named. */
public final class TestCounterDeviceType implements DeviceType {
    static final ParamDef DELAY = ParamDef.duration("test_counter.delay", "1us",
            "test fixture (issue 19): any value; the test asserts the completion lands this long after the doorbell",
            "time from a doorbell write to COUNT's update and the interrupt");
    private static final Set<String> PROPS = Set.of("id", "bus", "addr");

    public TestCounterDeviceType() {
    }

    @Override
    public List<String> drivers() {
        return List.of(TestCounterDevice.DRIVER);
    }

    @Override
    public List<ParamDef> params() {
        return List.of(DELAY);
    }

    @Override
    public String description() {
        return "a doorbell counter defined only in sim-machine's tests (device-contract acceptance test)";
    }

    @Override
    public PciFunction create(DeviceContext ctx) {
        for (String k : ctx.props().keySet()) {
            if (!PROPS.contains(k)) {
                throw new IllegalArgumentException("Property '" + ctx.driver() + "." + k + "' not found");
            }
        }
        return new TestCounterDevice(ctx.scheduler(), ctx.irq(), ctx.params().getDuration(DELAY));
    }
}
