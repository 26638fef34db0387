package dev.gvsim.qxldevice;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.ParamDef;
import dev.gvsim.simcore.Params;
import dev.gvsim.simcore.state.StateReader;
import dev.gvsim.simcore.state.StateWriter;

/**
 * The reasons a guest was told it erred: QEMU's qxl_set_guest_bug messages and spice-server's
 * spice_warning / spice_critical rejections, all counted, the first {@code qxl.max_guest_errors_kept}
 * kept for the report.
 */
final class QxlGuestErrors {
    static final ParamDef P_MAX_GUEST_ERRORS = ParamDef.longParam("qxl.max_guest_errors_kept", 256L, "entries",
            "gvsim bound on report size", "Guest error reasons kept in the report (all are counted).");
    /** Bound on restored reasons (as {@code qxl.max_guest_errors_kept}'s own clamp). */
    static final int MAX_RESTORED = 1 << 20;
    /** The message of the checks on the count and list (with the async completions and the last log line). */
    static final String LIST = "guest error list / counters";

    private final int maxKept;
    private long count;
    private final List<String> kept = new ArrayList<>();
    private final List<String> view = Collections.unmodifiableList(kept);

    /** {@code p} has {@link #P_MAX_GUEST_ERRORS} declared. */
    QxlGuestErrors(Params p) {
        this.maxKept = (int) Math.max(1, Math.min(p.getLong(P_MAX_GUEST_ERRORS), 1 << 20));
    }

    void record(String reason) {
        count++;
        if (kept.size() < maxKept) {
            kept.add(reason);
        }
    }

    /** The kept reasons, oldest first (a read-only view). */
    List<String> list() {
        return view;
    }

    /** Report keys {@code guest_error_count} and {@code guest_errors}. */
    void report(Map<String, Object> out) {
        out.put("guest_error_count", count);
        out.put("guest_errors", new ArrayList<>(kept));
    }

    void saveCount(StateWriter w) {
        w.putLong(count);
    }

    /** The number of kept reasons, then each. */
    void saveList(StateWriter w) {
        w.putInt(kept.size());
        for (String e : kept) {
            w.putString(e);
        }
    }

    /** The count {@link #saveCount} wrote; checked by {@link #restoreList}. */
    long readCount(StateReader r) throws InputException {
        return r.getLong();
    }

    /**
     * Reads the list {@link #saveList} wrote, checks it with the count read before (failures of
     * the checks recorded in {@code ck} so far are reported first); the returned action applies both.
     */
    Runnable restoreList(StateReader r, QxlCheckpoint ck, long nCount) throws InputException {
        int ne = r.getInt();
        ck.check(nCount >= 0 && ne >= 0 && ne <= MAX_RESTORED && ne <= nCount, LIST);
        ck.throwFailed();
        List<String> errs = new ArrayList<>(Math.min(ne, 1024));
        for (int i = 0; i < ne; i++) {
            String e = r.getString();
            if (e == null) {
                throw ck.bad("guest error " + i);
            }
            errs.add(e);
        }
        return () -> {
            count = nCount;
            kept.clear();
            kept.addAll(errs);
        };
    }
}
