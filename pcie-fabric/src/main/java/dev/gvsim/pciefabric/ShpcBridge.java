package dev.gvsim.pciefabric;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.AccessRules;
import dev.gvsim.simcore.regs.Field;
import dev.gvsim.simcore.regs.Register;

/**
 * A conventional-secondary bridge of QEMU's with a Standard Hot-Plug Controller ({@link Shpc}): the
 * SHPC capability with its DWORD Select / DWORD Data window (QEMU hw/pci/shpc.c
 * shpc_cap_add_config, shpc_cap_write_config) and the register set in the 64-bit BAR0 (shpc_init,
 * shpc_mmio_ops: 1- to 4-byte accesses, little-endian), reset with the bridge.
 */
abstract class ShpcBridge extends PciBridgeBase {
    /** SHPC register block size rounded to a power of two (QEMU shpc_bar_size: 0x24 + 4 x 31 = 0xa0 -> 0x100). */
    public static final long SHPC_BAR_SIZE = 0x100;

    private final Shpc shpc = new Shpc();
    private final int shpcCap;
    private boolean enabled;

    protected ShpcBridge(String typeName, int vendor, int device, int shpcCap, boolean enabled) {
        super(typeName, vendor, device, 0, false, true);
        this.shpcCap = shpcCap;
        enableShpc(enabled);
    }

    /** Whether the bridge has the controller: its BAR0 is declared now (before the power-on image is taken). */
    protected final void enableShpc(boolean on) {
        if (on && !enabled) {
            declareBar(new Bar(0, BarKind.MEM64, SHPC_BAR_SIZE, false, AccessRules.aligned(1, 4), "shpc"));
        }
        enabled = on;
    }

    /** Whether the bridge has its hot-plug controller (QEMU: always for pcie-pci-bridge; pci-bridge's {@code shpc} property). */
    public final boolean shpcEnabled() {
        return enabled;
    }

    /** Adds the SHPC capability at the offset given to the constructor; call it where QEMU's realize adds it (the list order). */
    protected final void addShpcCapability() {
        if (!enabled) {
            return;
        }
        addCapability(CAP_ID_SHPC, shpcCap, Shpc.CAP_LENGTH);
        String src = "QEMU 7.2 hw/pci/shpc.c shpc_cap_add_config";
        regs.declare(Register.of("SHPC.DWORD_SELECT", shpcCap + Shpc.CAP_DWORD_SELECT, 1, 0, src + ": which register of the set the data window shows",
                Field.rw("dword_select", 7, 0)));
        regs.declare(Register.whole("SHPC.CXP", shpcCap + 3, 1, dev.gvsim.simcore.regs.FieldKind.RO, 0, src + ": CSP/CIP pending bits, 0"));
        regs.declare(Register.of("SHPC.DWORD_DATA", shpcCap + Shpc.CAP_DWORD_DATA, 4, 0, src + ": the selected register (written through "
                + "to it: shpc_cap_write_config)", Field.rw("dword_data", 31, 0)));
    }

    @Override
    protected void configWritten(int offset, int size, long value) {
        super.configWritten(offset, size, value);
        if (!enabled) {
            return;
        }
        int cap = shpcCap;
        if (offset >= cap + Shpc.CAP_LENGTH || cap >= offset + size) {
            return;
        }
        shpc.ensureReset(secondaryBusObject());
        int select = config[cap + Shpc.CAP_DWORD_SELECT] & 0xFF;
        if (offset < cap + Shpc.CAP_DWORD_DATA + 4 && cap + Shpc.CAP_DWORD_DATA < offset + size) {
            shpc.write(select * 4, 4, long32(cap + Shpc.CAP_DWORD_DATA) & 0xFFFF_FFFFL);
        }
        // the window shows the selected register again, as the guest may read it next (shpc_cap_update_dword)
        setLong32(cap + Shpc.CAP_DWORD_DATA, (int) shpc.read(select * 4, 4));
    }

    /** BAR0: the SHPC register set. */
    @Override
    public void barAccess(Bar bar, long offset, Access a) {
        shpc.ensureReset(secondaryBusObject());
        if (a.isRead()) {
            a.data = shpc.read((int) offset, a.size);
        } else {
            shpc.write((int) offset, a.size, a.data);
        }
    }

    @Override
    public void reset(ResetKind kind) {
        super.reset(kind);
        if (enabled) {
            shpc.reset(secondaryBusObject());
        }
    }

    /** Whether the controller asserts its interrupt (the interrupt locator is reported; INTx/MSI delivery is not modelled). */
    public final boolean shpcInterruptPending() {
        shpc.ensureReset(secondaryBusObject());
        return shpc.interruptPending();
    }

    @Override
    public void saveState(dev.gvsim.simcore.state.StateWriter w) {
        super.saveState(w);
        shpc.save(w);
    }

    @Override
    public void restoreState(dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        super.restoreState(r);
        shpc.restore(r);
    }
}
