package dev.gvsim.simcore;

/** A named counter; obtained once from {@link Stats} at wiring time, incremented on hot paths. */
public final class Counter {
    private final String name;
    private long value;

    Counter(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void inc() {
        value++;
    }

    public void add(long n) {
        value += n;
    }

    public long get() {
        return value;
    }

    public void set(long v) {
        value = v;
    }
}
