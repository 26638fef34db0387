package dev.gvsim.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.machine.replay.ReplayOptions;
import dev.gvsim.machine.replay.Replayer;
import dev.gvsim.simcore.InputException;
import dev.gvsim.simcore.Json;

/**
 * {@link Machine#cpuAccess} routes an access wholly inside the 32-bit PCIe window straight to the
 * PCI host instead of through the system address map. The outcome must be the one the map gives:
 * each trace here replays with the direct route on and off to the same JSON result.
 */
class DirectMmio32RouteTest {
    /** Accesses at the window's edges, across its end into the PIO window, unmapped, and into a BAR's edges. */
    static final String EDGES = String.join("\n",
            "gvsim-trace 1",
            "machine args=\"-M virt -device qxl\"",
            "map va=0xffff800010000000 pa=0x10000000 size=0x8000000 attr=normal-nc", // BAR0 and BAR1
            "map va=0xffff800018000000 pa=0x18000000 size=0x3000 attr=normal-nc", // the ROM BAR and the page after it
            // Normal-NC so that unaligned accesses reach the bus: VA offset = PA around both ends of the window
            "map va=0xffff80003efe0000 pa=0x3efe0000 size=0x20000 attr=normal-nc",
            "map va=0xffff80000fff0000 pa=0xfff0000 size=0x20000 attr=normal-nc",
            "rd va=0xffff800018000000 size=4",
            "rd va=0xffff800018001ffc size=4",
            "rd va=0xffff800018001ffc size=8", // runs past the ROM BAR's end
            "wr va=0xffff800013fffff8 size=8 val=0x1122334455667788",
            "rd va=0xffff800013fffff8 size=8 expect=0x1122334455667788",
            "rd va=0xffff800013fffffc size=8", // across BAR0's end, inside the window
            "wr va=0xffff800010000000 size=8 val=1",
            "rd va=0xffff80003efefff8 size=8", // the window's last 8 bytes
            "rd va=0xffff80003efefffc size=8", // across the window's end
            "wr va=0xffff80003efefff8 size=16 val=1", // across the window's end
            "rd va=0xffff80003efeffff size=1",
            "rd va=0xffff80003eff0000 size=4", // the PIO window
            "rd va=0xffff80000fffffff size=1", // below the window
            "rd va=0xffff80000ffffffc size=8", // across the window's start
            "rd va=0xffff800010000000 size=1",
            "");

    @ParameterizedTest
    @ValueSource(strings = {"edges", "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz", "/dev/gvsim/guesttraces/traces/regress/mmio-access-size.gvt.txt",
            "/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt", "/dev/gvsim/guesttraces/traces/regress/qxl-destroyed-primary.gvt.txt", "/dev/gvsim/guesttraces/traces/regress/page-table-out-of-range.gvt.txt"})
    void sameResultWithAndWithoutTheDirectRoute(String trace) throws Exception {
        String direct = replay(trace, true);
        String viaMap = replay(trace, false);
        assertThat(direct).isEqualTo(viaMap);
        assertThat(direct).contains("\"accesses\"");
    }

    private static String replay(String trace, boolean directRoute) throws Exception {
        ReplayOptions o = new ReplayOptions();
        o.continueAfterFault = true;
        Replayer rp = new Replayer(o, trace);
        try (TraceReader in = open(trace)) {
            rp.run(new SetRouteAfterMachine(in, rp, directRoute));
        }
        assertThat(rp.machine().directMmio32).isEqualTo(directRoute);
        return Json.write(rp.result().toJson());
    }

    private static TraceReader open(String trace) throws IOException, InputException {
        return trace.equals("edges") ? TraceFiles.open(new ByteArrayInputStream(EDGES.getBytes(StandardCharsets.UTF_8)))
                : TraceFiles.openResource(trace);
    }

    /** Passes records through; once the trace's machine record has built the machine, sets its route. */
    private static final class SetRouteAfterMachine implements TraceReader {
        private final TraceReader in;
        private final Replayer rp;
        private final boolean direct;
        private boolean machineSeen;

        SetRouteAfterMachine(TraceReader in, Replayer rp, boolean direct) {
            this.in = in;
            this.rp = rp;
            this.direct = direct;
        }

        @Override
        public boolean next(TraceRecord r) throws InputException {
            if (machineSeen && rp.machine() != null) {
                rp.machine().directMmio32 = direct;
            }
            boolean more = in.next(r);
            machineSeen |= more && r.op == Op.MACHINE;
            return more;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
