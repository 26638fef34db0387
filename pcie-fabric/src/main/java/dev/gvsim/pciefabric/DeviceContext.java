package dev.gvsim.pciefabric;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;
import dev.gvsim.simcore.IrqLine;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.Scheduler;
import dev.gvsim.simcore.Stats;

/**
 * What the machine hands a {@link DeviceType} to build one function: the {@code -device} spec, the
 * id the function will have, the machine's parameters and statistics, a scheduler scoped to that id,
 * the function's INTx line (created on first ask, owned and checkpointed by the machine), its
 * view of guest memory as a bus master ({@link Dma}), and the host display side its outputs feed
 * ({@link DisplayListener}; {@link DisplayListener#NONE} unless the machine models one).
 */
public final class DeviceContext {
    private final DeviceSpec spec;
    private final String id;
    private final Params params;
    private final Stats stats;
    private final Scheduler scheduler;
    private final Function<String, IrqLine> irqFactory;
    private final Dma dma;
    private final Function<String, DisplayListener> displays;
    private IrqLine irq;
    private DisplayListener display;

    /**
     * @param irqFactory makes (and registers with the machine) the INTx line of the device with the given id
     * @param dma guest memory as the device reaches it as a bus master
     */
    public DeviceContext(DeviceSpec spec, String id, Params params, Stats stats, Scheduler scheduler, Function<String, IrqLine> irqFactory,
            Dma dma) {
        this(spec, id, params, stats, scheduler, irqFactory, dma, devId -> DisplayListener.NONE);
    }

    /**
     * @param displays the machine's host display side for the device with the given id (asked once, on
     *        the device's first {@link #display()})
     */
    public DeviceContext(DeviceSpec spec, String id, Params params, Stats stats, Scheduler scheduler, Function<String, IrqLine> irqFactory,
            Dma dma, Function<String, DisplayListener> displays) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.id = Objects.requireNonNull(id, "id");
        this.params = Objects.requireNonNull(params, "params");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.irqFactory = Objects.requireNonNull(irqFactory, "irqFactory");
        this.dma = Objects.requireNonNull(dma, "dma");
        this.displays = Objects.requireNonNull(displays, "displays");
    }

    /** The {@code -device} driver name being built. */
    public String driver() {
        return spec.driver();
    }

    /** The whole {@code -device} spec (driver and properties). */
    public DeviceSpec spec() {
        return spec;
    }

    /** The {@code -device} properties ({@code id}, {@code bus}, {@code addr} included). */
    public Map<String, String> props() {
        return spec.props();
    }

    /** The id the function will carry: the user's {@code id=}, or the driver name and its index among same-driver devices. */
    public String id() {
        return id;
    }

    public Params params() {
        return params;
    }

    public Stats stats() {
        return stats;
    }

    /** The machine's event kernel, scoped to this device: handlers are named {@code <id>.<name>}. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Guest physical memory as this device reaches it when it masters the bus (virtqueues, backing pages). */
    public Dma dma() {
        return dma;
    }

    /** Where this device's outputs go on the host (QEMU's console/UI); {@link DisplayListener#NONE} when none is modelled. */
    public DisplayListener display() {
        if (display == null) {
            display = Objects.requireNonNull(displays.apply(id), "display");
        }
        return display;
    }

    /** The function's INTx (pin A) line, named {@code <id>.intx}; the first call creates it. */
    public IrqLine irq() {
        if (irq == null) {
            irq = irqFactory.apply(id);
        }
        return irq;
    }
}
