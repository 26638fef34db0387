package dev.gvsim.pciefabric;

import java.util.List;

import dev.gvsim.simcore.ParamDef;

/**
 * A kind of PCI function that {@code -device DRIVER,...} can build: registered once, in its own
 * module, as a {@link java.util.ServiceLoader} provider of this interface
 * ({@code META-INF/services/dev.gvsim.pciefabric.DeviceType}), and found by the machine builder
 * through {@link DeviceRegistry}. The machine knows devices only through this and the
 * {@link PciFunction} contract (report, memories, scanouts, checkpoint state, events through
 * {@link DeviceContext#scheduler()}); it never names a concrete device class.
 */
public interface DeviceType {
    /** The QEMU {@code -device} driver names this type builds (e.g. {@code qxl}, {@code qxl-vga}). */
    List<String> drivers();

    /**
     * Every model parameter the type's functions read, with default, unit and source; declared in
     * every machine (so {@code gvsim params} and {@code --set} know them whether or not the device is present).
     */
    List<ParamDef> params();

    /** One line for {@code gvsim devices}: what the type models and after which source. */
    String description();

    /**
     * Builds one function for {@code ctx.driver()}: checks the {@code -device} properties the way
     * QEMU does (an unknown or bad property is an {@link IllegalArgumentException} with a one-line
     * reason naming it) and returns the function, not yet placed on a bus. The machine names it
     * ({@link PciFunction#setId}) with {@code ctx.id()} afterwards.
     */
    PciFunction create(DeviceContext ctx);
}
