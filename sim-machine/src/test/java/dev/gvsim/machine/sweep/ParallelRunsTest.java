package dev.gvsim.machine.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ParallelRunsTest {
    @Test
    void resultsComeBackInInputOrderWhateverTheThreads() throws Exception {
        List<Integer> in = List.of(5, 1, 4, 2, 3);
        for (int jobs = 1; jobs <= 3; jobs++) {
            List<Integer> out = new ArrayList<>();
            try (ParallelRuns<Integer, Integer> r = new ParallelRuns<>(in, x -> {
                Thread.sleep(x);
                return x * 10;
            }, jobs)) {
                for (int i = 0; i < r.size(); i++) {
                    out.add(r.get(i));
                }
            }
            assertThat(out).as("jobs %d", jobs).containsExactly(50, 10, 40, 20, 30);
        }
    }

    @Test
    void aRunsExceptionIsRethrownFromItsIndexUnwrapped() {
        try (ParallelRuns<Integer, Integer> r = new ParallelRuns<>(List.of(1, 2, 3), x -> {
            if (x >= 2) {
                throw new IllegalArgumentException("bad " + x);
            }
            return x;
        }, 2)) {
            assertThatThrownBy(() -> r.get(1)).isInstanceOf(IllegalArgumentException.class).hasMessage("bad 2");
        }
        assertThatThrownBy(() -> new ParallelRuns<>(List.of(1), x -> x, 0)).hasMessageContaining("at least 1");
    }
}
