package dev.gvsim.pciefabric;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link PciHost}'s own state beside its routing: the per-function fabric counters (config reads,
 * config writes, memory, I/O) and SBR assertion times, as the report lists them and as the
 * {@code pci.host} checkpoint section holds them with the recent-unclaimed ring and the allocation
 * outcome ({@link FabricLog}) and the SR-IOV VFs' counters ({@link VirtualFunctions}).
 */
final class HostState {
    private HostState() {
    }

    /** Per function, by {@code bdf id}: id, type, the four counters, and its writes to unimplemented bits if any. */
    static Map<String, Object> functionsReport(PciHost h) {
        Map<String, Object> fns = new TreeMap<>();
        for (PciFunction f : h.functions()) {
            long[] c = h.perFunction.get(f);
            Map<String, Object> e = new TreeMap<>();
            e.put("id", f.id());
            e.put("type", f.typeName());
            e.put("config_reads", c[0]);
            e.put("config_writes", c[1]);
            e.put("mem_accesses", c[2]);
            e.put("io_accesses", c[3]);
            List<String> unimplemented = f.unimplementedWrites();
            if (!unimplemented.isEmpty()) {
                e.put("unimplemented_writes", unimplemented); // configuration bits the model does not implement
            }
            fns.put(PciFunction.formatBdf(f.bdf()) + " " + f.id(), e);
        }
        return fns;
    }

    /** See {@link PciHost#saveState}. */
    static void save(PciHost h, dev.gvsim.simcore.state.StateWriter w) {
        h.log.save(w);
        w.putInt(h.all.size());
        for (PciFunction f : h.all) {
            w.putString(f.id());
            long[] c = h.perFunction.get(f);
            for (long v : c) {
                w.putLong(v);
            }
            Long at = f instanceof PciBridgeBase br ? h.resets.assertedAt(br) : null;
            w.putBoolean(at != null);
            w.putLong(at != null ? at : 0);
        }
        VirtualFunctions.saveCounters(h, w); // format 6: the SR-IOV VFs' counters
    }

    /** See {@link PciHost#restoreState}: everything is read and checked before anything is applied. */
    static void restore(PciHost h, dev.gvsim.simcore.state.StateReader r) throws dev.gvsim.simcore.InputException {
        FabricLog.Restored restoredLog = h.log.read(r);
        int n = r.getInt();
        if (n != h.all.size()) {
            throw new dev.gvsim.simcore.InputException("checkpoint pci.host: " + n + " functions, this machine has " + h.all.size());
        }
        long[][] pf = new long[n][4];
        long[] sbr = new long[n];
        boolean[] hasSbr = new boolean[n];
        for (int i = 0; i < n; i++) {
            String id = r.getString();
            PciFunction f = h.all.get(i);
            if (!f.id().equals(id)) {
                throw new dev.gvsim.simcore.InputException("checkpoint pci.host: function " + i + " is '" + id + "', this machine has '"
                        + f.id() + "'");
            }
            for (int k = 0; k < 4; k++) {
                pf[i][k] = r.getLong();
            }
            hasSbr[i] = r.getBoolean();
            sbr[i] = r.getLong();
            if (hasSbr[i] && !(f instanceof PciBridgeBase)) {
                throw new dev.gvsim.simcore.InputException("checkpoint pci.host: SBR time for " + id + ", which is not a bridge");
            }
        }
        long[][] vc = VirtualFunctions.readCounters(h, r);
        restoredLog.apply();
        h.resets.clearAssertions();
        VirtualFunctions.applyCounters(h, vc);
        for (int i = 0; i < n; i++) {
            PciFunction f = h.all.get(i);
            System.arraycopy(pf[i], 0, h.perFunction.get(f), 0, 4); // same arrays: the decode cache may hold one
            if (hasSbr[i]) {
                h.resets.restoreAssertion((PciBridgeBase) f, sbr[i]);
            }
        }
        h.invalidateDecodeCache();
    }
}
