package dev.gvsim.machine.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The shared host resources against hand-computed ends. */
class SharedCapacityTest {
    static final long SLOT = SharedCapacity.SLOT_PS;

    @Test
    void aLoneJobRunsAtItsOwnRate() {
        SharedCapacity two = new SharedCapacity(2 * SLOT); // two cores
        // one thread uses one core: 35 slots of work from slot 0 end at 35 slots
        assertThat(two.take(0, 35 * SLOT, SLOT)).isEqualTo(35 * SLOT);
        // starting mid-slot: half of slot 40 then 2 more slots
        assertThat(two.take(40 * SLOT + SLOT / 2, 5 * SLOT / 2, SLOT)).isEqualTo(43 * SLOT);
    }

    @Test
    void threeThreadsOnTwoCoresTakeOneAndAHalfTimesAsLong() {
        Cores cores = new Cores(2);
        long work = 300 * SLOT;
        long a = cores.run(0, work);
        long b = cores.run(0, work);
        long c = cores.run(0, work);
        // the first two take both cores; the third gets nothing while they run, then a whole core
        assertThat(a).isEqualTo(work);
        assertThat(b).isEqualTo(work);
        assertThat(c).isEqualTo(2 * work);
        // total work 900 slots on 2 cores: the last ends no earlier than 450 slots (fluid bound)
        assertThat(c).isGreaterThanOrEqualTo(450 * SLOT);
    }

    @Test
    void aJobHandedOutForLaterDoesNotDelayAnEarlierOne() {
        Cores one = new Cores(1);
        long late = one.run(1000 * SLOT, 100 * SLOT);
        long early = one.run(0, 100 * SLOT);
        assertThat(late).isEqualTo(1100 * SLOT);
        assertThat(early).isEqualTo(100 * SLOT);
    }

    @Test
    void bandwidthIsSharedBetweenOverlappingTransfers() {
        // 100 bytes per slot: 1,000 bytes alone take 10 slots; two at once share it and end at 20
        SharedCapacity mem = new SharedCapacity(100);
        assertThat(mem.take(0, 1000, Long.MAX_VALUE)).isEqualTo(10 * SLOT);
        SharedCapacity mem2 = new SharedCapacity(100);
        long first = mem2.take(0, 1000, 50); // a job limited to half the bandwidth
        long second = mem2.take(0, 1000, Long.MAX_VALUE);
        assertThat(first).isEqualTo(20 * SLOT);
        assertThat(second).isEqualTo(20 * SLOT);
    }

    @Test
    void unlimitedCoresAndBadCapacities() {
        assertThat(new Cores(0).run(5, 7)).isEqualTo(12);
        assertThat(new Cores(0).unlimited()).isTrue();
        assertThatThrownBy(() -> new Cores(-1)).hasMessageContaining("display.host_cores");
        assertThatThrownBy(() -> new SharedCapacity(0)).hasMessageContaining("positive");
    }
}
