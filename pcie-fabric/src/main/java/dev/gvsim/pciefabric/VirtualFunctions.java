package dev.gvsim.pciefabric;

import java.util.List;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The PCI host's side of SR-IOV virtual functions ({@link SriovCapability}): placing and removing a VF
 * on a bus (like a built function: routing epoch, fabric counters, reset timing; but not in the host's
 * list of built functions, whose order its checkpoint section keeps), and the VFs' fabric counters in
 * that section (checkpoint format 6). Split out of {@link PciHost} to keep it near its size.
 */
final class VirtualFunctions {
    private VirtualFunctions() {
    }

    /** Puts {@code vf} at {@code devfn} of {@code bus} (null removes the function there). */
    static void place(PciHost h, PciBus bus, int devfn, PciFunction vf) {
        PciFunction old = bus.devfn[devfn];
        if (old != null) {
            h.perFunction.remove(old);
            h.functionsVersion++;
        }
        bus.devfn[devfn] = vf;
        h.routing.bump();
        if (vf != null) {
            vf.useRoutingEpoch(h.routing);
            vf.setAllowZeroIoAddress(h.allowZeroIo);
            h.perFunction.put(vf, new long[4]);
            h.functionsVersion++;
            vf.setBdf(bus.number() << 8 | devfn);
            vf.setResetListener(h.resets::selfReset);
        }
    }

    /** The functions on the buses that were not built from the args (the VFs), in bus order. */
    static List<PciFunction> of(PciHost h) {
        List<PciFunction> out = h.functions();
        out.removeIf(h::isBuilt);
        return out;
    }

    static void saveCounters(PciHost h, StateWriter w) {
        List<PciFunction> vfs = of(h);
        w.putInt(vfs.size());
        for (PciFunction f : vfs) {
            w.putString(f.id());
            for (long v : h.perFunction.get(f)) {
                w.putLong(v);
            }
        }
    }

    /** Reads the VFs' counters, checking them against the VFs the restored PFs created; nothing changes yet. */
    static long[][] readCounters(PciHost h, StateReader r) throws InputException {
        List<PciFunction> vfs = of(h);
        int n = r.getInt();
        if (n != vfs.size()) {
            throw new InputException("checkpoint pci.host: " + n + " virtual functions, the restored PFs created " + vfs.size());
        }
        long[][] c = new long[n][4];
        for (int i = 0; i < n; i++) {
            String id = r.getString();
            if (!vfs.get(i).id().equals(id)) {
                throw new InputException("checkpoint pci.host: virtual function " + i + " is '" + id + "', this machine has '" + vfs.get(i).id() + "'");
            }
            for (int k = 0; k < 4; k++) {
                c[i][k] = r.getLong();
            }
        }
        return c;
    }

    static void applyCounters(PciHost h, long[][] c) {
        List<PciFunction> vfs = of(h);
        for (int i = 0; i < c.length; i++) {
            System.arraycopy(c[i], 0, h.perFunction.get(vfs.get(i)), 0, 4);
        }
    }
}
