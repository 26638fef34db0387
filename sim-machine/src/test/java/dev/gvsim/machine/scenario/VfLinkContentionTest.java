package dev.gvsim.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.simcore.Params;

/** The PF link replay: with link parameters chosen so every occupancy is a round number (10 ns + 1 ns per byte). */
class VfLinkContentionTest {
    static VfLinkContention link() {
        Params p = MachineBuilder.declaredParams();
        p.set("mem.uc.txn_overhead=10ns");
        p.set("mem.link.bytes_per_ns=1");
        return new VfLinkContention(p);
    }

    /** {@code n} transactions of 64 bytes, one every {@code gapPs}. */
    static VfLinkContention.Stream stream(String name, int n, long gapPs) {
        VfLinkContention.Stream s = new VfLinkContention.Stream(name);
        for (int i = 0; i < n; i++) {
            s.add(i * gapPs, 64);
        }
        return s;
    }

    @Test
    void aloneThereIsNoContentionAndTheLinkPacesTheStream() {
        VfLinkContention l = link();
        // 74 ns a transaction on the link, issued every 100 ns: never waits
        VfLinkContention.Stream s = stream("a", 10, 100_000);
        VfLinkContention.Result alone = l.alone(List.of(s)).get(0);
        assertThat(alone.endPs).isEqualTo(9 * 100_000 + 74_000);
        assertThat(alone.waitPs).isZero();
        VfLinkContention.Result together = l.together(List.of(s)).get(0);
        assertThat(together.endPs).as("one VM together is the VM alone").isEqualTo(alone.endPs);
        assertThat(together.waitPs).isZero();
    }

    @Test
    void twoStreamsShareTheLinkAndBothSlowDown() {
        VfLinkContention l = link();
        // each alone: 100 ns apart, 74 ns each; together the link needs 148 ns per 100 ns: both wait and fall behind
        List<VfLinkContention.Stream> two = List.of(stream("a", 100, 100_000), stream("b", 100, 100_000));
        List<VfLinkContention.Result> alone = l.alone(two);
        List<VfLinkContention.Result> together = l.together(two);
        for (int i = 0; i < 2; i++) {
            assertThat(together.get(i).endPs).isGreaterThan(alone.get(i).endPs);
            assertThat(together.get(i).waitPs).isPositive();
            assertThat(together.get(i).mbPerS()).isLessThan(alone.get(i).mbPerS());
        }
        // the link is busy without a gap: 200 transactions x 74 ns end the later stream
        assertThat(Math.max(together.get(0).endPs, together.get(1).endPs)).isEqualTo(200 * 74_000L);
        assertThat(GpuPartitioningScenario.contended(alone, together)).isTrue();
        assertThat(GpuPartitioningScenario.contended(alone, alone)).as("alone against alone: no contention").isFalse();
    }

    @Test
    void aFloodIsServedInTurnWithTheOthersNotAhead() {
        VfLinkContention l = link();
        // a flood issuing back to back (as fast as the link takes it) against a victim at one every 100 ns
        VfLinkContention.Stream flood = stream("flood", 10_000, 0);
        VfLinkContention.Stream victim = stream("victim", 100, 100_000);
        List<VfLinkContention.Result> r = l.together(List.of(victim, flood));
        // the victim waits at most for two of the flood's transactions: the one on the link when it became ready and the
        // next, which became ready when that one started (earlier than the victim)
        assertThat(r.get(0).maxWaitPs).isLessThanOrEqualTo(2 * 74_000);
        assertThat(r.get(0).maxWaitPs).isPositive();
        assertThat(r.get(0).endPs).isLessThan(r.get(1).endPs);
        assertThat(r.get(0).endPs).isGreaterThan(l.alone(List.of(victim)).get(0).endPs);
        // deterministic
        assertThat(VfLinkContention.report(l.alone(List.of(victim, flood)), l.together(List.of(victim, flood))).toString())
                .isEqualTo(VfLinkContention.report(l.alone(List.of(victim, flood)), r).toString());
    }
}
