package dev.gvsim.simcore;

/**
 * A link or server that serves requests one after another in simulated time: each request costs a
 * fixed latency plus {@code bytes / bandwidth}, and waits while earlier requests still occupy the
 * link. Used for PCIe links, copy engines, encoders. No allocation.
 */
public final class BandwidthServer {
    private final String name;
    private final long latencyPs;
    private final double psPerByte;
    private long busyUntil;
    private long served;
    private long bytes;
    private long busyPs;

    /**
     * @param latencyPs fixed cost per request
     * @param bytesPerSecond sustained bandwidth; {@code <= 0} means unlimited
     */
    public BandwidthServer(String name, long latencyPs, double bytesPerSecond) {
        if (latencyPs < 0) {
            throw new IllegalArgumentException(name + ": negative latency");
        }
        this.name = name;
        this.latencyPs = latencyPs;
        this.psPerByte = bytesPerSecond <= 0 ? 0 : SimTime.S / bytesPerSecond;
    }

    public String name() {
        return name;
    }

    /**
     * Serves a request of {@code n} bytes arriving at {@code now}.
     *
     * @return the simulated time at which it completes
     */
    public long serve(long now, long n) {
        long start = Math.max(now, busyUntil);
        long occupancy = Math.round(n * psPerByte);
        busyUntil = start + occupancy;
        busyPs += occupancy;
        served++;
        bytes += n;
        return busyUntil + latencyPs;
    }

    public long busyUntil() {
        return busyUntil;
    }

    public long requests() {
        return served;
    }

    public long bytes() {
        return bytes;
    }

    /** Time the link was occupied transferring data. */
    public long busyPs() {
        return busyPs;
    }

    public void reset() {
        busyUntil = 0;
        served = 0;
        bytes = 0;
        busyPs = 0;
    }
}
