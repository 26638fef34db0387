package dev.gvsim.junit;

import org.assertj.core.api.Assertions;

/**
 * Entry point for gvsim's AssertJ assertions, with all of AssertJ's: {@code import static
 * dev.gvsim.junit.GvsimAssertions.assertThat;}. ({@link ReplayRun} and {@link BootRun} are also
 * {@code AssertProvider}s, so AssertJ's own {@code Assertions.assertThat} gives the same assertions.)
 */
public class GvsimAssertions extends Assertions {
    protected GvsimAssertions() {
    }

    public static ReplayRunAssert assertThat(ReplayRun run) {
        return new ReplayRunAssert(run);
    }

    public static BootRunAssert assertThat(BootRun run) {
        return new BootRunAssert(run);
    }
}
