package dev.gvsim.simcore;

/**
 * Something that can complete an {@link Access}: memory, a bridge, a device register block.
 * {@code offset} is the access address relative to the start of the range the target was mapped
 * at; {@code a.address} keeps the absolute address for reports. A target adds its latency to
 * {@code a.latencyPs} and sets {@code a.status} when it does not complete normally; it never
 * throws for anything the guest controls.
 */
@FunctionalInterface
public interface Target {
    void access(Access a, long offset);
}
