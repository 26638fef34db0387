package dev.gvsim.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The hand-over of frames: the simulation side never waits, the screen keeps only the newest per output, and both are counted. */
class FrameExchangeTest {
    private static Frame filled(FrameExchange ex, int slot, long record) {
        Frame f = ex.acquire();
        if (f != null) {
            f.size(2, 1);
            f.pixels[0] = (int) record;
            f.slot = slot;
            f.record = record;
        }
        return f;
    }

    @Test
    void withNoScreenTakingFramesTheProducerDropsAndCountsInsteadOfWaiting() {
        FrameExchange ex = new FrameExchange(4);
        int published = 0;
        for (int i = 0; i < 100; i++) {
            Frame f = filled(ex, 0, i);
            if (f != null) {
                ex.publish(f);
                published++;
            }
        }
        assertThat(published).isEqualTo(4);
        assertThat(ex.published()).isEqualTo(4);
        assertThat(ex.dropped()).isEqualTo(96);
    }

    @Test
    void theScreenKeepsTheNewestFramePerSlotAndCoalescesTheRest() {
        FrameExchange ex = new FrameExchange(8);
        for (int i = 1; i <= 3; i++) {
            ex.publish(filled(ex, 0, i));
        }
        ex.publish(filled(ex, 1, 10));
        Frame[] slots = new Frame[4];
        boolean[] shown = new boolean[4];
        assertThat(ex.drain(slots, shown)).isEqualTo(4);
        assertThat(slots[0].record()).isEqualTo(3);
        assertThat(slots[0].pixels()[0]).isEqualTo(3);
        assertThat(slots[1].record()).isEqualTo(10);
        assertThat(ex.coalesced()).isEqualTo(2); // records 1 and 2 were never drawn
        // a drawn frame replaced later is not counted as coalesced
        shown[0] = true;
        ex.publish(filled(ex, 0, 4));
        assertThat(ex.drain(slots, shown)).isEqualTo(1);
        assertThat(ex.coalesced()).isEqualTo(2);
        assertThat(slots[0].record()).isEqualTo(4);
    }

    @Test
    void framesGoBackToThePoolSoAProducerFedByAScreenNeverDrops() {
        FrameExchange ex = new FrameExchange(3);
        Frame[] slots = new Frame[1];
        boolean[] shown = new boolean[1];
        for (int i = 0; i < 1000; i++) {
            ex.publish(filled(ex, 0, i));
            ex.drain(slots, shown);
            shown[0] = true;
            ex.countShown();
        }
        assertThat(ex.dropped()).isZero();
        assertThat(ex.shown()).isEqualTo(1000);
        assertThat(slots[0].record()).isEqualTo(999);
    }

    @Test
    void theLastFrameIsNeverDroppedEvenWithThePoolExhausted() {
        FrameExchange ex = new FrameExchange(2);
        ex.publish(filled(ex, 0, 1));
        ex.publish(filled(ex, 0, 2));
        assertThat(ex.acquire()).isNull();
        Frame last = ex.acquireLast();
        last.size(1, 1);
        last.slot = 0;
        last.last = true;
        ex.publish(last);
        Frame[] slots = new Frame[1];
        ex.drain(slots, new boolean[1]);
        assertThat(slots[0].last()).isTrue();
        assertThat(ex.counts()).isEqualTo("frames: 3 published, 0 shown, 2 coalesced, 1 dropped");
    }

    @Test
    void aFrameGrowsOnlyForALargerOutput() {
        Frame f = new Frame();
        f.size(4, 4);
        int[] first = f.pixels();
        f.size(2, 2);
        assertThat(f.pixels()).isSameAs(first);
        assertThat(f.width()).isEqualTo(2);
        f.size(8, 8);
        assertThat(f.pixels()).hasSize(64);
    }

    @Test
    void aPoolOfOneIsRefused() {
        assertThatThrownBy(() -> new FrameExchange(1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
    }

    @Test
    void producerAndConsumerOnTwoThreadsLoseNothingButWhatIsCounted() throws Exception {
        FrameExchange ex = new FrameExchange(4);
        int n = 200_000;
        Thread producer = new Thread(() -> {
            for (int i = 1; i <= n; i++) {
                Frame f = filled(ex, 0, i);
                if (f != null) {
                    ex.publish(f);
                }
            }
            Frame last = ex.acquireLast();
            last.size(1, 1);
            last.slot = 0;
            last.record = n + 1;
            last.last = true;
            ex.publish(last);
        });
        producer.start();
        Frame[] slots = new Frame[1];
        boolean[] shown = new boolean[1];
        long received = 0;
        long prev = 0;
        while (slots[0] == null || !slots[0].last()) {
            received += ex.drain(slots, shown);
            if (slots[0] != null) {
                assertThat(slots[0].record()).isGreaterThanOrEqualTo(prev); // in order
                prev = slots[0].record();
                if (!shown[0]) {
                    shown[0] = true;
                    ex.countShown();
                }
            }
        }
        producer.join();
        assertThat(ex.published() + ex.dropped()).isEqualTo(n + 1);
        assertThat(received).isEqualTo(ex.published());
        assertThat(ex.shown() + ex.coalesced()).isEqualTo(ex.published());
    }
}
