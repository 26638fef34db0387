package dev.gvsim.simcore;

/** Something that runs when its scheduled simulated time comes. */
@FunctionalInterface
public interface EventHandler {
    /**
     * @param now the simulated time of the event (ps)
     * @param arg the argument given when the event was scheduled
     */
    void onEvent(long now, long arg);
}
