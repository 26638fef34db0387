package dev.gvsim.machine.scenario;

/**
 * A machine, a guest and the outcome that counts as success, stated before the run. {@link #run()}
 * runs the model and reports what it observed; it never returns a pre-computed answer.
 */
public interface Scenario {
    /** Stable id ({@code qxl-arm64-ioremap}). */
    String id();

    String title();

    /** What must be observed for the scenario to pass, in words, fixed before running. */
    String expected();

    ScenarioResult run() throws Exception;
}
