package dev.gvsim.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.gvsim.viewer.ViewerControl.Key;

/** The keys' state machine: pause, single step, speed, quit; and the pacing it asks of the simulation thread. */
class ViewerControlTest {
    @Test
    void pauseStepsOneRecordPerKeyAndSpaceRunsAgain() throws Exception {
        ViewerControl c = new ViewerControl(true, ViewerControl.UNLIMITED);
        AtomicInteger done = new AtomicInteger();
        CountDownLatch quit = new CountDownLatch(1);
        Thread sim = new Thread(() -> {
            try {
                while (c.awaitRecord()) {
                    done.incrementAndGet();
                    if (done.get() == 1000) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            quit.countDown();
        });
        sim.start();
        Thread.sleep(50);
        assertThat(done.get()).isZero(); // started paused: nothing runs
        c.key(Key.STEP);
        c.key(Key.STEP);
        waitFor(() -> done.get() == 2);
        Thread.sleep(50);
        assertThat(done.get()).isEqualTo(2); // exactly one record per step
        c.key(Key.PAUSE); // run
        assertThat(quit.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(done.get()).isEqualTo(1000);
    }

    @Test
    void stepWhileRunningPausesFirstAndQuitReleasesAPausedSimulation() throws Exception {
        ViewerControl c = new ViewerControl(false, 3);
        assertThat(c.paused()).isFalse();
        c.key(Key.STEP);
        assertThat(c.paused()).isTrue();
        assertThat(c.state()).startsWith("paused");
        CountDownLatch ended = new CountDownLatch(1);
        boolean[] answer = {true};
        Thread sim = new Thread(() -> {
            try {
                answer[0] = c.awaitRecord();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ended.countDown();
        });
        sim.start();
        Thread.sleep(30);
        assertThat(ended.getCount()).isEqualTo(1); // waiting for the user
        c.quit();
        assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(answer[0]).isFalse();
        assertThat(c.quitting()).isTrue();
    }

    @Test
    void speedKeysMoveByAFactorOfTenBetweenOneRecordPerSecondAndUnlimited() {
        ViewerControl c = new ViewerControl(false, ViewerControl.speedIndex(1000));
        assertThat(c.recordsPerSecond()).isEqualTo(1000);
        c.key(Key.FASTER);
        assertThat(c.recordsPerSecond()).isEqualTo(10_000);
        for (int i = 0; i < 10; i++) {
            c.key(Key.FASTER);
        }
        assertThat(c.recordsPerSecond()).isZero();
        assertThat(c.state()).contains("unlimited");
        for (int i = 0; i < 20; i++) {
            c.key(Key.SLOWER);
        }
        assertThat(c.recordsPerSecond()).isEqualTo(1);
        assertThat(c.state()).contains("at 1 records/s");
    }

    @Test
    void pacingSpacesRecordsByTheSpeedAndDoesNotRaceToCatchUp() {
        ViewerControl c = new ViewerControl(false, ViewerControl.speedIndex(100)); // 10 ms a record
        long t = 1_000_000_000L;
        assertThat(c.delayNanos(t)).isEqualTo(10_000_000L);
        t += 10_000_000L;
        assertThat(c.delayNanos(t)).isEqualTo(10_000_000L);
        t += 2_000_000L; // 8 ms early... the record took no time: wait the rest
        assertThat(c.delayNanos(t)).isEqualTo(18_000_000L);
        t += 5_000_000_000L; // 5 s behind (a breakpoint, a slow machine): start afresh, no burst
        assertThat(c.delayNanos(t)).isEqualTo(10_000_000L);
        c.key(Key.FASTER);
        c.key(Key.FASTER);
        c.key(Key.FASTER);
        c.key(Key.FASTER);
        c.key(Key.FASTER); // unlimited
        assertThat(c.delayNanos(t)).isZero();
        c.key(Key.STEP); // paused: stepping is never delayed
        c.key(Key.SLOWER);
        assertThat(c.delayNanos(t)).isZero();
    }

    @Test
    void aSpeedThatIsNoStepIsRefusedWithTheChoices() {
        assertThat(ViewerControl.speedIndex(0)).isEqualTo(ViewerControl.UNLIMITED);
        assertThatThrownBy(() -> ViewerControl.speedIndex(50)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of ten from 1 to 1000000");
    }

    @Test
    void glfwKeysMapToViewerKeys() {
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_SPACE)).isEqualTo(Key.PAUSE);
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_N)).isEqualTo(Key.STEP);
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_RIGHT)).isEqualTo(Key.STEP);
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_EQUAL)).isEqualTo(Key.FASTER);
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_MINUS)).isEqualTo(Key.SLOWER);
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_ESCAPE)).isEqualTo(Key.QUIT);
        assertThat(GlScreen.keyOf(org.lwjgl.glfw.GLFW.GLFW_KEY_A)).isNull();
    }

    private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(end);
            Thread.sleep(1);
        }
    }
}
