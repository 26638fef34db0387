package dev.gvsim.pciefabric;

import java.util.ArrayList;
import java.util.List;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * What the PCI host remembers for its report, beside its counters: the last {@link #RECENT}
 * requests nobody claimed (master aborts on the root bus, Unsupported Requests below a bridge
 * window), and the outcome of the last resource allocation (the kernel-style log of what was
 * assigned and what could not be). Part of {@link PciHost}'s state ({@code pci.host} section).
 */
final class FabricLog {
    /** Count of recent unclaimed addresses kept for the report. */
    static final int RECENT = 16;
    /** Bound on restored allocation log lines (hostile checkpoints). */
    private static final int MAX_LOG_LINES = 1 << 16;
    /** Kinds of unclaimed request, as saved. */
    static final byte MEM_MASTER_ABORT = 0;
    static final byte IO_MASTER_ABORT = 1;
    static final byte MEM_UR = 2;
    static final byte IO_UR = 3;

    private final long[] addr = new long[RECENT];
    private final byte[] kind = new byte[RECENT];
    private int count;
    private final List<String> assigned = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private String policy = "none";

    /** An unclaimed request at {@code address} of {@code k} ({@link #MEM_MASTER_ABORT} .. {@link #IO_UR}). */
    void unclaimed(long address, byte k) {
        int i = count % RECENT;
        addr[i] = address;
        kind[i] = k;
        count++;
    }

    /** The recent unclaimed requests, oldest first, e.g. {@code "mem master-abort 0x2f000000"}. */
    List<String> recent() {
        List<String> out = new ArrayList<>();
        int n = Math.min(count, RECENT);
        for (int j = 0; j < n; j++) {
            int i = (count - n + j) % RECENT;
            String k = switch (kind[i]) {
                case MEM_MASTER_ABORT -> "mem master-abort";
                case IO_MASTER_ABORT -> "io master-abort";
                case MEM_UR -> "mem UR below bridge";
                default -> "io UR below bridge";
            };
            out.add(k + " 0x" + Long.toHexString(addr[i]));
        }
        return out;
    }

    void beginAllocation(String allocator) {
        policy = allocator;
        assigned.clear();
        failures.clear();
    }

    void logAssigned(String line) {
        assigned.add(line);
    }

    void logFailure(String line) {
        failures.add(line);
    }

    String policy() {
        return policy;
    }

    List<String> assigned() {
        return List.copyOf(assigned);
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    void save(StateWriter w) {
        w.putInt(count);
        for (int i = 0; i < RECENT; i++) {
            w.putLong(addr[i]).putInt(kind[i]);
        }
        w.putString(policy);
        w.putInt(assigned.size());
        for (String l : assigned) {
            w.putString(l);
        }
        w.putInt(failures.size());
        for (String l : failures) {
            w.putString(l);
        }
    }

    /** Reads and checks what {@link #save} wrote; nothing changes until {@link Restored#apply}. */
    Restored read(StateReader r) throws InputException {
        Restored s = new Restored();
        s.count = r.getInt();
        if (s.count < 0) {
            throw new InputException("checkpoint pci.host: unclaimed count " + s.count);
        }
        for (int i = 0; i < RECENT; i++) {
            s.addr[i] = r.getLong();
            int k = r.getInt();
            if (k < MEM_MASTER_ABORT || k > IO_UR) {
                throw new InputException("checkpoint pci.host: unclaimed kind " + k);
            }
            s.kind[i] = (byte) k;
        }
        s.policy = r.getString();
        s.assigned = readLines(r, "allocation log");
        s.failures = readLines(r, "allocation failures");
        return s;
    }

    /** A read, checked log waiting to replace this one. */
    final class Restored {
        private int count;
        private final long[] addr = new long[RECENT];
        private final byte[] kind = new byte[RECENT];
        private String policy;
        private List<String> assigned;
        private List<String> failures;

        void apply() {
            FabricLog.this.count = count;
            System.arraycopy(addr, 0, FabricLog.this.addr, 0, RECENT);
            System.arraycopy(kind, 0, FabricLog.this.kind, 0, RECENT);
            FabricLog.this.policy = policy;
            FabricLog.this.assigned.clear();
            FabricLog.this.assigned.addAll(assigned);
            FabricLog.this.failures.clear();
            FabricLog.this.failures.addAll(failures);
        }
    }

    private static List<String> readLines(StateReader r, String what) throws InputException {
        int n = r.getInt();
        if (n < 0 || n > MAX_LOG_LINES) {
            throw new InputException("checkpoint pci.host: " + n + " lines of " + what);
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String l = r.getString();
            if (l == null) {
                throw new InputException("checkpoint pci.host: null line in " + what);
            }
            out.add(l);
        }
        return out;
    }
}
